#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic generators for the flowmon selftests (python3, stdlib only).

Every generator does an exactly known exchange, so the tests can assert
exact counters. Servers bind to the IPv6 wildcard with IPV6_V6ONLY off, so
one server answers both IPv4 and IPv6 clients. Results are printed as one
JSON object per line on stdout; errors go to stderr and exit non-zero.

  tcp-server PORT --recv N --send M
      Accept one connection, read exactly N bytes, send M bytes, wait
      --settle seconds, print the socket's TCP_INFO counters, then read
      until the client closes and close.
  tcp-client ADDR PORT --send N --recv M [--hold FILE]
      Connect, send exactly N bytes, read exactly M bytes, wait --settle
      seconds (delayed ACKs go out), print TCP_INFO counters, then (with
      --hold) wait until FILE exists, and close.
  tcp-echo-loop PORT
      Accept connections one after another until killed: echo what each
      sends until its FIN, then close it.
  tcp-churn ADDR PORT --count N --size S
      N short connections one after another: connect, send S bytes, read
      them back, close (the client closes first). {"connections": N,
      "echoed": bytes} once all are done; any short echo is an error.
  tcp-sink PORT            accept connections one by one, read each to its end
  udp-sink PORT            receive and discard datagrams until killed
  udp-echo PORT            send every datagram back to its sender
  udp-unread PORT --count N  wait until N datagrams are queued, and close the
                           socket with them unread
  udp-filtered PORT        a socket whose filter refuses every datagram (the
                           kernel drops them: SOCKET_FILTER)
  udp-send ADDR PORT --count K --size S [--hex H] [--echo] [--interval T]
           [--duration D]
      Send K datagrams of S payload bytes from one socket (so one flow);
      with --hex each starts with the bytes H (hexadecimal), the rest
      zeros; with --echo wait for each reply before sending the next.
  udp-flows ADDR PORT --count C --base-port B [--size S] [--hex H]
            [--make-it-fail]
      Send one datagram from each of C source ports B .. B+C-1 (--hex as
      for udp-send). With --make-it-fail, the sends run with the kernel's
      fault injection on for this task (/proc/thread-self/make-it-fail):
      a send that fails for want of memory is counted, not an error.
      {"sent": N, "failed": F, ...}
  udp-ports ADDR FIRST --count C [--size S] [--source-port P]
      From one socket (source port P, else the kernel's choice), send one
      datagram of S payload bytes to each destination port FIRST ..
      FIRST+C-1: C flows from a single socket, far cheaper than C sockets.
  raw-addrs FIRST --count C --proto P [--size S] [--rate R] [--duration D]
      From one raw IPv4 socket of protocol P, send one datagram of S
      payload bytes to each of the C addresses FIRST, FIRST+1...: C flows
      of a protocol keyed by addresses only. With --duration, start over
      at FIRST after the last address until D seconds have passed (or
      until killed); --rate: at most R datagrams a second.
  tcp-listen [--maxseg N] PORT STEP...
  tcp-connect [--bind-port P] [--maxseg N] [--expect-refused] ADDR PORT STEP...
      A scripted TCP endpoint: accept one connection (or connect), then
      run the STEPs in order; the socket is closed at the end if no step
      closed it. The options come before ADDR or PORT. --bind-port binds
      the client to source port P (with SO_REUSEADDR); --maxseg sets
      TCP_MAXSEG before connect or listen; with --expect-refused the
      connect must fail with ECONNREFUSED, and {"refused": true, ...} is
      printed. STEPs:
        send:N      send exactly N bytes
        line:TEXT   send TEXT and CR LF (a protocol's greeting or command)
        recv:N      receive exactly N bytes
        eof         read until the peer's FIN; no more data may come
        reset       read until the peer's RST (ECONNRESET); no data may come
        acked       wait until all we sent (FIN included) is acknowledged
        sleep:S     sleep S seconds
        wait:FILE   wait until FILE exists
        touch:FILE  create FILE
        info[:TAG]  print TCP_INFO (and TAG as "tag") as one JSON line
        seqs[:TAG]  print the kernel's write_seq, rcv_nxt, snd_wnd and
                    rcv_wnd (TCP_REPAIR, needs CAP_NET_ADMIN) as one JSON line
        shutdown    shutdown(SHUT_WR): send our FIN, keep receiving
        close       close the socket
        rst         SO_LINGER {1, 0}, then close: the socket sends a RST
"""

import argparse
import ctypes
import errno
import ipaddress
import json
import os
import socket
import struct
import sys
import time

# struct tcp_info (include/uapi/linux/tcp.h, Linux 6.1): 8 bytes of __u8
# fields, 24 __u32 (offset 8 .. 104, tcpi_total_retrans at 100), then __u64
# fields from 104. Offsets checked with offsetof() against the 6.1 header:
TCPI = {
    "state": (0, "B"),
    "total_retrans": (100, "I"),
    "bytes_acked": (120, "Q"),
    "bytes_received": (128, "Q"),
    "segs_out": (136, "I"),
    "segs_in": (140, "I"),
    "data_segs_in": (152, "I"),
    "data_segs_out": (156, "I"),
    "bytes_sent": (200, "Q"),
    "bytes_retrans": (208, "Q"),
}
TCPI_SIZE = 232           # sizeof(struct tcp_info) in 6.1
TCPI_NEEDED = 216         # up to and including tcpi_bytes_retrans
TCP_ESTABLISHED = 1
TCP_CLOSE_WAIT = 8

HOLD_TIMEOUT = 300.0      # never wait forever for the test to release us
IO_TIMEOUT = 120.0
SO_ATTACH_FILTER = 26     # asm-generic/socket.h; not in Python's socket
SO_PEEK_OFF = 42          # asm-generic/socket.h


def die(msg):
    sys.stderr.write("traffic.py: %s\n" % msg)
    sys.exit(1)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def tcp_info(sock):
    raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCPI_SIZE)
    if len(raw) < TCPI_NEEDED:
        die("TCP_INFO returned %d bytes, need %d" % (len(raw), TCPI_NEEDED))
    info = {}
    for name, (off, fmt) in TCPI.items():
        info[name] = struct.unpack_from("=" + fmt, raw, off)[0]
    return info


def check_tcp_info(info, sent, received, role):
    """Cross-check the parsed offsets against what we know happened."""
    problems = []
    if role == "server" and info["state"] == TCP_CLOSE_WAIT:
        received += 1       # the client's FIN came already: it counts too
    elif info["state"] != TCP_ESTABLISHED:
        problems.append("tcpi_state %d != ESTABLISHED" % info["state"])
    # tcpi_bytes_acked may count the SYN's sequence number too.
    if info["bytes_acked"] not in (sent, sent + 1):
        problems.append("tcpi_bytes_acked %d != %d bytes sent (+1 for SYN)"
                        % (info["bytes_acked"], sent))
    if info["bytes_received"] != received:
        problems.append("tcpi_bytes_received %d != %d bytes received"
                        % (info["bytes_received"], received))
    if info["bytes_sent"] != sent + info["bytes_retrans"]:
        problems.append("tcpi_bytes_sent %d != %d + retrans %d"
                        % (info["bytes_sent"], sent, info["bytes_retrans"]))
    if problems:
        die("%s: TCP_INFO cross-check failed (wrong struct layout?): %s"
            % (role, "; ".join(problems)))


def recv_exact(sock, n):
    got = 0
    while got < n:
        chunk = sock.recv(min(65536, n - got))
        if not chunk:
            die("peer closed after %d of %d bytes" % (got, n))
        got += len(chunk)
    return got


def send_exact(sock, n):
    block = b"x" * 65536
    left = n
    while left > 0:
        k = min(left, len(block))
        sock.sendall(block[:k])
        left -= k


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server_socket(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    return s


def peer_addr(sa):
    """Unmap ::ffff:a.b.c.d so the output names the address on the wire."""
    host = sa[0]
    if host.startswith("::ffff:") and "." in host:
        host = host[7:]
    return host


def cmd_tcp_server(a):
    ls = server_socket(socket.SOCK_STREAM, a.port)
    ls.listen(8)
    ls.settimeout(a.accept_timeout)
    conn, sa = ls.accept()
    ls.close()
    conn.settimeout(IO_TIMEOUT)
    recv_exact(conn, a.recv)
    send_exact(conn, a.send)
    # Wait until the client has acknowledged everything, then settle.
    deadline = time.monotonic() + IO_TIMEOUT
    while tcp_info(conn)["bytes_acked"] < a.send:
        if time.monotonic() > deadline:
            die("server: data not acknowledged in time")
        time.sleep(0.02)
    time.sleep(a.settle)
    info = tcp_info(conn)
    check_tcp_info(info, a.send, a.recv, "server")
    info.update(role="server", peer=peer_addr(sa), peer_port=sa[1],
                local_port=conn.getsockname()[1])
    emit(info)
    # Wait for the client's FIN, then close: the client closes first.
    conn.settimeout(HOLD_TIMEOUT)
    while conn.recv(65536):
        pass
    conn.close()


def wait_for_file(path, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            die("timed out waiting for %s" % path)
        time.sleep(0.05)


def cmd_tcp_client(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_STREAM)
    s.settimeout(IO_TIMEOUT)
    s.connect((a.addr, a.port))
    send_exact(s, a.send)
    recv_exact(s, a.recv)
    # Let delayed ACKs go out so the connection is idle when we look.
    time.sleep(a.settle)
    info = tcp_info(s)
    check_tcp_info(info, a.send, a.recv, "client")
    info.update(role="client", local_port=s.getsockname()[1])
    emit(info)
    if a.hold:
        wait_for_file(a.hold, HOLD_TIMEOUT)
    s.close()


def cmd_tcp_echo_loop(a):
    ls = server_socket(socket.SOCK_STREAM, a.port)
    ls.listen(64)
    while True:
        conn, _ = ls.accept()
        conn.settimeout(IO_TIMEOUT)
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
        conn.close()


def cmd_tcp_churn(a):
    data = b"c" * a.size
    for _ in range(a.count):
        s = socket.socket(family_of(a.addr), socket.SOCK_STREAM)
        s.settimeout(IO_TIMEOUT)
        s.connect((a.addr, a.port))
        s.sendall(data)
        recv_exact(s, a.size)
        s.close()
    emit({"connections": a.count, "echoed": a.count * a.size})


def cmd_tcp_sink(a):
    """Accept connections one after another, and count what they bring:
    a JSON line {"connection": N, "bytes": B} as each ends."""
    ls = server_socket(socket.SOCK_STREAM, a.port)
    ls.listen(4)
    n = 0
    while True:
        conn, _ = ls.accept()
        n += 1
        total = 0
        while True:
            data = conn.recv(65536)
            if not data:
                break
            total += len(data)
        conn.close()
        emit({"connection": n, "bytes": total})


def cmd_udp_sink(a):
    s = server_socket(socket.SOCK_DGRAM, a.port)
    while True:
        s.recv(65536)


def cmd_udp_filtered(a):
    """A socket whose filter (classic BPF "ret #0") refuses every datagram."""
    s = server_socket(socket.SOCK_DGRAM, a.port)
    insn = ctypes.create_string_buffer(struct.pack("=HBBI", 0x06, 0, 0, 0))
    prog = struct.pack("@HxxxxxxP", 1, ctypes.addressof(insn))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
    while True:
        s.recv(65536)


def cmd_udp_unread(a):
    """Peek at COUNT datagrams (SO_PEEK_OFF walks the queue), so that all
    are queued, and close the socket with them unread."""
    s = server_socket(socket.SOCK_DGRAM, a.port)
    s.setsockopt(socket.SOL_SOCKET, SO_PEEK_OFF, 0)
    for _ in range(a.count):
        s.recv(65536, socket.MSG_PEEK)
    s.close()
    emit({"peeked": a.count})


def cmd_udp_echo(a):
    s = server_socket(socket.SOCK_DGRAM, a.port)
    while True:
        data, sa = s.recvfrom(65536)
        s.sendto(data, sa)


def payload_of(a, filler):
    """--size bytes of @filler, or --hex's bytes padded with zeros."""
    if a.hex is None:
        return filler * a.size
    start = bytes.fromhex(a.hex)
    if len(start) > a.size:
        die("--hex gives %d bytes, more than --size %d" % (len(start), a.size))
    return start + bytes(a.size - len(start))


def make_it_fail(on):
    """Fault injection's task filter (failslab/task-filter) for this task."""
    with open("/proc/thread-self/make-it-fail", "w") as f:
        f.write("1" if on else "0")


def cmd_udp_send(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_DGRAM)
    s.settimeout(a.reply_timeout)
    payload = payload_of(a, b"u")
    dest = (a.addr, a.port)
    sent = received = 0
    deadline = time.monotonic() + a.duration if a.duration else None
    while sent < a.count:
        if deadline is not None and time.monotonic() > deadline:
            break
        s.sendto(payload, dest)
        sent += 1
        if a.echo:
            data = s.recv(65536)
            if len(data) != a.size:
                die("echo reply of %d bytes, expected %d" % (len(data), a.size))
            received += 1
        if a.interval:
            time.sleep(a.interval)
    emit({"local_port": s.getsockname()[1], "sent": sent,
          "received": received})
    s.close()


def udp_flow(fam, port, payload, dest):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", port))
        s.sendto(payload, dest)
    finally:
        s.close()


def cmd_udp_flows(a):
    fam = family_of(a.addr)
    payload = payload_of(a, b"f")
    dest = (a.addr, a.port)
    sent = failed = 0
    if a.make_it_fail:
        make_it_fail(True)
    for i in range(a.count):
        try:
            udp_flow(fam, a.base_port + i, payload, dest)
            sent += 1
        except OSError as e:
            if not a.make_it_fail or e.errno not in (errno.ENOMEM,
                                                     errno.ENOBUFS):
                raise
            failed += 1
    if a.make_it_fail:
        make_it_fail(False)
    emit({"sent": sent, "failed": failed, "first_port": a.base_port,
          "last_port": a.base_port + a.count - 1})


def cmd_udp_ports(a):
    fam = family_of(a.addr)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.source_port:
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", a.source_port))
    payload = b"p" * a.size
    for port in range(a.first, a.first + a.count):
        s.sendto(payload, (a.addr, port))
    emit({"local_port": s.getsockname()[1], "sent": a.count,
          "first_port": a.first, "last_port": a.first + a.count - 1})
    s.close()


def cmd_raw_addrs(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, a.proto)
    first = int(ipaddress.IPv4Address(a.first))
    dests = [(str(ipaddress.IPv4Address(first + i)), 0)
             for i in range(a.count)]
    payload = b"r" * a.size
    batch = 100
    start = time.monotonic()
    deadline = start + a.duration if a.duration else None
    sent = passes = 0
    while True:
        for dest in dests:
            s.sendto(payload, dest)
            sent += 1
            if a.rate and sent % batch == 0:
                ahead = start + sent / a.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        passes += 1
        if deadline is None or time.monotonic() > deadline:
            break
    emit({"sent": sent, "passes": passes, "first": a.first,
          "last": str(ipaddress.IPv4Address(first + a.count - 1))})
    s.close()


# More of struct tcp_info (6.1) for the scripted endpoints: byte 5 is
# tcpi_options (TCPI_OPT_*), byte 6 the bit fields tcpi_snd_wscale:4 (low
# nibble on little-endian machines) and tcpi_rcv_wscale:4; the __u32 fields
# tcpi_snd_mss, tcpi_rcv_mss, tcpi_unacked, tcpi_advmss at 16, 20, 24, 84.
TCPI_MORE = {
    "options": (5, "B"),
    "snd_mss": (16, "I"),
    "rcv_mss": (20, "I"),
    "unacked": (24, "I"),
    "advmss": (84, "I"),
}
TCPI_OPT_TIMESTAMPS = 1
TCPI_OPT_SACK = 2
TCPI_OPT_WSCALE = 4
TCP_STATE_NAMES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV",
                   4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE",
                   8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
                   11: "CLOSING"}
# include/uapi/linux/tcp.h
TCP_MAXSEG = 2
TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_REPAIR_WINDOW = 29
TCP_RECV_QUEUE = 1
TCP_SEND_QUEUE = 2
TCP_REPAIR_ON = 1
TCP_REPAIR_OFF_NO_WP = -1


def tcp_info_full(sock):
    raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCPI_SIZE)
    if len(raw) < TCPI_NEEDED:
        die("TCP_INFO returned %d bytes, need %d" % (len(raw), TCPI_NEEDED))
    info = {}
    for table in (TCPI, TCPI_MORE):
        for name, (off, fmt) in table.items():
            info[name] = struct.unpack_from("=" + fmt, raw, off)[0]
    if sys.byteorder == "little":
        info["snd_wscale"] = raw[6] & 0xf
        info["rcv_wscale"] = raw[6] >> 4
    else:
        info["snd_wscale"] = raw[6] >> 4
        info["rcv_wscale"] = raw[6] & 0xf
    info["state_name"] = TCP_STATE_NAMES.get(info["state"], "?")
    info["sack"] = bool(info["options"] & TCPI_OPT_SACK)
    info["wscale_ok"] = bool(info["options"] & TCPI_OPT_WSCALE)
    info["timestamps"] = bool(info["options"] & TCPI_OPT_TIMESTAMPS)
    return info


