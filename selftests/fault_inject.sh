#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocations that fail (the kernel's fault injection: the debug kernel of
# `make check-debug`; skipped on a kernel without failslab), between two
# namespaces:
#  - flowmon's record caches failing one allocation in four (failslab with
#    its cache filter): 1000 UDP flows of a datagram each and 30 TCP
#    connections that echo 1000 bytes each still deliver every datagram
#    (nftables counts them at the server) and every byte (the TCP client
#    reads each echo back whole); in each namespace each UDP flow is a
#    record with its exact counts or counted untracked, created +
#    untracked = 1000, and both grew;
#  - every atomic allocation failing one time in five in one sender's
#    context (failslab's task filter: its records, the names its DNS
#    queries' records keep, the events for a monitor), 500 DNS queries:
#    every packet that passed flowmon's hook (nftables counts them just
#    after it) is a record or counted untracked; every record says dns,
#    and has the name or was counted in hints_lost; the monitor saw a NEW
#    event for each record or was told that events were lost; the server
#    counts every datagram whose send succeeded;
#  - netlink requests, systematically (genl.py fail-nth: its 1st, 2nd ...
#    allocation failing, failslab and fail_page_alloc, until a request
#    makes no more): each attempt gets the exact answer or ENOMEM or
#    ENOBUFS, and changes neither the table nor the configuration;
#  - faults off, `flowctl -j list` is exact again, and kmemleak finds
#    nothing after the suite (tools/vm/guest.sh scans at the end).

. "$(dirname "$0")/lib.sh"

FI=/sys/kernel/debug
require_root_tools nft
[ -d "$FI/failslab" ] ||
	skip "no $FI/failslab (CONFIG_FAILSLAB): the debug kernel has it (make check-debug)"
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
long_timeouts "$NS_S"

# fault NAME KEY=VALUE...: settings of the fault capability NAME.
fault()
{
	local name=$1 kv
	shift
	for kv in "$@"; do
		echo "${kv#*=}" >"$FI/$name/${kv%%=*}" ||
			die "cannot set $name/${kv%%=*} to ${kv#*=}"
	done
}

# failslab's cache filter fails only the caches marked SLAB_FAILSLAB, which
# 6.1 marks at their creation only, by name: the boot parameter
# slub_debug=A,flow,flow_tcp (make check-debug gives it).
for c in flow flow_tcp; do
	[ "$(cat "/sys/kernel/slab/$c/failslab" 2>/dev/null)" = 1 ] ||
		skip "cache $c not marked for failslab: boot with slub_debug=A,flow,flow_tcp"
done

faults_off()
{
	fault failslab probability=0 cache-filter=N task-filter=N \
		ignore-gfp-wait=Y
	fault fail_page_alloc probability=0 task-filter=N
}
CLEANUP_CMDS+=(faults_off)
fault failslab verbose=0 times=-1 interval=1 space=0
fault fail_page_alloc verbose=0 times=-1 interval=1 space=0
faults_off

nft_load "$NS_S" <<'EOF'
table inet fi {
	chain pre {
		type filter hook prerouting priority -400;
		counter
	}
}
EOF
# Just after flowmon's LOCAL_OUT hook (conntrack's priority + 1).
nft_load "$NS_C" <<'EOF'
table inet fi {
	chain out {
		type filter hook output priority -198;
		counter
	}
}
EOF

# grew NS KEY BEFORE_FILE: how much stat KEY of NS grew since BEFORE_FILE
# (a `flowctl stats -j`), in $FV.
grew()
{
	local before
	before=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$3" "$2") || die "no $2 in $3"
	stats_field "$1" "$2"
	FV=$((FV - before))
}

