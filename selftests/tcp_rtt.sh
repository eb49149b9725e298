#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Handshake round trip times. netem delays everything the client sends on
# veth_c by 100 ms (static ARP entries: no ARP exchange before the SYN); a
# second veth pair has no delay. One connection over each, at the same time
# (1000 bytes each way, the client closing first: history ShADadFf,
# TIME-WAIT/CLOSED, no retransmission):
#  6301 over the delayed link: in the client netns the delay is on the way
#       to the server, so rtt_syn_us >= 100000 and rtt_ack_us < 100000; in
#       the server netns it is on the way back: rtt_ack_us >= 100000 and
#       rtt_syn_us < 100000; in both, rtt_us == rtt_syn_us + rtt_ack_us,
#       within [100000, 180000] (80 ms of slack for emulation)
#  6302 over the other link: rtt_us < 100000 in both namespaces

. "$(dirname "$0")/lib.sh"

require_root_tools tc
flowmon_load
SHOW_FLOWS_ON_FAIL=1
setup_pair
setup_link2

D=$TMPD
DELAY_US=100000
SLACK_US=80000

# Permanent neighbour entries: an ARP exchange (delayed too) before the SYN
# would add another 100 ms to the SYN's round trip as seen in the client
# netns, whose LOCAL_OUT hook sees the SYN before it waits for ARP.
static_neigh()	# static_neigh DEV_C DEV_S SERVER_ADDR CLIENT_ADDR
{
	local mac_c mac_s
	mac_c=$(ip -n "$NS_C" -br link show "$1" | awk '{ print $3 }')
	mac_s=$(ip -n "$NS_S" -br link show "$2" | awk '{ print $3 }')
	ip -n "$NS_C" neigh replace "$3" lladdr "$mac_s" dev "$1" nud permanent
	ip -n "$NS_S" neigh replace "$4" lladdr "$mac_c" dev "$2" nud permanent
}
static_neigh veth_c veth_s $S4 $C4
static_neigh veth_c2 veth_s2 $S4B $C4B

if ! err=$(tc -n "$NS_C" qdisc add dev veth_c root netem delay 100ms 2>&1); then
	skip "cannot add a netem qdisc (CONFIG_NET_SCH_NETEM, sch_netem.ko): $err"
fi
log "client egress on veth_c: $(tc -n "$NS_C" qdisc show dev veth_c)"

log "6301 via $S4 (delayed), 6302 via $S4B (not delayed)"
tcp_listen_start s6301 6301 recv:1000 send:1000 acked eof close
srv1=$BG_PID
tcp_listen_start s6302 6302 recv:1000 send:1000 acked eof close
srv2=$BG_PID
wait_listen "$NS_S" tcp 6301
wait_listen "$NS_S" tcp 6302
tcp_connect c6301 $S4 6301 send:1000 recv:1000 acked sleep:0.3 close
cli1=$BG_PID
tcp_connect c6302 $S4B 6302 send:1000 recv:1000 acked sleep:0.3 close
cli2=$BG_PID
wait_done 60 c6301 "$cli1"
wait_done 60 s6301 "$srv1"
wait_done 60 c6302 "$cli2"
wait_done 60 s6302 "$srv2"
for ns in "$NS_C" "$NS_S"; do
	settle_state "$ns" 6301 TIME-WAIT/CLOSED
	settle_state "$ns" 6302 TIME-WAIT/CLOSED
done

# check_rtt WHERE FILE FILTER SYN_MIN SYN_MAX ACK_MIN ACK_MAX SUM_MIN SUM_MAX
# (microseconds, inclusive; max "-" for none)
check_rtt()
{
	local where=$1 file=$2 filt=$3 v lo hi name
	flow_vars "$file" "$filt" rtt_us rtt_syn_us rtt_ack_us
	log "$where: rtt_syn_us $F_rtt_syn_us rtt_ack_us $F_rtt_ack_us rtt_us $F_rtt_us"
	if [ -z "$F_rtt_syn_us" ] || [ -z "$F_rtt_ack_us" ] || [ -z "$F_rtt_us" ]; then
		fail "$where: rtt_us, rtt_syn_us and rtt_ack_us present (got '$F_rtt_us', '$F_rtt_syn_us', '$F_rtt_ack_us')"
		return 0
	fi
	expect_eq "$where: rtt_us (rtt_syn_us + rtt_ack_us)" \
		$((F_rtt_syn_us + F_rtt_ack_us)) "$F_rtt_us"
	for v in "syn $4 $5" "ack $6 $7" "sum $8 $9"; do
		set -- $v
		case $1 in
		syn) v=$F_rtt_syn_us; name=rtt_syn_us ;;
		ack) v=$F_rtt_ack_us; name=rtt_ack_us ;;
		sum) v=$F_rtt_us; name=rtt_us ;;
		esac
		lo=$2
		hi=$3
		if [ "$v" -ge "$lo" ] && { [ "$hi" = - ] || [ "$v" -le "$hi" ]; }; then
			ok "$where: $name $v in [$lo, ${hi/-/inf}]"
		else
			fail "$where: $name: expected within [$lo, ${hi/-/inf}], got $v"
		fi
	done
}

F1="family=ipv4,proto=tcp,client=$C4,server=$S4,server_port=6301"
F2="family=ipv4,proto=tcp,client=$C4B,server=$S4B,server_port=6302"
MAX=$((DELAY_US + SLACK_US))
snap "$NS_C" "$D/c.json"
snap "$NS_S" "$D/s.json"
check_rtt "6301 client netns" "$D/c.json" "$F1" \
	$DELAY_US $MAX 1 $((DELAY_US - 1)) $DELAY_US $MAX
check_rtt "6301 server netns" "$D/s.json" "$F1" \
	1 $((DELAY_US - 1)) $DELAY_US $MAX $DELAY_US $MAX
check_rtt "6302 client netns" "$D/c.json" "$F2" \
	1 - 1 - 1 $((DELAY_US - 1))
check_rtt "6302 server netns" "$D/s.json" "$F2" \
	1 - 1 - 1 $((DELAY_US - 1))
CLEAN=(state=TIME-WAIT/CLOSED history=ShADadFf retrans_up=0 retrans_down=0
	payload_up=1000 payload_down=1000)
check_flows "$D/c.json" \
	-- "6301 in the client netns: closed cleanly" "$F1" "${CLEAN[@]}" \
	-- "6302 in the client netns: closed cleanly" "$F2" "${CLEAN[@]}" \
	--in "$D/s.json" "6301 in the server netns: closed cleanly" "$F1" \
	"${CLEAN[@]}" \
	-- "6302 in the server netns: closed cleanly" "$F2" "${CLEAN[@]}"
finish
