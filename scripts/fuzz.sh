#!/usr/bin/env bash
# Fuzz kof-route for a bounded time on the stable toolchain.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh            # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh render    # one target
#
# Targets (fuzz/fuzz_targets/, every [[bin]] of fuzz/Cargo.toml): `split` (the
# stream splitter), `render` (the whole pipeline, every route), `inplace` (the
# in-place writer held to the tree write: same values, every route) and
# `yaml_fast` (the fast YAML reader held to the full reader: what
# yaml::parse_fast reads, yaml::parse_full reads the same,
# as tests/fast_yaml.rs checks on every fixture document) and `yaml_refusals`
# (the full reader's refusals: each names a line of the text, the fast reader
# reads none of them, and what it reads is written back to the same value;
# tests/k8s_flow_block.rs holds the refusals to kubectl); what they assert is
# in fuzz/checks.rs, which `cargo test` also builds and replays over the seeds
# (tests/properties.rs). Built as cargo-fuzz builds them, minus the
# sanitizer that needs nightly: libFuzzer (from the libfuzzer-sys crate, compiled
# with the C++ compiler) driven by LLVM SanitizerCoverage, which stable rustc
# enables with -C passes=sancov-module; debug assertions and overflow checks on.
# With a nightly toolchain, `cargo fuzz run <target>` works on the same crate.
#
# Seeds: tests/hostile/*.yaml and the kof-1.11 fixtures, copied into a fresh
# corpus under target/fuzz/ (nothing generated is committed); `yaml_fast` and
# `yaml_refusals`, which read one document, also get every document of fixtures/**/*.yaml and
# tests/hostile/*.yaml on its own (split at `---` lines). A crash leaves
# its input in target/fuzz/artifacts/<target>/ and fails the script; replay it
# with `target/fuzz/bin/<target> <file>`.
#
# Env: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (parallel workers per
# target, default 1), FUZZ_MAX_LEN (bytes, default 65536). FUZZ_SEED and
# FUZZ_RUNS make a run repeatable: libFuzzer's random seed and a number of
# inputs per target instead of a time (FUZZ_SECONDS then only caps it). CI
# runs that way, so a run fails on what the change broke, not on whatever a
# random search happens to reach that day; the open-ended search is run by
# hand (FUZZ_SECONDS=300 scripts/fuzz.sh) and what it finds goes into
# tests/fuzz-regressions/, which `cargo test` replays.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
max_len=${FUZZ_MAX_LEN:-65536}
repeatable=()
[ -z "${FUZZ_SEED:-}" ] || repeatable+=(-seed="$FUZZ_SEED")
[ -z "${FUZZ_RUNS:-}" ] || repeatable+=(-runs="$FUZZ_RUNS")
targets=("$@")
# Every target fuzz/Cargo.toml declares (its [[bin]] names), unless named.
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -vx kof-route-fuzz)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no targets in fuzz/Cargo.toml" >&2; exit 1; }

# The `render` and `inplace` targets read their route from the first byte,
# modulo the routes fuzz/checks.rs builds from the registry: each route, plus
# an --allow-missing variant of each that needs no setting, so at most twice
# as many as `kof-route routes` lists. Seeding bytes 0 .. 2n-1 covers them all.
# (Only seeds: a stale binary costs coverage of a new route's seeds, not a check.)
bin=${KOF_ROUTE_BIN:-$root/target/release/kof-route}
[ -x "$bin" ] || cargo build --release --quiet --target-dir "$root/target"
nroutes=$("$bin" routes | grep -c '^[a-z]')
[ "$nroutes" -gt 0 ] || { echo "fuzz.sh: kof-route routes listed no route" >&2; exit 1; }

host=$(rustc -vV | sed -n 's/^host: //p')
out=$root/target/fuzz
export CARGO_TARGET_DIR=$out/build
# --target keeps these flags off build scripts and proc-macros, as cargo-fuzz does.
export RUSTFLAGS="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# The fuzz crate is its own workspace: start from the project's lock file so it
# builds the same dependency versions (plus libfuzzer-sys).
cp Cargo.lock fuzz/Cargo.lock
echo "== building fuzz targets (${targets[*]}) for $host"
cargo build --release --manifest-path fuzz/Cargo.toml --target "$host" \
  $(printf -- '--bin %s ' "${targets[@]}")
mkdir -p "$out/bin"

status=0
for t in "${targets[@]}"; do
  cp "$CARGO_TARGET_DIR/$host/release/$t" "$out/bin/$t"
  corpus=$out/corpus/$t
  artifacts=$out/artifacts/$t
  # A repeatable run starts from the seeds alone, as on a clean clone.
  [ ${#repeatable[@]} -eq 0 ] || rm -rf "$corpus"
  mkdir -p "$corpus" "$artifacts"
  cp tests/hostile/*.yaml fixtures/kof-1.11/helm3/kof-collectors.yaml "$corpus/" 2>/dev/null || true
  # What the target once failed on seeds it too.
  for f in tests/fuzz-regressions/"$t"-*.bin; do cp "$f" "$corpus/"; done
  if [ "$t" = render ] || [ "$t" = inplace ]; then
    # These targets read their route from the first byte: seed every route.
    for f in tests/hostile/*.yaml fixtures/kof-1.11/helm*/kof-collectors.yaml fixtures/variants/*.yaml; do
      for ((r = 0; r < 2 * nroutes; r++)); do
        { printf "\\x$(printf %02x "$r")"; cat "$f"; } > "$corpus/r$r-$(basename "$(dirname "$f")")-$(basename "$f")"
      done
    done
  fi
  if [ "$t" = yaml_fast ] || [ "$t" = yaml_refusals ]; then
    # The target reads one document: seed each document of every stream, its
    # `---` line included (as stream::split cuts them, near enough for seeds).
    while IFS= read -r f; do
      tag=$(echo "${f%.yaml}" | tr / -)
      awk -v out="$corpus/doc-$tag-" '
        /^---([ \t\r]|$)/ && lines { close(out (n + 0)); n++; lines = 0 }
        { print > (out (n + 0)); lines++ }' "$f"
    done < <(find fixtures tests/hostile -name '*.yaml' | sort)
  fi
  echo "== fuzzing $t for ${seconds}s ($jobs job(s), corpus $corpus${repeatable[*]:+, ${repeatable[*]}})"
  start=$(date +%s)
  log=$out/$t.log
  parallel=()
  [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
  # Workers write fuzz-N.log into the current directory: keep them under target/fuzz.
  if (cd "$out" && "$out/bin/$t" "$corpus" -max_total_time="$seconds" -max_len="$max_len" \
      -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "${repeatable[@]}" "${parallel[@]}") >"$log" 2>&1; then
    echo "   ok after $(( $(date +%s) - start ))s: $(grep -E '^(#[0-9]+|stat::number_of_executed_units)' "$log" | tail -1)"
  else
    status=1
    echo "   FAILED after $(( $(date +%s) - start ))s; last lines of $log:"
    tail -40 "$log"
    ls -la "$artifacts"
  fi
  grep -E 'stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov: ' "$log" | tail -4 | sed 's/^/   /'
  # libFuzzer also keeps inputs slower than 10 s (slow-unit-*): not failures, but worth a look.
  kept=$(ls "$artifacts")
  [ -z "$kept" ] || echo "   inputs kept in $artifacts: $(echo $kept)"
done
exit $status
