#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel-side filters (`flowctl list FILTER`) and flowctl's own (`flowctl
# monitor FILTER`) against filterref.py, an independent implementation of
# flowctl(8)'s filter rules applied to the unfiltered list.
#
# A mix of flows in the client netns: TCP over IPv4 and IPv6 held
# ESTABLISHED, one closed (TIME-WAIT/CLOSED), one refused, one SYN-SENT;
# UDP replied and unreplied over both families; ping over both families,
# sent a few seconds after the rest so that --idle and --age split the
# table. Then, for every filter alone and in combinations:
#   - `flowctl -j list FILTER` returns exactly the ids filterref.py picks
#     from the unfiltered `flowctl -j list`, judged at the time of the
#     call (a flow crossing an --idle/--age bound during the call is
#     retried);
#   - `flowctl list -c FILTER` prints that number;
#   - `flowctl -j monitor FILTER`, started before any traffic, printed
#     exactly the events (NEW, STATE, DESTROY by id and time) that
#     filterref.py picks from an unfiltered monitor's events.
# The unfiltered list is taken before and after the filtered ones and
# must not change in between (static neighbours: no ARP/ND traffic).

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair
static_neighbours
long_timeouts "$NS_C"

FILTERS=(
	"--state estab" "--state established" "--state time-wait,closed"
	"--state estab --state closed" "--state bucket" "--state synchronized"
	"--state connected" "--state big" "--state all" "--state syn-sent"
	"--state listening" "--state CLOSE-WAIT,last-ack,fin-wait-1,fin-wait-2,closing,syn-recv"
	"-p tcp" "-p udp" "-p icmp" "-p icmpv6" "--proto 6" "--proto 17"
	"-4" "-6"
	"--src $C4" "--src 10.0.1.0/24" "--src $S4" "--dst $S4/32"
	"--dst 10.0.1.3" "--addr $S4" "--addr fd00::/64" "--addr fd00::2/127"
	"--addr fd00::3/128" "--addr fe80::/10" "--addr ff00::/8" "--src 0.0.0.0/0"
	"--addr 10.0.0.0/8"
	"--port 5000" "--sport 40000-40005" "--dport 5000-5001" "--dport 6000-6001"
	"--port 6001" "--sport 0" "--dport 0-1023" "--port 1-65535"
	"--min-bytes 10K" "--min-bytes 1k" "--min-bytes 50000" "--min-bytes 1M"
	"--min-packets 5" "--min-packets 1" "--min-packets 3"
	"--idle 2s" "--age 2s" "--age 1h" "--idle 1d" "--idle 1500ms"
	"--min-rtt 1ms" "--min-rtt 1h" "-p udp --min-rtt 1ms"
	"-6 -p tcp" "-4 -p udp --dport 6000-6001"
	"--state estab --dport 5000 --src $C4 --min-bytes 1K"
	"-p icmp --addr $S4 --idle 2s" "-p tcp --age 1h --min-packets 5 -6"
	"--src fd00::1 --dst fd00::2 --sport 40000-49999"
	"--state estab,time-wait --port 5000-5003 --min-packets 2"
	"--addr 10.0.1.0/24 --port 6000-6001 --min-bytes 100 --idle 1s"
)

log "monitors: one unfiltered, one per filter (${#FILTERS[@]})"
bg mon_all "$NS_C" "$FLOWCTL" -j monitor
MONITORS=($BG_PID)
for i in "${!FILTERS[@]}"; do
	# shellcheck disable=SC2086
	bg "mon$i" "$NS_C" "$FLOWCTL" -j monitor ${FILTERS[$i]}
	MONITORS+=("$BG_PID")
done
# A monitor is subscribed once its socket shows in ss's netlink list;
# simpler and as sure: an event made now must reach every monitor.
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 7999 --count 1 --size 1 >/dev/null
all_subscribed()
{
	local i
	has_output mon_all || return 1
	for i in "${!FILTERS[@]}"; do
		[ -e "$TMPD/mon$i.out" ] || return 1
	done
	return 0
}
wait_until 60 all_subscribed || die "the unfiltered monitor saw no event"
fc "$NS_C" flush >/dev/null || die "flowctl flush failed"
sleep 2

