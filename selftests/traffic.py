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
  udp-sink PORT            receive and discard datagrams until killed
  udp-echo PORT            send every datagram back to its sender
  udp-send ADDR PORT --count K --size S [--echo] [--interval T] [--duration D]
      Send K datagrams of S payload bytes from one socket (so one flow);
      with --echo wait for each reply before sending the next.
  udp-flows ADDR PORT --count C --base-port B [--size S]
      Send one datagram from each of C source ports B .. B+C-1.
"""

import argparse
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


def cmd_udp_sink(a):
    s = server_socket(socket.SOCK_DGRAM, a.port)
    while True:
        s.recv(65536)


def cmd_udp_echo(a):
    s = server_socket(socket.SOCK_DGRAM, a.port)
    while True:
        data, sa = s.recvfrom(65536)
        s.sendto(data, sa)


def cmd_udp_send(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_DGRAM)
    s.settimeout(a.reply_timeout)
    payload = b"u" * a.size
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


def cmd_udp_flows(a):
    fam = family_of(a.addr)
    payload = b"f" * a.size
    dest = (a.addr, a.port)
    wildcard = "::" if fam == socket.AF_INET6 else "0.0.0.0"
    sent = 0
    for i in range(a.count):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((wildcard, a.base_port + i))
        s.sendto(payload, dest)
        s.close()
        sent += 1
    emit({"sent": sent, "first_port": a.base_port,
          "last_port": a.base_port + a.count - 1})


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

    q = sub.add_parser("udp-sink")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_udp_sink)

    q = sub.add_parser("udp-echo")
    q.add_argument("port", type=int)
    q.set_defaults(func=cmd_udp_echo)

    q = sub.add_parser("udp-send")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--size", type=int, required=True)
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
    q.set_defaults(func=cmd_udp_flows)

    a = p.parse_args()
    try:
        a.func(a)
    except (OSError, socket.timeout) as e:
        die("%s: %s" % (a.cmd, e))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
