#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `flowctl monitor`: the events of scripted flows, in order, with exact
# states, counters, times and reasons. Monitors (-j, and the line format)
# run in the client and the server netns from the start.
#
# 1. TCP 10.0.1.1:40000 -> 10.0.1.2:5000, 1000 bytes each way, the client
#    closes first and the server 0.5 s later. Both netns see, for this
#    flow and in this order:
#      new    SYN-SENT/SYN-RECEIVED    1 packet up (the SYN, 60 bytes), "S"
#      state  SYN-SENT/SYN-RECEIVED -> ESTABLISHED (after the third packet)
#      state  ESTABLISHED -> FIN-WAIT-1/CLOSE-WAIT
#      state  FIN-WAIT-1/CLOSE-WAIT -> FIN-WAIT-2/CLOSE-WAIT
#      state  FIN-WAIT-2/CLOSE-WAIT -> TIME-WAIT/LAST-ACK
#      state  TIME-WAIT/LAST-ACK -> TIME-WAIT/CLOSED
#    Each event carries the flow as it was then: NEW's time is first_seen,
#    times never go back, the last STATE's time is the flow's state_since.
#    Then the client netns's TIME-WAIT timeout drops to 1 s: destroy,
#    reason timeout, with the final counters `flowctl -j list` showed.
# 2. UDP to port 6000, flushed: new, then destroy reason flushed.
# 3. max_flows=1: a UDP flow to 6001, then one to 6002 evicts it: destroy
#    reason evicted for 6001, new for 6002.
# 4. Port reuse: 10.0.1.1:41000 -> 5001 twice; the second SYN ends the
#    first record (destroy reason reused) and starts a new one (another id).
# 5. rmmod while the monitors run: destroy reason unload for every flow
#    left, then each monitor says the module was unloaded and exits 0.
# The line format shows the same events as -j, tag for tag.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
long_timeouts "$NS_S"
SHOW_FLOWS_ON_FAIL=1

# Sinks, so that no ICMP port unreachable adds flows.
for port in 6000 6001 6002 7999; do
	udp_server "sink$port" sink $port
done
bg monc "$NS_C" "$FLOWCTL" -j monitor
MONC=$BG_PID
bg mons "$NS_S" "$FLOWCTL" -j monitor
MONS=$BG_PID
bg monl "$NS_C" "$FLOWCTL" monitor
MONL=$BG_PID
# Subscribed once an event made now reaches all three.
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 7999 --count 1 --size 1 >/dev/null
subscribed()
{
	has_output monc && has_output mons && has_output monl
}
wait_until 60 subscribed || die "the monitors saw no event"
fc "$NS_C" flush >/dev/null && fc "$NS_S" flush >/dev/null || die "flush"
t0=$(now_ns)

log "1. scripted TCP connection"
bg srv "$NS_S" $TRAFFIC tcp-listen 5000 recv:1000 send:1000 eof sleep:0.5 close
srv=$BG_PID
wait_listen "$NS_S" tcp 5000
bg cli "$NS_C" $TRAFFIC tcp-connect --bind-port 40000 $S4 5000 send:1000 recv:1000 close
cli=$BG_PID
wait_done 60 cli "$cli"
wait_done 60 srv "$srv"
settle_state "$NS_C" 5000 TIME-WAIT/CLOSED
snap "$NS_C" "$TMPD/tcp-c.json"
snap "$NS_S" "$TMPD/tcp-s.json"
fc "$NS_C" config timeout_time_wait=1 timeout_close=1 >/dev/null || die "config"
tcp_gone()
{
	flow_count "$NS_C" server_port=5000
	[ "$FV" = 0 ]
}
wait_until 60 tcp_gone || fail "the TIME-WAIT flow did not expire"
fc "$NS_C" config timeout_time_wait=3600 timeout_close=3600 >/dev/null || die "config"

log "2. flush"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6000 --count 2 --size 10 >/dev/null
snap "$NS_C" "$TMPD/udp6000.json"
fc "$NS_C" flush --dport 6000 >/dev/null || die "flush --dport 6000"

