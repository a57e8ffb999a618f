"""The speed targets of issue 16 (in-place writing at the speed of cat), for
benches/report.py: each with the figures measured in this run, met or not.

Times are hyperfine means from the same run; instruction counts are
callgrind's whole-process totals (callgrind.tsv, written by run.sh)."""

import os

CAT_X = 1.5          # kof-route within 1.5x of cat
KUSTOMIZE_X = 150.0  # kof-route at least 150x faster than the kustomize post-renderer
RSS_X = 1.2          # peak memory at most 1.2x the input

INPUTS = [("collectors", "kof-collectors"), ("kof-all", "kof-all"),
          ("gen-n1-s1", "generated stream (1x)")]


def read_callgrind(res_dir):
    out = {}
    path = os.path.join(res_dir, "callgrind.tsv")
    if not os.path.exists(path):
        return out
    with open(path) as f:
        next(f, None)
        for line in f:
            rid, tool, n = line.rstrip("\n").split("\t")
            if n:
                out[(rid, tool)] = int(n)
    return out


def lines(res_dir, get, sizes, fmt_time, fmt_x, fmt_mb, yes):
    cg = read_callgrind(res_dir)
    o = ["## Targets of issue 16 (in place at the speed of cat)", "",
         "| target | measured | met |", "|---|---|---|"]
    for rid, title in INPUTS:
        k, c = get(rid, "kof-route"), get(rid, "cat")
        if not (k and c):
            continue
        x = k.mean / c.mean
        ir = ""
        if (rid, "kof-route") in cg and (rid, "cat") in cg:
            ki, ci = cg[(rid, "kof-route")], cg[(rid, "cat")]
            ir = "; instructions %.2f M vs %.2f M (%s)" % (ki / 1e6, ci / 1e6, fmt_x(ki / ci))
            if (rid, "kof-route-reformat") in cg:
                ir += ", --reformat %.2f M" % (cg[(rid, "kof-route-reformat")] / 1e6)
        o.append("| %s: kof-route within %.1f× of cat | %s (%s vs %s)%s | %s |"
                 % (title, CAT_X, fmt_x(x), fmt_time(k.mean), fmt_time(c.mean), ir, yes(x <= CAT_X)))
    k, z = get("kof-all", "kof-route"), get("kof-all", "kustomize")
    if k and z:
        x = z.mean / k.mean
        o.append("| kof-all: ≥ %.0f× faster than the kustomize post-renderer | %.0f× (%s vs %s) | %s |"
                 % (KUSTOMIZE_X, x, fmt_time(k.mean), fmt_time(z.mean), yes(x >= KUSTOMIZE_X)))
    else:
        o.append("| kof-all: ≥ %.0f× faster than the kustomize post-renderer | not measured "
                 "(no kubectl with kustomize) | – |" % KUSTOMIZE_X)
    for rid, title in INPUTS:
        k = get(rid, "kof-route")
        if not (k and k.rss_kb):
            continue
        x = k.rss_kb * 1024 / sizes[rid]
        o.append("| %s: peak memory ≤ %.1f× input | %s (%s for %s) | %s |"
                 % (title, RSS_X, fmt_x(x), fmt_mb(k.rss_kb * 1024), fmt_mb(sizes[rid]),
                    yes(x <= RSS_X)))
    o.append("")
    return o
