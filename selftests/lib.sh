# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the flowmon selftests. Source it from a test script:
#
#	. "$(dirname "$0")/lib.sh"
#
# Every test gets two fresh network namespaces joined by a veth pair:
#
#	$NS_C (client)  veth_c 10.0.1.1/24 fd00::1/64
#	$NS_S (server)  veth_s 10.0.1.2/24 fd00::2/64
#
# Sub-checks print "# ok - ..." / "# not ok - ..." lines; the script ends
# with finish, which exits 0 (pass) or 1 (fail). skip exits 4.
# The tests write only below $TMPD (in /tmp): the repository may be read-only.

set -eEu

ksft_pass=0
ksft_fail=1
ksft_skip=4

SELFTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_NAME=$(basename "$0" .sh)

# The repository: $FLOWMON_REPO (set by run.sh), else the first parent of
# this directory holding the uapi header (works both from selftests/ and
# from the installed copy in .build/kselftest/flowmon/).
find_repo()
{
	local d=$SELFTEST_DIR
	while [ "$d" != / ]; do
		if [ -f "$d/include/uapi/linux/flowmon.h" ]; then
			echo "$d"
			return 0
		fi
		d=$(dirname "$d")
	done
	return 1
}
REPO=${FLOWMON_REPO:-$(find_repo || echo "$SELFTEST_DIR/..")}
FLOWCTL=${FLOWCTL:-$REPO/tools/flowctl/flowctl}
FLOWMON_KO=${FLOWMON_KO:-$REPO/flowmon.ko}

if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=$(command -v python3 || echo python3)
fi
export PYTHONDONTWRITEBYTECODE=1
TRAFFIC="$PY $SELFTEST_DIR/traffic.py"
FLOWQ="$PY $SELFTEST_DIR/flowq.py"

NS_C=ns_client_$$
NS_S=ns_server_$$
C4=10.0.1.1
S4=10.0.1.2
C6=fd00::1
S6=fd00::2

CHECKS=0
FAILS=0
# Set by a test to print `flowctl list -e` of its namespaces when it fails.
SHOW_FLOWS_ON_FAIL=
# Set by flowmon_reload: load flowmon.ko again without parameters at exit.
FLOWMON_RESTORE=
SKIPPING=
FINISHED=
BG_PIDS=()
NETNS_MADE=()
# Commands cleanup runs first, e.g. to undo a test's global setting.
CLEANUP_CMDS=()
TMPD=

log()
{
	echo "# $*"
}

# step DESC: log DESC with the seconds since the test started.
step()
{
	log "[${SECONDS}s] $*"
}

ok()
{
	CHECKS=$((CHECKS + 1))
	echo "# ok - $*"
}

fail()
{
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	echo "# not ok - $*"
}

# check DESC CMD...: one sub-check that passes when CMD succeeds.
check()
{
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		fail "$desc"
	fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq()
{
	if [ "$2" = "$3" ]; then
		ok "$1 == $2"
	else
		fail "$1: expected $2, got $3"
	fi
}

# expect_within DESC LO HI ACTUAL: LO <= ACTUAL <= HI (integers).
expect_within()
{
	if [ -n "$4" ] && [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then
		ok "$1 $4 in [$2, $3]"
	else
		fail "$1: expected within [$2, $3], got ${4:-nothing}"
	fi
}

# report_checks [PREFIX] <<<"$out": a checker's verdict lines as checks:
# "ok - X" passes X, "not ok - X" fails it, "# X" is logged, anything else
# fails. PREFIX goes before each check's text.
report_checks()
{
	local prefix=${1:+$1: } line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$prefix${line#ok - }" ;;
		"not ok - "*) fail "$prefix${line#not ok - }" ;;
		"# "*) echo "$line" ;;
		*) fail "${prefix}unexpected checker output: $line" ;;
		esac
	done
}

skip()
{
	echo "# SKIP: $*"
	SKIPPING=1
	exit $ksft_skip
}

# Abort the test: a failed precondition makes the rest meaningless.
die()
{
	fail "$*"
	exit $ksft_fail
}

finish()
{
	FINISHED=1
	if [ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]; then
		echo "# PASSED: $TEST_NAME: all $CHECKS checks passed in ${SECONDS}s"
		exit $ksft_pass
	fi
	echo "# FAILED: $TEST_NAME: $FAILS of $CHECKS checks failed in ${SECONDS}s"
	exit $ksft_fail
}

on_err()
{
	echo "# error: line $1: '$2' exited $3"
}
trap 'on_err "$LINENO" "$BASH_COMMAND" "$?"' ERR

cleanup()
{
	local rc=$? pid ns cmd
	set +eE
	trap - ERR
	if [ -n "$SHOW_FLOWS_ON_FAIL" ] && [ "$rc" -ne $ksft_skip ] &&
		{ [ "$rc" -ne $ksft_pass ] || [ "$FAILS" -ne 0 ]; }; then
		show_flows "${NETNS_MADE[@]}"
	fi
	for cmd in "${CLEANUP_CMDS[@]}"; do
		$cmd
	done
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "${NETNS_MADE[@]}"; do
		# Whatever still runs inside our own namespaces was started here.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${NETNS_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$TMPD" ] && rm -rf "$TMPD"
	if [ -n "$FLOWMON_RESTORE" ] && ! flowmon_restore; then
		rc=$ksft_fail
	fi
	# 4 only for a deliberate skip; any other unexpected status is a fail.
	if [ "$rc" -eq $ksft_skip ] && [ -z "$SKIPPING" ]; then
		rc=$ksft_fail
	fi
	if [ "$rc" -ne $ksft_pass ] && [ "$rc" -ne $ksft_skip ]; then
		rc=$ksft_fail
	fi
	if [ "$rc" -eq $ksft_pass ] && [ "$FAILS" -ne 0 ]; then
		rc=$ksft_fail
	fi
	if [ "$rc" -eq $ksft_fail ] && [ -z "$FINISHED" ]; then
		echo "# FAILED: $TEST_NAME: aborted after $CHECKS checks ($FAILS failed) in ${SECONDS}s"
	fi
	exit "$rc"
}
trap cleanup EXIT
# Killed by the kselftest timeout: still delete the namespaces.
trap 'echo "# terminated by a signal"; exit $ksft_fail' TERM INT HUP

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/flowmon-$TEST_NAME.XXXXXX")

# now_ns: the time of the kernel's coarse clock (CLOCK_REALTIME_COARSE,
# 5), which stamps flowmon's packets: a packet sent after now_ns is not
# stamped before it, one sent before it not after.
now_ns()
{
	$PY -c 'import time; print(time.clock_gettime_ns(5))'
}

# wait_until TIMEOUT_SECONDS CMD...: poll CMD every 0.1 s; 0 once it succeeds,
# 1 if it never did.
wait_until()
{
	local timeout=$1 deadline
	shift
	deadline=$(( $(date +%s) + timeout ))
	while :; do
		if "$@"; then
			return 0
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
}

# scaled CHECK STRESS: the size of a test's load, CHECK in `make check` and
# STRESS in `make stress` (which runs the suite with FLOWMON_STRESS=1).
scaled()
{
	if [ "${FLOWMON_STRESS:-0}" = 1 ]; then
		echo "$2"
	else
		echo "$1"
	fi
}

# nft_packets NS FAMILY TABLE: the packets all counters of an nftables
# table in NS have counted, together.
nft_packets()
{
	ip netns exec "$1" nft -j list table "$2" "$3" | $PY -c '
import json, sys
print(sum(e["counter"]["packets"] for r in json.load(sys.stdin)["nftables"]
          if "rule" in r for e in r["rule"]["expr"] if "counter" in e))'
}

# nobody_copies FILE...: copies of the FILEs in a new world-readable
# directory, $NOBODY_BIN, for what runs as nobody ("${NOBODY[@]}" CMD...):
# the checkout may be in a directory only root can enter (a root-only home
# directory, say).
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
nobody_copies()
{
	local f mode
	NOBODY_BIN=$(mktemp -d /tmp/flowmon-nobody.XXXXXX) || die "mktemp"
	CLEANUP_CMDS+=("rm -rf $NOBODY_BIN")
	chmod 755 "$NOBODY_BIN" || die "chmod $NOBODY_BIN"
	for f in "$@"; do
		mode=644
		[ -x "$f" ] && mode=755
		install -m $mode "$f" "$NOBODY_BIN/" || die "copying $f to $NOBODY_BIN"
	done
}

