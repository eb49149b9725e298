#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP state machine and history of flowmon as an on-path observer: the
# router netns R forwards hand-built segments between a virtual client
# 10.4.0.5 (behind L) and a virtual server 10.3.0.5:80 (behind P), sent by
# craft.py (see lib_router.sh). Each segment has passed R before the next
# is sent. R's table must show both directions in one record, and:
#
#  A  handshake, data both ways, client closes first: SYN-SENT/SYN-RECEIVED
#     after the SYN and still after the SYN-ACK, ESTABLISHED after the ACK,
#     FIN-WAIT-1/CLOSE-WAIT, FIN-WAIT-2/CLOSE-WAIT, TIME-WAIT/LAST-ACK,
#     TIME-WAIT/CLOSED; history "ShADadFf"; exact packets, bytes (SYN 12,
#     SYN-ACK 8 bytes of TCP options), payload, ISNs, MSS, window scale,
#     SACK, scaled windows, SND.NXT, highest ACK, handshake RTTs; no
#     retransmission or unexpected segment
#  G  port reuse: a SYN with a new ISN on A's TIME-WAIT/CLOSED quad makes a
#     new record (new id, the old one gone, history "S"), stats reused +1
#  B  a SYN-ACK the client never acknowledges (sent twice): stays
#     SYN-SENT/SYN-RECEIVED, never ESTABLISHED; history "Sht"
#  C  simultaneous open (RFC 793 figure 8): both SYN-RECEIVED after the two
#     SYNs and after the first SYN-ACK, both ESTABLISHED after the second;
#     history "SsTtAa": a SYN-ACK resends its SYN's sequence number, so it
#     adds no h but a retransmission t (like Zeek, SYN and SYN-ACK share
#     one history letter slot per direction)
#  D  simultaneous close (RFC 793 figure 14), both FINs before either ACK:
#     both CLOSING, then both TIME-WAIT after the ACKs; history "ShAFfa"
#  F  a pure SYN with another sequence number on an ESTABLISHED flow, from
#     the client then from the server: unexpected_up / unexpected_down 1,
#     states and ISNs unchanged; history "ShAS", "ShASs"
#  E  RST answering a SYN: both CLOSED, history "Sr"; then data from the
#     client before any new SYN: unexpected_up 1, still CLOSED, "SrD"
#  H  A over IPv6 (fd04::5 -> fd03::5): same states, history, 40-byte IP
#     headers in the byte counts

. "$(dirname "$0")/lib_router.sh"

require_root_tools
flowmon_load
router_setup

flow4()
{
	echo "family=ipv4,proto=tcp,client=$VC4,client_port=$1,server=$VS4,server_port=80"
}

A=$(flow4 40001)
B=$(flow4 40002)
C=$(flow4 40003)
D=$(flow4 40004)
E=$(flow4 40005)
F=$(flow4 40006)
H="family=ipv6,proto=tcp,client=$VC6,client_port=40007,server=$VS6,server_port=80"

cat >"$TMPD/states.craft" <<'EOF'
# A: clean handshake, data both ways, client closes first
flow cport=40001
C S seq=1000 win=64240 mss=1460 ws=7 sackok
snap a_syn
S SA seq=5000 ack=1001 win=65160 mss=1400 ws=8
snap a_synack
C A seq=1001 ack=5001 win=502
snap a_est
C PA seq=1001 ack=5001 win=502 len=100
S A seq=5001 ack=1101 win=509
S PA seq=5001 ack=1101 win=509 len=50
C A seq=1101 ack=5051 win=502
C FA seq=1101 ack=5051 win=502
snap a_fin1
S A seq=5051 ack=1102 win=509
snap a_fin2
S FA seq=5051 ack=1102 win=509
snap a_lastack
C A seq=1102 ack=5052 win=502
snap a_closed

# G: port reuse of A's quad
stats g0
C S seq=900000 win=64240 mss=1460 ws=7 sackok
snap g1
stats g1

# B: the client never acknowledges the SYN-ACK, which is sent again
flow cport=40002
C S seq=2000 mss=1460 ws=7 sackok
S SA seq=6000 ack=2001 mss=1460 ws=7 sackok
snap b_synack
sleep 0.2
S SA seq=6000 ack=2001 mss=1460 ws=7 sackok
snap b_again

# C: simultaneous open, RFC 793 figure 8
flow cport=40003
C S seq=100 mss=1460 ws=7 sackok
S S seq=300 mss=1460 ws=7 sackok
snap c_syns
C SA seq=100 ack=301 mss=1460 ws=7 sackok
snap c_synack1
S SA seq=300 ack=101 mss=1460 ws=7 sackok
snap c_synack2
C A seq=101 ack=301 win=502
S A seq=301 ack=101 win=502
snap c_acks

# D: simultaneous close: each FIN acknowledges no FIN
flow cport=40004
C S seq=3000 mss=1460 ws=7 sackok
S SA seq=7000 ack=3001 mss=1460 ws=7 sackok
C A seq=3001 ack=7001 win=502
C FA seq=3001 ack=7001 win=502
S FA seq=7001 ack=3001 win=502
snap d_fins
C A seq=3002 ack=7002 win=502
S A seq=7002 ack=3002 win=502
snap d_acks

