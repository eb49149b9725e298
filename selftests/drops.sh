#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets of tracked flows that the kernel drops count in their flow, with
# the kernel's reason, each against the kernel's own count of that drop.
# The router topology (lib_router.sh) without IPv6, UDP from L to P:
#
#   port 7000, 30 datagrams of 100 bytes: R's forward chain drops every
#   third (nftables numgen). R's flow: packets_up 30, drops_up 10 == the
#   drop rule's counter, drop_bytes_up 10 * 128, drop_reason
#   NETFILTER_DROP, nothing dropped down; P's flow: packets_up 20 and no
#   drop.
#   port 7100, 20 datagrams, nobody listening in P: P's flow has
#   drops_up 20 == Udp NoPorts +20, drop_reason NO_SOCKET.
#   port 7200, 40 datagrams to a socket whose filter refuses them all: P's
#   flow has drops_up 40 == Udp InErrors +40, drop_reason SOCKET_FILTER.
#   port 7300, 20 datagrams echoed: no drop in R or P (no drops_* field
#   in JSON, "0 0 -" in /proc).
#   port 7500, 10 datagrams left unread in a socket that then closes: the
#   kernel frees them from the queue, where UDP keeps its own facts in
#   skb->dev. flowmon cannot tell their namespace and does not count them
#   (drops_up absent); a probe that took skb->dev for a device crashed.
#
# Then: `flowctl stats` of R and P count the same drops by reason and in
# all (drops); `flowctl list --dropped` lists just the flows that lost a
# packet (R: 7000; P: 7100 and 7200); /proc/net/flowmon's new columns agree
# with flowctl -j (flowq proc-vs-json); IPv6 over loopback in a namespace
# of its own: 15 datagrams to [::1]:7400, where nobody listens, are its
# flow's drops_up == Udp6NoPorts +15, NO_SOCKET.

. "$(dirname "$0")/lib_router.sh"

require_root_tools nft
flowmon_load
router_setup noipv6
offloads_off "$NS_L" veth_l
offloads_off "$NS_R" veth_rl veth_rp
offloads_off "$NS_P" veth_p
long_timeouts "$NS_R"
long_timeouts "$NS_P"

nft_load "$NS_R" <<'EOF'
table inet drops {
	chain forward {
		type filter hook forward priority 0; policy accept;
		udp dport 7000 numgen inc mod 3 == 0 counter drop
	}
}
EOF

bg sink "$NS_P" $TRAFFIC udp-sink 7000
bg refuse "$NS_P" $TRAFFIC udp-filtered 7200
bg echo "$NS_P" $TRAFFIC udp-echo 7300
bg unread "$NS_P" $TRAFFIC udp-unread 7500 --count 10
UNREAD=$BG_PID
for port in 7000 7200 7300 7500; do
	wait_listen "$NS_P" udp $port
done
rt_snmp "$NS_P" "$TMPD/p0"

step "UDP from L to P: 30 to 7000, 20 to 7100 (closed), 40 to 7200 (refused), 20 echoed on 7300"
in_ns "$NS_L" $TRAFFIC udp-send $P4 7000 --count 30 --size 100 >/dev/null ||
	die "udp-send to 7000"
in_ns "$NS_L" $TRAFFIC udp-send $P4 7100 --count 20 --size 100 >/dev/null ||
	die "udp-send to 7100"
in_ns "$NS_L" $TRAFFIC udp-send $P4 7200 --count 40 --size 100 >/dev/null ||
	die "udp-send to 7200"
in_ns "$NS_L" $TRAFFIC udp-send $P4 7300 --count 20 --size 100 --echo \
	>/dev/null || die "udp-send to 7300"
step "UDP from L to P: 10 to 7500, left unread, the socket closed"
in_ns "$NS_L" $TRAFFIC udp-send $P4 7500 --count 10 --size 100 >/dev/null ||
	die "udp-send to 7500"
bg_wait "$UNREAD" 60 || die "the socket on 7500 did not get its 10 datagrams"

# drops_are NS PORT N: the flow to PORT in NS has drops_up N. The kernel
# counts a drop (in SNMP, in nftables) just before it frees the packet,
# and flowmon counts it as it is freed: a condition to wait for.
drops_are()
{
	flow_field_is "$1" "proto=udp,server_port=$2" drops_up "$3"
}
wait_until 60 drops_are "$NS_R" 7000 10 ||
	fail "R's flow to 7000: drops_up ${FV:-none}, not 10"
wait_until 60 drops_are "$NS_P" 7100 20 ||
	fail "P's flow to 7100: drops_up ${FV:-none}, not 20"
wait_until 60 drops_are "$NS_P" 7200 40 ||
	fail "P's flow to 7200: drops_up ${FV:-none}, not 40"
wait_until 60 flow_field_is "$NS_P" "proto=udp,server_port=7000" packets_up 20 ||
	fail "P's flow to 7000: packets_up ${FV:-none}, not the 20 R forwarded"

step "the kernel's own counts of those drops"
rt_snmp "$NS_P" "$TMPD/p1"
rt_snmp_delta "$TMPD/p0" "$TMPD/p1" Udp:NoPorts
expect_eq "P's Udp NoPorts" 20 "$FV"
rt_snmp_delta "$TMPD/p0" "$TMPD/p1" Udp:InErrors
expect_eq "P's Udp InErrors (the socket filter)" 40 "$FV"
expect_eq "R's drop rule: every third of 30" 10 "$(nft_packets "$NS_R" inet drops)"

