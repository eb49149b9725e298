#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowctl export ipfix` to Debian's collectors. The exporter runs in the
# client netns with --active-timeout 2s and sends over UDP to nfcapd
# (package nfdump) in the server netns; dumpcap records the messages there
# for tshark. Traffic, over IPv4 and IPv6:
#   A. TCP to 5000, 3000 bytes up and 7000 down, closed by the client; the
#      client netns's TIME-WAIT timeout then drops to 1 s: the record ends
#      by timeout after FIN: flowEndReason 3 (end of flow).
#   B. UDP, 10 datagrams of 1000 bytes to a sink, then flushed: reason 4.
#   C. UDP echo, 3 datagrams of 200 bytes: once tshark has seen C's active
#      report (reason 2), a second flow of 2 datagrams to the same port.
#   D. ICMP echo, 3 pings.
#   E. TCP over IPv6, 1000 bytes each way, left open.
# Then SIGTERM: every flow left is reported (reason 4), the exporter exits 0.
# Checks:
#  1. nfdump shows every flow flowmon had (the final `flowctl -j list`,
#     and the destroy events of `flowctl -j monitor`) with exactly its
#     packets and bytes each way, summed over its records, and no other.
#     The export's own UDP flow to 4739 is left out: it grows with every
#     message.
#  2. tshark decodes every message with no warning or error, every record
#     in a template it was given before; the sequence numbers count the
#     data records before each message; the observation domain is the
#     netns's inode number; each flow's last record has the reason above.
#  3. The exporter's figures: as many records as tshark decoded, none
#     dropped, no event lost.

. "$(dirname "$0")/lib.sh"

require_root_tools
for tool in nfcapd nfdump dumpcap tshark; do
	command -v $tool >/dev/null || skip "$tool is not installed (make deps)"
done
flowmon_load
setup_pair
static_neighbours
long_timeouts "$NS_C"
SHOW_FLOWS_ON_FAIL=1
COLLECTOR_PORT=4739
NFDIR=$TMPD/nfcapd
PCAP=$TMPD/ipfix.pcap
mkdir -p "$NFDIR"

bg nfcapd "$NS_S" nfcapd -w "$NFDIR" -p $COLLECTOR_PORT -b $S4 -t 3600
NFCAPD=$BG_PID
wait_listen "$NS_S" udp $COLLECTOR_PORT
bg dumpcap "$NS_S" dumpcap -q -P -i veth_s -f "udp port $COLLECTOR_PORT" -w "$PCAP"
DUMPCAP=$BG_PID
wait_until 30 test -s "$PCAP" || die "dumpcap wrote no capture header"
for port in 6000 6001; do
	udp_server "sink$port" sink $port
done
udp_server echo6002 echo 6002

bg monitor "$NS_C" "$FLOWCTL" -j monitor
MONITOR=$BG_PID
wait_until 30 monitor_joined "$NS_C" "$MONITOR" || die "the monitor did not subscribe"
bg export "$NS_C" "$FLOWCTL" export ipfix $S4:$COLLECTOR_PORT --active-timeout 2s
EXPORTER=$BG_PID
wait_until 30 monitor_joined "$NS_C" "$EXPORTER" || die "the exporter did not subscribe"

# tshark's view of the capture so far: one line per data record,
# "message-number flow-id end-reason".
records()
{
	tshark -r "$PCAP" -d udp.port==$COLLECTOR_PORT,cflow -Y cflow.flow_id \
		-T fields -E separator=";" -e frame.number -e cflow.flow_id \
		-e cflow.flow_end_reason 2>/dev/null |
		awk -F";" '{ n = split($2, id, ","); split($3, r, ",");
			   for (i = 1; i <= n; i++) print $1, id[i], r[i] }'
}

lacks()
{
	! grep -qE "$@"
}

reported_with()
{
	records | awk -v id="$1" -v r="$2" '$2 == id && $3 == r { f = 1 } END { exit !f }'
}

log "A. TCP, closed"
tcp_server tsrv5000 5000 3000 7000
ip netns exec "$NS_C" $TRAFFIC tcp-client $S4 5000 --send 3000 --recv 7000 \
	>/dev/null || die "tcp-client to 5000"
bg_wait "$BG_PID" 60 || true
log "B. UDP to a sink"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 10 --size 1000 \
	>/dev/null || die "udp-send to 6000"
log "C. UDP echo"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6002 --count 3 --size 200 --echo \
	>"$TMPD/echo.out" || die "udp-send to 6002"
log "D. ICMP echo"
ip netns exec "$NS_C" ping -c 3 -i 0.2 -q $S4 >/dev/null || die "ping"
log "E. TCP over IPv6, held open"
tcp_server tsrv5001 5001 1000 1000
bg tcli5001 "$NS_C" $TRAFFIC tcp-client $S6 5001 --send 1000 --recv 1000 \
	--hold "$TMPD/release5001"
TCLI6=$BG_PID
wait_until 60 flow_field_is "$NS_C" "proto=tcp,server_port=5001" packets_down 3 ||
	true

