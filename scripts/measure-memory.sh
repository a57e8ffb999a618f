#!/usr/bin/env bash
# Peak memory of the release kof-route on a 100 MiB single document.
#
#   scripts/measure-memory.sh            # 100 MiB
#   SIZE_MIB=500 scripts/measure-memory.sh
#
# Three inputs, each one small collector followed by one big document of
# SIZE_MIB (a ConfigMap whose data is a block string of 100-byte lines):
#   copied   the big document is not a candidate: copied without being parsed
#   parsed   a List that mentions opencost and Deployment, so it is parsed
#            (a List may hold the OpenCost Deployment) and then copied
#   patched  the big string is inside the collector's spec.config, so the
#            collector is parsed, patched and written back
# Prints input size, peak RSS (GNU time's %M, in KiB) and their ratio.
# Needs /usr/bin/time (Debian package `time`, in the machine image).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${SIZE_MIB:-100}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 1; }
sh scripts/build-release.sh --quiet
bin=$PWD/target/release/kof-route
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

head_part() {
  cat <<'EOF'
---
# Source: kof-collectors/templates/opentelemetry/collectors/daemon.yaml
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: kc-daemon
  namespace: kof
spec:
  config:
    receivers: {otlp: {protocols: {grpc: {}}}}
    processors: {batch: {}}
    exporters:
      prometheusremotewrite: {endpoint: 'http://kc-vminsert:8480/insert/0/prometheus/api/v1/write'}
EOF
}
tail_part() {
  cat <<'EOF'
    service:
      pipelines:
        metrics: {receivers: [otlp], processors: [batch, resource/k8sclustername], exporters: [prometheusremotewrite]}
EOF
}
lines() { # $1: indent; SIZE_MIB worth of 100-byte lines
  local pad=$1 body
  body=$(printf '%*s' $((99 - ${#pad})) '' | tr ' ' x)
  # yes stops on SIGPIPE once head has enough: not a failure.
  { yes "$pad$body" || true; } | head -c $((size_mib << 20))
}

{ head_part; tail_part; printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: big-blob}\ndata:\n  blob: |\n'; lines "    "; } > "$dir/copied.yaml"
{ head_part; tail_part; printf -- '---\napiVersion: v1\nkind: List\nmetadata: {annotations: {note: opencost Deployment dashboards}}\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: opencost-dashboard}\n  data:\n    blob: |\n'; lines "      "; } > "$dir/parsed.yaml"
{ head_part; printf '    x-blob: |\n'; lines "      "; printf '\n'; tail_part; } > "$dir/patched.yaml"

printf '%-8s %12s %14s %7s %8s\n' input "input bytes" "peak RSS KiB" ratio seconds
for kind in copied parsed patched; do
  f=$dir/$kind.yaml
  bytes=$(stat -c %s "$f")
  /usr/bin/time -f '%M %e' -o "$dir/time" "$bin" --route=mothership < "$f" > "$dir/out" 2> "$dir/err" || {
    echo "$kind: kof-route failed: $(cat "$dir/err")" >&2; exit 1; }
  read -r kib secs < "$dir/time"
  [ "$(stat -c %s "$dir/out")" -ge "$bytes" ] || { echo "$kind: short output" >&2; exit 1; }
  printf '%-8s %12s %14s %6.2fx %8s\n' "$kind" "$bytes" "$kib" "$(echo "$kib * 1024 / $bytes" | bc -l)" "$secs"
done
