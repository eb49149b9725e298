#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The collector walks a table when a record can expire, not every
# interval, and a timeout lowered with `flowctl config` applies at once.
#
# flowmon reloaded with gc_interval_ms=100 and every timeout 300 s; 2000
# UDP flows to a sink in one namespace, which a pass weighs in two runs
# (1024 records a run). The workqueue_execute_start trace event counts
# the runs of flowmon_gc_work:
#  - in 3 s once the flows are in: at most 2 runs, one pass (a collector
#    that passed every interval would run about 60 times);
#  - `flowctl config timeout_udp=1 timeout_udp_stream=1`: the 2000 records,
#    idle for more than a second by then, expire (created 2000, expired
#    2000, active 0) well before the next planned pass, a minute after
#    the last one: the wait allows 30 s.

. "$(dirname "$0")/lib.sh"

N=2000
PORT=6000
WINDOW=3

require_root_tools
gc_trace_available

params=(gc_interval_ms=100)
for k in syn_sent syn_recv established fin_wait close_wait last_ack \
	time_wait close udp udp_stream icmp generic; do
	params+=("timeout_$k=300")
done
flowmon_reload "${params[@]}"
NS=ns_gcpace_$$
loopback_ns "$NS"
gc_trace_on

step "$N UDP flows in $NS"
bg usink "$NS" $TRAFFIC udp-sink $PORT
wait_listen "$NS" udp $PORT
in_ns "$NS" "$FLOWCTL" stats >"$TMPD/before.stats" || die "flowctl stats"
in_ns "$NS" $TRAFFIC udp-flows 127.0.0.1 $PORT --count $N --base-port 20000 \
	--size 10 >/dev/null || die "udp-flows in $NS"
flow_count "$NS" proto=udp
expect_eq "UDP records" $N "$FV"

step "$WINDOW s with no record near its timeout"
gc_trace_clear
sleep $WINDOW
gc_runs
check "at most one pass (2 runs) in $WINDOW s: $FV runs" [ "$FV" -le 2 ]

step "timeout_udp lowered to 1 s"
fc "$NS" config timeout_udp=1 timeout_udp_stream=1 >/dev/null ||
	die "flowctl config in $NS"
udp_gone()
{
	flow_count "$NS" proto=udp
	[ "$FV" = 0 ]
}
wait_until 30 udp_gone || fail "UDP records left 30 s after the change: $FV"
in_ns "$NS" "$FLOWCTL" stats >"$TMPD/after.stats" || die "flowctl stats"
stats_delta "every record expired" "$TMPD/before.stats" "$TMPD/after.stats" \
	created=$N expired=$N destroyed=$N
expect_stats "the table is empty" "$TMPD/after.stats" active=0

finish
