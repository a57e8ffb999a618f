#!/usr/bin/env bash
# Issue 24's per-mechanism measurement: the tree before the removal (057a1bb)
# built with the default release profile, and once more without each speed
# mechanism alone; callgrind instruction counts and alternating rounds
# (benches/ab.py) of each build through a pipe, on kof-collectors and on the
# generated 20 MB stream. A one-off record of how the README's table was
# measured; not part of CI (six release builds: tens of minutes on 2 cores).
#
#   bash benches/mechanisms.sh        # builds in $MECH_DIR (default target/mechanisms)
#
# Variants (each one sed edit of 057a1bb):
#   base            as it was (default release profile instead of fat LTO)
#   no-alloc        no #[global_allocator] (the huge-page bump allocator)
#   no-mallopt      no malloc::tune() (glibc's top pad)
#   no-pool         par::map on the calling thread only (also the fused walk's ranges)
#   no-fused        read::scan skips the fused walk (its memchr/memmem/Aho-Corasick fallback)
#   no-pool-fused   both of the above: the walk's worth on one thread
#   no-mmap         FILE and stdin read, never mapped nor spliced into a memfd
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${MECH_DIR:-$repo/target/mechanisms}
base_rev=${MECH_BASE:-057a1bb}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
route=(--route regional --regional-domain example.com --regional-cluster regional-1)
collectors=$repo/fixtures/kof-1.11/helm3/kof-collectors.yaml
gen=$dir/gen.yaml
[ -f "$gen" ] || python3 benches/gen_stream.py --scale 1 --doc-size-scale 1 --out "$gen" >&2

edit() { # variant: the edits that make it, in the current directory
  local pool='s/^const PARALLEL_MIN_BYTES: usize = 32 << 10;/const PARALLEL_MIN_BYTES: usize = usize::MAX;/'
  local fused="s/    if let Some(w) = fused::walk(input, \&candidates::firsts(needles), fused::BLOCK) {/    if let Some(w) = None::<fused::Walk<'_>> {/"
  case $1 in
    base) ;;
    no-alloc) sed -i '/#\[global_allocator\]/d; /static ALLOC/d; /Alloc::installed()/d' src/main.rs ;;
    no-mallopt) sed -i '/crate::malloc::tune();/d' src/app.rs ;;
    no-pool) sed -i "$pool" src/par.rs ;;
    no-fused) sed -i "$fused" src/read.rs ;;
    no-pool-fused) sed -i "$pool" src/par.rs && sed -i "$fused" src/read.rs ;;
    no-mmap)
      sed -i 's/^const MAP_MIN_BYTES: u64 = 64 << 10;/const MAP_MIN_BYTES: u64 = u64::MAX;/' src/app/io.rs
      sed -i 's/    if !file.metadata()?.file_type().is_fifo() {/    if true || !file.metadata()?.file_type().is_fifo() {/' src/app/io.rs ;;
  esac
}

variants=(base no-alloc no-mallopt no-pool no-fused no-pool-fused no-mmap)
git archive "$base_rev" | (rm -rf "$dir/pristine" && mkdir -p "$dir/pristine" && tar -x -C "$dir/pristine")
for v in "${variants[@]}"; do
  src=$dir/src-$v
  rm -rf "$src" && cp -r "$dir/pristine" "$src"
  (cd "$src" && sed -i '/^\[profile.release\]/,$d' Cargo.toml && edit "$v")
  changed=$(diff -r "$dir/pristine/src" "$src/src" | grep -c '^[<>]' || true)
  [ "$v" = base ] || [ "$changed" -gt 0 ] || { echo "mechanisms.sh: the edit for $v changed nothing" >&2; exit 1; }
  echo "== building $v ($changed lines changed)" >&2
  (cd "$src" && CARGO_TARGET_DIR=$dir/target cargo build --release --quiet 2>/dev/null)
  cp "$dir/target/release/kof-route" "$dir/kof-route-$v"
done

{
  printf 'variant\tinput\tinstructions\n'
  for v in "${variants[@]}"; do
    for f in "$collectors" "$gen"; do
      n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$dir/kof-route-$v" "${route[@]}" "$f" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
      printf '%s\t%s\t%s\n' "$v" "$(basename "$f")" "$n"
    done
  done
} | tee "$dir/callgrind.tsv"
for spec in "collectors $collectors 100" "gen $gen 20"; do
  read -r id in rounds <<<"$spec"
  args=()
  for v in "${variants[@]}"; do args+=("$v=pipe:$in $dir/kof-route-$v ${route[*]}"); done
  echo "== $id through a pipe, $rounds alternating rounds (medians)" >&2
  python3 benches/ab.py --rounds "$rounds" --json "$dir/$id-pipe.json" "${args[@]}" "cat=pipe:$in cat"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
