#!/usr/bin/env bash
# kof-route performance benchmark.
#
#   bash benches/run.sh            # full run (a few minutes on 2 cores)
#   bash benches/run.sh --smoke    # CI smoke run: one short iteration, scale 1
#   BENCH_SMOKE=1 bash benches/run.sh
#
# Inputs: the real kof-collectors render (fixtures/kof-1.11/helm3/
# kof-collectors.yaml), the whole KOF stack render (fixtures/kof-1.11/helm3/
# kof-all.yaml) and a generated stream (benches/gen_stream.py, >= 15 MB and
# >= 2,000 documents at scale 1; 4x and 16x the documents, and 4x and 16x
# the document size, for the linearity table).
#
# Per input, in the same run, hyperfine times:
#   cat        cat < FILE > /dev/null                       (the floor)
#   kof-route  kof-route --route regional ... < FILE > /dev/null
#   kustomize  benches/kustomize-postrender.sh < FILE       (one JSON6902 patch)
#   yq         benches/yq-postrender.sh < FILE              (same edit; if installed)
# and /usr/bin/time -f %M gives each one's peak RSS.  The markdown report goes
# to target/bench/report.md (smoke run: target/bench/report-smoke.md) and
# stdout; raw hyperfine JSON and RSS samples to target/bench/results-{full,smoke}.  Any failing command (kof-route exit
# status, a wrong or missing patch, a baseline failing) fails the script.
#
# Environment:
#   BENCH_SMOKE=1        same as --smoke
#   KOF_ROUTE_BIN=PATH   benchmark this binary instead of building target/release/kof-route
#   BENCH_OUT=DIR        output directory (default target/bench)
#   BENCH_SKIP_SLOW=1    skip kustomize and yq on the generated stream (quick local runs)
#   BENCH_SLOW_4X=1      also time kustomize and yq once on the 4x-documents stream
#                        (slow: well beyond the ~10 minute budget of the full run)
#   BENCH_EXPECT=STR     string the patched output must contain (default vmauth.example.com)
set -euo pipefail
shopt -s inherit_errexit

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

smoke=${BENCH_SMOKE:-0}
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    --full) smoke=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
[ "$smoke" = 0 ] || smoke=1

cd "$(dirname "$0")/.."
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

out=${BENCH_OUT:-target/bench}
mode=$([ "$smoke" = 1 ] && echo smoke || echo full)
expect=${BENCH_EXPECT:-vmauth.example.com}
route_args=(--route regional --regional-domain example.com --regional-cluster regional-1)
mkdir -p "$out"
# A private results directory, so that runs at the same time (a CI smoke run
# during a full run) do not clobber each other; moved to $out/results-$mode
# at the end.
res=$(mktemp -d "$out/run-$mode.XXXXXX")
finished=0
trap '[ "$finished" = 1 ] || echo "run.sh: failed; partial results in $res" >&2' EXIT

log() { echo "== $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "$* missing and no apt-get to install it"
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  if ! "${sudo[@]}" apt-get install -y -q "$@" >"$out/apt.log" 2>&1; then
    "${sudo[@]}" apt-get update -q >>"$out/apt.log" 2>&1 || true
    "${sudo[@]}" apt-get install -y -q "$@" >>"$out/apt.log" 2>&1 \
      || { cat "$out/apt.log" >&2; die "could not install $*"; }
  fi
}
command -v hyperfine >/dev/null 2>&1 || { log "installing hyperfine (Debian package)"; apt_install hyperfine; }
[ -x /usr/bin/time ] || { log "installing time (Debian package)"; apt_install time; }
command -v python3 >/dev/null 2>&1 || die "python3 is required (benches/gen_stream.py)"

