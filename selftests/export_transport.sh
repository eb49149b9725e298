#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowctl export` when the collector is down, slow or overwhelmed, with
# the exporter in the client netns and its figures read from /metrics:
#  1. --tcp to a port nobody listens on: 5 UDP flows flushed meanwhile
#     wait in the queue; a collector (a TCP sink, dumpcap recording)
#     comes up and gets them on the next try; the collector goes away
#     and comes back (the exporter notices the close:
#     flowmon_export_collector_up 0), 3 more flows flushed in between
#     reach it over the second connection. tshark decodes both streams: each starts with
#     the templates and sequence number 0, the sequence numbers count the
#     records, every one of the 8 flows has its one forced-end record, no
#     record is lost (the exit line: 0 dropped, 2 connections).
#  2. --tcp --queue 1, the collector down: after each of 3 single-flow
#     flushes a message waits, and each new one pushes the one before out:
#     flowmon_export_records_dropped_total 0, 1, 2.
#  3. UDP with --buffer 4K (the event socket holds a few events): 500 flows
#     made first, so that the exporter's first dump learns them all, then
#     flushed at once. The socket overflows (flowmon_export_overflows_total,
#     _events_lost_total > 0), a dump takes stock, and every one of the 500
#     is either reported at its end or counted as an end missed: ended +
#     missed == 500. With --template-messages 2, no more than 2 data
#     messages go without the templates before them (tshark); every
#     message fits the veth's MTU (UDP length <= 1480) and the fullest
#     comes near it (> 1300 bytes: records are packed).
# tshark's expert infos are checked for the IPFIX dissector's (CFLOW) and
# for malformed packets: the refused connections' RSTs are TCP's warnings.

. "$(dirname "$0")/lib.sh"

require_root_tools
command -v tshark >/dev/null || skip "tshark is not installed (make deps)"
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
PORT=4740
PCAP=$TMPD/tcp.pcap

# metric NAME: the exporter's value of NAME on /metrics.
metric()
{
	ip netns exec "$NS_C" curl -s http://127.0.0.1:9464/metrics |
		awk -v key="$1" '$1 == key { print $2; found = 1 } END { exit !found }'
}
metric_is()
{
	[ "$(metric "$1")" = "$2" ]
}
start_exporter()
{
	bg "$1" "$NS_C" "$FLOWCTL" export ipfix "$S4:$2" --metrics 9464 "${@:3}"
	EXPORTER=$BG_PID
	wait_until 30 monitor_joined "$NS_C" "$EXPORTER" || die "the exporter did not subscribe"
	wait_listen "$NS_C" tcp 9464
}
stop_exporter()
{
	local rc=0
	kill -TERM "$EXPORTER"
	bg_wait "$EXPORTER" 60 || rc=$?
	expect_eq "$1: exit status after SIGTERM" 0 "$rc"
}
flush_dport()
{
	fc "$NS_C" flush -p udp --dport "$1" >/dev/null || die "flush --dport $1"
}
udp_flow_to()
{
	ip netns exec "$NS_C" $TRAFFIC udp-send $S4 "$1" --count 1 --size 10 \
		>/dev/null || die "udp-send to $1"
}
not_in()
{
	! grep -qE "$2" "$1"
}
connected()
{
	[ -n "$(ip netns exec "$NS_C" ss -Htn state established "dst $S4:$PORT")" ]
}

for port in $(seq 6000 6010) 6100; do
	udp_server "sink$port" sink "$port"
done

log "1. TCP, the collector down, then up, then restarted"
bg dumpcap "$NS_S" dumpcap -q -P -i veth_s -f "tcp port $PORT" -w "$PCAP"
DUMPCAP=$BG_PID
wait_until 30 test -s "$PCAP" || die "dumpcap wrote no capture header"
start_exporter tcp1 $PORT --tcp --active-timeout 1h
for port in 6000 6001 6002 6003 6004; do
	udp_flow_to $port
