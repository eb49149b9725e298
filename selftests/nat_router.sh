#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# flowmon on a NAT router: one record per connection, keyed by conntrack's
# original tuple, with the translation. lib_router.sh's L - R - P with real
# sockets in L and P; R's nftables:
#   masquerade of L's 10.1.0.2 / fd01::2 out towards P: TCP ports into
#     20000-20999, echo identifiers into 40000-40999 (always translated)
#   port forward (DNAT) of R's 10.2.0.1:8080 / [fd02::1]:8081 to a server
#     in L, 10.1.0.2:80 / [fd01::2]:81
#   nothing for L's second address 10.1.0.3 / fd01::3
# GRO, GSO and TSO are off on every veth: conntrack and flowmon count the
# same wire packets. Over IPv4 and IPv6, each TCP connection carries 1000
# bytes up and 2000 down, and the client closes first:
#   masq  L -> P:5001 / P:5002 through the masquerade (snat)
#   fwd   P -> R:8080 / R:8081 through the port forward (dnat)
#   plain L's second address -> P's second address :5003 / :5004 (no NAT)
#   echo  ping -c 4 L -> P through the masquerade (snat, new identifier)
# In R's table, against R's own conntrack entries (accounting on): exactly
# one record per connection, keyed by the original tuple; packets and
# bytes each way == conntrack's of each direction; snat, dnat, nat_client,
# nat_client_port, nat_server, nat_server_port == conntrack's reply tuple
# (absent without NAT), the same in the 5 last columns of /proc/net/flowmon
# and `flowctl list -o plain` (- without NAT); client_state and
# server_state == what ss shows on each endpoint (TIME-WAIT, and no socket:
# CLOSED); each echo flow 4 packets each way, 4 * 84 / 4 * 104 bytes.
# `flowctl get` by the original tuple prints the flow's list line;
# `list --nat`, `--nat-addr` and `--nat-port` list exactly the expected
# flows; `flush --nat-port 80-81` removes the two forwarded ones. `flowctl
# monitor -j` in R shows the translation in every STATE event of the
# masqueraded connections, and in the DESTROY events of that flush.

. "$(dirname "$0")/lib_router.sh"

require_root_tools ping nft conntrack ethtool
modprobe nf_conntrack || die "modprobe nf_conntrack"
flowmon_load
SHOW_FLOWS_ON_FAIL=1
D=$TMPD

step "L - R - P with second addresses in L and P, offloads off, conntrack accounting in R"
router_setup
L4B=10.1.0.3
P4B=10.2.0.3
L6B=fd01::3
P6B=fd02::3
# L reaches P's second addresses from its own second ones (the routes'
# preferred source; the second IPv6 addresses are deprecated, so that no
# other connection starts from them); P answers from the addresses the
# connection has.
rt_ip "$NS_L" <<EOF
addr add $L4B/24 dev veth_l
addr add $L6B/64 dev veth_l nodad preferred_lft 0
route add $P4B/32 via $RL4 src $L4B
route add $P6B/128 via $RL6 src $L6B
EOF
rt_ip "$NS_P" <<EOF
addr add $P4B/24 dev veth_p
addr add $P6B/64 dev veth_p nodad preferred_lft 0
EOF
rt_ip "$NS_R" <<EOF
neigh replace $L4B lladdr $MAC_L dev veth_rl nud permanent
neigh replace $L6B lladdr $MAC_L dev veth_rl nud permanent
neigh replace $P4B lladdr $MAC_P dev veth_rp nud permanent
neigh replace $P6B lladdr $MAC_P dev veth_rp nud permanent
EOF
# Ephemeral ports away from the NAT ranges and the servers' ports.
for ns in "$NS_L" "$NS_P"; do
	rt_sysctl "$ns" net.ipv4.ip_local_port_range="50000 59999"
done
offloads_off "$NS_L" veth_l
offloads_off "$NS_P" veth_p
offloads_off "$NS_R" veth_rl veth_rp
ct_setup "$NS_R"
long_timeouts "$NS_R"
nft_load "$NS_R" <<EOF
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr $L4 oifname "veth_rp" meta l4proto tcp masquerade to :20000-20999
		ip saddr $L4 oifname "veth_rp" meta l4proto icmp masquerade to :40000-40999
	}
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "veth_rp" ip daddr $RP4 tcp dport 8080 dnat to $L4:80
	}
}
table ip6 nat {
	chain post {
		type nat hook postrouting priority srcnat;
		ip6 saddr $L6 oifname "veth_rp" meta l4proto tcp masquerade to :20000-20999
		ip6 saddr $L6 oifname "veth_rp" meta l4proto icmpv6 masquerade to :40000-40999
	}
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "veth_rp" ip6 daddr $RP6 tcp dport 8081 dnat to [$L6]:81
	}
}
EOF