have_kustomize=0
kubectl_bin=${KUBECTL:-kubectl}
kustomize_version=""
if command -v "$kubectl_bin" >/dev/null 2>&1; then
  kustomize_version=$("$kubectl_bin" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p' || true)
  [ -n "$kustomize_version" ] && have_kustomize=1
fi
yq_flavour=""
yq_version=""
if yq_detect=$(bash benches/yq-postrender.sh --detect 2>/dev/null); then
  yq_flavour=${yq_detect%% *}
  yq_version=${yq_detect#* }
fi
export KUBECTL="$kubectl_bin" YQ_FLAVOUR="$yq_flavour"

# ---------------------------------------------------------------- build
if [ -n "${KOF_ROUTE_BIN:-}" ]; then
  bin=$KOF_ROUTE_BIN
else
  # the binary the plugin's install hook ships (glibc linked statically on Linux)
  log "scripts/build-release.sh"
  sh scripts/build-release.sh --quiet
  bin=target/release/kof-route
fi
[ -x "$bin" ] || die "no kof-route binary at $bin"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit+uncommitted changes"
[ -z "${KOF_ROUTE_BIN:-}" ] || commit="$bin (KOF_ROUTE_BIN)"

# ---------------------------------------------------------------- inputs
gen() { # scale doc-size-scale -> prints the path; regenerated when the generator changed
  local f="$out/gen-n$1-s$2.yaml" stamp
  stamp=$( (cat benches/gen_stream.py fixtures/kof-1.11/helm3/kof-collectors.yaml; echo "$1 $2") | sha256sum | cut -c1-16)
  if [ ! -f "$f" ] || [ "$(cat "$f.stamp" 2>/dev/null)" != "$stamp" ]; then
    python3 benches/gen_stream.py --scale "$1" --doc-size-scale "$2" --out "$f.tmp.$$" >&2
    mv "$f.tmp.$$" "$f"
    echo "$stamp" >"$f.stamp.$$"
    mv "$f.stamp.$$" "$f.stamp"
  fi
  echo "$f"
}

log "generating streams"
collectors=fixtures/kof-1.11/helm3/kof-collectors.yaml
kofall=fixtures/kof-1.11/helm3/kof-all.yaml
gen1=$(gen 1 1)
lin_ids=()
if [ "$smoke" = 0 ]; then
  for ns in "4 1" "16 1" "1 4" "1 16"; do
    read -r n sz <<<"$ns"
    gen "$n" "$sz" >/dev/null
    lin_ids+=("gen-n$n-s$sz")
  done
fi

: >"$res/notes.txt"
[ "$have_kustomize" = 1 ] || echo "kubectl with built-in kustomize not found: no kustomize baseline." >>"$res/notes.txt"
[ -n "$yq_flavour" ] || echo "No supported yq installed (kislyuk/yq or mikefarah/yq v4): no yq baseline." >>"$res/notes.txt"
if python3 -c 'import yaml' 2>/dev/null; then
  log "validating the generated stream (PyYAML)"
  python3 benches/check_stream.py validate "$gen1" | tee "$res/validate.txt" >&2
else
  echo "PyYAML not installed: the generated stream was not re-parsed as YAML." >>"$res/notes.txt"
fi

# ---------------------------------------------------------------- correctness
# kof-route must succeed, patch, and copy every other document byte for byte.
log "checking kof-route output"
: >"$res/checks.txt"
for f in "$collectors" "$kofall" "$gen1"; do
  o="$res/out.$(basename "$f")"
  if ! "$bin" "${route_args[@]}" <"$f" >"$o" 2>"$o.stderr"; then
    cat "$o.stderr" >&2
    die "kof-route failed on $f"
  fi
  python3 benches/check_stream.py compare "$f" "$o" --pattern "$expect" --min-changed 1 --min-hits 1 \
    | tee -a "$res/checks.txt" >&2 || die "kof-route output on $f is not as expected"
  rm -f "$o"
done
# the baselines must make their edit too (checked on the small fixture)
if [ "$have_kustomize" = 1 ]; then
  n=$(bash benches/kustomize-postrender.sh <"$collectors" | grep -c "$expect" || true)
  [ "$n" -ge 1 ] || die "kustomize post-renderer did not patch $collectors"
fi
if [ -n "$yq_flavour" ]; then
  n=$(bash benches/yq-postrender.sh <"$collectors" | grep -c "$expect" || true)
  [ "$n" -ge 1 ] || die "yq post-renderer did not patch $collectors"
fi

# ---------------------------------------------------------------- timing
printf 'section\tid\tinput\ttool\tbatch\n' >"$res/manifest.tsv"

q() { printf '%q' "$1"; }

bench() { # section id input tool runs warmup [batch]
  # batch > 1 (cat and kof-route on the small real renders): every timed run
  # is a shell loop of `batch` invocations, so hyperfine's shell start-up
  # correction (precise to a few ms only) does not swamp a ~1 ms process;
  # the report divides by the batch size.
  local section=$1 id=$2 in=$3 tool=$4 runs=$5 warm=$6 batch=${7:-1}
  local json="$res/$id.$tool.json" rss="$res/$id.$tool.rss" cmd
  if [ "$smoke" = 1 ]; then runs=1; warm=0; fi
  case "$tool" in
    cat) cmd="cat < $(q "$in") > /dev/null" ;;
    kof-route) cmd="$(q "$bin") ${route_args[*]} < $(q "$in") > /dev/null 2> /dev/null" ;;
    export) cmd="$(q "$bin") export --format kustomize ${route_args[*]} < $(q "$in") > /dev/null 2> /dev/null" ;;
    # slow baselines: peak RSS recorded during the timed runs (time(1) costs ~1 ms)
    kustomize) cmd="/usr/bin/time -a -o $(q "$rss") -f %M bash benches/kustomize-postrender.sh < $(q "$in") > /dev/null 2> /dev/null" ;;
    yq) cmd="/usr/bin/time -a -o $(q "$rss") -f %M bash benches/yq-postrender.sh < $(q "$in") > /dev/null 2> /dev/null" ;;
    *) die "unknown tool $tool" ;;
  esac
  if [ "$batch" -gt 1 ]; then
    cmd="i=0; while [ \$i -lt $batch ]; do $cmd || exit 1; i=\$((i + 1)); done"
  fi
  log "$id: $tool ($runs runs$([ "$batch" -gt 1 ] && echo " of $batch invocations"))"
  hyperfine --style basic --shell sh --warmup "$warm" --runs "$runs" \
    --export-json "$json" --command-name "$tool" "$cmd" >&2 \
    || die "$tool failed on $in"
  case "$tool" in
    cat | kof-route)
      # fast tools: peak RSS from separate runs, so time(1) does not touch the timings
      local i n=3
      [ "$smoke" = 1 ] && n=1
      for ((i = 0; i < n; i++)); do
        if [ "$tool" = cat ]; then
          /usr/bin/time -a -o "$rss" -f %M cat <"$in" >/dev/null
        else
          /usr/bin/time -a -o "$rss" -f %M "$bin" "${route_args[@]}" <"$in" >/dev/null 2>/dev/null
        fi
      done
      ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\n' "$section" "$id" "$in" "$tool" "$batch" >>"$res/manifest.tsv"
}

