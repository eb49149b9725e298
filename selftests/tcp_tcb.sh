#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TCB facts of real handshakes, against what the client's own kernel
# says. Four connections, each 1000-3000 bytes up, then 2000-7000 down, the
# client closing first (history ShADadFf, TIME-WAIT/CLOSED):
#  6101 IPv4, MTU 1500: mss_up == mss_down == 1460; wscale_up and
#       wscale_down == the "wscale:SND,RCV" of the client's `ss -ti` (RCV is
#       the client's, SND the server's; TCP_INFO agrees); sack_perm both
#       ways; rtt_us == rtt_syn_us + rtt_ack_us. While open and idle, against
#       the client socket's write_seq, rcv_nxt, snd_wnd and rcv_wnd (read
#       with TCP_REPAIR): snd_nxt_up == max_ack_down == write_seq,
#       snd_nxt_down == max_ack_up == rcv_nxt, isn_up == write_seq - 3001,
#       isn_down == rcv_nxt - 7001, window_down == snd_wnd, window_up ==
#       rcv_wnd rounded down to a multiple of 2^wscale_up. After the close:
#       snd_nxt_up - isn_up == payload_up + 2 (SYN, FIN) and the same down,
#       max_ack_down == snd_nxt_up, max_ack_up == snd_nxt_down, in both
#       namespaces.
#  6102 IPv4, TCP_MAXSEG 1000 on the client, 1200 on the listener:
#       mss_up == 1000, mss_down == 1200
#  6103 IPv6, MTU 1500: mss_up == mss_down == 1440
#  6104 IPv4 over a second veth pair with MTU 1400: mss 1360 both ways
# The four run at the same time.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
SHOW_FLOWS_ON_FAIL=1
setup_pair
# A second link, MTU 1400: $C4B (10.0.2.1) -- $S4B (10.0.2.2)
setup_link2 1400

D=$TMPD
UP=3000
DOWN=7000

# exchange PORT ADDR UP DOWN [CLIENT_OPTIONS]: the usual small connection,
# client closing first; the client holds until $D/release-PORT exists and
# then closes.
exchange()
{
	local port=$1 addr=$2 up=$3 down=$4
	shift 4
	tcp_connect "c$port" "$@" "$addr" "$port" send:"$up" recv:"$down" acked \
		sleep:0.3 info:open seqs:seqs touch:"$D/open-$port" \
		wait:"$D/release-$port" close
	CLI[$port]=$BG_PID
}
declare -A CLI SRV

log "6101: IPv4, $UP bytes up, $DOWN down"
log "6102: IPv4, TCP_MAXSEG 1000 on the client, 1200 on the listener"
log "6103: IPv6"
log "6104: IPv4 over the second link, MTU 1400"
tcp_listen_start s6101 6101 recv:$UP send:$DOWN acked eof close
SRV[6101]=$BG_PID
tcp_listen_start s6102 6102 --maxseg 1200 recv:1000 send:2000 acked eof close
SRV[6102]=$BG_PID
tcp_listen_start s6103 6103 recv:1000 send:2000 acked eof close
SRV[6103]=$BG_PID
tcp_listen_start s6104 6104 recv:1000 send:2000 acked eof close
SRV[6104]=$BG_PID
for p in 6101 6102 6103 6104; do
	wait_listen "$NS_S" tcp $p
done
exchange 6101 $S4 $UP $DOWN
exchange 6102 $S4 1000 2000 --maxseg 1000
exchange 6103 $S6 1000 2000
exchange 6104 $S4B 1000 2000

for p in 6101 6102 6103 6104; do
	wait_file 60 "$D/open-$p" "c$p" "s$p"
done

# The client's view of 6101, while open and idle.
ss_out=$(ip netns exec "$NS_C" ss -Htin state established 'dport = :6101') ||
	die "ss -ti in the client netns failed"