snap "$NS_C" "$TMPD/before.json"
ID_A=$(flowq get "$TMPD/before.json" "proto=tcp,server_port=5000" id)
ID_B=$(flowq get "$TMPD/before.json" "proto=udp,server_port=6000" id)
ID_C=$(flowq get "$TMPD/before.json" "proto=udp,server_port=6002" id)
ID_D=$(flowq get "$TMPD/before.json" "proto=icmp" id)
ID_E=$(flowq get "$TMPD/before.json" "proto=tcp,server_port=5001" id)

wait_until 120 reported_with "$ID_C" 2 || die "no active report of flow C"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6002 --count 2 --size 200 --echo \
	>/dev/null || die "udp-send to 6002 again"
fc "$NS_C" flush --proto udp --dport 6000 >/dev/null || die "flush B"
fc "$NS_C" config timeout_time_wait=1 timeout_close=1 >/dev/null || die "config"
wait_until 60 reported_with "$ID_A" 3 || die "no end-of-flow report of flow A"
fc "$NS_C" config timeout_time_wait=3600 timeout_close=3600 >/dev/null || die "config"

log "SIGTERM: the exporter reports every flow left"
snap "$NS_C" "$TMPD/final.json"
kill -TERM "$EXPORTER"
rc=0
bg_wait "$EXPORTER" 60 || rc=$?
expect_eq "exporter's exit status after SIGTERM" 0 "$rc"
touch "$TMPD/release5001"
bg_wait "$TCLI6" 60 || true
bg_stop "$MONITOR"
kill -TERM "$NFCAPD"
bg_wait "$NFCAPD" 60 || true
bg_stop "$DUMPCAP"

log "1. what nfcapd stored"
nfdump -R "$NFDIR" -6 -N -q -o "fmt:%pr,%sa,%sp,%da,%dp,%ipkt,%ibyt,%opkt,%obyt" \
	>"$TMPD/nfdump.txt" 2>"$TMPD/nfdump.err" || die "nfdump: $(cat "$TMPD/nfdump.err")"
grep -v '^$' "$TMPD/nfdump.txt" >"$TMPD/nfdump.rows"
check "nfdump has a row for each of flowmon's flows, counts exact" \
	flowq collected "$TMPD/final.json" "$TMPD/monitor.out" "$TMPD/nfdump.rows" \
	"server_port=$COLLECTOR_PORT"

log "2. what tshark decodes"
tshark -r "$PCAP" -d udp.port==$COLLECTOR_PORT,cflow -q -z expert,warn \
	>"$TMPD/expert.txt" 2>&1
check "tshark: no warning or error in any message" \
	lacks '^(Errors|Warns) \(' "$TMPD/expert.txt"
check "tshark: no malformed message" lacks -i malformed "$TMPD/expert.txt"
tshark -r "$PCAP" -d udp.port==$COLLECTOR_PORT,cflow -T fields -E separator=";" \
	-e cflow.sequence -e cflow.od_id -e cflow.template_id -e cflow.flow_id \
	2>/dev/null >"$TMPD/messages.txt"
domain=$(ip netns exec "$NS_C" stat -L -c %i /proc/self/ns/net)
check "tshark: sequence numbers count the records before each message, domain $domain, templates first" \
	awk -F";" -v domain="$domain" '
		{ n = $4 == "" ? 0 : split($4, ids, ",")
		  if ($1 != seq || $2 != domain) { print "bad: " $0; bad = 1 }
		  if (n && !templates) { print "records before templates"; bad = 1 }
		  if ($3 != "") templates = 1
		  seq += n }
		END { exit bad }' "$TMPD/messages.txt"
records >"$TMPD/records.txt"
last_reason()
{
	awk -v id="$1" '$2 == id { r = $3 } END { print r }' "$TMPD/records.txt"
}
expect_eq "A: flowEndReason of the last record: end of flow" 3 "$(last_reason "$ID_A")"
expect_eq "B: flowEndReason: forced end (flushed)" 4 "$(last_reason "$ID_B")"
expect_eq "C: flowEndReason: forced end (at exit)" 4 "$(last_reason "$ID_C")"
expect_eq "D: flowEndReason: forced end (at exit)" 4 "$(last_reason "$ID_D")"
expect_eq "E: flowEndReason: forced end (at exit)" 4 "$(last_reason "$ID_E")"
n=$(awk -v id="$ID_C" '$2 == id' "$TMPD/records.txt" | wc -l)
check "C: more than one record ($n)" test "$n" -ge 2

log "3. the exporter's figures"
sed 's/^/# /' "$TMPD/export.err"
total=$(wc -l <"$TMPD/records.txt")
check "exporter: $total records, as tshark decoded" \
	grep -q "exported $total records" "$TMPD/export.err"
check "exporter: none dropped, no send error" \
	grep -q " 0 records dropped, 0 send errors, 0 connections;" "$TMPD/export.err"
check "exporter: no event lost, no end missed" \
	grep -q " 0 overflows, 0 events lost, 0 ends missed" "$TMPD/export.err"
finish
