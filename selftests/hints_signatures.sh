#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Application hints of the protocols known by a signature, each on a port
# that does not name it unless the signature is too short to stand alone:
#  - DHCP (dnsmasq, busybox udhcpc with a host name), in the server's
#    namespace, where the client's broadcasts arrive: dhcp from the
#    payload, not secured, the host name dnsmasq says the client gave,
#    lower-cased, and as many packets as dnsmasq received; the server's
#    answers are a dhcp flow of their own, with as many packets as dnsmasq
#    sent;
#  - crafted datagrams: a QUIC v1 Initial padded to 1200 bytes (quic,
#    secured) and one byte short of it (nothing); a WireGuard handshake
#    initiation of 148 bytes (wireguard, secured) and of 147 (nothing); an
#    NTPv4 client request on port 123 (ntp, not secured) and the same on a
#    port that is not NTP's (nothing: one byte is no signature); a
#    BitTorrent DHT query (bittorrent);
#  - scripted TCP greetings and commands: SMTP ("220 ... ESMTP", EHLO),
#    IMAP ("* OK"), FTP ("220 (vsFTPd ...)"), a BitTorrent handshake; a
#    bare "220 hello" on a port of no protocol gives nothing;
#  - no payload here counted as a malformed hint.

. "$(dirname "$0")/lib.sh"

require_root_tools busybox dnsmasq
flowmon_load
setup_pair --no-ipv6
static_neighbours
long_timeouts "$NS_C"
long_timeouts "$NS_S"

log "DHCP: dnsmasq on veth_s, udhcpc on veth_c with host name Dhcp-Client.Example"
bg dhcpd "$NS_S" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=0 \
	--interface=veth_s --bind-interfaces --user=root --log-facility=- \
	--log-dhcp --dhcp-leasefile="$TMPD/leases" \
	--dhcp-range=10.0.1.100,10.0.1.150,255.255.255.0,1h
wait_listen "$NS_S" udp 67
# -s /bin/true: the lease is not applied, veth_c keeps its address.
ip netns exec "$NS_C" busybox udhcpc -f -q -n -i veth_c -s /bin/true \
	-t 3 -T 30 -x hostname:Dhcp-Client.Example >"$TMPD/udhcpc.out" 2>&1 ||
	die "udhcpc got no lease: $(cat "$TMPD/udhcpc.out")"
# dnsmasq logs what it received as it handles it: the lease came after.
received=$(grep -cE 'DHCP(DISCOVER|REQUEST)\(veth_s\)' "$TMPD/dhcpd.err")
sent=$(grep -cE 'DHCP(OFFER|ACK)\(veth_s\)' "$TMPD/dhcpd.err")
name=$(sed -n 's/.*client provides name: //p' "$TMPD/dhcpd.err" | head -n 1)
expect_eq "dnsmasq heard the host name udhcpc sent" Dhcp-Client.Example "$name"
f=$TMPD/dhcp.json
snap "$NS_S" "$f"
check_flow "the client's broadcasts: $received messages dnsmasq received" "$f" \
	"proto=udp,client_port=68,server_port=67" client=0.0.0.0 \
	server=255.255.255.255 l5=dhcp l5_source=payload secured=false \
	name=dhcp-client.example packets_up="$received"
check_flow "the server's answers: $sent messages dnsmasq sent" "$f" \
	"proto=udp,client=$S4,client_port=67,server_port=68" l5=dhcp \
	l5_source=payload secured=false name=@absent packets_up="$sent"

log "crafted datagrams"
QUIC_INITIAL=c300000001080102030405060708000000
for port in 4443 4444 51821 51822 123 12300 16881; do
	udp_server "sink$port" sink $port
done
# udp_case PORT SIZE HEX: one datagram to a sink.
udp_case()
{
	ip netns exec "$NS_C" $TRAFFIC udp-send $S4 "$1" --count 1 --size "$2" \
		--hex "$3" >/dev/null || die "udp-send to $1 failed"
}
udp_case 4443 1200 $QUIC_INITIAL
udp_case 4444 1199 $QUIC_INITIAL
udp_case 51821 148 01000000
udp_case 51822 147 01000000
udp_case 123 48 23
udp_case 12300 48 23
udp_case 16881 60 "$(printf 'd1:ad2:id20:' | od -An -tx1 | tr -d ' \n')"
f=$TMPD/udp.json
snap "$NS_C" "$f"
check_flow "a QUIC v1 Initial of 1200 bytes" "$f" "proto=udp,server_port=4443" \
	l5=quic l5_source=payload secured=true
