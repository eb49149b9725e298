#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prometheus metrics: `flowctl stats --prometheus` (for node_exporter's
# textfile collector) and the exporter's /metrics, checked by promtool
# (package prometheus) and against the traffic. The server netns delays
# what it sends by 36 ms (netem): each TCP handshake the client netns sees
# takes 36 ms and more (SYN to SYN-ACK) plus its own ACK's turn.
#  1. 5 connections (tcp-churn): in the client netns, `flowctl stats` has
#     handshakes 5, none up to 32768 us (netem's 36 ms), and for every
#     power of two the handshakes of the 5 flows (their rtt_syn_us +
#     rtt_ack_us in `flowctl -j list`) up to it, and their sum; -j says
#     the same.
#  2. --prometheus passes `promtool check metrics` with no complaint; its
#     histogram flowmon_handshake_rtt_seconds has those counts (in
#     seconds) and sum; flowmon_flows, flowmon_flows_created_total and
#     the TCP state gauges are `flowctl -j stats`'s.
#  3. In the server netns, 3 datagrams to a closed port:
#     flowmon_dropped_packets_total{reason="NO_SOCKET"} 3, as stats says.
#  4. `flowctl export ipfix ... --metrics 9464`: GET /metrics passes
#     promtool, has the flow table's metrics and the exporter's own
#     (flowmon_export_records_total, the count its exit line gives after
#     SIGTERM); another path gets 404.

. "$(dirname "$0")/lib.sh"

require_root_tools
for tool in promtool curl; do
	command -v $tool >/dev/null || skip "$tool is not installed (make deps)"
done
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
long_timeouts "$NS_S"
tc -n "$NS_S" qdisc add dev veth_s root netem delay 36ms ||
	skip "no netem (sch_netem)"

# jget FILE A.B.C: a value of the JSON object in FILE.
jget()
{
	$PY -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}

# metric FILE NAME{LABELS}: the value of one sample in FILE.
metric()
{
	awk -v key="$2" '$1 == key { print $2; found = 1 } END { exit !found }' "$1"
}

log "1. 5 TCP connections from the client netns"
bg echo5000 "$NS_S" $TRAFFIC tcp-echo-loop 5000
wait_listen "$NS_S" tcp 5000
ip netns exec "$NS_C" $TRAFFIC tcp-churn $S4 5000 --count 5 --size 100 \
	>"$TMPD/churn.out" || die "tcp-churn"
