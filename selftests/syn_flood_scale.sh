#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN flood at scale through the router netns R (see lib_router.sh):
# 100,000 SYNs (1,000,000 in `make stress`), each from another spoofed
# client (10.64.0.0 on, tools/bench/fmgen syn-flood, written on L's link
# with AF_PACKET), to 10.3.0.1:5001 behind P, none answered; R's table has
# max_flows=65536, and 100 real connections L -> P:7000 are open through R.
#  - every SYN came out of R: an nftables counter at P's prerouting counts
#    them all (flowmon never drops);
#  - R's stats add up: created grew by the SYNs, active == max_flows ==
#    created - destroyed, evicted_embryonic == SYNs - the free slots
#    before, untracked, evicted_closed, expired and reused 0;
#  - memory stays under the cap: the flow_tcp slab (its own cache: the VM
#    boots with slab_nomerge) holds no more records than the tables of L,
#    R and P may keep (100 + 2 x 65536), plus the free objects SLUB keeps
#    per CPU;
#  - the 100 connections' flows in R are the same records, ESTABLISHED;
#    each connection then echoes 1000 more bytes (every byte arrives) and
#    its flow's payload grows by exactly that;
#  - no kernel warning (the VM run checks the log).

. "$(dirname "$0")/lib_router.sh"

require_root_tools nft
FMGEN=$REPO/tools/bench/fmgen
[ -x "$FMGEN" ] || die "tools/bench/fmgen not built (make all)"
SYNS=$(scaled 100000 1000000)
CONNS=100
MAX=65536
BIG=16777216

# The SYN flows must not time out while the test reads the tables.
rt_reload max_flows=$MAX max_flows_containers=$BIG timeout_syn_sent=3600 \
	timeout_syn_recv=3600
router_setup noipv6
ip netns exec "$NS_P" nft -f - <<'EOF' || die "nft in P"
table ip flood {
	chain pre {
		type filter hook prerouting priority -400;
		ip daddr 10.3.0.1 tcp dport 5001 tcp flags syn counter;
	}
}
EOF
EST="family=ipv4,proto=tcp,client=$L4,server=$P4,server_port=7000"

# conns_snap FILE: R's flows to port 7000 (a filtered dump: the table
# holds 65536 flows).
conns_snap()
{
	fc "$NS_R" -j list --dport 7000 >"$1" || die "flowctl -j list --dport 7000 in R"
}

step "$CONNS connections $L4 -> $P4:7000 through R"
rt_conns_up conns 7000
conns_snap "$TMPD/before.json"
rt_count "the connections: ESTABLISHED flows in R" "$TMPD/before.json" \
	"$EST,state=ESTABLISHED" $CONNS
rt_stats "$NS_R" s0

step "$SYNS spoofed SYNs to 10.3.0.1:5001"
ip netns exec "$NS_L" "$FMGEN" -i veth_l -m $MAC_RL -n "$SYNS" syn-flood \
	>"$TMPD/fmgen.out" || die "fmgen syn-flood failed"
json_vars_file "$TMPD/fmgen.out" frames
expect_eq "SYNs sent" "$SYNS" "$J_frames"

# forwarded: the SYNs P's counter has seen, in $FV.
forwarded()
{
	FV=$(nft_packets "$NS_P" ip flood)
	[ "$FV" -ge "$SYNS" ]
}
wait_until 120 forwarded || true
expect_eq "SYNs that came out of R at P" "$SYNS" "$FV"

rt_stats "$NS_R" s1
rt_flood_stats s0 s1 $MAX "$SYNS"

# slab_within: the flow_tcp cache's objects within the tables' caps, in $FV.
# SLUB counts the free objects of each CPU's slab and partial slabs as in
# use: allow those.
SLAB=/sys/kernel/slab/flow_tcp
per_cpu=$(($(cat $SLAB/objs_per_slab) + $(cat $SLAB/cpu_partial)))
CAP=$((CONNS + 2 * MAX + per_cpu * $(nproc)))
slab_within()
{
	FV=$(cut -d' ' -f1 $SLAB/objects)
	[ "$FV" -le $CAP ]
}
# Evicted records are freed after an RCU grace period.
wait_until 60 slab_within || true
check "flow_tcp slab objects $FV <= $CAP" [ "$FV" -le $CAP ]

step "the flood is over"
conns_snap "$TMPD/after.json"
rt_flows_same "the connections' flows survive the flood" \
	"$TMPD/before.json" "$TMPD/after.json" "$EST" $CONNS
step "the connections after the flood"
rt_conns_echo conns
conns_snap "$TMPD/echo.json"
rt_payload_grew "$TMPD/echo.json" "$EST" 1100
rt_conns_close conns 7000
check "flowmon.ko loaded again without parameters" rt_restore
rt_finish
