#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Random mutations of valid packets (20,000; 100,000 in `make stress`) (pktfuzz.py: IPv4 and IPv6,
# TCP, UDP, ICMP, options, extension headers, fragments, and the first
# payloads the hints read: DNS, TLS, HTTP, DHCP, QUIC...) written into a
# tap device of their own namespace, then:
#  - every packet that reached the hooks is accounted for: nftables
#    counters at prerouting and output (every packet that passed those
#    hooks, counted outside flowmon; at prerouting not those looped back
#    through lo, which output counted already, as flowmon does) equal the
#    packets of all flows, those in the table and those a monitor saw end
#    (a new SYN on a closed quad ends its record), plus flowmon's parse
#    errors, fragments and untracked packets; the monitor lost no event;
#  - no flow has impossible values: at least one packet, at least an IP
#    header's bytes per packet and at most 64 KiB, payload within bytes,
#    first_seen <= last_seen, a known application protocol, and a name
#    that passed the hints' checks (lower case, letters, digits, '-', '_',
#    '.', no empty label, at most 253 bytes);
#  - the mutations reached the hint parsers (hints_malformed > 0) and
#    /proc/net/flowmon has one line per flow of the dump, equal to it;
#  - no kernel warning (the VM run checks the log).

. "$(dirname "$0")/lib.sh"

require_root_tools nft modprobe
modprobe tun 2>/dev/null
[ -c /dev/net/tun ] || skip "no /dev/net/tun (the tun module)"
# The namespace's table must hold every flow: a container's budget too.
flowmon_reload max_flows_containers=1000000
NS_F=ns_fuzz_$$
netns_make "$NS_F"
ip -n "$NS_F" tuntap add dev fz0 mode tap || die "cannot make a tap device"
ip -n "$NS_F" addr add 10.6.0.1/24 dev fz0
ip -n "$NS_F" addr add fd06::1/64 dev fz0 nodad
ip -n "$NS_F" link set fz0 up
fc "$NS_F" config max_flows=1000000 >/dev/null || die "config max_flows"
long_timeouts "$NS_F"
ip netns exec "$NS_F" nft -f - <<'EOF' || die "nft"
table inet fuzz {
	chain pre { type filter hook prerouting priority -400; iif != lo counter; }
	chain out { type filter hook output priority -400; counter; }
}
EOF

# hooked: the packets nftables counted at prerouting and output.
hooked()
{
	nft_packets "$NS_F" inet fuzz
}

# A monitor for the records that end, subscribed once it has seen one start.
bg mon "$NS_F" "$FLOWCTL" -j monitor --buffer 1G
MON=$BG_PID
ip netns exec "$NS_F" $TRAFFIC udp-send 10.6.0.99 9 --count 1 --size 1 \
	>/dev/null || die "udp-send"
wait_until 60 has_output mon || die "the monitor saw no event"

FRAMES=$(scaled 20000 100000)
log "pktfuzz.py: $FRAMES frames into fz0, seed 1"
ip netns exec "$NS_F" $PY "$SELFTEST_DIR/pktfuzz.py" fz0 --count "$FRAMES" \
	--seed 1 >"$TMPD/fuzz.out" || die "pktfuzz.py failed"

# The namespace may still send (neighbour solicitations for a reply): read
# the table and the stats between two equal counts.
still()
{
	local before after
	before=$(hooked) || return 1
	snap "$NS_F" "$TMPD/flows.json"
	stats_json "$NS_F" "$TMPD/stats.json"
	ip netns exec "$NS_F" cat /proc/net/flowmon >"$TMPD/proc.txt"
	after=$(hooked) || return 1
	HOOKED=$after
	[ "$before" = "$after" ]
}
wait_until 120 still || die "the namespace never stopped sending"
kill -INT "$MON"
bg_wait "$MON" 60 || die "the monitor did not exit: $(cat "$TMPD/mon.err")"
expect_eq "the monitor's complaints" "" "$(cat "$TMPD/mon.err")"

out=$($PY - "$TMPD" "$HOOKED" <<'PYEOF'
import json, re, sys
d, hooked = sys.argv[1], int(sys.argv[2])
flows = json.load(open(d + "/flows.json"))
stats = json.load(open(d + "/stats.json"))
ended = [e for e in map(json.loads, open(d + "/mon.out"))
         if e["event"] == "destroy"]
L5 = {"dns", "mdns", "llmnr", "dhcp", "ntp", "tls", "quic", "http", "ssh",
      "smtp", "imap", "pop3", "ftp", "bittorrent", "wireguard", "esp", "ah"}
NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")

def check(what, ok, detail=""):
    print("%s - %s%s" % ("ok" if ok else "not ok", what,
                         "" if ok else ": " + str(detail)))

def impossible(f):
    why = []
    iphdr = 20 if f["family"] == "ipv4" else 40
    if f["packets_up"] + f["packets_down"] < 1:
        why.append("no packet")
    for dir in ("up", "down"):
        p, b, pl = f["packets_" + dir], f["bytes_" + dir], f["payload_" + dir]
        if not iphdr * p <= b <= 65535 * p:
            why.append("%d bytes in %d packets %s" % (b, p, dir))
        if pl > b:
            why.append("payload %d > bytes %d %s" % (pl, b, dir))
    if f["first_seen"] > f["last_seen"]:
        why.append("first_seen after last_seen")
    if "l5" in f and f["l5"] not in L5:
        why.append("l5 %r" % f["l5"])
    name = f.get("name")
    if name is not None and (len(name) > 253 or not NAME.match(name)):
        why.append("name %r" % name)
    return why

count = lambda fl: sum(f["packets_up"] + f["packets_down"] for f in fl)
packets, gone = count(flows), count(ended)
told = packets + gone + stats["parse_errors"] + stats["fragments"] + \
    stats["untracked"]
check("%d packets hooked = %d in %d flows + %d in %d ended + %d parse errors"
      " + %d fragments + %d untracked"
      % (hooked, packets, len(flows), gone, len(ended), stats["parse_errors"],
         stats["fragments"], stats["untracked"]), hooked == told,
      "%d != %d" % (hooked, told))
check("records: %d created = %d in the table + %d ended, each with its event"
      % (stats["created"], len(flows), stats["destroyed"]),
      stats["created"] == len(flows) + stats["destroyed"] and
      stats["destroyed"] == len(ended), json.dumps(stats))
bad = [(e["id"], impossible(e)) for e in ended if impossible(e)]
check("no ended flow with impossible values", not bad, bad[:5])
bad = [(f["id"], impossible(f)) for f in flows if impossible(f)]
check("no flow with impossible values", not bad, bad[:5])
named = sum(1 for f in flows if "name" in f)
check("the hint parsers saw broken payloads (%d malformed, %d flows named)"
      % (stats["hints_malformed"], named), stats["hints_malformed"] > 0)
proc = open(d + "/proc.txt").read().splitlines()
check("/proc/net/flowmon: a header and %d lines" % len(flows),
      len(proc) == len(flows) + 1, len(proc))
PYEOF
) || die "checking the flows: python failed"
report_checks <<<"$out"
check "/proc/net/flowmon equals the dump" \
	flowq proc-vs-json "$TMPD/proc.txt" "$TMPD/flows.json"
finish