# Preconditions ---------------------------------------------------------------

require_root_tools()
{
	[ "$(id -u)" -eq 0 ] || skip "must be run as root"
	local t
	for t in ip ss insmod rmmod "$@"; do
		command -v "$t" >/dev/null || skip "$t not found"
	done
	[ -x "$PY" ] || command -v "$PY" >/dev/null || skip "python3 not found"
	[ -x "$FLOWCTL" ] || die "flowctl not built: $FLOWCTL"
}

module_loaded()
{
	[ -d /sys/module/flowmon ]
}

flowmon_insmod()
{
	local err
	[ -f "$FLOWMON_KO" ] || die "module not built: $FLOWMON_KO"
	if ! err=$(insmod "$FLOWMON_KO" 2>&1); then
		log "insmod $FLOWMON_KO: $err"
		dmesg 2>/dev/null | tail -n 20 | sed 's/^/#   dmesg: /'
		die "insmod flowmon.ko"
	fi
	module_loaded || die "flowmon not in /sys/module after insmod"
}

flowmon_load()
{
	if module_loaded || lsmod 2>/dev/null | grep -q '^flowmon '; then
		return 0
	fi
	flowmon_insmod
	log "loaded $FLOWMON_KO"
}

# flowmon_rmmod: unload flowmon if it is loaded.
flowmon_rmmod()
{
	local err
	module_loaded || return 0
	if ! err=$(rmmod flowmon 2>&1); then
		log "rmmod flowmon: $err"
		die "rmmod flowmon"
	fi
	module_loaded && die "flowmon still in /sys/module after rmmod"
	return 0
}

# flowmon_reload [PARAM=VALUE...]: unload flowmon and load it again with
# these module parameters. At exit the module is loaded again without them,
# as the other tests expect.
flowmon_reload()
{
	local err
	[ -f "$FLOWMON_KO" ] || die "module not built: $FLOWMON_KO"
	flowmon_rmmod
	FLOWMON_RESTORE=1
	if ! err=$(insmod "$FLOWMON_KO" "$@" 2>&1); then
		log "insmod $FLOWMON_KO $*: $err"
		dmesg 2>/dev/null | tail -n 20 | sed 's/^/#   dmesg: /'
		die "insmod flowmon.ko $*"
	fi
	module_loaded || die "flowmon not in /sys/module after insmod"
	log "reloaded $FLOWMON_KO $*"
}

# Called by cleanup after flowmon_reload: back to the default parameters.
flowmon_restore()
{
	FLOWMON_RESTORE=
	if module_loaded && ! rmmod flowmon; then
		echo "# error: cannot unload flowmon to restore its default parameters"
		return 1
	fi
	if ! insmod "$FLOWMON_KO"; then
		echo "# error: cannot load flowmon.ko again without parameters"
		return 1
	fi
	return 0
}

# module_param NAME: a parameter of the loaded module, in $FV.
module_param()
{
	{ read -r FV <"/sys/module/flowmon/parameters/$1"; } 2>/dev/null ||
		die "no module parameter $1"
}

# Namespaces ------------------------------------------------------------------

netns_make()
{
	local ns=$1
	ip netns add "$ns" || die "ip netns add $ns"
	NETNS_MADE+=("$ns")
	ip -n "$ns" link set lo up
	# Fixed TCP options (the byte counts depend on them; these are the
	# per-netns defaults anyway), and less IPv6 background chatter.
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_timestamps=1 \
		net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.dad_transmits=0 >/dev/null 2>&1 || true
}

# loopback_ns NS: a namespace for traffic over its own loopback: IPv6
# disabled before lo comes up (no IPv6 traffic at all), ephemeral ports from
# 50000 on (none of the ports tests bind below that).
loopback_ns()
{
	ip netns add "$1" || die "ip netns add $1"
	NETNS_MADE+=("$1")
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.ip_local_port_range="50000 60999" >/dev/null &&
		ip -n "$1" link set lo up || die "setting up $1"
}

# in_ns NS CMD...: CMD in NS ("-": the initial namespace, where tests run).
in_ns()
{
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# nsrun NS SCRIPT ARG...: bash -c SCRIPT in NS, after the shell functions
# of $NSLIB if the test defines some for its scripts.
nsrun()
{
	local ns=$1 script=$2
	shift 2
	in_ns "$ns" bash -c "${NSLIB-}$script" - "$@"
}

# setup_pair [--no-ipv6]: the two namespaces, the veth pair and the
# addresses, links up. With --no-ipv6, IPv6 is disabled in both namespaces
# before the veth pair exists: no IPv6 address, and none of the IPv6
# background traffic (MLD reports...) that would add flows.
setup_pair()
{
	local ns
	netns_make "$NS_C"
	netns_make "$NS_S"
	if [ "${1:-}" = --no-ipv6 ]; then
		for ns in "$NS_C" "$NS_S"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 >/dev/null ||
				die "cannot disable IPv6 in $ns"
		done
	fi
	ip link add veth_c netns "$NS_C" type veth peer name veth_s netns "$NS_S" ||
		die "creating the veth pair"
	ip -n "$NS_C" addr add $C4/24 dev veth_c
	ip -n "$NS_S" addr add $S4/24 dev veth_s
	if [ "${1:-}" != --no-ipv6 ]; then
		ip -n "$NS_C" addr add $C6/64 dev veth_c nodad
		ip -n "$NS_S" addr add $S6/64 dev veth_s nodad
	fi
	ip -n "$NS_C" link set veth_c up
	ip -n "$NS_S" link set veth_s up
	wait_until 20 link_ready || die "veth pair did not come up"
}

# static_neighbours: permanent ARP/NDP entries for the veth pair's addresses
# on both sides, so that no neighbour probe adds packets (or flows) while a
# test compares two snapshots of the table.
static_neighbours()
{
	local mac_c mac_s
	mac_c=$(ip -n "$NS_C" -br link show veth_c | awk '{print $3}')
	mac_s=$(ip -n "$NS_S" -br link show veth_s | awk '{print $3}')
	ip -n "$NS_C" neigh replace $S4 lladdr "$mac_s" dev veth_c nud permanent
	ip -n "$NS_S" neigh replace $C4 lladdr "$mac_c" dev veth_s nud permanent
	if ip -n "$NS_C" -6 addr show dev veth_c | grep -q "$C6/"; then
		ip -n "$NS_C" neigh replace $S6 lladdr "$mac_s" dev veth_c nud permanent
		ip -n "$NS_S" neigh replace $C6 lladdr "$mac_c" dev veth_s nud permanent
	fi
}

link_ready()
{
	ip -n "$NS_C" link show veth_c | grep -q 'state UP' &&
	ip -n "$NS_S" link show veth_s | grep -q 'state UP' &&
	! ip -n "$NS_C" -6 addr show dev veth_c | grep -q tentative &&
	! ip -n "$NS_S" -6 addr show dev veth_s | grep -q tentative
}

# Background processes --------------------------------------------------------

# bg NAME NS CMD...: run CMD in NS in the background, stdout to $TMPD/NAME.out,
# stderr to $TMPD/NAME.err; its pid in $BG_PID.
bg()
{
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# bg_wait PID TIMEOUT: wait for a background process; its exit status, or
# 124 when it is still running after TIMEOUT seconds.
bg_wait()
{
	local pid=$1 rc=0
	if ! wait_until "$2" proc_gone "$pid"; then
		return 124
	fi
	wait "$pid" || rc=$?
	return $rc
}

proc_gone()
{
	! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null)" = Z ]
}

bg_stop()
{
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

has_output()
{
	[ -s "$TMPD/$1.out" ]
}

# wait_listen NS tcp|udp PORT: until something listens on PORT in NS.
wait_listen()
{
	local ns=$1 proto=$2 port=$3 opt
	case $proto in
	tcp) opt=-Hltn ;;
	udp) opt=-Hlun ;;
	esac
	wait_until 30 listening "$ns" "$opt" "$port" ||
		die "nothing listens on $proto port $port in $ns"
}

