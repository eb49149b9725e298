#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Idle timeouts and garbage collection, with flowmon reloaded with
# timeout_time_wait=3 timeout_close=2 timeout_udp=2 timeout_icmp=2
# gc_interval_ms=200 (and loaded again without parameters at the end).
# IPv4 only, IPv6 disabled in both namespaces, so that exactly these four
# flows exist, all created at about the same time:
#   tcp  6601  a normal close, client first: TIME-WAIT/CLOSED, ShADadFf: 3 s
#   tcp  6602  a refused SYN: CLOSED, Sr: 2 s
#   udp  6603  3 datagrams to a sink: UNREPLIED: 2 s
#   icmp       one echo request and reply: REPLY: 2 s
# A poller takes `flowctl -j list` snapshots back to back from before the
# traffic until the table is empty again. Each record must be in
# consecutive snapshots with one id, last in the state above (and history),
# and be removed neither before last_seen + its timeout (the first snapshot
# without it ends no earlier) nor much after: the last snapshot still
# showing it starts at most last_seen + timeout + one GC interval + 1 s
# (emulation slack). Then, in both namespaces, the `flowctl stats -j`
# deltas: created 4, expired 4, destroyed 4 (== expired), evicted, reused
# and untracked 0, created - destroyed == active == 0, and memory == the
# bucket array alone, hashsize * 8 bytes.

. "$(dirname "$0")/lib.sh"

require_root_tools ping
SHOW_FLOWS_ON_FAIL=1
PARAMS="timeout_time_wait=3 timeout_close=2 timeout_udp=2 timeout_icmp=2 gc_interval_ms=200"
flowmon_reload $PARAMS
for p in $PARAMS; do
	module_param "${p%%=*}"
	expect_eq "/sys/module/flowmon/parameters/${p%%=*}" "${p#*=}" "$FV"
done
module_param hashsize
HASHSIZE=$FV
GC_NS=200000000
SLACK_NS=1000000000

setup_pair --no-ipv6
D=$TMPD
PING_ID=$(( $$ % 50000 + 1000 ))

stats_json "$NS_C" "$D/stats0-ns_client.json"
stats_json "$NS_S" "$D/stats0-ns_server.json"

# A poller in the client netns takes `flowctl -j list` snapshots back to
# back, each between two timestamps, from before the traffic until the
# table is empty after it; they are analysed afterwards. (Under emulation a
# process takes a good part of a second to start: a test that looked only
# after the traffic would come too late for 2 s timeouts.)
bg poller "$NS_C" bash -c '
	d=$1 flowctl=$2
	# Builtins only, but for flowctl: $EPOCHREALTIME (bash 5) rather than
	# date, mapfile rather than cat.
	while [ ! -e "$d/stop" ]; do
		t0=${EPOCHREALTIME/./}000
		"$flowctl" -j list >"$d/snap.json" || exit 1
		t1=${EPOCHREALTIME/./}000
		mapfile -t snap <"$d/snap.json"
		printf "%s\n" "SNAP $t0 $t1" "${snap[@]}" END
		if [ "${#snap[@]}" -eq 1 ] && [ "${snap[0]}" = "[]" ] &&
			[ -e "$d/traffic-done" ]; then
			touch "$d/empty"
			exit 0
		fi
	done' poller "$D" "$FLOWCTL"
poller=$BG_PID

log "the four flows, at the same time"
udp_server usink sink 6603
tcp_listen srv 6601 recv:1000 send:1000 acked eof close
srv=$BG_PID
tcp_connect cli $S4 6601 send:1000 recv:1000 acked sleep:0.3 close
cli=$BG_PID
bg refused "$NS_C" $TRAFFIC tcp-connect --expect-refused $S4 6602
refused=$BG_PID
bg usend "$NS_C" $TRAFFIC udp-send $S4 6603 --count 3 --size 100
usend=$BG_PID
bg ping "$NS_C" ping -4 -c 1 -W 10 -e $PING_ID $S4
ping=$BG_PID
wait_done 60 cli "$cli"
wait_done 60 srv "$srv"
wait_done 60 refused "$refused"
wait_done 60 usend "$usend"
wait_done 60 ping "$ping"
touch "$D/traffic-done"

log "wait until the poller sees an empty table (at most 20 s)"
if ! wait_until 20 test -e "$D/empty"; then
	touch "$D/stop"
	fail "the table of the client netns was not empty 20 s after the traffic"
fi
wait_done 30 poller "$poller"
log "$(grep -c ^SNAP "$TMPD/poller.out") snapshots"

