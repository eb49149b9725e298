#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Passive round trips all along TCP flows, on both sides of the observer,
# against the delays netem adds. The router topology (lib_router.sh)
# without IPv6, offloads off (wire segments); R delays what it sends to L
# (the client) by 20 ms and what it sends to P (the server) by 60 ms.
#
#   8001, timestamps on, 512 KiB from L to P then 512 KiB back: in R,
#         rtt_client_us min within [20, 20 + MIN_SLACK] ms, srtt within
#         [20, 20 + SRTT_SLACK] ms, and rtt_server_us the same around 60
#         ms, at least 3 samples each (SYN, data, FIN); rtt_syn_us >= 60
#         ms and rtt_ack_us >= 20 ms. In L, the server side is the whole
#         path (min >= 80 ms) and the client side L itself (min < 20 ms); in
#         P the other way round.
#   8002, the same with timestamps off in L (its SYN offers none): from
#         sequence numbers and their ACKs.
#   8003 (timestamps off) and 8004 (on): a request of 1000 bytes and its
#         1000-byte answer; R's forward chain drops the request's first
#         transmission, which flowmon has counted. Karn's rule: no sample
#         spans the retransmission (one would take at least TCP's minimum
#         RTO, 200 ms). In R, server side: without timestamps 2 samples
#         (SYN, FIN), with them 3 (the retransmission's own TSval too);
#         max < 60 + 200 ms either way; client side 3 samples (SYN-ACK,
#         answer, FIN).
#   8005, timestamps off, netem also losing 10% of what R sends to P: the
#         samples still say 60 ms (min >= 60 ms, srtt within SRTT_SLACK).
#
# Then: `flowctl list --min-rtt` in L keeps exactly the five delayed flows,
# not a loopback connection's; /proc/net/flowmon's rtt columns equal the
# JSON's srtt (flowq proc-vs-json).

. "$(dirname "$0")/lib_router.sh"

require_root_tools tc nft
flowmon_load
router_setup noipv6
offloads_off "$NS_L" veth_l
offloads_off "$NS_R" veth_rl veth_rp
offloads_off "$NS_P" veth_p
for ns in "$NS_L" "$NS_R" "$NS_P"; do
	long_timeouts "$ns"
done

TO_CLIENT_MS=20
TO_SERVER_MS=60
# Scheduling under emulation: a segment waits for its receiver's softirq,
# an ACK may wait for the application to read.
MIN_SLACK_MS=15
SRTT_SLACK_MS=40
# TCP_RTO_MIN: a retransmission waits at least this long.
RTO_MIN_MS=200
BULK=524288

if ! err=$(tc -n "$NS_R" qdisc add dev veth_rl root netem \
	delay ${TO_CLIENT_MS}ms 2>&1); then
	skip "cannot add a netem qdisc (CONFIG_NET_SCH_NETEM, sch_netem.ko): $err"
fi
tc -n "$NS_R" qdisc add dev veth_rp root netem delay ${TO_SERVER_MS}ms ||
	die "netem on veth_rp"

# R drops the first segment of 1000 bytes of payload to 8003 and 8004 (the
# request), and lets its retransmission through.
nft_load "$NS_R" <<'EOF'
table inet karn {
	set dropped {
		type inet_service
		flags dynamic
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		tcp dport @dropped accept
		tcp dport { 8003, 8004 } ip length > 1000 add @dropped { tcp dport } counter drop
	}
}
EOF

# connection PORT CLIENT_STEPS -- SERVER_STEPS: one connection from L to
# P:PORT, both ends' scripts run to the end, and R's flow closed.
connection()
{
	local port=$1 client=() server=() srv
	shift
	while [ "$1" != -- ]; do
		client+=("$1")
		shift
	done
	shift
	server=("$@")
	bg "s$port" "$NS_P" $TRAFFIC tcp-listen "$port" "${server[@]}"
	srv=$BG_PID
	wait_listen "$NS_P" tcp "$port"
	bg "c$port" "$NS_L" $TRAFFIC tcp-connect $P4 "$port" "${client[@]}"
	bg_wait "$BG_PID" 300 || die "the client to $port failed: $(cat "$TMPD/c$port.err")"
	bg_wait "$srv" 300 || die "the server on $port failed: $(cat "$TMPD/s$port.err")"
	wait_until 120 flow_field_is "$NS_R" "proto=tcp,server_port=$port" \
		state TIME-WAIT/CLOSED ||
		die "R's flow to $port is ${FV:-missing}, not TIME-WAIT/CLOSED"
}

bulk()
{
	connection "$1" send:$BULK recv:$BULK close -- \
		recv:$BULK send:$BULK eof close
}