listening()
{
	[ -n "$(ip netns exec "$1" ss "$2" "sport = :$3" 2>/dev/null)" ]
}

# tcp_server NAME PORT RECV SEND: start a one-connection TCP server in $NS_S.
tcp_server()
{
	bg "$1" "$NS_S" $TRAFFIC tcp-server "$2" --recv "$3" --send "$4"
	wait_listen "$NS_S" tcp "$2"
}

udp_server()	# udp_server NAME sink|echo PORT
{
	bg "$1" "$NS_S" $TRAFFIC "udp-$2" "$3"
	wait_listen "$NS_S" udp "$3"
}

# json_field NAME KEY: a field of the one-line JSON in $TMPD/NAME.out
json_field()
{
	$PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' \
		"$TMPD/$1.out" "$2"
}

# flowctl ------------------------------------------------------------------------

# fc NS ARGS...: run flowctl inside NS.
fc()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$FLOWCTL" "$@"
}

# snap NS FILE: `flowctl -j list` of NS into FILE; dies if flowctl fails.
snap()
{
	local err
	if ! fc "$1" -j list >"$2" 2>"$2.err"; then
		err=$(cat "$2.err")
		die "flowctl -j list in $1 failed: $err"
	fi
}

# flowq ARGS...: run flowq.py
flowq()
{
	$FLOWQ "$@"
}

# flow_count NS FILTER: the number of matching flows in $FV.
flow_count()
{
	local f="$TMPD/count.json"
	snap "$1" "$f"
	FV=$(flowq count "$f" "$2")
}

# flow_get NS FILTER FIELD: the field of the one matching flow in $FV, empty
# when not exactly one flow matches. (Not meant for $(...): snap's die must
# reach the test's own shell.)
flow_get()
{
	local f="$TMPD/get.json"
	snap "$1" "$f"
	FV=$(flowq get "$f" "$2" "$3" 2>/dev/null) || FV=
	case $FV in
	'#'*) FV= ;;
	esac
}

# flow_field_is NS FILTER FIELD VALUE: for wait_until
flow_field_is()
{
	flow_get "$1" "$2" "$3"
	[ "$FV" = "$4" ]
}

# flow_field_ge NS FILTER FIELD N: for wait_until
flow_field_ge()
{
	flow_get "$1" "$2" "$3"
	[ -n "$FV" ] && [ "$FV" -ge "$4" ]
}

# check_flow DESC FILE FILTER EXPECT...: the one flow matching FILTER in FILE
# must satisfy every EXPECT (see flowq.py check).
check_flow()
{
	local desc=$1 out rc=0
	shift
	log "$desc"
	out=$(flowq check "$@") || rc=$?
	[ -n "$out" ] && echo "$out"
	CHECKS=$((CHECKS + $(grep -c '^# \(not \)\?ok - ' <<<"$out" || true)))
	FAILS=$((FAILS + $(grep -c '^# not ok - ' <<<"$out" || true)))
	if [ $rc -ne 0 ] && ! grep -q '^# not ok - ' <<<"$out"; then
		fail "$desc: no single matching flow"
	fi
	return 0
}

# tcp_bytes PACKETS PAYLOAD IPHDR: the exact IP bytes of a TCP direction in
# which the first segment (SYN or SYN-ACK) carries a 40-byte TCP header
# (MSS, SACK_PERM, timestamps, NOP, window scale) and every later segment
# a 32-byte one (timestamps).
tcp_bytes()
{
	echo $(( $2 + $1 * $3 + 40 + 32 * ($1 - 1) ))
}

# check_times FILE FILTER T0 T1: T0 <= first_seen <= last_seen <= T1 (ns).
check_times()
{
	local first last
	first=$(flowq get "$1" "$2" first_seen) || { fail "first_seen of $2"; return 0; }
	last=$(flowq get "$1" "$2" last_seen) || { fail "last_seen of $2"; return 0; }
	if [ "$3" -le "$first" ] && [ "$first" -le "$last" ] && [ "$last" -le "$4" ]; then
		ok "first_seen/last_seen within the test's run ($3 <= $first <= $last <= $4)"
	else
		fail "times: want $3 <= first_seen $first <= last_seen $last <= $4"
	fi
}

family_name()
{
	case $1 in
	*:*) echo ipv6 ;;
	*) echo ipv4 ;;
	esac
}

# Traffic cases shared by the IPv4 and IPv6 tests ------------------------------

# tcp_case CLIENT SERVER IPHDR PORT: 100000 bytes up, 50000 bytes down over
# one connection; exact counters while open and idle, then the close.
tcp_case()
{
	local c=$1 s=$2 iph=$3 port=$4 up=100000 down=50000
	local fam filt srv cli t0 t1 f
	local segs_out segs_in cretr sretr lport pu pd fpu fpd
	fam=$(family_name "$c")
	filt="family=$fam,proto=tcp,client=$c,server=$s,server_port=$port"

	log "TCP over $fam: $c -> $s:$port, $up bytes up, $down bytes down"
	# No SACK: after a spurious retransmission on a slow machine, D-SACK
	# blocks would add options the byte count below cannot predict. The
	# SYN options keep their 20 bytes (SACK-permitted rides with the
	# timestamps), so header sizes are as with SACK.
	for f in "$NS_C" "$NS_S"; do
		ip netns exec "$f" sysctl -qw net.ipv4.tcp_sack=0 ||
			die "cannot turn SACK off in $f"
	done
	t0=$(now_ns)
	tcp_server "tsrv$port" "$port" "$up" "$down"
	srv=$BG_PID
	bg "tcli$port" "$NS_C" $TRAFFIC tcp-client "$s" "$port" \
		--send "$up" --recv "$down" --hold "$TMPD/release$port"
	cli=$BG_PID
	if ! wait_until 120 tcp_exchanged "$port" "$srv" "$cli" ||
		! has_output "tcli$port" || ! has_output "tsrv$port"; then
		cat "$TMPD/tcli$port.err" "$TMPD/tsrv$port.err" | sed 's/^/#   /'
		die "TCP exchange on port $port did not complete"
	fi
	segs_out=$(json_field "tcli$port" segs_out)
	segs_in=$(json_field "tcli$port" segs_in)
	cretr=$(json_field "tcli$port" bytes_retrans)
	sretr=$(json_field "tsrv$port" bytes_retrans)
	lport=$(json_field "tcli$port" local_port)
	log "client TCP_INFO: segs_out $segs_out segs_in $segs_in" \
		"bytes_retrans $cretr; server bytes_retrans $sretr"
	pu=$((up + cretr))
	pd=$((down + sretr))

	f="$TMPD/tcp$port-open-client.json"
	snap "$NS_C" "$f"
	t1=$(now_ns)
	expect_eq "TCP flows in the client netns" 1 "$(flowq count "$f" proto=tcp)"
	check_flow "client netns, open and idle: packets == TCP_INFO segs, TCP headers 40 bytes in SYN/SYN-ACK, 32 after" \
		"$f" "$filt" client_port="$lport" \
		state=ESTABLISHED client_state=ESTABLISHED server_state=ESTABLISHED \
		packets_up="$segs_out" packets_down="$segs_in" \
		payload_up="$pu" payload_down="$pd" \
		bytes_up="$(tcp_bytes "$segs_out" "$pu" "$iph")" \
		bytes_down="$(tcp_bytes "$segs_in" "$pd" "$iph")" \
		picked_up="false|0"
	check_times "$f" "$filt" "$t0" "$t1"

	f="$TMPD/tcp$port-open-server.json"
	snap "$NS_S" "$f"
	check_flow "server netns sees the same flow, same orientation and counters" \
		"$f" "$filt" client_port="$lport" state=ESTABLISHED \
		packets_up="$segs_out" packets_down="$segs_in" \
		payload_up="$pu" payload_down="$pd" \
		bytes_up="$(tcp_bytes "$segs_out" "$pu" "$iph")" \
		bytes_down="$(tcp_bytes "$segs_in" "$pd" "$iph")"

	log "client closes first, then the server"
	touch "$TMPD/release$port"
	bg_wait "$cli" 60 || fail "tcp-client exited non-zero ($(cat "$TMPD/tcli$port.err"))"
	bg_wait "$srv" 60 || fail "tcp-server exited non-zero ($(cat "$TMPD/tsrv$port.err"))"
	wait_until 30 flow_field_is "$NS_C" "$filt" state TIME-WAIT/CLOSED || true
	wait_until 30 flow_field_is "$NS_S" "$filt" state TIME-WAIT/CLOSED || true

	f="$TMPD/tcp$port-closed-client.json"
	snap "$NS_C" "$f"
	# Up: FIN and the ACK of the server's FIN. Down: the ACK of our FIN and
	# the server's FIN, as one segment or two (delayed ACK).
	fpu=$((segs_out + 2))
	fpd=$(flowq get "$f" "$filt" packets_down) || fpd=0
	check_flow "client netns after the close: TIME-WAIT/CLOSED" "$f" "$filt" \
		state=TIME-WAIT/CLOSED client_state=TIME-WAIT server_state=CLOSED \
		packets_up="$fpu" packets_down="$((segs_in + 1))|$((segs_in + 2))" \
		payload_up="$pu" payload_down="$pd" \
		bytes_up="$(tcp_bytes "$fpu" "$pu" "$iph")" \
		bytes_down="$(tcp_bytes "$fpd" "$pd" "$iph")"
	f="$TMPD/tcp$port-closed-server.json"
	snap "$NS_S" "$f"
	check_flow "server netns after the close: TIME-WAIT/CLOSED, same counters" \
		"$f" "$filt" state=TIME-WAIT/CLOSED client_state=TIME-WAIT \
		server_state=CLOSED packets_up="$fpu" packets_down="$fpd" \
		payload_up="$pu" payload_down="$pd"
}