log "3. eviction"
fc "$NS_C" config max_flows=1 >/dev/null || die "config max_flows=1"
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6001 --count 1 --size 20 >/dev/null
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 6002 --count 1 --size 30 >/dev/null
fc "$NS_C" config max_flows=1000 >/dev/null || die "config max_flows=1000"

log "4. port reuse"
for i in 1 2; do
	bg "rsrv$i" "$NS_S" $TRAFFIC tcp-listen 5001 eof close
	pid=$BG_PID
	wait_listen "$NS_S" tcp 5001
	ip netns exec "$NS_C" $TRAFFIC tcp-connect --bind-port 41000 $S4 5001 close \
		>/dev/null || die "connection $i to port 5001"
	wait_done 60 "rsrv$i" "$pid"
	settle_state "$NS_C" 5001 TIME-WAIT/CLOSED
done
snap "$NS_C" "$TMPD/end-c.json"
snap "$NS_S" "$TMPD/end-s.json"

log "5. unload"
FLOWMON_RESTORE=1
flowmon_rmmod
for pid in "$MONC" "$MONS" "$MONL"; do
	rc=0
	bg_wait "$pid" 30 || rc=$?
	expect_eq "monitor exit status after rmmod" 0 $rc
done
for m in monc mons monl; do
	expect_eq "$m: stderr" "flowctl: the flowmon module was unloaded" \
		"$(cat "$TMPD/$m.err")"
done

