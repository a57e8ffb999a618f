#!/usr/bin/env python3
"""Sanity checks for the benchmark inputs and for kof-route's output on them.

    python3 benches/check_stream.py validate FILE
        Parse FILE as multi-document YAML (PyYAML, libyaml loader when
        available) and print the number of documents per kind.  Fails on a
        YAML error, a document without apiVersion/kind/metadata.name, or a
        duplicate (apiVersion group, kind, namespace, name).

    python3 benches/check_stream.py compare IN OUT [--pattern P] [--min-changed K] [--min-hits H]
        Split IN and OUT into documents at `---` lines (column 0) and compare
        them byte for byte: report how many documents differ and of which
        kinds, and how often P occurs in OUT.  Fails if the document counts
        differ, if a document other than an OpenTelemetryCollector or the
        OpenCost Deployment changed, if fewer than K documents changed or if P
        occurs fewer than H times in OUT.

Only the standard library is needed for `compare`; `validate` needs PyYAML.
"""

import re
import sys

SEP = re.compile(rb"^---[ \t]*$", re.M)
KIND = re.compile(rb"^kind:[ \t]*(\S+)", re.M)
NAME = re.compile(rb"^  name:[ \t]*(\S+)", re.M)


def split_docs(data):
    starts = [m.start() for m in SEP.finditer(data)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts.append(len(data))
    return [data[a:b] for a, b in zip(starts, starts[1:]) if b > a]


def kind_name(doc):
    k = KIND.search(doc)
    n = NAME.search(doc)
    return (k.group(1).decode() if k else "?"), (n.group(1).decode() if n else "?")


def validate(path):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    kinds = {}
    seen = set()
    n = 0
    with open(path, "rb") as f:
        for doc in yaml.load_all(f, Loader=loader):
            if doc is None:
                continue
            n += 1
            try:
                key = (doc["apiVersion"].split("/")[0], doc["kind"],
                       doc["metadata"].get("namespace", ""), doc["metadata"]["name"])
            except (KeyError, TypeError, AttributeError):
                print("check_stream: document %d lacks apiVersion/kind/metadata.name" % n,
                      file=sys.stderr)
                return 1
            if key in seen:
                print("check_stream: duplicate resource %s" % (key,), file=sys.stderr)
                return 1
            seen.add(key)
            kinds[doc["kind"]] = kinds.get(doc["kind"], 0) + 1
            if doc["kind"] == "ConfigMap":
                # the embedded YAML files must be valid too
                for k, v in (doc.get("data") or {}).items():
                    if k.endswith(".yaml"):
                        list(yaml.load_all(v, Loader=loader))
    print("%s: valid YAML, %d documents: %s" % (
        path, n, ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
    return 0


PATCHABLE = {"OpenTelemetryCollector", "Deployment"}


def compare(inp, out, pattern, min_changed, min_hits=0):
    a = open(inp, "rb").read()
    b = open(out, "rb").read()
    da, db = split_docs(a), split_docs(b)
    hits = b.count(pattern.encode()) if pattern else 0
    if len(da) != len(db):
        print("check_stream: %s has %d documents, %s has %d" % (inp, len(da), out, len(db)),
              file=sys.stderr)
        return 1
    changed = {}
    bad = []
    for x, y in zip(da, db):
        if x != y:
            kind, name = kind_name(x)
            changed[kind] = changed.get(kind, 0) + 1
            if kind not in PATCHABLE or (kind == "Deployment" and b"app.kubernetes.io/name: opencost\n" not in x):
                bad.append("%s/%s" % (kind, name))
    total = sum(changed.values())
    print("%s -> %s: %d documents, %d changed (%s), %d unchanged byte for byte; "
          "%r occurs %d times in the output" % (
              inp, out, len(da), total,
              ", ".join("%s %d" % kv for kv in sorted(changed.items())) or "none",
              len(da) - total, pattern, hits))
    if bad:
        print("check_stream: unexpected changes in %d documents, e.g. %s" % (len(bad), bad[:5]),
              file=sys.stderr)
        return 1
    if total < min_changed:
        print("check_stream: expected at least %d patched documents, got %d" % (min_changed, total),
              file=sys.stderr)
        return 1
    if hits < min_hits:
        print("check_stream: expected %r at least %d times in the output, found %d"
              % (pattern, min_hits, hits), file=sys.stderr)
        return 1
    return 0


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate")
    v.add_argument("file")
    c = sub.add_parser("compare")
    c.add_argument("input")
    c.add_argument("output")
    c.add_argument("--pattern", default="vmauth.example.com")
    c.add_argument("--min-changed", type=int, default=0)
    c.add_argument("--min-hits", type=int, default=0)
    a = ap.parse_args(argv)
    if a.cmd == "validate":
        return validate(a.file)
    return compare(a.input, a.output, a.pattern, a.min_changed, a.min_hits)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