# F: pure SYNs with other sequence numbers on an ESTABLISHED flow
flow cport=40006
C S seq=8000 mss=1460 ws=7 sackok
S SA seq=9000 ack=8001 mss=1460 ws=7 sackok
C A seq=8001 ack=9001 win=502
C S seq=12345 mss=1460 ws=7 sackok
snap f_csyn
S S seq=23456 mss=1460 ws=7 sackok
snap f_ssyn

# E: RST answering a SYN, then client data without a new SYN
# (last: a CLOSED flow expires after timeout_close, 10 s)
flow cport=40005
C S seq=4000 mss=1460 ws=7 sackok
S RA seq=0 ack=4001 win=0
snap e_rst
C PA seq=4001 ack=1 win=502 len=10
snap e_data

# H: A over IPv6
flow client=fd04::5 server=fd03::5 cport=40007
C S seq=1000 win=64240 mss=1460 ws=7 sackok
S SA seq=5000 ack=1001 win=65160 mss=1400 ws=8
snap h_synack
C A seq=1001 ack=5001 win=502
snap h_est
C PA seq=1001 ack=5001 win=502 len=100
S A seq=5001 ack=1101 win=509
S PA seq=5001 ack=1101 win=509 len=50
C A seq=1101 ack=5051 win=502
C FA seq=1101 ack=5051 win=502
S A seq=5051 ack=1102 win=509
S FA seq=5051 ack=1102 win=509
C A seq=1102 ack=5052 win=502
snap h_closed
EOF

log "crafting the scenarios through R"
craft_run "$TMPD/states.craft"
log "craft.py: $CRAFT_OUT"

# TCP headers: 20 bytes, plus 4 per option given (MSS; NOP NOP SACK_PERM;
# NOP WS): the client's SYNs 32, the server's SYN-ACKs in A and H 28.
S=$TMPD
# --- A ---
rt_flow "A: after the SYN" "$S/a_syn.json" "$A" state=SYN-SENT/SYN-RECEIVED \
	client_state=SYN-SENT server_state=SYN-RECEIVED history=S \
	packets_up=1 packets_down=0 picked_up=false
rt_flow "A: after the SYN-ACK: the client is not ESTABLISHED before it ACKs" \
	"$S/a_synack.json" "$A" client_state=SYN-SENT server_state=SYN-RECEIVED \
	history=Sh packets_up=1 packets_down=1
rt_flow "A: after the client's ACK" "$S/a_est.json" "$A" state=ESTABLISHED \
	client_state=ESTABLISHED server_state=ESTABLISHED history=ShA
rt_flow "A: client FIN" "$S/a_fin1.json" "$A" \
	client_state=FIN-WAIT-1 server_state=CLOSE-WAIT history=ShADadF
rt_flow "A: the server ACKs the FIN" "$S/a_fin2.json" "$A" \
	client_state=FIN-WAIT-2 server_state=CLOSE-WAIT
rt_flow "A: server FIN" "$S/a_lastack.json" "$A" \
	client_state=TIME-WAIT server_state=LAST-ACK history=ShADadFf
rt_flow "A: closed: one record for both directions, exact facts" \
	"$S/a_closed.json" "$A" state=TIME-WAIT/CLOSED client_state=TIME-WAIT \
	server_state=CLOSED history=ShADadFf picked_up=false \
	packets_up=6 bytes_up=$((20 + 32 + 5 * 40 + 100)) payload_up=100 \
	packets_down=5 bytes_down=$((20 + 28 + 4 * 40 + 50)) payload_down=50 \
	isn_up=1000 isn_down=5000 snd_nxt_up=1102 snd_nxt_down=5052 \
	max_ack_up=5052 max_ack_down=1102 mss_up=1460 mss_down=1400 \
	wscale_up=7 wscale_down=8 sack_perm_up=true sack_perm_down=false \
	window_up=$((502 << 7)) window_down=$((509 << 8)) \
	retrans_up=0 retrans_down=0 unexpected_up=0 unexpected_down=0 \
	out_of_window_up=0 out_of_window_down=0 zero_window_up=0 zero_window_down=0
rt_count "A: no second record (the other orientation)" "$S/a_closed.json" \
	"proto=tcp,server_port=40001" 0
rt_flow "A: handshake round trip times" "$S/a_closed.json" "$A" \
	rtt_syn_us=@present rtt_ack_us=@present rtt_us=@present rtt_syn_us!=0 \
	rtt_ack_us!=0

# --- G ---
rt_flow "G: a new SYN on A's quad starts a new record" "$S/g1.json" "$A" \
	state=SYN-SENT/SYN-RECEIVED history=S isn_up=900000 packets_up=1 \
	bytes_up=52 packets_down=0 bytes_down=0 picked_up=false
rt_pycheck "G: the new record has a new id, the old one is gone" '
import json
import flowq
old = flowq.one(json.load(open(sys.argv[1])), sys.argv[3])["id"]
new = json.load(open(sys.argv[2]))
ids = [f["id"] for f in flowq.select(new, sys.argv[3])]
print("# %s - one record for the quad, id %s > old id %d"
      % ("ok" if len(ids) == 1 and ids[0] > old else "not ok", ids, old))