check_flow "a QUIC Initial of 1199 bytes: too short for a client's first" "$f" \
	"proto=udp,server_port=4444" l5=@absent secured=@absent
check_flow "a WireGuard handshake initiation of 148 bytes" "$f" \
	"proto=udp,server_port=51821" l5=wireguard l5_source=payload secured=true
check_flow "the same of 147 bytes: no WireGuard message" "$f" \
	"proto=udp,server_port=51822" l5=@absent secured=@absent
check_flow "an NTPv4 client request on port 123" "$f" \
	"proto=udp,server_port=123" l5=ntp l5_source=payload secured=false
check_flow "the same on port 12300: one byte is no signature" "$f" \
	"proto=udp,server_port=12300" l5=@absent secured=@absent
check_flow "a BitTorrent DHT query" "$f" "proto=udp,server_port=16881" \
	l5=bittorrent l5_source=payload secured=false

log "scripted TCP greetings and commands"
# tcp_greeting PORT GREETING [COMMAND]: the server says GREETING, the
# client reads it and (if given) answers COMMAND.
tcp_greeting()
{
	local port=$1 greeting=$2 command=${3:-} srv cli steps=()
	[ -n "$command" ] && steps=("line:$command")
	bg "srv$port" "$NS_S" $TRAFFIC tcp-listen "$port" "line:$greeting" \
		${command:+recv:$(( ${#command} + 2 ))} eof close
	srv=$BG_PID
	wait_listen "$NS_S" tcp "$port"
	bg "cli$port" "$NS_C" $TRAFFIC tcp-connect $S4 "$port" \
		"recv:$(( ${#greeting} + 2 ))" "${steps[@]}" close
	cli=$BG_PID
	wait_done 60 "cli$port" "$cli"
	wait_done 60 "srv$port" "$srv"
}
tcp_greeting 2525 "220 mail.example.test ESMTP ready" "EHLO client.example.test"
tcp_greeting 1143 "* OK IMAP4rev1 ready"
tcp_greeting 2121 "220 (vsFTPd 3.0.3)"
tcp_greeting 2200 "220 hello"
bg btsrv "$NS_S" $TRAFFIC tcp-listen 16882 recv:22 eof close
srv=$BG_PID
wait_listen "$NS_S" tcp 16882
bg btcli "$NS_C" $TRAFFIC tcp-connect $S4 16882 $'line:\x13BitTorrent protocol' close
wait_done 60 btcli "$BG_PID"
wait_done 60 btsrv "$srv"
f=$TMPD/tcp.json
snap "$NS_C" "$f"
check_flow "an SMTP greeting and EHLO on port 2525" "$f" \
	"proto=tcp,server_port=2525" l5=smtp l5_source=payload secured=false \
	payload_up=26 payload_down=35
check_flow "an IMAP greeting on port 1143" "$f" "proto=tcp,server_port=1143" \
	l5=imap l5_source=payload secured=false
check_flow "a vsFTPd greeting on port 2121" "$f" "proto=tcp,server_port=2121" \
	l5=ftp l5_source=payload secured=false
check_flow "a bare 220 on port 2200: no protocol" "$f" \
	"proto=tcp,server_port=2200" l5=@absent secured=@absent
check_flow "a BitTorrent handshake on port 16882" "$f" \
	"proto=tcp,server_port=16882" l5=bittorrent l5_source=payload \
	secured=false

for ns in "$NS_C" "$NS_S"; do
	stats_json "$ns" "$TMPD/stats.json"
	json_vars_file "$TMPD/stats.json" hints_malformed hints_lost
	expect_eq "$ns: hints_malformed" 0 "$J_hints_malformed"
	expect_eq "$ns: hints_lost" 0 "$J_hints_lost"
done
finish