log "traffic"
rel=$TMPD/release
bg srv0 "$NS_S" $TRAFFIC tcp-listen 5000 recv:100000 "wait:$rel"
bg srv1 "$NS_S" $TRAFFIC tcp-listen 5001 recv:1000 "wait:$rel"
bg srv2 "$NS_S" $TRAFFIC tcp-listen 5002 recv:20000 "wait:$rel"
bg srv3 "$NS_S" $TRAFFIC tcp-listen 5003 recv:30000 eof close
srv3=$BG_PID
udp_server uecho echo 6001
for p in 5000 5001 5002 5003; do
	wait_listen "$NS_S" tcp $p
done
bg cli0 "$NS_C" $TRAFFIC tcp-connect --bind-port 40000 $S4 5000 send:100000 acked "wait:$rel"
bg cli1 "$NS_C" $TRAFFIC tcp-connect --bind-port 40001 $S4 5001 send:1000 acked "wait:$rel"
bg cli2 "$NS_C" $TRAFFIC tcp-connect --bind-port 40002 $S6 5002 send:20000 acked "wait:$rel"
bg cli3 "$NS_C" $TRAFFIC tcp-connect --bind-port 40003 $S4 5003 send:30000 close
cli3=$BG_PID
wait_done 60 cli3 "$cli3"
wait_done 60 srv3 "$srv3"
ip netns exec "$NS_C" $TRAFFIC tcp-connect --expect-refused $S4 5999 >/dev/null ||
	die "refused connection"
# One SYN to an address nobody has: SYN-SENT (closing a connecting socket
# sends nothing more).
ip netns exec "$NS_C" $PY -c '
import socket, time
s = socket.socket()
s.setblocking(False)
s.connect_ex(("10.0.1.3", 5000))
time.sleep(0.5)' || die "SYN to 10.0.1.3"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 3 --size 100 >/dev/null
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6001 --count 5 --size 200 --echo >/dev/null
ip netns exec "$NS_C" $TRAFFIC udp-send $S6 6001 --count 1 --size 50 --echo >/dev/null
tcp_all_acked()
{
	fc "$NS_C" list -c --state estab --min-bytes 1000 | grep -qx 3
}
wait_until 60 tcp_all_acked || die "the three TCP connections are not established"
sleep 3
ping_ok()
{
	ip netns exec "$NS_C" ping -q -c 2 -i 0.2 "$1" >/dev/null
}
ping_ok $S4 || die "ping $S4"
ping_ok $S6 || die "ping $S6"

# run_filters: every filter, with the time just before and after the
# call, in one shell inside the client netns (an `ip netns exec` each
# would cost more than the calls). `list -c` for every third filter.
run_filters()
{
	printf '%s\n' "${FILTERS[@]}" >"$TMPD/filters"
	ip netns exec "$NS_C" bash -c '
		i=0
		while read -r f; do
			t0=$(date +%s%N)
			"$1" -j list $f >"$2/list$i.json" || exit 1
			t1=$(date +%s%N)
			n=-
			if [ $((i % 3)) -eq 0 ]; then
				n=$("$1" list -c $f) || exit 1
			fi
			echo "$i $t0 $t1 $n $f"
			i=$((i + 1))
		done <"$2/filters" >"$2/calls"' - "$FLOWCTL" "$TMPD" ||
		die "a filtered flowctl list failed (see $(tail -n 1 "$TMPD/calls"))"
}

# compare: each call's ids against filterref.py at t0 and at t1.
compare()
{
	$PY - "$SELFTEST_DIR" "$TMPD" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import filterref
d = sys.argv[2]
full = json.load(open(d + "/full.json"))
sets = set()
for line in open(d + "/calls"):
    i, t0, t1, n, *opts = line.split()
    conds = filterref.parse(opts)
    want = [sorted(f["id"] for f in full if all(c(f, int(t)) for c in conds))
            for t in (t0, t1)]
    got = sorted(f["id"] for f in json.load(open("%s/list%s.json" % (d, i))))
    what = " ".join(opts)
    if want[0] != want[1]:
        print("retry", what)
    elif got != want[0]:
        print("fail list %s: ids %s, filterref.py %s" % (what, got, want[0]))
    elif n != "-" and int(n) != len(got):
        print("fail list -c %s printed %s, expected %d" % (what, n, len(got)))
    else:
        sets.add(tuple(got))
        print("ok list %s%s == filterref.py: %d of %d flows"
              % (what, "" if n == "-" else " == list -c", len(got), len(full)))
print("distinct", len(sets))
PYEOF
}

