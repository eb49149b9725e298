#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP connections picked up mid-stream. With flowmon unloaded, a client
# connects to port 5000 and another to port 5001; on each both sides
# exchange 1000 bytes. Then flowmon is loaded and:
#  5000: the client speaks first: 2000 bytes up, then (0.5 s later) 3000
#        down: history DadA (client data, server's pure ACK, server data,
#        client's ACK)
#  5001: the server speaks first: 2000 bytes down, then (0.5 s later) 3000
#        up: history dADa
# In both namespaces, for both: one flow, picked_up true, client = the
# endpoint with the higher port (the client's ephemeral port, > 5001),
# whoever sent the first packet flowmon saw; ESTABLISHED both ways; payload
# exactly what was sent after the load; no isn, mss, wscale or handshake
# RTT, sack_perm false; snd_nxt and max_ack as the client socket has them
# (TCP_REPAIR); and, the traffic being legitimate, no out-of-window segment
# either way. Then the clients close first: TIME-WAIT/CLOSED, history
# DadAFf and dADaFf, state_since == last_seen.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_rmmod
SHOW_FLOWS_ON_FAIL=1
setup_pair

D=$TMPD

log "flowmon unloaded: connect to ports 5000 and 5001, 1000 bytes each way"
tcp_listen_start s5000 5000 recv:1000 send:1000 acked touch:"$D/s5000-pre" \
	recv:2000 sleep:0.5 send:3000 acked eof close
srv1=$BG_PID
tcp_listen_start s5001 5001 recv:1000 send:1000 acked touch:"$D/s5001-pre" \
	wait:"$D/go" send:2000 acked recv:3000 sleep:0.5 eof close
srv2=$BG_PID
wait_listen "$NS_S" tcp 5000
wait_listen "$NS_S" tcp 5001
tcp_connect c5000 $S4 5000 send:1000 recv:1000 acked sleep:0.5 \
	touch:"$D/c5000-pre" wait:"$D/go" send:2000 recv:3000 sleep:0.5 \
	seqs:post touch:"$D/c5000-post" wait:"$D/release" close
cli1=$BG_PID
tcp_connect c5001 $S4 5001 send:1000 recv:1000 acked sleep:0.5 \
	touch:"$D/c5001-pre" recv:2000 sleep:0.5 send:3000 acked sleep:0.3 \
	seqs:post touch:"$D/c5001-post" wait:"$D/release" close
cli2=$BG_PID
for p in 5000 5001; do
	wait_file 60 "$D/s$p-pre" s$p c$p
	wait_file 60 "$D/c$p-pre" s$p c$p
done

log "load flowmon; 5000: 2000 bytes up, 3000 down; 5001: 2000 down, 3000 up"
flowmon_insmod
touch "$D/go"
declare -A LPORT WSEQ RNXT
for p in 5000 5001; do
	wait_file 60 "$D/c$p-post" s$p c$p
	json_vars c$p post local_port write_seq rcv_nxt
	LPORT[$p]=$J_local_port
	WSEQ[$p]=$J_write_seq
	RNXT[$p]=$J_rcv_nxt
	[ "$J_local_port" -gt 5001 ] ||
		die "the client's ephemeral port $J_local_port is not above 5001"
	log "$p: client port $J_local_port; client socket: write_seq $J_write_seq rcv_nxt $J_rcv_nxt"
done

# picked_checks PORT HISTORY PAYLOAD_UP PAYLOAD_DOWN: the expectations
picked_checks()
{
	local p=$1
	PICKED=(client="$C4" client_port="${LPORT[$p]}" server="$S4" \
		picked_up=true state=ESTABLISHED client_state=ESTABLISHED \
		server_state=ESTABLISHED history="$2" \
		payload_up="$3" payload_down="$4" \
		isn_up=@absent isn_down=@absent mss_up=@absent mss_down=@absent \
		wscale_up=@absent wscale_down=@absent rtt_us=@absent \
		rtt_syn_us=@absent rtt_ack_us=@absent \
		sack_perm_up=false sack_perm_down=false \
		snd_nxt_up="${WSEQ[$p]}" max_ack_down="${WSEQ[$p]}" \
		snd_nxt_down="${RNXT[$p]}" max_ack_up="${RNXT[$p]}" \
		retrans_up=0 retrans_down=0 unexpected_up=0 unexpected_down=0 \
		out_of_window_up=0 out_of_window_down=0)
}

F="family=ipv4,proto=tcp"
for ns in "$NS_C" "$NS_S"; do
	f="$D/open-${ns%_*}.json"
	snap "$ns" "$f"
	expect_eq "TCP flows in $ns" 2 "$(flowq count "$f" proto=tcp)"
	picked_checks 5000 DadA 2000 3000
	args=(-- "$ns: 5000, the client spoke first: picked up, the higher port is the client, ESTABLISHED, history DadA" \
		"$F,server_port=5000" "${PICKED[@]}")
	picked_checks 5001 dADa 3000 2000
	args+=(-- "$ns: 5001, the server spoke first: picked up, the higher port is the client, ESTABLISHED, history dADa" \
		"$F,server_port=5001" "${PICKED[@]}")
	check_flows "$f" "${args[@]}"
done

log "the clients close first"
touch "$D/release"
wait_done 60 c5000 "$cli1"
wait_done 60 c5001 "$cli2"
wait_done 60 s5000 "$srv1"
wait_done 60 s5001 "$srv2"
settle_state "$NS_C" 5000 TIME-WAIT/CLOSED
settle_state "$NS_C" 5001 TIME-WAIT/CLOSED
snap "$NS_C" "$D/closed.json"
args=()
for p in 5000 5001; do
	if [ $p = 5000 ]; then h=DadAFf; pu=2000; pd=3000; else h=dADaFf; pu=3000; pd=2000; fi
	args+=(-- "client netns, $p after the close: TIME-WAIT/CLOSED, history $h, state_since == last_seen" \
		"$F,server_port=$p" client_port="${LPORT[$p]}" picked_up=true \
		state_since=@=last_seen state=TIME-WAIT/CLOSED \
		client_state=TIME-WAIT server_state=CLOSED history="$h" \
		payload_up="$pu" payload_down="$pd" \
		snd_nxt_up="$(u32 "${WSEQ[$p]} + 1")" \
		max_ack_down="$(u32 "${WSEQ[$p]} + 1")" \
		snd_nxt_down="$(u32 "${RNXT[$p]} + 1")" \
		max_ack_up="$(u32 "${RNXT[$p]} + 1")" \
		unexpected_up=0 unexpected_down=0)
done
check_flows "$D/closed.json" "${args[@]}"
finish