expect_eq "connections made" 5 "$(json_field churn connections)"
fc "$NS_C" stats >"$TMPD/c.stats" || die "flowctl stats"
snap "$NS_C" "$TMPD/flows.json"
# The histogram of the 5 flows' own handshakes: "handshakes=5
# handshake_rtt_le_1us=N ... handshake_rtt_le_inf=5", and their sum.
read -r want sum < <($PY -c 'import json, sys
rtts = [f["rtt_syn_us"] + f["rtt_ack_us"] for f in json.load(open(sys.argv[1]))
        if f["proto"] == "tcp" and f.get("server_port") == 5000]
keys = ["handshakes=%d" % len(rtts)]
keys += ["handshake_rtt_le_%dus=%d" % (1 << i, sum(r <= 1 << i for r in rtts))
         for i in range(25)]
keys.append("handshake_rtt_le_inf=%d" % len(rtts))
print(",".join(keys), sum(rtts))' "$TMPD/flows.json")
expect_stats "client netns: the flows' handshakes" "$TMPD/c.stats" ${want//,/ }
expect_stats "client netns: 5, none up to 32768 us (netem: 36 ms)" \
	"$TMPD/c.stats" handshakes=5 handshake_rtt_le_32768us=0
expect_stats "client netns: their sum" "$TMPD/c.stats" handshake_rtt_sum_us="$sum"
stats_json "$NS_C" "$TMPD/c.json"
expect_eq "-j: handshake_rtt_us.count" 5 "$(jget "$TMPD/c.json" handshake_rtt_us.count)"
expect_eq "-j: handshake_rtt_us.sum" "$sum" "$(jget "$TMPD/c.json" handshake_rtt_us.sum)"
expect_eq "-j: handshake_rtt_us.le.32768" 0 "$(jget "$TMPD/c.json" handshake_rtt_us.le.32768)"
expect_eq "-j: handshake_rtt_us.le.+Inf" 5 "$(jget "$TMPD/c.json" handshake_rtt_us.le.+Inf)"

log "2. flowctl stats --prometheus"
fc "$NS_C" stats --prometheus >"$TMPD/c.prom" || die "flowctl stats --prometheus"
promtool check metrics <"$TMPD/c.prom" >"$TMPD/promtool.out" 2>&1
rc=$?
sed 's/^/# promtool: /' "$TMPD/promtool.out"
expect_eq "promtool check metrics: status" 0 "$rc"
expect_eq "promtool check metrics: no complaint" "" "$(cat "$TMPD/promtool.out")"
h=flowmon_handshake_rtt_seconds
stats_of "$TMPD/c.stats"
for i in $(seq 0 24); do
	le=$(awk -v us=$((1 << i)) 'BEGIN { printf "%.6f", us / 1e6 }')
	expect_eq "$h le $le" "${ST[handshake_rtt_le_$((1 << i))us]}" \
		"$(metric "$TMPD/c.prom" "${h}_bucket{le=\"$le\"}")"
done
expect_eq "$h le +Inf" 5 "$(metric "$TMPD/c.prom" "${h}_bucket{le=\"+Inf\"}")"
expect_eq "${h}_count" 5 "$(metric "$TMPD/c.prom" "${h}_count")"
expect_eq "${h}_sum: the sum in seconds" "$(awk -v s="$sum" 'BEGIN { printf "%.6f", s / 1e6 }')" \
	"$(metric "$TMPD/c.prom" "${h}_sum")"
stats_json "$NS_C" "$TMPD/c2.json"
fc "$NS_C" stats --prometheus >"$TMPD/c2.prom" || die "flowctl stats --prometheus"
expect_eq "flowmon_flows == active" "$(jget "$TMPD/c2.json" active)" \
	"$(metric "$TMPD/c2.prom" flowmon_flows)"
expect_eq "flowmon_flows_created_total == created" \
	"$(jget "$TMPD/c2.json" created)" \
	"$(metric "$TMPD/c2.prom" flowmon_flows_created_total)"
expect_eq "flowmon_tcp_flows{state=\"established\"} == tcp_states.ESTABLISHED" \
	"$(jget "$TMPD/c2.json" tcp_states.ESTABLISHED)" \
	"$(metric "$TMPD/c2.prom" 'flowmon_tcp_flows{state="established"}')"

log "3. drops in the server netns"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 7100 --count 3 --size 100 \
	>/dev/null || die "udp-send to 7100"
dropped()
{
	fc "$NS_S" stats --prometheus >"$TMPD/s.prom" &&
		[ "$(metric "$TMPD/s.prom" 'flowmon_dropped_packets_total{reason="NO_SOCKET"}')" = 3 ]
}
wait_until 60 dropped || true
expect_eq "server: flowmon_dropped_packets_total{reason=\"NO_SOCKET\"}" 3 \
	"$(metric "$TMPD/s.prom" 'flowmon_dropped_packets_total{reason="NO_SOCKET"}')"
expect_eq "server: flowmon_dropped_bytes_total{reason=\"NO_SOCKET\"}" $((3 * 128)) \
	"$(metric "$TMPD/s.prom" 'flowmon_dropped_bytes_total{reason="NO_SOCKET"}')"
check "server: promtool check metrics" promtool check metrics <"$TMPD/s.prom"

log "4. the exporter's /metrics"
udp_server sink4739 sink 4739
bg export "$NS_C" "$FLOWCTL" export ipfix $S4:4739 --metrics 9464
EXPORTER=$BG_PID
wait_until 30 monitor_joined "$NS_C" "$EXPORTER" || die "the exporter did not subscribe"
wait_listen "$NS_C" tcp 9464
ip netns exec "$NS_C" curl -sS -o "$TMPD/e.prom" -D "$TMPD/e.head" \
	http://127.0.0.1:9464/metrics || die "curl /metrics"
check "/metrics: 200, text/plain version 0.0.4" \
	grep -q 'Content-Type: text/plain; version=0.0.4' "$TMPD/e.head"
promtool check metrics <"$TMPD/e.prom" >"$TMPD/promtool2.out" 2>&1
rc=$?
sed 's/^/# promtool: /' "$TMPD/promtool2.out"
expect_eq "/metrics: promtool check metrics" 0 "$rc"
check "/metrics: the flow table's metrics" grep -q '^flowmon_flows_created_total ' "$TMPD/e.prom"
check "/metrics: the exporter's" grep -q '^flowmon_export_records_total ' "$TMPD/e.prom"
code=$(ip netns exec "$NS_C" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/other)
expect_eq "GET /other" 404 "$code"
kill -TERM "$EXPORTER"
rc=0
bg_wait "$EXPORTER" 60 || rc=$?
expect_eq "exporter's exit status after SIGTERM" 0 "$rc"
ip netns exec "$NS_C" curl -sS -o "$TMPD/e2.prom" http://127.0.0.1:9464/metrics 2>/dev/null &&
	fail "/metrics still answers after the exporter exited" ||
	ok "/metrics gone with the exporter"
finish
