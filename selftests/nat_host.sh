#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# flowmon on a Docker-like host, and a local client through OUTPUT DNAT as
# kube-proxy makes it: one record per connection in the host's namespace,
# keyed by conntrack's original tuple, with the translation.
#
#   A 10.88.0.2 --\
#                  br0 10.88.0.1  H (host)  up0 10.77.0.1 --- 10.77.0.2 O
#   B 10.88.0.3 --/
#
# Containers A and B hang off H's bridge br0; H forwards, O (outside) has
# no route to 10.88.0.0/24. H's nftables: masquerade of 10.88.0.0/24 out of
# up0; published ports 10.77.0.1:8080 -> B:80 and 10.77.0.1:8081 -> B:81,
# with the masquerade for containers that reach B through a published
# port (hairpin); OUTPUT DNAT of the service 10.96.0.10:80 to B:8000. IPv4
# only, GRO, GSO and TSO off on every interface, so that conntrack and
# flowmon count the same wire packets. Connections:
#   (a) out   A -> O:5001, through the masquerade (snat)
#       pub   O -> 10.77.0.1:8080, the published port (dnat)
#       hair  A -> 10.77.0.1:8081, the published port with the hairpin
#             masquerade (snat,dnat)
#       1000 bytes up, 2000 down, closed by the client first
#   (b) svc   H itself -> 10.96.0.10:80 (OUTPUT DNAT to B:8000): 100000
#             bytes up, 50000 down, held open, then closed by the client
# In H's table, against H's conntrack entries (accounting on): exactly one
# record per connection, keyed by the original tuple; packets and bytes
# each way == conntrack's; snat, dnat, nat_client, nat_client_port,
# nat_server, nat_server_port == conntrack's reply tuple (and the 5 last
# columns of /proc/net/flowmon); client_state and server_state == ss on
# each endpoint (TIME-WAIT, and no socket: CLOSED). (b) while open and
# idle: server 10.96.0.10:80 as the client addressed it, dnat, nat_server
# B:8000, packets == the client's TCP_INFO segs_out / segs_in and exact IP
# bytes (as lib.sh's tcp_case: SACK off, 40-byte TCP header in the SYN and
# SYN-ACK, 32 after). The client's own segments pass H's LOCAL_OUT as GSO
# packets whatever the offloads (TCP always builds them): conntrack counts
# each once, flowmon as its segments, so (b)'s up direction is compared
# with TCP_INFO only (after the close: segs_out + FIN + last ACK), the down
# direction with conntrack too.

. "$(dirname "$0")/lib.sh"

require_root_tools nft conntrack ethtool
modprobe nf_conntrack || die "modprobe nf_conntrack"
flowmon_load
SHOW_FLOWS_ON_FAIL=1
D=$TMPD

NS_H=ns_host_$$
NS_A=ns_ctr_a_$$
NS_B=ns_ctr_b_$$
NS_O=ns_out_$$
BR=10.88.0.1
A4=10.88.0.2
B4=10.88.0.3
H4=10.77.0.1
O4=10.77.0.2
SVC=10.96.0.10

# batch NS: the `ip` commands on stdin in NS, as one process.
batch()
{
	local out
	out=$(ip -n "$1" -batch - 2>&1) || die "ip -batch in $1: $out"
}

step "the host, its bridge, two containers and the outside"
for ns in "$NS_H" "$NS_A" "$NS_B" "$NS_O"; do
	netns_make "$ns"
	# No IPv6 and no redirects (a hairpin packet leaves br0 where it came
	# in): no flow but the test's.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 \
		net.ipv4.ip_local_port_range="50000 59999" >/dev/null ||
		die "sysctls in $ns"
done
ip netns exec "$NS_H" sysctl -qw net.ipv4.ip_forward=1 >/dev/null ||
	die "ip_forward in $NS_H"
ip link add eth0 netns "$NS_A" type veth peer name veth_a netns "$NS_H" &&
	ip link add eth0 netns "$NS_B" type veth peer name veth_b netns "$NS_H" &&
	ip link add eth0 netns "$NS_O" type veth peer name up0 netns "$NS_H" ||
	die "creating the veth pairs"
batch "$NS_H" <<EOF
link add br0 type bridge
link set veth_a master br0
link set veth_b master br0
addr add $BR/24 dev br0
addr add $H4/24 dev up0
link set br0 up
link set veth_a up
link set veth_b up
link set up0 up
route add default via $O4
EOF
for ns in "$NS_A" "$NS_B"; do
	[ "$ns" = "$NS_A" ] && a=$A4 || a=$B4
	batch "$ns" <<EOF
addr add $a/24 dev eth0
link set eth0 up
route add default via $BR
EOF
done
batch "$NS_O" <<EOF
addr add $O4/24 dev eth0
link set eth0 up
EOF
offloads_off "$NS_H" br0 veth_a veth_b up0
for ns in "$NS_A" "$NS_B" "$NS_O"; do
	offloads_off "$ns" eth0
