#!/usr/bin/env bash
# kof-route benchmark (issue 24): what a user waits for, in one run, every
# comparison alternated round by round (benches/ab.py), instruction counts
# (callgrind) beside the times.
#
#   bash benches/run.sh            # full run (about 10 minutes on 2 cores, most of it (e))
#   bash benches/run.sh --smoke    # CI smoke run: 2-3 rounds each, no (e); under 2 minutes
#
#   (a) `helm template` of the real kof-collectors 1.11 chart
#       (fixtures/charts/kof-collectors-1.11.0-rc0.tgz, fixtures/kof-1.11/values.yaml)
#       without and with kof-route: Helm 4.2.3 through the plugin (plugin.yaml,
#       scripts/ and the binary at bin/kof-route, as `helm plugin install`
#       leaves them) and Helm 3.17.2 with `--post-renderer` the binary.
#       Target: at most 2% slower.
#   (b) kof-route against cat on kof-collectors, kof-all and the generated
#       20 MB stream (benches/gen_stream.py), each from a FILE and through a pipe.
#       Target: at most 3x cat through the same pipe.
#   (c) kof-all: kof-route against the kustomize post-renderer
#       (benches/kustomize-postrender.sh, one JSON6902 patch). Target: at least 50x faster.
#   (d) peak RSS on the 20 MB stream (GNU time's %M, 3 runs each, FILE and pipe).
#       Target: at most 3x the input + 8 MB.
#   (e) the time `helm plugin install` takes: of the plugin package, its hook
#       downloading and checking the binary (scripts/measure-install.sh, from
#       127.0.0.1), and of a clean checkout (the install hook's release build,
#       every dependency compiled; full run only).
#   (f) non-test lines of code and `unsafe` lines in src/ (benches/count_lines.py):
#       at 057a1bb (before issue 24), before and after its removal commit
#       (f6afb46~1, f6afb46), and now.
#
# Environment:
#   BENCH_SMOKE=1        same as --smoke
#   KOF_ROUTE_BIN=PATH   benchmark this binary instead of building it (scripts/build-release.sh)
#   BENCH_OUT=DIR        output directory (default target/bench)
#   BENCH_LINES_AT=REVS  the commits (f) counts besides the working tree
#                        (default "057a1bb f6afb46~1 f6afb46")
# The report goes to $BENCH_OUT/report.md (smoke: report-smoke.md) and stdout,
# the raw per-round JSON to $BENCH_OUT/results-{full,smoke}. Any failing
# command (kof-route, Helm, a baseline, an output without the route's patch)
# fails the script.
set -euo pipefail
shopt -s inherit_errexit

smoke=${BENCH_SMOKE:-0}
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    --full) smoke=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
[ "$smoke" = 0 ] || smoke=1