slow_ok() { # whether to run the slow baselines on input id
  case "$1" in
    gen-*) [ "$smoke" = 0 ] && [ "${BENCH_SKIP_SLOW:-0}" != 1 ] ;;
    *) return 0 ;;
  esac
}

# id, input; cat and kof-route: runs, warm-up, batch; kustomize: runs, warm-up; yq: runs, warm-up
compare_inputs=("collectors $collectors 30 3 50 10 1 5 1"
                "kof-all $kofall 30 3 10 10 1 3 0"
                "gen-n1-s1 $gen1 40 3 1 2 0 1 0")
for spec in "${compare_inputs[@]}"; do
  read -r id in runs warm batch k_runs k_warm y_runs y_warm <<<"$spec"
  bench compare "$id" "$in" cat "$runs" "$warm" "$batch"
  bench compare "$id" "$in" kof-route "$runs" "$warm" "$batch"
  # GitOps export, against the main mode on the same render (target: within 2x)
  [ "$id" = collectors ] && bench compare "$id" "$in" export "$runs" "$warm" "$batch"
  if slow_ok "$id"; then
    if [ "$have_kustomize" = 1 ]; then bench compare "$id" "$in" kustomize "$k_runs" "$k_warm"; fi
    if [ -n "$yq_flavour" ]; then bench compare "$id" "$in" yq "$y_runs" "$y_warm"; fi
  fi
done
if [ "$smoke" = 1 ]; then
  echo "Smoke run: one run per command, no warm-up; kustomize and yq only on the two real fixtures; no linearity streams. The figures are indicative only." >>"$res/notes.txt"
elif [ "${BENCH_SKIP_SLOW:-0}" = 1 ]; then
  echo "BENCH_SKIP_SLOW=1: kustomize and yq were not run on the generated stream." >>"$res/notes.txt"