# Linux's TSval ticks in milliseconds, and only the first segment with a
# TSval starts a sample (rtt.c). A segment sent in the tick of its
# sender's own pure ACK (an immediate ACK of what just came) starts none:
# each end pauses 2 ms before the answer and before its FIN, so that the
# samples counted are the same every run.
request()
{
	connection "$1" send:1000 recv:1000 sleep:0.002 close -- \
		recv:1000 sleep:0.002 send:1000 eof sleep:0.002 close
}

# rtt_near WHERE FILE PORT SIDE DELAY_MS: SIDE's (client, server) min and
# srtt are DELAY_MS, within the slack, never below; at least 3 samples.
rtt_near()
{
	local where=$1 file=$2 port=$3 side=rtt_${4}_us delay=$(($5 * 1000))
	local m s n

	flow_vars "$file" "proto=tcp,server_port=$port" $side.min $side.srtt \
		$side.samples
	m=F_${side}_min s=F_${side}_srtt n=F_${side}_samples
	expect_within "$where $port: $side.min" $delay \
		$((delay + MIN_SLACK_MS * 1000)) "${!m}"
	expect_within "$where $port: $side.srtt" $delay \
		$((delay + SRTT_SLACK_MS * 1000)) "${!s}"
	expect_within "$where $port: $side.samples" 3 1000000 "${!n}"
}

# rtt_below WHERE FILE PORT SIDE MS: SIDE's min is below MS (a side with
# no delay: the host's own stack), at least 3 samples.
rtt_below()
{
	local where=$1 file=$2 port=$3 side=rtt_${4}_us
	local m n

	flow_vars "$file" "proto=tcp,server_port=$port" $side.min $side.samples
	m=F_${side}_min n=F_${side}_samples
	expect_within "$where $port: $side.min" 1 $(($5 * 1000 - 1)) "${!m}"
	expect_within "$where $port: $side.samples" 3 1000000 "${!n}"
}

# path_rtts PORT: the RTTs of a bulk connection, in R, L and P.
path_rtts()
{
	local port=$1 all=$((TO_CLIENT_MS + TO_SERVER_MS))

	snap "$NS_R" "$TMPD/r$port.json"
	snap "$NS_L" "$TMPD/l$port.json"
	snap "$NS_P" "$TMPD/p$port.json"
	rtt_near R "$TMPD/r$port.json" "$port" client $TO_CLIENT_MS
	rtt_near R "$TMPD/r$port.json" "$port" server $TO_SERVER_MS
	flow_vars "$TMPD/r$port.json" "proto=tcp,server_port=$port" \
		rtt_syn_us rtt_ack_us
	expect_within "R $port: rtt_syn_us" $((TO_SERVER_MS * 1000)) \
		$(((TO_SERVER_MS + SRTT_SLACK_MS) * 1000)) "$F_rtt_syn_us"
	expect_within "R $port: rtt_ack_us" $((TO_CLIENT_MS * 1000)) \
		$(((TO_CLIENT_MS + SRTT_SLACK_MS) * 1000)) "$F_rtt_ack_us"
	rtt_near L "$TMPD/l$port.json" "$port" server $all
	rtt_below L "$TMPD/l$port.json" "$port" client $TO_CLIENT_MS
	rtt_near P "$TMPD/p$port.json" "$port" client $all
	rtt_below P "$TMPD/p$port.json" "$port" server $TO_CLIENT_MS
}

step "8001: $BULK bytes each way, timestamps on"
bulk 8001
path_rtts 8001

step "8002: the same, timestamps off"
rt_sysctl "$NS_L" net.ipv4.tcp_timestamps=0
bulk 8002
path_rtts 8002

step "8003, 8004: a request whose first transmission R drops"
request 8003
rt_sysctl "$NS_L" net.ipv4.tcp_timestamps=1
request 8004
expect_eq "R's drop rule: one request each" 2 "$(nft_packets "$NS_R" inet karn)"
snap "$NS_R" "$TMPD/karn.json"
check_flow "8003 in R: Karn, without timestamps" "$TMPD/karn.json" \
	"proto=tcp,server_port=8003" retrans_up=1 drops_up=1 \
	drop_reason=NETFILTER_DROP rtt_server_us.samples=2 \
	rtt_client_us.samples=3
check_flow "8004 in R: Karn, with timestamps" "$TMPD/karn.json" \
	"proto=tcp,server_port=8004" retrans_up=1 drops_up=1 \
	drop_reason=NETFILTER_DROP rtt_server_us.samples=3 \
	rtt_client_us.samples=3
