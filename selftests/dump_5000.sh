#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 5000 UDP flows from source ports 20000..24999 (one datagram of 16 bytes
# each) to a sink: `flowctl -j list` in the client netns returns exactly 5000
# UDP flows to the sink port, each source port exactly once, each with 1
# packet / 44 bytes / 16 payload bytes up; /proc/net/flowmon has the same
# 5000; `flowctl stats -j` active equals the number of flows listed.

. "$(dirname "$0")/lib.sh"

N=5000
BASE=20000
PORT=6000

require_root_tools
flowmon_load
setup_pair

stats_field "$NS_C" max_flows
log "max_flows in the client netns: $FV"
check "max_flows ($FV) leaves room for $N flows" [ "$FV" -ge $((N + 100)) ]

# On a slow (debug) kernel sending takes longer than timeout_udp (30 s):
# no flow may expire before the listing.
long_timeouts "$NS_C"
udp_server usink sink $PORT
t0=$(date +%s)
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 $PORT --count $N --base-port $BASE \
	--size 16 >"$TMPD/flows.out" || die "udp-flows failed"
log "sent $N datagrams from $N source ports in $(( $(date +%s) - t0 )) s"

filt="family=ipv4,proto=udp,client=$C4,server=$S4,server_port=$PORT"

# stats, list, /proc, stats: retry until the table did not change meanwhile.
for i in $(seq 1 20); do
	s1=$(fc "$NS_C" stats -j) || die "flowctl stats -j failed"
	t1=$(date +%s)
	snap "$NS_C" "$TMPD/list.json"
	log "flowctl -j list of $(flowq count "$TMPD/list.json" -) flows took $(( $(date +%s) - t1 )) s"
	ip netns exec "$NS_C" cat /proc/net/flowmon >"$TMPD/flowmon.proc" ||
		die "cannot read /proc/net/flowmon"
	s2=$(fc "$NS_C" stats -j) || die "flowctl stats -j failed"
	[ "$s1" = "$s2" ] && break
	log "table changed during the snapshot, again"
	sleep 0.5
done
log "stats: $s2"

out=$(flowq ports "$TMPD/list.json" "$filt" client_port $BASE $N) && rc=0 || rc=$?
[ -n "$out" ] && echo "$out"
check "flowctl -j list: exactly $N UDP flows to port $PORT, client ports $BASE..$((BASE + N - 1)) once each" \
	[ $rc -eq 0 ]
expect_eq "flows with 1 packet, 44 bytes, 16 payload bytes up, nothing down, UNREPLIED" $N \
	"$(flowq count "$TMPD/list.json" "$filt,packets_up=1,bytes_up=44,payload_up=16,packets_down=0,state=UNREPLIED")"

flowq proc "$TMPD/flowmon.proc" >"$TMPD/proc.json"
out=$(flowq ports "$TMPD/proc.json" "$filt" client_port $BASE $N) && rc=0 || rc=$?
[ -n "$out" ] && echo "$out"
check "/proc/net/flowmon: the same $N flows, each once" [ $rc -eq 0 ]
expect_eq "/proc/net/flowmon rows == flowctl -j list objects" \
	"$(flowq count "$TMPD/list.json" -)" "$(flowq count "$TMPD/proc.json" -)"

total=$(flowq count "$TMPD/list.json" -)
active=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["active"])' "$s2")
untracked=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["untracked"])' "$s2")
expect_eq "flowctl stats -j active (flows in the table)" "$total" "$active"
expect_eq "flowctl stats -j untracked" 0 "$untracked"
finish
