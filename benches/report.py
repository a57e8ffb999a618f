#!/usr/bin/env python3
"""Markdown report for benches/run.sh (python3 standard library only).

    python3 benches/report.py RESULTS_DIR > report.md

RESULTS_DIR holds manifest.tsv (section, id, input, tool, batch), one
hyperfine --export-json file per (id, tool) named ID.TOOL.json (each timed
run being `batch` sequential invocations), peak RSS samples in KB
(one per line, from /usr/bin/time -f %M) in ID.TOOL.rss, and env.txt,
notes.txt, checks.txt, validate.txt.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_targets  # noqa: E402  (benches/report_targets.py)

MB = 1e6  # all sizes and rates in decimal megabytes

INPUT_TITLES = {
    "collectors": "real kof-collectors render (`fixtures/kof-1.11/helm3/kof-collectors.yaml`)",
    "kof-all": "whole KOF stack render (`fixtures/kof-1.11/helm3/kof-all.yaml`)",
    "gen-n1-s1": "generated stream, 1x (`benches/gen_stream.py --scale 1`)",
}
TOOLS = ["cat", "kof-route", "kustomize", "yq"]

TARGET_MBPS = 200.0
TARGET_RSS_X = 2.0
TARGET_CAT_X = 3.0
LINEAR_TOLERANCE = 1.25  # cost per byte at 16x within 25% of 1x


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def count_documents(path):
    """Documents with content (not only comments) between `---` lines."""
    n = 0
    has_content = False
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"---") and line.rstrip() == b"---":
                n += has_content
                has_content = False
            elif not has_content and line.strip() and not line.lstrip().startswith(b"#"):
                has_content = True
    return n + has_content


class Result:
    def __init__(self, res_dir, section, rid, path, tool, batch):
        self.section, self.id, self.input, self.tool = section, rid, path, tool
        self.batch = batch
        with open(os.path.join(res_dir, "%s.%s.json" % (rid, tool))) as f:
            r = json.load(f)["results"][0]
        # per invocation; floor at 1 µs (hyperfine's shell correction can reach 0)
        self.mean = max(r["mean"] / batch, 1e-6)
        self.stddev = (r.get("stddev") or 0.0) / batch
        self.min = max(r["min"] / batch, 1e-6)
        self.median = max((r.get("median") or r["mean"]) / batch, 1e-6)
        self.cpu = ((r.get("user") or 0.0) + (r.get("system") or 0.0)) / batch
        self.runs = len(r.get("times") or [])
        rss = [int(x) for x in read(os.path.join(res_dir, "%s.%s.rss" % (rid, tool))).split()
               if x.isdigit()]
        self.rss_kb = max(rss) if rss else None


def fmt_time(s):
    if s is None:
        return "–"
    if s < 1e-3:
        return "%.0f µs" % (s * 1e6)
    if s < 1:
        return "%.3g ms" % (s * 1e3)
    return "%.3g s" % s


def fmt_x(x):
    if x is None:
        return "–"
    if x >= 100:
        return "%.0f×" % x
    if x >= 10:
        return "%.1f×" % x
    if x >= 0.01:
        return "%.2f×" % x
    return "%.4f×" % x


def fmt_mb(b):
    return "%.1f MB" % (b / MB) if b >= 10 * MB else "%.2f MB" % (b / MB)


def yes(ok):
    return "**yes**" if ok else "**no**"


def main(res_dir):
    env = dict(line.split("=", 1) for line in read(os.path.join(res_dir, "env.txt")).splitlines()
               if "=" in line)
    results = {}
    order = []
    with open(os.path.join(res_dir, "manifest.tsv")) as f:
        next(f)
        for line in f:
            section, rid, path, tool, batch = line.rstrip("\n").split("\t")
            results[(rid, tool)] = Result(res_dir, section, rid, path, tool, int(batch))
            if (section, rid, path) not in order:
                order.append((section, rid, path))

    sizes, docs = {}, {}
    for _, rid, path in order:
        sizes[rid] = os.path.getsize(path)
        docs[rid] = count_documents(path)

    def get(rid, tool):
        return results.get((rid, tool))

    def ratio(rid, a, b):
        x, y = get(rid, a), get(rid, b)
        return x.mean / y.mean if x and y and y.mean > 0 else None

    def mbps(rid, tool="kof-route"):
        r = get(rid, tool)
        return sizes[rid] / r.mean / MB if r and r.mean > 0 else None

    def rss_x(rid, tool="kof-route"):
        r = get(rid, tool)
        return r.rss_kb * 1024 / sizes[rid] if r and r.rss_kb else None

    smoke = env.get("mode") == "smoke"
    o = []
    o.append("# kof-route benchmark%s" % (" (smoke run)" if smoke else ""))
    o.append("")
    o.append("- command: `%s < FILE > /dev/null`" % env.get("route", "kof-route"))
    o.append("- kof-route commit %s, %s; %s binary" % (env.get("commit", "?"), env.get("date", "?"), env.get("linkage", "?")))
    o.append("- machine: %s, %s; load average (1, 5, 15 min) %s"
             % (env.get("cpu", "?"), env.get("kernel", "?"), env.get("load", "?")))
    o.append("- tools: %s; kustomize %s; %s; GNU time for peak RSS"
             % (env.get("hyperfine", "hyperfine"), env.get("kustomize", "?"), env.get("yq", "yq ?")))
    o.append("- %s run, %s s wall in all (build, generation and checks included)"
             % (env.get("mode", "?"), env.get("elapsed_s", "?")))
    o.append("- MB = 10^6 bytes. Times are hyperfine means (shell start-up subtracted); "
             "ratios are kof-route's mean over the other tool's mean in the same run "
             "(below 1 = kof-route is faster). Peak RSS is GNU time's %M: for the wrapper "
             "scripts it is the largest single process (kubectl, or the larger of python and jq).")
    o.append("")

    # ---- correctness
    checks = read(os.path.join(res_dir, "checks.txt")).strip()
    validate = read(os.path.join(res_dir, "validate.txt")).strip()
    if checks or validate:
        o.append("## Output checks")
        o.append("")
        for line in (validate.splitlines() + checks.splitlines()):
            o.append("- " + line.replace(os.path.join(res_dir, ""), ""))
        o.append("")

    # ---- comparison
    cmp_ids = [rid for section, rid, _ in order if section == "compare"]
    o.append("## kof-route against cat, kustomize and yq")
    o.append("")
    o.append("| input | size | docs | cat | kof-route | kustomize | yq | kof-route ÷ cat "
             "| kof-route ÷ kustomize | kof-route ÷ yq | kof-route MB/s |")
    o.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rid in cmp_ids:
        o.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %.0f |" % (
            rid, fmt_mb(sizes[rid]), docs[rid],
            *[fmt_time(get(rid, t).mean) if get(rid, t) else "–" for t in TOOLS],
            fmt_x(ratio(rid, "kof-route", "cat")), fmt_x(ratio(rid, "kof-route", "kustomize")),
            fmt_x(ratio(rid, "kof-route", "yq")), mbps(rid) or 0))
    o.append("")
    o.append("Peak memory (max RSS; × input size):")
    o.append("")
    o.append("| input | size | cat | kof-route | kustomize | yq |")
    o.append("|---|---:|---:|---:|---:|---:|")
    for rid in cmp_ids:
        cells = []
        for t in TOOLS:
            r = get(rid, t)
            if r and r.rss_kb:
                cells.append("%s (%s)" % (fmt_mb(r.rss_kb * 1024), fmt_x(rss_x(rid, t))))
            else:
                cells.append("–")
        o.append("| %s | %s | %s |" % (rid, fmt_mb(sizes[rid]), " | ".join(cells)))
    o.append("")
    o.append("Details per invocation (mean ± σ, min, user+sys CPU; runs × invocations per "
             "timed run, the batch being a shell loop for the fast tools on small inputs):")
    o.append("")
    o.append("| input | tool | mean ± σ | median | min | user+sys | runs | MB/s |")
    o.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for rid in cmp_ids:
        for t in TOOLS:
            r = get(rid, t)
            if not r:
                continue
            o.append("| %s | %s | %s ± %s | %s | %s | %s | %s | %.1f |" % (
                rid, t, fmt_time(r.mean), fmt_time(r.stddev), fmt_time(r.median), fmt_time(r.min),
                fmt_time(r.cpu), "%d × %d" % (r.runs, r.batch) if r.batch > 1 else str(r.runs),
                sizes[rid] / r.mean / MB))
    o.append("")
    for rid in cmp_ids:
        o.append("- %s: %s" % (rid, INPUT_TITLES.get(rid, rid)))
    o.append("")

    # ---- linearity
    base = "gen-n1-s1"
    lin = [rid for section, rid, _ in order if section == "linearity"]
    if lin and get(base, "kof-route"):
        o.append("## Linearity (generated stream)")
        o.append("")
        o.append("Times here are hyperfine medians (robust against the odd slow run on a "
                 "shared machine). Cost per byte vs 1x = (time ÷ time at 1x) ÷ "
                 "(size ÷ size at 1x); 1.00 is perfectly linear, below 1 means the "
                 "fixed start-up cost is being amortised.")
        o.append("")
        o.append("| stream | docs | size | size vs 1x | kof-route (median) | MB/s | µs / doc "
                 "| cost per byte vs 1x | peak RSS | RSS ÷ input | cat (median) |")
        o.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        t1 = get(base, "kof-route").median
        b1 = sizes[base]
        rows = [("documents", [base] + [r for r in lin if re.match(r"gen-n\d+-s1$", r)]),
                ("document size", [base] + [r for r in lin if re.match(r"gen-n1-s\d+$", r)])]
        worst = {}
        for axis, ids in rows:
            for rid in sorted(set(ids), key=lambda r: sizes[r]):
                k = get(rid, "kof-route")
                if not k:
                    continue
                norm = (k.median / t1) / (sizes[rid] / b1)
                if rid != base:
                    worst[axis] = max(worst.get(axis, 0), norm)
                m = re.match(r"gen-n(\d+)-s(\d+)", rid)
                label = "%sx docs" % m.group(1) if axis == "documents" else "%sx doc size" % m.group(2)
                o.append("| %s | %d | %s | %.2f× | %s | %.0f | %.1f | %.2f | %s | %s | %s |" % (
                    label, docs[rid], fmt_mb(sizes[rid]), sizes[rid] / b1, fmt_time(k.median),
                    sizes[rid] / k.median / MB, k.median / docs[rid] * 1e6, norm,
                    fmt_mb(k.rss_kb * 1024) if k.rss_kb else "–", fmt_x(rss_x(rid)),
                    fmt_time(get(rid, "cat").median) if get(rid, "cat") else "–"))
        o.append("")
        slow = [(rid, t) for rid in lin for t in ("kustomize", "yq") if get(rid, t)]
        for rid, t in slow:
            o.append("- %s at %s: %s (%d run), peak RSS %s; kof-route ÷ %s = %s" % (
                t, rid, fmt_time(get(rid, t).mean), get(rid, t).runs,
                fmt_mb(get(rid, t).rss_kb * 1024) if get(rid, t).rss_kb else "–", t,
                fmt_x(ratio(rid, "kof-route", t))))
        if slow:
            o.append("")
    else:
        worst = {}

    # ---- targets
    o.append("## Targets")
    o.append("")
    o.append("| target | measured | met |")
    o.append("|---|---|---|")
    if get(base, "kof-route"):
        v = mbps(base)
        o.append("| generated stream: ≥ %.0f MB/s end to end (`--route regional`) | %.0f MB/s | %s |"
                 % (TARGET_MBPS, v, yes(v >= TARGET_MBPS)))
        x = rss_x(base)
        gen_all = [r for r in [base] + lin if get(r, "kof-route") and rss_x(r)]
        worst_rss = max(gen_all, key=rss_x)
        extra = ""
        if worst_rss != base:
            extra = "; worst over the linearity streams %s at %s" % (fmt_x(rss_x(worst_rss)), worst_rss)
        o.append("| generated stream: peak memory < %.0f× input | %s (%s peak RSS for %s input)%s | %s |"
                 % (TARGET_RSS_X, fmt_x(x), fmt_mb(get(base, "kof-route").rss_kb * 1024),
                    fmt_mb(sizes[base]), extra, yes(x is not None and x < TARGET_RSS_X)))
    if get("collectors", "kof-route") and get("collectors", "cat"):
        k, c = get("collectors", "kof-route"), get("collectors", "cat")
        x = k.mean / c.mean
        cpu = "user+sys %s vs %s" % (fmt_time(k.cpu), fmt_time(c.cpu))
        o.append("| kof-collectors: total process time within %.0f× of cat | %s (%s vs %s wall; %s) | %s |"
                 % (TARGET_CAT_X, fmt_x(x), fmt_time(k.mean), fmt_time(c.mean), cpu,
                    yes(x <= TARGET_CAT_X)))
    if get("collectors", "export") and get("collectors", "kof-route"):
        e, k = get("collectors", "export"), get("collectors", "kof-route")
        x = e.mean / k.mean
        o.append("| kof-collectors: `export --format kustomize` within 2× of the main mode | %s (%s vs %s) | %s |"
                 % (fmt_x(x), fmt_time(e.mean), fmt_time(k.mean), yes(x <= 2.0)))
    for axis in ("documents", "document size"):
        if axis in worst:
            o.append("| cost linear in %s (cost per byte up to 16x within %.0f%% of 1x) | worst %.2f | %s |"
                     % (axis, (LINEAR_TOLERANCE - 1) * 100, worst[axis], yes(worst[axis] <= LINEAR_TOLERANCE)))
    o.append("")

    o.extend(report_targets.lines(res_dir, get, sizes, fmt_time, fmt_x, fmt_mb, yes))

    notes = read(os.path.join(res_dir, "notes.txt")).strip()
    if notes:
        o.append("## Notes")
        o.append("")
        for line in notes.splitlines():
            o.append("- " + line)
        o.append("")
    sys.stdout.write("\n".join(o))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
