#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Random mutations of valid packets, for the flowmon selftests (stdlib only).

  pktfuzz.py DEV --count N [--seed S]
      Attach to the tap device DEV of the current network namespace and
      write N Ethernet frames into it, each a mutation of a valid IPv4 or
      IPv6 packet: TCP, UDP, ICMP, ICMPv6, IPv4 options, IPv6 extension
      headers and fragments, with the first payloads that flowmon's hints
      read (DNS, TLS, HTTP, DHCP, QUIC, SSH, WireGuard, NTP). A mutation
      flips, sets, cuts or appends bytes, in the IP header, the transport
      header or the payload, rewrites a length or fragment field, and
      mostly repairs the IPv4 header checksum so that the packet gets past
      ip_rcv() to the hooks. The same seed gives the same frames.
      Prints {"sent": N, "seed": S}.

The frames come from 02:00:00:00:00:01 towards DEV's own address; the
network namespace receives them as if from a wire. Packets are addressed
from 10.7.0.0/24 and fd07::/64 to 10.6.0.0/24 and fd06::/64, so that most
flows are new and few are answered.
"""

import argparse
import fcntl
import json
import os
import random
import struct
import sys

from craft import checksum

TUNSETIFF = 0x400454ca
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

INTERESTING16 = (0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x7fff, 0x8000,
                 0xfffe, 0xffff)
INTERESTING8 = (0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff)


def ipv4(rng, proto, l4, options=b"", frag=0):
    src = bytes([10, 7, 0, rng.randrange(1, 40)])
    dst = bytes([10, 6, 0, rng.randrange(2, 40)])
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBB2s4s4s", 0x40 | ihl, 0, ihl * 4 + len(l4),
                      rng.randrange(65536), frag, 64, proto, b"\0\0", src, dst)
    hdr += options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + l4


def ipv6(rng, nexthdr, l4, exts=()):
    """@exts: (type, body) pairs, each body padded to a multiple of 8 - 2."""
    src = bytes.fromhex("fd07" + "00" * 13) + bytes([rng.randrange(1, 40)])
    dst = bytes.fromhex("fd06" + "00" * 13) + bytes([rng.randrange(2, 40)])
    chain = b""
    types = [t for t, _ in exts] + [nexthdr]
    for i, (_, body) in enumerate(exts):
        chain += bytes([types[i + 1], (len(body) + 2) // 8 - 1]) + body
    first = types[0]
    return struct.pack("!IHBB16s16s", 0x60000000, len(chain) + len(l4), first,
                       64, src, dst) + chain + l4


def tcp(rng, dport, flags, payload=b"", options=b""):
    doff = 5 + len(options) // 4
    return struct.pack("!HHIIBBHHH", rng.randrange(1024, 65536), dport,
                       rng.randrange(1 << 32), rng.randrange(1 << 32),
                       doff << 4, flags, 65535, 0, 0) + options + payload


def udp(rng, dport, payload, sport=None):
    if sport is None:
        sport = rng.randrange(1024, 65536)
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp_echo(rng, type_):
    return struct.pack("!BBHHH", type_, 0, 0, rng.randrange(65536), 1) + b"p" * 16


def dns_name(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def dns_query(rng):
    return (struct.pack("!HHHHHH", rng.randrange(65536), 0x0100, 1, 0, 0, 0) +
            dns_name("www.example.test") + struct.pack("!HH", 1, 1))


def dns_response(rng):
    # The answer's name points back at the question (offset 12).
    return (struct.pack("!HHHHHH", rng.randrange(65536), 0x8180, 1, 1, 0, 0) +
            dns_name("www.example.test") + struct.pack("!HH", 1, 1) +
            struct.pack("!HHHIH4s", 0xc00c, 1, 1, 60, 4, bytes([10, 9, 8, 7])))


def tls_client_hello():
    name = b"tls.example.test"
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    ext = struct.pack("!HH", 0, len(sni)) + sni
    body = (b"\x03\x03" + b"r" * 32 + b"\0" + struct.pack("!HH", 2, 0x1301) +
            b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def dhcp_discover():
    fixed = bytes([1, 1, 6, 0]) + b"\0" * 232
    opts = (b"\x63\x82\x53\x63" + b"\x35\x01\x01" + b"\x0c\x0bDhcp-Client" +
            b"\xff")
    return fixed + opts


def quic_initial():
    head = bytes.fromhex("c300000001080102030405060708000000")
    return head + bytes(1200 - len(head))


PAYLOADS = (
    ("udp", 53, dns_query),
    ("udp", 53, dns_response),
    ("tcp", 53, lambda rng: struct.pack("!H", 34) + dns_query(rng)),
    ("tcp", 4433, lambda rng: tls_client_hello()),
    ("tcp", 8081, lambda rng: b"GET / HTTP/1.1\r\nHost: Www.Example.TEST\r\n\r\n"),
    ("udp", 67, lambda rng: dhcp_discover()),
    ("udp", 4443, lambda rng: quic_initial()),
    ("tcp", 2222, lambda rng: b"SSH-2.0-OpenSSH_9.2\r\n"),
    ("udp", 51821, lambda rng: b"\x01\0\0\0" + bytes(144)),
    ("udp", 123, lambda rng: b"\x23" + bytes(47)),
)


def transport(rng, family):
    """A valid transport segment and its protocol number."""
    kind = rng.randrange(4)
    if kind == 0:
        opts = bytes.fromhex("020405b40402080a0000000100000000010303" + "07")
        return 6, tcp(rng, rng.randrange(1, 65536), 0x02, options=opts)
    if kind == 1:
        return (1, icmp_echo(rng, 8)) if family == 4 else (58, icmp_echo(rng, 128))
    proto, port, make = rng.choice(PAYLOADS)
    if proto == "tcp":
        return 6, tcp(rng, port, 0x18, make(rng))
    return 17, udp(rng, port, make(rng), sport=68 if port == 67 else None)


def seed_packet(rng):
    """A valid packet: (bytes, family, where its transport header starts)."""
    family = rng.choice((4, 6))
    proto, l4 = transport(rng, family)
    if family == 4:
        options = b""
        if rng.randrange(8) == 0:
            # NOPs and an end of list; or a record route with room for one.
            options = rng.choice((b"\x01\x01\x01\x00",
                                  b"\x07\x07\x04" + bytes(5)))
        frag = 0
        if rng.randrange(8) == 0:
            frag = rng.choice((0x2000, 0x2000 | 1, 0x0001, 0x4000))
        pkt = ipv4(rng, proto, l4, options, frag)
        return pkt, 4, 20 + len(options)
    exts = []
    for _ in range(rng.randrange(4) if rng.randrange(3) == 0 else 0):
        t = rng.choice((0, 60, 43, 44))
        if t == 0 and exts:
            t = 60
        if t == 44:
            body = struct.pack("!BBHI", 0, 0, rng.choice((0, 1, 8)),
                               rng.randrange(1 << 32))[2:]
            exts.append((44, body))
        elif t == 43:
            exts.append((43, bytes([0, 0]) + bytes(4)))
        else:
            exts.append((t, b"\x01\x04\0\0\0\0"))
    pkt = ipv6(rng, proto, l4, exts)
    return pkt, 6, len(pkt) - len(l4)


def fix_lengths(pkt, family):
    if family == 4 and len(pkt) >= 20:
        pkt[2:4] = struct.pack("!H", len(pkt))
    elif family == 6 and len(pkt) >= 40:
        pkt[4:6] = struct.pack("!H", len(pkt) - 40)


def fix_ipv4_checksum(pkt):
    ihl = (pkt[0] & 0xf) * 4
    if len(pkt) < 20 or ihl < 20 or ihl > len(pkt):
        return
    pkt[10:12] = b"\0\0"
    pkt[10:12] = struct.pack("!H", checksum(bytes(pkt[:ihl])))


def region(rng, pkt, l4off):
    """Where to mutate: the IP headers, the transport header or the payload."""
    r = rng.randrange(3)
    if r == 0 or l4off >= len(pkt):
        return 0, min(l4off, len(pkt))
    if r == 1:
        return l4off, min(l4off + 20, len(pkt))
    return min(l4off + 8, len(pkt)), len(pkt)


def mutate(rng, pkt, family, l4off):
    pkt = bytearray(pkt)
    for _ in range(rng.randrange(1, 5)):
        lo, hi = region(rng, pkt, l4off)
        if hi <= lo:
            lo, hi = 0, len(pkt)
        at = rng.randrange(lo, hi) if hi > lo else 0
        op = rng.randrange(7)
        if op == 0 and pkt:
            pkt[at] ^= 1 << rng.randrange(8)
        elif op == 1 and pkt:
            pkt[at] = rng.choice(INTERESTING8 + (rng.randrange(256),))
        elif op == 2 and at + 2 <= len(pkt):
            pkt[at:at + 2] = struct.pack("!H", rng.choice(INTERESTING16))
        elif op == 3:
            del pkt[rng.randrange(1, len(pkt) + 1):]
        elif op == 4:
            pkt += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif op == 5 and family == 4 and len(pkt) >= 8:
            pkt[6:8] = struct.pack("!H", rng.randrange(65536) & 0x3fff)
        elif op == 6 and len(pkt) > l4off + 1:
            # A run of the same byte: option lists, label lengths.
            n = rng.randrange(1, 40)
            pkt[at:at + n] = bytes([rng.choice(INTERESTING8)]) * n
    if rng.randrange(2):
        fix_lengths(pkt, family)
    if family == 4 and rng.randrange(10):
        fix_ipv4_checksum(pkt)
    return bytes(pkt[:65535 - 14])


def mac_of(dev):
    with open("/sys/class/net/%s/address" % dev) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def open_tap(dev):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(),
                                            IFF_TAP | IFF_NO_PI))
    return fd


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dev")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    fd = open_tap(a.dev)
    head = mac_of(a.dev) + bytes.fromhex("020000000001")
    for _ in range(a.count):
        pkt, family, l4off = seed_packet(rng)
        pkt = mutate(rng, pkt, family, l4off)
        ethertype = b"\x08\x00" if family == 4 else b"\x86\xdd"
        try:
            os.write(fd, head + ethertype + pkt)
        except OSError as e:
            sys.exit("pktfuzz.py: write to %s: %s" % (a.dev, e))
    os.close(fd)
    print(json.dumps({"sent": a.count, "seed": a.seed}))


if __name__ == "__main__":
    main()