# tcp_exchanged PORT SERVER_PID CLIENT_PID: both printed their TCP_INFO, or
# one of them is gone (then the caller finds an output missing).
tcp_exchanged()
{
	{ has_output "tcli$1" && has_output "tsrv$1"; } ||
		proc_gone "$2" || proc_gone "$3"
}

# udp_case CLIENT SERVER IPHDR SINK_PORT ECHO_PORT
udp_case()
{
	local c=$1 s=$2 iph=$3 sp=$4 ep=$5 fam filt f lport n
	fam=$(family_name "$c")

	log "UDP over $fam: 10 datagrams of 1000 bytes to a sink on $s:$sp"
	udp_server "usink$sp" sink "$sp"
	ip netns exec "$NS_C" $TRAFFIC udp-send "$s" "$sp" --count 10 --size 1000 \
		>"$TMPD/usend$sp.out" || die "udp-send to port $sp failed"
	lport=$(json_field "usend$sp" local_port)
	filt="family=$fam,proto=udp,client=$c,server=$s,server_port=$sp"
	f="$TMPD/udp$sp-client.json"
	snap "$NS_C" "$f"
	check_flow "client netns: one UDP flow, 10 x (1000 + 8 + $iph) bytes up, no reply" \
		"$f" "$filt" client_port="$lport" state=UNREPLIED \
		packets_up=10 bytes_up=$((10 * (1000 + 8 + iph))) payload_up=10000 \
		packets_down=0 bytes_down=0 payload_down=0 \
		client_state=@absent server_state=@absent
	wait_until 20 flow_field_is "$NS_S" "$filt" packets_up 10 || true
	f="$TMPD/udp$sp-server.json"
	snap "$NS_S" "$f"
	check_flow "server netns: the same UDP flow" "$f" "$filt" \
		client_port="$lport" state=UNREPLIED packets_up=10 \
		bytes_up=$((10 * (1000 + 8 + iph))) payload_up=10000 packets_down=0

	log "UDP over $fam: 3 datagrams of 200 bytes echoed by $s:$ep"
	udp_server "uecho$ep" echo "$ep"
	ip netns exec "$NS_C" $TRAFFIC udp-send "$s" "$ep" --count 3 --size 200 --echo \
		>"$TMPD/usend$ep.out" || die "udp-send --echo to port $ep failed"
	n=$(json_field "usend$ep" received)
	expect_eq "echo replies received by the client" 3 "$n"
	lport=$(json_field "usend$ep" local_port)
	filt="family=$fam,proto=udp,client=$c,server=$s,server_port=$ep"
	f="$TMPD/udp$ep-client.json"
	snap "$NS_C" "$f"
	check_flow "client netns: echoed UDP flow, 3 x (200 + 8 + $iph) bytes each way" \
		"$f" "$filt" client_port="$lport" state=REPLIED \
		packets_up=3 bytes_up=$((3 * (200 + 8 + iph))) payload_up=600 \
		packets_down=3 bytes_down=$((3 * (200 + 8 + iph))) payload_down=600 \
		client_state=@absent server_state=@absent
}

# icmp_case CLIENT SERVER IPHDR IDENT: ping -c 4 -i 0.2 with a fixed identifier
icmp_case()
{
	local c=$1 s=$2 iph=$3 id=$4 fam proto filt f bytes
	fam=$(family_name "$c")
	if [ "$fam" = ipv6 ]; then proto=icmpv6; else proto=icmp; fi
	bytes=$((4 * (56 + 8 + iph)))

	log "ICMP echo over $fam: ping -c 4 -i 0.2 -e $id $s"
	if ! ip netns exec "$NS_C" ping -"${fam#ipv}" -c 4 -i 0.2 -W 10 -e "$id" "$s" \
		>"$TMPD/ping$id.out" 2>&1; then
		sed 's/^/#   /' "$TMPD/ping$id.out"
		die "ping $s failed"
	fi
	filt="family=$fam,proto=$proto,client=$c,server=$s,client_port=$id"
	f="$TMPD/ping$id-client.json"
	snap "$NS_C" "$f"
	check_flow "client netns: one echo flow, identifier $id, 4 x (56 + 8 + $iph) bytes each way" \
		"$f" "$filt" server_port=0 state=REPLY \
		packets_up=4 bytes_up=$bytes payload_up=224 \
		packets_down=4 bytes_down=$bytes payload_down=224 \
		client_state=@absent server_state=@absent
	if [ "$fam" = ipv4 ]; then
		expect_eq "ICMP flows in the client netns" 1 \
			"$(flowq count "$f" proto=icmp)"
	fi
}

# tcp_hold SERVER PORT: a TCP connection from $NS_C to SERVER:PORT that
# exchanges 1000 bytes each way and then stays open and idle.
tcp_hold()
{
	local s=$1 port=$2
	tcp_server "hsrv$port" "$port" 1000 1000
	HOLD_SRV[$port]=$BG_PID
	bg "hcli$port" "$NS_C" $TRAFFIC tcp-client "$s" "$port" \
		--send 1000 --recv 1000 --hold "$TMPD/hrelease$port"
	HOLD_CLI[$port]=$BG_PID
	if ! wait_until 120 held "$port" || ! has_output "hcli$port" ||
		! has_output "hsrv$port"; then
		cat "$TMPD/hcli$port.err" "$TMPD/hsrv$port.err" | sed 's/^/#   /'
		die "TCP connection to $s:$port did not come up"
	fi
}
declare -A HOLD_SRV HOLD_CLI

held()
{
	{ has_output "hcli$1" && has_output "hsrv$1"; } ||
		proc_gone "${HOLD_SRV[$1]}" || proc_gone "${HOLD_CLI[$1]}"
}

# tcp_release PORT: close a tcp_hold connection (client first).
tcp_release()
{
	touch "$TMPD/hrelease$1"
	bg_wait "${HOLD_CLI[$1]}" 60 || fail "tcp-client on port $1 exited non-zero"
	bg_wait "${HOLD_SRV[$1]}" 60 || fail "tcp-server on port $1 exited non-zero"
}

# stats_field NS FIELD: a field of `flowctl stats -j` in NS, in $FV.
stats_field()
{
	local out
	out=$(fc "$1" stats -j) || die "flowctl stats -j in $1 failed"
	FV=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' \
		"$out" "$2") || die "flowctl stats -j: no field $2 in: $out"
}