step "a monitor in R, the servers"
bg mon "$NS_R" "$FLOWCTL" -j monitor
MON=$BG_PID
SRV="recv:1000 send:2000 acked info eof close"
CLI="send:1000 recv:2000 acked sleep:0.3 info close"
declare -A SPID CPID
for p in 5001 5002 5003 5004; do
	bg "s$p" "$NS_P" $TRAFFIC tcp-listen $p $SRV
	SPID[$p]=$BG_PID
done
for p in 80 81; do
	bg "s$p" "$NS_L" $TRAFFIC tcp-listen $p $SRV
	SPID[$p]=$BG_PID
done
for p in 5001 5002 5003 5004; do
	wait_listen "$NS_P" tcp $p
done
wait_listen "$NS_L" tcp 80
wait_listen "$NS_L" tcp 81
wait_until 30 monitor_joined "$NS_R" "$MON" || die "the monitor in R did not subscribe"

step "the pings, then the TCP connections, all at once"
ID4=$(( $$ % 10000 + 30000 ))
ID6=$(( ID4 + 1 ))
ip netns exec "$NS_L" ping -4 -c 4 -i 0.2 -W 10 -e $ID4 $P4 >"$D/ping4.out" 2>&1 ||
	die "ping $P4: $(cat "$D/ping4.out")"
ip netns exec "$NS_L" ping -6 -c 4 -i 0.2 -W 10 -e $ID6 $P6 >"$D/ping6.out" 2>&1 ||
	die "ping $P6: $(cat "$D/ping6.out")"
# conn SERVER_PORT NS ADDR PORT: the scripted client in NS to ADDR:PORT,
# named after the port of its server (behind R's translation).
conn()
{
	bg "c$1" "$2" $TRAFFIC tcp-connect "$3" "$4" $CLI
	CPID[$1]=$BG_PID
}
conn 5001 "$NS_L" $P4 5001
conn 5002 "$NS_L" $P6 5002
conn 5003 "$NS_L" $P4B 5003
conn 5004 "$NS_L" $P6B 5004
conn 80 "$NS_P" $RP4 8080
conn 81 "$NS_P" $RP6 8081
for p in 5001 5002 5003 5004 80 81; do
	wait_done 120 "c$p" "${CPID[$p]}"
	wait_done 120 "s$p" "${SPID[$p]}"
done
# CP[PORT]: the client's port, SP[PORT]: the client's port as the server
# saw it (a masquerade changes it). PU[PORT], PD[PORT]: the payload each
# way, what the application sent and what TCP_INFO says its TCP resent
# (after "acked": final; the emulator sometimes resends what was not lost).
declare -A CP SP PU PD
for p in 5001 5002 5003 5004 80 81; do
	json_num "$TMPD/c$p.out" local_port
	CP[$p]=$FV
	json_num "$TMPD/c$p.out" bytes_retrans
	PU[$p]=$((1000 + FV))
	json_num "$TMPD/s$p.out" peer_port
	SP[$p]=$FV
	json_num "$TMPD/s$p.out" bytes_retrans
	PD[$p]=$((2000 + FV))
done
log "client ports: ${CP[*]} (as the servers saw them: ${SP[*]})"

