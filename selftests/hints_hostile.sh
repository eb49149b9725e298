#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile first payloads give no hint, no crash, and are counted where
# they began as a protocol (hints_malformed), each sent by a real socket
# from the client namespace to a sink in the server's:
#   UDP 53: a DNS query whose name loops on a compression pointer, one whose
#           label runs past the datagram, and 512 bytes of junk: no l5 at
#           all (the payload contradicts the port), not malformed; a
#           well-formed query for a name with a Latin-1 byte (0xff): dns,
#           type A, no name, not malformed;
#   TCP 443: a ClientHello whose server_name length overruns its extension:
#           tls, no name, malformed;
#   TCP 80: a GET whose Host holds a control character, one whose Host
#           holds a Latin-1 letter (0xe9): http, no name, malformed; a
#           GET whose Host line is 64 KiB long: http, no name (the line
#           does not end in the window), not malformed.
# The kernel log is checked by the runner: no WARN, no KASAN report.

. "$(dirname "$0")/lib.sh"

require_root_tools
flowmon_load
setup_pair --no-ipv6
static_neighbours
# The UDP datagrams go first and are looked at last: a slow emulator takes
# longer than the UDP timeout (30 s) over the TCP connections in between.
long_timeouts "$NS_C"

stats_json "$NS_C" "$TMPD/stats0.json"
json_vars_file "$TMPD/stats0.json" hints_malformed
MALFORMED0=$J_hints_malformed

# send_udp PORT HEX: one datagram of the bytes HEX from the client; prints
# the client port.
send_udp()
{
	ip netns exec "$NS_C" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))
print(s.getsockname()[1])' $S4 "$1" "$2"
}

# send_tcp PORT PYEXPR: one connection to a sink that reads the bytes of
# the Python expression PYEXPR; prints the client port.
send_tcp()
{
	local n
	n=$($PY -c "import sys; print(len($2))")
	tcp_server "sink$1" "$1" "$n" 0
	ip netns exec "$NS_C" $PY -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
s.sendall(eval(sys.argv[3]))
print(s.getsockname()[1])
s.shutdown(socket.SHUT_WR)
s.recv(1)' $S4 "$1" "$2" || die "sending to port $1 failed"
	bg_wait "$BG_PID" 60 || die "the sink on port $1 did not finish"
}

udp_server dns sink 53
# id 1, RD, one question; the name: label "a", then a pointer back to the
# name's start: a.a.a... for ever.
LOOP=$(send_udp 53 0001010000010000000000000161c00c00010001)
# the label claims 63 bytes; 3 follow.
PAST=$(send_udp 53 0002010000010000000000003f616263)
JUNK=$(send_udp 53 "$($PY -c 'print("fe" * 512)')")
# id 3, RD, one question: www.\xffexampl, type A, class IN.
LATIN=$(send_udp 53 0003010000010000000000000377777707ff6578616d706c0000010001)

# TLS 1.2 record, ClientHello: version, random, no session id, one cipher
# suite, null compression, then server_name whose name length (0x00ff)
# overruns the extension's 9 bytes.
HELLO='bytes.fromhex("160301003c" "01000038" "0303" + "00" * 32 + "00" "0002c02f" "0100" "000d" "0000" "0009" "0007" "00" "00ff" "61626364")'
TLS=$(send_tcp 443 "$HELLO")
CTRL=$(send_tcp 80 'b"GET / HTTP/1.1\r\nHost: www.\x01example.com\r\n\r\n"')
CAFE=$(send_tcp 81 'b"GET / HTTP/1.1\r\nHost: caf\xe9.example\r\n\r\n"')
LONG=$(send_tcp 8080 'b"GET / HTTP/1.1\r\nHost: " + b"a" * 65536 + b"\r\n\r\n"')

f=$TMPD/flows.json
snap "$NS_C" "$f"
check_flow "DNS name looping on a compression pointer" "$f" \
	"proto=udp,server_port=53,client_port=$LOOP" \
	l5=@absent name=@absent dns_qtype=@absent
check_flow "DNS label past the datagram's end" "$f" \
	"proto=udp,server_port=53,client_port=$PAST" \
	l5=@absent name=@absent dns_qtype=@absent
check_flow "512 bytes of junk to port 53" "$f" \
	"proto=udp,server_port=53,client_port=$JUNK" \
	l5=@absent name=@absent
check_flow "DNS query for a name with a Latin-1 byte" "$f" \
	"proto=udp,server_port=53,client_port=$LATIN" \
	l5=dns l5_source=payload dns_qtype=A name=@absent
check_flow "ClientHello whose SNI length lies" "$f" \
	"proto=tcp,server_port=443,client_port=$TLS" \
	l5=tls l5_source=payload secured=true name=@absent
check_flow "HTTP Host with a control character" "$f" \
	"proto=tcp,server_port=80,client_port=$CTRL" \
	l5=http l5_source=payload name=@absent
check_flow "HTTP Host with a Latin-1 letter" "$f" \
	"proto=tcp,server_port=81,client_port=$CAFE" \
	l5=http l5_source=payload name=@absent
check_flow "HTTP Host line of 64 KiB" "$f" \
	"proto=tcp,server_port=8080,client_port=$LONG" \
	l5=http l5_source=payload name=@absent

stats_json "$NS_C" "$TMPD/stats1.json"
json_vars_file "$TMPD/stats1.json" hints_malformed hints_lost
expect_eq "hints_malformed grew by the TLS lie and the two bad Hosts" 3 \
	$((J_hints_malformed - MALFORMED0))
expect_eq "hints_lost" 0 "$J_hints_lost"
finish