# Scripted TCP endpoints (traffic.py tcp-listen / tcp-connect) ---------------

# tcp_listen NAME PORT [--maxseg N] STEP...: a one-connection scripted TCP
# server in $NS_S, in the background; returns once it listens.
tcp_listen()
{
	tcp_listen_start "$@"
	wait_listen "$NS_S" tcp "$2"
}

# tcp_listen_start NAME PORT [--maxseg N] STEP...: the same, but returns at
# once: wait_listen before connecting. Starting several servers first and
# then waiting for them saves time under emulation.
tcp_listen_start()
{
	local name=$1 port=$2 opts=()
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--maxseg | --accept-timeout) opts+=("$1" "$2"); shift 2 ;;
		*) break ;;
		esac
	done
	bg "$name" "$NS_S" $TRAFFIC tcp-listen "${opts[@]}" "$port" "$@"
}

# tcp_connect NAME [OPTIONS] ADDR PORT STEP...: a scripted TCP client in
# $NS_C, in the background.
tcp_connect()
{
	local name=$1
	shift
	bg "$name" "$NS_C" $TRAFFIC tcp-connect "$@"
}

# wait_file TIMEOUT FILE NAME...: until FILE exists; dies with the stderr of
# the traffic processes NAME... if it never does.
wait_file()
{
	local timeout=$1 file=$2 n
	shift 2
	if ! wait_until "$timeout" test -e "$file"; then
		for n in "$@"; do
			sed "s/^/#   $n: /" "$TMPD/$n.err" 2>/dev/null
		done
		die "timed out after ${timeout}s waiting for $(basename "$file")"
	fi
}

# wait_done TIMEOUT NAME PID: the traffic process must end, successfully.
wait_done()
{
	local rc=0 err
	bg_wait "$3" "$1" || rc=$?
	if [ $rc -eq 0 ]; then
		return 0
	fi
	sed "s/^/#   $2: /" "$TMPD/$2.err" 2>/dev/null
	err=$(tail -n 1 "$TMPD/$2.err" 2>/dev/null)
	if [ $rc -eq 124 ]; then
		die "$2 still running after $1 s${err:+ ($err)}"
	fi
	die "$2 exited $rc${err:+ ($err)}"
}

# show_flows NS...: `flowctl list -e` of each NS, as comments.
show_flows()
{
	local ns
	for ns in "$@"; do
		echo "# flowctl list -e in $ns:"
		fc "$ns" list -e 2>&1 | sed 's/^/#   /'
	done
}

