#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod flowmon while it works, 5 times (20 in `make stress`): each round loads the module,
# waits until traffic (one steady UDP flow, and new flows of a raw protocol
# to 100 addresses), a loop of `flowctl -j list`, a monitor and a loop of
# /proc/net/flowmon readers all run against it, then unloads it under them.
#  - rmmod succeeds within the round (retried while a dump in progress
#    holds the module, as it must: "in use" is the only failure allowed);
#  - the monitor then exits 0, saying that the module was unloaded;
#  - the dump and /proc loops run on against an absent module, each
#    flowctl failing with its "not loaded" error, no other (a dump that
#    raced the unload says the same), or noting that the table changed
#    during its dump;
#  - the traffic never stops (its sender fails on no packet);
#  - no kernel warning (the VM run checks the log).
# The module is left loaded.

. "$(dirname "$0")/lib.sh"

ROUNDS=$(scaled 5 20)
require_root_tools
flowmon_load
setup_pair --no-ipv6
udp_server usink sink 7000
# The raw flows' addresses lead to the server's link, where they end: with
# no neighbour to resolve, the sender never waits on a full queue (ENOBUFS).
mac_s=$(ip -n "$NS_S" -br link show veth_s | awk '{print $3}')
for i in $(seq 100 199); do
	echo "neigh replace 10.0.1.$i lladdr $mac_s dev veth_c nud permanent"
done | ip -n "$NS_C" -batch - || die "neighbours for the raw flows"
bg usend "$NS_C" $TRAFFIC udp-send $S4 7000 --count 100000000 --size 100 \
	--interval 0.01 --duration 3600
USEND=$BG_PID
bg raw "$NS_C" $TRAFFIC raw-addrs 10.0.1.100 --count 100 --proto 253 \
	--rate 200 --duration 3600
RAW=$BG_PID
bg dumps "$NS_C" bash -c "while :; do '$FLOWCTL' -j list >/dev/null 2>>'$TMPD/dump-errors'; done"
DUMPS=$BG_PID
bg procs "$NS_C" bash -c 'while :; do cat /proc/net/flowmon >/dev/null 2>&1; done'
PROCS=$BG_PID

# rmmod_done: true once rmmod succeeded; false while the module is in use.
rmmod_done()
{
	local err
	err=$(rmmod flowmon 2>&1) && return 0
	case $err in
	*"in use"*) BUSY=$((BUSY + 1)); return 1 ;;
	esac
	die "rmmod flowmon: $err"
}

# working: a flow of each kind in the table, and the monitor has printed.
# Flushing the raw flows makes events (DESTROY, then NEW as they come back)
# for a monitor that subscribed after the flows were new.
working()
{
	WHY="no UDP flow to port 7000"
	flow_count "$NS_C" server_port=7000
	[ "$FV" = 1 ] || return 1
	kill -0 "$USEND" || die "the UDP sender died: $(cat "$TMPD/usend.err")"
	kill -0 "$RAW" || die "the raw sender died: $(cat "$TMPD/raw.err")"
	WHY="no flow of protocol 253"
	flow_count "$NS_C" proto=253
	[ "$FV" -gt 0 ] || return 1
	WHY="no monitor output (stderr: $(cat "$TMPD/mon$round.err"))"
	has_output "mon$round" && return 0
	fc "$NS_C" flush --proto 253 >/dev/null
	return 1
}

BUSY=0
unloaded=0
for round in $(seq $ROUNDS); do
	flowmon_load
	bg "mon$round" "$NS_C" "$FLOWCTL" monitor
	mon=$BG_PID
	wait_until 120 working || die "round $round: flowmon never worked: $WHY"
	wait_until 120 rmmod_done || die "round $round: rmmod never succeeded"
	rc=0
	bg_wait "$mon" 60 || rc=$?
	if [ $rc = 0 ] && grep -qx "flowctl: the flowmon module was unloaded" \
		"$TMPD/mon$round.err"; then
		unloaded=$((unloaded + 1))
	else
		fail "round $round: monitor status $rc: $(cat "$TMPD/mon$round.err")"
	fi
done
expect_eq "rounds whose monitor said the module was unloaded" $ROUNDS $unloaded
log "rmmod found the module in use $BUSY times"
check "the UDP sender still runs" kill -0 "$USEND"
check "the raw sender still runs" kill -0 "$RAW"
check "the dump loop still runs" kill -0 "$DUMPS"
check "the /proc loop still runs" kill -0 "$PROCS"
bg_stop "$DUMPS"
bg_stop "$PROCS"
others=$(grep -v -e "not loaded" -e "the table changed during the dump" \
	"$TMPD/dump-errors" | sort | uniq -c | head -n 5)
expect_eq "flowctl errors other than \"not loaded\"" "" "$others"
flowmon_load
finish