def tcp_seqs(sock):
    """write_seq, rcv_nxt, snd_wnd (the peer's last window, scaled) and
    rcv_wnd (our last advertised window, before scaling) of an idle socket,
    through TCP_REPAIR."""
    sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_ON)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
        write_seq = struct.unpack("=I", sock.getsockopt(
            socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
        sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
        rcv_nxt = struct.unpack("=I", sock.getsockopt(
            socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
        # struct tcp_repair_window: snd_wl1, snd_wnd, max_window, rcv_wnd,
        # rcv_wup
        win = struct.unpack("=5I", sock.getsockopt(
            socket.IPPROTO_TCP, TCP_REPAIR_WINDOW, 20))
    finally:
        # Leave repair mode without the window probe TCP_REPAIR_OFF sends.
        sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP)
    return {"write_seq": write_seq, "rcv_nxt": rcv_nxt, "snd_wnd": win[1],
            "rcv_wnd": win[3]}


class Script:
    def __init__(self, sock, role, peer):
        self.sock = sock
        self.role = role
        self.sent = 0
        self.received = 0
        self.local_port = sock.getsockname()[1]
        self.peer_port = peer[1]

    def emit(self, obj, tag):
        obj.update(role=self.role, local_port=self.local_port,
                   peer_port=self.peer_port, sent=self.sent,
                   received=self.received)
        if tag is not None:
            obj["tag"] = tag
        emit(obj)

    def read_until_end(self, want_reset):
        got = 0
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        except ConnectionResetError:
            if not want_reset:
                die("%s: connection reset, expected a FIN" % self.role)
            if got:
                die("%s: %d bytes before the RST, expected none"
                    % (self.role, got))
            return
        if want_reset:
            die("%s: FIN after %d bytes, expected a RST" % (self.role, got))
        if got:
            die("%s: %d bytes before the FIN, expected none" % (self.role, got))

    def wait_acked(self):
        deadline = time.monotonic() + IO_TIMEOUT
        while tcp_info_full(self.sock)["unacked"]:
            if time.monotonic() > deadline:
                die("%s: data not acknowledged in time" % self.role)
            time.sleep(0.02)

    def run(self, steps):
        closed = False
        for step in steps:
            op, _, arg = step.partition(":")
            if closed and op not in ("sleep", "wait", "touch"):
                die("step %s after the socket was closed" % step)
            if op == "send":
                send_exact(self.sock, int(arg))
                self.sent += int(arg)
            elif op == "line":
                data = arg.encode() + b"\r\n"
                self.sock.sendall(data)
                self.sent += len(data)
            elif op == "recv":
                self.received += recv_exact(self.sock, int(arg))
            elif op == "eof":
                self.read_until_end(False)
            elif op == "reset":
                self.read_until_end(True)
            elif op == "acked":
                self.wait_acked()
            elif op == "sleep":
                time.sleep(float(arg))
            elif op == "wait":
                wait_for_file(arg, HOLD_TIMEOUT)
            elif op == "touch":
                open(arg, "w").close()
            elif op == "info":
                self.emit(tcp_info_full(self.sock), arg or None)
            elif op == "seqs":
                self.emit(tcp_seqs(self.sock), arg or None)
            elif op == "shutdown":
                self.sock.shutdown(socket.SHUT_WR)
            elif op == "close":
                self.sock.close()
                closed = True
            elif op == "rst":
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                self.sock.close()
                closed = True
            else:
                die("unknown step %r" % step)
        if not closed:
            self.sock.close()


def cmd_tcp_listen(a):
    ls = server_socket(socket.SOCK_STREAM, a.port)
    if a.maxseg:
        ls.setsockopt(socket.IPPROTO_TCP, TCP_MAXSEG, a.maxseg)
    ls.listen(8)
    ls.settimeout(a.accept_timeout)
    conn, sa = ls.accept()
    ls.close()
    conn.settimeout(IO_TIMEOUT)
    Script(conn, "server", sa).run(a.steps)


def cmd_tcp_connect(a):
    fam = family_of(a.addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if a.bind_port:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", a.bind_port))
    if a.maxseg:
        s.setsockopt(socket.IPPROTO_TCP, TCP_MAXSEG, a.maxseg)
    s.settimeout(IO_TIMEOUT)
    try:
        s.connect((a.addr, a.port))
    except ConnectionRefusedError:
        if not a.expect_refused:
            raise
        emit({"role": "client", "refused": True,
              "local_port": s.getsockname()[1]})
        s.close()
        return
    if a.expect_refused:
        die("connect to %s port %d succeeded, expected ECONNREFUSED"
            % (a.addr, a.port))
    Script(s, "client", (a.addr, a.port)).run(a.steps)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    q = sub.add_parser("tcp-server")
    q.add_argument("port", type=int)
    q.add_argument("--recv", type=int, required=True)
    q.add_argument("--send", type=int, required=True)
    q.add_argument("--settle", type=float, default=0.5)
    q.add_argument("--accept-timeout", type=float, default=HOLD_TIMEOUT)
    q.set_defaults(func=cmd_tcp_server)

    q = sub.add_parser("tcp-client")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--send", type=int, required=True)
    q.add_argument("--recv", type=int, required=True)
    q.add_argument("--settle", type=float, default=0.5)
    q.add_argument("--hold", help="keep the connection open until FILE exists")
    q.set_defaults(func=cmd_tcp_client)

    q = sub.add_parser("tcp-sink")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_tcp_sink)

    q = sub.add_parser("udp-sink")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_udp_sink)

    q = sub.add_parser("tcp-echo-loop")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_tcp_echo_loop)

    q = sub.add_parser("tcp-churn")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--size", type=int, required=True)
    q.set_defaults(func=cmd_tcp_churn)

    q = sub.add_parser("udp-filtered")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_udp_filtered)

    q = sub.add_parser("udp-unread")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.set_defaults(func=cmd_udp_unread)

    q = sub.add_parser("udp-echo")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_udp_echo)

    q = sub.add_parser("udp-send")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--size", type=int, required=True)
    q.add_argument("--hex", help="the payload's first bytes, in hexadecimal")
    q.add_argument("--echo", action="store_true",
                   help="wait for each datagram to come back")
    q.add_argument("--interval", type=float, default=0.0)
    q.add_argument("--duration", type=float, default=0.0,
                   help="stop after this many seconds (0: no limit)")
    q.add_argument("--reply-timeout", type=float, default=30.0)
    q.set_defaults(func=cmd_udp_send)

    q = sub.add_parser("udp-flows")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, default=5000)
    q.add_argument("--base-port", type=int, default=20000)
    q.add_argument("--size", type=int, default=16)
    q.add_argument("--hex", help="the payload's first bytes, in hexadecimal")
    q.add_argument("--make-it-fail", action="store_true",
                   help="send with fault injection on for this task")
    q.set_defaults(func=cmd_udp_flows)

    q = sub.add_parser("udp-ports")
    q.add_argument("addr")
    q.add_argument("first", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--size", type=int, default=16)
    q.add_argument("--source-port", type=int, default=0)
    q.set_defaults(func=cmd_udp_ports)

    q = sub.add_parser("raw-addrs")
    q.add_argument("first")
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--proto", type=int, required=True)
    q.add_argument("--size", type=int, default=8)
    q.add_argument("--rate", type=float, default=0.0,
                   help="datagrams per second at most (0: no limit)")
    q.add_argument("--duration", type=float, default=0.0,
                   help="repeat the addresses for this many seconds (0: once)")
    q.set_defaults(func=cmd_raw_addrs)

    q = sub.add_parser("tcp-listen")
    q.add_argument("port", type=int)
    q.add_argument("--maxseg", type=int, default=0)
    q.add_argument("--accept-timeout", type=float, default=HOLD_TIMEOUT)
    q.add_argument("steps", nargs=argparse.REMAINDER)
    q.set_defaults(func=cmd_tcp_listen)

    q = sub.add_parser("tcp-connect")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--bind-port", type=int, default=0)
    q.add_argument("--maxseg", type=int, default=0)
    q.add_argument("--expect-refused", action="store_true")
    q.add_argument("steps", nargs=argparse.REMAINDER)
    q.set_defaults(func=cmd_tcp_connect)

    a = p.parse_args()
    try:
        a.func(a)
    except (OSError, socket.timeout) as e:
        die("%s: %s" % (a.cmd, e))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
