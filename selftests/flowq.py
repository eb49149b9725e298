#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Query and check `flowctl -j list` output (and /proc/net/flowmon).

A FILTER is a comma-separated list of field=value (all must hold), or "-"
for every flow. Values are compared as text: numbers in decimal, booleans
as true/false, a missing field never matches.

  count  JSON FILTER             print how many flows match
  get    JSON FILTER FIELD       print FIELD of the one matching flow
  check  JSON FILTER EXPECT...   the one matching flow must satisfy every
                                 EXPECT: field=value, field!=value,
                                 field=v1|v2 (one of), or field=@absent;
                                 prints one "# ok -" /
                                 "# not ok -" line each
  show   JSON [FILTER]           print matching flows, one per line
  ports  JSON FILTER FIELD LO N  the matching flows' FIELD values must be
                                 exactly LO .. LO+N-1, each once
  same   JSON JSON               the same flows, each with the same fields
                                 and values; prints one "# ok -" or
                                 "# not ok -" line
  sorted JSON KEY                the flows are in flowctl(8)'s --sort KEY order
                                 (rtt or drops); prints one "# ok -" or
                                 "# not ok -" line
  collected JSON EVENTS NFDUMP SKIP
                                 what a collector received is the flows:
                                 those of JSON, and those of the destroy
                                 events in EVENTS (`flowctl -j monitor`
                                 lines; "none" for none), leaving out
                                 those matching the filter SKIP (and
                                 their rows), each have
                                 rows in NFDUMP (nfdump -6 -N -q -o
                                 "fmt:%pr,%sa,%sp,%da,%dp,%ipkt,%ibyt,
                                 %opkt,%obyt") of their key that add up to
                                 their packets and bytes each way, and no
                                 other row is there; prints one "# ok -" /
                                 "# not ok -" line per flow and one for
                                 the rows left
  proc   PROCFILE                parse /proc/net/flowmon into a JSON array
  proc-vs-json PROCFILE JSON     every /proc line equals its JSON flow

JSON may be "-" for stdin. Exit 0 on success, 1 on a failed check.
"""

import ipaddress
import struct
import json
import sys

PROC_COLUMNS = ["family", "proto", "client", "client_port", "server",
                "server_port", "state", "client_state", "server_state",
                "packets_up", "bytes_up", "payload_up", "packets_down",
                "bytes_down", "payload_down", "first_seen", "last_seen",
                "age", "nat", "nat_client", "nat_client_port", "nat_server",
                "nat_server_port", "l5", "secured", "name", "drops_up",
                "drops_down", "drop_reason", "rtt_client_us", "rtt_server_us"]
NAT_COLUMNS = ("nat_client", "nat_client_port", "nat_server",
               "nat_server_port")
# /proc columns that are "-" where JSON leaves the field out.
OPTIONAL_COLUMNS = ("l5", "name", "drop_reason")
# /proc columns of a JSON object's srtt, "-" where JSON has no object.
RTT_COLUMNS = ("rtt_client_us", "rtt_server_us")
# /proc columns that are 0 where JSON leaves the field out.
ZERO_COLUMNS = ("drops_up", "drops_down")
PROC_INT = {"client_port", "server_port", "packets_up", "bytes_up",
            "payload_up", "packets_down", "bytes_down", "payload_down",
            "first_seen", "last_seen", "age", "drops_up", "drops_down"}
KEY = ("family", "proto", "client", "client_port", "server", "server_port")


def out(line):
    sys.stdout.write(line + "\n")


def fatal(msg):
    out("# " + msg)
    sys.exit(1)


def load(path):
    try:
        text = sys.stdin.read() if path == "-" else open(path).read()
    except OSError as e:
        fatal("cannot read %s: %s" % (path, e))
    try:
        data = json.loads(text)
    except ValueError as e:
        fatal("not JSON (%s): %r" % (e, text[:300]))
    if not isinstance(data, list):
        fatal("flowctl -j list did not print one JSON array: %r" % text[:300])
    for f in data:
        if not isinstance(f, dict):
            fatal("array element is not an object: %r" % (f,))
        flatten(f)
    return data


def flatten(f):
    """A nested object's fields also as OBJECT.FIELD, for filters and checks."""
    for k, v in list(f.items()):
        if isinstance(v, dict):
            for sk, sv in v.items():
                f[k + "." + sk] = sv


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    return str(v)


def parse_filter(spec):
    if spec in ("-", ""):
        return []
    conds = []
    for part in spec.split(","):
        if "=" not in part:
            fatal("bad filter term %r" % part)
        k, v = part.split("=", 1)
        conds.append((k, v))
    return conds


def matches(flow, conds):
    return all(k in flow and text(flow[k]) == v for k, v in conds)


def select(flows, spec):
    conds = parse_filter(spec)
    return [f for f in flows if matches(f, conds)]


def brief(f):
    keys = ["family", "proto", "client", "client_port", "server",
            "server_port", "state", "packets_up", "bytes_up", "payload_up",
            "packets_down", "bytes_down", "payload_down"]
    return " ".join("%s=%s" % (k, text(f[k])) for k in keys if k in f)


def one(flows, spec):
    sel = select(flows, spec)
    if len(sel) != 1:
        out("# expected exactly 1 flow matching %s, found %d" % (spec, len(sel)))
        for f in flows:
            out("#   have: " + brief(f))
        sys.exit(1)
    return sel[0]


def cmd_count(args):
    out(str(len(select(load(args[0]), args[1]))))


def cmd_get(args):
    f = one(load(args[0]), args[1])
    if args[2] not in f:
        fatal("flow has no field %r: %s" % (args[2], brief(f)))
    out(text(f[args[2]]))


def cmd_check(args):
    f = one(load(args[0]), args[1])
    bad = 0
    for exp in args[2:]:
        if "!=" in exp:
            k, v = exp.split("!=", 1)
            neg = True
        elif "=" in exp:
            k, v = exp.split("=", 1)
            neg = False
        else:
            fatal("bad expectation %r" % exp)
        if v == "@absent":
            good = k not in f
            what = "%s is absent" % k
            got = "present: %s" % text(f.get(k))
        else:
            got = text(f[k]) if k in f else "<absent>"
            alts = v.split("|")
            good = (got not in alts) if neg else (got in alts)
            what = "%s %s %s" % (k, "!=" if neg else "==",
                                 v if len(alts) == 1 else "one of " + v)
        if good:
            out("# ok - %s" % what)
        else:
            out("# not ok - %s (got %s)" % (what, got))
            bad += 1
    if bad:
        out("#   flow: " + json.dumps(f, sort_keys=True))
    sys.exit(1 if bad else 0)


def cmd_show(args):
    for f in select(load(args[0]), args[1] if len(args) > 1 else "-"):
        out(brief(f))


def cmd_ports(args):
    flows = select(load(args[0]), args[1])
    field, lo, n = args[2], int(args[3]), int(args[4])
    seen = {}
    for f in flows:
        v = f.get(field)
        seen[v] = seen.get(v, 0) + 1
    want = set(range(lo, lo + n))
    dups = sorted(v for v, c in seen.items() if c > 1)
    missing = sorted(want - set(seen))
    extra = sorted((v for v in seen if v not in want), key=text)
    ok = len(flows) == n and not dups and not missing and not extra
    if not ok:
        out("# %d flows match %s; want %s %d..%d each once"
            % (len(flows), args[1], field, lo, lo + n - 1))
        out("#   duplicated: %d %s" % (len(dups), dups[:10]))
        out("#   missing: %d %s" % (len(missing), missing[:10]))
        out("#   unexpected: %d %s" % (len(extra), extra[:10]))
    sys.exit(0 if ok else 1)


def nat_name(f):
    """The /proc nat column for JSON flow f."""
    sides = [n for n in ("snat", "dnat") if f.get(n)]
    return ",".join(sides) or "-"


def nat_differences(k, r, f):
    """How /proc row r's NAT columns differ from JSON flow f."""
    bad = []
    if r["nat"] != nat_name(f):
        bad.append("%s: nat: /proc %r != JSON %r"
                   % (" ".join(k), r["nat"], nat_name(f)))
    for c in NAT_COLUMNS:
        want = text(f[c]) if c in f else "-"
        if text(r[c]) != want:
            bad.append("%s: %s: /proc %r != JSON %r"
                       % (" ".join(k), c, r[c], want))
    return bad


def parse_proc(path):
    """Return (header_ok_message_or_None, rows)."""
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        fatal("cannot read %s: %s" % (path, e))
    if not lines:
        fatal("%s is empty (no header line)" % path)
    header = lines[0].split()
    if header != PROC_COLUMNS:
        fatal("/proc header is %r, expected %r" % (lines[0],
                                                   " ".join(PROC_COLUMNS)))
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cols = line.split()
        if len(cols) != len(PROC_COLUMNS):
            fatal("/proc line %d has %d columns, expected %d: %r"
                  % (n, len(cols), len(PROC_COLUMNS), line))
        row = {}
        for k, v in zip(PROC_COLUMNS, cols):
            if k in PROC_INT:
                try:
                    v = int(v)
                except ValueError:
                    fatal("/proc line %d: %s=%r is not an integer: %r"
                          % (n, k, v, line))
            row[k] = v
        rows.append(row)
    return rows


def cmd_proc(args):
    out(json.dumps(parse_proc(args[0])))


def key_of(f):
    """A flow's key; addresses in one notation whoever printed them
    (flowctl prints with inet_ntop, which writes ::0.4.0.38 where the
    kernel writes ::4:26)."""
    return tuple(ipaddress.ip_address(f[k]).compressed
                 if k in ("client", "server") and f.get(k) else text(f.get(k))
                 for k in KEY)


def kernel_notation(addr):
    """@addr as the kernel's %pI6c prints it: RFC 5952, with IPv4-mapped
    and ISATAP addresses ending in dotted quads."""
    a = ipaddress.ip_address(addr)
    if a.version == 4:
        return str(a)
    if a.ipv4_mapped:
        return "::ffff:%s" % a.ipv4_mapped
    words = struct.unpack("!8H", a.packed)
    if words[4] | 0x0200 == 0x0200 and words[5] == 0x5efe:
        head = ipaddress.IPv6Address(a.packed[:12] + b"\0\1\0\1").compressed
        return head[:-len("1:1")] + str(ipaddress.IPv4Address(a.packed[12:]))
    return a.compressed


JSON_INT = ["client_port", "server_port", "packets_up", "bytes_up",
            "payload_up", "packets_down", "bytes_down", "payload_down",
            "first_seen", "last_seen", "id"]
JSON_STR = ["family", "proto", "client", "server", "state"]


def schema_problems(flows):
    """The fields every `flowctl -j list` object must have."""
    bad = []
    ids = {}
    for f in flows:
        name = brief(f)
        for k in JSON_INT:
            if not isinstance(f.get(k), int) or isinstance(f.get(k), bool):
                bad.append("JSON %s: %s is not a number (%r)"
                           % (name, k, f.get(k)))
        for k in JSON_STR:
            if not isinstance(f.get(k), str):
                bad.append("JSON %s: %s is not a string (%r)"
                           % (name, k, f.get(k)))
        if "picked_up" not in f:
            bad.append("JSON %s: no picked_up" % name)
        tcp = f.get("proto") == "tcp"
        for k in ("client_state", "server_state"):
            if tcp and not isinstance(f.get(k), str):
                bad.append("JSON %s: TCP flow without %s" % (name, k))
            if not tcp and k in f:
                bad.append("JSON %s: non-TCP flow has %s" % (name, k))
        if f.get("family") not in ("ipv4", "ipv6"):
            bad.append("JSON %s: family %r" % (name, f.get("family")))
        ids.setdefault(f.get("id"), []).append(f)
    for i, fs in ids.items():
        if len(fs) > 1:
            bad.append("JSON id %r used by %d flows" % (i, len(fs)))
    return bad


def app_differences(k, r, f):
    """How /proc row r's application columns differ from JSON flow f."""
    bad = []
    for c in OPTIONAL_COLUMNS:
        want = text(f[c]) if c in f else "-"
        if r[c] != want:
            bad.append("%s: %s: /proc %r != JSON %r"
                       % (" ".join(k), c, r[c], want))
    want = {True: "yes", False: "no"}.get(f.get("secured"), "-")
    if r["secured"] != want:
        bad.append("%s: secured: /proc %r != JSON %r"
                   % (" ".join(k), r["secured"], f.get("secured")))
    return bad


def rtt_differences(k, r, f):
    """How /proc row r's round trip columns differ from JSON flow f."""
    bad = []
    for c in RTT_COLUMNS:
        want = text(f[c + ".srtt"]) if c in f else "-"
        if r[c] != want:
            bad.append("%s: %s: /proc %r != JSON srtt %r"
                       % (" ".join(k), c, r[c], want))
    return bad


def cmd_proc_vs_json(args):
    rows = parse_proc(args[0])
    flows = load(args[1])
    bad = []
    if len(rows) != len(flows):
        bad.append("row count: /proc has %d flows, flowctl -j list has %d"
                   % (len(rows), len(flows)))
    bad += schema_problems(flows)
    byk = {}
    for f in flows:
        byk.setdefault(key_of(f), []).append(f)
    for k, fs in byk.items():
        if len(fs) > 1:
            bad.append("flowctl lists flow %s %d times" % (" ".join(k), len(fs)))
    seen = set()
    for r in rows:
        k = key_of(r)
        if k in seen:
            bad.append("/proc lists flow %s more than once" % " ".join(k))
            continue
        seen.add(k)
        for a in ("client", "server"):
            try:
                canon = kernel_notation(r[a])
            except ValueError:
                canon = None
            if canon != r[a]:
                bad.append("/proc %s %r is not in normal notation (%r)"
                           % (a, r[a], canon))
        if not r["age"] >= 0:
            bad.append("/proc age %r < 0" % r["age"])
        f = byk.get(k)
        if not f:
            bad.append("/proc flow %s missing from flowctl -j list"
                       % " ".join(k))
            continue
        f = f[0]
        bad.extend(nat_differences(k, r, f))
        bad.extend(app_differences(k, r, f))
        bad.extend(rtt_differences(k, r, f))
        for c in PROC_COLUMNS:
            # The addresses are in the key, which matched.
            if c in ("age", "nat", "secured", "client", "server") or \
               c in NAT_COLUMNS or c in OPTIONAL_COLUMNS or \
               c in RTT_COLUMNS:
                continue
            if c in ("client_state", "server_state") and r[c] == "-":
                if c in f:
                    bad.append("%s: /proc %s '-' but JSON has %r"
                               % (" ".join(k), c, f[c]))
                continue
            if c in ZERO_COLUMNS and c not in f:
                if r[c] != 0:
                    bad.append("%s: /proc %s %r but JSON has none"
                               % (" ".join(k), c, r[c]))
                continue
            if c not in f:
                bad.append("%s: JSON lacks %s (/proc: %r)"
                           % (" ".join(k), c, r[c]))
            elif text(f[c]) != text(r[c]):
                bad.append("%s: %s: /proc %r != JSON %r"
                           % (" ".join(k), c, r[c], f[c]))
    for f in flows:
        if key_of(f) not in seen:
            bad.append("JSON flow missing from /proc: %s" % brief(f))
    if bad:
        for b in bad[:40]:
            out("# not ok - " + b)
        if len(bad) > 40:
            out("# ... %d more differences" % (len(bad) - 40))
        sys.exit(1)
    out("# ok - %d /proc rows equal their flowctl -j list objects "
        "field by field" % len(rows))


def cmd_same(args):
    a, b = ({f["id"]: f for f in load(p)} for p in args[:2])
    differ = sorted(i for i in a.keys() | b.keys() if a.get(i) != b.get(i))
    if not differ:
        out("# ok - the same %d flows, field by field" % len(a))
        return
    out("# not ok - %d of %d flows differ" % (len(differ), len(a | b)))
    for i in differ[:10]:
        out("#   before: %s" % (brief(a[i]) if i in a else "-"))
        out("#   after:  %s" % (brief(b[i]) if i in b else "-"))
    sys.exit(1)


def sort_rank(f, key):
    """What --sort KEY orders by, biggest first: a flow without a round
    trip sample after every flow with one."""
    if key == "rtt":
        sides = [f[k]["srtt"] for k in ("rtt_client_us", "rtt_server_us")
                 if k in f]
        return (len(sides) > 0, sum(sides))
    if key == "drops":
        return (f.get("drops_up", 0) + f.get("drops_down", 0),)
    fatal("no sort key %r" % key)


def cmd_sorted(args):
    flows, key = load(args[0]), args[1]
    for a, b in zip(flows, flows[1:]):
        ra, rb = sort_rank(a, key), sort_rank(b, key)
        if ra < rb or (ra == rb and a["id"] > b["id"]):
            out("# not ok - --sort %s: %s (%r) before %s (%r)"
                % (key, brief(a), ra, brief(b), rb))
            sys.exit(1)
    out("# ok - %d flows in --sort %s order, ties by id" % (len(flows), key))


# nfdump's protocol names and numbers (-N), and flowctl's names.
NFDUMP_PROTO = {"TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ICMP6": "icmpv6",
                "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def collected_key(proto, client, cport, server, sport):
    """Ports only for protocols with ports: nfdump puts ICMP's type and
    code in the destination port."""
    if proto not in ("tcp", "udp"):
        cport = sport = 0
    return (proto, ipaddress.ip_address(client), int(cport),
            ipaddress.ip_address(server), int(sport))


def load_destroyed(path):
    flows = []
    if path == "none":
        return flows
    for line in open(path):
        ev = json.loads(line)
        if ev.get("event") == "destroy":
            flows.append(ev)
    return flows


def load_nfdump(path):
    rows = {}
    for line in open(path):
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != 9:
            fatal("not an nfdump row of 9 columns: %r" % line)
        proto = NFDUMP_PROTO.get(cols[0], cols[0].lower())
        key = collected_key(proto, cols[1], cols[2], cols[3],
                            cols[4].split(".")[0])
        sums = rows.setdefault(key, [0, 0, 0, 0, 0])
        for i in range(4):
            sums[i] += int(cols[5 + i])
        sums[4] += 1
    return rows


def cmd_collected(args):
    skip = parse_filter(args[3])
    flows = load(args[0]) + load_destroyed(args[1])
    rows = load_nfdump(args[2])
    bad = 0
    for f in flows:
        key = collected_key(f["proto"], f["client"], f.get("client_port", 0),
                            f["server"], f.get("server_port", 0))
        if skip and matches(f, skip):
            rows.pop(key, None)
            continue
        want = [f["packets_up"], f["bytes_up"], f["packets_down"],
                f["bytes_down"]]
        got = rows.pop(key, None)
        if got and got[:4] == want:
            out("# ok - collected: %s in %d record(s)" % (brief(f), got[4]))
            continue
        bad += 1
        out("# not ok - collected: %s: rows say %s" %
            (brief(f), "nothing" if not got else
             "packets %d/%d bytes %d/%d in %d record(s)" %
             (got[0], got[2], got[1], got[3], got[4])))
    for key, got in rows.items():
        bad += 1
        out("# not ok - collected: a row of no flow: %s %s:%d -> %s:%d" % key)
    if not rows:
        out("# ok - collected: no row of another flow")
    sys.exit(1 if bad else 0)


CMDS = {"count": (cmd_count, 2), "same": (cmd_same, 2), "get": (cmd_get, 3), "check": (cmd_check, 2),
        "show": (cmd_show, 1), "ports": (cmd_ports, 5), "proc": (cmd_proc, 1),
        "proc-vs-json": (cmd_proc_vs_json, 2), "sorted": (cmd_sorted, 2),
        "collected": (cmd_collected, 4)}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    func, nargs = CMDS[sys.argv[1]]
    args = sys.argv[2:]
    if len(args) < nargs:
        sys.stderr.write(__doc__)
        sys.exit(2)
    func(args)


if __name__ == "__main__":
    main()
