#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowctl reset` and `flowctl flush`, and the stats that count them.
#
# Reset of still flows: UDP flows with exactly known counters; `flowctl -j
# reset --dport 6000-6001` prints each with the values it had (exact
# packets/bytes/payload both ways), afterwards they read zero while their
# id, states and first_seen stay, and the flows the filter did not match
# keep their counters.
#
# Reset under traffic, no packet lost or counted twice: while a UDP sender
# sends 3000 datagrams of 64 bytes and a TCP client sends 3,000,000 bytes,
# a loop resets their flows as fast as it can. The values handed back by
# all the resets plus what the flows hold at the end equal exactly what was
# sent: 3000 packets / 3000 * 92 bytes for UDP; for TCP, packets equal to
# the client's tcpi_segs_out and tcpi_segs_in, payload equal to the bytes
# sent (plus retransmitted bytes).
#
# Flush by filter: 20 UDP flows to port 7000 and 10 to port 7001; `flowctl
# flush --dport 7000` deletes exactly the 20 ("flushed 20"), `flowctl -j
# flush --dport 7001 --sport 30100-30104` exactly 5 ({"flushed":5}), a
# filter matching nothing "flushed 0" with status 0; the other flows stay;
# a monitor sees one DESTROY with reason "flushed" per flushed flow.
#
# Stats add up: created - destroyed == active == the flows listed, and the
# created / destroyed / flushed deltas equal the flows made and flushed.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
SHOW_FLOWS_ON_FAIL=1
stats_json "$NS_C" "$TMPD/stats0.json"
bg mon "$NS_C" "$FLOWCTL" -j monitor
MON=$BG_PID

log "reset of still flows returns their exact values"
udp_server usink sink 6000
udp_server uecho echo 6001
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 10 --size 100 >/dev/null ||
	die "udp-send to 6000"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6001 --count 4 --size 200 --echo >/dev/null ||
	die "udp-send to 6001"
tcp_hold $S4 5201
snap "$NS_C" "$TMPD/before.json"
fc "$NS_C" -j reset --dport 6000-6001 >"$TMPD/reset.json" || die "flowctl -j reset failed"
snap "$NS_C" "$TMPD/after.json"
expect_eq "flows reset by --dport 6000-6001" 2 "$(flowq count "$TMPD/reset.json" -)"
tcp_flow="proto=tcp,server_port=5201"
flow_vars "$TMPD/before.json" "$tcp_flow" id packets_up bytes_up packets_down bytes_down
check_flows "$TMPD/reset.json" \
	-- "reset printed the sink flow's counters as they were" "proto=udp,server_port=6000" \
	packets_up=10 bytes_up=1280 payload_up=1000 packets_down=0 bytes_down=0 \
	-- "reset printed the echo flow's counters as they were" "proto=udp,server_port=6001" \
	packets_up=4 bytes_up=912 payload_up=800 packets_down=4 bytes_down=912 payload_down=800 \
	--in "$TMPD/after.json" "after the reset the sink flow reads zero" "proto=udp,server_port=6000" \
	packets_up=0 bytes_up=0 payload_up=0 state=UNREPLIED \
	-- "after the reset the echo flow reads zero, still REPLIED" "proto=udp,server_port=6001" \
	packets_up=0 bytes_up=0 payload_up=0 packets_down=0 bytes_down=0 payload_down=0 state=REPLIED \
	-- "the TCP flow, not matched, keeps its counters" "$tcp_flow" \
	id="$F_id" packets_up="$F_packets_up" bytes_up="$F_bytes_up" \
	packets_down="$F_packets_down" bytes_down="$F_bytes_down" state=ESTABLISHED
for port in 6000 6001; do
	flow_vars "$TMPD/before.json" "proto=udp,server_port=$port" id first_seen client_port
	check_flows "$TMPD/after.json" -- "port $port: same record (id, first_seen) after the reset" \
		"proto=udp,server_port=$port" id="$F_id" first_seen="$F_first_seen" \
		client_port="$F_client_port"
done
expect_eq "flowctl reset -c --dport 6000 prints the number reset" 1 \
	"$(fc "$NS_C" reset -c --dport 6000)"
tcp_release 5201

log "reset under traffic: nothing lost, nothing counted twice"
UDP_N=3000
TCP_BYTES=3000000
udp_server usink2 sink 6100
bg tsrv "$NS_S" $TRAFFIC tcp-listen 6200 "recv:$TCP_BYTES" "wait:$TMPD/tcp-done"
tsrv=$BG_PID
wait_listen "$NS_S" tcp 6200
bg usend "$NS_C" $TRAFFIC udp-send $S4 6100 --count $UDP_N --size 64 --interval 0.001
usend=$BG_PID
bg tcli "$NS_C" $TRAFFIC tcp-connect $S4 6200 "send:$TCP_BYTES" acked sleep:1 info:end \
	"wait:$TMPD/tcp-done"
tcli=$BG_PID
# Reset until the UDP sender is done and the TCP client printed its
# TCP_INFO, in one shell inside the netns; every reset's output is kept.
ip netns exec "$NS_C" bash -c '
	n=0
	while kill -0 "$3" 2>/dev/null || [ ! -s "$2/tcli.out" ]; do
		"$1" -j reset --dport 6100-6200 >"$2/r.$n.json" || exit 1
		n=$((n + 1))
	done
	echo $n' - "$FLOWCTL" "$TMPD" "$usend" >"$TMPD/resets" || die "a flowctl reset failed"