# A sample across the retransmission would take the client's RTO on top
# of the path, at least RTO_MIN_MS. The FIN's sample may take the server's
# delayed ACK (a FIN puts it in pingpong mode), up to 40 ms and the
# emulator's scheduling.
for port in 8003 8004; do
	flow_vars "$TMPD/karn.json" "proto=tcp,server_port=$port" \
		rtt_server_us.min rtt_server_us.max
	expect_within "R $port: rtt_server_us.min" $((TO_SERVER_MS * 1000)) \
		$(((TO_SERVER_MS + MIN_SLACK_MS) * 1000)) "$F_rtt_server_us_min"
	expect_within "R $port: rtt_server_us.max, no sample across the retransmission" \
		$((TO_SERVER_MS * 1000)) $(((TO_SERVER_MS + RTO_MIN_MS) * 1000 - 1)) \
		"$F_rtt_server_us_max"
done

step "8005: timestamps off, 10% lost towards the server"
rt_sysctl "$NS_L" net.ipv4.tcp_timestamps=0
tc -n "$NS_R" qdisc change dev veth_rp root netem delay ${TO_SERVER_MS}ms \
	loss 10% || die "netem loss on veth_rp"
bulk 8005
snap "$NS_R" "$TMPD/r8005.json"
flow_vars "$TMPD/r8005.json" "proto=tcp,server_port=8005" retrans_up
expect_within "R 8005: retrans_up (netem lost some)" 1 1000000 "$F_retrans_up"
rtt_near R "$TMPD/r8005.json" 8005 server $TO_SERVER_MS

step "R: --sort rtt and --sort drops; the -e lines"
fc "$NS_R" -j list --sort rtt >"$TMPD/by_rtt.json" || die "flowctl list --sort rtt"
report_checks <<<"$(flowq sorted "$TMPD/by_rtt.json" rtt)"
fc "$NS_R" -j list --sort drops >"$TMPD/by_drops.json" || die "flowctl list --sort drops"
report_checks <<<"$(flowq sorted "$TMPD/by_drops.json" drops)"
# netem's losses are drops too: 8005 lost the most, then 8003 and 8004 one each.
expect_eq "R: the flow that lost most comes first" 8005 \
	"$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["server_port"])' \
	"$TMPD/by_drops.json")"
fc "$NS_R" list -e --dport 8001 >"$TMPD/e.txt" || die "flowctl list -e"
flow_vars "$TMPD/r8001.json" "proto=tcp,server_port=8001" rtt_client_us.srtt \
	rtt_client_us.min rtt_client_us.max rtt_client_us.latest \
	rtt_client_us.samples
ms()	# ms US: as flowctl prints milliseconds
{
	printf '%d.%03dms' $(($1 / 1000)) $(($1 % 1000))
}
want="rtt_client: srtt:$(ms "$F_rtt_client_us_srtt") min:$(ms "$F_rtt_client_us_min")"
want+=" max:$(ms "$F_rtt_client_us_max") latest:$(ms "$F_rtt_client_us_latest")"
want+=" samples:$F_rtt_client_us_samples"
check "R 8001: flowctl list -e prints '$want'" grep -qF "$want" "$TMPD/e.txt"

step "--min-rtt in L: the five delayed flows, not one over loopback"
ip -n "$NS_L" link set lo up
bg slo "$NS_L" $TRAFFIC tcp-listen 8100 recv:1000 send:1000 eof close
wait_listen "$NS_L" tcp 8100
in_ns "$NS_L" $TRAFFIC tcp-connect 127.0.0.1 8100 send:1000 recv:1000 close \
	>/dev/null || die "the loopback connection"
fc "$NS_L" -j list --min-rtt 50ms >"$TMPD/slow.json" || die "flowctl list --min-rtt"
expect_eq "L: flows with a round trip of 50 ms or more" 5 \
	"$(flowq count "$TMPD/slow.json" proto=tcp)"
expect_eq "L: the loopback flow among them" 0 \
	"$(flowq count "$TMPD/slow.json" server_port=8100)"
fc "$NS_L" -j list --proto tcp >"$TMPD/l.json" || die "flowctl list in L"
expect_eq "L: TCP flows in all" 6 "$(flowq count "$TMPD/l.json" proto=tcp)"

step "/proc/net/flowmon's rtt columns"
for ns in "$NS_R" "$NS_L"; do
	in_ns "$ns" cat /proc/net/flowmon >"$TMPD/proc" || die "reading /proc/net/flowmon"
	snap "$ns" "$TMPD/all.json"
	report_checks "$ns" <<<"$(flowq proc-vs-json "$TMPD/proc" "$TMPD/all.json")"
done
finish
