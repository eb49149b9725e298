#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink requests to the flowmon family (python3, stdlib
only), for what flowctl never sends: malformed requests, whose errno and
extack message must be precise, and the flags of dump replies.

  genl.py malformed
      Send each malformed request of CASES; print "# ok - ..." when the
      kernel answers with the expected errno and extack message (or
      missing-attribute report), "# not ok - ..." otherwise.
  genl.py dump-flags
      Dump GET_FLOW with a filter (proto TCP) and without; every flow
      message of the filtered dump must carry NLM_F_DUMP_FILTERED and
      only TCP flows, the unfiltered dump's none.
  genl.py dump-paused PAUSED RESUME
      Dump GET_FLOW, and after the first part write the number of flows
      in it to the file PAUSED and wait for the file RESUME to appear
      before reading on; then print each flow's "CLIENT_PORT SERVER_PORT",
      a line per flow message, in the order of the dump.
  genl.py fail-nth
      Systematic fault injection, as syzkaller does it: each request of
      FAIL_CASES is made with the Nth allocation of this task failing
      (/proc/thread-self/fail-nth; failslab and fail_page_alloc set up by
      the caller), for N = 1, 2, ... until an attempt makes fewer than N
      allocations. Every attempt must end in the answer the request gets
      without faults, or in ENOMEM or ENOBUFS (as a reply or from the
      socket) that changed nothing; a line per request says how many of
      each there were.

