#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 5000 UDP flows from source ports 20000..24999 (one datagram of 16 bytes
# each) to a sink: `flowctl -j list` in the client netns returns exactly 5000
# UDP flows to the sink port, each source port exactly once, each with 1
# packet / 44 bytes / 16 payload bytes up; /proc/net/flowmon has the same
# 5000; `flowctl stats -j` active equals the number of flows listed.
# The order: by default the flows come in creation order (ids increasing),
# with -r in the reverse one, with --sort age by first_seen (ties by id);
# again after `flush --sport 20100-24899` has left 200 of them whose ids
# are far apart (flowctl then sorts them instead of placing each by its
# id).

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

# ordered KEYS FILE: FILE's flows are in the order of KEYS (fields,
# "-" before one: decreasing), each pair strictly.
ordered()
{
	$PY - "$1" "$2" <<-'EOF'
		import json, sys
		keys = sys.argv[1].split(",")
		rows = [tuple(-f[k[1:]] if k[0] == "-" else f[k] for k in keys)
		        for f in json.load(open(sys.argv[2]))]
		bad = [i for i in range(1, len(rows)) if not rows[i - 1] < rows[i]]
		print("%d flows%s" % (len(rows), ", first out of order at %d" % bad[0] if bad else ""))
		sys.exit(1 if bad or len(rows) < 2 else 0)
	EOF
}

# in_order WHAT KEYS FILE: the check that FILE is in KEYS' order.
in_order()
{
	local out rc=0
	out=$(ordered "$2" "$3") || rc=$?
	check "$1: $out" [ $rc -eq 0 ]
}

# list_order WHEN: the order checks on the table as it is.
list_order()
{
	fc "$NS_C" -j list -r >"$TMPD/reverse.json" || die "flowctl -j list -r"
	fc "$NS_C" -j list --sort age >"$TMPD/age.json" || die "flowctl -j list --sort age"
	snap "$NS_C" "$TMPD/order.json"
	in_order "$1: by default, in creation order" id "$TMPD/order.json"
	in_order "$1: -r, the reverse" -id "$TMPD/reverse.json"
	in_order "$1: --sort age, oldest first" first_seen,id "$TMPD/age.json"
}

list_order "$N flows"
out=$(fc "$NS_C" flush --sport 20100-24899) || die "flowctl flush --sport"
expect_eq "flush --sport 20100-24899" "flushed 4800" "$out"
list_order "the 200 left"
expect_eq "flows left to port $PORT" 200 "$(flowq count "$TMPD/order.json" "$filt")"
finish