cd "$(dirname "$0")/.."
repo=$PWD
started=$(date +%s)
out=${BENCH_OUT:-target/bench}
mode=$([ "$smoke" = 1 ] && echo smoke || echo full)
mkdir -p "$out"
out=$(cd "$out" && pwd)
res=$(mktemp -d "$out/run-$mode.XXXXXX")
finished=0
trap '[ "$finished" = 1 ] || echo "run.sh: failed; partial results in $res" >&2' EXIT
log() { echo "== $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }
rounds() { if [ "$smoke" = 1 ]; then echo "$2"; else echo "$1"; fi; }
ab() { # json-name rounds NAME=SPEC...
  local name=$1 n=$2
  shift 2
  python3 benches/ab.py --rounds "$n" --warmup "$([ "$smoke" = 1 ] && echo 0 || echo 1)" \
    --json "$res/$name.json" "$@" || die "$name failed"
}

# ---------------------------------------------------------------- tools
command -v python3 >/dev/null || die "python3 is required"
if ! command -v valgrind >/dev/null; then
  log "installing valgrind (Debian package)"
  apt-get install -y -qq valgrind >/dev/null 2>&1 || echo "valgrind is not installable here: no instruction counts" >&2
fi
helm3=target/e2e-bin/helm-v3.17.2
helm4=target/e2e-bin/helm-v4.2.3
if [ ! -x "$helm3" ] || [ ! -x "$helm4" ]; then
  log "installing Helm 3.17.2 and 4.2.3 (tests/e2e/setup.sh)"
  bash tests/e2e/setup.sh >&2
fi
kubectl_bin=${KUBECTL:-kubectl}
command -v "$kubectl_bin" >/dev/null || kubectl_bin=$repo/target/e2e-bin/kubectl
[ -x "$(command -v "$kubectl_bin")" ] || die "no kubectl for the kustomize baseline"
export KUBECTL=$kubectl_bin

# ---------------------------------------------------------------- build
if [ -n "${KOF_ROUTE_BIN:-}" ]; then
  bin=$(realpath "$KOF_ROUTE_BIN")
else
  log "scripts/build-release.sh"
  sh scripts/build-release.sh --quiet
  bin=$repo/target/release/kof-route
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit+uncommitted changes"
[ -z "${KOF_ROUTE_BIN:-}" ] || commit="$bin (KOF_ROUTE_BIN)"

# ---------------------------------------------------------------- inputs
collectors=$repo/fixtures/kof-1.11/helm3/kof-collectors.yaml
kofall=$repo/fixtures/kof-1.11/helm3/kof-all.yaml
gen=$out/gen-n1-s1.yaml
stamp=$( (cat benches/gen_stream.py "$collectors") | sha256sum | cut -c1-16)
if [ "$(cat "$gen.stamp" 2>/dev/null)" != "$stamp" ]; then
  log "generating the 20 MB stream"
  python3 benches/gen_stream.py --scale 1 --doc-size-scale 1 --out "$gen.tmp.$$" >&2
  mv "$gen.tmp.$$" "$gen"
  echo "$stamp" >"$gen.stamp"
fi
route=(--route regional --regional-domain example.com --regional-cluster regional-1)
expect=vmauth.example.com
for f in "$collectors" "$kofall" "$gen"; do
  "$bin" "${route[@]}" "$f" >"$res/check.out" || die "kof-route failed on $f"
  grep -q "$expect" "$res/check.out" || die "kof-route did not route $f"
done
bash benches/kustomize-postrender.sh <"$kofall" >"$res/check.out" || die "the kustomize post-renderer failed"
grep -q "$expect" "$res/check.out" || die "the kustomize post-renderer did not patch kof-all"

# ---------------------------------------------------------------- (a) helm template
log "(a) helm template of kof-collectors 1.11, with and without kof-route"
plugin=$res/plugins/kof-route
mkdir -p "$plugin/bin" "$res/helm"
cp plugin.yaml "$plugin/"
cp -r scripts "$plugin/"
cp "$bin" "$plugin/bin/kof-route"
# cat as a post-renderer: what Helm itself spends on any post-renderer
# (writing the manifests out, reading them back), apart from kof-route's own work.
mkdir -p "$res/plugins/cat"
printf '%s\n' 'apiVersion: v1' 'type: postrenderer/v1' 'name: cat' 'version: 0.1.0' 'runtime: subprocess' \
  'runtimeConfig:' '  platformCommand:' "    - command: \"$(command -v cat)\"" >"$res/plugins/cat/plugin.yaml"
chart=$repo/fixtures/charts/kof-collectors-1.11.0-rc0.tgz
values=$repo/fixtures/kof-1.11/values.yaml
export HELM_PLUGINS=$res/plugins HELM_CACHE_HOME=$res/helm/cache HELM_CONFIG_HOME=$res/helm/config \
  HELM_DATA_HOME=$res/helm/data KUBECONFIG=$res/helm/no-kubeconfig XDG_STATE_HOME=$res/state
template="template kof-collectors $chart -n kof -f $values"
pr_args=$(printf ' --post-renderer-args=%s' "${route[@]}")
# Helm 3 cannot read a Helm 4 plugin.yaml (see Installing): it gets no plugins
# (each of its commands is started through env(1), alike).
mkdir -p "$res/no-plugins"
for engine in "$helm4" "$helm3"; do
  HELM_PLUGINS=$([ "$engine" = "$helm4" ] && echo "$HELM_PLUGINS" || echo "$res/no-plugins") "$engine" $template --post-renderer "$([ "$engine" = "$helm4" ] && echo kof-route || echo "$bin")" $pr_args \
    >"$res/check.out" || die "$engine with kof-route failed"
  grep -q "$expect" "$res/check.out" || die "$engine with kof-route did not route the chart"
done
ab helm "$(rounds 30 2)" \
  "helm4=$helm4 $template" \
  "helm4+cat=$helm4 $template --post-renderer cat" \
  "helm4+plugin=$helm4 $template --post-renderer kof-route $pr_args" \
  "helm3=env HELM_PLUGINS=$res/no-plugins $helm3 $template" \
  "helm3+cat=env HELM_PLUGINS=$res/no-plugins $helm3 $template --post-renderer $(command -v cat)" \
  "helm3+post-renderer=env HELM_PLUGINS=$res/no-plugins $helm3 $template --post-renderer $bin $pr_args"

# ---------------------------------------------------------------- (b) (d) against cat
for spec in "collectors $collectors 200 3" "kof-all $kofall 60 3" "gen $gen 20 2"; do
  read -r id in n n_smoke <<<"$spec"
  log "(b) $id: kof-route against cat, from a FILE and through a pipe"
  ab "cat-$id" "$(rounds "$n" "$n_smoke")" \
    "cat-file=cat $in" "kof-route-file=$bin ${route[*]} $in" \
    "cat-pipe=pipe:$in cat" "kof-route-pipe=pipe:$in $bin ${route[*]}"
done

# ---------------------------------------------------------------- (d) peak RSS
log "(d) peak RSS on the generated stream"
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null 2>&1 || die "no /usr/bin/time for (d)"
: >"$res/rss.tsv"
for i in 1 2 3; do
  /usr/bin/time -o "$res/rss.tmp" -f %M "$bin" "${route[@]}" "$gen" >/dev/null 2>&1
  printf 'kof-route\tfile\t%s\n' "$(tail -n1 "$res/rss.tmp")" >>"$res/rss.tsv"
  /usr/bin/time -o "$res/rss.tmp" -f %M "$bin" "${route[@]}" < <(cat "$gen") >/dev/null 2>&1
  printf 'kof-route\tpipe\t%s\n' "$(tail -n1 "$res/rss.tmp")" >>"$res/rss.tsv"
  /usr/bin/time -o "$res/rss.tmp" -f %M cat < <(cat "$gen") >/dev/null
  printf 'cat\tpipe\t%s\n' "$(tail -n1 "$res/rss.tmp")" >>"$res/rss.tsv"
done

# ---------------------------------------------------------------- (c) kustomize
log "(c) kof-all: kof-route against the kustomize post-renderer"
ab kustomize "$(rounds 5 1)" \
  "kof-route=pipe:$kofall $bin ${route[*]}" \
  "kustomize=pipe:$kofall bash benches/kustomize-postrender.sh"

# ---------------------------------------------------------------- instructions
printf 'id\ttool\tinstructions\n' >"$res/callgrind.tsv"
if command -v valgrind >/dev/null; then
  cg=("collectors $collectors" "kof-all $kofall")
  [ "$smoke" = 1 ] || cg+=("gen $gen")
  for spec in "${cg[@]}"; do
    read -r id in <<<"$spec"
    for tool in cat kof-route; do
      log "$id: $tool under callgrind"
      cmd=(cat "$in")
      [ "$tool" = cat ] || cmd=("$bin" "${route[@]}" "$in")
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" \
        >/dev/null 2>"$res/$id.$tool.callgrind" || die "$tool failed under callgrind on $in"
      printf '%s\t%s\t%s\n' "$id" "$tool" \
        "$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$res/$id.$tool.callgrind")" >>"$res/callgrind.tsv"
    done
  done
