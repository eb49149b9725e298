#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fragmented UDP, IPv4 and IPv6, with nothing reassembling before flowmon's
# hooks (nf_defrag_ipv4/ipv6 not loaded: skipped otherwise). Over lib.sh's
# veth pair (MTU 1500), 4 datagrams of 3000 bytes each way family, from
# $NS_C to a receiver in $NS_S (craft.py udp; the receiver gets all 4 whole).
#
# The sending netns sees each datagram at LOCAL_OUT before it is
# fragmented: packets == 4, bytes == 4 whole datagrams (28 or 48 + 3000),
# payload == 4 * 3000, no fragments counted.
#
# The receiving netns sees the fragments at PRE_ROUTING (reassembly comes
# later, at local delivery): the flow counts exactly the first fragments,
# packets == 4, bytes == 4 first fragments, payload == 4 * the UDP payload
# in a first fragment; the stats "fragments" grow by exactly the number of
# non-first fragments. The fragment sizes follow from the MTU: each
# fragment carries a multiple of 8 bytes of the datagram after its
# unfragmentable part (IPv4: the 20-byte header; IPv6: the 40-byte header,
# plus an 8-byte fragment header in each fragment):
#   IPv4: (1500 - 20) & ~7 = 1480 per fragment: 1500, 1500, 68 bytes
#   IPv6: (1500 - 48) & ~7 = 1448 per fragment: 1496, 1496, 160 bytes

. "$(dirname "$0")/lib_router.sh"

require_root_tools lsmod
for m in nf_defrag_ipv4 nf_defrag_ipv6; do
	if lsmod | grep -q "^$m "; then
		skip "$m is loaded: fragments may be reassembled before flowmon sees them"
	fi
done
flowmon_load
setup_pair

COUNT=4
SIZE=3000
MTU=$(ip -n "$NS_C" -o link show veth_c | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ -n "$MTU" ] || die "no MTU on veth_c"
log "MTU $MTU, $COUNT UDP datagrams of $SIZE bytes"

# frag_case FAMILY SERVER PORT IPHDR FRAGHDR
frag_case()
{
	local fam=$1 srv=$2 port=$3 iph=$4 fragh=$5 cli filt lport
	local step whole first nfrag
	step=$(( (MTU - iph - fragh) & ~7 ))	# datagram bytes per fragment
	whole=$(( iph + 8 + SIZE ))		# the datagram
	nfrag=$(( (8 + SIZE + step - 1) / step ))
	first=$(( iph + fragh + step ))
	log "$fam: datagram $whole bytes, $nfrag fragments, the first $first bytes"
	cli=$C4
	[ "$fam" = ipv6 ] && cli=$C6

	rt_stats "$NS_C" "$fam-c0"
	rt_stats "$NS_S" "$fam-s0"
	$CRAFT udp --send-ns "$NS_C" --recv-ns "$NS_S" --dst "$srv" --port "$port" \
		--count $COUNT --size $SIZE >"$TMPD/udp$port.out" 2>"$TMPD/udp$port.err" ||
		die "craft.py udp to $srv:$port: $(cat "$TMPD/udp$port.err")"
	json_num "$TMPD/udp$port.out" received
	expect_eq "$fam: datagrams received whole" $COUNT "$FV"
	json_num "$TMPD/udp$port.out" local_port
	lport=$FV
	snap "$NS_C" "$TMPD/$fam-c.json"
	snap "$NS_S" "$TMPD/$fam-s.json"
	rt_stats "$NS_C" "$fam-c1"
	rt_stats "$NS_S" "$fam-s1"

	filt="family=$fam,proto=udp,client=$cli,client_port=$lport,server=$srv,server_port=$port"
	rt_flow "$fam, sending netns: whole datagrams at LOCAL_OUT" "$TMPD/$fam-c.json" \
		"$filt" packets_up=$COUNT bytes_up=$((COUNT * whole)) \
		payload_up=$((COUNT * SIZE)) packets_down=0 state=UNREPLIED
	rt_flow "$fam, receiving netns: first fragments only" "$TMPD/$fam-s.json" \
		"$filt" packets_up=$COUNT bytes_up=$((COUNT * first)) \
		payload_up=$((COUNT * (first - iph - fragh - 8))) packets_down=0 \
		state=UNREPLIED
	rt_count "$fam, receiving netns: no flow without ports (fragments have none)" \
		"$TMPD/$fam-s.json" "family=$fam,proto=udp,client_port=0" 0
	log "$fam, receiving netns: the non-first fragments"
	rt_stat_deltas "$fam-s0" "$fam-s1" fragments=$((COUNT * (nfrag - 1))) parse_errors=0
	log "$fam, sending netns: nothing fragmented at LOCAL_OUT"
	rt_stat_deltas "$fam-c0" "$fam-c1" fragments=0 parse_errors=0
}

frag_case ipv4 $S4 6001 20 0
frag_case ipv6 $S6 6002 40 8
for m in nf_defrag_ipv4 nf_defrag_ipv6; do
	check "$m still not loaded" eval "! lsmod | grep -q '^$m '"
done
rt_finish
