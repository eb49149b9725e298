#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A new connection on the quad of a finished one (port reuse). Two quads,
# side by side; on each the client binds a fixed source port (SO_REUSEADDR)
# and connects twice:
#  6701, client port 40001: the server closes first (CLOSED/TIME-WAIT,
#        history ShADadfF); the server's TIME-WAIT socket takes the second
#        SYN, as Linux does for a SYN with newer timestamps.
#  6702, client port 40002: the client closes first (TIME-WAIT/CLOSED,
#        history ShADadFf); net.ipv4.tcp_tw_reuse=1 in the client netns lets
#        it reuse its own TIME-WAIT quad once a second has passed.
# The second connections (500 bytes up, 700 down) are held open: then, in
# both namespaces, each quad has exactly one record: ESTABLISHED, history
# ShADad, fresh counters (payload 500/700), a new id above the old one,
# first_seen not before the old record's last_seen, not picked up; the stats
# deltas are reused 2, created 2, destroyed 2, expired 0, active and memory
# 0 (a record replaced by one of the same size). After the
# clients close: TIME-WAIT/CLOSED, history ShADadFf. IPv4 only (IPv6 off:
# no background flows that could expire meanwhile).

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
SHOW_FLOWS_ON_FAIL=1
setup_pair --no-ipv6
ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_tw_reuse=1 ||
	die "cannot set net.ipv4.tcp_tw_reuse in $NS_C"

D=$TMPD
declare -A CPORT=([6701]=40001 [6702]=40002)
declare -A OLD_ID OLD_LAST CLI2

filt()
{
	echo "family=ipv4,proto=tcp,client=$C4,client_port=${CPORT[$1]},server=$S4,server_port=$1"
}

log "first connections: 6701 (the server closes first), 6702 (the client closes first)"
tcp_listen_start s1-6701 6701 recv:1000 send:1000 acked sleep:0.3 close
srv1=$BG_PID
tcp_listen_start s1-6702 6702 recv:1000 send:1000 acked eof close
srv2=$BG_PID
wait_listen "$NS_S" tcp 6701
wait_listen "$NS_S" tcp 6702
tcp_connect c1-6701 --bind-port 40001 $S4 6701 send:1000 recv:1000 eof close
cli1=$BG_PID
tcp_connect c1-6702 --bind-port 40002 $S4 6702 send:1000 recv:1000 acked \
	sleep:0.3 close
cli2=$BG_PID
wait_done 60 c1-6701 "$cli1"
wait_done 60 s1-6701 "$srv1"
wait_done 60 c1-6702 "$cli2"
wait_done 60 s1-6702 "$srv2"
for ns in "$NS_C" "$NS_S"; do
	settle_state "$ns" 6701 CLOSED/TIME-WAIT
	settle_state "$ns" 6702 TIME-WAIT/CLOSED
done
t_closed=$(date +%s%N)

snap "$NS_C" "$D/first-ns_client.json"
check_flow "6701 after the first connection: CLOSED/TIME-WAIT, ShADadfF" \
	"$D/first-ns_client.json" "$(filt 6701)" state=CLOSED/TIME-WAIT \
	client_state=CLOSED server_state=TIME-WAIT history=ShADadfF \
	payload_up=1000 payload_down=1000
check_flow "6702 after the first connection: TIME-WAIT/CLOSED, ShADadFf" \
	"$D/first-ns_client.json" "$(filt 6702)" state=TIME-WAIT/CLOSED \
	client_state=TIME-WAIT server_state=CLOSED history=ShADadFf \
	payload_up=1000 payload_down=1000
snap "$NS_S" "$D/first-ns_server.json"
for ns in "$NS_C" "$NS_S"; do
	stats_json "$ns" "$D/stats0-${ns%_*}.json"
done
# The id and last_seen of the old records, in each netns: "PORTns ID LAST"
while read -r key id last; do
	OLD_ID[$key]=$id
	OLD_LAST[$key]=$last