Attribute numbers are those of include/uapi/linux/flowmon.h.
"""

import errno
import os
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP_FILTERED = 0x20
NLM_F_DUMP = 0x300
NLM_F_ACK_TLVS = 0x200
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_MISS_TYPE = 1, 5
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

# enum flowmon_cmd
GET_FLOW, GET_STATS, RESET_FLOW, FLUSH_FLOW, GET_CONFIG, SET_CONFIG = range(6)
# enum flowmon_attr
A_FLOW, A_FILTER, A_CONFIG = 2, 4, 6
# enum flowmon_flow_attr
FLOW_FAMILY, FLOW_PROTO, FLOW_CADDR, FLOW_CPORT, FLOW_SADDR, FLOW_SPORT = range(3, 9)
# enum flowmon_filter_attr
F_STATES, F_PROTO, F_FAMILY, F_CLIENT_PREFIX = 2, 3, 4, 5
F_SERVER_PORTS, F_MIN_BYTES = 9, 11
F_NAT, F_NAT_PREFIX, F_NAT_PORTS = 15, 16, 17
# enum flowmon_prefix_attr, enum flowmon_range_attr
PREFIX_ADDR, PREFIX_LEN = 1, 2
RANGE_FIRST, RANGE_LAST = 1, 2
# enum flowmon_config_attr
CONFIG_MAX_FLOWS, CONFIG_TIMEOUT_UDP = 1, 10


def nla(kind, payload):
    hdr = struct.pack("=HH", 4 + len(payload), kind)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def nest(kind, *attrs):
    return nla(kind | NLA_F_NESTED, b"".join(attrs))


def u8(kind, v):
    return nla(kind, struct.pack("=B", v))


def u16(kind, v):
    return nla(kind, struct.pack("=H", v))


def u32(kind, v):
    return nla(kind, struct.pack("=I", v))


def u64(kind, v):
    return nla(kind, struct.pack("=Q", v))


def attrs_of(data):
    out = {}
    while len(data) >= 4:
        length, kind = struct.unpack_from("=HH", data)
        out[kind & 0x3fff] = data[4:length]
        data = data[(length + 3) & ~3:]
    return out


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0
        self.rest = b""
        reply = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
                             nla(CTRL_ATTR_FAMILY_NAME, b"flowmon\0"))
        if isinstance(reply, int):
            sys.exit("genl.py: no flowmon family (error %d)" % reply)
        self.family = struct.unpack("=H", attrs_of(reply[0][1][4:])
                                    [CTRL_ATTR_FAMILY_ID])[0]

    def send(self, family, cmd, flags, payload):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0)
        self.sock.send(hdr + body)

    def replies(self):
        """Yield (type, flags, payload) until DONE or an error/ack."""
        while True:
            data = self.sock.recv(1 << 20)
            while data:
                length, kind, flags, _, _ = struct.unpack_from("=IHHII", data)
                self.rest = data[(length + 3) & ~3:]
                yield kind, flags, data[16:length]
                data = self.rest

    def pending(self):
        """Whether messages of the datagram last read are still to come."""
        return bool(self.rest)

    def request(self, family, cmd, flags, payload):
        """The data messages [(flags, payload)], or an Error."""
        self.send(family, cmd, flags, payload)
        msgs = []
        for kind, mflags, payload in self.replies():
            if kind == NLMSG_ERROR:
                err = struct.unpack_from("=i", payload)[0]
                if err == 0 and flags & NLM_F_DUMP == 0:
                    return msgs
                if err:
                    return Error(err, mflags, payload)
            elif kind == NLMSG_DONE:
                err = struct.unpack_from("=i", payload)[0]
                if err:
                    return Error(err, mflags, payload[4:], done=True)
                return msgs
            else:
                msgs.append((mflags, payload))

    def flowmon(self, cmd, flags, payload):
        return self.request(self.family, cmd, flags, payload)


class Error:
    def __init__(self, err, flags, payload, done=False):
        self.errno = -err
        self.msg = self.miss = None
        if not flags & NLM_F_ACK_TLVS:
            return
        if done:
            tlvs = payload
        else:
            # struct nlmsgerr: error, then the request's header (and its
            # payload unless NLM_F_CAPPED).
            orig_len = struct.unpack_from("=I", payload, 4)[0]
            capped = flags & 0x100
            tlvs = payload[4 + (16 if capped else orig_len):]
        a = attrs_of(tlvs)
        if NLMSGERR_ATTR_MSG in a:
            self.msg = a[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
        if NLMSGERR_ATTR_MISS_TYPE in a:
            self.miss = struct.unpack("=I", a[NLMSGERR_ATTR_MISS_TYPE])[0]

    def __str__(self):
        return "%s%s%s" % (errno.errorcode.get(self.errno, self.errno),
                           ' "%s"' % self.msg if self.msg else "",
                           " missing attribute %d" % self.miss
                           if self.miss is not None else "")


V4 = socket.inet_pton(socket.AF_INET, "10.0.1.1")
V4B = socket.inet_pton(socket.AF_INET, "10.0.1.2")
V6 = socket.inet_pton(socket.AF_INET6, "fd00::1")
FULL_KEY = [u8(FLOW_FAMILY, socket.AF_INET), u8(FLOW_PROTO, 6),
            nla(FLOW_CADDR, V4), u16(FLOW_CPORT, 1),
            nla(FLOW_SADDR, V4B), u16(FLOW_SPORT, 2)]


def key(*replace):
    """FULL_KEY with some attributes replaced (by type) or dropped."""
    out = {struct.unpack_from("=H", a, 2)[0]: a for a in FULL_KEY}
    for a in replace:
        if isinstance(a, int):
            del out[a]
        else:
            out[struct.unpack_from("=H", a, 2)[0]] = a
    return nest(A_FLOW, *out.values())


def filt(*attrs):
    return nest(A_FILTER, *attrs)


E, R, O, N = errno.EINVAL, errno.ERANGE, errno.EOPNOTSUPP, errno.ENOENT
# (what, command, flags, payload, errno, message or ("missing", attr))
CASES = [
    ("GET_FLOW without a key", GET_FLOW, 0, b"", E, ("missing", A_FLOW)),
    ("key without ports", GET_FLOW, 0, key(FLOW_CPORT, FLOW_SPORT), E,
     "flow key needs family, protocol, both addresses and both ports"),
    ("key of family 3", GET_FLOW, 0, key(u8(FLOW_FAMILY, 3)), E,
     "family must be AF_INET or AF_INET6"),
    ("AF_INET key with a 16-byte address", GET_FLOW, 0,
     key(nla(FLOW_CADDR, V6)), E, "address length does not match the family"),
    ("key with a 3-byte address", GET_FLOW, 0, key(nla(FLOW_CADDR, b"abc")),
     R, "binary attribute size out of range"),
    ("filter without NLA_F_NESTED", GET_FLOW, NLM_F_DUMP,
     nla(A_FILTER, u8(F_PROTO, 6)), E, "NLA_F_NESTED is missing"),
    ("a key nobody has", GET_FLOW, 0, key(), N, "no such flow"),
    ("unknown attribute in a filter", GET_FLOW, NLM_F_DUMP,
     filt(u8(30, 1)), E, "Unknown attribute type"),
    ("state bit 11 in a filter", GET_FLOW, NLM_F_DUMP,
     filt(u32(F_STATES, 1 << 11)), E, "reserved bit set"),
    ("filter family 7", GET_FLOW, NLM_F_DUMP, filt(u8(F_FAMILY, 7)), E,
     "family must be AF_INET or AF_INET6"),
    ("/33 on an IPv4 prefix", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_CLIENT_PREFIX, nla(PREFIX_ADDR, V4), u8(PREFIX_LEN, 33))),
     E, "prefix longer than the address"),
    ("/129 prefix", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_CLIENT_PREFIX, nla(PREFIX_ADDR, V6), u8(PREFIX_LEN, 129))),
     R, "integer out of range"),
    ("5-byte prefix address", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_CLIENT_PREFIX, nla(PREFIX_ADDR, b"12345"))), E,
     "address must be 4 or 16 bytes"),
    ("prefix without an address", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_CLIENT_PREFIX, u8(PREFIX_LEN, 8))), E,
     "prefix without an address"),
    ("port range 2000-1000", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_SERVER_PORTS, u16(RANGE_FIRST, 2000), u16(RANGE_LAST, 1000))),
     E, "last port below the first"),
    ("port range without a first port", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_SERVER_PORTS, u16(RANGE_LAST, 1000))), E,
     "port range without a first port"),
    ("/33 on a NAT prefix", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_NAT_PREFIX, nla(PREFIX_ADDR, V4), u8(PREFIX_LEN, 33))),
     E, "prefix longer than the address"),
    ("NAT port range 2000-1000", GET_FLOW, NLM_F_DUMP,
     filt(nest(F_NAT_PORTS, u16(RANGE_FIRST, 2000), u16(RANGE_LAST, 1000))),
     E, "last port below the first"),
    ("NAT flag with a payload", GET_FLOW, NLM_F_DUMP, filt(u8(F_NAT, 1)), R,
     "Attribute failed policy validation"),
    ("min_bytes as a u32", GET_FLOW, NLM_F_DUMP, filt(u32(F_MIN_BYTES, 1)), E,
     "invalid attribute length"),
    ("RESET_FLOW with a bad filter", RESET_FLOW, NLM_F_DUMP,
     filt(u8(F_FAMILY, 7)), E, "family must be AF_INET or AF_INET6"),
    ("FLUSH_FLOW with a bad filter", FLUSH_FLOW, 0,
     filt(nest(F_SERVER_PORTS, u16(RANGE_FIRST, 2), u16(RANGE_LAST, 1))), E,
     "last port below the first"),
    ("RESET_FLOW as a do request", RESET_FLOW, 0, b"", O, None),
    ("command 42", 42, 0, b"", O, None),
    ("SET_CONFIG without a config", SET_CONFIG, 0, b"", E,
     ("missing", A_CONFIG)),
    ("timeout_udp=0", SET_CONFIG, 0,
     nest(A_CONFIG, u32(CONFIG_TIMEOUT_UDP, 0)), R, "integer out of range"),
    ("max_flows=2^24+1", SET_CONFIG, 0,
     nest(A_CONFIG, u32(CONFIG_MAX_FLOWS, (1 << 24) + 1)), R,
     "integer out of range"),
    ("a good timeout_udp with a bad max_flows", SET_CONFIG, 0,
     nest(A_CONFIG, u32(CONFIG_TIMEOUT_UDP, 77), u32(CONFIG_MAX_FLOWS, 0)), R,
     "integer out of range"),
]


def config(g):
    reply = g.flowmon(GET_CONFIG, 0, b"")
    return attrs_of(attrs_of(reply[0][1][4:])[A_CONFIG])


def cmd_malformed():
    g = Genl()
    before = config(g)
    bad = 0
    for what, cmd, flags, payload, want_errno, want in CASES:
        got = g.flowmon(cmd, flags, payload)
        ok = isinstance(got, Error) and got.errno == want_errno
        if isinstance(want, tuple):
            ok = ok and got.miss == want[1]
            expected = "%s missing attribute %d" % (
                errno.errorcode[want_errno], want[1])
        else:
            ok = ok and got.msg == want
            expected = errno.errorcode[want_errno] + (
                ' "%s"' % want if want else "")
        if ok:
            print("# ok - %s: %s" % (what, got))
        else:
            bad += 1
            print("# not ok - %s: expected %s, got %s" % (
                what, expected, got if isinstance(got, Error) else "success"))
    after = config(g)
    if after == before:
        print("# ok - the configuration did not change")
    else:
        bad += 1
        print("# not ok - the configuration changed")
    return bad


def cmd_dump_flags():
    g = Genl()
    bad = 0
    for what, payload, want in (("filtered", filt(u8(F_PROTO, 6)), True),
                                ("unfiltered", b"", False)):
        msgs = g.flowmon(GET_FLOW, NLM_F_DUMP, payload)
        if isinstance(msgs, Error):
            print("# not ok - %s dump: %s" % (what, msgs))
            bad += 1
            continue
        flagged = sum(1 for f, _ in msgs if f & NLM_F_DUMP_FILTERED)
        protos = {attrs_of(attrs_of(p[4:])[A_FLOW])[FLOW_PROTO][0]
                  for _, p in msgs}
        good = msgs and flagged == (len(msgs) if want else 0)
        if want:
            good = good and protos == {6}
        print("# %s - %s dump: %d flow messages, %d flagged "
              "NLM_F_DUMP_FILTERED, protocols %s" % (
                  "ok" if good else "not ok", what, len(msgs), flagged,
                  sorted(protos)))
        bad += not good
    return bad


def flow_ports(payload):
    flow = attrs_of(attrs_of(payload[4:])[A_FLOW])
    return (struct.unpack("=H", flow[FLOW_CPORT])[0],
            struct.unpack("=H", flow[FLOW_SPORT])[0])


def cmd_dump_paused(paused, resume):
    g = Genl()
    g.send(g.family, GET_FLOW, NLM_F_DUMP, b"")
    ports, first_part = [], None
    for kind, _, payload in g.replies():
        if kind == NLMSG_ERROR or kind == NLMSG_DONE:
            if struct.unpack_from("=i", payload)[0]:
                sys.exit("genl.py: dump failed: %s" % Error(
                    struct.unpack_from("=i", payload)[0], 0, payload))
            break
        ports.append(flow_ports(payload))
        # replies() has read the whole first part when it is exhausted.
        if first_part is None and not g.pending():
            first_part = len(ports)
            with open(paused, "w") as f:
                f.write("%d\n" % first_part)
            while not os.path.exists(resume):
                time.sleep(0.05)
    for cport, sport in ports:
        print(cport, sport)
    return 0


FAIL_NTH = "/proc/thread-self/fail-nth"
# The errors a failed allocation may give.
OUT_OF_MEMORY = (errno.ENOMEM, errno.ENOBUFS)


_fail_nth_fd = None


def fail_nth(n):
    """Arms fail-nth (0 disarms); returns the calls it still had to wait.
    The file stays open: opening it would be an allocation of its own."""
    global _fail_nth_fd
    if _fail_nth_fd is None:
        _fail_nth_fd = os.open(FAIL_NTH, os.O_RDWR)
    left = int(os.pread(_fail_nth_fd, 32, 0))
    os.pwrite(_fail_nth_fd, b"%d" % n, 0)
    return left


def answer(got, value):
    """@value of a reply, or the errno of an error reply."""
    return got.errno if isinstance(got, Error) else value(got)


def dump_ports(g, payload=b""):
    got = g.flowmon(GET_FLOW, NLM_F_DUMP, payload)
    return answer(got, lambda msgs: sorted(flow_ports(p) for _, p in msgs))


def flow_key(payload):
    """The key attributes of a flow message, as a GET_FLOW request."""
    flow = attrs_of(attrs_of(payload[4:])[A_FLOW])
    return nest(A_FLOW, *(nla(t, flow[t]) for t in (
        FLOW_FAMILY, FLOW_PROTO, FLOW_CADDR, FLOW_CPORT, FLOW_SADDR,
        FLOW_SPORT)))


def attr_types(msgs):
    return sorted(attrs_of(msgs[0][1][4:]))


def fail_cases(g):
    """(what, run): run(g) makes the request and returns its answer."""
    first = g.flowmon(GET_FLOW, NLM_F_DUMP, b"")[0][1]
    max_flows = struct.unpack("=I", config(g)[CONFIG_MAX_FLOWS])[0]
    nothing = filt(nest(F_CLIENT_PREFIX,
                        nla(PREFIX_ADDR, socket.inet_pton(socket.AF_INET,
                                                          "192.0.2.1")),
                        u8(PREFIX_LEN, 32)))
    return [
        ("GET_FLOW dump", dump_ports),
        ("GET_FLOW dump of UDP flows",
         lambda g: dump_ports(g, filt(u8(F_PROTO, 17)))),
        ("GET_FLOW of one flow", lambda g: answer(
            g.flowmon(GET_FLOW, 0, flow_key(first)),
            lambda msgs: flow_ports(msgs[0][1]))),
        ("GET_STATS", lambda g: answer(
            g.flowmon(GET_STATS, 0, b""), attr_types)),
        ("GET_CONFIG", lambda g: answer(
            g.flowmon(GET_CONFIG, 0, b""), attr_types)),
        ("SET_CONFIG of the same max_flows", lambda g: answer(
            g.flowmon(SET_CONFIG, 0,
                      nest(A_CONFIG, u32(CONFIG_MAX_FLOWS, max_flows))),
            lambda msgs: "done")),
        ("RESET_FLOW of no flow", lambda g: answer(
            g.flowmon(RESET_FLOW, NLM_F_DUMP, nothing), len)),
        ("FLUSH_FLOW of no flow", lambda g: answer(
            g.flowmon(FLUSH_FLOW, 0, nothing), len)),
    ]


def fail_attempt(run, n):
    """The request's outcome with the Nth allocation failing, and whether
    the attempt reached it."""
    g = Genl()
    fail_nth(n)
    try:
        got = run(g)
    except OSError as e:
        got = e.errno
    except MemoryError:
        # The failure hit this interpreter's own memory (brk, mmap).
        got = errno.ENOMEM
    reached = fail_nth(0) == 0
    g.sock.close()
    return got, reached


def cmd_fail_nth():
    g = Genl()
    table, conf = dump_ports(g), config(g)
    bad = 0
    fail_nth(0)
    for what, run in fail_cases(g):
        want = run(g)
        failed, wrong, n, reached = {}, [], 0, True
        while reached:
            n += 1
            got, reached = fail_attempt(run, n)
            if got in OUT_OF_MEMORY:
                failed[got] = failed.get(got, 0) + 1
            elif got != want:
                wrong.append("attempt %d: %r" % (n, got))
            if dump_ports(g) != table or config(g) != conf:
                wrong.append("attempt %d changed the table or the "
                             "configuration" % n)
        good = not wrong and got == want
        print("# %s - %s: %d attempts, %s, the last exact%s" % (
            "ok" if good else "not ok", what, n,
            ", ".join("%d %s" % (k, errno.errorcode[e])
                      for e, k in sorted(failed.items())) or "no error",
            "" if good else "; " + "; ".join(wrong[:5])))
        bad += not good
    return bad


def main():
    cmds = {"malformed": (cmd_malformed, 0),
            "dump-flags": (cmd_dump_flags, 0),
            "dump-paused": (cmd_dump_paused, 2),
            "fail-nth": (cmd_fail_nth, 0)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or \
            len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    sys.exit(1 if cmds[sys.argv[1]][0](*sys.argv[2:]) else 0)


if __name__ == "__main__":
    main()
