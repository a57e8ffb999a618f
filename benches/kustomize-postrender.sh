#!/usr/bin/env bash
# Baseline Helm post-renderer for the kof-route benchmarks: one JSON6902 patch
# applied with `kubectl kustomize` (kustomize v5 built into kubectl).
#
#   benches/kustomize-postrender.sh < rendered.yaml > patched.yaml
#
# It does the route's main edit only: replace
# /spec/config/exporters/prometheusremotewrite/endpoint of the
# OpenTelemetryCollector(s) named kof-collectors-daemon (in every namespace,
# like the generated stream's copies).  stdin -> temp dir with all.yaml and
# kustomization.yaml -> kubectl kustomize -> stdout.
#
# Environment: KUBECTL (default kubectl), KUSTOMIZE_ENDPOINT (the new value),
# KUSTOMIZE_TARGET_NAME (default kof-collectors-daemon).
set -euo pipefail

kubectl_bin=${KUBECTL:-kubectl}
endpoint=${KUSTOMIZE_ENDPOINT:-https://vmauth.example.com/vm/insert/0/prometheus/api/v1/write}
target=${KUSTOMIZE_TARGET_NAME:-kof-collectors-daemon}

dir=$(mktemp -d "${TMPDIR:-/tmp}/kof-kustomize.XXXXXX")
trap 'rm -rf "$dir"' EXIT

cat > "$dir/all.yaml"
cat > "$dir/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- all.yaml
patches:
- target:
    group: opentelemetry.io
    version: v1beta1
    kind: OpenTelemetryCollector
    name: ${target}
  patch: |-
    - op: replace
      path: /spec/config/exporters/prometheusremotewrite/endpoint
      value: ${endpoint}
EOF

"$kubectl_bin" kustomize "$dir"