done
# tcp_bytes' headers for (b): no SACK options (see tcp_case).
for ns in "$NS_H" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_sack=0 || die "SACK off in $ns"
done
up_all()
{
	local ns
	for ns in "$NS_A" "$NS_B" "$NS_O"; do
		ip -n "$ns" link show eth0 | grep -q 'state UP' || return 1
	done
	[ "$(ip -n "$NS_H" -o link show up | grep -c 'state UP')" -eq 4 ]
}
wait_until 30 up_all || die "the links did not come up"
ct_setup "$NS_H"
long_timeouts "$NS_H"
nft_load "$NS_H" <<EOF
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		ip daddr $H4 tcp dport 8080 dnat to $B4:80
		ip daddr $H4 tcp dport 8081 dnat to $B4:81
	}
	chain output {
		type nat hook output priority -100;
		ip daddr $SVC tcp dport 80 dnat to $B4:8000
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		ip saddr 10.88.0.0/24 oifname "up0" masquerade
		ip saddr 10.88.0.0/24 ip daddr $B4 tcp dport 81 masquerade
	}
}
EOF

step "the servers; (b) the service connection, held open"
SRV="recv:1000 send:2000 acked info eof close"
CLI="send:1000 recv:2000 acked sleep:0.3 info close"
bg sout "$NS_O" $TRAFFIC tcp-listen 5001 $SRV
s_out=$BG_PID
bg spub "$NS_B" $TRAFFIC tcp-listen 80 $SRV
s_pub=$BG_PID
bg shair "$NS_B" $TRAFFIC tcp-listen 81 $SRV
s_hair=$BG_PID
bg ssvc "$NS_B" $TRAFFIC tcp-server 8000 --recv 100000 --send 50000
s_svc=$BG_PID
wait_listen "$NS_O" tcp 5001
for p in 80 81 8000; do
	wait_listen "$NS_B" tcp $p
done
bg csvc "$NS_H" $TRAFFIC tcp-client $SVC 80 --send 100000 --recv 50000 \
	--hold "$D/release"
c_svc=$BG_PID
svc_up()
{
	{ has_output csvc && has_output ssvc; } || proc_gone "$c_svc" || proc_gone "$s_svc"
}
if ! wait_until 120 svc_up || ! has_output csvc || ! has_output ssvc; then
	sed 's/^/#   /' "$D/csvc.err" "$D/ssvc.err"
	die "the connection to the service did not come up"
fi
declare -A CP SP
json_vars csvc - local_port segs_out segs_in bytes_retrans
CP[svc]=$J_local_port
PU=$((100000 + J_bytes_retrans))
SEGS_OUT=$J_segs_out
SEGS_IN=$J_segs_in
json_vars ssvc - bytes_retrans peer_port
PD=$((50000 + J_bytes_retrans))
SP[svc]=$J_peer_port
log "service client's port ${CP[svc]} (${SP[svc]} as B saw it)," \
	"TCP_INFO: segs_out $SEGS_OUT segs_in $SEGS_IN"

step "(b) open and idle: H's record against the client's TCP_INFO and H's conntrack entry"
snap "$NS_H" "$D/open.json"
ct_dump "$NS_H" "$D/open.ct"
check_ct_flows "$D/open.json" "$D/open.ct" \
	-- "(b) $H4:${CP[svc]} -> $SVC:80, reaching $B4:8000 (OUTPUT DNAT)" \
	ipv4 tcp $H4 ${CP[svc]} $SVC 80 state=ESTABLISHED ct_up=skip \
	packets_up=$SEGS_OUT packets_down=$SEGS_IN payload_up=$PU payload_down=$PD \
	bytes_up=$(tcp_bytes $SEGS_OUT $PU 20) bytes_down=$(tcp_bytes $SEGS_IN $PD 20) \
	snat=false dnat=true nat_client=$H4 nat_client_port=${SP[svc]} \
	nat_server=$B4 nat_server_port=8000

# Everything that ends in TIME-WAIT now, and the rest only after ss is read:
# a client's TIME-WAIT lasts 60 s.
step "(a) the three connections, all at once; (b) the client closes, then the server"
bg cout "$NS_A" $TRAFFIC tcp-connect $O4 5001 $CLI
c_out=$BG_PID
bg cpub "$NS_O" $TRAFFIC tcp-connect $H4 8080 $CLI
c_pub=$BG_PID
bg chair "$NS_A" $TRAFFIC tcp-connect $H4 8081 $CLI
c_hair=$BG_PID
touch "$D/release"
wait_done 120 cout "$c_out"
wait_done 120 sout "$s_out"
wait_done 120 cpub "$c_pub"
wait_done 120 spub "$s_pub"
wait_done 120 chair "$c_hair"
wait_done 120 shair "$s_hair"
wait_done 60 csvc "$c_svc"
wait_done 60 ssvc "$s_svc"
# CPU[C], SPD[C]: the payload each way, what the application sent and
# what TCP_INFO says its TCP resent (after "acked": final).
declare -A CPU SPD
for c in out pub hair; do
	json_num "$TMPD/c$c.out" local_port
	CP[$c]=$FV
	json_num "$TMPD/c$c.out" bytes_retrans
	CPU[$c]=$((1000 + FV))
	json_num "$TMPD/s$c.out" peer_port
	SP[$c]=$FV
	json_num "$TMPD/s$c.out" bytes_retrans
	SPD[$c]=$((2000 + FV))
