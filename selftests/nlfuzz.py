#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Random and mutated generic netlink messages to the flowmon family, for
the flowmon selftests (python3, stdlib only).

  nlfuzz.py fuzz --count N [--seed S]
      Send N messages, one per datagram, and check each answer: every
      message must get exactly one NLMSG_ERROR (an errno or the ack) or a
      dump ending in NLMSG_DONE, with its sequence number, made of
      well-formed messages (lengths within the datagram, attributes within
      their message); a message whose netlink header the kernel must
      ignore (shorter than a header, or longer than the datagram) gets no
      answer at all (a request sent after it is answered first). Messages
      are random attribute trees of any depth under every command number
      (known or not), valid requests mutated byte by byte, and damaged
      headers; flags include dump flags on any command. The same seed gives
      the same messages. Prints a JSON summary ({"sent": N, "answers": {
      errno name or "ok": count}, "ignored": K}); exits 1, after saying
      why on stderr, at the first bad answer, or if an errno is not one
      the family documents.
  nlfuzz.py abandon --sockets K
      Open K sockets, start a dump of all flows on each, read the first
      part on every other one, and close them all without reading on.
      Prints {"started": K, "read": R}.
"""

import argparse
import errno
import json
import random
import socket
import struct
import sys

from genl import (A_CONFIG, A_FILTER, A_FLOW, GET_FLOW, NLA_F_NESTED,
                  NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE,
                  NLMSG_ERROR, Genl, nla, nest, u8, u16, u32, u64)

# What the uapi header says the family answers with.
DOCUMENTED = {0, errno.EINVAL, errno.ERANGE, errno.EOPNOTSUPP, errno.EPERM,
              errno.ENOENT, errno.EMSGSIZE}
CMDS = 12			# the family's commands are 0-9
RECV = 1 << 16
TIMEOUT = 120.0

INTS = (0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff,
        (1 << 64) - 1)


def rand_payload(rng):
    kind = rng.randrange(8)
    if kind == 0:
        return b""
    if kind == 1:
        return struct.pack("=B", rng.choice(INTS) & 0xff)
    if kind == 2:
        return struct.pack("=H", rng.choice(INTS) & 0xffff)
    if kind == 3:
        return struct.pack("=I", rng.choice(INTS) & 0xffffffff)
    if kind == 4:
        return struct.pack("=Q", rng.choice(INTS))
    if kind == 5:
        text = rng.choice((b"tls", b"dns", b"*.example.test", b"x" * 300,
                           b"\xff\xfe", b"", b"*"))
        return text + (b"\0" if rng.randrange(2) else b"")
    if kind == 6:
        return rng.randbytes(rng.choice((3, 5, 16, 17)))
    return rng.randbytes(rng.randrange(64, 2048))


def rand_attrs(rng, depth):
    out = b""
    for _ in range(rng.randrange(6)):
        kind = rng.choice((rng.randrange(1, 32), rng.randrange(1, 32),
                           rng.randrange(0x4000)))
        if depth < 12 and rng.randrange(3) == 0:
            body = rand_attrs(rng, depth + 1)
            kind |= NLA_F_NESTED if rng.randrange(4) else 0
        else:
            body = rand_payload(rng)
        out += nla(kind, body)
    return out


def random_tree(rng):
    top = rng.choice((A_FLOW, A_FILTER, A_CONFIG, rng.randrange(1, 16)))
    body = rand_attrs(rng, 1)
    return nla(top | (NLA_F_NESTED if rng.randrange(5) else 0), body)


def valid_request(rng):
    """A request the family accepts: (command, flags, payload)."""
    return rng.choice((
        (0, NLM_F_DUMP, b""),
        (0, NLM_F_DUMP, nest(A_FILTER, u8(3, 17))),
        (0, NLM_F_DUMP, nest(A_FILTER, u32(2, 0x10), u8(4, 2))),
        (0, NLM_F_DUMP, nest(A_FILTER, nest(5, nla(1, b"\x0a\0\0\0"),
                                            u8(2, 8)))),
        (0, NLM_F_DUMP, nest(A_FILTER, nest(9, u16(1, 1), u16(2, 1024)))),
        (0, NLM_F_DUMP, nest(A_FILTER, u64(11, 100))),
        (0, 0, nest(A_FLOW, u8(3, 2), u8(4, 17), nla(5, b"\x0a\0\0\1"),
                    u16(6, 1), nla(7, b"\x0a\0\0\2"), u16(8, 2))),
        (1, 0, b""),
        (2, NLM_F_DUMP, nest(A_FILTER, u8(3, 6))),
        (3, 0, nest(A_FILTER, u8(3, 1))),
        (4, 0, b""),
        (5, 0, nest(A_CONFIG, u32(1, 100000), u32(10, 3600))),
    ))


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        if not data:
            break
        at = rng.randrange(len(data))
        op = rng.randrange(4)
        if op == 0:
            data[at] ^= 1 << rng.randrange(8)
        elif op == 1 and at + 2 <= len(data):
            data[at:at + 2] = struct.pack("=H", rng.choice(INTS) & 0xffff)
        elif op == 2:
            del data[at:]
        else:
            data[at:at] = rng.randbytes(rng.randrange(1, 9))
    return bytes(data)


def rand_flags(rng, flags):
    extra = rng.choice((0, 0, 0, NLM_F_DUMP, 0x100, 0x200, 0x400, 0x800,
                        0x10, 0x8))
    return (flags | extra | NLM_F_REQUEST | NLM_F_ACK) & 0xffff


class Fuzzer:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.g = Genl()
        self.sock = self.g.sock
        self.sock.settimeout(TIMEOUT)
        self.seq = 1000
        self.buf = bytearray(RECV)
        self.answers = {}
        self.ignored = 0

    def message(self):
        """(datagram, ignored): ignored when the kernel must not answer."""
        rng, fam = self.rng, self.g.family
        kind = rng.randrange(10)
        if kind < 4:
            cmd, flags, payload = rng.randrange(CMDS), 0, random_tree(rng)
        else:
            cmd, flags, payload = valid_request(rng)
            if kind < 9:
                payload = mutate(rng, payload)
        genl = struct.pack("=BBH", cmd, rng.choice((1, 1, 1, 0, 2)),
                           rng.choice((0, 0, 0, 1)))
        body = genl + payload
        if kind == 9 and rng.randrange(2):
            body = body[:rng.randrange(4)]	# a cut genetlink header
        self.seq += 1
        length = 16 + len(body)
        ignored = False
        if kind == 9 and rng.randrange(3) == 0:
            length = rng.choice((rng.randrange(16), length + rng.randrange(1, 64)))
            ignored = True
        hdr = struct.pack("=IHHII", length, fam, rand_flags(rng, flags),
                          self.seq, 0)
        return hdr + body, ignored

    def fail(self, why):
        sys.exit("nlfuzz.py: message %d: %s" % (self.seq, why))

    def messages(self):
        """Yield (type, seq, payload) of what the socket receives."""
        while True:
            try:
                n, _, flags, _ = self.sock.recvmsg_into([self.buf])
            except socket.timeout:
                self.fail("no answer in %d s" % TIMEOUT)
            if flags & socket.MSG_TRUNC:
                self.fail("a datagram longer than %d bytes" % RECV)
            data, off = bytes(self.buf[:n]), 0
            while off < n:
                if n - off < 16:
                    self.fail("%d bytes after the last message" % (n - off))
                length, kind, _, seq, _ = struct.unpack_from("=IHHII", data, off)
                if length < 16 or off + length > n:
                    self.fail("message length %d in %d bytes" % (length, n - off))
                yield kind, seq, data[off + 16:off + length]
                off += (length + 3) & ~3

    def check_family_message(self, payload):
        if len(payload) < 4:
            self.fail("a family message without its genetlink header")
        off = 4
        while off < len(payload):
            if len(payload) - off < 4:
                self.fail("a cut attribute header")
            alen = struct.unpack_from("=H", payload, off)[0]
            if alen < 4 or off + alen > len(payload):
                self.fail("attribute length %d in %d bytes" % (alen, len(payload) - off))
            off += (alen + 3) & ~3

    def answer(self, seq):
        """Read the answer to @seq: its errno, 0 for success."""
        for kind, got, payload in self.messages():
            if got != seq:
                self.fail("a message of sequence %d, expected %d" % (got, seq))
            if kind in (NLMSG_ERROR, NLMSG_DONE):
                if len(payload) < 4:
                    self.fail("a cut error or done message")
                err = -struct.unpack_from("=i", payload)[0]
                if err < 0:
                    self.fail("a positive error %d" % -err)
                return err
            if kind != self.g.family:
                self.fail("a message of type %d" % kind)
            self.check_family_message(payload)

    def sync(self):
        """A GET_CONFIG request: the next answer must be its own."""
        self.seq += 1
        body = struct.pack("=BBH", 4, 1, 0)
        self.sock.send(struct.pack("=IHHII", 20, self.g.family,
                                   NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body)
        return self.answer(self.seq)

    def run(self, count):
        for _ in range(count):
            dgram, ignored = self.message()
            self.sock.send(dgram)
            if ignored:
                err = self.sync()
                if err not in (0, errno.EPERM):
                    self.fail("the request after an ignored one: errno %d" % err)
                self.ignored += 1
                continue
            err = self.answer(self.seq)
            if err not in DOCUMENTED:
                self.fail("errno %s, which the family does not document"
                          % errno.errorcode.get(err, err))
            name = errno.errorcode[err] if err else "ok"
            self.answers[name] = self.answers.get(name, 0) + 1


def cmd_fuzz(a):
    f = Fuzzer(a.seed)
    f.run(a.count)
    print(json.dumps({"sent": a.count, "seed": a.seed,
                      "answers": dict(sorted(f.answers.items())),
                      "ignored": f.ignored}))


def cmd_abandon(a):
    socks, read = [], 0
    for i in range(a.sockets):
        g = Genl()
        g.send(g.family, GET_FLOW, NLM_F_DUMP, b"")
        socks.append(g)
    for i, g in enumerate(socks):
        if i % 2:
            g.sock.recv(RECV)
            read += 1
    for g in socks:
        g.sock.close()
    print(json.dumps({"started": a.sockets, "read": read}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("fuzz")
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--seed", type=int, default=1)
    q.set_defaults(func=cmd_fuzz)
    q = sub.add_parser("abandon")
    q.add_argument("--sockets", type=int, required=True)
    q.set_defaults(func=cmd_abandon)
    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
