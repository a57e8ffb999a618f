#!/usr/bin/env bash
# Set up the storage end-to-end test (tests/storage_e2e.rs):
#  * Debian's `victoria-metrics` package (vmauth, vmagent, victoria-metrics),
#    installed with apt-get when missing and this runs as root (CI); the test
#    itself needs no root;
#  * a Python venv at target/storage-venv holding PyYAML (to read the routed
#    render), opentelemetry-proto (OTLP/HTTP protobuf messages) and cramjam
#    (snappy, for Prometheus remote write), pinned.
# Idempotent: a venv that already imports the pinned versions is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/target/storage-venv"
pins=(PyYAML==6.0.3 opentelemetry-proto==1.45.2 protobuf==7.36.2 cramjam==2.11.0)

if ! command -v vmauth >/dev/null 2>&1 || ! command -v victoria-metrics >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "storage setup: apt-get install victoria-metrics"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends victoria-metrics >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends victoria-metrics >/dev/null; }
    else
        echo "storage setup: vmauth/victoria-metrics missing; install Debian's victoria-metrics package" >&2
        exit 1
    fi
fi
echo "storage setup: victoria-metrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || echo "(not from dpkg)")"

check='import yaml, cramjam, opentelemetry.proto.collector.logs.v1.logs_service_pb2'
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" >/dev/null 2>&1 \
    && [ "$("$venv/bin/pip" freeze 2>/dev/null | grep -c -i -E "^($(IFS='|'; echo "${pins[*]}" | sed 's/\./\\./g'))$")" = "${#pins[@]}" ]; then
    echo "storage setup: cached: $venv"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
"$venv/bin/python" -c "$check"
echo "storage setup: ok ($venv)"
