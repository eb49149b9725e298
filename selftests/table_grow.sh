#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A namespace's table starts small, grows with its flows, and a dump that
# spans a resize lists every flow that stayed exactly once.
#
# flowmon reloaded with its default parameters (hashsize 256). A pair of
# namespaces, IPv6 off. The client sends from one UDP socket (source port
# 40000) one datagram to each of a range of ports of 10.0.1.200, a
# permanent neighbour with a MAC address nobody owns: the frames die at
# veth_s before PRE_ROUTING, so nothing answers, and every flow is one
# datagram up. timeout_udp is 3600 s in the client netns: none expires.
#  1. An empty table: buckets 256, memory 2048 (256 buckets of 8 bytes).
#  2. 1000 flows (ports 10000..10999): the table grows to 1024 buckets,
#     one per flow rounded up to a power of two.
#  3. A dump (genl.py dump-paused) stops reading after its first part,
#     which must hold fewer than the 1000 flows; 3000 more flows (ports
#     20000..22999) grow the table to 4096 buckets meanwhile; then the
#     dump reads on. It lists each of ports 10000..10999 exactly once,
#     each of 20000..22999 at most once, and nothing else.
#  4. Afterwards, `flowctl list -o plain` has exactly the 4000 flows, and
#     `flowctl get` finds the first and the last.
#
# The checks do catch a cursor that depends on the table's size: with
# flow_table_next() resuming from (bucket index, last id) instead of
# (hash, id), the dump of step 3 listed port 10000 twice.

. "$(dirname "$0")/lib.sh"

DST=10.0.1.200
SPORT=40000

# buckets_are N: `flowctl stats` of the client netns says N buckets.
buckets_are()
{
	stats_field "$NS_C" buckets
	[ "$FV" = "$1" ]
}

# get_finds PORT: `flowctl get` finds the flow to server port PORT.
get_finds()
{
	fc "$NS_C" get udp $C4:$SPORT $DST:"$1" >/dev/null
}

# send_ports FIRST COUNT: one datagram to each port FIRST..FIRST+COUNT-1.
send_ports()
{
	ip netns exec "$NS_C" $TRAFFIC udp-ports $DST "$1" --count "$2" \
		--size 16 --source-port $SPORT >/dev/null ||
		die "udp-ports to $DST:$1 (+$2) failed"
}

require_root_tools awk
flowmon_reload
setup_pair --no-ipv6
ip -n "$NS_C" neigh add $DST lladdr 02:00:00:00:00:01 dev veth_c \
	nud permanent || die "ip neigh add $DST"
fc "$NS_C" config timeout_udp=3600 >/dev/null ||
	die "flowctl config timeout_udp=3600 failed"
stats_field "$NS_C" max_flows
check "max_flows ($FV) leaves room for 4000 flows" [ "$FV" -ge 4000 ]

step "1. an empty table"
stats_json "$NS_C" "$TMPD/empty.json"
json_vars_file "$TMPD/empty.json" active buckets memory
expect_eq "empty: active" 0 "$J_active"
expect_eq "empty: buckets (hashsize)" 256 "$J_buckets"
expect_eq "empty: memory (256 buckets of 8 bytes)" 2048 "$J_memory"

step "2. 1000 flows"
send_ports 10000 1000
wait_until 60 buckets_are 1024 ||
	fail "the table did not grow to 1024 buckets (now $FV)"
stats_field "$NS_C" active
expect_eq "1000 flows: active" 1000 "$FV"

step "3. a dump that spans a resize"
bg dump "$NS_C" $PY "$SELFTEST_DIR/genl.py" dump-paused \
	"$TMPD/paused" "$TMPD/resume"
DUMP=$BG_PID
wait_file 60 "$TMPD/paused" dump
FIRST_PART=$(cat "$TMPD/paused")
check "the first part ($FIRST_PART flows) holds some of the 1000, not all" \
	[ "$FIRST_PART" -gt 0 -a "$FIRST_PART" -lt 1000 ]
send_ports 20000 3000
wait_until 120 buckets_are 4096 ||
	fail "the table did not grow to 4096 buckets (now $FV)"
touch "$TMPD/resume"
bg_wait "$DUMP" 120 || die "genl.py dump-paused failed: $(cat "$TMPD/dump.err")"
expect_eq "dump: flows from a client port other than $SPORT" "" \
	"$(awk -v p=$SPORT '$1 != p' "$TMPD/dump.out")"
expect_eq "dump: ports 10000..10999 not listed exactly once" "" \
	"$(awk '$2 >= 10000 && $2 <= 10999 { n[$2]++ }
		END { for (p = 10000; p <= 10999; p++) if (n[p] != 1) print p ":" n[p] + 0 }' \
		"$TMPD/dump.out" | head -5)"
expect_eq "dump: ports 20000..22999 listed twice" "" \
	"$(awk '$2 >= 20000 && $2 <= 22999 && n[$2]++ { print $2 }' \
		"$TMPD/dump.out" | head -5)"
expect_eq "dump: other server ports" "" \
	"$(awk '!($2 >= 10000 && $2 <= 10999) && !($2 >= 20000 && $2 <= 22999)' \
		"$TMPD/dump.out" | head -5)"
log "the dump listed $(wc -l <"$TMPD/dump.out") flows, $FIRST_PART in its first part"

step "4. afterwards"
fc "$NS_C" list -o plain >"$TMPD/list" || die "flowctl list -o plain failed"
expect_eq "list: rows" 4000 "$(awk 'NR > 1' "$TMPD/list" | wc -l)"
expect_eq "list: distinct server ports" 4000 \
	"$(awk 'NR > 1 { print $6 }' "$TMPD/list" | sort -u | wc -l)"
for port in 10000 22999; do
	check "flowctl get finds the flow to port $port" \
		get_finds $port
done
stats_field "$NS_C" buckets
expect_eq "buckets" 4096 "$FV"
finish
