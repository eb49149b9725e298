#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A namespace without records costs no wakeup: its collector sleeps until
# a record exists, and sleeps again once the table is empty.
# (The UDP datagram goes to a sink, so that no ICMP error adds a record.)
#
# flowmon reloaded with gc_interval_ms=100 hashsize=1024 (one GC run is a
# whole pass) timeout_udp=1; 20 fresh namespaces, IPv6 disabled, no traffic.
# The workqueue_execute_start trace event counts the runs of
# flowmon_gc_work:
#  - none in 2 s while every table is empty (a collector that polls would
#    run about 20 times a second in each of the 21 namespaces);
#  - one datagram in one namespace: its collector wakes, the record expires
#    (expired 1, active 0), and the collector has run at least once;
#  - after the pass that removed it, none again in 2 s.

. "$(dirname "$0")/lib.sh"

require_root_tools
gc_trace_available
NAMESPACES=20
WINDOW=2

# no_gc_runs_for_a_while DESC: clears the trace, waits $WINDOW s, and expects no
# run in that window.
no_gc_runs_for_a_while()
{
	gc_trace_clear
	sleep $WINDOW
	gc_runs
	expect_eq "$1: collector runs in $WINDOW s" 0 "$FV"
}

# udp_gone: no UDP record in $NS.
udp_gone()
{
	flow_count "$NS" proto=udp
	[ "$FV" = 0 ]
}

flowmon_reload gc_interval_ms=100 hashsize=1024 timeout_udp=1
for i in $(seq $NAMESPACES); do
	loopback_ns "ns_gcidle${i}_$$"
done
NS=ns_gcidle1_$$
gc_trace_on

step "$NAMESPACES empty namespaces and the initial one"
no_gc_runs_for_a_while "empty tables"

step "one UDP datagram in $NS"
bg usink "$NS" $TRAFFIC udp-sink 6000
wait_listen "$NS" udp 6000
in_ns "$NS" "$FLOWCTL" stats >"$TMPD/before.stats" || die "flowctl stats"
gc_trace_clear
in_ns "$NS" $TRAFFIC udp-send 127.0.0.1 6000 --count 1 --size 10 >/dev/null ||
	die "udp-send in $NS"
wait_until 60 udp_gone || fail "the UDP record never expired"
gc_runs
check "the collector woke for the record ($FV runs)" [ "$FV" -ge 1 ]
in_ns "$NS" "$FLOWCTL" stats >"$TMPD/after.stats" || die "flowctl stats"
stats_delta "the record expired" "$TMPD/before.stats" "$TMPD/after.stats" \
	created=1 expired=1 destroyed=1
expect_stats "the table is empty again" "$TMPD/after.stats" active=0

step "the table empty again"
no_gc_runs_for_a_while "after the last record"

finish
