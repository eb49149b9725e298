#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-built packets for the flowmon selftests (python3, stdlib only).

The router tests (lib_router.sh) put the namespace under test, R, between
two namespaces L and P. The endpoints of a crafted connection are
"virtual": no stack owns their addresses. One process sends the packets of
both: the client's from L (routed through R towards P), the server's from
P (routed through R towards L). L and P do not forward, so they drop what R
hands them, silently; R's flow table sees both directions of one flow.

Sending uses a raw IP socket (IPPROTO_RAW, header included) created in L or
P, or with --tx packet an AF_PACKET socket on L's or P's link towards R,
which puts the frame on the wire exactly as built (bad IPv4 header lengths
or checksums, total lengths that disagree with the frame, trailing bytes).

By default every packet must come out of R: after sending it, craft.py
waits until the same packet (TTL / hop limit and IPv4 checksum aside)
arrives on the far side, P for the client's packets and L for the
server's, seen by an AF_PACKET socket there. R forwards a packet only after
its PRE_ROUTING hooks have run, so flowmon has seen each packet before the
next one is sent, and the table read by a "snap" line is up to date. The
process keeps to one CPU, so packets sent with "nowait" are processed by R
before any packet sent after them (one backlog queue, in order).

  run [OPTIONS] SCRIPT
      send the packets of SCRIPT ("-": stdin), lines as below. Options:
      --client-ns NS --server-ns NS (required): where the virtual client's
      and server's packets are sent from (L, P); --client-dev DEV
      --server-dev DEV: their links towards R (watched, and used by
      --tx packet, with --client-mac, --server-mac and R's MACs on them,
      --client-gw-mac, --server-gw-mac); --tx raw|packet; --client ADDR
      --server ADDR --cport N --sport N: the initial "flow"; --observer NS
      --flowctl PATH --outdir DIR: for "snap" and "stats" lines
  flood --client-ns L --server-ns P --server-dev DEV [--server ADDR]
        [--port N] [--net A.B.C.0/24] [--count N] [--seed N] [--batch N]
        [--record FILE]
      COUNT SYNs (MSS, SACK_PERM, WS options) from distinct random
      addresses and ports of --net, sent from L by a raw socket; counts
      those that arrive on DEV in P, a batch at a time. Prints
      {"received": N, "seconds": S, "sent": N}; --record gets "ADDR PORT"
      of each SYN, in the order sent
  conns --client-ns L --server-ns P --server ADDR --port N [--count N]
        [--first BYTES] [--second BYTES] --go FILE --release FILE
      COUNT real TCP connections from L to a listener on ADDR:PORT in P;
      each echoes --first bytes, then {"phase": "ready", "ports": [...]};
      once --go exists each echoes --second bytes, {"phase": "echoed",
      "ok": N}; once --release exists the clients close, then the
      servers, {"phase": "closed"}
  udp --send-ns NS --recv-ns NS --dst ADDR --port N [--count N] [--size N]
      COUNT datagrams of SIZE bytes from one socket in --send-ns (IPv4:
      never DF, so fragmented locally) to a socket in --recv-ns, which
      must receive each whole; {"local_port": N, "received": N, "sent": N}

SCRIPT lines ("#" starts a comment):

  flow [client=ADDR] [server=ADDR] [cport=N] [sport=N]
      the addresses and ports of the following packets (IPv6 if the
      addresses are); initially --client, --server, --cport, --sport
  C|S FLAGS [key=value|word]...
      a TCP segment from the client (C) or the server (S); FLAGS are
      letters of FSRPAUEC, e.g. S, SA, A, PA, FA, RA
  C|S udp|icmp|raw [key=value|word]...
      a UDP datagram, an ICMP(v6) echo request or a bare IP payload
  sleep SECONDS
  snap NAME      `flowctl -j list` in --observer into OUTDIR/NAME.json
  stats NAME     `flowctl stats -j` in --observer into OUTDIR/NAME.stats.json

