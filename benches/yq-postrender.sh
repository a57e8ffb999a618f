#!/usr/bin/env bash
# Baseline Helm post-renderer for the kof-route benchmarks: the same single
# edit as benches/kustomize-postrender.sh, done with whichever `yq` is
# installed (stdin -> stdout, every document re-serialised).
#
#   benches/yq-postrender.sh < rendered.yaml > patched.yaml
#   benches/yq-postrender.sh --detect    # prints the flavour, exit 3 if none
#
# Flavours:
#   python  kislyuk/yq (the jq wrapper, Debian/pip `yq` 2.x/3.x): `yq -y JQ`
#   go      mikefarah/yq v4: `yq eval EXPR -`
# Environment: YQ (default yq), YQ_FLAVOUR, YQ_ENDPOINT, YQ_TARGET_NAME.
set -euo pipefail

yq_bin=${YQ:-yq}
endpoint=${YQ_ENDPOINT:-https://vmauth.example.com/vm/insert/0/prometheus/api/v1/write}
target=${YQ_TARGET_NAME:-kof-collectors-daemon}

detect() {
  command -v "$yq_bin" >/dev/null 2>&1 || return 3
  local help version
  help=$("$yq_bin" --help 2>&1 || true)
  version=$("$yq_bin" --version 2>&1 || true)
  if [[ $help == *"jq wrapper"* ]]; then
    echo python
  elif [[ $version =~ mikefarah.*\ v?4\. ]]; then
    echo go
  else
    return 3
  fi
}

if [ "${1:-}" = "--detect" ]; then
  flavour=$(detect) || { echo "no supported yq (${yq_bin})" >&2; exit 3; }
  version=$("$yq_bin" --version 2>&1 || true)
  echo "$flavour ${version%%$'\n'*}"
  exit 0
fi

# YQ_FLAVOUR (python|go) skips the detection, which costs two yq start-ups.
flavour=${YQ_FLAVOUR:-}
if [ -z "$flavour" ]; then
  flavour=$(detect) || { echo "yq-postrender: no supported yq (${yq_bin})" >&2; exit 3; }
fi
case "$flavour" in
  python)
    # shellcheck disable=SC2016 # $name and $ep are jq variables
    exec "$yq_bin" -y --arg name "$target" --arg ep "$endpoint" '
      if type == "object" and .kind == "OpenTelemetryCollector" and .metadata.name == $name
      then .spec.config.exporters.prometheusremotewrite.endpoint = $ep
      else . end'
    ;;
  go)
    export YQ_TARGET_NAME="$target" YQ_ENDPOINT="$endpoint"
    exec "$yq_bin" eval '
      (select(.kind == "OpenTelemetryCollector" and .metadata.name == strenv(YQ_TARGET_NAME))
        | .spec.config.exporters.prometheusremotewrite.endpoint) = strenv(YQ_ENDPOINT)' -
    ;;
  *)
    echo "yq-postrender: unknown YQ_FLAVOUR '$flavour'" >&2
    exit 3
    ;;
esac
