#!/usr/bin/env python3
"""The markdown report of benches/run.sh (issue 24) from its results directory:
medians of the alternating rounds (benches/ab.py JSON), callgrind counts,
peak RSS, install time and line counts, each target with met / missed."""
import json
import os
import statistics
import sys

res = sys.argv[1]
env = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(res, "env.txt")) if "=" in l)
smoke = env.get("mode") == "smoke"


def load(name):
    path = os.path.join(res, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else {}


def med(r):
    return statistics.median(r["times"])


def ms(t):
    return f"{t * 1e3:.1f} ms" if t < 10 else f"{t:.2f} s"


def met(ok):
    return "yes" if ok else "**no**"


cg = {}
path = os.path.join(res, "callgrind.tsv")
if os.path.exists(path):
    for line in list(open(path))[1:]:
        i, tool, n = line.rstrip("\n").split("\t")
        if n:
            cg[(i, tool)] = int(n)


def ir(i, tool):
    n = cg.get((i, tool))
    return f"{n / 1e6:.1f} M" if n else "-"


o = [f"# kof-route benchmark ({env.get('mode')}, {env.get('date')})", "",
     f"commit {env.get('commit')}; {env.get('cpu')}; load {env.get('load')} at the end; "
     f"{env.get('elapsed_s')} s.", "",
     "Medians of rounds run alternately (benches/ab.py); instructions: callgrind, whole process, "
     "kof-route and cat reading FILE."]
if smoke:
    o += ["", "Smoke run: 2-3 rounds each, no install build. The figures are indicative only."]

h = load("helm")
if h:
    o += ["", "## (a) `helm template` of kof-collectors 1.11, with and without kof-route", "",
          "| engine | without | cat as post-renderer | kof-route | kof-route adds | slower by | target <= 2% |",
          "|---|---|---|---|---|---|---|"]
    for base, withk, title in [("helm4", "helm4+plugin", "Helm 4.2.3, plugin"),
                               ("helm3", "helm3+post-renderer", "Helm 3.17.2, --post-renderer")]:
        a, c, b = med(h[base]), med(h[base + "+cat"]), med(h[withk])
        o.append(f"| {title} | {ms(a)} | {ms(c)} | {ms(b)} | {(b - a) * 1e3:+.1f} ms | {(b / a - 1) * 100:+.1f}% "
                 f"| {met(b / a <= 1.02)} |")
    o += ["", "`cat as post-renderer` is what Helm itself spends on any post-renderer (a plugin whose "
          "command is cat for Helm 4, `--post-renderer cat` for Helm 3)."]
    o += ["", f"Rounds: {len(h['helm4']['times'])}; the spread of one engine's times "
          f"(q1-q3 of Helm 4 alone): {ms(sorted(h['helm4']['times'])[len(h['helm4']['times']) // 4])}"
          f" - {ms(sorted(h['helm4']['times'])[3 * len(h['helm4']['times']) // 4])}."]

o += ["", "## (b) kof-route against cat (target: at most 3x cat through the same pipe)", "",
      "| input | cat FILE | kof-route FILE | cat pipe | kof-route pipe | x cat (pipe) | met | instructions cat / kof-route |",
      "|---|---|---|---|---|---|---|---|"]
for i, title in [("collectors", "kof-collectors"), ("kof-all", "kof-all"), ("gen", "generated 20 MB")]:
    r = load("cat-" + i)
    if not r:
        continue
    x = med(r["kof-route-pipe"]) / med(r["cat-pipe"])
    o.append(f"| {title} | {ms(med(r['cat-file']))} | {ms(med(r['kof-route-file']))} | "
             f"{ms(med(r['cat-pipe']))} | {ms(med(r['kof-route-pipe']))} | {x:.2f}x | {met(x <= 3)} | "
             f"{ir(i, 'cat')} / {ir(i, 'kof-route')} |")

k = load("kustomize")
if k:
    x = med(k["kustomize"]) / med(k["kof-route"])
    o += ["", "## (c) kof-all: kof-route against the kustomize post-renderer (target: at least 50x faster)", "",
          f"kof-route {ms(med(k['kof-route']))}, kustomize {ms(med(k['kustomize']))}: "
          f"{x:.0f}x faster ({met(x >= 50)})."]

rss = {}
path = os.path.join(res, "rss.tsv")
if os.path.exists(path):
    for line in open(path):
        tool, how, kib = line.rstrip("\n").split("\t")
        rss.setdefault((tool, how), []).append(int(kib))
if rss:
    size = int(env.get("input_bytes", "0"))
    limit = 3 * size + 8 * 2**20
    o += ["", "## (d) peak RSS on the generated stream (target: at most 3x the input + 8 MB)", "",
          f"Input {size / 2**20:.1f} MiB; limit {limit / 2**20:.1f} MiB; GNU time's %M, the most of 3 runs.", "",
          "| how | kof-route | cat | met |", "|---|---|---|---|"]
    for how in ["file", "pipe"]:
        kib = max(rss[("kof-route", how)])
        cat = f"{max(rss[('cat', how)]) / 1024:.1f} MiB" if ("cat", how) in rss else "-"
        o.append(f"| {how} | {kib / 1024:.1f} MiB ({kib * 1024 / size:.2f}x the input) | {cat} "
                 f"| {met(kib * 1024 <= limit)} |")

o += ["", "## (e) install", ""]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(res, "install.tsv")) if l.strip()]
if rows:
    o += ["| what | time |", "|---|---|"] + [f"| {w} | {float(t):.1f} s |" for w, t in rows]
if len(rows) < 2:
    o += ["", "The build from a clean checkout: not measured in a smoke run (it takes minutes)."]

o += ["", "## (f) non-test lines and unsafe lines in src/ (benches/count_lines.py)", "",
      "| at | non-test lines | unsafe lines |", "|---|---|---|"]
for line in open(os.path.join(res, "lines.tsv")):
    at, counts = line.rstrip("\n").split("\t")
    c = dict(kv.split("=") for kv in counts.split())
    o.append(f"| {at} | {c['lines']} | {c['unsafe']} |")
print("\n".join(o))