done
snap "$NS_C" "$TMPD/five.json"
for port in 6000 6001 6002 6003 6004; do
	flush_dport $port
done
wait_until 60 metric_is flowmon_export_flows_ended_total 5 ||
	fail "5 ends seen: $(metric flowmon_export_flows_ended_total)"
check "nothing sent with the collector down" metric_is flowmon_export_records_total 0
bg sink1 "$NS_S" $TRAFFIC tcp-sink $PORT
SINK=$BG_PID
wait_listen "$NS_S" tcp $PORT
# The backoff is 1 s, then 2, 4...: the next try comes.
wait_until 120 connected || die "the exporter did not connect"
wait_until 60 metric_is flowmon_export_queued_messages 0 || fail "the queue did not drain"
bg_stop "$SINK"
wait_until 60 metric_is flowmon_export_collector_up 0 ||
	fail "the exporter did not notice the collector's close"
for port in 6005 6006 6007; do
	udp_flow_to $port
done
snap "$NS_C" "$TMPD/three.json"
for port in 6005 6006 6007; do
	flush_dport $port
done
wait_until 60 metric_is flowmon_export_flows_ended_total 8 ||
	fail "8 ends seen: $(metric flowmon_export_flows_ended_total)"
bg sink2 "$NS_S" $TRAFFIC tcp-sink $PORT
wait_listen "$NS_S" tcp $PORT
wait_until 120 metric_is flowmon_export_connects_total 2 || die "no second connection"
wait_until 60 metric_is flowmon_export_queued_messages 0 || fail "the queue did not drain"
stop_exporter "TCP exporter"
sed 's/^/# /' "$TMPD/tcp1.err"
check "TCP exporter: nothing dropped, 2 connections" \
	grep -q " 0 records dropped, [0-9]* send errors, 2 connections;" "$TMPD/tcp1.err"
bg_stop "$DUMPCAP"
# One line per message: stream, sequence, template ids, flow ids, reasons.
tshark -r "$PCAP" -d tcp.port==$PORT,cflow -Y cflow -T fields -E separator=';' \
	-e tcp.stream -e cflow.sequence -e cflow.template_id -e cflow.flow_id \
	-e cflow.flow_end_reason 2>/dev/null >"$TMPD/messages.txt"
check "tshark: two TCP streams" test "$(cut -d';' -f1 "$TMPD/messages.txt" | sort -u | wc -l)" = 2
# A segment may carry several messages (those queued while the collector
# was down go out back to back): tshark then gives each field's values of
# all of them, comma-separated. The first message's sequence number must
# be the records sent before it on the stream, the others' may not go
# back nor past the segment's records, and the next segment's first one
# must count them all.
check "tshark: each stream starts with the templates at 0; sequence numbers count the records" \
	awk -F';' '
		{ n = $4 == "" ? 0 : split($4, ids, ",")
		  k = split($2, s, ",")
		  if (!($1 in seq)) { seq[$1] = 0; if ($3 == "") { print "no templates first: " $0; bad = 1 } }
		  if (s[1] != seq[$1]) { print "sequence: " $0; bad = 1 }
		  for (i = 2; i <= k; i++)
			if (s[i] < s[i - 1] || s[i] > seq[$1] + n) { print "sequence within: " $0; bad = 1 }
		  seq[$1] += n }
		END { exit bad }' "$TMPD/messages.txt"
awk -F';' '{ n = split($4, id, ","); split($5, r, ",");
	     for (i = 1; i <= n; i++) print id[i], r[i] }' "$TMPD/messages.txt" >"$TMPD/records.txt"
