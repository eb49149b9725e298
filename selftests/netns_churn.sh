#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces made and destroyed with live flows: 2 rounds of 30 (5 of 200
# in `make stress`). In each round every namespace gets one UDP flow over
# its own loopback, to a port no other namespace uses: 3 datagrams of 100
# bytes to a socket that reads them. Then, in every namespace:
#  - flowctl -j list shows exactly that flow: 1 flow, UDP, its own port,
#    packets_up=3 bytes_up=384 packets_down=0;
#  - /proc/net/flowmon has exactly its header and that flow's line;
# then all of the round's namespaces are deleted at once, their flows
# still in their tables. At the end the initial namespace's table holds
# none of the ports, and the module unloads: kmem_cache_destroy() warns of
# any record a namespace's exit left behind (the VM boots with
# slab_nomerge, so the caches are flowmon's own), and the VM run fails on
# any warning.

. "$(dirname "$0")/lib.sh"

require_root_tools
# A namespace is read a minute or more after its flow was made.
flowmon_reload timeout_udp=3600
ROUNDS=$(scaled 2 5)
PER_ROUND=$(scaled 30 200)

# make_flows ROUND NS...: in each NS, lo up and the UDP flow to port
# 20000 + ROUND * 1000 + its index.
make_flows()
{
	$PY - "$SELFTEST_DIR" "$@" <<'PYEOF'
import fcntl, socket, struct, sys
sys.path.insert(0, sys.argv[1])
from craft import Netns
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
base = 20000 + int(sys.argv[2]) * 1000
for i, ns in enumerate(sys.argv[3:]):
    with Netns(ns):
        ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ifr = fcntl.ioctl(ctl, SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))
        flags = struct.unpack_from("16sH", ifr)[1] | IFF_UP
        fcntl.ioctl(ctl, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags))
        srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        srv.bind(("127.0.0.1", base + i))
        cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(3):
            cli.sendto(b"x" * 100, ("127.0.0.1", base + i))
        for _ in range(3):
            srv.recv(200)
        for s in (ctl, srv, cli):
            s.close()
PYEOF
}

# own_flow_only NS PORT: NS lists exactly its one flow, and /proc agrees.
own_flow_only()
{
	local ns=$1 port=$2 f=$TMPD/$1.json p=$TMPD/$1.proc
	fc "$ns" -j list >"$f" || { WHY="$ns: flowctl list failed"; return 1; }
	ip netns exec "$ns" cat /proc/net/flowmon >"$p" ||
		{ WHY="$ns: reading /proc failed"; return 1; }
	WHY=$($PY - "$f" "$p" "$port" <<'PYEOF'
import json, sys
flows = json.load(open(sys.argv[1]))
proc = open(sys.argv[2]).read().splitlines()[1:]
port = int(sys.argv[3])
want = {"family": "ipv4", "proto": "udp", "client": "127.0.0.1",
        "server": "127.0.0.1", "server_port": port, "packets_up": 3,
        "bytes_up": 384, "packets_down": 0}
if len(flows) != 1:
    print("%d flows: %s" % (len(flows), [(f["proto"], f["server_port"]) for f in flows]))
elif any(flows[0].get(k) != v for k, v in want.items()):
    print("flow %s, expected %s" % (flows[0], want))
elif len(proc) != 1 or proc[0].split()[5] != str(port):
    print("/proc: %s" % proc)
PYEOF
) || WHY="$ns: python failed"
	[ -z "$WHY" ] || { WHY="$ns: $WHY"; return 1; }
}

for round in $(seq "$ROUNDS"); do
	names=()
	for i in $(seq 0 $((PER_ROUND - 1))); do
		names+=("fmchurn_$$_${round}_$i")
	done
	printf 'netns add %s\n' "${names[@]}" | ip -batch - ||
		die "round $round: making the namespaces"
	NETNS_MADE+=("${names[@]}")
	make_flows "$round" "${names[@]}" ||
		die "round $round: making the flows"
	good=0
	first_bad=
	for i in "${!names[@]}"; do
		if own_flow_only "${names[$i]}" $((20000 + round * 1000 + i)); then
			good=$((good + 1))
		else
			first_bad=${first_bad:-$WHY}
		fi
	done
	[ -z "$first_bad" ] || log "round $round: first wrong namespace: $first_bad"
	expect_eq "round $round: namespaces that list exactly their own flow" \
		"$PER_ROUND" "$good"
	printf 'netns del %s\n' "${names[@]}" | ip -batch - ||
		die "round $round: deleting the namespaces"
	NETNS_MADE=()
done

"$FLOWCTL" -j list >"$TMPD/init.json" || die "flowctl -j list in the initial namespace"
leaked=$($PY -c '
import json, sys
print(sum(1 for f in json.load(open(sys.argv[1]))
          if f["proto"] == "udp" and 20000 < f["server_port"] < 30000))' \
	"$TMPD/init.json")
expect_eq "the initial namespace's flows to the churned ports" 0 "$leaked"
flowmon_rmmod
flowmon_load
finish
