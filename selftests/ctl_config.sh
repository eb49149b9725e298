#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowctl config`: round trips, limits, and the effect of the values.
#
# flowmon is reloaded with gc_interval_ms=200 (and loaded again without
# parameters at the end). One fresh namespace, IPv6 disabled; all traffic
# over its loopback (counted once, at LOCAL_OUT).
#  1. `flowctl config`, `flowctl -j config` and `flowctl config -j` list
#     max_flows and the 12 timeouts, in that order, with the defaults of
#     flowmon(4) (max_flows: the module parameter, by default four per
#     32 pages of RAM (MemTotal), rounded down to a power of two, between
#     4096 and 262144); `config
#     KEY...` only those keys, in table order.
#  2. Every key set to a distinct value in one call (some with units: 12s,
#     2h, 20m, 1d) prints nothing and reads back exactly, plain and -j;
#     `stats` shows the new max_flows; setting one key changes only it.
#  3. Limits: 1 for every key and FLOWMON_MAX_FLOWS_LIMIT (16777216) /
#     FLOWMON_TIMEOUT_LIMIT (315360000, also as 3650d) are accepted and
#     read back; one past either end is refused with status 1 and the
#     kernel's range, and changes nothing, not even the valid keys of the
#     same call.
#  4. max_flows: with 3, five unreplied UDP flows leave exactly the last
#     three (the two oldest evicted: evicted_embryonic 2, untracked 0); with
#     2 and two replied flows (UDP echo, ICMP echo) in the table, three new
#     unreplied flows are not tracked (untracked 3, nothing evicted); with
#     5 they are; lowering max_flows to 1 removes no flow, and while the
#     table holds more than that, new unreplied flows are neither tracked
#     nor make room by evicting the unreplied ones (untracked 3).
#  5. Timeouts, with the GC making a pass every 200 ms: timeout_udp=1
#     removes an existing unreplied flow within a GC interval (+ 1 s of
#     emulation slack) and a new one no earlier than 1 s after its last
#     packet and no later than 1.2 s (+ 1 s slack), while a replied UDP
#     flow stays (timeout_udp_stream 3600): expired 2. Then timeout_udp=3600
#     timeout_udp_stream=1 removes the replied flow and keeps a new
#     unreplied one: expired 1.
#  6. Module parameters are the defaults of every namespace: after a reload
#     with max_flows=2345 and timeouts 71..82, a namespace that existed
#     before, a new one and the init namespace all read exactly those;
#     setting one namespace's changes no other.

. "$(dirname "$0")/lib.sh"

# No locale files to load for every process.
export LC_ALL=C

require_root_tools ping
SHOW_FLOWS_ON_FAIL=1
flowmon_reload gc_interval_ms=200

LO=127.0.0.1
D=$TMPD
NS=$NS_C
INIT=-
KEYS=(max_flows timeout_syn_sent timeout_syn_recv timeout_established
	timeout_fin_wait timeout_close_wait timeout_last_ack timeout_time_wait
	timeout_close timeout_udp timeout_udp_stream timeout_icmp timeout_generic)
# For the scripts run inside the namespace.
export NSF=$FLOWCTL NSD=$TMPD NSPY=$PY NST=$SELFTEST_DIR/traffic.py
# Functions for those scripts:
#   try NAME ARGS...   flowctl ARGS >NAME.out 2>NAME.err, status in NAME.rc
#   cfg NAME           flowctl config >NAME.plain, flowctl -j config >NAME.json
#   now                $T: the time, microseconds since the epoch
NSLIB='
try()
{
	local n=$1 rc=0
	shift
	"$NSF" "$@" >"$NSD/$n.out" 2>"$NSD/$n.err" || rc=$?
	echo $rc >"$NSD/$n.rc"
}
cfg()
{
	"$NSF" config >"$NSD/$1.plain" && "$NSF" -j config >"$NSD/$1.json"
}
now()
{
	T=${EPOCHREALTIME/./}
}
'