# new_events FILE PORT: NEW events of flows to server port PORT in a
# monitor's JSON output, in $FV.
new_events()
{
	FV=$($PY -c '
import json, sys
print(sum(1 for line in open(sys.argv[1])
          if (e := json.loads(line))["event"] == "new" and
          e["server_port"] == int(sys.argv[2])))' "$1" "$2") ||
		die "cannot read the events in $1"
}

step "flowmon's record caches failing one allocation in four"
UDP_FLOWS=1000
UDP_BYTES=48	# 20 bytes of payload
udp_server usink sink 7000
bg echo "$NS_S" $TRAFFIC tcp-echo-loop 7001
wait_listen "$NS_S" tcp 7001
stats_json "$NS_C" "$TMPD/c.stats"
stats_json "$NS_S" "$TMPD/s.stats"
fault failslab cache-filter=Y probability=25
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 7000 --count $UDP_FLOWS \
	--base-port 20000 --size 20 >"$TMPD/udp.out" ||
	die "udp-flows failed under failslab"
for side in c s; do
	ns=$NS_C
	[ $side = s ] && ns=$NS_S
	snap "$ns" "$TMPD/$side.json"
	grew "$ns" created "$TMPD/$side.stats"
	created=$FV
	grew "$ns" untracked "$TMPD/$side.stats"
	untracked=$FV
	records=$(flowq count "$TMPD/$side.json" proto=udp,server_port=7000)
	expect_eq "$ns: UDP records created" "$created" "$records"
	expect_eq "$ns: UDP records + untracked flows" $UDP_FLOWS \
		$((records + untracked))
	check "$ns: some allocations failed ($untracked untracked)" \
		[ "$untracked" -gt 0 ]
	check "$ns: some allocations succeeded ($records records)" \
		[ "$records" -gt 0 ]
	expect_eq "$ns: UDP records with one datagram's exact counts" \
		"$records" "$(flowq count "$TMPD/$side.json" \
		proto=udp,server_port=7000,packets_up=1,bytes_up=$UDP_BYTES,packets_down=0)"
done
expect_eq "datagrams that reached the server" $UDP_FLOWS \
	"$(nft_packets "$NS_S" inet fi)"
ip netns exec "$NS_C" $TRAFFIC tcp-churn $S4 7001 --count 30 --size 1000 \
	>"$TMPD/churn.out" || die "tcp-churn failed under failslab"
faults_off
json_num "$TMPD/churn.out" echoed
expect_eq "bytes echoed back to the TCP client" 30000 "$FV"

step "every atomic allocation of one sender failing one time in five"
DNS_FLOWS=500
# A query for a.test, type A.
DNS_QUERY=000101000001000000000000016104746573740000010001
udp_server dsink sink 53
bg mon "$NS_C" "$FLOWCTL" -j monitor --buffer 1G
MON=$BG_PID
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 7000 --count 1 --size 1 \
	>/dev/null || die "udp-send"
wait_until 60 has_output mon || die "the monitor saw no event"
stats_json "$NS_C" "$TMPD/c.stats"
passed0=$(nft_packets "$NS_C" inet fi)
received0=$(nft_packets "$NS_S" inet fi)
fault failslab task-filter=Y probability=20
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 53 --count $DNS_FLOWS \
	--base-port 30000 --size 24 --hex $DNS_QUERY --make-it-fail \
	>"$TMPD/dns.out" || die "udp-flows --make-it-fail: $(cat "$TMPD/dns.out")"
faults_off
json_num "$TMPD/dns.out" sent
sent=$FV
json_num "$TMPD/dns.out" failed
log "DNS queries: $sent sent, $FV sends failed for want of memory"
passed=$(( $(nft_packets "$NS_C" inet fi) - passed0 ))
grew "$NS_C" created "$TMPD/c.stats"
created=$FV
grew "$NS_C" untracked "$TMPD/c.stats"
untracked=$FV
grew "$NS_C" hints_lost "$TMPD/c.stats"
lost=$FV
snap "$NS_C" "$TMPD/dns.json"
records=$(flowq count "$TMPD/dns.json" proto=udp,server_port=53)
log "$passed passed the hook: $records records ($created created), $untracked untracked, $lost names lost"
expect_eq "queries that passed flowmon's hook: records + untracked" \
	"$passed" $((records + untracked))
expect_eq "DNS records created" "$created" "$records"
check "some records failed ($untracked untracked)" [ "$untracked" -gt 0 ]
expect_eq "DNS records that say dns" "$records" \
	"$(flowq count "$TMPD/dns.json" proto=udp,server_port=53,l5=dns)"
named=$(flowq count "$TMPD/dns.json" proto=udp,server_port=53,name=a.test)
expect_eq "DNS records with the name + names lost" "$records" $((named + lost))
check "some names were lost ($lost)" [ "$lost" -gt 0 ]
expect_eq "queries that reached the server" "$sent" \
	$(( $(nft_packets "$NS_S" inet fi) - received0 ))
# The monitor reads what its socket holds before it exits.
kill -INT "$MON"
bg_wait "$MON" 60 || die "the monitor did not exit: $(cat "$TMPD/mon.err")"
new_events "$TMPD/mon.out" 53
if grep -q "events lost" "$TMPD/mon.err"; then
	check "the monitor, told of lost events, has fewer NEW events ($FV) than records ($records)" \
		[ "$FV" -lt "$records" ]
else
	expect_eq "NEW events (no loss reported)" "$records" "$FV"
fi

step "netlink requests with their Nth allocation failing"
snap "$NS_C" "$TMPD/before.json"
fault failslab ignore-gfp-wait=N
fault fail_page_alloc ignore-gfp-wait=N min-order=0
rc=0
out=$(ip netns exec "$NS_C" $PY "$SELFTEST_DIR/genl.py" fail-nth 2>&1) || rc=$?
faults_off
report_checks <<<"$out"
expect_eq "genl.py fail-nth exit status" 0 $rc
snap "$NS_C" "$TMPD/after.json"
report_checks "the table afterwards" <<<"$(flowq same "$TMPD/before.json" \
	"$TMPD/after.json" | sed 's/^# //')"

finish
