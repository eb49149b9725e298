#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of `make bench`: from the VM's output, the results.

usage: report.py VM_OUTPUT OUTDIR

Reads the "FMBENCH-RAW {...}" lines tools/bench/bench.sh printed in the VM
and writes into OUTDIR:
  results.json  every raw figure, the medians and ratios derived from them
  table.txt     the table printed at the end (also on stdout)
  bench.dat     dump time and memory per flow against N (gnuplot's input)
  bench.png     their plot (gnuplot, if installed)

Medians over the repetitions; ratios are of medians. Under emulation only
ratios between figures of the same boot mean anything.
"""

import json
import os
import statistics
import subprocess
import sys

TRACKERS = ("none", "flowmon", "conntrack")
NOTE = ("Under emulation (QEMU TCG) absolute times mean little: only ratios "
        "between figures of the same VM boot do.")


def load(path):
    raw = []
    done = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("FMBENCH-RAW "):
                raw.append(json.loads(line[len("FMBENCH-RAW "):]))
            elif line == "FMBENCH-DONE":
                done = True
    return raw, done


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def sel(raw, s, **kw):
    return [r for r in raw if r.get("s") == s and
            all(r.get(k) == v for k, v in kw.items())]


def ratio(a, b):
    return a / b if a is not None and b else None


def kb(m, *keys):
    return sum(m.get(k, 0) for k in keys)


# What a table of records costs, from the kernel's own accounting (kB):
# slab, vmalloc and per-CPU memory; and all memory in use but the page
# cache (this also sees kmalloc() calls too large for a slab cache, which
# go to the page allocator).
def mem_slab(m):
    return kb(m, "Slab", "VmallocUsed", "Percpu")


def mem_used(m):
    return m["MemTotal"] - m["MemFree"] - m.get("Buffers", 0) - m.get("Cached", 0)


def per_packet(r):
    """ns per frame of a send record (the contended case: the span of both)."""
    if "cpu0" in r:
        span = (max(r["cpu0"]["end_ns"], r["cpu1"]["end_ns"]) -
                min(r["cpu0"]["start_ns"], r["cpu1"]["start_ns"]))
        return span / r["frames"]
    return r["ns"] / r["frames"]


class Summary:
    def __init__(self, raw):
        self.raw = raw
        self.meta = (sel(raw, "meta") or [{}])[0]
        self.out = {}
        self.drops = {}

    def count_drops(self):
        for r in self.raw:
            if "drops" in r:
                t = r["tracker"]
                self.drops[t] = self.drops.get(t, 0) + r["drops"]
        self.out["drops"] = self.drops

    def cost(self, s, case=None, n=None, fn=per_packet):
        res = {}
        for t in TRACKERS:
            kw = {"tracker": t}
            if case is not None:
                kw["case"] = case
            if n is not None:
                kw["n"] = n
            res[t] = med(fn(r) for r in sel(self.raw, s, **kw))
        base = res["none"]
        fm, ct = res["flowmon"], res["conntrack"]
        res["flowmon_x"] = ratio(fm, base)
        res["conntrack_x"] = ratio(ct, base)
        fx = fm - base if fm is not None and base is not None else None
        cx = ct - base if ct is not None and base is not None else None
        res["flowmon_extra"] = fx
        res["conntrack_extra"] = cx
        res["extra_ratio"] = ratio(fx, cx)
        return res

    def per_packet(self):
        self.out["per_packet"] = {c: self.cost("per_packet", c)
                                  for c in ("udp", "tcp_bulk", "udp_2cpu")}

    def sizes(self):
        return sorted({r["n"] for r in sel(self.raw, "new_flows")})

    def new_flows(self):
        res = {}
        for n in self.sizes():
            c = self.cost("new_flows", "udp", n, fn=lambda r: r["ns"] / r["count"])
            for t in TRACKERS:
                c[t + "_rate"] = 1e9 / c[t] if c[t] else None
            # Creation alone: what a flow costs over forwarding its packet.
            c["creation_rate_ratio"] = ratio(c["conntrack_extra"], c["flowmon_extra"])
            res[n] = c
        self.out["new_flows"] = res

    def dumps(self):
        res = {}
        for n in self.sizes():
            d = {}
            for t, case, name in (("flowmon", "json", "flowctl -j list"),
                                  ("flowmon", "plain", "flowctl list -o plain"),
                                  ("flowmon", "proc", "/proc/net/flowmon"),
                                  ("conntrack", "json", "conntrack -L -o extended"),
                                  ("conntrack", "proc", "/proc/net/nf_conntrack")):
                rs = sel(self.raw, "dump", tracker=t, case=case, n=n)
                if not rs:
                    continue
                d[name] = {"s": med(r["ns"] for r in rs) / 1e9,
                           "timed_out": any(r["timed_out"] for r in rs),
                           "reps": len(rs)}
            res[n] = d
        self.out["dump"] = res

    def memory(self):
        res = {}
        for n in self.sizes():
            for case in ("udp", "tcp"):
                for t in ("flowmon", "conntrack"):
                    rs = sel(self.raw, "memory", tracker=t, case=case, n=n)
                    if not rs:
                        continue
                    slab = med((mem_slab(r["after"]) - mem_slab(r["before"])) *
                               1024 / r["entries"] for r in rs if r["entries"])
                    used = med((mem_used(r["after"]) - mem_used(r["before"])) *
                               1024 / r["entries"] for r in rs if r["entries"])
                    # The hash table's share: its buckets (one pointer
                    # each, allocated up front) over the entries.
                    buckets = self.meta.get("buckets", 0)
                    res.setdefault(n, {}).setdefault(case, {})[t] = {
                        "slab_bytes": slab, "used_bytes": used,
                        "hash_share_bytes": buckets * 8 / n,
                        "entries": med(r["entries"] for r in rs)}
        self.out["memory"] = res

    def idle(self):
        res = {}
        per = {}
        for t in ("none", "flowmon"):
            rs = sel(self.raw, "idle", tracker=t)
            if not rs:
                continue
            ns = rs[0]["namespaces"]
            per[t] = {
                "slab_kb": med(mem_slab(r["after"]) - mem_slab(r["before"]) for r in rs) / ns,
                "used_kb": med(mem_used(r["after"]) - mem_used(r["before"]) for r in rs) / ns,
            }
            for ev in ("timer:timer_expire_entry", "workqueue:workqueue_execute_start",
                       "timer:hrtimer_expire_entry", "LOC"):
                with_ns = med(r.get(ev) / r["secs"] for r in rs if r.get(ev) is not None)
                per[t][ev + "_per_s"] = with_ns
            res["namespaces"] = ns
        if "none" in per and "flowmon" in per:
            ns = res["namespaces"]
            res["flowmon_slab_kb_per_ns"] = per["flowmon"]["slab_kb"] - per["none"]["slab_kb"]
            res["flowmon_used_kb_per_ns"] = per["flowmon"]["used_kb"] - per["none"]["used_kb"]
            for ev in ("timer:timer_expire_entry", "workqueue:workqueue_execute_start", "LOC"):
                a, b = per["flowmon"][ev + "_per_s"], per["none"][ev + "_per_s"]
                if a is not None and b is not None:
                    res["flowmon_" + ev + "_per_s_per_ns"] = (a - b) / ns
        res["by_tracker"] = per
        self.out["idle"] = res

    def lookup(self):
        """Scenario 6: behind 1000 flows (lookup), behind the large tables
        of scenarios 2-4 (lookup_sized), and flowmon with its default
        parameters behind lookup_n flows (lookup)."""
        res = {"small": self.cost("lookup", "udp", 1000), "sized": {}}
        res["small"]["entries"] = {t: med(r["entries"] for r in sel(
            self.raw, "lookup_entries", tracker=t, n=1000)) for t in TRACKERS}
        for n in sorted({r["n"] for r in sel(self.raw, "lookup_sized")}):
            res["sized"][n] = self.cost("lookup_sized", "udp", n)
        big = self.meta.get("lookup_n")
        rs = sel(self.raw, "lookup", tracker="flowmon", n=big)
        if rs:
            fm = med(per_packet(r) for r in rs)
            sized = res["sized"].get(big, {})
            row = {"none": sized.get("none"), "flowmon": fm,
                   "conntrack": sized.get("conntrack")}
            base, ct = row["none"], row["conntrack"]
            row["flowmon_x"] = ratio(fm, base)
            row["conntrack_x"] = ratio(ct, base)
            row["extra_ratio"] = ratio(fm - base if base else None,
                                       ct - base if base and ct else None)
            row["entries"] = med(r["entries"] for r in sel(
                self.raw, "lookup_entries", tracker="flowmon", n=big))
            res["default_big"] = row
            res["growth"] = {t: ratio(row[t], res["small"][t]) for t in TRACKERS}
            fill = sel(self.raw, "lookup_fill", tracker="flowmon", n=big)
            res["default_fill_ns_per_flow"] = med(r["ns"] / r["count"] for r in fill)
        top = max(res["sized"]) if res["sized"] else None
        if top:
            res["growth_sized"] = {"n": top, **{t: ratio(res["sized"][top][t], res["small"][t])
                                                for t in TRACKERS}}
        st = sel(self.raw, "fm_stats", scenario=6)
        if st:
            res["flowmon_stats"] = st[-1]["stats"]
        p = sel(self.raw, "fm_params")
        if p:
            res["flowmon_params"] = {k: p[0][k] for k in ("hashsize", "max_flows",
                                                          "max_flows_containers")}
        self.out["lookup"] = res

    def durations(self):
        self.out["durations_s"] = {r["scenario"]: r["secs"] for r in sel(self.raw, "duration")}
        self.out["skipped"] = sel(self.raw, "skipped")

    def run(self):
        self.count_drops()
        self.per_packet()
        self.new_flows()
        self.dumps()
        self.memory()
        self.idle()
        self.lookup()
        self.durations()
        return self.out


def fmt(v, spec=".2f"):
    if v is None:
        return "-"
    return format(v, spec)


def human_n(n):
    return "%dM" % (n // 1000000) if n >= 1000000 and n % 1000000 == 0 else \
        "%dk" % (n // 1000) if n >= 1000 and n % 1000 == 0 else str(n)


def table(out, meta, done):
    lines = []
    add = lines.append
    add("flowmon benchmark: kernel %s, %s CPUs, %s MB, %s; %s repetitions, medians"
        % (meta.get("kernel"), meta.get("cpus"), int(meta.get("mem_kb", 0)) // 1024,
           meta.get("cpu"), meta.get("reps")))
    add("NOTE: " + NOTE)
    if not done:
        add("NOTE: the run did not finish: the figures below are what it measured before it stopped.")
    add("")
    hdr = "%-34s %11s %11s %11s %8s %8s %9s" % (
        "", "baseline", "flowmon", "conntrack", "fm/base", "ct/base", "fm+/ct+")
    add("1. Per packet (ns per frame through the router; fm+/ct+: flowmon's extra cost over conntrack's)")
    add(hdr)
    names = {"udp": "one UDP flow, 64-byte frames", "tcp_bulk": "one TCP bulk flow, 1500-byte",
             "udp_2cpu": "one UDP flow, two senders/CPUs"}
    for c, r in out["per_packet"].items():
        add("%-34s %11s %11s %11s %8s %8s %9s" % (
            names[c], fmt(r["none"], ".0f"), fmt(r["flowmon"], ".0f"), fmt(r["conntrack"], ".0f"),
            fmt(r["flowmon_x"]), fmt(r["conntrack_x"]), fmt(r["extra_ratio"])))
    add("")
    add("2. New flows (one UDP packet each; ns per flow, and flows/s; creation: conntrack's extra / flowmon's)")
    add("%-34s %11s %11s %11s %8s %8s %9s" % ("", "baseline", "flowmon", "conntrack",
                                               "fm/base", "ct/base", "creation"))
    for n, r in out["new_flows"].items():
        add("%-34s %11s %11s %11s %8s %8s %9s" % (
            "N=%s ns/flow" % human_n(n), fmt(r["none"], ".0f"), fmt(r["flowmon"], ".0f"),
            fmt(r["conntrack"], ".0f"), fmt(r["flowmon_x"]), fmt(r["conntrack_x"]),
            fmt(r["creation_rate_ratio"])))
        add("%-34s %11s %11s %11s" % (
            "N=%s flows/s" % human_n(n), fmt(r["none_rate"], ".0f"),
            fmt(r["flowmon_rate"], ".0f"), fmt(r["conntrack_rate"], ".0f")))
    add("")
    add("3. Dump (seconds; conntrack / flowmon; '>' a read stopped at its time limit)")
    ns = list(out["dump"].keys())
    add("%-34s" % "" + "".join("%12s" % ("N=" + human_n(n)) for n in ns) + "%12s" % "1M/100k")

    def dump_row(name):
        cells = []
        for n in ns:
            d = out["dump"][n].get(name)
            cells.append("-" if d is None else (">" if d["timed_out"] else "") + fmt(d["s"], ".3f"))
        lin = None
        if 100000 in out["dump"] and 1000000 in out["dump"]:
            a, b = out["dump"][100000].get(name), out["dump"][1000000].get(name)
            if a and b and not a["timed_out"] and not b["timed_out"]:
                lin = b["s"] / a["s"]
        return "%-34s" % name + "".join("%12s" % c for c in cells) + "%12s" % fmt(lin)

    for name in ("flowctl -j list", "flowctl list -o plain", "/proc/net/flowmon",
                 "conntrack -L -o extended", "/proc/net/nf_conntrack"):
        add(dump_row(name))
    for a, b, name in (("conntrack -L -o extended", "flowctl -j list", "conntrack -L / flowctl -j list"),
                       ("conntrack -L -o extended", "flowctl list -o plain", "conntrack -L / flowctl -o plain"),
                       ("/proc/net/nf_conntrack", "/proc/net/flowmon", "/proc: nf_conntrack / flowmon")):
        cells = []
        for n in ns:
            x, y = out["dump"][n].get(a), out["dump"][n].get(b)
            cells.append("-" if not x or not y else
                         (">" if x["timed_out"] else "") + fmt(x["s"] / y["s"]))
        add("%-34s" % name + "".join("%12s" % c for c in cells))
    add("")
    add("4. Memory per flow (bytes: /proc/meminfo Slab+VmallocUsed+Percpu delta while filling / entries)")
    add("%-34s %16s %16s" % ("", "flowmon", "conntrack"))
    for n, cases in out["memory"].items():
        for case, r in cases.items():
            fm, ct = r.get("flowmon"), r.get("conntrack")
            cell = lambda x: "-" if not x else fmt(x["slab_bytes"], ".0f")
            add("%-34s %16s %16s" % ("N=%s %s" % (human_n(n), case.upper()), cell(fm), cell(ct)))
    add("Hash buckets (8 bytes) allocated at load are not in these deltas: both trackers had %s"
        % meta.get("buckets"))
    add("(for up to %s flows); flowmon's table grows to one bucket per flow or more, 8 to 16 bytes"
        % meta.get("max_flows"))
    add("per flow (at 1M it grew to 2^20 buckets during the fill, which the delta includes).")
    add("")
    idle = out["idle"]
    if idle.get("by_tracker"):
        add("5. Idle namespaces (%s, no flows; flowmon loaded against not; perf tracepoint counts, whole guest)"
            % idle.get("namespaces"))
        add("%-34s %11s %11s %11s" % ("", "not loaded", "flowmon", "per netns"))
        bt = idle["by_tracker"]
        add("%-34s %11s %11s %11s" % ("memory, slab+vmalloc+percpu kB/ns",
                                       fmt(bt["none"]["slab_kb"], ".1f"), fmt(bt["flowmon"]["slab_kb"], ".1f"),
                                       fmt(idle.get("flowmon_slab_kb_per_ns"), ".1f")))
        add("%-34s %11s %11s %11s" % ("memory, all in use kB/ns",
                                       fmt(bt["none"]["used_kb"], ".1f"), fmt(bt["flowmon"]["used_kb"], ".1f"),
                                       fmt(idle.get("flowmon_used_kb_per_ns"), ".1f")))
        for ev, name in (("timer:timer_expire_entry", "timer expiries/s"),
                         ("workqueue:workqueue_execute_start", "work items run/s"),
                         ("LOC", "local timer interrupts/s")):
            add("%-34s %11s %11s %11s" % (
                name, fmt(bt["none"].get(ev + "_per_s"), ".1f"),
                fmt(bt["flowmon"].get(ev + "_per_s"), ".1f"),
                fmt(idle.get("flowmon_" + ev + "_per_s_per_ns"), ".2f")))
        add("")
    lk = out["lookup"]
    if lk["small"].get("flowmon") is not None:
        p = lk.get("flowmon_params", {})
        row = "%-34s %11s %11s %11s %8s %8s %9s"
        cells = lambda r: (fmt(r.get("none"), ".0f"), fmt(r.get("flowmon"), ".0f"),
                           fmt(r.get("conntrack"), ".0f"), fmt(r.get("flowmon_x")),
                           fmt(r.get("conntrack_x")), fmt(r.get("extra_ratio")))
        add("6. Lookup at scale (ns per frame of one UDP flow behind N others)")
        add("   flowmon without hashsize (its table grows): hashsize=%s max_flows=%s max_flows_containers=%s"
            % (p.get("hashsize"), p.get("max_flows"), p.get("max_flows_containers")))
        add(row % ("", "baseline", "flowmon", "conntrack", "fm/base", "ct/base", "fm+/ct+"))
        add(row % (("behind 1k, flowmon growing",) + cells(lk["small"])))
        big = lk.get("default_big")
        if big:
            add(row % (("behind %s, flowmon growing*" % human_n(meta.get("lookup_n", 0)),) + cells(big)))
        for n, r in lk["sized"].items():
            add(row % (("behind %s, tables sized for it" % human_n(n),) + cells(r)))
        g = lk.get("growth")
        if g:
            add("%-34s %11s %11s %11s" % ("behind %s growing* / behind 1k" % human_n(meta.get("lookup_n", 0)),
                                           fmt(g["none"]), fmt(g["flowmon"]), fmt(g["conntrack"])))
        g = lk.get("growth_sized")
        if g:
            add("%-34s %11s %11s %11s" % ("behind %s sized / behind 1k" % human_n(g["n"]),
                                           fmt(g["none"]), fmt(g["flowmon"]), fmt(g["conntrack"])))
        st = lk.get("flowmon_stats")
        if st:
            add("* baseline and conntrack there: from the sized tables. flowmon's growing table after"
                " %s flows pushed:" % human_n(meta.get("lookup_n", 0)))
            add("  %s active in %s buckets, %s untracked, %s evicted (unreplied); the push took %s ns per flow"
                % (st.get("active"), st.get("buckets"), st.get("untracked"), st.get("evicted_embryonic"),
                   fmt(lk.get("default_fill_ns_per_flow"), ".0f")))
        add("")
    for sk in out.get("skipped", []):
        add("NOTE: N=%s: %d of %d repetitions only: another (%ss) would have passed the %ss budget"
            " of the run (`make bench` must end within 25 minutes)"
            % (human_n(sk["n"]), sk["reps_done"], sk["reps"], sk["rep_secs"], sk["budget"]))
    d = out["drops"]
    add("Packets not forwarded (sent - counted on the router's egress), all scenarios: "
        + ", ".join("%s %d" % (t, d.get(t, 0)) for t in TRACKERS))
    dur = out.get("durations_s", {})
    if dur:
        add("Time in the VM: " + ", ".join("scenario %s %ss" % (k, v) for k, v in dur.items()
                                          if k != "all") + "; all %ss" % dur.get("all", "?"))
    return "\n".join(lines) + "\n"


def plot(out, outdir):
    dat = os.path.join(outdir, "bench.dat")
    names = ("flowctl -j list", "flowctl list -o plain", "/proc/net/flowmon",
             "conntrack -L -o extended", "/proc/net/nf_conntrack")
    with open(dat, "w") as f:
        f.write("# N, dump seconds: %s (timed-out reads left out)\n" % ", ".join(names))
        for n, d in out["dump"].items():
            f.write("%d %s\n" % (n, " ".join(
                "NaN" if name not in d or d[name]["timed_out"] else "%.6f" % d[name]["s"]
                for name in names)))
        f.write("\n\n# N, bytes per flow (slab): flowmon UDP, conntrack UDP, flowmon TCP, conntrack TCP\n")
        for n, cases in out["memory"].items():
            def v(case, t):
                x = cases.get(case, {}).get(t)
                return "NaN" if not x or x["slab_bytes"] is None else "%.1f" % x["slab_bytes"]
            f.write("%d %s %s %s %s\n" % (n, v("udp", "flowmon"), v("udp", "conntrack"),
                                          v("tcp", "flowmon"), v("tcp", "conntrack")))
    png = os.path.join(outdir, "bench.png")
    script = """
set terminal pngcairo size 1200,500 font ",10" noenhanced
set output '%(png)s'
set multiplot layout 1,2 title "flowmon vs nf_conntrack, one VM boot (TCG: compare ratios only)"
set logscale xy
set key top left
set grid
set xlabel "flows in the table (N)"
set ylabel "dump time (s)"
set title "Dump time"
plot '%(dat)s' index 0 using 1:2 with linespoints title "flowctl -j list", \\
     '' index 0 using 1:3 with linespoints title "flowctl list -o plain", \\
     '' index 0 using 1:4 with linespoints title "cat /proc/net/flowmon", \\
     '' index 0 using 1:5 with linespoints title "conntrack -L -o extended", \\
     '' index 0 using 1:6 with linespoints title "cat /proc/net/nf_conntrack"
unset logscale y
set yrange [0:*]
set ylabel "bytes per flow (slab + vmalloc delta / entries)"
set title "Memory per flow"
plot '%(dat)s' index 1 using 1:2 with linespoints title "flowmon UDP", \\
     '' index 1 using 1:3 with linespoints title "conntrack UDP", \\
     '' index 1 using 1:4 with linespoints title "flowmon TCP", \\
     '' index 1 using 1:5 with linespoints title "conntrack TCP"
unset multiplot
""" % {"png": png, "dat": dat}
    with open(os.path.join(outdir, "bench.gp"), "w") as f:
        f.write(script)
    try:
        subprocess.run(["gnuplot", os.path.join(outdir, "bench.gp")], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: gnuplot failed (%s): no %s" % (e, png), file=sys.stderr)
        return None
    return png


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    raw, done = load(sys.argv[1])
    if not raw:
        sys.exit("report: no FMBENCH-RAW lines in %s" % sys.argv[1])
    outdir = sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    summary = Summary(raw)
    out = summary.run()
    text = table(out, summary.meta, done)
    png = plot(out, outdir)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"note": NOTE, "complete": done, "meta": summary.meta,
                   "summary": out, "raw": raw}, f, indent=1, sort_keys=False)
        f.write("\n")
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    print("results: %s/results.json%s" % (outdir, ", plot: " + png if png else ""))
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