wait_done 120 usend "$usend"
snap "$NS_C" "$TMPD/end.json"
touch "$TMPD/tcp-done"
wait_done 60 tcli "$tcli"
wait_done 60 tsrv "$tsrv"
log "$(cat "$TMPD/resets") resets during the traffic"
json_vars tcli end segs_out segs_in bytes_retrans
out=$($PY - "$TMPD" "$(cat "$TMPD/resets")" <<'PYEOF'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
sums, seen = {}, {}
runs = [json.load(open("%s/r.%d.json" % (d, i))) for i in range(n)]
runs.append(json.load(open(d + "/end.json")))
for flows in runs:
    for f in flows:
        if f["server_port"] not in (6100, 6200):
            continue
        p = f["server_port"]
        seen.setdefault(p, set()).add(f["id"])
        s = sums.setdefault(p, dict.fromkeys(
            ["packets_up", "bytes_up", "payload_up", "packets_down",
             "bytes_down", "payload_down"], 0))
        for k in s:
            s[k] += f[k]
# resets that handed back a non-zero count
busy = sum(1 for flows in runs[:-1] for f in flows if f["packets_up"])
print("busy", busy)
for p in (6100, 6200):
    print("ids", p, len(seen.get(p, ())))
    for k, v in sorted(sums.get(p, {}).items()):
        print("sum", p, k, v)
PYEOF
) || die "summing the resets: python failed"
while read -r what a b c; do
	case $what in
	busy) busy=$a ;;
	ids) expect_eq "port $a: one record throughout" 1 "$b" ;;
	sum) eval "S_${a}_$b=$c" ;;
	esac
done <<<"$out"
check "at least 3 resets handed back packets while traffic ran ($busy)" [ "$busy" -ge 3 ]
expect_eq "UDP: packets of all resets + the end" $UDP_N "$S_6100_packets_up"
expect_eq "UDP: bytes of all resets + the end" $((UDP_N * 92)) "$S_6100_bytes_up"
expect_eq "UDP: payload of all resets + the end" $((UDP_N * 64)) "$S_6100_payload_up"
expect_eq "TCP: packets up of all resets + the end (tcpi_segs_out)" "$J_segs_out" "$S_6200_packets_up"
expect_eq "TCP: packets down of all resets + the end (tcpi_segs_in)" "$J_segs_in" "$S_6200_packets_down"
expect_eq "TCP: payload up of all resets + the end" $((TCP_BYTES + J_bytes_retrans)) "$S_6200_payload_up"

log "flush by filter"
stats_json "$NS_C" "$TMPD/stats1.json"
udp_server usink3 sink 7000
udp_server usink4 sink 7001
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 7000 --count 20 --base-port 30000 >/dev/null ||
	die "udp-flows to 7000"
ip netns exec "$NS_C" $TRAFFIC udp-flows $S4 7001 --count 10 --base-port 30100 >/dev/null ||
	die "udp-flows to 7001"
snap "$NS_C" "$TMPD/pre-flush.json"
others=$(flowq count "$TMPD/pre-flush.json" "server_port=6100")
expect_eq "flowctl flush --dport 7000" "flushed 20" "$(fc "$NS_C" flush --dport 7000)"
expect_eq "flowctl -j flush --dport 7001 --sport 30100-30104" '{"flushed":5}' \
	"$(fc "$NS_C" -j flush --dport 7001 --sport 30100-30104)"
rc=0
out=$(fc "$NS_C" flush --dport 7002) || rc=$?
expect_eq "flowctl flush --dport 7002 (nothing)" "flushed 0 (status $rc)" "$out (status $rc)"
snap "$NS_C" "$TMPD/post-flush.json"
expect_eq "flows to port 7000 after the flush" 0 "$(flowq count "$TMPD/post-flush.json" server_port=7000)"
out=$(flowq ports "$TMPD/post-flush.json" "proto=udp,server_port=7001" client_port 30105 5) &&
	rc=0 || rc=$?
[ -n "$out" ] && echo "$out"
check "flows to port 7001 left: exactly client ports 30105..30109" [ $rc -eq 0 ]
expect_eq "the flow to port 6100, not matched, is still there" "$others" \
	"$(flowq count "$TMPD/post-flush.json" "server_port=6100")"
stats_json "$NS_C" "$TMPD/stats2.json"
check_stats_delta "$NS_C" "$TMPD/stats1.json" "$TMPD/stats2.json" \
	created=30 flushed=25 destroyed=25

log "stats add up"
snap "$NS_C" "$TMPD/final.json"
stats_json "$NS_C" "$TMPD/stats3.json"
json_vars_file "$TMPD/stats3.json" created destroyed active flushed expired
expect_eq "created - destroyed == active" "$J_active" $((J_created - J_destroyed))
expect_eq "active == flows listed" "$(flowq count "$TMPD/final.json" -)" "$J_active"
expect_eq "nothing expired (one-hour timeouts)" 0 "$J_expired"
expect_eq "destroyed == flushed (the only way flows went)" "$J_flushed" "$J_destroyed"

bg_stop "$MON"
out=$($PY -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "destroy":
        n += 1
        if e.get("reason") != "flushed":
            print("reason", e.get("reason"))
print(n)' "$TMPD/mon.out") || die "monitor output is not JSON lines"
expect_eq "DESTROY events seen by the monitor, each with reason flushed" 25 "$out"
if [ "$out" != 25 ]; then
	log "monitor: $(wc -l <"$TMPD/mon.out") lines; stderr: $(cat "$TMPD/mon.err")"
	head -n 5 "$TMPD/mon.out" | sed 's/^/#   /'
fi
finish