# states PORT CLIENT_SS SERVER_SS CLIENT_PEER_PORT SERVER_PORT: both
# endpoints' states from ss (a socket by its local and peer ports), in
# $ST_C and $ST_S.
states()
{
	ss_state "$2" "${CP[$1]}" "$4"
	ST_C=$FV
	ss_state "$3" "$5" "${SP[$1]}"
	ST_S=$FV
}
# The client's socket is in TIME-WAIT once the server's FIN came, the
# server's gone once the client's last ACK came: until every client
# shows TIME-WAIT and every server nothing (CLOSED).
ends_closed()
{
	local p
	ss_dump "$NS_L" "$D/ss-l"
	ss_dump "$NS_P" "$D/ss-p"
	for p in 5001 5002 5003 5004; do
		states $p "$D/ss-l" "$D/ss-p" $p $p
		[ "$ST_C $ST_S" = "TIME-WAIT CLOSED" ] || return 1
	done
	for p in 80 81; do
		states $p "$D/ss-p" "$D/ss-l" $((p + 8000)) $p
		[ "$ST_C $ST_S" = "TIME-WAIT CLOSED" ] || return 1
	done
}
# The clients' TIME-WAIT lasts 60 s: this comes first.
wait_until 60 ends_closed || log "the endpoints' sockets are not all closed after 60 s"
# R's records of the six connections: TIME-WAIT/CLOSED as soon as R has
# seen the last ACKs (one record each, keyed by the original tuple).
closed_all()
{
	tcp_rows_in "$NS_R" TIME-WAIT/CLOSED '^(5001|5002|5003|5004|8080|8081)$'
	[ "$FV" = 6 ]
}
wait_until 60 closed_all ||
	log "R: $FV of the 6 TCP records in TIME-WAIT/CLOSED after 60 s"

step "R's table against R's conntrack entries and the endpoints' sockets"
snap "$NS_R" "$D/all.json"
nsrun "$NS_R" 'cat /proc/net/flowmon >"$1/proc" && "$2" list -o plain >"$1/plain"' \
	"$D" "$FLOWCTL" || die "reading R's /proc/net/flowmon and flowctl list"
ct_dump "$NS_R" "$D/ct"

# expect_closed PORT CLIENT_SS SERVER_SS CLIENT_PEER_PORT SERVER_PORT: ss
# shows TIME-WAIT and nothing (CLOSED), as after any close where the
# client went first; $ST: those states, as flowmon's record must show them.
expect_closed()
{
	states "$@"
	expect_eq "connection to port $4: the client's socket (ss)" TIME-WAIT "$ST_C"
	expect_eq "connection to port $4: the server's socket (ss)" CLOSED "$ST_S"
	ST="client_state=$ST_C server_state=$ST_S"
}
expect_closed 5001 "$D/ss-l" "$D/ss-p" 5001 5001
ST4M=$ST
expect_closed 5002 "$D/ss-l" "$D/ss-p" 5002 5002
ST6M=$ST
expect_closed 5003 "$D/ss-l" "$D/ss-p" 5003 5003
ST4N=$ST
expect_closed 5004 "$D/ss-l" "$D/ss-p" 5004 5004
ST6N=$ST
expect_closed 80 "$D/ss-p" "$D/ss-l" 8080 80
ST4F=$ST
expect_closed 81 "$D/ss-p" "$D/ss-l" 8081 81
ST6F=$ST
LP4M=${CP[5001]}
LP6M=${CP[5002]}
LP4N=${CP[5003]}
LP6N=${CP[5004]}
LP4F=${CP[80]}
LP6F=${CP[81]}

