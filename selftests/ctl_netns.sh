#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces never see each other's flows.
#
# Three fresh namespaces, IPv6 disabled, no link between them: all traffic
# goes over each one's own loopback (counted once, at LOCAL_OUT):
#   A ($NS_C)  udp 127.0.0.1:40000 -> :6000, 1 x 100 bytes      (the "quad")
#              udp -> :6001, 2 x 50 bytes echoed                 (REPLIED)
#              ping -c 2, identifier 4242                        (REPLY)
#   B ($NS_S)  udp 127.0.0.1:40000 -> :6000, 1 x 20 bytes        (same quad)
#              udp -> :6000, 4 x 200 bytes                       (UNREPLIED)
#              tcp -> :5002, 1000 bytes each way, held open      (ESTABLISHED)
#   T          ping -c 1, identifier 4242                        (A's echo key)
# So the same key exists in two namespaces with different counters.
# Every check compares exact rows (addresses, ports, states, packets,
# bytes and payload both ways):
#  - `flowctl list` and /proc/net/flowmon of each namespace show exactly its
#    own flows; `flowctl get` of a shared key returns the namespace's own
#    counters, of another namespace's flow "no such flow" with status 1;
#    `flowctl stats` counts per namespace;
#  - an unfiltered `flowctl reset` in A hands back A's three flows and
#    zeroes them; B's and T's flows (first/last_seen included) and stats do
#    not change; an unfiltered `flowctl flush` in B says "flushed 3" and
#    empties B (stats: flushed 3, destroyed 3, active 0); A and T unchanged;
#  - `flowctl config timeout_udp=7777` in A and `config max_flows=5
#    timeout_icmp=9000` in T change only their own namespace (B and the
#    init netns read the same config as before); B's timeout_icmp=1
#    expires B's new echo flow (B: expired 1) while the older, idle echo
#    flows of A and T stay (expired 0);
#  - `flowctl -j monitor` in each namespace sees exactly the events of its
#    own flows: A 3 NEW; T 1 NEW; B 4 NEW, the TCP flow's ESTABLISHED, 3
#    DESTROY flushed with the final counters and its echo flow's DESTROY
#    timeout;
#  - the init namespace, where the test runs, has none of these flows (list,
#    get, /proc, a monitor there).
# Under emulation every process costs: each namespace's commands of a step
# run in one `ip netns exec bash`, and the checks use bash builtins.

. "$(dirname "$0")/lib.sh"

# No locale files to load for every process.
export LC_ALL=C

require_root_tools ping
flowmon_load

NS_A=$NS_C
NS_B=$NS_S
NS_T=ns_third_$$
INIT=-
LO=127.0.0.1
ID=4242
QPORT=40000
D=$TMPD
# For the scripts run inside the namespaces.
export NSF=$FLOWCTL NSD=$TMPD NSPY=$PY NST=$SELFTEST_DIR/traffic.py

# make_ns NS: a loopback_ns with TCP's options fixed and one-hour timeouts;
# its stats in $D/NS.stats0.
make_ns()
{
	loopback_ns "$1"
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 \
		net.ipv4.tcp_window_scaling=1 >/dev/null || die "sysctl in $1"
	long_timeouts "$1"
	fc "$1" stats >"$D/$1.stats0" || die "flowctl stats in $1"
}

