#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How TCP connections end, over IPv4, each on its own server port, checked
# in the client netns: exact client_state, server_state, summary state,
# history and payload, no retransmission, unexpected, out-of-window or
# zero-window segment, and once closed, state_since == last_seen (the last
# packet made the last state change):
#  (a) 6001 the client closes first: TIME-WAIT/CLOSED, history ShADadFf
#  (b) 6002 the server closes first: CLOSED/TIME-WAIT, history ShADadfF
#  (c) 6003 half-close: the client shuts down its sending side, then the
#      server sends 5000 bytes: FIN-WAIT-2/CLOSE-WAIT, history ShADaFd,
#      payload_down 5000; after the server's close TIME-WAIT/CLOSED, ShADaFdf
#  (d) 6004 the client resets (SO_LINGER {1, 0}): CLOSED, history ShADadR
#  (e) 6005 nobody listens, the SYN is refused: CLOSED, history Sr
# While (a), (b) and (c) are in those states, `flowctl -j list --state
# time-wait` lists exactly (a) (client in TIME-WAIT) and (b) (server in
# TIME-WAIT), and in both namespaces, for every state, the `flowctl stats -j`
# tcp_states count equals the number of flows `flowctl -j list` shows with
# an endpoint in that state (and `list --state` prints those flows, for the
# states in play).
# (a), (b), (c) run at the same time, then (d), then (e): each connection
# orders its own segments (acked, sleep), so its history is deterministic.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
SHOW_FLOWS_ON_FAIL=1
setup_pair

D=$TMPD

# Every flow here must also be clean: see above.
CLEAN=(picked_up=false retrans_up=0 retrans_down=0 unexpected_up=0
	unexpected_down=0 out_of_window_up=0 out_of_window_down=0
	zero_window_up=0 zero_window_down=0)
F="family=ipv4,proto=tcp,client=$C4,server=$S4"

log "(a) port 6001: 1000 bytes up, 2000 down, then the client closes first"
log "(b) port 6002: 1000 bytes up, 2000 down, then the server closes first"
log "(c) port 6003: 1000 bytes up, the client shuts down its side, the server sends 5000 bytes, holds, closes"
tcp_listen_start sa 6001 recv:1000 send:2000 acked eof close
srv_a=$BG_PID
tcp_listen_start sb 6002 recv:1000 send:2000 acked sleep:0.3 close
srv_b=$BG_PID
tcp_listen_start sc 6003 recv:1000 eof send:5000 acked touch:"$D/c-sent" \
	wait:"$D/c-release" close
srv_c=$BG_PID
for p in 6001 6002 6003; do
	wait_listen "$NS_S" tcp $p
done
tcp_connect ca $S4 6001 send:1000 recv:2000 acked sleep:0.3 info close
cli_a=$BG_PID
tcp_connect cb $S4 6002 send:1000 recv:2000 eof close
cli_b=$BG_PID
tcp_connect cc $S4 6003 send:1000 acked sleep:0.3 shutdown recv:5000 eof close
cli_c=$BG_PID

wait_done 60 ca "$cli_a"
wait_done 60 sa "$srv_a"
wait_done 60 cb "$cli_b"
wait_done 60 sb "$srv_b"
wait_file 60 "$D/c-sent" sc cc
lport_a=$(json_field ca local_port)
# The last ACK may still be on its way when the processes end.
settle_state "$NS_C" 6001 TIME-WAIT/CLOSED
settle_state "$NS_C" 6002 CLOSED/TIME-WAIT
settle_state "$NS_C" 6003 FIN-WAIT-2/CLOSE-WAIT
snap "$NS_C" "$D/abc.json"
fc "$NS_C" -j list --state time-wait >"$D/tw.json" ||
	die "flowctl -j list --state time-wait failed"

