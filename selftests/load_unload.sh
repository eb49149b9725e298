#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# With traffic running between the namespaces (ping -i 0.05 and a UDP sender
# every 0.05 s), `rmmod flowmon; insmod flowmon.ko` twice. While unloaded,
# `flowctl list` exits 1 with one stderr line saying "not loaded" and
# "modprobe", and /proc/net/flowmon is gone. After each insmod the ping and UDP
# flows reappear, first seen after the insmod, and their packet counts keep
# growing. The kernel must not be tainted by a warning, oops or lockup. The
# module is left loaded, the traffic stopped.

. "$(dirname "$0")/lib.sh"

require_root_tools ping
flowmon_load
setup_pair

BAD_TAINT=$(( (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14) ))	# B D W L
taint0=$(cat /proc/sys/kernel/tainted)
ID=$(( $$ % 50000 + 1000 ))
ICMP="family=ipv4,proto=icmp,client=$C4,server=$S4,client_port=$ID"
UDP="family=ipv4,proto=udp,client=$C4,server=$S4,server_port=7000"

udp_server usink sink 7000
bg ping "$NS_C" ping -q -i 0.05 -w 600 -e $ID $S4
PING=$BG_PID
bg usend "$NS_C" $TRAFFIC udp-send $S4 7000 --count 100000000 --size 100 \
	--interval 0.05 --duration 600
USEND=$BG_PID
wait_until 30 flow_field_ge "$NS_C" "$ICMP" packets_up 3 ||
	die "the ping flow did not show up before the first rmmod"

for round in 1 2; do
	log "round $round: rmmod flowmon"
	if ! err=$(rmmod flowmon 2>&1); then
		dmesg | tail -n 20 | sed 's/^/#   dmesg: /'
		die "rmmod flowmon: $err"
	fi
	check "round $round: flowmon gone from /sys/module" wait_until 30 eval '! module_loaded'
	check "round $round: no /proc/net/flowmon while unloaded" \
		ip netns exec "$NS_C" test ! -e /proc/net/flowmon
	if [ $round -eq 1 ]; then
		rc=0
		fc "$NS_C" list >"$TMPD/nl.out" 2>"$TMPD/nl.err" || rc=$?
		expect_eq "flowctl list exit status without the module" 1 $rc
		expect_eq "flowctl list stderr lines" 1 "$(wc -l <"$TMPD/nl.err")"
		check "stderr says 'not loaded' and 'modprobe' ($(head -c 200 "$TMPD/nl.err"))" \
			eval 'grep -q "not loaded" "$TMPD/nl.err" && grep -q modprobe "$TMPD/nl.err"'
		expect_eq "flowctl list stdout bytes without the module" 0 \
			"$(wc -c <"$TMPD/nl.out")"
	fi

	log "round $round: insmod flowmon.ko"
	tload=$(now_ns)
	flowmon_insmod
	if wait_until 30 flow_field_ge "$NS_C" "$ICMP" packets_up 1; then
		ok "round $round: ping flow reappeared"
	else
		fail "round $round: ping flow did not reappear"
	fi
	if wait_until 30 flow_field_ge "$NS_C" "$UDP" packets_up 1; then
		ok "round $round: UDP flow reappeared"
	else
		fail "round $round: UDP flow did not reappear"
	fi
	flow_count "$NS_C" -
	check "round $round: client table non-empty ($FV flows)" [ "$FV" -ge 2 ]
	flow_count "$NS_S" -
	check "round $round: server table non-empty ($FV flows)" [ "$FV" -ge 2 ]
	flow_get "$NS_C" "$ICMP" first_seen
	check "round $round: ping flow first seen after the insmod ($FV >= $tload)" \
		[ "${FV:-0}" -ge "$tload" ]
	flow_get "$NS_C" "$ICMP" packets_up
	p1=${FV:-0}
	flow_get "$NS_C" "$UDP" packets_up
	u1=${FV:-0}
	check "round $round: ping packets_up grows past $((p1 + 5))" \
		wait_until 30 flow_field_ge "$NS_C" "$ICMP" packets_up $((p1 + 5))
	check "round $round: ping packets_down grows" \
		wait_until 30 flow_field_ge "$NS_C" "$ICMP" packets_down 2
	check "round $round: UDP packets_up grows past $((u1 + 5))" \
		wait_until 30 flow_field_ge "$NS_C" "$UDP" packets_up $((u1 + 5))
done

bg_stop $PING
bg_stop $USEND
check "module left loaded" module_loaded
taint1=$(cat /proc/sys/kernel/tainted)
check "no new B/D/W/L taint (tainted $taint0 -> $taint1)" \
	[ $(( (taint1 & ~taint0) & BAD_TAINT )) -eq 0 ]
finish