# ready NS PID PROTO:PORT...: wait (30 s) in one netns exec until the
# monitor PID has joined its multicast groups (a generic netlink socket of
# its port id with groups, in /proc/net/netlink of NS; `ip netns exec` execs
# it, so the pid is the monitor's) and something listens on each PORT.
ready()
{
	nsrun "$1" '
		pid=$1
		shift
		SECONDS=0
		while [ $SECONDS -lt 30 ]; do
			joined= missing=
			while read -r sk eth portid groups rest; do
				if [ "$eth" = 16 ] && [ "$groups" != 00000000 ] &&
					[ $((portid % 4194304)) = "$pid" ]; then
					joined=1
				fi
			done </proc/net/netlink
			[ -n "$joined" ] || missing="the monitor"
			if [ $# -gt 0 ]; then
				have=" "
				while read -r proto st rq sq local rest; do
					have+="$proto:${local##*:} "
				done < <(ss -Hlnut)
				for p in "$@"; do
					[[ $have == *" $p "* ]] || missing+=" $p"
				done
			fi
			[ -z "$missing" ] && exit 0
			sleep 0.1
		done
		echo "not ready: $missing" >&2
		exit 1' "$2" "${@:3}" || die "$1: monitor or servers not ready"
}

# collect TAG NS: `flowctl list -o plain`, /proc/net/flowmon, `flowctl
# stats` and `flowctl config` of NS in $D/TAG.{list,proc,stats,config}.
collect()
{
	nsrun "$2" '
		o=$NSD/$1
		"$NSF" list -o plain >"$o.list" || exit 1
		mapfile L </proc/net/flowmon || exit 1
		printf "%s" "${L[@]}" >"$o.proc"
		"$NSF" stats >"$o.stats" && "$NSF" config >"$o.config"' "$1" ||
		die "collecting the state of $2"
}



# same_rows DESC FILE1 FILE2: the same rows, whole (first_seen, last_seen
# too), but for the age in seconds.
same_rows()
{
	rows "$2" 17
	rows_are "$1" "$3" 17 "${ROWS[@]}"
}


# same_file DESC FILE1 FILE2: the same lines.
same_file()
{
	local a b l
	mapfile -t a <"$2"
	mapfile -t b <"$3"
	if [ "${a[*]}" = "${b[*]}" ]; then
		ok "$1 (${#a[@]} lines)"
		return 0
	fi
	fail "$1"
	for l in "${a[@]}"; do
		echo "#   before: $l"
	done
	for l in "${b[@]}"; do
		echo "#   after:  $l"
	done
}

# config_is DESC FILE BASE KEY=VALUE...: the `flowctl config` output FILE
# is BASE with these values changed.
config_is()
{
	local desc=$1 file=$2 base=$3 k v kv want=() got
	shift 3
	while read -r k v; do
		for kv in "$@"; do
			[ "${kv%%=*}" = "$k" ] && v=${kv#*=}
		done
		want+=("$k $v")
	done <"$base"
	mapfile -t got <"$file"
	expect_eq "$desc" "${want[*]}" "${got[*]}"
}

# gets NS TAG GET-ARGS...: `flowctl get -o plain` of each GET-ARGS (a
# string, split on spaces) in NS, in one netns exec; then GOT[i] is
# "status S: LAST-LINE", LAST-LINE the flow's row (first 15 fields) or the
# error message.
gets()
{
	local ns=$1 tag=$2 i line f
	shift 2
	nsrun "$ns" '
		o=$NSD/$1
		shift
		i=0
		for a in "$@"; do
			i=$((i + 1))
			rc=0
			"$NSF" get -o plain $a >"$o.$i" 2>&1 || rc=$?
			echo $rc >"$o.$i.rc"
		done' "$tag" "$@"
	GOT=()
	for ((i = 1; i <= $#; i++)); do
		line=
		while read -ra f; do
			line=${f[*]:0:15}
		done <"$D/$tag.$i"
		read -r f <"$D/$tag.$i.rc"
		GOT+=("status $f: $line")
	done
}

lines_are()
{
	local l
	mapfile l <"$1"
	[ ${#l[@]} -eq "$2" ]
}

step "three fresh namespaces, IPv6 disabled, one-hour timeouts"
for ns in "$NS_A" "$NS_B" "$NS_T"; do
	make_ns "$ns"
	expect_stats "$ns before any traffic" "$D/$ns.stats0" \
		active=0 created=0 destroyed=0 untracked=0
done
SHOW_FLOWS_ON_FAIL=1
"$FLOWCTL" config >"$D/I0.config" || die "flowctl config in the init netns"

step "servers and monitors"
bg sinkA "$NS_A" $TRAFFIC udp-sink 6000
bg echoA "$NS_A" $TRAFFIC udp-echo 6001
bg sinkB "$NS_B" $TRAFFIC udp-sink 6000
bg tsrv "$NS_B" $TRAFFIC tcp-server 5002 --recv 1000 --send 1000
tsrv=$BG_PID
bg monA "$NS_A" "$FLOWCTL" -j monitor
monA=$BG_PID
bg monB "$NS_B" "$FLOWCTL" -j monitor
monB=$BG_PID
bg monT "$NS_T" "$FLOWCTL" -j monitor
monT=$BG_PID
"$FLOWCTL" -j monitor >"$D/monI.out" 2>"$D/monI.err" &
monI=$!
BG_PIDS+=("$monI")
ready "$NS_A" "$monA" udp:6000 udp:6001
ready "$NS_B" "$monB" udp:6000 tcp:5002
ready "$NS_T" "$monT"
ready "$INIT" "$monI"

step "traffic in each namespace over its own loopback, at the same time"
bg trafA "$NS_A" bash -c '
	"$NSPY" "$NST" udp-flows $1 6000 --count 1 --base-port $2 --size 100 >"$NSD/a-quad" &&
	"$NSPY" "$NST" udp-send $1 6001 --count 2 --size 50 --echo >"$NSD/a-echo" &&
	ping -4 -c 2 -i 0.2 -W 10 -e $3 $1 >"$NSD/a-ping"' - $LO $QPORT $ID
trafA=$BG_PID
bg trafB "$NS_B" bash -c '
	"$NSPY" "$NST" udp-flows $1 6000 --count 1 --base-port $2 --size 20 >"$NSD/b-quad" &&
	"$NSPY" "$NST" udp-send $1 6000 --count 4 --size 200 >"$NSD/b-send"' - $LO $QPORT
trafB=$BG_PID
bg tcli "$NS_B" $TRAFFIC tcp-client $LO 5002 --send 1000 --recv 1000 --hold "$D/release"
tcli=$BG_PID
bg trafT "$NS_T" ping -4 -c 1 -W 10 -e $ID $LO
trafT=$BG_PID
wait_done 120 trafA "$trafA"
wait_done 120 trafB "$trafB"
wait_done 120 trafT "$trafT"
tcp_up()
{
	{ has_output tcli && has_output tsrv; } || proc_gone "$tcli" || proc_gone "$tsrv"
}
if ! wait_until 120 tcp_up || ! has_output tcli || ! has_output tsrv; then
	sed 's/^/#   /' "$D/tcli.err" "$D/tsrv.err"
	die "the TCP connection in $NS_B"
fi

# jnum FILE KEY: the number KEY in the JSON line of FILE (from traffic.py).
jnum()
{
	local line
	read -r line <"$1"
	[[ $line =~ \"$2\":\ ([0-9]+) ]] || die "no $2 in $1: $line"
	FV=${BASH_REMATCH[1]}
}
jnum "$D/a-echo" local_port
EPA=$FV
jnum "$D/b-send" local_port
SPB=$FV
jnum "$D/tcli.out" local_port
CPB=$FV
# What the client sent and received (the server's own segs_out misses the
# SYN-ACK, which its request socket sent).
jnum "$D/tcli.out" segs_out
PU=$FV
jnum "$D/tcli.out" segs_in
PD=$FV
BU=$(tcp_bytes "$PU" 1000 20)
BD=$(tcp_bytes "$PD" 1000 20)
log "A's echo flow is from port $EPA; B's UDP flow from $SPB, its TCP flow from $CPB ($PU/$PD segments)"

A_QUAD="ipv4 udp $LO $QPORT $LO 6000 UNREPLIED - - 1 128 100 0 0 0"
A_ECHO="ipv4 udp $LO $EPA $LO 6001 REPLIED - - 2 156 100 2 156 100"
A_PING="ipv4 icmp $LO $ID $LO 0 REPLY - - 2 168 112 2 168 112"
B_QUAD="ipv4 udp $LO $QPORT $LO 6000 UNREPLIED - - 1 48 20 0 0 0"
B_SEND="ipv4 udp $LO $SPB $LO 6000 UNREPLIED - - 4 912 800 0 0 0"
B_TCP="ipv4 tcp $LO $CPB $LO 5002 ESTABLISHED ESTABLISHED ESTABLISHED $PU $BU 1000 $PD $BD 1000"
T_PING="ipv4 icmp $LO $ID $LO 0 REPLY - - 1 84 56 1 84 56"

# ours FILE N: how many rows of FILE (first N fields; the first is the
# family, or the event) have the key of one of our flows, in FV.
OURS="^(udp $LO ($QPORT|$EPA|$SPB) $LO (6000|6001)|tcp $LO $CPB $LO 5002|icmp $LO $ID $LO 0) "
ours()
{
	local r
	FV=0
	rows "$1" "$2"
	for r in "${ROWS[@]}"; do
		if [[ ${r#* } =~ $OURS ]]; then
			FV=$((FV + 1))
		fi
	done
}

step "each namespace lists exactly its own flows, and so does its /proc/net/flowmon"
collect A1 "$NS_A"
collect B1 "$NS_B"
collect T1 "$NS_T"
collect I1 "$INIT"
rows_are "A: flowctl list" "$D/A1.list" 15 "$A_QUAD" "$A_ECHO" "$A_PING"
rows_are "B: flowctl list" "$D/B1.list" 15 "$B_QUAD" "$B_SEND" "$B_TCP"
rows_are "T: flowctl list" "$D/T1.list" 15 "$T_PING"
for ns in A B T; do
	same_rows "$ns: /proc/net/flowmon rows == flowctl list rows, first_seen and last_seen too" \
		"$D/${ns}1.list" "$D/${ns}1.proc"
done
ours "$D/I1.list" 15
expect_eq "init netns: flowctl list rows with the key of one of our flows" 0 "$FV"
ours "$D/I1.proc" 15
expect_eq "init netns: /proc/net/flowmon rows with the key of one of our flows" 0 "$FV"
expect_stats "A" "$D/A1.stats" active=3 created=3 destroyed=0 untracked=0 flushed=0
expect_stats "B" "$D/B1.stats" active=3 created=3 destroyed=0 untracked=0 flushed=0 \
	tcp_state_established=1
expect_stats "T" "$D/T1.stats" active=1 created=1 destroyed=0 untracked=0 flushed=0

step "flowctl get: a shared key gives the namespace's own flow; another's flow is not there"
NOFLOW="status 1: flowctl: no such flow"
gets "$NS_A" getA "udp $LO:$QPORT $LO:6000" "icmp $LO:$ID $LO" \
	"udp $LO:$SPB $LO:6000" "tcp $LO:$CPB $LO:5002"
expect_eq "A: flowctl get udp $LO:$QPORT $LO:6000 (the quad)" "status 0: $A_QUAD" "${GOT[0]}"
expect_eq "A: flowctl get icmp $LO:$ID $LO (echo key)" "status 0: $A_PING" "${GOT[1]}"
expect_eq "A: flowctl get of B's UDP flow" "$NOFLOW" "${GOT[2]}"
expect_eq "A: flowctl get of B's TCP flow" "$NOFLOW" "${GOT[3]}"
gets "$NS_B" getB "udp $LO:$QPORT $LO:6000" "icmp $LO:$ID $LO" "udp $LO:$EPA $LO:6001"
expect_eq "B: flowctl get udp $LO:$QPORT $LO:6000 (the quad)" "status 0: $B_QUAD" "${GOT[0]}"
expect_eq "B: flowctl get of A's and T's echo key" "$NOFLOW" "${GOT[1]}"
expect_eq "B: flowctl get of A's UDP echo flow" "$NOFLOW" "${GOT[2]}"
gets "$NS_T" getT "icmp $LO:$ID $LO" "udp $LO:$QPORT $LO:6000" "udp $LO:$EPA $LO:6001" \
	"udp $LO:$SPB $LO:6000"
expect_eq "T: flowctl get icmp $LO:$ID $LO (echo key)" "status 0: $T_PING" "${GOT[0]}"
expect_eq "T: flowctl get of the quad of A and B" "$NOFLOW" "${GOT[1]}"
expect_eq "T: flowctl get of A's UDP echo flow" "$NOFLOW" "${GOT[2]}"
expect_eq "T: flowctl get of B's UDP flow" "$NOFLOW" "${GOT[3]}"
gets "$INIT" getI "udp $LO:$QPORT $LO:6000" "udp $LO:$EPA $LO:6001" "tcp $LO:$CPB $LO:5002"
expect_eq "init: flowctl get of the quad of A and B" "$NOFLOW" "${GOT[0]}"
expect_eq "init: flowctl get of A's UDP echo flow" "$NOFLOW" "${GOT[1]}"
expect_eq "init: flowctl get of B's TCP flow" "$NOFLOW" "${GOT[2]}"

step "unfiltered reset in A: A's flows only"
nsrun "$NS_A" '"$NSF" reset -o plain >"$NSD/A.reset" && "$NSF" list -o plain >"$NSD/A2.list"' ||
	die "flowctl reset in A"
collect B2 "$NS_B"
collect T2 "$NS_T"
rows_are "A: flowctl reset printed A's flows with their values" "$D/A.reset" 15 \
	"$A_QUAD" "$A_ECHO" "$A_PING"
rows_are "A after the reset: zero counters, same states" "$D/A2.list" 15 \
	"ipv4 udp $LO $QPORT $LO 6000 UNREPLIED - - 0 0 0 0 0 0" \
	"ipv4 udp $LO $EPA $LO 6001 REPLIED - - 0 0 0 0 0 0" \
	"ipv4 icmp $LO $ID $LO 0 REPLY - - 0 0 0 0 0 0"
same_rows "B: flows unchanged by A's reset" "$D/B1.list" "$D/B2.list"
same_rows "T: flows unchanged by A's reset" "$D/T1.list" "$D/T2.list"
same_file "B: stats unchanged by A's reset" "$D/B1.stats" "$D/B2.stats"
same_file "T: stats unchanged by A's reset" "$D/T1.stats" "$D/T2.stats"

step "unfiltered flush in B: B's flows only"
nsrun "$NS_B" '"$NSF" flush >"$NSD/B.flush"' || die "flowctl flush in B"
collect A3 "$NS_A"
collect B3 "$NS_B"
collect T3 "$NS_T"
read -r FV <"$D/B.flush"
expect_eq "B: flowctl flush" "flushed 3" "$FV"
rows_are "B after its flush: flowctl list" "$D/B3.list" 15
rows_are "B after its flush: /proc/net/flowmon" "$D/B3.proc" 15
expect_stats "B after its flush" "$D/B3.stats" active=0 created=3 destroyed=3 flushed=3
same_rows "A: flows unchanged by B's flush" "$D/A2.list" "$D/A3.list"
same_rows "A: /proc/net/flowmon unchanged by B's flush" "$D/A2.list" "$D/A3.proc"
same_rows "T: flows unchanged by B's flush" "$D/T1.list" "$D/T3.list"
same_file "T: stats unchanged by B's flush" "$D/T1.stats" "$D/T3.stats"
expect_stats "A" "$D/A3.stats" active=3 created=3 destroyed=0 flushed=0
expect_stats "T" "$D/T3.stats" active=1 created=1 destroyed=0 flushed=0

step "flowctl config is per namespace"
nsrun "$NS_A" '"$NSF" config timeout_udp=7777' || die "flowctl config timeout_udp=7777 in A"
nsrun "$NS_T" '"$NSF" config max_flows=5 timeout_icmp=9000' ||
	die "flowctl config max_flows=5 timeout_icmp=9000 in T"
collect A4 "$NS_A"
collect B4 "$NS_B"
collect T4 "$NS_T"
"$FLOWCTL" config >"$D/I4.config" || die "flowctl config in the init netns"
config_is "A: config: timeout_udp 7777, the rest as before" "$D/A4.config" "$D/A1.config" \
	timeout_udp=7777
config_is "T: config: max_flows 5, timeout_icmp 9000, the rest as before" "$D/T4.config" \
	"$D/T1.config" max_flows=5 timeout_icmp=9000
config_is "B: config unchanged" "$D/B4.config" "$D/B1.config"
config_is "init netns: config unchanged" "$D/I4.config" "$D/I0.config"
expect_stats "T: the table limit in stats" "$D/T4.stats" max_flows=5 active=1

step "B's timeout_icmp=1 expires B's new echo flow, not the older ones of A and T"
nsrun "$NS_B" '
	"$NSF" config timeout_icmp=1 || exit 1
	ping -4 -c 1 -W 10 -e $1 $2 >"$NSD/b-ping" || exit 2
	# Until the flow expired: at most 30 s.
	SECONDS=0
	while [ $SECONDS -lt 30 ]; do
		while read -r k v; do
			[ "$k" = expired ] && [ "$v" = 1 ] && exit 0
		done < <("$NSF" stats)
		sleep 0.1
	done
	exit 3' $ID $LO || fail "B: the echo flow did not expire in 30 s (status $?)"
collect A5 "$NS_A"
collect B5 "$NS_B"
collect T5 "$NS_T"
rows_are "B: flowctl list, its echo flow expired" "$D/B5.list" 15
expect_stats "B" "$D/B5.stats" active=0 created=4 destroyed=4 flushed=3 expired=1
same_rows "A: flows unchanged (its idle echo flow is older than B's)" "$D/A2.list" "$D/A5.list"
same_rows "T: flows unchanged (its idle echo flow is older than B's)" "$D/T1.list" "$D/T5.list"
expect_stats "A" "$D/A5.stats" active=3 created=3 destroyed=0 expired=0
expect_stats "T" "$D/T5.stats" active=1 created=1 destroyed=0 expired=0

step "each monitor saw exactly the events of its own namespace"
wait_until 30 lines_are "$D/monA.out" 3 || true
wait_until 30 lines_are "$D/monB.out" 9 || true
wait_until 30 lines_are "$D/monT.out" 1 || true
# Whatever else was coming has come by now.
sleep 1
for pid in "$monA" "$monB" "$monT" "$monI"; do
	bg_stop "$pid"
done
$PY - "$D" monA monB monT monI <<'PYEOF' || die "monitor output: python failed"
import json, sys
d = sys.argv[1]
for name in sys.argv[2:]:
    sigs = []
    for line in open("%s/%s.out" % (d, name)):
        e = json.loads(line)
        s = "%s %s %s %s %s %s %s %d/%d %d/%d" % (
            e["event"], e["proto"], e["client"], e["client_port"],
            e["server"], e["server_port"], e["state"], e["packets_up"],
            e["packets_down"], e["bytes_up"], e["bytes_down"])
        if e["event"] == "state":
            s += " from %s/%s" % (e["old_client_state"], e["old_server_state"])
        if e["event"] == "destroy":
            s += " reason=%s" % e["reason"]
        sigs.append(s)
    with open("%s/%s.sig" % (d, name), "w") as f:
        f.write("event proto client client_port server server_port state packets bytes\n")
        f.write("".join(s + "\n" for s in sigs))
PYEOF
rows_are "A: monitor -j" "$D/monA.sig" 99 \
	"new udp $LO $QPORT $LO 6000 UNREPLIED 1/0 128/0" \
	"new udp $LO $EPA $LO 6001 UNREPLIED 1/0 78/0" \
	"new icmp $LO $ID $LO 0 REQUEST 1/0 84/0"
rows_are "B: monitor -j" "$D/monB.sig" 99 \
	"new udp $LO $QPORT $LO 6000 UNREPLIED 1/0 48/0" \
	"new udp $LO $SPB $LO 6000 UNREPLIED 1/0 228/0" \
	"new tcp $LO $CPB $LO 5002 SYN-SENT/SYN-RECEIVED 1/0 60/0" \
	"state tcp $LO $CPB $LO 5002 ESTABLISHED 2/1 112/60 from SYN-SENT/SYN-RECEIVED" \
	"destroy udp $LO $QPORT $LO 6000 UNREPLIED 1/0 48/0 reason=flushed" \
	"destroy udp $LO $SPB $LO 6000 UNREPLIED 4/0 912/0 reason=flushed" \
	"destroy tcp $LO $CPB $LO 5002 ESTABLISHED $PU/$PD $BU/$BD reason=flushed" \
	"new icmp $LO $ID $LO 0 REQUEST 1/0 84/0" \
	"destroy icmp $LO $ID $LO 0 REPLY 1/1 84/84 reason=timeout"
rows_are "T: monitor -j" "$D/monT.sig" 99 \
	"new icmp $LO $ID $LO 0 REQUEST 1/0 84/0"
ours "$D/monI.sig" 99
expect_eq "init netns: monitor -j events of our flows (of ${#ROWS[@]} events)" 0 "$FV"
finish