log "traffic done at ${SECONDS}s"
round=0
while :; do
	round=$((round + 1))
	snap "$NS_C" "$TMPD/full.json"
	run_filters
	snap "$NS_C" "$TMPD/full2.json"
	if ! cmp -s "$TMPD/full.json" "$TMPD/full2.json"; then
		[ $round -lt 3 ] || die "the table kept changing during the filtered dumps"
		log "the table changed during round $round, again:"
		$PY -c '
import json, sys
a = {f["id"]: f for f in json.load(open(sys.argv[1]))}
b = {f["id"]: f for f in json.load(open(sys.argv[2]))}
for i in sorted(set(a) | set(b)):
    if a.get(i) != b.get(i):
        f = a.get(i) or b.get(i)
        d = {k: (a.get(i, {}).get(k), b.get(i, {}).get(k))
             for k in set(a.get(i, {})) | set(b.get(i, {}))
             if a.get(i, {}).get(k) != b.get(i, {}).get(k)}
        print("#   %s %s:%s %s:%s %s" % (f["proto"], f["client"],
              f["client_port"], f["server"], f["server_port"], d))
' "$TMPD/full.json" "$TMPD/full2.json"
		continue
	fi
	out=$(compare) || die "filter comparison: python failed"
	if grep -q '^retry' <<<"$out" && [ $round -lt 3 ]; then
		log "a flow crossed an --idle/--age bound during a call, again"
		continue
	fi
	break
done
log "filtered dumps done at ${SECONDS}s, $round round(s)"
log "unfiltered list ($(flowq count "$TMPD/full.json" -) flows):"
flowq show "$TMPD/full.json" | sed 's/^/#   /'
while read -r verdict rest; do
	case $verdict in
	ok) ok "$rest" ;;
	fail) fail "$rest" ;;
	retry) fail "list $rest: a flow crossed a time bound in three rounds" ;;
	distinct) distinct=$rest ;;
	esac
done <<<"$out"
# The filters must not be trivially all or nothing.
check "the filters picked $distinct different sets of flows (>= 30)" \
	[ "$distinct" -ge 30 ]

log "close everything, then check the monitors"
touch "$rel"
sleep 2
fc "$NS_C" flush >/dev/null || die "flowctl flush failed"
sleep 1
for pid in "${MONITORS[@]}"; do
	bg_stop "$pid"
done
for i in "${!FILTERS[@]}"; do
	if [ -s "$TMPD/mon$i.err" ]; then
		sed "s/^/#   monitor ${FILTERS[$i]}: /" "$TMPD/mon$i.err"
		fail "monitor ${FILTERS[$i]} wrote to stderr"
	fi
done
# Each monitor's events (event, time, id) against filterref.py's pick from
# the unfiltered monitor's, each event judged at its own time.
out=$($PY - "$SELFTEST_DIR" "$TMPD" <<'PYEOF'
import collections, json, sys
sys.path.insert(0, sys.argv[1])
import filterref
d = sys.argv[2]

def events(path):
    return [json.loads(line) for line in open(path)]

def ids(evs):
    return sorted((e["event"], e["time"], e["id"]) for e in evs)

every = events(d + "/mon_all.out")
kinds = collections.Counter(e["event"] for e in every)
print("log %d events: %s" % (len(every), dict(kinds)))
for i, line in enumerate(open(d + "/filters")):
    opts = line.split()
    conds = filterref.parse(opts)
    want = ids(e for e in every if all(c(e, e["time"]) for c in conds))
    got = ids(events("%s/mon%d.out" % (d, i)))
    if got == want:
        print("ok monitor %s: the %d events filterref.py picks" % (line.strip(), len(got)))
    else:
        print("fail monitor %s: %d events, filterref.py picks %d; only in the monitor: %s;"
              " only filterref.py's: %s" % (line.strip(), len(got), len(want),
                                             sorted(set(got) - set(want))[:3],
                                             sorted(set(want) - set(got))[:3]))
PYEOF
) || die "comparing the monitors: python failed"
while read -r verdict rest; do
	case $verdict in
	ok) ok "$rest" ;;
	fail) fail "$rest" ;;
	log) log "$rest" ;;
	esac
done <<<"$out"
finish