fi

# ---------------------------------------------------------------- (e) install
# The download-install (the plugin package from a loopback server, its hook
# fetching and checking the prebuilt binary; scripts/measure-install.sh) beside
# the build from a clean checkout.
: >"$res/install.tsv"
log "(e) helm plugin install of the plugin package (download and verify)"
sh scripts/measure-install.sh "$helm4" "$bin" "$(rounds 5 2)" >>"$res/install.tsv" \
  || die "the download-install failed"
if [ "$smoke" = 0 ]; then
  log "(e) helm plugin install of a clean checkout (the release build, every dependency)"
  git clone -q "$repo" "$res/install/kof-route"
  t0=$(date +%s.%N)
  # No release server: the hook's download fails at once and it builds.
  (unset CARGO_TARGET_DIR; HELM_PLUGINS=$res/install/plugins KOF_ROUTE_DOWNLOAD_URL=http://127.0.0.1:9/none \
    "$helm4" plugin install "$res/install/kof-route" >&2) \
    || die "helm plugin install failed"
  t1=$(date +%s.%N)
  [ -x "$res/install/kof-route/bin/kof-route" ] || die "the install built no bin/kof-route"
  printf 'build from a clean checkout (helm plugin install DIR)\t%s\n' "$(python3 -c "print($t1 - $t0)")" >>"$res/install.tsv"
  rm -rf "$res/install"
fi

# ---------------------------------------------------------------- (f) lines
{
  for rev in ${BENCH_LINES_AT:-057a1bb f6afb46~1 f6afb46}; do
    if git cat-file -e "$rev^{commit}" 2>/dev/null; then
      printf '%s\t%s\n' "$rev" "$(python3 benches/count_lines.py --git "$rev")"
    fi
  done
  printf 'now (working tree)\t%s\n' "$(python3 benches/count_lines.py src)"
} >"$res/lines.tsv"

# ---------------------------------------------------------------- report
{
  echo "mode=$mode"
  echo "elapsed_s=$(($(date +%s) - started))"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$commit"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) x $(nproc)"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "input_bytes=$(stat -c %s "$gen")"
} >"$res/env.txt"
python3 benches/report.py "$res" >"$res/report.md"
report=$out/report.md
[ "$smoke" = 1 ] && report=$out/report-smoke.md
cp "$res/report.md" "$report"
rm -rf "$out/results-$mode"
mv "$res" "$out/results-$mode"
finished=1
cat "$report"
log "report: $report (raw results in $out/results-$mode)"