for f in five three; do
	for id in $($PY -c 'import json, sys
print(" ".join(str(f["id"]) for f in json.load(open(sys.argv[1]))
               if f["proto"] == "udp" and 6000 <= f["server_port"] <= 6007))' "$TMPD/$f.json"); do
		expect_eq "flow $id: one record, forced end" "4" \
			"$(awk -v id="$id" '$1 == id { print $2 }' "$TMPD/records.txt" | tr '\n' ' ' | sed 's/ $//')"
	done
done
tshark -r "$PCAP" -d tcp.port==$PORT,cflow -q -z expert,warn >"$TMPD/expert.txt" 2>&1
sed 's/^/# tshark: /' "$TMPD/expert.txt"
check "tshark: no warning or error of the IPFIX dissector, nothing malformed" \
	not_in "$TMPD/expert.txt" ' CFLOW |[Mm]alformed'

log "2. TCP --queue 1, the collector down"
start_exporter tcp2 $((PORT + 1)) --tcp --queue 1 --active-timeout 1h
for port in 6008 6009 6010; do
	udp_flow_to $port
done
for i in 0 1 2; do
	flush_dport $((6008 + i))
	wait_until 60 metric_is flowmon_export_flows_ended_total $((i + 1)) ||
		fail "end $((i + 1)) not seen"
	expect_eq "after flush $((i + 1)): records dropped" "$i" \
		"$(metric flowmon_export_records_dropped_total)"
	expect_eq "after flush $((i + 1)): messages queued" 1 \
		"$(metric flowmon_export_queued_messages)"
done
stop_exporter "queue 1 exporter"

log "3. UDP, --buffer 4K: 500 flows flushed at once"
udp_server sink4739 sink 4739
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 6100 --count 500 --base-port 30000 \
	>/dev/null || die "udp-flows"
fc "$NS_C" -j list -p udp --dport 6100 >"$TMPD/burst.json"
expect_eq "500 flows to 6100" 500 "$(flowq count "$TMPD/burst.json" server_port=6100)"
PCAP3=$TMPD/udp.pcap
bg dumpcap3 "$NS_S" dumpcap -q -P -i veth_s -f "udp port 4739" -w "$PCAP3"
DUMPCAP3=$BG_PID
wait_until 30 test -s "$PCAP3" || die "dumpcap wrote no capture header"
start_exporter udp3 4739 --buffer 4K --active-timeout 1h --template-messages 2
ended0=$(metric flowmon_export_flows_ended_total)
missed0=$(metric flowmon_export_ends_missed_total)
flush_dport 6100
accounted()
{
	[ $(($(metric flowmon_export_flows_ended_total) - ended0 +
	     $(metric flowmon_export_ends_missed_total) - missed0)) = 500 ]
}
wait_until 120 accounted || true
ended=$(($(metric flowmon_export_flows_ended_total) - ended0))
missed=$(($(metric flowmon_export_ends_missed_total) - missed0))
expect_eq "ended $ended + missed $missed" 500 $((ended + missed))
check "the socket overflowed: $(metric flowmon_export_overflows_total) times" \
	test "$(metric flowmon_export_overflows_total)" -gt 0
check "events lost by the kernel's count: $(metric flowmon_export_events_lost_total)" \
	test "$(metric flowmon_export_events_lost_total)" -gt 0
stop_exporter "overflowed exporter"
sed 's/^/# /' "$TMPD/udp3.err"
bg_stop "$DUMPCAP3"
tshark -r "$PCAP3" -d udp.port==4739,cflow -Y cflow -T fields -E separator=';' \
	-e udp.length -e cflow.template_id -e cflow.flow_id 2>/dev/null >"$TMPD/udp.txt"
check "templates before every 2 data messages at most" \
	awk -F';' '$2 != "" { run = 0; seen = 1; next }
		   { if (!seen || ++run > 2) { print "at message " NR; bad = 1 } }
		   END { exit bad }' "$TMPD/udp.txt"
check "every message within the MTU (UDP length <= 1480)" \
	awk -F';' '$1 > 1480 { print; bad = 1 } END { exit bad }' "$TMPD/udp.txt"
check "the fullest message packed (> 1300 bytes)" \
	awk -F';' '$1 > max { max = $1 } END { print max; exit !(max > 1300) }' "$TMPD/udp.txt"
finish