# tcp_want PORT: what every TCP record must say, for the connection to PORT.
tcp_want()
{
	echo "state=TIME-WAIT/CLOSED payload_up=${PU[$1]} payload_down=${PD[$1]}"
}
check_ct_flows "$D/all.json" "$D/ct" --text "$D/proc" --text "$D/plain" \
	-- "IPv4 masquerade: $L4:$LP4M -> $P4:5001, seen by P from $RP4:20000-20999" \
	ipv4 tcp $L4 $LP4M $P4 5001 $(tcp_want 5001) $ST4M \
	snat=true dnat=false nat_client=$RP4 nat_client_port=${SP[5001]} \
	nat_server=$P4 nat_server_port=5001 nat_client_port!=$LP4M \
	-- "IPv6 masquerade: [$L6]:$LP6M -> [$P6]:5002, seen by P from [$RP6]:20000-20999" \
	ipv6 tcp $L6 $LP6M $P6 5002 $(tcp_want 5002) $ST6M \
	snat=true dnat=false nat_client=$RP6 nat_client_port=${SP[5002]} \
	nat_server=$P6 nat_server_port=5002 nat_client_port!=$LP6M \
	-- "IPv4 port forward: $P4:$LP4F -> $RP4:8080, reaching $L4:80" \
	ipv4 tcp $P4 $LP4F $RP4 8080 $(tcp_want 80) $ST4F \
	snat=false dnat=true nat_client=$P4 nat_client_port=${SP[80]} \
	nat_server=$L4 nat_server_port=80 \
	-- "IPv6 port forward: [$P6]:$LP6F -> [$RP6]:8081, reaching [$L6]:81" \
	ipv6 tcp $P6 $LP6F $RP6 8081 $(tcp_want 81) $ST6F \
	snat=false dnat=true nat_client=$P6 nat_client_port=${SP[81]} \
	nat_server=$L6 nat_server_port=81 \
	-- "IPv4, no rule matches: $L4B:$LP4N -> $P4B:5003" \
	ipv4 tcp $L4B $LP4N $P4B 5003 $(tcp_want 5003) $ST4N snat=false dnat=false \
	-- "IPv6, no rule matches: [$L6B]:$LP6N -> [$P6B]:5004" \
	ipv6 tcp $L6B $LP6N $P6B 5004 $(tcp_want 5004) $ST6N snat=false dnat=false \
	-- "IPv4 echo through the masquerade: identifier $ID4, another one as P sees it" \
	ipv4 icmp $L4 $ID4 $P4 0 state=REPLY packets_up=4 packets_down=4 \
	bytes_up=336 bytes_down=336 payload_up=224 payload_down=224 \
	snat=true dnat=false nat_client=$RP4 nat_server=$P4 nat_server_port=0 \
	nat_client_port!=$ID4 \
	-- "IPv6 echo through the masquerade: identifier $ID6, another one as P sees it" \
	ipv6 icmpv6 $L6 $ID6 $P6 0 state=REPLY packets_up=4 packets_down=4 \
	bytes_up=416 bytes_down=416 payload_up=224 payload_down=224 \
	snat=true dnat=false nat_client=$RP6 nat_server=$P6 nat_server_port=0 \
	nat_client_port!=$ID6