snap "$NS_R" "$TMPD/r.json"
snap "$NS_P" "$TMPD/p.json"
step "R's flows"
check_flow "R: 7000, every third dropped by the rule" "$TMPD/r.json" \
	"proto=udp,server_port=7000" packets_up=30 bytes_up=$((30 * 128)) \
	drops_up=10 drop_bytes_up=$((10 * 128)) drops_down=0 \
	drop_bytes_down=0 drop_reason=NETFILTER_DROP
for port in 7100 7200 7300; do
	check_flow "R: $port, nothing dropped" "$TMPD/r.json" \
		"proto=udp,server_port=$port" drops_up=@absent \
		drop_reason=@absent
done

step "P's flows"
check_flow "P: 7000, what R let through" "$TMPD/p.json" \
	"proto=udp,server_port=7000" packets_up=20 drops_up=@absent \
	drop_reason=@absent
check_flow "P: 7100, nobody listening" "$TMPD/p.json" \
	"proto=udp,server_port=7100" packets_up=20 drops_up=20 \
	drop_bytes_up=$((20 * 128)) drops_down=0 drop_reason=NO_SOCKET
check_flow "P: 7200, refused by the socket's filter" "$TMPD/p.json" \
	"proto=udp,server_port=7200" packets_up=40 drops_up=40 \
	drop_bytes_up=$((40 * 128)) drops_down=0 drop_reason=SOCKET_FILTER
check_flow "P: 7300, echoed whole" "$TMPD/p.json" \
	"proto=udp,server_port=7300" packets_up=20 packets_down=20 \
	drops_up=@absent drop_reason=@absent
check_flow "P: 7500, freed unread from a closed socket: not counted" \
	"$TMPD/p.json" "proto=udp,server_port=7500" packets_up=10 \
	drops_up=@absent drop_reason=@absent

step "the drops by reason, in flowctl stats"
fc "$NS_R" stats >"$TMPD/r.stats" || die "flowctl stats in R"
fc "$NS_P" stats >"$TMPD/p.stats" || die "flowctl stats in P"
expect_stats "R" "$TMPD/r.stats" drops=10 drops_NETFILTER_DROP=10 \
	drop_bytes_NETFILTER_DROP=$((10 * 128))
expect_stats "P" "$TMPD/p.stats" drops=60 drops_NO_SOCKET=20 \
	drop_bytes_NO_SOCKET=$((20 * 128)) drops_SOCKET_FILTER=40 \
	drop_bytes_SOCKET_FILTER=$((40 * 128))

step "flowctl list --dropped"
fc "$NS_R" -j list --dropped >"$TMPD/r.dropped.json" ||
	die "flowctl list --dropped in R"
fc "$NS_P" -j list --dropped >"$TMPD/p.dropped.json" ||
	die "flowctl list --dropped in P"
expect_eq "R: flows with a drop" 1 "$(flowq count "$TMPD/r.dropped.json" proto=udp)"
expect_eq "R: the flow to 7000" 1 \
	"$(flowq count "$TMPD/r.dropped.json" server_port=7000)"
expect_eq "P: flows with a drop" 2 "$(flowq count "$TMPD/p.dropped.json" proto=udp)"
expect_eq "P: the flow to 7100" 1 \
	"$(flowq count "$TMPD/p.dropped.json" server_port=7100)"
expect_eq "P: the flow to 7200" 1 \
	"$(flowq count "$TMPD/p.dropped.json" server_port=7200)"

step "/proc/net/flowmon's drop columns"
for ns in "$NS_R" "$NS_P"; do
	ip netns exec "$ns" cat /proc/net/flowmon >"$TMPD/proc" ||
		die "reading /proc/net/flowmon in $ns"
	snap "$ns" "$TMPD/proc.json"
	check "$ns: /proc/net/flowmon matches flowctl -j list" \
		flowq proc-vs-json "$TMPD/proc" "$TMPD/proc.json"
done

step "IPv6 over loopback: 15 datagrams to [::1]:7400, nobody listening"
NS6=ns_drops6_$$
netns_make "$NS6"
long_timeouts "$NS6"
rt_snmp "$NS6" "$TMPD/v0"
in_ns "$NS6" $TRAFFIC udp-send ::1 7400 --count 15 --size 100 >/dev/null ||
	die "udp-send to [::1]:7400"
noports6_is_15()
{
	rt_snmp "$NS6" "$TMPD/v1"
	rt_snmp_delta "$TMPD/v0" "$TMPD/v1" Udp6:Udp6NoPorts
	[ "$FV" -eq 15 ]
}
wait_until 30 noports6_is_15 || fail "Udp6NoPorts grew by $FV, not 15"
wait_until 30 drops_are "$NS6" 7400 15 ||
	fail "[::1]:7400: drops_up ${FV:-none}, not 15"
snap "$NS6" "$TMPD/v6.json"
check_flow "[::1]:7400: every datagram refused" "$TMPD/v6.json" \
	"proto=udp,server_port=7400" packets_up=15 drops_up=15 \
	drop_bytes_up=$((15 * 148)) drops_down=0 drop_reason=NO_SOCKET

finish