n = len([f for f in new if f["id"] == old])
print("# %s - records with the old id %d: %d" % ("ok" if n == 0 else "not ok", old, n))
' "$S/a_closed.json" "$S/g1.json" "$A"
rt_stat_deltas g0 g1 reused=1 evicted_closed=0 evicted_embryonic=0 untracked=0
rt_stat g0 destroyed; d0=$FV
rt_stat g1 destroyed; d1=$FV
rt_stat g0 expired; e0=$FV
rt_stat g1 expired; e1=$FV
expect_eq "G: records destroyed other than by timeout" 1 $(( (d1 - d0) - (e1 - e0) ))

# --- B ---
rt_flow "B: SYN-ACK not acknowledged" "$S/b_synack.json" "$B" \
	state=SYN-SENT/SYN-RECEIVED history=Sh
rt_flow "B: SYN-ACK sent again, still not acknowledged: never ESTABLISHED" \
	"$S/b_again.json" "$B" state=SYN-SENT/SYN-RECEIVED client_state=SYN-SENT \
	server_state=SYN-RECEIVED history=Sht packets_up=1 packets_down=2 \
	retrans_down=1 retrans_up=0 unexpected_up=0 unexpected_down=0

# --- C ---
rt_flow "C: both SYNs crossed" "$S/c_syns.json" "$C" state=SYN-RECEIVED \
	client_state=SYN-RECEIVED server_state=SYN-RECEIVED history=Ss \
	isn_up=100 isn_down=300
rt_flow "C: the client's SYN-ACK" "$S/c_synack1.json" "$C" \
	client_state=SYN-RECEIVED server_state=SYN-RECEIVED
rt_flow "C: the server's SYN-ACK: each SYN is acknowledged" "$S/c_synack2.json" \
	"$C" state=ESTABLISHED client_state=ESTABLISHED server_state=ESTABLISHED
rt_flow "C: after the ACKs" "$S/c_acks.json" "$C" state=ESTABLISHED \
	history=SsTtAa retrans_up=1 retrans_down=1 unexpected_up=0 \
	unexpected_down=0 isn_up=100 isn_down=300 packets_up=3 packets_down=3

# --- D ---
rt_flow "D: both FINs before either ACK: both CLOSING" "$S/d_fins.json" "$D" \
	state=CLOSING client_state=CLOSING server_state=CLOSING history=ShAFf
rt_flow "D: both FINs acknowledged: both TIME-WAIT" "$S/d_acks.json" "$D" \
	state=TIME-WAIT client_state=TIME-WAIT server_state=TIME-WAIT \
	history=ShAFfa unexpected_up=0 unexpected_down=0

# --- F ---
rt_flow "F: client SYN with a new sequence number on ESTABLISHED" \
	"$S/f_csyn.json" "$F" state=ESTABLISHED unexpected_up=1 unexpected_down=0 \
	isn_up=8000 history=ShAS packets_up=3
rt_flow "F: server SYN with a new sequence number on ESTABLISHED" \
	"$S/f_ssyn.json" "$F" state=ESTABLISHED unexpected_up=1 unexpected_down=1 \
	isn_down=9000 history=ShASs packets_down=2

# --- E ---
rt_flow "E: RST answering the SYN" "$S/e_rst.json" "$E" state=CLOSED \
	client_state=CLOSED server_state=CLOSED history=Sr unexpected_up=0
rt_flow "E: client data after both CLOSED, no new SYN" "$S/e_data.json" "$E" \
	state=CLOSED client_state=CLOSED server_state=CLOSED history=SrD \
	unexpected_up=1 unexpected_down=0 packets_up=2 payload_up=10

# --- H ---
rt_flow "H (IPv6): after the SYN-ACK" "$S/h_synack.json" "$H" \
	client_state=SYN-SENT server_state=SYN-RECEIVED history=Sh
rt_flow "H (IPv6): after the ACK" "$S/h_est.json" "$H" state=ESTABLISHED
rt_flow "H (IPv6): closed, exact facts with 40-byte IP headers" \
	"$S/h_closed.json" "$H" state=TIME-WAIT/CLOSED history=ShADadFf \
	packets_up=6 bytes_up=$((40 + 32 + 5 * 60 + 100)) payload_up=100 \
	packets_down=5 bytes_down=$((40 + 28 + 4 * 60 + 50)) payload_down=50 \
	isn_up=1000 isn_down=5000 snd_nxt_up=1102 snd_nxt_down=5052 \
	window_up=$((502 << 7)) window_down=$((509 << 8)) unexpected_up=0 \
	unexpected_down=0 retrans_up=0 retrans_down=0

rt_count "no record has a virtual server as its client" "$S/h_closed.json" \
	"proto=tcp,client=$VS4" 0
rt_count "no record has a virtual server as its client (IPv6)" "$S/h_closed.json" \
	"proto=tcp,client=$VS6" 0
rt_finish
