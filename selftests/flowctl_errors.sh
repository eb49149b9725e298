#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every error path of flowctl prints its message and exits with its code
# (0 ok, 1 error, 2 usage). Table-driven: for each case the exact exit
# status, the exact stderr (a usage error is "flowctl: MESSAGE" then "Try
# 'flowctl help CMD' for more information."; an error is the one line
# "flowctl: MESSAGE") and an empty stdout.
#  - Errors (1): the kernel refusing a config value out of range (in a
#    netns of the test's own), with its extack message and valid range,
#    naming the setting (also among several), and changing nothing; get of
#    a flow that is not tracked (arguments and options); output to
#    /dev/full; permission
#    denied for every command as nobody and as root without CAP_NET_ADMIN
#    (a usage error still comes first, version still works); with
#    unprivileged_read=1, nobody may list, get, read stats and config, but
#    reset, flush and config KEY=VALUE are denied, and nobody's monitor
#    --buffer beyond net.core.rmem_max says the buffer is capped, and ends
#    with 0 at SIGTERM; after rmmod, "module is not loaded" for every
#    command (also as nobody), while version succeeds and says so.
#  - A monitor (root, --buffer 1G: the biggest, no note) ends with 0 and
#    "the flowmon module was unloaded" at rmmod.
#  - Usage errors (2), run without the module (so that none of them may
#    reach the kernel, and a regression cannot touch any table): no
#    command; unknown command; unknown option (global, per command, long,
#    short, in a cluster); option needing an argument (long, short); option
#    given an argument it does not take; unexpected argument; bad TCP state
#    names, empty ones; bad protocol, address, prefix length (IPv4, IPv6),
#    port, port range, size, count, duration, zero duration, overflowing
#    numbers; a filter option given twice; -4/-6 against each other and
#    against the family of an address; get's argument errors (too few or
#    too many, bad endpoint, family mismatch, -4/-6 mismatch, prefix instead
#    of address, range instead of port, arguments and options together,
#    incomplete key); unknown sort key and output format; config's unknown
#    key, show/set mix, bad value, fractional or too big value, key given
#    twice; monitor's --buffer outside 1 byte..1G; help's unknown topic and
#    extra argument.
#  - Help (0), without the module: `flowctl --help`, `-h` and `help` print
#    the same usage on stdout and nothing on stderr; for each command,
#    `help CMD` and `CMD --help` print the same, starting "Usage: flowctl
#    CMD ".

. "$(dirname "$0")/lib.sh"

require_root_tools setpriv
flowmon_load
netns_make "$NS_C"

NOT_LOADED="flowmon module is not loaded: run 'sudo modprobe flowmon' (or 'sudo insmod flowmon.ko')"
DENIED="permission denied: needs CAP_NET_ADMIN: run with sudo"
STATES="established (estab), syn-sent, syn-recv (syn-rcv, syn-received), fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, closing, closed (close), listening (listen), all, connected, synchronized, bucket, big"
KEYS="max_flows timeout_syn_sent timeout_syn_recv timeout_established timeout_fin_wait timeout_close_wait timeout_last_ack timeout_time_wait timeout_close timeout_udp timeout_udp_stream timeout_icmp timeout_generic"
PROTO_WHY="expected tcp, udp, icmp, icmpv6 or a protocol number from 1 to 255"
ADDR_WHY="expected an IPv4 or IPv6 address, optionally followed by /LEN"
PORT_WHY="expected a port from 0 to 65535, or a range N-M"
SIZE_WHY="expected a number, optionally followed by K, M, G or T (powers of 1024)"
DURATION_WHY="expected a duration such as 500ms, 30s, 5m, 2h or 1d (a bare number is in seconds)"
ENDPOINT_WHY="expected ADDR or ADDR:PORT, with an IPv6 address as ADDR or [ADDR]:PORT"
RANGE_TIMEOUT="integer out of range (valid: 1 to 315360000)"
RANGE_MAX_FLOWS="integer out of range (valid: 1 to 16777216)"

