#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# After mixed traffic (IPv4 TCP closed, IPv6 TCP open, UDP sink and echo,
# ICMP and ICMPv6 echo), in both namespaces and with no traffic running:
# /proc/net/flowmon has the header line and exactly as many rows as
# `flowctl -j list` has objects, and every row equals its object field by
# field (addresses, ports, states, counters, first/last seen).

. "$(dirname "$0")/lib.sh"

require_root_tools ping
flowmon_load
setup_pair
# Keep every record for the whole test, however slow the machine: this
# test compares two views of the table, not its lifetime.
for ns in "$NS_C" "$NS_S"; do
	ip netns exec "$ns" "$FLOWCTL" config timeout_udp=3600 \
		timeout_udp_stream=3600 timeout_icmp=3600 >/dev/null ||
		die "cannot raise the timeouts in $ns"
done

log "mixed traffic"
tcp_server tsrv 5201 3000 7000
ip netns exec "$NS_C" $TRAFFIC tcp-client $S4 5201 --send 3000 --recv 7000 \
	--settle 0 >"$TMPD/tcli.out" || die "tcp-client to $S4 failed"
bg_wait "$BG_PID" 60 || die "tcp-server exited non-zero"
tcp_hold $S6 5202
udp_server usink sink 5300
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 5300 --count 5 --size 100 >/dev/null
ip netns exec "$NS_C" $TRAFFIC udp-send $S6 5300 --count 5 --size 100 >/dev/null
udp_server uecho echo 5301
ip netns exec "$NS_C" $TRAFFIC udp-send $S6 5301 --count 2 --size 10 --echo >/dev/null
ip netns exec "$NS_C" $TRAFFIC udp-send $S4 5301 --count 2 --size 10 --echo >/dev/null
ip netns exec "$NS_C" ping -4 -c 2 -i 0.2 -W 10 $S4 >/dev/null || die "ping $S4 failed"
ip netns exec "$NS_C" ping -6 -c 2 -i 0.2 -W 10 $S6 >/dev/null || die "ping $S6 failed"
wait_until 30 flow_field_is "$NS_C" "proto=tcp,server_port=5201" state TIME-WAIT/CLOSED ||
	log "note: the IPv4 connection is not in TIME-WAIT/CLOSED yet"

# Stable snapshots: the list before and after reading /proc must be equal,
# so nothing (e.g. IPv6 neighbour discovery) changed the table in between.
stable_snapshots()
{
	local ns=$1 tag=$2 i
	for i in $(seq 1 20); do
		snap "$ns" "$TMPD/$tag-a.json"
		ip netns exec "$ns" cat /proc/net/flowmon >"$TMPD/$tag.proc" ||
			die "cannot read /proc/net/flowmon in $ns"
		snap "$ns" "$TMPD/$tag-b.json"
		if cmp -s "$TMPD/$tag-a.json" "$TMPD/$tag-b.json"; then
			return 0
		fi
		sleep 0.5
	done
	log "note: the table kept changing; comparing the last snapshots"
}

for ns in "$NS_C" "$NS_S"; do
	tag=${ns%%_[0-9]*}
	stable_snapshots "$ns" "$tag"
	n=$(flowq count "$TMPD/$tag-a.json" -)
	log "$ns: $n flows"
	flowq show "$TMPD/$tag-a.json" | sed 's/^/#   /'
	check "$ns: at least the 8 generated flows are listed" [ "$n" -ge 8 ]
	out=$(flowq proc-vs-json "$TMPD/$tag.proc" "$TMPD/$tag-a.json") && rc=0 || rc=$?
	echo "$out"
	if [ $rc -eq 0 ]; then
		ok "$ns: /proc/net/flowmon matches flowctl -j list"
	else
		fail "$ns: /proc/net/flowmon differs from flowctl -j list"
	fi
done

tcp_release 5202
finish