out=$($PY - "$TMPD/poller.out" "$GC_NS" "$SLACK_NS" <<PYEOF
import json, sys
F = dict(family="ipv4", client="$C4", server="$S4")
flows = [
    ("tcp 6601", dict(proto="tcp", server_port=6601), 3,
     dict(state="TIME-WAIT/CLOSED", client_state="TIME-WAIT",
          server_state="CLOSED", history="ShADadFf")),
    ("tcp 6602", dict(proto="tcp", server_port=6602), 2,
     dict(state="CLOSED", client_state="CLOSED", server_state="CLOSED",
          history="Sr")),
    ("udp 6603", dict(proto="udp", server_port=6603), 2,
     dict(state="UNREPLIED", packets_up=3, packets_down=0)),
    ("icmp echo $PING_ID", dict(proto="icmp", client_port=$PING_ID), 2,
     dict(state="REPLY", packets_up=1, packets_down=1)),
]
gc, slack = int(sys.argv[2]), int(sys.argv[3])
snaps = []
lines = open(sys.argv[1]).read().split("\n")
i = 0
while i < len(lines):
    if lines[i].startswith("SNAP "):
        _, t0, t1 = lines[i].split()
        j = lines.index("END", i)
        snaps.append((int(t0), int(t1), json.loads("\n".join(lines[i + 1:j]))))
        i = j
    i += 1
ms = lambda ns: "%d ms" % (ns // 1000000)
def res(good, text):
    print(("ok - " if good else "not ok - ") + text)
for name, key, timeout, want in flows:
    to = timeout * 10**9
    key.update(F)
    seen = []
    for k, (t0, t1, fl) in enumerate(snaps):
        m = [f for f in fl if all(f.get(a) == v for a, v in key.items())]
        if len(m) > 1:
            res(False, "%s: %d records in one snapshot" % (name, len(m)))
        if m:
            seen.append((k, m[0]))
    if not seen:
        res(False, "%s: in none of the %d snapshots" % (name, len(snaps)))
        continue
    first, last = seen[0][0], seen[-1][0]
    res(len(seen) == last - first + 1 and
        len({f["id"] for _, f in seen}) == 1,
        "%s: one record (id %s), in %d consecutive snapshots"
        % (name, seen[-1][1]["id"], len(seen)))
    f = seen[-1][1]
    bad = ["%s %s (want %s)" % (a, f.get(a), v) for a, v in want.items()
           if f.get(a) != v]
    res(not bad, "%s: last seen as %s" % (name, ", ".join(
        "%s=%s" % kv for kv in want.items())) + ("; got " + ", ".join(bad)
                                                   if bad else ""))
    ls = f["last_seen"]
    present = snaps[last][0]
    print("# %s: last packet at last_seen, still there %s later, gone %s later"
          % (name, ms(present - ls),
             ms(snaps[last + 1][1] - ls) if last + 1 < len(snaps) else "?"))
    if last + 1 >= len(snaps):
        res(False, "%s: still there in the last snapshot" % name)
        continue
    absent = snaps[last + 1][1]
    res(absent - ls >= to,
        "%s: not removed before its timeout of %d s (gone %s after its last packet)"
        % (name, timeout, ms(absent - ls)))
    res(present - ls <= to + gc + slack,
        "%s: removed by timeout + GC interval + 1 s = %s (still there %s after its last packet)"
        % (name, ms(to + gc + slack), ms(present - ls)))
PYEOF
) || die "analysing the snapshots"
report_checks <<<"$out"

flows_gone()
{
	[ "$(fc "$1" list -o plain | awk 'NR > 1' | wc -l)" -eq 0 ]
}

log "statistics: before/after deltas"
for ns in "$NS_C" "$NS_S"; do
	n=${ns%_*}
	# The server netns sees the same four flows; its last packets went out
	# at the same time, so by now they are gone as well.
	wait_until 10 flows_gone "$ns" || true
	stats_json "$ns" "$D/stats1-$n.json"
	check_stats_delta "$ns" "$D/stats0-$n.json" "$D/stats1-$n.json" \
		created=4 expired=4 destroyed=4 evicted_embryonic=0 \
		evicted_closed=0 reused=0 untracked=0
	json_vars_file "$D/stats1-$n.json" created destroyed active memory
	expect_eq "$ns: active (== created $J_created - destroyed $J_destroyed)" \
		$((J_created - J_destroyed)) "$J_active"
	expect_eq "$ns: active" 0 "$J_active"
	expect_eq "$ns: memory of the empty table (hashsize $HASHSIZE buckets of 8 bytes)" \
		$((HASHSIZE * 8)) "$J_memory"
done
finish