fi

for id in "${lin_ids[@]}"; do
  in="$out/$id.yaml"
  case "$id" in gen-n16-* | gen-*-s16) runs=5 ;; *) runs=10 ;; esac
  bench linearity "$id" "$in" cat "$runs" 1
  bench linearity "$id" "$in" kof-route "$runs" 1
  if [ "$id" = gen-n4-s1 ] && [ "${BENCH_SLOW_4X:-0}" = 1 ]; then
    if [ "$have_kustomize" = 1 ]; then bench linearity "$id" "$in" kustomize 1 0; fi
    if [ -n "$yq_flavour" ]; then bench linearity "$id" "$in" yq 1 0; fi
  fi
done
if [ "$smoke" = 0 ] && [ "${BENCH_SLOW_4X:-0}" != 1 ]; then
  echo "kustomize and yq are timed on the three comparison inputs only (on the generated stream with 2 and 1 runs), not on the 4x/16x streams, to keep the full run near 10 minutes; BENCH_SLOW_4X=1 adds one run of each at 4x documents." >>"$res/notes.txt"
fi

# ---------------------------------------------------------------- instructions
# Instruction counts (callgrind, whole process) beside the times: steady on a
# shared machine where times drift. kof-route in its default mode (patched
# documents edited in place), with --reformat (written from their trees) and
# cat, on the two real renders; the generated stream too in a full run.
printf 'id\ttool\tinstructions\n' >"$res/callgrind.tsv"
if command -v valgrind >/dev/null 2>&1; then
  cg_inputs=("collectors $collectors" "kof-all $kofall")
  [ "$smoke" = 1 ] || cg_inputs+=("gen-n1-s1 $gen1")
  for spec in "${cg_inputs[@]}"; do
    read -r id in <<<"$spec"
    for tool in cat kof-route kof-route-reformat; do
      case "$tool" in
        cat) cmd=(cat "$in") ;;
        kof-route) cmd=("$bin" "${route_args[@]}" "$in") ;;
        kof-route-reformat) cmd=("$bin" "${route_args[@]}" --reformat "$in") ;;
      esac
      log "$id: $tool under callgrind"
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" \
        >/dev/null 2>"$res/$id.$tool.callgrind" || die "$tool failed under callgrind on $in"
      n=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$res/$id.$tool.callgrind")
      printf '%s\t%s\t%s\n' "$id" "$tool" "$n" >>"$res/callgrind.tsv"
    done
  done
else
  echo "valgrind not installed: no instruction counts." >>"$res/notes.txt"
fi

# ---------------------------------------------------------------- report
elapsed=$(($(date +%s) - started))
{
  echo "mode=$mode"
  echo "elapsed_s=$elapsed"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$commit"
  # static: no program interpreter (the dynamic loader) in the program headers
  if ! command -v readelf >/dev/null 2>&1; then echo "linkage=unknown (no readelf)"
  elif readelf -l "$bin" | grep -q 'INTERP'; then echo "linkage=dynamic"
  else echo "linkage=static"; fi
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) x $(nproc)"
  echo "kernel=$(uname -sr)"
  echo "load=$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?") at the end"
  echo "hyperfine=$(hyperfine --version)"
  echo "kustomize=${kustomize_version:-not installed} (kubectl kustomize)"
  echo "yq=${yq_flavour:+$yq_flavour yq, }${yq_version:-not installed}"
  echo "route=kof-route ${route_args[*]}"
  echo "expect=$expect"
} >"$res/env.txt"
python3 benches/report.py "$res" >"$res/report.md"
report=$out/report.md
[ "$smoke" = 1 ] && report=$out/report-smoke.md # a CI smoke run keeps the full report
cp "$res/report.md" "$report.tmp.$$"
mv "$report.tmp.$$" "$report"
rm -rf "$out/results-$mode.old"
[ ! -d "$out/results-$mode" ] || mv "$out/results-$mode" "$out/results-$mode.old.$$"
mv "$res" "$out/results-$mode"
rm -rf "$out/results-$mode.old.$$"
finished=1
cat "$report"
log "report: $report (${elapsed}s; raw results in $out/results-$mode)"