done

# ends_closed: every client's socket in TIME-WAIT (the server's FIN came),
# every server's gone (the client's last ACK came), by ss.
ends_closed()
{
	local c st n cs ss cpeer sport rc=0
	ss_dump "$NS_A" "$D/ss-a"
	ss_dump "$NS_B" "$D/ss-b"
	ss_dump "$NS_O" "$D/ss-o"
	ss_dump "$NS_H" "$D/ss-h"
	for c in out:a:o:5001:5001 pub:o:b:8080:80 hair:a:b:8081:81 svc:h:b:80:8000; do
		IFS=: read -r n cs ss cpeer sport <<<"$c"
		ss_state "$D/ss-$cs" "${CP[$n]}" "$cpeer"
		st=$FV
		ss_state "$D/ss-$ss" "$sport" "${SP[$n]}"
		ST_C[$n]=$st
		ST_S[$n]=$FV
		[ "$st $FV" = "TIME-WAIT CLOSED" ] || rc=1
	done
	return $rc
}
declare -A ST_C ST_S
wait_until 60 ends_closed || log "the endpoints' sockets are not all closed after 60 s"
closed_all()
{
	tcp_rows_in "$NS_H" TIME-WAIT/CLOSED '^(5001|8080|8081|80)$'
	[ "$FV" = 4 ]
}
wait_until 60 closed_all ||
	log "H: $FV of the 4 TCP records in TIME-WAIT/CLOSED after 60 s"

step "H's table against H's conntrack entries and the endpoints' sockets"
snap "$NS_H" "$D/all.json"
nsrun "$NS_H" 'cat /proc/net/flowmon >"$1/proc"' "$D" ||
	die "reading H's /proc/net/flowmon"
ct_dump "$NS_H" "$D/ct"
for n in out pub hair svc; do
	expect_eq "$n: the client's socket (ss)" TIME-WAIT "${ST_C[$n]}"
	expect_eq "$n: the server's socket (ss)" CLOSED "${ST_S[$n]}"
done
st()
{
	echo "state=TIME-WAIT/CLOSED client_state=${ST_C[$1]} server_state=${ST_S[$1]}"
}
# (b)'s client sent its FIN and the ACK of the server's FIN since.
FPU=$((SEGS_OUT + 2))
check_ct_flows "$D/all.json" "$D/ct" --text "$D/proc" \
	-- "(a) out: $A4:${CP[out]} -> $O4:5001, masqueraded to $H4" \
	ipv4 tcp $A4 ${CP[out]} $O4 5001 $(st out) payload_up=${CPU[out]} payload_down=${SPD[out]} \
	snat=true dnat=false nat_client=$H4 nat_client_port=${SP[out]} \
	nat_server=$O4 nat_server_port=5001 \
	-- "(a) pub: $O4:${CP[pub]} -> $H4:8080, published port of $B4:80" \
	ipv4 tcp $O4 ${CP[pub]} $H4 8080 $(st pub) payload_up=${CPU[pub]} payload_down=${SPD[pub]} \
	snat=false dnat=true nat_client=$O4 nat_client_port=${SP[pub]} \
	nat_server=$B4 nat_server_port=80 \
	-- "(a) hair: $A4:${CP[hair]} -> $H4:8081, published port of $B4:81, masqueraded to $BR" \
	ipv4 tcp $A4 ${CP[hair]} $H4 8081 $(st hair) payload_up=${CPU[hair]} payload_down=${SPD[hair]} \
	snat=true dnat=true nat_client=$BR nat_client_port=${SP[hair]} \
	nat_server=$B4 nat_server_port=81 \
	-- "(b) svc after the close: $H4:${CP[svc]} -> $SVC:80, reaching $B4:8000" \
	ipv4 tcp $H4 ${CP[svc]} $SVC 80 $(st svc) ct_up=skip \
	packets_up=$FPU bytes_up=$(tcp_bytes $FPU $PU 20) payload_up=$PU payload_down=$PD \
	snat=false dnat=true nat_client=$H4 nat_client_port=${SP[svc]} \
	nat_server=$B4 nat_server_port=8000
finish
