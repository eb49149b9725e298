#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Retransmissions against the sender's own count. netem drops 20% of what
# the client sends (loss on the client's veth, after flowmon's LOCAL_OUT
# hook, so the client netns sees every transmission). The client sends
# 200000 bytes, shuts down its side and reads the server's FIN, which
# acknowledges its own: nothing of the client's is retransmitted after that.
# Then its TCP_INFO must agree with the client-netns record exactly:
# retrans_up == tcpi_total_retrans (segments, SYN included),
# retrans_bytes_up == tcpi_bytes_retrans (payload bytes), payload_up ==
# 200000 + tcpi_bytes_retrans; the history is ShADaFf once its t and T
# (retransmission) letters are taken out, with 1 to 1 + log10(segments) T;
# the connection ends TIME-WAIT/CLOSED. netem has no fixed seed in Linux
# 6.1: a connection where no data had to be resent (tcpi_bytes_retrans 0)
# is repeated, up to 5 times.

. "$(dirname "$0")/lib.sh"

require_root_tools tc
flowmon_load
SHOW_FLOWS_ON_FAIL=1
setup_pair

D=$TMPD
SIZE=200000

if ! err=$(tc -n "$NS_C" qdisc add dev veth_c root netem loss 20% 2>&1); then
	skip "cannot add a netem qdisc (CONFIG_NET_SCH_NETEM, sch_netem.ko): $err"
fi
log "client egress: $(tc -n "$NS_C" qdisc show dev veth_c)"

F="family=ipv4,proto=tcp,client=$C4,server=$S4"
done_ok=
for try in 1 2 3 4 5; do
	port=$((6200 + try))
	log "try $try, port $port: $SIZE bytes up through 20% loss"
	tcp_listen s$port $port recv:$SIZE eof close
	srv=$BG_PID
	tcp_connect c$port $S4 $port send:$SIZE shutdown eof info:end close
	cli=$BG_PID
	wait_done 120 c$port "$cli"
	wait_done 60 s$port "$srv"
	json_vars c$port end total_retrans bytes_retrans bytes_sent local_port
	log "client TCP_INFO: tcpi_total_retrans $J_total_retrans tcpi_bytes_retrans $J_bytes_retrans tcpi_bytes_sent $J_bytes_sent"
	# The struct tcp_info offsets, cross-checked (tcpi_total_retrans is
	# at 100, tcpi_bytes_sent at 200, tcpi_bytes_retrans at 208 in 6.1).
	[ "$J_bytes_sent" -eq $((SIZE + J_bytes_retrans)) ] ||
		die "TCP_INFO: tcpi_bytes_sent $J_bytes_sent != $SIZE + tcpi_bytes_retrans $J_bytes_retrans (wrong struct layout?)"
	if [ "$J_bytes_retrans" -gt 0 ] && [ "$J_total_retrans" -eq 0 ]; then
		die "TCP_INFO: tcpi_bytes_retrans $J_bytes_retrans but tcpi_total_retrans 0 (wrong struct layout?)"
	fi
	if [ "$J_bytes_retrans" -eq 0 ]; then
		log "no data was resent this time, again"
		continue
	fi
	# The server's FIN may have to be resent if the client's last ACK was
	# lost; then TIME-WAIT/CLOSED comes later.
	settle_state "$NS_C" $port TIME-WAIT/CLOSED 30
	snap "$NS_C" "$D/c$port.json"
	check_flow "client netns: the client's retransmissions as its kernel counted them" \
		"$D/c$port.json" "$F,server_port=$port" client_port="$J_local_port" \
		state=TIME-WAIT/CLOSED client_state=TIME-WAIT server_state=CLOSED \
		retrans_up="$J_total_retrans" retrans_bytes_up="$J_bytes_retrans" \
		payload_up=$((SIZE + J_bytes_retrans)) payload_down=0 \
		unexpected_up=0 unexpected_down=0
	# Where the losses fall is random, so is where the T (and t) letters
	# go; without them the history is exact. A t or T is written at the
	# 1st, 10th, 100th... retransmitted packet of its direction, and a
	# packet is one or more retransmitted segments.
	flow_vars "$D/c$port.json" "$F,server_port=$port" history retrans_down
	h=$F_history
	expect_eq "history $h without its t and T letters" ShADaFf "${h//[tT]/}"
	nT=$(tr -cd T <<<"$h" | wc -c)
	nt=$(tr -cd t <<<"$h" | wc -c)
	maxT=$(( ${#J_total_retrans} ))
	if [ "$nT" -ge 1 ] && [ "$nT" -le "$maxT" ]; then
		ok "history $h: $nT T, for $J_total_retrans retransmitted segments (1 to $maxT T)"
	else
		fail "history $h: $nT T, expected 1 to $maxT for $J_total_retrans retransmitted segments"
	fi
	if [ "$F_retrans_down" -eq 0 ]; then
		expect_eq "history $h: t letters (retrans_down 0)" 0 "$nt"
	elif [ "$nt" -ge 1 ] && [ "$nt" -le "${#F_retrans_down}" ]; then
		ok "history $h: $nt t, for retrans_down $F_retrans_down"
	else
		fail "history $h: $nt t, expected 1 to ${#F_retrans_down} for retrans_down $F_retrans_down"
	fi
	done_ok=1
	break
done
[ -n "$done_ok" ] ||
	fail "5 connections through 20% loss, and not one resent data"
finish