step "flowctl get by the original tuple; the NAT filters"
# Each command's output in a file, its stderr next to it; a failing one
# fails its check below.
nsrun "$NS_R" '
	d=$1 f=$2
	shift 2
	"$f" get -o plain tcp $1 $2 >"$d/get4" 2>&1
	"$f" get -o plain tcp $3 $4 >"$d/get6" 2>&1
	for a in "--nat" "--nat-addr 10.2.0.1/32" "--nat-addr 10.1.0.2/32" \
		"--nat-addr fd02::1/128" "--nat-addr fd01::2/128" \
		"--nat-port 20000-20999" "--nat-port 40000-40999" \
		"--nat-port 80" "--nat-port 80-81"; do
		n=${a//[ \/]/_}
		"$f" -j list $a >"$d/list$n.json" 2>"$d/list$n.json.err"
	done
	exit 0' "$D" "$FLOWCTL" $L4:$LP4M $P4:5001 "[$P6]:$LP6F" "[$RP6]:8081"
# line FILE CLIENT CLIENT_PORT: the flowctl line of that flow, without the
# age (field 18), in $FV.
line()
{
	local f
	FV=
	while read -ra f; do
		if [ "${f[2]}" = "$2" ] && [ "${f[3]}" = "$3" ]; then
			FV="${f[*]:0:17} ${f[*]:18}"
		fi
	done <"$1"
}
line "$D/plain" $L4 $LP4M
want=$FV
line "$D/get4" $L4 $LP4M
[ -n "$FV" ] || sed 's/^/#   get: /' "$D/get4"
expect_eq "flowctl get tcp $L4:$LP4M $P4:5001" "$want" "$FV"
line "$D/plain" $P6 $LP6F
want=$FV
line "$D/get6" $P6 $LP6F
[ -n "$FV" ] || sed 's/^/#   get: /' "$D/get6"
expect_eq "flowctl get tcp [$P6]:$LP6F [$RP6]:8081" "$want" "$FV"

M4="family=ipv4,proto=tcp,server_port=5001"
M6="family=ipv6,proto=tcp,server_port=5002"
F4="family=ipv4,proto=tcp,server_port=8080"
F6="family=ipv6,proto=tcp,server_port=8081"
E4="family=ipv4,proto=icmp,client_port=$ID4"
E6="family=ipv6,proto=icmpv6,client_port=$ID6"
check_lists "$D/all.json" \
	-- "list --nat: the six translated flows" "$D/list--nat.json" \
	"$M4" "$M6" "$F4" "$F6" "$E4" "$E6" \
	-- "list --nat-addr 10.2.0.1/32: R's address as IPv4 masquerade source" \
	"$D/list--nat-addr_10.2.0.1_32.json" "$M4" "$E4" \
	-- "list --nat-addr 10.1.0.2/32: the IPv4 port forward's server" \
	"$D/list--nat-addr_10.1.0.2_32.json" "$F4" \
	-- "list --nat-addr fd02::1/128: R's address as IPv6 masquerade source" \
	"$D/list--nat-addr_fd02::1_128.json" "$M6" "$E6" \
	-- "list --nat-addr fd01::2/128: the IPv6 port forward's server" \
	"$D/list--nat-addr_fd01::2_128.json" "$F6" \
	-- "list --nat-port 20000-20999: the masqueraded TCP ports" \
	"$D/list--nat-port_20000-20999.json" "$M4" "$M6" \
	-- "list --nat-port 40000-40999: the masqueraded echo identifiers" \
	"$D/list--nat-port_40000-40999.json" "$E4" "$E6" \
	-- "list --nat-port 80: the IPv4 port forward" \
	"$D/list--nat-port_80.json" "$F4" \
	-- "list --nat-port 80-81: both port forwards" \
	"$D/list--nat-port_80-81.json" "$F4" "$F6"

step "flush --nat-port 80-81: the two forwarded flows, with their translation in the DESTROY events"
nsrun "$NS_R" '"$2" flush --nat-port 80-81 >"$1/flush" 2>&1
	"$2" -j list --nat >"$1/after.json" 2>"$1/after.json.err"; exit 0' "$D" "$FLOWCTL"
read -r FV <"$D/flush"
expect_eq "flowctl flush --nat-port 80-81" "flushed 2" "$FV"
check_lists "$D/all.json" \
	-- "list --nat after the flush: the masqueraded flows" "$D/after.json" \
	"$M4" "$M6" "$E4" "$E6"
destroyed()
{
	[ "$(grep -c '"event": *"destroy"' "$D/mon.out")" -ge 2 ]
}
wait_until 30 destroyed || log "the monitor has not shown two DESTROY events"
bg_stop "$MON"
$PY - "$D/mon.out" "$D/all.json" "$M4" "$M6" "$F4" "$F6" <<'PYEOF' >"$D/mon.check" ||
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
flows = json.load(open(sys.argv[2]))
NAT = ("snat", "dnat", "nat_client", "nat_client_port", "nat_server",
       "nat_server_port")
KEY = ("family", "proto", "client", "client_port", "server", "server_port")
def match(f, spec):
    return all(str(f.get(k)) == v for k, v in (c.split("=") for c in spec.split(",")))
def show(f):
    return " ".join("%s=%s" % (k, json.dumps(f.get(k)).strip('"'))
                    for k in KEY + NAT)
for kind, specs in (("state", sys.argv[3:5]), ("destroy", sys.argv[5:7])):
    for spec in specs:
        fl = [f for f in flows if match(f, spec)]
        if len(fl) != 1:
            print("# not ok - %d flows match %s" % (len(fl), spec))
            continue
        want = {k: fl[0].get(k) for k in KEY + NAT}
        evs = [e for e in events if e["event"] == kind
               and all(e.get(k) == want[k] for k in KEY)]
        bad = [e for e in evs if any(e.get(k) != want[k] for k in NAT)]
        n = len(evs)
        if kind == "destroy" and (n != 1 or evs[0].get("reason") != "flushed"):
            print("# not ok - %s: %d DESTROY events, expected 1, reason flushed"
                  % (spec, n))
        elif not n:
            print("# not ok - %s: no STATE event" % spec)
        elif bad:
            print("# not ok - %s: %s event without the translation: %s"
                  % (spec, kind, show(bad[0])))
        else:
            print("# ok - %s: %d %s event(s), each with the flow's %s"
                  % (spec, n, kind.upper(), show(want)))
PYEOF
	die "checking the monitor's events"
while IFS= read -r l; do
	case $l in
	"# ok - "*) ok "${l#\# ok - }" ;;
	*) fail "${l#\# not ok - }" ;;
	esac
done <"$D/mon.check"
finish