# How flowctl runs: as root or as someone else, in this netns. Every
# process costs a good fraction of a second under emulation, `ip netns
# exec` more: only what could change a table or the configuration, were
# flowctl to accept it, runs in_netns, in the test's own namespace. The
# rest reads, or is refused, or matches nothing (-p 200).
as_root()
{
	RUN=()
	WHO=
}

as_nobody()
{
	RUN=("${NOBODY[@]}")
	WHO="as nobody: "
}

# Root, but CAP_NET_ADMIN dropped from the bounding set before bash execs
# flowctl.
as_root_without_net_admin()
{
	# shellcheck disable=SC2016 # $0 and $@ are for the bash that capsh runs
	RUN=(capsh --drop=cap_net_admin -- -c 'exec "$0" "$@"')
	WHO="as root without CAP_NET_ADMIN: "
}

# in_netns AS: the same as AS (as_root...), in $NS_C.
in_netns()
{
	"$1"
	RUN=(ip netns exec "$NS_C" "${RUN[@]}")
	WHO+="in the test netns: "
}

# describe ARGS...: the command line, for the reports, in $DESC.
describe()
{
	local a
	DESC="${WHO}flowctl"
	for a in "$@"; do
		if [[ $a =~ ^[][A-Za-z0-9_./:=,@%+-]+$ ]]; then
			DESC+=" $a"
		else
			DESC+=" '$a'"
		fi
	done
}

# slurp FILE: its exact content (trailing newlines included) in $FV.
slurp()
{
	FV=
	IFS= read -rd '' FV <"$1" || true
}

# run_flowctl STDOUT ARGS...: flowctl ARGS as set up by as_* or in_netns,
# stdout to the file STDOUT; the exit status in $RC, the exact stderr in
# $ERR.
run_flowctl()
{
	local out=$1
	shift
	RC=0
	"${RUN[@]}" "$FLOWCTL" "$@" >"$out" 2>"$TMPD/err" </dev/null || RC=$?
	slurp "$TMPD/err"
	ERR=$FV
}

# report_mismatch WANT: the expected and the actual stderr, and the stdout,
# as comments.
report_mismatch()
{
	printf '%s' "$1" | sed 's/^/#   want stderr: /'
	printf '%s' "$ERR" | sed 's/^/#   got stderr:  /'
	if [ -f "$TMPD/out" ]; then
		head -c 600 "$TMPD/out" | sed 's/^/#   got stdout:  /'
	fi
}

# expect_error CODE STDERR ARGS...: flowctl ARGS exits CODE, prints nothing
# on stdout and exactly the lines STDERR on stderr.
expect_error()
{
	local code=$1 want=$2$'\n' bad=
	shift 2
	describe "$@"
	run_flowctl "$TMPD/out" "$@"
	if [ "$RC" -ne "$code" ]; then
		bad+=", exit $RC instead of $code"
	fi
	if [ "$ERR" != "$want" ]; then
		bad+=", unexpected stderr"
	fi
	if [ -s "$TMPD/out" ]; then
		bad+=", output on stdout"
	fi
	if [ -z "$bad" ]; then
		ok "$DESC: $code, ${want%%$'\n'*}"
	else
		fail "$DESC${bad}"
		report_mismatch "$want"
	fi
}

# usage TOPIC MESSAGE ARGS...: a usage error (2), with the hint to
# `flowctl help TOPIC` (TOPIC -: to `flowctl help`).
usage()
{
	local topic=$1 msg=$2 hint="Try 'flowctl help' for more information."
	shift 2
	if [ "$topic" != - ]; then
		hint="Try 'flowctl help $topic' for more information."
	fi
	expect_error 2 "flowctl: $msg"$'\n'"$hint" "$@"
}

# failure MESSAGE ARGS...: an error (1), the one line "flowctl: MESSAGE".
failure()
{
	local msg=$1
	shift
	expect_error 1 "flowctl: $msg" "$@"
}

# expect_ok ARGS...: flowctl ARGS succeeds with nothing on stderr; its
# stdout in $OUT.
expect_ok()
{
	describe "$@"
	run_flowctl "$TMPD/ok.out" "$@"
	slurp "$TMPD/ok.out"
	OUT=$FV
	if [ "$RC" -eq 0 ] && [ -z "$ERR" ]; then
		ok "$DESC: 0, nothing on stderr"
	else
		fail "$DESC: exit $RC, expected 0 with an empty stderr"
		report_mismatch ""
	fi
}

