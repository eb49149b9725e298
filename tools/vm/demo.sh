#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# flowmon demo, run inside the test VM by `make demo`:
#
#   tools/vm/run -- tools/vm/demo.sh
#
# Loads ./flowmon.ko, joins two network namespaces with a veth pair
# (IPv4 + IPv6), sends TCP, UDP and ICMP/ICMPv6 echo traffic between them
# and shows what flowmon saw, through `flowctl list` and /proc/net/flowmon.
# Needs root; writes only to /tmp (the repository may be read-only).

set -eu

cd "$(dirname "$0")/../.."
REPO=$(pwd)
FLOWCTL=$REPO/tools/flowctl/flowctl
PY=$(command -v python3)
export PYTHONDONTWRITEBYTECODE=1

NS_A=fmdemo_a
NS_B=fmdemo_b
A4=10.0.1.1
B4=10.0.1.2
A6=fd00::1
B6=fd00::2

step()
{
	echo
	echo "==> $*"
}

cleanup()
{
	ip netns del $NS_A 2>/dev/null || true
	ip netns del $NS_B 2>/dev/null || true
}
trap cleanup EXIT

[ -f "$REPO/flowmon.ko" ] || { echo "demo: $REPO/flowmon.ko not built (make)"; exit 1; }
[ -x "$FLOWCTL" ] || { echo "demo: $FLOWCTL not built (make)"; exit 1; }

step "insmod ./flowmon.ko"
insmod "$REPO/flowmon.ko"
grep '^flowmon ' /proc/modules

step "two namespaces ($NS_A, $NS_B) joined by a veth pair"
ip netns add $NS_A
ip netns add $NS_B
ip link add veth_a netns $NS_A type veth peer name veth_b netns $NS_B
ip -n $NS_A link set lo up
ip -n $NS_B link set lo up
ip -n $NS_A addr add $A4/24 dev veth_a
ip -n $NS_B addr add $B4/24 dev veth_b
ip -n $NS_A addr add $A6/64 dev veth_a nodad
ip -n $NS_B addr add $B6/64 dev veth_b nodad
ip -n $NS_A link set veth_a up
ip -n $NS_B link set veth_b up
ip -n $NS_A -brief addr show dev veth_a
ip -n $NS_B -brief addr show dev veth_b

# Servers in $NS_B: a TCP echo server (one connection per address family)
# and a UDP sink; each exits after its work or after 30 s.
ip netns exec $NS_B "$PY" -c '
import socket, sys, threading
def tcp(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 5001)); s.listen(1); s.settimeout(30)
    c, _ = s.accept(); c.settimeout(30)
    data = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
    c.sendall(data.upper()); c.close()
def udp(fam, addr, count):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, 5002)); s.settimeout(30)
    for _ in range(count):
        s.recvfrom(65536)
ts = [threading.Thread(target=tcp, args=(socket.AF_INET, sys.argv[1])),
      threading.Thread(target=tcp, args=(socket.AF_INET6, sys.argv[2])),
      threading.Thread(target=udp, args=(socket.AF_INET, sys.argv[1], 5)),
      threading.Thread(target=udp, args=(socket.AF_INET6, sys.argv[2], 5))]
for t in ts: t.start()
for t in ts: t.join()
' $B4 $B6 &
server=$!

# Wait until the servers listen.
i=0
until [ "$(ip netns exec $NS_B ss -Hltn 'sport = :5001' | wc -l)" -ge 2 ] &&
      [ "$(ip netns exec $NS_B ss -Hlun 'sport = :5002' | wc -l)" -ge 2 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: servers did not start"; exit 1; }
	sleep 0.1
done

step "TCP: $A4 -> $B4:5001 and [$A6] -> [$B6]:5001"
ip netns exec $NS_A "$PY" -c '
import socket, sys
for fam, addr in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    c = socket.create_connection((addr, 5001), timeout=30)
    c.sendall(b"hello flowmon\n" * 100)
    c.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        reply += d
    c.close()
    print("  %-9s sent 1400 bytes, got %d back: %r..." % (addr, len(reply), reply[:14]))
' $B4 $B6

step "UDP: 5 datagrams each to $B4:5002 and [$B6]:5002"
ip netns exec $NS_A "$PY" -c '
import socket, sys
for fam, addr in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(5):
        s.sendto(b"datagram %d" % i, (addr, 5002))
    print("  %-9s 5 datagrams sent" % addr)
' $B4 $B6
wait $server

step "ping -c 4 $B4"
ip netns exec $NS_A ping -c 4 -i 0.2 $B4
step "ping -6 -c 4 $B6"
ip netns exec $NS_A ping -6 -c 4 -i 0.2 $B6

step "flowctl list (in $NS_A)"
ip netns exec $NS_A "$FLOWCTL" list

step "cat /proc/net/flowmon (in $NS_A)"
ip netns exec $NS_A cat /proc/net/flowmon

step "flowctl stats (in $NS_A)"
ip netns exec $NS_A "$FLOWCTL" stats || true

cleanup
trap - EXIT
step "rmmod flowmon"
rmmod flowmon
echo "demo: done"