out=$($PY - "$TMPD" "$t0" "$C4" "$S4" <<'PYEOF'
import json, sys
d, t0, c4, s4 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def load(name):
    return [json.loads(l) for l in open("%s/%s" % (d, name))]

def flows(name):
    return json.load(open("%s/%s" % (d, name)))

def check(what, ok, detail=""):
    print("%s - %s%s" % ("ok" if ok else "not ok", what,
                         "" if ok else ": " + detail))

def states(e):
    return "%s/%s" % (e["client_state"], e["server_state"])

def summary(e):
    if e["event"] == "state":
        return "state %s/%s -> %s" % (e["old_client_state"],
                                      e["old_server_state"], states(e))
    if e["event"] == "destroy":
        return "destroy %s" % e["reason"]
    return "new %s" % (states(e) if e["proto"] == "tcp" else e["state"])

def of(events, **key):
    return [e for e in events if e["time"] >= t0 and
            all(e[k] == v for k, v in key.items())]

TCP = ["new SYN-SENT/SYN-RECEIVED",
       "state SYN-SENT/SYN-RECEIVED -> ESTABLISHED/ESTABLISHED",
       "state ESTABLISHED/ESTABLISHED -> FIN-WAIT-1/CLOSE-WAIT",
       "state FIN-WAIT-1/CLOSE-WAIT -> FIN-WAIT-2/CLOSE-WAIT",
       "state FIN-WAIT-2/CLOSE-WAIT -> TIME-WAIT/LAST-ACK",
       "state TIME-WAIT/LAST-ACK -> TIME-WAIT/CLOSED"]
COUNTERS = ["packets_up", "bytes_up", "payload_up", "packets_down",
            "bytes_down", "payload_down"]

for ns, mon, snap, last in (("client", "monc.out", "tcp-c.json", "timeout"),
                            ("server", "mons.out", "tcp-s.json", "unload")):
    ev = of(load(mon), server_port=5000)
    got = [summary(e) for e in ev]
    check("%s netns: TCP events in order: %s" % (ns, "; ".join(TCP + ["destroy " + last])),
          got == TCP + ["destroy " + last], "got %s" % got)
    if len(ev) != len(TCP) + 1:
        continue
    flow = [f for f in flows(snap) if f["server_port"] == 5000][0]
    new = ev[0]
    check("%s netns: new: the SYN counted (1 packet, 60 bytes up, history S), time == first_seen" % ns,
          (new["packets_up"], new["bytes_up"], new["packets_down"], new["history"],
           new["time"]) == (1, 60, 0, "S", new["first_seen"]),
          json.dumps(new))
    est = ev[1]
    check("%s netns: ESTABLISHED after 2 packets up, 1 down" % ns,
          (est["packets_up"], est["packets_down"]) == (2, 1), json.dumps(est))
    times = [e["time"] for e in ev]
    check("%s netns: event times never go back" % ns, times == sorted(times), times)
    check("%s netns: every event has the flow's id %d" % (ns, flow["id"]),
          {e["id"] for e in ev} == {flow["id"]}, {e["id"] for e in ev})
    check("%s netns: the last state event's time is the flow's state_since" % ns,
          ev[-2]["time"] == flow["state_since"], "%d != %d" % (ev[-2]["time"], flow["state_since"]))
    check("%s netns: destroy has the final counters and history" % ns,
          all(ev[-1][k] == flow[k] for k in COUNTERS + ["history", "first_seen", "last_seen"]),
          "%s vs %s" % ({k: ev[-1][k] for k in COUNTERS}, {k: flow[k] for k in COUNTERS}))
    check("%s netns: destroy's time >= last_seen" % ns, ev[-1]["time"] >= flow["last_seen"])

ev = load("monc.out")
u = of(ev, server_port=6000)
check("udp 6000: new, destroy flushed", [summary(e) for e in u] == ["new UNREPLIED", "destroy flushed"],
      [summary(e) for e in u])
if len(u) == 2:
    check("udp 6000: new counts the first datagram (1 packet, 38 bytes)",
          (u[0]["packets_up"], u[0]["bytes_up"]) == (1, 38), json.dumps(u[0]))
    check("udp 6000: destroy counts both (2 packets, 76 bytes)",
          (u[1]["packets_up"], u[1]["bytes_up"]) == (2, 76), json.dumps(u[1]))
for port, want in ((6001, ["new UNREPLIED", "destroy evicted"]),
                   (6002, ["new UNREPLIED", "destroy unload"])):
    got = [summary(e) for e in of(ev, server_port=port)]
    check("udp %d: %s" % (port, ", ".join(want)), got == want, got)
r = of(ev, server_port=5001)
got = [(summary(e), e["id"]) for e in r]
ids = [i for _, i in got]
want = ["new SYN-SENT/SYN-RECEIVED", "destroy reused", "new SYN-SENT/SYN-RECEIVED", "destroy unload"]
check("port reuse: first record new, destroy reused; second new, destroy unload",
      [s for s, _ in got if not s.startswith("state")] == want, got)
check("port reuse: two records with different ids", len(set(ids)) == 2, ids)
if ids:
    check("port reuse: the first record is destroyed before the second is new",
          [s for s, _ in got].index("destroy reused") <
          max(i for i, (s, _) in enumerate(got) if s.startswith("new")), got)
end = {f["id"] for f in flows("end-c.json")}
unloaded = {e["id"] for e in ev if e["event"] == "destroy" and e["reason"] == "unload"}
check("client netns: destroy reason unload for exactly the flows listed before rmmod",
      unloaded == end, "%s vs %s" % (sorted(unloaded), sorted(end)))
end = {f["id"] for f in flows("end-s.json")}
unloaded = {e["id"] for e in load("mons.out") if e["event"] == "destroy" and e["reason"] == "unload"}
check("server netns: destroy reason unload for exactly the flows listed before rmmod",
      unloaded == end, "%s vs %s" % (sorted(unloaded), sorted(end)))

tags = {"new": "[NEW]", "state": "[STATE]", "hint": "[HINT]", "destroy": "[DESTROY]"}
lines = [l.split()[0] for l in open(d + "/monl.out")]
check("the line format shows the same events as -j, tag for tag",
      lines == [tags[e["event"]] for e in ev], "%d lines, %d events" % (len(lines), len(ev)))
PYEOF
) || die "checking the events: python failed"
report_checks <<<"$out"
finish