# result NAME: "status RC: STDOUT|STDERR" of a `try NAME`, in FV.
result()
{
	local rc out err
	read -r rc <"$D/$1.rc"
	mapfile -t out <"$D/$1.out"
	mapfile -t err <"$D/$1.err"
	FV="status $rc: ${out[*]}|${err[*]}"
}

# config_is DESC NAME VALUE...: the outputs of `cfg NAME` are the 13 keys
# with these values, plain and JSON.
config_is()
{
	local desc=$1 name=$2 i plain=() json= lines got
	shift 2
	local vals=("$@")
	for ((i = 0; i < ${#KEYS[@]}; i++)); do
		plain+=("${KEYS[i]} ${vals[i]}")
		json+=",\"${KEYS[i]}\":${vals[i]}"
	done
	mapfile -t lines <"$D/$name.plain"
	expect_eq "$desc: flowctl config" "$(IFS='|'; echo "${plain[*]}")" \
		"$(IFS='|'; echo "${lines[*]}")"
	read -r got <"$D/$name.json"
	expect_eq "$desc: flowctl -j config" "{${json#,}}" "$got"
}






# udp ROW-ARGS: the list row of a UDP flow from $LO:CPORT to $LO:SPORT.
udp_row()	# CPORT SPORT STATE PACKETS_UP BYTES_UP PAYLOAD_UP [DOWN: P B PL]
{
	echo "ipv4 udp $LO $1 $LO $2 $3 - - $4 $5 $6 ${7:-0} ${8:-0} ${9:-0}"
}

module_param max_flows
DEF_MAX=$FV
PER_32_PAGES=$(awk '/^MemTotal:/ { n = int($2 / 4 / 32); if (n < 1024) n = 1024; if (n > 65536) n = 65536; p = 1; while (p * 2 <= n) p *= 2; print 4 * p }' /proc/meminfo)
expect_eq "module parameter max_flows: by default four per 32 pages of RAM" \
	"$PER_32_PAGES" "$DEF_MAX"
DEFAULTS=("$DEF_MAX" 60 60 432000 120 60 30 120 10 30 180 30 600)

step "a fresh namespace; its servers start meanwhile"
loopback_ns "$NS"
bg sink "$NS" $TRAFFIC udp-sink 6000
bg echo "$NS" $TRAFFIC udp-echo 6001

step "1. the listing: every key, the defaults"
nsrun "$NS" '
	cfg c1
	try c1j config -j
	try c1sel config timeout_udp max_flows
	try c1selj -j config timeout_udp max_flows
	"$NSF" stats >"$NSD/c1.stats"' || die "flowctl config in $NS"
config_is "defaults" c1 "${DEFAULTS[@]}"
i=0
for k in "${KEYS[@]}"; do
	module_param "$k"
	expect_eq "/sys/module/flowmon/parameters/$k" "${DEFAULTS[i]}" "$FV"
	i=$((i + 1))
done
read -r J1 <"$D/c1.json"
result c1j
expect_eq "flowctl config -j (as flowctl -j config)" "status 0: $J1|" "$FV"
result c1sel
expect_eq "flowctl config timeout_udp max_flows (in table order)" \
	"status 0: max_flows $DEF_MAX timeout_udp 30|" "$FV"
result c1selj
expect_eq "flowctl -j config timeout_udp max_flows" \
	"status 0: {\"max_flows\":$DEF_MAX,\"timeout_udp\":30}|" "$FV"
expect_stats "defaults" "$D/c1.stats" max_flows="$DEF_MAX"

step "2. every key set to a distinct value in one call"
SET=(1001 11 12 7200 14 15 16 17 18 19 1200 21 86400)
nsrun "$NS" '
	try s2 config max_flows=1001 timeout_syn_sent=11 timeout_syn_recv=12s \
		timeout_established=2h timeout_fin_wait=14 timeout_close_wait=15 \
		timeout_last_ack=16 timeout_time_wait=17 timeout_close=18 \
		timeout_udp=19 timeout_udp_stream=20m timeout_icmp=21 timeout_generic=1d
	cfg c2
	"$NSF" stats >"$NSD/c2.stats"
	try s2b config timeout_icmp=22
	cfg c2b' || die "flowctl config in $NS"
result s2
expect_eq "flowctl config KEY=VALUE x 13: status and output" "status 0: |" "$FV"
config_is "all set" c2 "${SET[@]}"
expect_stats "all set" "$D/c2.stats" max_flows=1001
result s2b
expect_eq "flowctl config timeout_icmp=22: status and output" "status 0: |" "$FV"
SET[11]=22
config_is "timeout_icmp set alone" c2b "${SET[@]}"

step "3. the limits: 1 and the maximum are accepted, one past is refused"
MAXT=315360000
MAXF=16777216
nsrun "$NS" '
	args=(max_flows=1)
	for k in syn_sent syn_recv established fin_wait close_wait last_ack \
		time_wait close udp udp_stream icmp generic; do
		args+=("timeout_$k=1")
	done
	try s3a config "${args[@]}"
	cfg c3a
	try s3b config max_flows=$2 timeout_syn_sent=$1 timeout_syn_recv=$1 \
		timeout_established=$1 timeout_fin_wait=$1 timeout_close_wait=$1 \
		timeout_last_ack=$1 timeout_time_wait=$1 timeout_close=$1 \
		timeout_udp=$1 timeout_udp_stream=$1 timeout_icmp=$1 \
		timeout_generic=3650d
	cfg c3b
	try s3c config max_flows=$(($2 + 1))
	try s3d config timeout_udp=$(($1 + 1))
	try s3e config timeout_close=0
	try s3f config max_flows=0
	try s3g config timeout_udp=5 max_flows=7 timeout_icmp=$(($1 + 1))
	cfg c3g' $MAXT $MAXF || die "flowctl config in $NS"
result s3a
expect_eq "every key =1: status and output" "status 0: |" "$FV"
config_is "every key 1" c3a 1 1 1 1 1 1 1 1 1 1 1 1 1
result s3b
expect_eq "every key at its maximum: status and output" "status 0: |" "$FV"
config_is "every key at its maximum" c3b $MAXF $MAXT $MAXT $MAXT $MAXT $MAXT $MAXT \
	$MAXT $MAXT $MAXT $MAXT $MAXT $MAXT
RANGE_T="integer out of range (valid: 1 to $MAXT)"
RANGE_F="integer out of range (valid: 1 to $MAXF)"
result s3c
expect_eq "max_flows=$((MAXF + 1))" \
	"status 1: |flowctl: config: max_flows=$((MAXF + 1)): $RANGE_F" "$FV"
result s3d
expect_eq "timeout_udp=$((MAXT + 1))" \
	"status 1: |flowctl: config: timeout_udp=$((MAXT + 1)): $RANGE_T" "$FV"
result s3e
expect_eq "timeout_close=0" "status 1: |flowctl: config: timeout_close=0: $RANGE_T" "$FV"
result s3f
expect_eq "max_flows=0" "status 1: |flowctl: config: max_flows=0: $RANGE_F" "$FV"
result s3g
expect_eq "timeout_udp=5 max_flows=7 timeout_icmp=$((MAXT + 1))" \
	"status 1: |flowctl: config: timeout_icmp=$((MAXT + 1)): $RANGE_T" "$FV"
config_is "nothing changed by the refused values" c3g $MAXF $MAXT $MAXT $MAXT $MAXT \
	$MAXT $MAXT $MAXT $MAXT $MAXT $MAXT $MAXT $MAXT


step "4. max_flows: eviction of the oldest unreplied flows, untracked flows"
wait_listen "$NS" udp 6000
wait_listen "$NS" udp 6001
long_timeouts "$NS" max_flows=3
nsrun "$NS" '
	"$NSF" flush >/dev/null || exit 2
	"$NSF" stats >"$NSD/e0.stats"
	"$NSPY" "$NST" udp-flows $1 6000 --count 5 --base-port 41000 --size 10 >/dev/null || exit 3
	"$NSF" list -o plain >"$NSD/e1.list"
	"$NSF" stats >"$NSD/e1.stats"
	"$NSF" flush >"$NSD/e1.flush" && "$NSF" config max_flows=2 || exit 4
	"$NSF" stats >"$NSD/e2.stats"
	"$NSPY" "$NST" udp-send $1 6001 --count 1 --size 10 --echo >"$NSD/e2.echo" || exit 5
	ping -4 -c 1 -W 10 -e 4343 $1 >/dev/null || exit 6
	"$NSPY" "$NST" udp-flows $1 6000 --count 3 --base-port 42000 --size 10 >/dev/null || exit 7
	"$NSF" list -o plain >"$NSD/e3.list"
	"$NSF" stats >"$NSD/e3.stats"
	"$NSF" config max_flows=5 || exit 8
	"$NSPY" "$NST" udp-flows $1 6000 --count 3 --base-port 42000 --size 10 >/dev/null || exit 9
	"$NSF" list -o plain >"$NSD/e4.list"
	"$NSF" stats >"$NSD/e4.stats"
	"$NSF" config max_flows=1 || exit 10
	"$NSF" list -o plain >"$NSD/e5.list"
	"$NSF" stats >"$NSD/e5.stats"
	"$NSPY" "$NST" udp-flows $1 6000 --count 3 --base-port 43000 --size 10 >/dev/null || exit 11
	"$NSF" list -o plain >"$NSD/e6.list"
	"$NSF" stats >"$NSD/e6.stats"' $LO || die "max_flows traffic in $NS: step $?"

rows_are "max_flows=3, 5 unreplied flows: the last 3 left" "$D/e1.list" 15 \
	"$(udp_row 41002 6000 UNREPLIED 1 38 10)" "$(udp_row 41003 6000 UNREPLIED 1 38 10)" \
	"$(udp_row 41004 6000 UNREPLIED 1 38 10)"
stats_delta "max_flows=3, 5 unreplied flows" "$D/e0.stats" "$D/e1.stats" \
	created=5 evicted_embryonic=2 destroyed=2 untracked=0 evicted_closed=0 expired=0
expect_stats "max_flows=3, 5 unreplied flows" "$D/e1.stats" active=3 max_flows=3
read -r FV <"$D/e1.flush"
expect_eq "flowctl flush" "flushed 3" "$FV"
read -r FV <"$D/e2.echo"
[[ $FV =~ \"local_port\":\ ([0-9]+) ]] || die "no local_port in: $FV"
EPORT=${BASH_REMATCH[1]}
ECHO_ROW=$(udp_row "$EPORT" 6001 REPLIED 1 38 10 1 38 10)
PING_ROW="ipv4 icmp $LO 4343 $LO 0 REPLY - - 1 84 56 1 84 56"
rows_are "max_flows=2, 2 replied flows, 3 unreplied: the replied ones only" "$D/e3.list" 15 \
	"$ECHO_ROW" "$PING_ROW"
stats_delta "max_flows=2 full of replied flows, 3 unreplied" "$D/e2.stats" "$D/e3.stats" \
	created=2 untracked=3 evicted_embryonic=0 destroyed=0
expect_stats "max_flows=2 full of replied flows" "$D/e3.stats" active=2 max_flows=2
U42=("$(udp_row 42000 6000 UNREPLIED 1 38 10)" "$(udp_row 42001 6000 UNREPLIED 1 38 10)"
	"$(udp_row 42002 6000 UNREPLIED 1 38 10)")
rows_are "max_flows=5, the same 3 unreplied flows again: tracked" "$D/e4.list" 15 \
	"$ECHO_ROW" "$PING_ROW" "${U42[@]}"
stats_delta "max_flows=5, 3 unreplied" "$D/e3.stats" "$D/e4.stats" \
	created=3 untracked=0 evicted_embryonic=0 destroyed=0
rows_are "max_flows lowered to 1: no flow removed" "$D/e5.list" 15 \
	"$ECHO_ROW" "$PING_ROW" "${U42[@]}"
stats_delta "max_flows lowered to 1" "$D/e4.stats" "$D/e5.stats" destroyed=0 created=0
expect_stats "max_flows lowered to 1" "$D/e5.stats" active=5 max_flows=1
rows_are "5 flows over max_flows=1, 3 new unreplied: none tracked, none evicted" \
	"$D/e6.list" 15 "$ECHO_ROW" "$PING_ROW" "${U42[@]}"
stats_delta "5 flows over max_flows=1, 3 new unreplied" "$D/e5.stats" "$D/e6.stats" \
	created=0 untracked=3 evicted_embryonic=0 destroyed=0

step "5. timeout_udp and timeout_udp_stream, on existing and new flows"
GC_US=200000
SLACK_US=1000000
long_timeouts "$NS" max_flows=1000
nsrun "$NS" '
	"$NSF" flush >/dev/null || exit 1
	"$NSPY" "$NST" udp-send $1 6001 --count 1 --size 10 --echo >"$NSD/t0.echo" || exit 2
	"$NSPY" "$NST" udp-flows $1 6000 --count 1 --base-port 44000 --size 10 >/dev/null || exit 3
	"$NSF" list -o plain >"$NSD/t0.list"
	"$NSF" stats >"$NSD/t0.stats"' $LO || die "UDP flows in $NS: step $?"
read -r FV <"$D/t0.echo"
[[ $FV =~ \"local_port\":\ ([0-9]+) ]] || die "no local_port in: $FV"
RPORT=${BASH_REMATCH[1]}
R_ROW=$(udp_row "$RPORT" 6001 REPLIED 1 38 10 1 38 10)
U1_ROW=$(udp_row 44000 6000 UNREPLIED 1 38 10)
rows_are "a replied and an unreplied UDP flow" "$D/t0.list" 15 "$R_ROW" "$U1_ROW"
rows "$D/t0.list" 17
for r in "${ROWS[@]}"; do
	read -ra f <<<"$r"
	case ${f[3]} in
	44000) U1_LAST=$((f[16] / 1000)) ;;
	"$RPORT") R_LAST=$((f[16] / 1000)) ;;
	esac
done

# Snapshots of the table, back to back, each between two timestamps, until
# the two unreplied flows (44000, 44001) are gone after timeout_udp=1. Only
# a snapshot begun after "go" (44001 sent) can tell that 44001 is gone.
bg poller "$NS" bash -c '
	while :; do
		after_go=
		[ -e "$NSD/go" ] && after_go=1
		t0=${EPOCHREALTIME/./}
		mapfile -t L < <("$NSF" list -o plain)
		t1=${EPOCHREALTIME/./}
		printf "%s\n" "SNAP $t0 $t1" "${L[@]:1}"
		touch "$NSD/polling"
		if [ -n "$after_go" ]; then
			gone=1
			for l in "${L[@]}"; do
				[[ $l == "ipv4 udp 127.0.0.1 4400"[01]" "* ]] && gone=
			done
			[ -n "$gone" ] && exit 0
		fi
	done'
poller=$BG_PID
wait_file 60 "$D/polling" poller
nsrun "$NS" '
	now
	echo $T >"$NSD/tc0"
	"$NSF" config timeout_udp=1 || exit 1
	now
	echo $T >"$NSD/tc1"
	"$NSPY" "$NST" udp-flows $1 6000 --count 1 --base-port 44001 --size 10 >/dev/null || exit 2
	touch "$NSD/go"' $LO || die "timeout_udp=1 in $NS: step $?"
wait_done 60 poller "$poller"
read -r TC1 <"$D/tc1"
stats_plain()
{
	in_ns "$1" "$FLOWCTL" stats >"$2" || die "flowctl stats in $1"
}
stats_plain "$NS" "$D/t1.stats"

# The snapshots: S0/S1 their start/end, P_<flow> whether the flow is in.
S0=() S1=() P_U1=() P_U2=() P_R=()
k=-1
while read -ra f; do
	if [ "${f[0]}" = SNAP ]; then
		k=$((k + 1))
		S0[k]=${f[1]} S1[k]=${f[2]} P_U1[k]= P_U2[k]= P_R[k]=
		continue
	fi
	case "${f[1]} ${f[3]} ${f[5]}" in
	"udp 44000 6000") P_U1[k]=1 ;;
	"udp 44001 6000") P_U2[k]=1 U2_LAST=$((f[16] / 1000)) ;;
	"udp $RPORT 6001") P_R[k]=1 ;;
	esac
done <"$D/poller.out"
N=$((k + 1))
log "$N snapshots"

# span NAME: FIRST/LAST, the first and last snapshot with flow NAME (-1:
# none), COUNT how many have it.
span()
{
	local -n p=P_$1
	local i
	FIRST=-1 LAST=-1 COUNT=0
	for ((i = 0; i < N; i++)); do
		if [ -n "${p[i]}" ]; then
			[ $FIRST -ge 0 ] || FIRST=$i
			LAST=$i
			COUNT=$((COUNT + 1))
		fi
	done
}
ms()
{
	echo "$(($1 / 1000)) ms"
}

span R
expect_eq "snapshots with the replied flow (timeout_udp_stream 3600)" "$N" "$COUNT"
span U1
check "the existing unreplied flow is in the first snapshot" [ "$FIRST" -eq 0 ]
if [ "$LAST" -ge 0 ] && [ "$LAST" -lt $((N - 1)) ]; then
	due=$((U1_LAST + 1000000 > TC1 ? U1_LAST + 1000000 : TC1))
	log "existing flow: timeout_udp=1 set $(ms $((TC1 - U1_LAST))) after its last packet; still there $(ms $((S0[LAST] - due))) after it was due, gone $(ms $((S1[LAST + 1] - due))) after"
	check "the existing unreplied flow gone within the GC interval + 1 s after it was due" \
		[ $((S0[LAST] - due)) -le $((GC_US + SLACK_US)) ]
else
	fail "the existing unreplied flow: no snapshot without it after one with it"
fi
span U2
if [ "$FIRST" -ge 0 ] && [ "$LAST" -lt $((N - 1)) ]; then
	expect_eq "the new unreplied flow: in consecutive snapshots" $((LAST - FIRST + 1)) "$COUNT"
	log "new flow: in snapshots $FIRST..$LAST, still there $(ms $((S0[LAST] - U2_LAST))) after its last packet, gone $(ms $((S1[LAST + 1] - U2_LAST))) after"
	check "the new unreplied flow: not removed before its 1 s timeout" \
		[ $((S1[LAST + 1] - U2_LAST)) -ge 1000000 ]
	check "the new unreplied flow: removed by 1 s + the GC interval + 1 s" \
		[ $((S0[LAST] - U2_LAST)) -le $((1000000 + GC_US + SLACK_US)) ]
else
	fail "the new unreplied flow: not seen, or never gone (snapshots $FIRST..$LAST of $N)"
fi
stats_delta "timeout_udp=1" "$D/t0.stats" "$D/t1.stats" expired=2 destroyed=2 created=1

nsrun "$NS" '
	"$NSF" config timeout_udp=3600 || exit 1
	"$NSPY" "$NST" udp-flows $1 6000 --count 1 --base-port 44002 --size 10 >/dev/null || exit 2
	"$NSF" stats >"$NSD/t2.stats"
	now
	echo $T >"$NSD/tc2"
	"$NSF" config timeout_udp_stream=1 || exit 3
	# Until the replied flow is gone: the start of the last snapshot with
	# it (at first: before the config), the end of the first without.
	last=$T
	SECONDS=0
	while [ $SECONDS -lt 30 ]; do
		now
		t0=$T
		"$NSF" list -o plain >"$NSD/t3.list" || exit 4
		now
		if ! grep -q " $2 127.0.0.1 6001 " "$NSD/t3.list"; then
			echo "$last $T" >"$NSD/t3.times"
			break
		fi
		last=$t0
	done
	# Two more GC passes.
	sleep 0.5
	"$NSF" list -o plain >"$NSD/t4.list"
	"$NSF" stats >"$NSD/t4.stats"' $LO "$RPORT" || die "timeout_udp_stream=1 in $NS: step $?"
read -r TC2 <"$D/tc2"
if read -r t_in t_out <"$D/t3.times" 2>/dev/null && [ -n "$t_out" ]; then
	due=$((R_LAST + 1000000 > TC2 ? R_LAST + 1000000 : TC2))
	log "replied flow: timeout_udp_stream=1 set $(ms $((TC2 - R_LAST))) after its last packet; still there $(ms $((t_in - due))) after it was due, gone $(ms $((t_out - due))) after"
	check "timeout_udp_stream=1: the replied flow gone within the GC interval + 1 s after it was due" \
		[ $((t_in - due)) -le $((GC_US + SLACK_US)) ]
else
	fail "timeout_udp_stream=1: the replied flow was not seen, or not gone in 30 s"
fi
rows_are "timeout_udp_stream=1, timeout_udp=3600: the new unreplied flow stays" "$D/t4.list" 15 \
	"$(udp_row 44002 6000 UNREPLIED 1 38 10)"
stats_delta "timeout_udp_stream=1" "$D/t2.stats" "$D/t4.stats" expired=1 destroyed=1 created=0

step "6. module parameters: the defaults of every namespace"
PV=(2345 71 72 73 74 75 76 78 79 77 80 81 82)
params=()
for ((i = 0; i < ${#KEYS[@]}; i++)); do
	params+=("${KEYS[i]}=${PV[i]}")
done
flowmon_reload "${params[@]}"
for ((i = 0; i < ${#KEYS[@]}; i++)); do
	module_param "${KEYS[i]}"
	expect_eq "/sys/module/flowmon/parameters/${KEYS[i]}" "${PV[i]}" "$FV"
done
NS2=ns_new_$$
loopback_ns "$NS2"
nsrun "$NS2" 'cfg p2 && try p2set config timeout_udp=5 && cfg p2b &&
	"$NSF" stats >"$NSD/p2.stats"' || die "flowctl config in $NS2"
nsrun "$NS" 'cfg p1' || die "flowctl config in $NS"
nsrun "$INIT" 'cfg pI' || die "flowctl config in the init netns"
config_is "a namespace made after the reload" p2 "${PV[@]}"
expect_stats "a namespace made after the reload" "$D/p2.stats" max_flows=2345
config_is "the namespace that existed before the reload" p1 "${PV[@]}"
config_is "the init namespace" pI "${PV[@]}"
result p2set
expect_eq "timeout_udp=5 in the new namespace" "status 0: |" "$FV"
PV5=("${PV[@]}")
PV5[9]=5
config_is "the new namespace after its timeout_udp=5" p2b "${PV5[@]}"
nsrun "$NS" 'cfg p1b' || die "flowctl config in $NS"
nsrun "$INIT" 'cfg pIb' || die "flowctl config in the init netns"
config_is "the older namespace after the new one's timeout_udp=5" p1b "${PV[@]}"
config_is "the init namespace after the new one's timeout_udp=5" pIb "${PV[@]}"
finish
