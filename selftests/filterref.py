# SPDX-License-Identifier: GPL-2.0
"""A reference implementation of flowctl's filter options, written from
flowctl(8) and not from flowctl's or the module's C code, to check the
kernel-side filters (list) and flowctl's own (monitor) against.

parse(OPTIONS) turns flowctl's filter options (a list of words) into
predicates f(flow, now_ns) that must all hold for a flow (a `flowctl -j
list` object or a `flowctl -j monitor` event) at time now_ns.
"""

import fnmatch
import ipaddress
import json
import sys

STATES = {"established": ["ESTABLISHED"], "estab": ["ESTABLISHED"],
          "syn-sent": ["SYN-SENT"], "syn-recv": ["SYN-RECEIVED"],
          "fin-wait-1": ["FIN-WAIT-1"], "fin-wait-2": ["FIN-WAIT-2"],
          "time-wait": ["TIME-WAIT"], "close-wait": ["CLOSE-WAIT"],
          "last-ack": ["LAST-ACK"], "closing": ["CLOSING"],
          "closed": ["CLOSED"], "listening": ["LISTEN"]}
ALL = sorted({s for v in STATES.values() for s in v})
# ss(8)'s groups
STATES["all"] = ALL
STATES["connected"] = [s for s in ALL if s not in ("LISTEN", "CLOSED")]
STATES["synchronized"] = [s for s in STATES["connected"] if s != "SYN-SENT"]
STATES["bucket"] = ["SYN-RECEIVED", "TIME-WAIT"]
STATES["big"] = [s for s in ALL if s not in STATES["bucket"]]
PROTOS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6",
          "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
MS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
SIZES = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def duration_ns(s):
    for unit in ("ms", "s", "m", "h", "d"):
        if s.endswith(unit) and s[:-len(unit)].isdigit():
            return int(s[:-len(unit)]) * MS[unit] * 10**6
    return int(s) * 10**9


def size(s):
    unit = s[-1].lower()
    return int(s[:-1]) * SIZES[unit] if unit in SIZES else int(s)


def port_range(s):
    lo, _, hi = s.partition("-")
    return int(lo), int(hi or lo)


def in_net(addr, net):
    a = ipaddress.ip_address(addr)
    return a.version == net.version and a in net


def condition(opt, val):
    """One option as a predicate f(flow, now_ns)."""
    if opt == "--state":
        states = set()
        for name in val.split(","):
            states |= set(STATES[name.lower()])
        return lambda f, now: f["proto"] == "tcp" and (
            f["client_state"] in states or f["server_state"] in states)
    if opt in ("-p", "--proto"):
        return lambda f, now: f["proto"] == PROTOS[val]
    if opt in ("-s", "--src", "-d", "--dst", "--addr"):
        net = ipaddress.ip_network(val, strict=False)
        sides = {"-s": ["client"], "--src": ["client"], "-d": ["server"],
                 "--dst": ["server"]}.get(opt, ["client", "server"])
        return lambda f, now: any(in_net(f[k], net) for k in sides)
    if opt in ("--sport", "--dport", "--port"):
        lo, hi = port_range(val)
        sides = {"--sport": ["client_port"], "--dport": ["server_port"]}.get(
            opt, ["client_port", "server_port"])
        return lambda f, now: any(lo <= f[k] <= hi for k in sides)
    if opt == "--min-bytes":
        n = size(val)
        return lambda f, now: f["bytes_up"] + f["bytes_down"] >= n
    if opt == "--min-packets":
        n = int(val)
        return lambda f, now: f["packets_up"] + f["packets_down"] >= n
    # A clock set backwards makes a flow neither idle nor old.
    if opt == "--idle":
        d = duration_ns(val)
        return lambda f, now: now - f["last_seen"] > d
    if opt == "--age":
        d = duration_ns(val)
        return lambda f, now: now - f["first_seen"] < d
    # What the flow is: a flow without the field never matches.
    if opt == "--l5":
        return lambda f, now: f.get("l5") == val
    if opt == "--secured":
        want = {"yes": True, "no": False}[val]
        return lambda f, now: f.get("secured") is want
    if opt == "--name":
        pat = val.lower()
        return lambda f, now: "name" in f and fnmatch.fnmatchcase(f["name"],
                                                                  pat)
    # The round trip through the observer: the smoothed RTTs of both
    # sides; a flow without a sample never matches.
    if opt == "--min-rtt":
        us = duration_ns(val) // 1000
        return lambda f, now: (
            ("rtt_client_us" in f or "rtt_server_us" in f) and
            f.get("rtt_client_us", {}).get("srtt", 0) +
            f.get("rtt_server_us", {}).get("srtt", 0) >= us)
    sys.exit("filterref.py: unknown option " + opt)


def parse(args):
    """The options as a list of predicates that must all hold."""
    conds = []
    states = []
    it = iter(args)
    for opt in it:
        if opt in ("-4", "-6"):
            fam = "ipv4" if opt == "-4" else "ipv6"
            conds.append(lambda f, now, fam=fam: f["family"] == fam)
        elif opt == "--state":
            states.append(next(it))     # repeated: any of them
        elif opt == "--dropped":
            # flowctl -j gives the drop counts of the flows that had one.
            conds.append(lambda f, now: "drops_up" in f)
        else:
            conds.append(condition(opt, next(it)))
    if states:
        conds.append(condition("--state", ",".join(states)))
    return conds