# check_state_counts NS [--state NAME...]: for each of the 11 TCP states,
# the `flowctl stats -j` tcp_states count must equal the number of flows of
# `flowctl -j list` with either endpoint in that state; for each state NAME
# (a --state name: closed, syn-recv, time-wait...), also `flowctl -j list
# --state NAME` must print exactly those flows (by id). The table must not
# change meanwhile (no flow about to expire).
check_state_counts()
{
	local ns=$1 name out line
	snap "$ns" "$TMPD/states-all.json"
	fc "$ns" stats -j >"$TMPD/states-stats.json" ||
		die "flowctl stats -j in $ns failed"
	rm -f "$TMPD"/states-[a-z]*-list.json
	if [ "${2:-}" = --state ]; then
		for name in "${@:3}"; do
			fc "$ns" -j list --state "$name" >"$TMPD/states-$name-list.json" ||
				die "flowctl -j list --state $name in $ns failed"
		done
	fi
	out=$($PY -c '
import json, os, sys
d = sys.argv[1]
flows = json.load(open(d + "/states-all.json"))
stats = json.load(open(d + "/states-stats.json"))
names = {"SYN-RECEIVED": "syn-recv"}
for st in ["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
           "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK",
           "TIME-WAIT"]:
    name = names.get(st, st.lower())
    want = sorted(f["id"] for f in flows
                  if st in (f.get("client_state"), f.get("server_state")))
    n = stats.get("tcp_states", {}).get(st)
    bad = []
    if n != len(want):
        bad.append("stats -j tcp_states[%s] is %s, but list shows %d flows"
                   " with an endpoint in it (ids %s)" % (st, n, len(want), want))
    what = "stats -j tcp_states[%s] == %d flows of list" % (st, len(want))
    listed = "%s/states-%s-list.json" % (d, name)
    if os.path.exists(listed):
        got = sorted(f["id"] for f in json.load(open(listed)))
        if got != want:
            bad.append("list --state %s printed ids %s, expected %s"
                       % (name, got, want))
        what += " == list --state %s" % name
    if bad:
        print("not ok - " + "; ".join(bad))
    else:
        print("ok - %s (ids %s)" % (what, want))
' "$TMPD") || die "check_state_counts: python failed"
	report_checks "$ns" <<<"$out"
}

# The garbage collector's runs, from the workqueue_execute_start trace event.
TRACEFS=/sys/kernel/tracing
GC_TRACE_EVENT=$TRACEFS/events/workqueue/workqueue_execute_start

# gc_trace_available: skips the test without the trace event.
gc_trace_available()
{
	if [ ! -d "$TRACEFS/events" ]; then
		mount -t tracefs nodev "$TRACEFS" 2>/dev/null ||
			skip "no tracefs at $TRACEFS"
	fi
	[ -e "$GC_TRACE_EVENT/enable" ] || skip "no workqueue_execute_start trace event"
}

gc_trace_off()
{
	echo 0 >"$GC_TRACE_EVENT/enable"
	echo >"$TRACEFS/trace"
}

# gc_trace_on: traces every work item run until the test ends.
gc_trace_on()
{
	echo 1 >"$GC_TRACE_EVENT/enable" || die "enabling $GC_TRACE_EVENT"
	CLEANUP_CMDS+=(gc_trace_off)
}

gc_trace_clear()
{
	echo >"$TRACEFS/trace"
}

# gc_runs: how many runs of flowmon_gc_work the trace holds, in $FV
# (lines "workqueue_execute_start: work struct ...: function flowmon_gc_work").
gc_runs()
{
	FV=$(grep -c 'function flowmon_gc_work' "$TRACEFS/trace" || true)
}

# long_timeouts NS [KEY=VALUE...]: every timeout of NS's flows one hour, so
# that nothing expires while a test compares snapshots taken minutes apart;
# the other config keys given in the same call.
long_timeouts()
{
	local ns=$1 k args=()
	shift
	for k in syn_sent syn_recv established fin_wait close_wait last_ack \
		time_wait close udp udp_stream icmp generic; do
		args+=("timeout_$k=3600")
	done
	args+=("$@")
	fc "$ns" config "${args[@]}" >/dev/null || die "flowctl config ${args[*]} in $ns"
}

# stats_json NS FILE: `flowctl stats -j` of NS into FILE.
stats_json()
{
	fc "$1" stats -j >"$2" || die "flowctl stats -j in $1 failed"
}

# tcp_state_of NS PORT: the summary state of the one TCP flow to server port
# PORT in NS, from `flowctl list -o plain` (cheaper than JSON and python, for
# polling), in $FV; empty unless exactly one such flow exists.
tcp_state_of()
{
	FV=$(fc "$1" list -o plain 2>/dev/null |
		awk -v p="$2" 'NR > 1 && $2 == "tcp" && $6 == p { n++; s = $7 }
			END { if (n == 1) print s }') || FV=
}

# tcp_state_is NS PORT STATE: for wait_until
tcp_state_is()
{
	tcp_state_of "$1" "$2"
	[ "$FV" = "$3" ]
}

# settle_state NS PORT STATE [TIMEOUT]: wait (20 s or TIMEOUT) until the TCP
# flow to server port PORT in NS is in STATE; the checks that follow report
# it if it never gets there.
settle_state()
{
	if ! wait_until "${4:-20}" tcp_state_is "$1" "$2" "$3"; then
		log "port $2: no flow in $3 after ${4:-20} s (now: ${FV:-no single flow})"
	fi
}

# flow_vars FILE FILTER FIELD...: sets the shell variable F_<FIELD> to each
# FIELD of the one flow in FILE matching FILTER (flowq.py filter syntax):
# empty when the flow has no such field; dies unless exactly one flow
# matches. A field of a nested object is OBJECT.FIELD, its variable
# F_<OBJECT>_<FIELD>. One python run for many fields.
flow_vars()
{
	local out
	out=$($PY -c '
import json, shlex, sys
flows = json.load(open(sys.argv[1]))
conds = [c.split("=", 1) for c in sys.argv[2].split(",")] if sys.argv[2] != "-" else []
def text(v):
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
def get(f, k):
    for part in k.split("."):
        f = f.get(part, "") if isinstance(f, dict) else ""
    return f
sel = [f for f in flows if all(k in f and text(f[k]) == v for k, v in conds)]
if len(sel) != 1:
    sys.exit("%d flows match %s" % (len(sel), sys.argv[2]))
for k in sys.argv[3:]:
    print("F_%s=%s" % (k.replace(".", "_"), shlex.quote(text(get(sel[0], k)))))
' "$@") || die "flow_vars $2 in $(basename "$1")"
	eval "$out"
}

# u32 EXPR: EXPR modulo 2^32 (sequence number arithmetic)
u32()
{
	echo $(( ($1) & 0xffffffff ))
}

# json_vars NAME TAG KEY...: sets J_<KEY> to each KEY of the JSON line tagged
# TAG ("-": the first line) in $TMPD/NAME.out; dies if a key is missing.
json_vars()
{
	local out
	out=$($PY -c '
import json, shlex, sys
for line in open(sys.argv[1]):
    obj = json.loads(line)
    if sys.argv[2] == "-" or obj.get("tag") == sys.argv[2]:
        break
else:
    sys.exit("no line tagged %s" % sys.argv[2])
for k in sys.argv[3:]:
    if k not in obj:
        sys.exit("no %s in %s" % (k, line.strip()))
    print("J_%s=%s" % (k, shlex.quote(str(obj[k]))))
' "$TMPD/$1.out" "$2" "${@:3}") || die "json_vars: $1.out"
	eval "$out"
}

# json_vars_file FILE KEY...: sets J_<KEY> to each KEY of the JSON object in
# FILE (a `flowctl stats -j` output, say); dies if a key is missing.
json_vars_file()
{
	local out
	out=$($PY -c '
import json, shlex, sys
obj = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    if k not in obj:
        sys.exit("no %s in %s" % (k, sys.argv[1]))
    print("J_%s=%s" % (k, shlex.quote(str(obj[k]))))
' "$@") || die "json_vars_file: $1"
	eval "$out"
}

# Plain flowctl outputs -------------------------------------------------------

# stats_of FILE: the `flowctl stats` output FILE in the array ST.
declare -A ST
stats_of()
{
	local k v
	ST=()
	while read -r k v; do
		ST[$k]=$v
	done <"$1"
}

# stats_delta DESC BEFORE AFTER KEY=DELTA...: between two `flowctl stats`
# outputs, each KEY grew by exactly DELTA (a key not in both: "missing").
stats_delta()
{
	local desc=$1 k kv want= got=
	local -A a=()
	stats_of "$2"
	for k in "${!ST[@]}"; do
		a[$k]=${ST[$k]}
	done
	stats_of "$3"
	shift 3
	for kv in "$@"; do
		k=${kv%%=*}
		want+=" $kv"
		if [ -n "${ST[$k]:-}" ] && [ -n "${a[$k]:-}" ]; then
			got+=" $k=$((ST[$k] - a[$k]))"
		else
			got+=" $k=missing"
		fi
	done
	expect_eq "$desc: stats deltas" "${want# }" "${got# }"
}

# expect_stats DESC FILE KEY=VALUE...: values of a `flowctl stats` output.
expect_stats()
{
	local desc=$1 kv want= got=
	stats_of "$2"
	shift 2
	for kv in "$@"; do
		want+=" $kv"
		got+=" ${kv%%=*}=${ST[${kv%%=*}]:-missing}"
	done
	expect_eq "$desc: stats" "${want# }" "${got# }"
}

# rows FILE N: ROWS, the lines of FILE after the header, first N fields.
rows()
{
	local f first=1
	ROWS=()
	while read -ra f; do
		if [ -n "$first" ]; then
			first=
			continue
		fi
		ROWS+=("${f[*]:0:$2}")
	done <"$1"
}

# rows_are DESC FILE N ROW...: the rows of FILE (first N fields) are
# exactly ROW..., in any order.
rows_are()
{
	local desc=$1 file=$2 n=$3 r bad=
	local -A want=() got=()
	shift 3
	rows "$file" "$n"
	for r in "$@"; do
		want[$r]=1
	done
	for r in "${ROWS[@]}"; do
		got[$r]=1
		[ -n "${want[$r]:-}" ] || bad=1
	done
	for r in "$@"; do
		[ -n "${got[$r]:-}" ] || bad=1
	done
	[ ${#ROWS[@]} -eq $# ] || bad=1
	if [ -z "$bad" ]; then
		ok "$desc: exactly the expected rows ($#)"
		return 0
	fi
	fail "$desc"
	for r in "$@"; do
		echo "#   want: $r"
	done
	for r in "${ROWS[@]}"; do
		echo "#   got:  $r"
	done
}

# setup_link2 [MTU]: a second veth pair between the two namespaces,
#	$NS_C veth_c2 10.0.2.1/24 ($C4B) -- $NS_S veth_s2 10.0.2.2/24 ($S4B)
# with MTU (default 1500); returns once both ends are up.
C4B=10.0.2.1
S4B=10.0.2.2
setup_link2()
{
	local mtu=${1:-1500}
	ip link add veth_c2 netns "$NS_C" mtu "$mtu" type veth peer name veth_s2 \
		netns "$NS_S" mtu "$mtu" || die "creating the second veth pair"
	ip -n "$NS_C" addr add $C4B/24 dev veth_c2
	ip -n "$NS_S" addr add $S4B/24 dev veth_s2
	ip -n "$NS_C" link set veth_c2 up
	ip -n "$NS_S" link set veth_s2 up
	wait_until 20 link2_ready || die "the second veth pair did not come up"
}

link2_ready()
{
	ip -n "$NS_C" link show veth_c2 | grep -q 'state UP' &&
	ip -n "$NS_S" link show veth_s2 | grep -q 'state UP'
}

# check_stats_delta NS BEFORE AFTER KEY=DELTA...: between two `flowctl stats
# -j` outputs (files, see stats_json) of NS, each KEY must have grown by
# exactly DELTA.
check_stats_delta()
{
	local ns=$1 out what want got
	out=$($PY -c '
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
for kv in sys.argv[3:]:
    k, want = kv.split("=")
    print(k, want, b[k] - a[k] if k in a and k in b else "missing")
' "$2" "$3" "${@:4}") || die "check_stats_delta: python failed"
	while read -r what want got; do
		expect_eq "$ns: stats $what delta" "$want" "$got"
	done <<<"$out"
}

# check_flows FILE -- DESC FILTER EXPECT... [-- DESC FILTER EXPECT...]...:
# check_flow for several flows of FILE in one python run (flowq.py's check,
# imported), which saves a process start per flow under emulation. One more
# form of EXPECT: FIELD=@=OTHER, FIELD equals the flow's own field OTHER.
# "--in FILE2" instead of "--" switches to FILE2 for the groups that follow
# (it starts a group too: --in FILE2 DESC FILTER EXPECT...).
check_flows()
{
	local file=$1 out rc=0
	shift
	out=$($PY - "$SELFTEST_DIR" "$file" "$@" <<'PYEOF'
import contextlib, io, sys
sys.path.insert(0, sys.argv[1])
import flowq
groups, cur, path = [], None, sys.argv[2]
args = iter(sys.argv[3:])
for a in args:
    if a in ("--", "--in"):
        if a == "--in":
            path = next(args)
        cur = [path]
        groups.append(cur)
    elif cur is None:
        sys.exit("check_flows: arguments must start with -- or --in")
    else:
        cur.append(a)
for g in groups:
    path, desc, filt, exps = g[0], g[1], g[2], g[3:]
    print("# " + desc)
    sel = flowq.select(flowq.load(path), filt)
    for i, e in enumerate(exps):
        k, _, v = e.partition("=")
        if v.startswith("@=") and len(sel) == 1:
            other = sel[0].get(v[2:])
            exps[i] = "%s=%s" % (k, "<no %s>" % v[2:] if other is None
                                 else flowq.text(other))
    buf = io.StringIO()
    rc = 0
    with contextlib.redirect_stdout(buf):
        try:
            flowq.cmd_check([path, filt] + exps)
        except SystemExit as e:
            rc = e.code
    text = buf.getvalue()
    sys.stdout.write(text)
    if rc and "# not ok - " not in text:
        print("# not ok - %s: no single matching flow" % desc)
PYEOF
) || rc=$?
	[ -n "$out" ] && echo "$out"
	[ $rc -eq 0 ] || die "check_flows: python failed"
	CHECKS=$((CHECKS + $(grep -c '^# \(not \)\?ok - ' <<<"$out" || true)))
	FAILS=$((FAILS + $(grep -c '^# not ok - ' <<<"$out" || true)))
	return 0
}

# NAT and conntrack -------------------------------------------------------------

# offloads_off NS DEV...: GRO, GSO and TSO off on each DEV of NS, so that
# every skb is one packet on the wire. conntrack's accounting counts skbs (a
# GSO packet as one), flowmon a GSO packet as its segments: with offloads off
# the two count the same packets.
offloads_off()
{
	local ns=$1
	shift
	nsrun "$ns" '
		for d in "$@"; do
			ethtool -K "$d" gro off gso off tso off || exit 1
		done' "$@" || die "ethtool -K ... gro off gso off tso off in $ns ($*)"
}

# ct_setup NS: conntrack accounting on in NS (packets= and bytes= for each
# direction of each entry; only entries made after this have them) and
# one-hour conntrack timeouts, so that no entry the test compares with ends
# meanwhile. Before the traffic.
ct_setup()
{
	modprobe nf_conntrack || die "modprobe nf_conntrack"
	ip netns exec "$1" sysctl -qw net.netfilter.nf_conntrack_acct=1 \
		net.netfilter.nf_conntrack_tcp_timeout_time_wait=3600 \
		net.netfilter.nf_conntrack_tcp_timeout_close=3600 \
		net.netfilter.nf_conntrack_tcp_timeout_established=3600 \
		net.netfilter.nf_conntrack_icmp_timeout=3600 \
		net.netfilter.nf_conntrack_icmpv6_timeout=3600 \
		net.netfilter.nf_conntrack_udp_timeout=3600 \
		net.netfilter.nf_conntrack_udp_timeout_stream=3600 >/dev/null ||
		die "conntrack sysctls in $1"
}

# nft_load NS: the nft ruleset on stdin, into NS.
nft_load()
{
	local out
	out=$(ip netns exec "$1" nft -f - 2>&1) || die "nft -f in $1: $out"
}

# ct_dump NS FILE: NS's conntrack table, both families, with accounting
# (`conntrack -L -o extended`), into FILE.
ct_dump()
{
	ip netns exec "$1" conntrack -L -o extended >"$2" 2>"$2.err" ||
		die "conntrack -L in $1: $(cat "$2.err")"
}

# json_num FILE KEY: the number KEY in the first line of FILE (a one-line
# JSON object from traffic.py or craft.py), in $FV. No external command:
# cheap under emulation, where a wait on a timer (TIME-WAIT) may follow.
json_num()
{
	local line re="\"$2\": (-?[0-9]+)"
	IFS= read -r line <"$1" || line=
	[[ $line =~ $re ]] || die "no $2 in $1: $line"
	FV=${BASH_REMATCH[1]}
}

# tcp_rows_in NS STATE PORT_RE: how many TCP records of NS are in the
# summary state STATE with a server port matching the regex PORT_RE, in
# $FV.
tcp_rows_in()
{
	FV=$(fc "$1" list -o plain 2>/dev/null | awk -v st="$2" -v re="$3" '
		NR > 1 && $2 == "tcp" && $7 == st && $6 ~ re { n++ }
		END { print n + 0 }')
}

# ss_dump NS FILE: `ss -Htan` of NS (every TCP socket, TIME-WAIT ones too)
# into FILE.
ss_dump()
{
	ip netns exec "$1" ss -Htan >"$2" || die "ss -tan in $1"
}

# ss_state FILE LPORT PEER_PORT: the state, in flowmon's names, of the TCP
# socket of the ss_dump FILE with these local and peer ports, in $FV;
# CLOSED when there is none (a closed socket is gone).
ss_state()
{
	local st rq sq local peer rest
	FV=CLOSED
	while read -r st rq sq local peer rest; do
		[ "${local##*:}" = "$2" ] && [ "${peer##*:}" = "$3" ] || continue
		case $st in
		ESTAB) FV=ESTABLISHED ;;
		SYN-RECV) FV=SYN-RECEIVED ;;
		*) FV=$st ;;
		esac
		return 0
	done <"$1"
}

# monitor_joined NS PID: the `flowctl monitor` PID (started with bg, so
# `ip netns exec` exec'ed it) has joined its multicast groups in NS: a
# generic netlink socket of its port id with groups in /proc/net/netlink.
# For wait_until.
monitor_joined()
{
	nsrun "$1" '
		while read -r sk eth portid groups rest; do
			[ "$eth" = 16 ] && [ "$groups" != 00000000 ] &&
				[ $((portid % 4194304)) = "$1" ] && exit 0
		done </proc/net/netlink
		exit 1' "$2"
}

# check_ct_flows FLOWS CT [--text FILE]... -- DESC FAMILY PROTO CLIENT
#	CLIENT_PORT SERVER SERVER_PORT [EXPECT...] [-- DESC ...]...
# For each connection, named by conntrack's original tuple (ICMP echo: the
# identifier as CLIENT_PORT, SERVER_PORT 0), against its one entry in the
# ct_dump CT:
#  - exactly one flow of FLOWS (`flowctl -j list`) is this connection's,
#    keyed by its original or its reply tuple, either way round (ICMP: by
#    the addresses);
#  - that flow's key is the original tuple; packets_up and bytes_up are
#    the original direction's packets= and bytes=, packets_down and
#    bytes_down the reply direction's;
#  - snat is true when the reply tuple's destination (address, port or
#    identifier) is not the client, dnat when its source is not the
#    server; then nat_client, nat_client_port, nat_server, nat_server_port
#    are the reply tuple's dst, dport (ICMP: id), src and sport (ICMP: 0);
#    with neither, those four are absent;
#  - in each --text FILE (/proc/net/flowmon, `flowctl list -o plain`)
#    columns 19-23 are nat nat_client nat_client_port nat_server
#    nat_server_port, and so are the flow's one line's: nat (-, snat, dnat
#    or snat,dnat) and those four (each - without NAT);
#  - and every EXPECT (flowq.py check syntax, field=@present too).
# The EXPECT ct_up=skip leaves packets_up and bytes_up out of the comparison
# with conntrack: for a client in the same namespace, whose TCP segments
# pass LOCAL_OUT as GSO packets (TCP always builds them), which conntrack
# counts once and flowmon as the segments they stand for.
# One python run for all of them.
check_ct_flows()
{
	local out rc=0
	out=$($PY - "$SELFTEST_DIR" "$@" <<'PYEOF'
import contextlib, io, sys
sys.path.insert(0, sys.argv[1])
import flowq
NAT_COLS = ["nat", "nat_client", "nat_client_port", "nat_server",
            "nat_server_port"]
NAT_AT = 18
ECHO = {"icmp": ("8", "0"), "icmpv6": ("128", "129")}
args = sys.argv[2:]
flows_path = args[0]
flows = flowq.load(flows_path)
ct_path = args[1]
args = args[2:]
texts = []
while args and args[0] == "--text":
    texts.append(args[1])
    args = args[2:]
groups = []
for a in args:
    if a == "--":
        groups.append([])
    elif not groups:
        sys.exit("check_ct_flows: groups must start with --")
    else:
        groups[-1].append(a)


def ct_entries(path):
    """(family, proto, orig, reply) of each conntrack -L -o extended line;
    a tuple is a dict of its key=value fields."""
    out = []
    for line in open(path):
        tok = line.split()
        if len(tok) < 3 or tok[0] not in ("ipv4", "ipv6"):
            continue
        tuples = []
        for t in tok[3:]:
            k, eq, v = t.partition("=")
            if not eq:
                continue
            if k == "src":
                tuples.append({})
            if tuples and len(tuples) <= 2 and k not in tuples[-1]:
                tuples[-1][k] = v
        if len(tuples) == 2:
            out.append((tok[0], tok[2], tuples[0], tuples[1], line.strip()))
    return out


def ends(t, proto, orig):
    """(src, sport), (dst, dport) of a tuple; ICMP echo: the identifier is
    the client's port, 0 the server's."""
    if proto in ECHO:
        if orig:
            return (t["src"], t.get("id")), (t["dst"], "0")
        return (t["src"], "0"), (t["dst"], t.get("id"))
    return (t["src"], t.get("sport")), (t["dst"], t.get("dport"))


def text_lines(path):
    lines = open(path).read().splitlines()
    return (lines[0].split() if lines else []), [l.split() for l in lines[1:]]


entries = ct_entries(ct_path)
for path in texts:
    head, _ = text_lines(path)
    if head[NAT_AT:NAT_AT + 5] == NAT_COLS:
        print("# ok - %s: columns %d-%d are %s" % (path.rsplit("/", 1)[-1],
              NAT_AT + 1, NAT_AT + 5, " ".join(NAT_COLS)))
    else:
        print("# not ok - %s: header %s, expected columns %d-%d to be %s"
              % (path, " ".join(head), NAT_AT + 1, NAT_AT + 5,
                 " ".join(NAT_COLS)))
for g in groups:
    desc, fam, proto, c, cp, s, sp = g[:7]
    exps = g[7:]
    print("# " + desc)
    orig_ends = ((c, cp), (s, sp))
    sel = [e for e in entries if e[0] == fam and e[1] == proto
           and ends(e[2], proto, True) == orig_ends
           and (proto not in ECHO or e[2].get("type") == ECHO[proto][0])]
    if len(sel) != 1:
        print("# not ok - %d conntrack entries with the original tuple %s %s "
              "%s:%s -> %s:%s, expected 1" % (len(sel), fam, proto, c, cp, s, sp))
        for e in entries:
            print("#   conntrack: " + e[4])
        continue
    _, _, o, r, line = sel[0]
    print("#   conntrack: " + line)
    if "packets" not in o or "packets" not in r:
        print("# not ok - no accounting in the conntrack entry "
              "(net.netfilter.nf_conntrack_acct)")
        continue
    rs, rd = ends(r, proto, False)
    # All the flows of this connection, whatever their key.
    pairs = [set(orig_ends), {rs, rd}]
    mine = []
    for f in flows:
        if f.get("family") != fam or f.get("proto") != proto:
            continue
        fe = {(f.get("client"), flowq.text(f.get("client_port"))),
              (f.get("server"), flowq.text(f.get("server_port")))}
        if proto in ECHO:
            fe = {a for a, _ in fe}
            if fe in ({a for a, _ in p} for p in pairs):
                mine.append(f)
        elif fe in pairs:
            mine.append(f)
    if len(mine) == 1:
        print("# ok - one flow of this connection (by its original or "
              "reply tuple)")
    else:
        print("# not ok - %d flows of this connection (by its original or "
              "reply tuple), expected 1:" % len(mine))
        for f in mine:
            print("#   flow: " + flowq.brief(f))
    snat = rd != (c, cp)
    dnat = rs != (s, sp)
    want = ["packets_up=" + o["packets"], "bytes_up=" + o["bytes"]]
    if "ct_up=skip" in exps:
        exps.remove("ct_up=skip")
        want = []
    want += ["packets_down=" + r["packets"], "bytes_down=" + r["bytes"],
             "snat=" + flowq.text(snat), "dnat=" + flowq.text(dnat)]
    nat = dict(zip(NAT_COLS[1:], (rd[0], rd[1], rs[0], rs[1])))
    for k in NAT_COLS[1:]:
        want.append("%s=%s" % (k, nat[k] if snat or dnat else "@absent"))
    filt = "family=%s,proto=%s,client=%s,client_port=%s,server=%s," \
           "server_port=%s" % (fam, proto, c, cp, s, sp)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            flowq.cmd_check([flows_path, filt] +
                            [e for e in want + exps
                             if not e.endswith("=@present")])
        except SystemExit:
            pass
    out = buf.getvalue()
    if "# ok - " not in out and "# not ok - " not in out:
        out = "# not ok - no single flow keyed by the original tuple\n" + out
    sys.stdout.write(out)
    one = flowq.select(flows, filt)
    for e in exps:
        if e.endswith("=@present"):
            k = e[:-len("=@present")]
            good = len(one) == 1 and k in one[0]
            print("# %s - %s is present" % ("ok" if good else "not ok", k))
    tail = (["-" if not (snat or dnat) else
             ",".join(n for n, b in (("snat", snat), ("dnat", dnat)) if b)] +
            [nat[k] if snat or dnat else "-" for k in NAT_COLS[1:]])
    for path in texts:
        _, rows = text_lines(path)
        got = [l for l in rows if l[:6] == [fam, proto, c, cp, s, sp]]
        name = path.rsplit("/", 1)[-1]
        if len(got) != 1:
            print("# not ok - %s: %d lines of this flow, expected 1"
                  % (name, len(got)))
        elif got[0][NAT_AT:NAT_AT + 5] == tail:
            print("# ok - %s: the NAT columns are %s" % (name, " ".join(tail)))
        else:
            print("# not ok - %s: the NAT columns are %s, expected %s"
                  % (name, " ".join(got[0][NAT_AT:NAT_AT + 5]), " ".join(tail)))
PYEOF
) || rc=$?
	[ -n "$out" ] && echo "$out"
	[ $rc -eq 0 ] || die "check_ct_flows: python failed"
	CHECKS=$((CHECKS + $(grep -c '^# \(not \)\?ok - ' <<<"$out" || true)))
	FAILS=$((FAILS + $(grep -c '^# not ok - ' <<<"$out" || true)))
	return 0
}

# check_lists ALL -- DESC LIST [FILTER...] [-- DESC LIST ...]...: the flows
# of each LIST (a filtered `flowctl -j list`) are exactly the flows of ALL
# (the unfiltered one, taken just before) that match one of the FILTERs
# (flowq.py syntax), compared by id. No FILTER: LIST is empty. One check
# each, in one python run. A LIST that is no JSON array fails its check,
# with LIST.err (flowctl's stderr) if there is one.
check_lists()
{
	local out rc=0
	out=$($PY - "$SELFTEST_DIR" "$@" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import flowq
every = flowq.load(sys.argv[2])
groups = []
for a in sys.argv[3:]:
    if a == "--":
        groups.append([])
    elif not groups:
        sys.exit("check_lists: groups must start with --")
    else:
        groups[-1].append(a)
def load(path):
    try:
        flows = json.load(open(path))
        if isinstance(flows, list):
            return flows
    except (OSError, ValueError):
        pass
    try:
        err = open(path + ".err").read().strip()
    except OSError:
        err = ""
    print("#   %s: %s" % (path.rsplit("/", 1)[-1], err or "no JSON array"))
    return None
for desc, path, *filts in groups:
    listed = load(path)
    if listed is None:
        print("# not ok - %s: flowctl printed no list" % desc)
        continue
    got = sorted(f["id"] for f in listed)
    want = sorted({f["id"] for flt in filts for f in flowq.select(every, flt)})
    if got == want:
        print("# ok - %s: ids %s" % (desc, want))
        continue
    print("# not ok - %s: ids %s, expected %s" % (desc, got, want))
    for f in listed:
        print("#   listed: id=%s %s" % (f["id"], flowq.brief(f)))
PYEOF
) || rc=$?
	[ -n "$out" ] && echo "$out"
	[ $rc -eq 0 ] || die "check_lists: python failed"
	CHECKS=$((CHECKS + $(grep -c '^# \(not \)\?ok - ' <<<"$out" || true)))
	FAILS=$((FAILS + $(grep -c '^# not ok - ' <<<"$out" || true)))
	return 0
}
