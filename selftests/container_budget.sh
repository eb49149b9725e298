#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# All namespaces but the initial one share one flow budget
# (max_flows_containers), so containers cannot push the host past it:
# with max_flows_containers=100, 150 UDP flows seen in both namespaces of
# a pair (300 attempts) leave exactly 100 records between the two; every
# attempt is either created (evicting an unreplied flow when the budget is
# full) or untracked; and the initial namespace still tracks its own flows.

. "$(dirname "$0")/lib.sh"

BUDGET=100
N=150
PORT=6100

require_root_tools ping
flowmon_reload max_flows_containers=$BUDGET
setup_pair --no-ipv6
udp_server usink sink $PORT
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 $PORT --count $N --base-port 30000 \
	--size 8 >/dev/null || die "udp-flows failed"

sum_stat()
{
	stats_field "$NS_C" "$1"
	local c=$FV
	stats_field "$NS_S" "$1"
	FV=$((c + FV))
}

sum_stat active
expect_eq "records in the two namespaces together (the shared budget)" $BUDGET "$FV"
active=$FV
sum_stat created
created=$FV
sum_stat destroyed
destroyed=$FV
sum_stat untracked
untracked=$FV
sum_stat evicted_embryonic
evicted=$FV
log "created $created, destroyed $destroyed, untracked $untracked, evicted $evicted"
expect_eq "created - destroyed == active" "$active" $((created - destroyed))
expect_eq "created + untracked == flows seen in both namespaces" $((2 * N)) \
	$((created + untracked))
expect_eq "every destroyed record was an evicted unreplied flow" "$destroyed" "$evicted"

# The host's own table is not part of the budget.
ping -c 1 -W 5 127.0.0.1 >/dev/null || die "ping 127.0.0.1 failed"
out=$("$FLOWCTL" -j list --proto icmp) || die "flowctl list in the initial namespace failed"
n=$(echo "$out" | $PY -c 'import json,sys; print(sum(1 for f in json.load(sys.stdin) if f["client"] == "127.0.0.1" and f["packets_up"] >= 1))')
check "the initial namespace still tracks its ping to 127.0.0.1 ($n flow)" [ "$n" -ge 1 ]

finish