# write_error ARGS...: flowctl ARGS >/dev/full exits 1 and says why.
write_error()
{
	local want=$'flowctl: write error: No space left on device\n'
	describe "$@"
	run_flowctl /dev/full "$@"
	if [ "$RC" -eq 1 ] && [ "$ERR" = "$want" ]; then
		ok "$DESC >/dev/full: 1, ${want%$'\n'}"
	else
		fail "$DESC >/dev/full: exit $RC, expected 1 with a write error"
		report_mismatch "$want"
	fi
}

# signals_blocked PID: flowctl monitor blocks SIGINT and SIGTERM (to read
# them from a signalfd) once it has subscribed; from then on, SIGTERM ends
# it with 0.
signals_blocked()
{
	local line
	while read -r line; do
		case $line in
		SigBlk:*)
			line=${line#SigBlk:}
			[ $(( 0x${line//[[:space:]]/} & 0x4002 )) -eq $(( 0x4002 )) ]
			return
			;;
		esac
	done <"/proc/$1/status" 2>/dev/null
	return 1
}

monitor_ready()
{
	signals_blocked "$1" || proc_gone "$1"
}

# check_monitor NAME DESC CODE STDERR: the background monitor NAME exited
# CODE (in $rc), with exactly STDERR and nothing on stdout.
check_monitor()
{
	slurp "$TMPD/$1.err"
	if [ "$rc" -eq "$3" ] && [ "$FV" = "$4"$'\n' ] && [ ! -s "$TMPD/$1.out" ]; then
		ok "$2: $3, $4"
	else
		fail "$2: exit $rc, expected $3 with the one line '$4' on stderr, nothing on stdout"
		sed 's/^/#   got stderr: /' "$TMPD/$1.err"
		head -c 600 "$TMPD/$1.out" | sed 's/^/#   got stdout: /'
	fi
}

# Errors (1), the module loaded ------------------------------------------------

in_netns as_root
log "the kernel refuses config values out of range (extack), changing nothing"
run_flowctl "$TMPD/config.before" config
failure "config: timeout_udp=0: $RANGE_TIMEOUT" config timeout_udp=0
failure "config: timeout_established=3651d: $RANGE_TIMEOUT" config timeout_established=3651d
failure "config: max_flows=0: $RANGE_MAX_FLOWS" config max_flows=0
failure "config: max_flows=16777217: $RANGE_MAX_FLOWS" config max_flows=16777217
failure "config: timeout_icmp=0: $RANGE_TIMEOUT" config timeout_udp=45 timeout_icmp=0 max_flows=1000
run_flowctl "$TMPD/config.after" config
slurp "$TMPD/config.before"
before=$FV
slurp "$TMPD/config.after"
check "config unchanged by the refused settings" [ "${before:-none}" = "$FV" ]

as_root
log "get of a flow that is not tracked"
failure "no such flow" get tcp 192.0.2.1:40000 198.51.100.1:80
failure "no such flow" get -j udp '[2001:db8::1]:5000' '[2001:db8::2]:53'
failure "no such flow" get -p icmp -s 192.0.2.1 -d 198.51.100.1 --sport 77
log "not errors: flush and reset that match nothing"
expect_ok flush -p 200
expect_ok reset -p 200

log "output that cannot be written"
write_error help get
write_error -V
write_error list -c

log "permission denied (the module's default: every request needs CAP_NET_ADMIN)"
as_nobody
usage list "unknown option '--bogus'" list --bogus
for args in list "reset -p 200" "flush -p 200" stats config \
	"get tcp 192.0.2.1:1 198.51.100.1:2" monitor; do
	# shellcheck disable=SC2086 # the words of the command line
	failure "$DENIED" $args
done
expect_ok version
in_netns as_nobody
failure "$DENIED" config timeout_udp=30
if command -v capsh >/dev/null; then
	as_root_without_net_admin
	failure "$DENIED" list
	in_netns as_root_without_net_admin
	failure "$DENIED" config timeout_udp=30
else
	log "no capsh: root without CAP_NET_ADMIN not tried"
fi

# unprivileged_read=1 -----------------------------------------------------------

flowmon_reload unprivileged_read=1
log "unprivileged_read=1: nobody may read, not write"
as_nobody
expect_ok list
expect_ok stats
expect_ok config
failure "no such flow" get tcp 192.0.2.1:40000 198.51.100.1:80
failure "$DENIED" reset -p 200
failure "$DENIED" flush -p 200
in_netns as_nobody
failure "$DENIED" config timeout_udp=30

read -r rmem_max </proc/sys/net/core/rmem_max
if [ "$rmem_max" -lt 1048576 ]; then
	log "nobody's monitor --buffer 1M, beyond net.core.rmem_max $rmem_max"
	bg mon "$NS_C" "${NOBODY[@]}" "$FLOWCTL" monitor --buffer 1M -p 200
	pid=$BG_PID
	wait_until 60 monitor_ready "$pid" || true
	kill -TERM "$pid" 2>/dev/null || true
	rc=0
	bg_wait "$pid" 30 || rc=$?
	check_monitor mon "as nobody: flowctl monitor --buffer 1M -p 200, SIGTERM" 0 \
		"flowctl: the socket buffer is $rmem_max bytes, not 1048576: net.core.rmem_max caps it without CAP_NET_ADMIN"
else
	log "net.core.rmem_max is $rmem_max: the capped --buffer note not tried"
fi

# The module unloaded -------------------------------------------------------------

log "a monitor (root, --buffer 1G: no note) when the module goes"
bg umon "$NS_C" "$FLOWCTL" monitor --buffer 1G -p 200
pid=$BG_PID
wait_until 60 monitor_ready "$pid" || true
flowmon_rmmod
rc=0
bg_wait "$pid" 60 || rc=$?
check_monitor umon "flowctl monitor --buffer 1G -p 200, rmmod" 0 \
	"flowctl: the flowmon module was unloaded"

log "module not loaded"
as_root
for args in list reset flush stats config "config timeout_udp=30" \
	"get tcp 192.0.2.1:1 198.51.100.1:2" monitor; do
	# shellcheck disable=SC2086 # the words of the command line
	failure "$NOT_LOADED" $args
done
as_nobody
failure "$NOT_LOADED" -j list
as_root
expect_ok version
check "flowctl version says 'flowmon module not loaded'" \
	[ "${OUT#*$'\n'}" = $'flowmon module not loaded\n' ]

# Usage errors (2), without the module --------------------------------------------

log "usage errors of flowctl itself"
expect_ok --help
MAIN_HELP=$OUT
expect_error 2 "${MAIN_HELP%$'\n'}"
expect_error 2 "${MAIN_HELP%$'\n'}" -j
usage - "unknown command 'bogus'" bogus
usage - "unknown option '--bogus'" --bogus
usage - "unknown option '-x'" -x
usage - "option '--json' takes no argument" --json=1 list
usage - "-4 and -6 exclude each other" -4 -6 list
usage - "unknown command 'bogus'" help bogus
usage help "unexpected argument 'extra'" help list extra
usage help "unknown option '--json'" help --json

log "usage errors of list (ls, reset) and of the filter options"
usage list "unknown option '--bogus'" list --bogus
usage list "unknown option '-x'" ls -cx
usage list "option '--json' takes no argument" list --json=3
usage list "option '--sort' needs an argument" list --sort
usage list "option '-o' needs an argument" list -o
usage list "unexpected argument '10.0.1.1'" list -4 10.0.1.1
usage list "unknown output format 'yaml': use table, plain or json" list -o yaml
usage list "unknown sort key 'foo': use bytes, packets, age, rtt or drops" list --sort foo
usage reset "unknown sort key 'x': use bytes, packets, age, rtt or drops" reset --sort x
usage reset "unexpected argument 'all'" reset all
usage list "unknown TCP state 'bogus'; valid states: $STATES" list --state estab,bogus,closed
usage list "empty name in the state list 'estab,,closed'" list --state estab,,closed
usage list "empty name in the state list ''" list --state ''
usage list "bad --proto 'bogus': $PROTO_WHY" list -p bogus
usage list "bad --proto '256': $PROTO_WHY" list --proto 256
usage list "--proto given twice" list -p tcp -p udp
usage list "--src given twice" list -s 10.0.1.1 --src 10.0.1.2
usage list "bad --src '1.2.3': $ADDR_WHY" list -s 1.2.3
usage list "bad --addr '10.0.1.1/': the prefix length of an IPv4 address is 0 to 32" \
	list --addr 10.0.1.1/
usage list "bad --src '10.0.0.0/33': the prefix length of an IPv4 address is 0 to 32" \
	list -s 10.0.0.0/33
usage list "bad --dst 'fd00::/129': the prefix length of an IPv6 address is 0 to 128" \
	list -d fd00::/129
usage list "bad --sport '70000': $PORT_WHY" list --sport 70000
usage list "bad --port '1-2-3': $PORT_WHY" list --port 1-2-3
usage list "bad --dport '10-5': the range ends below its first port" list --dport 10-5
usage list "bad --min-bytes '5X': $SIZE_WHY" list --min-bytes 5X
usage list "bad --min-bytes '20000000T': $SIZE_WHY" list --min-bytes 20000000T
usage list "bad --min-packets 'x': expected a decimal number" list --min-packets x
usage list "bad --min-packets '18446744073709551616': expected a decimal number" \
	list --min-packets 18446744073709551616
usage list "bad --idle '5y': $DURATION_WHY" list --idle 5y
usage list "bad --idle '0': the duration must be at least 1ms" list --idle 0
usage list "bad --age '0s': the duration must be at least 1ms" list --age 0s
usage list "-6: the filter is IPv4 already (-4, -6 or an address)" list -4 -6
usage list "-6: the filter is IPv4 already (-4, -6 or an address)" -4 list -6
usage list "-6: the filter is IPv4 already (-4, -6 or an address)" list -s 10.0.1.1 -6
usage list "bad --src '10.0.1.1': an IPv4 address, but -4, -6 or another address asked for IPv6" \
	list -6 -s 10.0.1.1
usage list "bad --dst 'fd00::1': an IPv6 address, but -4, -6 or another address asked for IPv4" \
	list -s 10.0.1.1 -d fd00::1

log "usage errors of flush, monitor, stats, version"
usage flush "unknown option '-o'" flush -o json
usage flush "unexpected argument 'all'" flush all
usage flush "unknown TCP state 'bogus'; valid states: $STATES" flush --state bogus
usage monitor "bad --buffer '0': expected 1 byte to 1G" monitor --buffer 0
usage monitor "bad --buffer '1025M': expected 1 byte to 1G" monitor --buffer 1025M
usage monitor "bad --buffer '5Q': $SIZE_WHY" monitor --buffer 5Q
usage monitor "option '--buffer' needs an argument" monitor --buffer
usage monitor "unknown option '-o'" monitor -o json
usage monitor "unexpected argument 'extra'" monitor extra
usage monitor "bad --idle '0ms': the duration must be at least 1ms" monitor --idle 0ms
usage stats "unexpected argument 'extra'" stats extra
usage stats "unknown option '-o'" stats -o json
usage version "unexpected argument 'extra'" version extra
usage version "option '--json' takes no argument" version --json=1

log "usage errors of get"
usage get "expected PROTO CLIENT[:PORT] SERVER[:PORT]" get tcp 10.0.1.1
usage get "expected PROTO CLIENT[:PORT] SERVER[:PORT]" get tcp 10.0.1.1 10.0.1.2 extra
usage get "bad protocol 'bogus': $PROTO_WHY" get bogus 10.0.1.1 10.0.1.2
usage get "bad client '10.0.1.1:70000': expected a port from 0 to 65535" \
	get tcp 10.0.1.1:70000 10.0.1.2
usage get "bad server '[fd00::2]:65536': expected a port from 0 to 65535" \
	get tcp fd00::1 '[fd00::2]:65536'
usage get "bad client '[10.0.1.1]:80': $ENDPOINT_WHY" get tcp '[10.0.1.1]:80' 10.0.1.2
usage get "bad server '[fd00::2': $ENDPOINT_WHY" get tcp fd00::1 '[fd00::2'
usage get "bad client '10.0.1.0/24': expected an address, not a prefix" \
	get tcp 10.0.1.0/24 10.0.1.2
usage get "the client and the server are not of the same family" get tcp 10.0.1.1 fd00::2
usage get "the addresses are not of the family -4 or -6 asks for" -6 get tcp 10.0.1.1 10.0.1.2
usage get "the addresses are not of the family -4 or -6 asks for" get -4 tcp fd00::1 fd00::2
usage get "-4 and -6 exclude each other" get -4 -6 tcp 10.0.1.1 10.0.1.2
usage get "give the flow either as arguments or with options, not both" \
	get -p tcp -s 10.0.1.1 -d 10.0.1.2 extra
usage get "give the flow either as arguments or with options, not both" \
	get tcp 10.0.1.1 10.0.1.2 --dport 80
usage get "a flow needs a protocol, a client and a server" get -p tcp -s 10.0.1.1
usage get "the client and the server are not of the same family" \
	get -p tcp -s 10.0.1.1 -d fd00::2
usage get "bad --proto 'x': $PROTO_WHY" get -p x -s 10.0.1.1 -d 10.0.1.2
usage get "bad --src '10.0.1.0/24': expected an address, not a prefix" \
	get -p tcp -s 10.0.1.0/24 -d 10.0.1.2
usage get "bad --sport '1-5': expected one port, not a range" \
	get -p tcp -s 10.0.1.1 -d 10.0.1.2 --sport 1-5
usage get "bad --dport '70000': $PORT_WHY" get -p tcp -s 10.0.1.1 -d 10.0.1.2 --dport 70000
usage get "unknown option '--state'" get --state estab tcp 10.0.1.1 10.0.1.2
usage get "option '-s' needs an argument" get -s
usage get "--src given twice" get -p tcp -s 10.0.1.1 -d 10.0.1.2 -s 10.0.1.3
usage get "--dport given twice" get -p tcp -s 10.0.1.1 -d 10.0.1.2 --dport 1 --dport 2

log "usage errors of config"
usage config "unknown configuration key 'bogus'; valid keys: $KEYS" config bogus
usage config "unknown configuration key ''; valid keys: $KEYS" config =5
usage config "'timeout_udp': give all keys as KEY=VALUE to set them, or none to show them" \
	config max_flows=1000 timeout_udp
usage config "'max_flows=1000': show keys or set them, not both" config timeout_udp max_flows=1000
usage config "max_flows given twice" config max_flows=1000 max_flows=2000
usage config "bad value in 'max_flows=x': expected a decimal number" config max_flows=x
usage config "bad value in 'max_flows=1K': expected a decimal number" config max_flows=1K
usage config "bad value in 'max_flows=5000000000': too big" config max_flows=5000000000
usage config "bad value in 'timeout_udp=5y': $DURATION_WHY" config timeout_udp=5y
usage config "bad value in 'timeout_udp=1500ms': timeouts are whole seconds" \
	config timeout_udp=1500ms
usage config "bad value in 'timeout_icmp=200000d': too big" config timeout_icmp=200000d
usage config "unknown option '-x'" config -x

# Help (0), without the module ------------------------------------------------------

log "help"
check "flowctl --help starts with its usage line" \
	[ "${MAIN_HELP%%$'\n'*}" = "Usage: flowctl [OPTIONS] COMMAND [ARGS]" ]
for args in -h help; do
	expect_ok "$args"
	check "flowctl $args prints what flowctl --help prints" [ "$OUT" = "$MAIN_HELP" ]
done
for cmd in list ls get reset flush stats monitor config version help; do
	name=$cmd
	if [ "$cmd" = ls ]; then
		name=list
	fi
	expect_ok help "$cmd"
	help=$OUT
	first=${help%%$'\n'*}
	check "flowctl help $cmd starts with 'Usage: flowctl $name ' ($first)" \
		[ "${first#"Usage: flowctl $name "}" != "$first" ]
	expect_ok "$cmd" --help
	check "flowctl $cmd --help prints what flowctl help $cmd prints" [ "$OUT" = "$help" ]
done

finish
