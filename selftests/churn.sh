#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Short connections by the thousand (5,000; 200,000 in `make stress`),
# one after another from the client namespace to an echo server on port
# 9000, each echoing 100 bytes, while on the other CPU a loop runs in the
# client namespace, round after round: `flowctl -j list`, `flowctl reset
# --dport 9000`, `flowctl flush --dport 9000`, a config change (the
# TIME-WAIT timeout, 3600 s or 1800 s) and a read of /proc/net/flowmon.
# Five connections on ports 7001-7005 stay open throughout (the stable
# flows). Then:
#  - every connection was echoed whole (the client checks each);
#  - every dump and every /proc read in the loop listed each stable flow
#    exactly once (the loop ran at least 3 rounds);
#  - the stable flows are what they were before: the same ids and counts,
#    ESTABLISHED (no reset, flush or eviction touched them);
#  - the stats add up: created - destroyed == active;
#  - no kernel warning (the VM run checks the log).

. "$(dirname "$0")/lib.sh"

require_root_tools taskset
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
# Many TIME-WAIT sockets: ephemeral ports above the stable ones.
ip netns exec "$NS_C" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
CONNECTIONS=$(scaled 5000 200000)
STABLE=(7001 7002 7003 7004 7005)

for port in "${STABLE[@]}"; do
	tcp_hold $S4 "$port"
done
snap "$NS_C" "$TMPD/before.json"

bg echo "$NS_S" taskset -c 0 $TRAFFIC tcp-echo-loop 9000
wait_listen "$NS_S" tcp 9000

cat >"$TMPD/loop.py" <<'PYEOF'
import json, os, subprocess, sys
flowctl, stop, ports = sys.argv[1], sys.argv[2], set(sys.argv[3:])
rounds, bad = 0, []

def run(*args):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout

def once(what, server_ports):
    seen = sorted(p for p in server_ports if p in ports)
    if seen != sorted(ports):
        bad.append("%s in round %d: stable flows %s" % (what, rounds, seen))

while not os.path.exists(stop) or rounds < 3:
    flows = json.loads(run(flowctl, "-j", "list"))
    once("dump", [str(f["server_port"]) for f in flows if f["proto"] == "tcp"])
    run(flowctl, "reset", "--dport", "9000")
    run(flowctl, "flush", "--dport", "9000")
    run(flowctl, "config", "timeout_time_wait=%d" % (1800 if rounds % 2 else 3600))
    with open("/proc/net/flowmon") as f:
        rows = [l.split() for l in f.read().splitlines()[1:]]
    once("/proc", [r[5] for r in rows if r[1] == "tcp"])
    rounds += 1
print(json.dumps({"rounds": rounds, "bad": bad[:10], "bad_count": len(bad)}))
PYEOF
bg loop "$NS_C" taskset -c 1 $PY "$TMPD/loop.py" "$FLOWCTL" "$TMPD/stop" \
	"${STABLE[@]}"
LOOP=$BG_PID

log "$CONNECTIONS connections to port 9000"
ip netns exec "$NS_C" taskset -c 0 $TRAFFIC tcp-churn $S4 9000 \
	--count "$CONNECTIONS" --size 100 >"$TMPD/churn.out" ||
	die "tcp-churn failed: $(cat "$TMPD/churn.out")"
touch "$TMPD/stop"
bg_wait "$LOOP" 600 || die "the loop failed: $(cat "$TMPD/loop.err")"

json_vars_file "$TMPD/churn.out" connections echoed
expect_eq "connections echoed whole" "$CONNECTIONS" "$J_connections"
expect_eq "bytes echoed" $((CONNECTIONS * 100)) "$J_echoed"
json_vars_file "$TMPD/loop.out" rounds bad_count bad
log "the loop ran $J_rounds rounds"
expect_eq "dumps and /proc reads that missed or repeated a stable flow" \
	0 "$J_bad_count"
[ "$J_bad_count" = 0 ] || log "first of them: $J_bad"

snap "$NS_C" "$TMPD/after.json"
out=$($PY - "$TMPD/before.json" "$TMPD/after.json" "${STABLE[@]}" <<'PYEOF'
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
for port in map(int, sys.argv[3:]):
    pick = lambda flows: [f for f in flows
                          if f["proto"] == "tcp" and f["server_port"] == port]
    b, a = pick(before), pick(after)
    ok = len(b) == 1 and a == b and b[0]["state"] == "ESTABLISHED"
    print("%s - the stable flow to port %d is as it was, ESTABLISHED%s"
          % ("ok" if ok else "not ok", port,
             "" if ok else ": before %s, after %s" % (b, a)))
PYEOF
) || die "comparing the stable flows: python failed"
report_checks <<<"$out"

stats_json "$NS_C" "$TMPD/stats.json"
json_vars_file "$TMPD/stats.json" active created destroyed
expect_eq "created - destroyed == active" "$J_active" \
	$((J_created - J_destroyed))
for port in "${STABLE[@]}"; do
	tcp_release "$port"
done
finish