Segment keys (all optional):
  seq=N ack=N win=N (default 64240) len=N (payload bytes) urg=N
  mss=N ws=N sackok      TCP options, each padded to 4 bytes with NOPs
  doff=N                 TCP data offset field (header length / 4)
  type=N code=N id=N     ICMP (type defaults to echo request)
  ttl=N tos=N ipid=N     IP header fields (IPv6: hop limit, traffic class)
  ihl=N                  IPv4 header length field (the header stays 20 bytes)
  ipcsum=bad             a wrong IPv4 header checksum
  iplen=N                IPv4 total length / IPv6 payload length field
  ver=N                  IP version field
  ext=N,N...             IPv6 extension headers (0, 43, 44, 60), 8 bytes each
  proto=N                IP protocol / next header of "raw" (default 253)
  cut=N                  keep only the first N bytes after the IP header
  trail=N                N more bytes after the datagram (--tx packet only)
  nowait                 do not wait for the packet to come out of R

run prints one JSON line: packets sent, and for the "nowait" packets the
script line numbers of those that did or did not come out of R (known once
a later packet has come out, so end a script with a waited packet).
Errors go to stderr and exit non-zero.
"""

import ctypes
import os
import select
import socket
import struct
import sys
import time

# Only light modules: under emulation every import costs (argparse, json,
# subprocess, random and ipaddress would more than double the start time).

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0

TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10,
             "U": 0x20, "E": 0x40, "C": 0x80}
WAIT_TIMEOUT = 5.0

_libc = ctypes.CDLL(None, use_errno=True)


class Fail(Exception):
    pass


def die(msg):
    sys.stderr.write("craft.py: %s\n" % msg)
    sys.exit(1)


def jtext(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(jtext(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit(obj):
    """One JSON object per line, keys sorted, as json.dumps(sort_keys=True)."""
    sys.stdout.write("{" + ", ".join('"%s": %s' % (k, jtext(obj[k]))
                                     for k in sorted(obj)) + "}\n")
    sys.stdout.flush()


class Rng:
    """xorshift64*: a small, seeded, reproducible generator."""

    def __init__(self, seed):
        self.x = (seed * 0x9E3779B97F4A7C15 + 1) & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        x = self.x
        x ^= x >> 12
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        self.x = x
        return (((x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF) >> 11) % n


# Network namespaces ----------------------------------------------------------

def _setns(fd, what):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise Fail("setns(%s): %s" % (what, os.strerror(err)))


class Netns:
    """with Netns(name): sockets created inside belong to that namespace."""

    def __init__(self, name):
        self.name = name
        self.home = None

    def __enter__(self):
        if not self.name:
            return self
        path = self.name if "/" in self.name else "/run/netns/" + self.name
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            os.close(self.home)
            raise Fail("netns %s: %s" % (self.name, e))
        try:
            _setns(fd, self.name)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        if self.home is not None:
            _setns(self.home, "back")
            os.close(self.home)
            self.home = None


def pin_cpu():
    try:
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
    except (AttributeError, OSError):
        pass


# Packet building -------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def is_v6(addr):
    return ":" in addr


def pton(addr):
    return socket.inet_pton(socket.AF_INET6 if is_v6(addr) else socket.AF_INET,
                            addr)


def l4_checksum(src, dst, proto, seg):
    if is_v6(src):
        pseudo = pton(src) + pton(dst) + struct.pack("!IxxxB", len(seg), proto)
    else:
        pseudo = pton(src) + pton(dst) + struct.pack("!xBH", proto, len(seg))
    c = checksum(pseudo + seg)
    return c if c else 0xFFFF


def tcp_options(kv):
    opts = b""
    if "mss" in kv:
        opts += struct.pack("!BBH", 2, 4, int(kv["mss"]))
    if "sackok" in kv:
        opts += b"\x01\x01\x04\x02"
    if "ws" in kv:
        opts += struct.pack("!BBBB", 1, 3, 3, int(kv["ws"]))
    return opts


def num(kv, key, default):
    v = kv.get(key)
    if v is None:
        return default
    return int(v, 0)


def build_tcp(src, dst, sport, dport, flags, kv):
    opts = tcp_options(kv)
    doff = num(kv, "doff", (20 + len(opts)) // 4)
    hdr = struct.pack("!HHIIBBHHH", sport, dport,
                      num(kv, "seq", 0) & 0xFFFFFFFF,
                      num(kv, "ack", 0) & 0xFFFFFFFF,
                      (doff & 0xF) << 4, flags, num(kv, "win", 64240), 0,
                      num(kv, "urg", 0)) + opts
    seg = hdr + b"x" * num(kv, "len", 0)
    c = l4_checksum(src, dst, socket.IPPROTO_TCP, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def build_udp(src, dst, sport, dport, kv):
    payload = b"u" * num(kv, "len", 0)
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_checksum(src, dst, socket.IPPROTO_UDP, seg)
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def build_icmp(src, dst, ident, kv):
    v6 = is_v6(src)
    typ = num(kv, "type", 128 if v6 else 8)
    payload = b"i" * num(kv, "len", 0)
    msg = struct.pack("!BBHHH", typ, num(kv, "code", 0), 0,
                      num(kv, "id", ident), num(kv, "seq", 1)) + payload
    if v6:
        c = l4_checksum(src, dst, socket.IPPROTO_ICMPV6, msg)
    else:
        c = checksum(msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


EXT_HEADERS = (0, 43, 44, 60)


def build_ext(kinds, last):
    """IPv6 extension headers of 8 bytes each, chained, ending with @last."""
    out = b""
    for i, kind in enumerate(kinds):
        nxt = kinds[i + 1] if i + 1 < len(kinds) else last
        if kind in (0, 60):          # hop-by-hop, destination options: PadN
            out += struct.pack("!BBBB4x", nxt, 0, 1, 4)
        elif kind == 43:             # routing header, segments left 0
            out += struct.pack("!BBBB4x", nxt, 0, 4, 0)
        elif kind == 44:             # fragment header, offset 0, last
            out += struct.pack("!BBHI", nxt, 0, 0, 0x5EED)
        else:
            raise Fail("unknown extension header %d" % kind)
    return out


class Builder:
    def __init__(self):
        self.ipid = os.getpid() % 30000 + 1

    def ip(self, src, dst, proto, payload, kv):
        """The IP datagram around @payload, and its length by the header."""
        if is_v6(src):
            kinds = ([int(k) for k in kv["ext"].split(",")]
                     if "ext" in kv else [])
            body = build_ext(kinds, proto) + payload
            nh = kinds[0] if kinds else proto
            if "cut" in kv:
                body = body[:int(kv["cut"])]
            plen = num(kv, "iplen", len(body))
            word = (num(kv, "ver", 6) << 28) | (num(kv, "tos", 0) << 20)
            hdr = struct.pack("!IHBB", word, plen, nh, num(kv, "ttl", 64))
            return hdr + pton(src) + pton(dst) + body
        if "ext" in kv:
            raise Fail("ext= is for IPv6")
        body = payload
        if "cut" in kv:
            body = body[:int(kv["cut"])]
        self.ipid = self.ipid % 65535 + 1
        tot = num(kv, "iplen", 20 + len(body))
        hdr = struct.pack("!BBHHHBBH4s4s",
                          (num(kv, "ver", 4) << 4) | (num(kv, "ihl", 5) & 0xF),
                          num(kv, "tos", 0), tot, num(kv, "ipid", self.ipid),
                          0, num(kv, "ttl", 64), proto, 0, pton(src),
                          pton(dst))
        c = checksum(hdr)
        if kv.get("ipcsum") == "bad":
            c = (c + 1) & 0xFFFF
        elif "ipcsum" in kv:
            c = int(kv["ipcsum"], 0)
        return hdr[:10] + struct.pack("!H", c) + hdr[12:] + body


def norm(ipdata):
    """A packet as it leaves R: TTL / hop limit and IPv4 checksum masked,
    cut to the length its header gives (R trims whatever follows)."""
    if not ipdata:
        return ipdata
    ver = ipdata[0] >> 4
    if ver == 4 and len(ipdata) >= 20:
        tot = struct.unpack("!H", ipdata[2:4])[0]
        b = ipdata[:tot]
        return b[:8] + b[9:10] + b[12:]
    if ver == 6 and len(ipdata) >= 40:
        plen = struct.unpack("!H", ipdata[4:6])[0]
        b = ipdata[:40 + plen]
        return b[:7] + b[8:]
    return ipdata


# Sending and seeing packets --------------------------------------------------

class Side:
    """One end: the namespace it sends from, its link towards R."""

    def __init__(self, ns, dev, mac, gw_mac, tx):
        self.ns = ns
        self.dev = dev
        self.mac = mac
        self.gw_mac = gw_mac
        self.tx = tx
        self.raw = {}
        self.pkt = None
        self.sniffer = None
        self.pending = []

    def open_sniffer(self):
        if not self.dev:
            raise Fail("no device given to watch in %s" % self.ns)
        with Netns(self.ns):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                              socket.htons(ETH_P_ALL))
            try:
                s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
            s.bind((self.dev, 0))
        s.setblocking(False)
        self.sniffer = s

    def send(self, ipdata, dst, trail=0):
        if self.tx == "packet":
            if self.pkt is None:
                if not (self.dev and self.mac and self.gw_mac):
                    raise Fail("--tx packet needs the devices and MACs")
                with Netns(self.ns):
                    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
                    s.bind((self.dev, 0))
                self.pkt = s
            etype = ETH_P_IPV6 if is_v6(dst) else ETH_P_IP
            frame = (mac_bytes(self.gw_mac) + mac_bytes(self.mac) +
                     struct.pack("!H", etype) + ipdata + b"\0" * trail)
            self.pkt.send(frame)
            return
        if trail:
            raise Fail("trail= needs --tx packet")
        fam = socket.AF_INET6 if is_v6(dst) else socket.AF_INET
        s = self.raw.get(fam)
        if s is None:
            with Netns(self.ns):
                s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
            self.raw[fam] = s
        s.sendto(ipdata, (dst, 0))

    def drain(self, timeout):
        """Read what arrived, waiting up to @timeout for the first packet."""
        got = 0
        r, _, _ = select.select([self.sniffer], [], [], max(timeout, 0))
        if not r:
            return 0
        while True:
            try:
                data, addr = self.sniffer.recvfrom(65535)
            except BlockingIOError:
                return got
            if addr[2] == PACKET_OUTGOING or len(data) < 14:
                continue
            etype = struct.unpack("!H", data[12:14])[0]
            if etype not in (ETH_P_IP, ETH_P_IPV6):
                continue
            self.pending.append(norm(data[14:]))
            got += 1

    def take(self, key):
        try:
            self.pending.remove(key)
            return True
        except ValueError:
            return False

    def wait_for(self, key, timeout=WAIT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.take(key):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.drain(left)
        return True


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


# run -------------------------------------------------------------------------

def parse_kv(words):
    kv = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            kv[k] = v
        else:
            kv[w] = ""
    return kv


def flowctl(a, args, path):
    """flowctl ARGS run in the --observer namespace, stdout into @path."""
    if not a.observer:
        raise Fail("snap/stats need --observer")
    path_ns = a.observer if "/" in a.observer else "/run/netns/" + a.observer
    with open(path, "wb") as out, open(path + ".err", "wb+") as err:
        pid = os.fork()
        if pid == 0:
            try:
                fd = os.open(path_ns, os.O_RDONLY)
                _setns(fd, a.observer)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.execvp(a.flowctl, [a.flowctl] + args)
            except BaseException as e:
                os.write(2, ("%s\n" % e).encode())
            os._exit(127)
        _, status = os.waitpid(pid, 0)
        err.seek(0)
        msg = err.read().decode(errors="replace").strip()
    if status:
        raise Fail("flowctl %s in %s: status %d: %s"
                   % (" ".join(args), a.observer, status, msg))


def cmd_run(a):
    pin_cpu()
    client = Side(a.client_ns, a.client_dev, a.client_mac, a.client_gw_mac,
                  a.tx)
    server = Side(a.server_ns, a.server_dev, a.server_mac, a.server_gw_mac,
                  a.tx)
    text = sys.stdin.read() if a.script == "-" else open(a.script).read()
    lines = text.splitlines()
    flow = {"client": a.client, "server": a.server, "cport": a.cport,
            "sport": a.sport}
    b = Builder()
    sent = 0
    nowait = []         # (line number, far side, key)
    opened = False
    for n, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        try:
            cmd = words[0]
            if cmd == "flow":
                for k, v in parse_kv(words[1:]).items():
                    if k not in flow:
                        raise Fail("unknown flow key %r" % k)
                    flow[k] = int(v) if k in ("cport", "sport") else v
                if is_v6(flow["client"]) != is_v6(flow["server"]):
                    raise Fail("client and server of different families")
                continue
            if cmd == "sleep":
                time.sleep(float(words[1]))
                continue
            if cmd == "snap":
                flowctl(a, ["-j", "list"],
                        os.path.join(a.outdir, words[1] + ".json"))
                continue
            if cmd == "stats":
                flowctl(a, ["stats", "-j"],
                        os.path.join(a.outdir, words[1] + ".stats.json"))
                continue
            if cmd not in ("C", "S") or len(words) < 2:
                raise Fail("unknown line")
            if not opened:
                client.open_sniffer()
                server.open_sniffer()
                opened = True
            kv = parse_kv(words[2:])
            if cmd == "C":
                src, dst, sp, dp = (flow["client"], flow["server"],
                                    flow["cport"], flow["sport"])
                me, far = client, server
            else:
                src, dst, sp, dp = (flow["server"], flow["client"],
                                    flow["sport"], flow["cport"])
                me, far = server, client
            kind = words[1]
            v6 = is_v6(src)
            if kind == "udp":
                proto = socket.IPPROTO_UDP
                payload = build_udp(src, dst, sp, dp, kv)
            elif kind == "icmp":
                proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
                payload = build_icmp(src, dst, sp, kv)
            elif kind == "raw":
                proto = num(kv, "proto", 253)
                payload = b"r" * num(kv, "len", 0)
            elif all(c in TCP_FLAGS for c in kind):
                proto = socket.IPPROTO_TCP
                flags = 0
                for c in kind:
                    flags |= TCP_FLAGS[c]
                payload = build_tcp(src, dst, sp, dp, flags, kv)
            else:
                raise Fail("unknown packet kind %r" % kind)
            ipdata = b.ip(src, dst, proto, payload, kv)
            me.send(ipdata, dst, num(kv, "trail", 0))
            sent += 1
            key = norm(ipdata)
            if "nowait" in kv:
                nowait.append((n, far, key))
            elif not far.wait_for(key):
                raise Fail("the packet did not come out of R within %.0f s"
                           % WAIT_TIMEOUT)
        except (Fail, OSError, ValueError, IndexError, KeyError) as e:
            die("%s line %d (%s): %s" % (a.script, n, line.strip(), e))
    # A last look: what R forwarded has arrived by now (see above).
    if nowait:
        client.drain(0)
        server.drain(0)
    came = [n for n, far, key in nowait if far.take(key)]
    emit({"sent": sent, "nowait_forwarded": came,
          "nowait_dropped": [n for n, _, _ in nowait if n not in came]})


# flood -----------------------------------------------------------------------

def cmd_flood(a):
    pin_cpu()
    base = a.net.split("/")[0]
    if not base.endswith(".0") or not a.net.endswith("/24"):
        die("--net must be an IPv4 /24, a.b.c.0/24")
    hosts = [base[:-1] + str(h) for h in range(1, 255)]
    rng = Rng(a.seed)
    if a.count > len(hosts) * 60000:
        die("--count too large for %s" % a.net)
    pairs = []
    seen = set()
    while len(pairs) < a.count:
        p = (hosts[rng.below(len(hosts))], 1024 + rng.below(65536 - 1024))
        if p not in seen:
            seen.add(p)
            pairs.append(p)
    client = Side(a.client_ns, None, None, None, "raw")
    server = Side(a.server_ns, a.server_dev, None, None, "raw")
    server.open_sniffer()
    b = Builder()
    want = {}
    sent = received = 0
    kv = {"win": "64240", "mss": "1460", "ws": "7", "sackok": ""}
    rec = open(a.record, "w") if a.record else None
    t0 = time.monotonic()
    for i in range(0, len(pairs), a.batch):
        for addr, port in pairs[i:i + a.batch]:
            kv["seq"] = str(rng.below(1 << 32))
            seg = build_tcp(addr, a.server, port, a.port, TCP_FLAGS["S"], kv)
            ipdata = b.ip(addr, a.server, socket.IPPROTO_TCP, seg, {})
            key = norm(ipdata)
            want[key] = want.get(key, 0) + 1
            client.send(ipdata, a.server)
            sent += 1
            if rec:
                rec.write("%s %d\n" % (addr, port))
        # Collect this batch: until all came, or none for WAIT_TIMEOUT.
        quiet_since = time.monotonic()
        while received < sent:
            left = quiet_since + WAIT_TIMEOUT - time.monotonic()
            if left <= 0:
                break
            server.drain(left)
            for key in server.pending:
                if want.get(key):
                    want[key] -= 1
                    received += 1
                    quiet_since = time.monotonic()
            server.pending = []
    if rec:
        rec.close()
    emit({"sent": sent, "received": received,
          "seconds": round(time.monotonic() - t0, 3)})


# conns -----------------------------------------------------------------------

def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise Fail("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def wait_file(path, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise Fail("timed out waiting for %s" % path)
        time.sleep(0.05)


def echo_round(pairs, size, fill):
    data = fill * size
    for c, s in pairs:
        c.sendall(data)
        got = recv_exact(s, size)
        s.sendall(got)
        if recv_exact(c, size) != data:
            raise Fail("echo differs")


def cmd_conns(a):
    fam = socket.AF_INET6 if is_v6(a.server) else socket.AF_INET
    with Netns(a.server_ns):
        ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.server, a.port))
    ls.listen(a.count + 8)
    ls.settimeout(60)
    clients = []
    for _ in range(a.count):
        with Netns(a.client_ns):
            c = socket.socket(fam, socket.SOCK_STREAM)
        c.settimeout(60)
        c.connect((a.server, a.port))
        clients.append(c)
    byport = {}
    for _ in range(a.count):
        s, peer = ls.accept()
        s.settimeout(60)
        byport[peer[1]] = s
    ls.close()
    pairs = []
    for c in clients:
        port = c.getsockname()[1]
        if port not in byport:
            raise Fail("no accepted connection from port %d" % port)
        pairs.append((c, byport[port]))
    echo_round(pairs, a.first, b"f")
    emit({"phase": "ready", "ports": [c.getsockname()[1] for c in clients]})
    wait_file(a.go, 300)
    echo_round(pairs, a.second, b"s")
    emit({"phase": "echoed", "ok": len(pairs)})
    wait_file(a.release, 300)
    for c, _ in pairs:
        c.close()
    for _, s in pairs:
        while s.recv(65536):
            pass
        s.close()
    emit({"phase": "closed"})


# udp -------------------------------------------------------------------------

def cmd_udp(a):
    fam = socket.AF_INET6 if is_v6(a.dst) else socket.AF_INET
    with Netns(a.recv_ns):
        r = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    r.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", a.port))
    r.settimeout(10)
    with Netns(a.send_ns):
        s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET:
        # Fragment locally, never set DF (the default for UDP anyway).
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.connect((a.dst, a.port))
    payload = b"d" * a.size
    received = 0
    for _ in range(a.count):
        s.send(payload)
        data = r.recv(65536)
        if len(data) != a.size:
            raise Fail("received %d bytes, sent %d" % (len(data), a.size))
        received += 1
    emit({"sent": a.count, "received": received,
          "local_port": s.getsockname()[1]})


# main ------------------------------------------------------------------------

# Options: "--name value" (or "--name" alone for a flag), turned into
# attributes (dashes to underscores); int and None defaults make ints.
COMMANDS = {
    "run": (cmd_run, ["script"], {
        "client_ns": None, "server_ns": None, "client_dev": None,
        "server_dev": None, "client_mac": None, "server_mac": None,
        "client_gw_mac": None, "server_gw_mac": None, "tx": "raw",
        "client": "10.4.0.5", "server": "10.3.0.5", "cport": 40000,
        "sport": 80, "observer": None, "flowctl": "flowctl",
        "outdir": "."}),
    "flood": (cmd_flood, [], {
        "client_ns": None, "server_ns": None, "server_dev": None,
        "server": "10.3.0.5", "port": 80, "net": "10.4.0.0/24",
        "count": 1000, "seed": 1, "batch": 100, "record": None}),
    "conns": (cmd_conns, [], {
        "client_ns": None, "server_ns": None, "server": None, "port": 0,
        "count": 10, "first": 100, "second": 1000, "go": None,
        "release": None}),
    "udp": (cmd_udp, [], {
        "send_ns": None, "recv_ns": None, "dst": None, "port": 0,
        "count": 4, "size": 3000}),
}
REQUIRED = {"run": ["client_ns", "server_ns"],
            "flood": ["client_ns", "server_ns", "server_dev"],
            "conns": ["client_ns", "server_ns", "server", "port", "go",
                      "release"],
            "udp": ["send_ns", "recv_ns", "dst", "port"]}


class Args:
    pass


def parse_args(argv):
    if not argv or argv[0] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    func, positional, opts = COMMANDS[argv[0]]
    a = Args()
    a.cmd = argv[0]
    a.func = func
    for k, v in opts.items():
        setattr(a, k, v)
    pos = []
    it = iter(argv[1:])
    for w in it:
        if not w.startswith("--"):
            pos.append(w)
            continue
        k = w[2:].replace("-", "_")
        if k not in opts:
            die("%s: unknown option %s" % (a.cmd, w))
        v = next(it, None)
        if v is None:
            die("%s: %s needs a value" % (a.cmd, w))
        setattr(a, k, int(v) if isinstance(opts[k], int) else v)
    if len(pos) != len(positional):
        die("%s: expected %s" % (a.cmd, " ".join(positional) or
                                 "no positional arguments"))
    for k, v in zip(positional, pos):
        setattr(a, k, v)
    for k in REQUIRED[a.cmd]:
        if not getattr(a, k):
            die("%s: --%s is required" % (a.cmd, k.replace("_", "-")))
    if a.cmd == "run" and a.tx not in ("raw", "packet"):
        die("run: --tx raw or --tx packet")
    return a


def main():
    a = parse_args(sys.argv[1:])
    try:
        a.func(a)
    except (Fail, OSError, socket.timeout) as e:
        die("%s: %s" % (a.cmd, e))


if __name__ == "__main__":
    main()