log "client ss -ti: $(echo $ss_out)"
ss_ws=$(grep -o 'wscale:[0-9]*,[0-9]*' <<<"$ss_out") ||
	die "no wscale:SND,RCV in the client's ss -ti output"
ss_ws=${ss_ws#wscale:}
ss_snd_ws=${ss_ws%,*}
ss_rcv_ws=${ss_ws#*,}
json_vars c6101 open rcv_wscale snd_wscale
expect_eq "client TCP_INFO tcpi_rcv_wscale (as ss shows it)" "$ss_rcv_ws" \
	"$J_rcv_wscale"
expect_eq "client TCP_INFO tcpi_snd_wscale (as ss shows it)" "$ss_snd_ws" \
	"$J_snd_wscale"
json_vars c6101 seqs write_seq rcv_nxt snd_wnd rcv_wnd
write_seq=$J_write_seq
rcv_nxt=$J_rcv_nxt
snd_wnd=$J_snd_wnd
rcv_wnd=$J_rcv_wnd
log "client socket: write_seq $write_seq rcv_nxt $rcv_nxt snd_wnd $snd_wnd rcv_wnd $rcv_wnd"

snap "$NS_C" "$D/open.json"
F4="family=ipv4,proto=tcp,client=$C4,server=$S4"
check_flows "$D/open.json" \
	-- "6101 open: MSS 1460, wscale as ss -ti shows, SACK, sequence numbers and windows as the client socket has them" \
	"$F4,server_port=6101" \
	state=ESTABLISHED history=ShADad mss_up=1460 mss_down=1460 \
	wscale_up="$ss_rcv_ws" wscale_down="$ss_snd_ws" \
	sack_perm_up=true sack_perm_down=true \
	snd_nxt_up="$write_seq" max_ack_down="$write_seq" \
	snd_nxt_down="$rcv_nxt" max_ack_up="$rcv_nxt" \
	isn_up="$(u32 "$write_seq - $UP - 1")" \
	isn_down="$(u32 "$rcv_nxt - $DOWN - 1")" \
	window_down="$snd_wnd" \
	window_up="$(( (rcv_wnd >> ss_rcv_ws) << ss_rcv_ws ))" \
	payload_up=$UP payload_down=$DOWN retrans_up=0 retrans_down=0 \
	-- "6102: the MSS options of the SYN (TCP_MAXSEG 1000) and SYN-ACK (1200)" \
	"$F4,server_port=6102" state=ESTABLISHED history=ShADad \
	mss_up=1000 mss_down=1200 sack_perm_up=true sack_perm_down=true \
	-- "6103: IPv6, MSS 1440 both ways" \
	"family=ipv6,proto=tcp,client=$C6,server=$S6,server_port=6103" \
	state=ESTABLISHED history=ShADad mss_up=1440 mss_down=1440 \
	sack_perm_up=true sack_perm_down=true \
	-- "6104: MTU 1400, MSS 1360 both ways" \
	"family=ipv4,proto=tcp,client=$C4B,server=$S4B,server_port=6104" \
	state=ESTABLISHED history=ShADad mss_up=1360 mss_down=1360
flow_vars "$D/open.json" "$F4,server_port=6101" rtt_us rtt_syn_us rtt_ack_us
if [ -n "$F_rtt_syn_us" ] && [ -n "$F_rtt_ack_us" ] &&
	[ "$F_rtt_syn_us" -gt 0 ] && [ "$F_rtt_ack_us" -gt 0 ]; then
	expect_eq "6101 rtt_us (rtt_syn_us $F_rtt_syn_us + rtt_ack_us $F_rtt_ack_us)" \
		$((F_rtt_syn_us + F_rtt_ack_us)) "$F_rtt_us"
else
	fail "6101: rtt_syn_us and rtt_ack_us > 0 (got '$F_rtt_syn_us', '$F_rtt_ack_us')"
fi

log "the clients close first"
for p in 6101 6102 6103 6104; do
	touch "$D/release-$p"
done
for p in 6101 6102 6103 6104; do
	wait_done 60 "c$p" "${CLI[$p]}"
	wait_done 60 "s$p" "${SRV[$p]}"
	settle_state "$NS_C" $p TIME-WAIT/CLOSED
done
settle_state "$NS_S" 6101 TIME-WAIT/CLOSED

snap "$NS_C" "$D/closed.json"
snap "$NS_S" "$D/closed-s.json"
flow_vars "$D/closed.json" "$F4,server_port=6101" isn_up isn_down snd_nxt_up \
	snd_nxt_down
for n in isn_up isn_down snd_nxt_up snd_nxt_down; do
	v=F_$n
	[ -n "${!v}" ] || fail "6101 after the close: no $n"
done
if [ -n "$F_isn_up" ] && [ -n "$F_snd_nxt_up" ]; then
	expect_eq "6101 snd_nxt_up - isn_up (mod 2^32): payload_up + SYN + FIN" \
		$((UP + 2)) "$(u32 "$F_snd_nxt_up - $F_isn_up")"
fi
if [ -n "$F_isn_down" ] && [ -n "$F_snd_nxt_down" ]; then
	expect_eq "6101 snd_nxt_down - isn_down (mod 2^32): payload_down + SYN + FIN" \
		$((DOWN + 2)) "$(u32 "$F_snd_nxt_down - $F_isn_down")"
fi
check_flows "$D/closed.json" \
	-- "6101 closed: FINs acknowledged, the same ISNs as while open" \
	"$F4,server_port=6101" \
	state=TIME-WAIT/CLOSED history=ShADadFf \
	isn_up="$(u32 "$write_seq - $UP - 1")" \
	isn_down="$(u32 "$rcv_nxt - $DOWN - 1")" \
	snd_nxt_up="$(u32 "$write_seq + 1")" max_ack_down="$(u32 "$write_seq + 1")" \
	snd_nxt_down="$(u32 "$rcv_nxt + 1")" max_ack_up="$(u32 "$rcv_nxt + 1")" \
	mss_up=1460 mss_down=1460 wscale_up="$ss_rcv_ws" \
	wscale_down="$ss_snd_ws" payload_up=$UP payload_down=$DOWN \
	retrans_up=0 retrans_down=0 unexpected_up=0 unexpected_down=0 \
	out_of_window_up=0 out_of_window_down=0 \
	-- "6102 closed" "$F4,server_port=6102" \
	state=TIME-WAIT/CLOSED history=ShADadFf mss_up=1000 mss_down=1200 \
	-- "6103 closed" \
	"family=ipv6,proto=tcp,client=$C6,server=$S6,server_port=6103" \
	state=TIME-WAIT/CLOSED history=ShADadFf mss_up=1440 mss_down=1440 \
	-- "6104 closed" \
	"family=ipv4,proto=tcp,client=$C4B,server=$S4B,server_port=6104" \
	state=TIME-WAIT/CLOSED history=ShADadFf mss_up=1360 mss_down=1360
check_flows "$D/closed-s.json" \
	-- "6101 closed, in the server netns: the same" "$F4,server_port=6101" \
	state=TIME-WAIT/CLOSED history=ShADadFf \
	isn_up="$(u32 "$write_seq - $UP - 1")" \
	isn_down="$(u32 "$rcv_nxt - $DOWN - 1")" \
	snd_nxt_up="$(u32 "$write_seq + 1")" max_ack_down="$(u32 "$write_seq + 1")" \
	snd_nxt_down="$(u32 "$rcv_nxt + 1")" max_ack_up="$(u32 "$rcv_nxt + 1")" \
	mss_up=1460 mss_down=1460 wscale_up="$ss_rcv_ws" \
	wscale_down="$ss_snd_ws" payload_up=$UP payload_down=$DOWN \
	retrans_up=0 retrans_down=0 unexpected_up=0 unexpected_down=0 \
	out_of_window_up=0 out_of_window_down=0
finish
