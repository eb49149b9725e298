#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN flood through the router netns R (see lib_router.sh), with a small
# table. flowmon.ko is loaded with max_flows=64 hashsize=1024 and a large
# max_flows_containers (so that L's and P's tables, which see the flood
# too, never take R's share), and loaded again without parameters at the
# end. IPv6 is off: R sees nothing but the test's packets.
#
# 1. 10 real TCP connections from L (10.1.0.2) to an echo server in P
#    (10.2.0.2:7000) through R, held open: 10 ESTABLISHED flows in R.
#    Then 1000 spoofed SYNs (craft.py flood: distinct random sources in
#    10.4.0.0/24, to 10.3.0.5:80). In R afterwards:
#    - the 10 connections' flows are all there, same ids, ESTABLISHED
#    - active == max_flows (64), created - destroyed == active
#    - created +1000, evicted_embryonic +946 (1000 - the 54 free slots),
#      untracked, evicted_closed, expired +0
#    - the 54 SYN flows left are all SYN-SENT/SYN-RECEIVED (never
#      ESTABLISHED) and are the last 54 SYNs sent: the oldest embryonic
#      flow goes first; tcp_states ESTABLISHED == 10
#    - every SYN came out of R: P received exactly the 1000 SYNs sent
#      (counted by an AF_PACKET socket on P's link)
#    - the connections still work: 1000 more bytes echoed on each, the
#      flows' payload counts grow by exactly that (plus retransmissions)
# 2. Reloaded with max_flows=10: the 10 connections fill the table with
#    ESTABLISHED flows only. 1000 SYNs: untracked +1000, created,
#    destroyed and evictions +0, no flow for them, all 1000 forwarded,
#    the connections' flows unchanged and still working.

. "$(dirname "$0")/lib_router.sh"

require_root_tools
SYNS=1000
CONNS=10
BIG=1048576

# flood NAME SEED: SYNS spoofed SYNs from L; sent and received in $TMPD/NAME.out
flood()
{
	if ! $CRAFT flood --client-ns "$NS_L" --server-ns "$NS_P" \
		--server-dev veth_p --server $VS4 --port 80 --net 10.4.0.0/24 \
		--count $SYNS --seed "$2" --record "$TMPD/$1.sent" \
		>"$TMPD/$1.out" 2>"$TMPD/$1.err"; then
		die "craft.py flood: $(cat "$TMPD/$1.err")"
	fi
	log "flood: $(cat "$TMPD/$1.out")"
	json_num "$TMPD/$1.out" sent
	expect_eq "SYNs sent" $SYNS "$FV"
	json_num "$TMPD/$1.out" received
	expect_eq "SYNs that came out of R at P (flowmon never drops)" $SYNS "$FV"
}

# --- 1: max_flows=64, a table with room for embryonic flows ------------------------
MAX=64
rt_reload max_flows=$MAX hashsize=1024 max_flows_containers=$BIG
router_setup noipv6
EST="family=ipv4,proto=tcp,client=$L4,server=$P4,server_port=7000"
SYNF="family=ipv4,proto=tcp,server=$VS4,server_port=80"

log "$CONNS connections $L4 -> $P4:7000 through R"
rt_conns_up conns1 7000
snap "$NS_R" "$TMPD/r1_before.json"
rt_count "the connections: ESTABLISHED flows in R" "$TMPD/r1_before.json" \
	"$EST,state=ESTABLISHED" $CONNS
rt_stats "$NS_R" s0
rt_stat s0 max_flows
expect_eq "stats max_flows" $MAX "$FV"
rt_stat s0 active
expect_eq "stats active before the flood" $CONNS "$FV"

log "$SYNS spoofed SYNs to $VS4:80"
flood flood1 1
snap "$NS_R" "$TMPD/r1_after.json"
rt_stats "$NS_R" s1
rt_flows_same "the connections' flows survive the flood" \
	"$TMPD/r1_before.json" "$TMPD/r1_after.json" "$EST" $CONNS
rt_flood_stats s0 s1 $MAX $SYNS
rt_stat s1 tcp_states.ESTABLISHED
expect_eq "stats tcp_states ESTABLISHED" $CONNS "$FV"
rt_pycheck "SYN flows: never ESTABLISHED, the newest $((MAX - CONNS)) SYNs sent" '
import json
import flowq
fl = flowq.select(json.load(open(sys.argv[1])), sys.argv[2])
n = int(sys.argv[4])
sent = [tuple(l.split()) for l in open(sys.argv[3])]
newest = set((a, int(p)) for a, p in sent[-n:])
print("# %s - %d SYN flows in R (expected %d)"
      % ("ok" if len(fl) == n else "not ok", len(fl), n))
bad = [f for f in fl if f.get("client_state") != "SYN-SENT"
       or f.get("server_state") != "SYN-RECEIVED"]
print("# %s - all SYN-SENT/SYN-RECEIVED (%d are not)"
      % ("not ok" if bad else "ok", len(bad)))
for f in bad[:3]:
    print("#   " + flowq.brief(f))
have = set((f["client"], f["client_port"]) for f in fl)
print("# %s - they are the last %d SYNs sent (%d are older)"
      % ("ok" if have == newest else "not ok", n, len(have - newest)))
' "$TMPD/r1_after.json" "$SYNF" "$TMPD/flood1.sent" $((MAX - CONNS))

log "the connections after the flood"
rt_conns_echo conns1
snap "$NS_R" "$TMPD/r1_echo.json"
rt_flows_same "the connections' flows after the echo" \
	"$TMPD/r1_before.json" "$TMPD/r1_echo.json" "$EST" $CONNS
rt_payload_grew "$TMPD/r1_echo.json" "$EST" 1100
rt_conns_close conns1 7000

# --- 2: max_flows=10, a table full of ESTABLISHED flows ---------------------------
MAX=$CONNS
rt_reload max_flows=$MAX hashsize=1024 max_flows_containers=$BIG
EST="family=ipv4,proto=tcp,client=$L4,server=$P4,server_port=7001"
log "max_flows=$MAX: $CONNS connections $L4 -> $P4:7001 fill R's table"
rt_conns_up conns2 7001
snap "$NS_R" "$TMPD/r2_before.json"
rt_count "the connections: ESTABLISHED flows in R" "$TMPD/r2_before.json" \
	"$EST,state=ESTABLISHED" $CONNS
rt_stats "$NS_R" t0
rt_stat t0 max_flows
expect_eq "stats max_flows" $MAX "$FV"
rt_stat t0 active
expect_eq "stats active: the table is full" $MAX "$FV"

log "$SYNS spoofed SYNs to $VS4:80, no room"
flood flood2 2
snap "$NS_R" "$TMPD/r2_after.json"
rt_stats "$NS_R" t1
rt_stat_deltas t0 t1 untracked=$SYNS created=0 destroyed=0 \
	evicted_embryonic=0 evicted_closed=0 active=0
rt_count "no flow for the SYNs" "$TMPD/r2_after.json" "$SYNF" 0
rt_flows_same "the connections' flows are untouched" \
	"$TMPD/r2_before.json" "$TMPD/r2_after.json" "$EST" $CONNS
rt_conns_echo conns2
snap "$NS_R" "$TMPD/r2_echo.json"
rt_payload_grew "$TMPD/r2_echo.json" "$EST" 1100
rt_conns_close conns2 7001

check "flowmon.ko loaded again without parameters" rt_restore
rt_finish