done < <($PY -c '
import json, sys
for n in ("ns_client", "ns_server"):
    flows = json.load(open("%s/first-%s.json" % (sys.argv[1], n)))
    for port, cport in ((6701, 40001), (6702, 40002)):
        m = [f for f in flows if f["proto"] == "tcp" and
             f["server_port"] == port and f["client_port"] == cport]
        if len(m) == 1:
            print("%d%s %d %d" % (port, n, m[0]["id"], m[0]["last_seen"]))
' "$D")
for k in 6701ns_client 6702ns_client 6701ns_server 6702ns_server; do
	[ -n "${OLD_ID[$k]:-}" ] || die "no single first record for $k"
done

# tcp_tw_reuse wants the TIME-WAIT's last timestamp a second old (in whole
# seconds): wait 2.1 s from the close.
while [ $(( $(date +%s%N) - t_closed )) -lt 2100000000 ]; do
	sleep 0.2
done

log "second connections on the same quads, held open"
tcp_listen_start s2-6701 6701 recv:500 send:700 acked eof close
srv1=$BG_PID
tcp_listen_start s2-6702 6702 recv:500 send:700 acked eof close
srv2=$BG_PID
wait_listen "$NS_S" tcp 6701
wait_listen "$NS_S" tcp 6702
for p in 6701 6702; do
	tcp_connect c2-$p --bind-port ${CPORT[$p]} $S4 $p send:500 recv:700 \
		acked sleep:0.3 touch:"$D/open-$p" wait:"$D/release" close
	CLI2[$p]=$BG_PID
done
wait_file 60 "$D/open-6701" c2-6701 s2-6701
wait_file 60 "$D/open-6702" c2-6702 s2-6702

for ns in "$NS_C" "$NS_S"; do
	n=${ns%_*}
	f="$D/second-$n.json"
	snap "$ns" "$f"
	for p in 6701 6702; do
		expect_eq "$ns: records of the quad $C4:${CPORT[$p]} - $S4:$p" 1 \
			"$(flowq count "$f" "$(filt $p)")"
		check_flow "$ns: $p, second connection: a new record, ESTABLISHED, ShADad" \
			"$f" "$(filt $p)" state=ESTABLISHED client_state=ESTABLISHED \
			server_state=ESTABLISHED history=ShADad picked_up=false \
			payload_up=500 payload_down=700 id!="${OLD_ID[$p$n]}"
		flow_vars "$f" "$(filt $p)" id first_seen
		if [ "$F_id" -gt "${OLD_ID[$p$n]}" ]; then
			ok "$ns: $p: new id $F_id > old id ${OLD_ID[$p$n]}"
		else
			fail "$ns: $p: new id $F_id, expected above the old id ${OLD_ID[$p$n]}"
		fi
		# Not before: both may fall in one tick of the coarse clock.
		if [ "$F_first_seen" -ge "${OLD_LAST[$p$n]}" ]; then
			ok "$ns: $p: first_seen $F_first_seen >= the old record's last_seen ${OLD_LAST[$p$n]}"
		else
			fail "$ns: $p: first_seen $F_first_seen, expected not before the old record's last_seen ${OLD_LAST[$p$n]}"
		fi
	done
	stats_json "$ns" "$D/stats1-$n.json"
	check_stats_delta "$ns" "$D/stats0-$n.json" "$D/stats1-$n.json" \
		reused=2 created=2 destroyed=2 expired=0 evicted_closed=0 \
		evicted_embryonic=0 active=0 memory=0
done

log "the clients close first"
touch "$D/release"
for p in 6701 6702; do
	wait_done 60 c2-$p "${CLI2[$p]}"
done
wait_done 60 s2-6701 "$srv1"
wait_done 60 s2-6702 "$srv2"
for p in 6701 6702; do
	settle_state "$NS_C" $p TIME-WAIT/CLOSED
done
snap "$NS_C" "$D/end.json"
for p in 6701 6702; do
	check_flow "client netns: $p, second connection closed: TIME-WAIT/CLOSED, ShADadFf" \
		"$D/end.json" "$(filt $p)" state=TIME-WAIT/CLOSED \
		client_state=TIME-WAIT server_state=CLOSED history=ShADadFf \
		payload_up=500 payload_down=700
done
finish