check_flows "$D/abc.json" \
	-- "(a) the client closed first: TIME-WAIT/CLOSED, history ShADadFf" \
	"$F,server_port=6001" client_port="$lport_a" \
	state=TIME-WAIT/CLOSED client_state=TIME-WAIT server_state=CLOSED \
	history=ShADadFf payload_up=1000 payload_down=2000 "${CLEAN[@]}" \
	state_since=@=last_seen \
	-- "(b) the server closed first: CLOSED/TIME-WAIT, history ShADadfF" \
	"$F,server_port=6002" \
	state=CLOSED/TIME-WAIT client_state=CLOSED server_state=TIME-WAIT \
	history=ShADadfF payload_up=1000 payload_down=2000 "${CLEAN[@]}" \
	state_since=@=last_seen \
	-- "(c) half-closed: FIN-WAIT-2/CLOSE-WAIT, the 5000 bytes sent after the client's FIN count down" \
	"$F,server_port=6003" \
	state=FIN-WAIT-2/CLOSE-WAIT client_state=FIN-WAIT-2 \
	server_state=CLOSE-WAIT history=ShADaFd payload_up=1000 payload_down=5000 \
	"${CLEAN[@]}" \
	--in "$D/tw.json" "(a) in flowctl -j list --state time-wait (client in TIME-WAIT)" \
	"$F,server_port=6001" client_port="$lport_a" client_state=TIME-WAIT \
	server_state=CLOSED history=ShADadFf \
	-- "(b) in flowctl -j list --state time-wait (server in TIME-WAIT)" \
	"$F,server_port=6002" client_state=CLOSED server_state=TIME-WAIT \
	history=ShADadfF

# With check_state_counts: list --state time-wait prints (a) and (b) and
# nothing else, as it must with either endpoint in TIME-WAIT counting.
log "stats -j tcp_states agree with list (and list --state), in both namespaces"
check_state_counts "$NS_C" --state time-wait closed fin-wait-2 close-wait \
	established
check_state_counts "$NS_S"

log "(c) the server closes"
touch "$D/c-release"

# (d) and (e) end CLOSED, which lasts 10 s (timeout_close): each gets its
# snapshot as soon as it is there.
log "(d) port 6004: 1000 bytes up, 2000 down, then the client resets"
tcp_listen sd 6004 recv:1000 send:2000 acked reset
srv_d=$BG_PID
tcp_connect cd $S4 6004 send:1000 recv:2000 acked sleep:0.3 rst
cli_d=$BG_PID
wait_done 60 cd "$cli_d"
wait_done 60 sd "$srv_d"
settle_state "$NS_C" 6004 CLOSED
snap "$NS_C" "$D/d.json"

log "(e) port 6005: nothing listens, the SYN is refused"
ip netns exec "$NS_C" $TRAFFIC tcp-connect --expect-refused $S4 6005 \
	>"$D/ce.out" 2>"$D/ce.err" ||
	die "connect to the closed port 6005: $(cat "$D/ce.err")"
settle_state "$NS_C" 6005 CLOSED
snap "$NS_C" "$D/e.json"

wait_done 60 sc "$srv_c"
wait_done 60 cc "$cli_c"
settle_state "$NS_C" 6003 TIME-WAIT/CLOSED
snap "$NS_C" "$D/c.json"

check_flows "$D/c.json" \
	-- "(c) after the server's close: TIME-WAIT/CLOSED, history ShADaFdf" \
	"$F,server_port=6003" \
	state=TIME-WAIT/CLOSED client_state=TIME-WAIT server_state=CLOSED \
	history=ShADaFdf payload_up=1000 payload_down=5000 "${CLEAN[@]}" \
	state_since=@=last_seen \
	--in "$D/d.json" "(d) reset by the client: CLOSED, history ShADadR" \
	"$F,server_port=6004" \
	state=CLOSED client_state=CLOSED server_state=CLOSED \
	history=ShADadR payload_up=1000 payload_down=2000 "${CLEAN[@]}" \
	state_since=@=last_seen \
	--in "$D/e.json" "(e) refused: CLOSED, history Sr, one SYN up, one RST down" \
	"$F,server_port=6005" \
	state=CLOSED client_state=CLOSED server_state=CLOSED history=Sr \
	payload_up=0 payload_down=0 packets_up=1 packets_down=1 "${CLEAN[@]}" \
	state_since=@=last_seen
finish
