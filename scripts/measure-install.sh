#!/bin/sh
# Times what a Helm 4 user waits for with the plugin package (issue 27):
# `helm plugin install <URL>/kof-route-VERSION.tgz --verify=false`, its hook
# downloading the binary and SHA256SUMS and checking them, from release files
# that scripts/dist.sh packs of BINARY and a server on 127.0.0.1 serves (so
# the network's speed is left out: the archive is about 2 MB). Each round
# installs into fresh Helm homes. Prints one line, for benches/run.sh (e):
#   download-install (...)<TAB>MEDIAN-SECONDS
#
#   scripts/measure-install.sh HELM4 BINARY [ROUNDS]
set -eu
cd "$(dirname -- "$0")/.."
[ $# -ge 2 ] || { echo "usage: scripts/measure-install.sh HELM4 BINARY [ROUNDS]" >&2; exit 2; }
helm4=$(realpath "$1") bin=$(realpath "$2") rounds=${3:-5}
version=$(sed -n '/^\[package\]/,/^\[/ s/^version = "\(.*\)"$/\1/p' Cargo.toml)

work=$(mktemp -d "${TMPDIR:-/tmp}/kof-route-install.XXXXXX")
server=
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || :
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

sh scripts/dist.sh --bin "$bin" --out "$work/www/v$version" >/dev/null
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" >"$work/server.log" 2>&1 &
server=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
    [ -z "$port" ] || break
    sleep 0.05
done
[ -n "$port" ] || { echo "measure-install.sh: the loopback server did not start" >&2; exit 1; }
url=http://127.0.0.1:$port

i=0
while [ "$i" -lt "$rounds" ]; do
    i=$((i + 1))
    home=$work/round-$i
    mkdir -p "$home"
    t0=$(date +%s.%N)
    env HOME="$home" HELM_DATA_HOME="$home/data" HELM_CONFIG_HOME="$home/config" \
        HELM_CACHE_HOME="$home/cache" HELM_PLUGINS="$home/data/plugins" \
        KOF_ROUTE_DOWNLOAD_URL="$url" \
        "$helm4" plugin install "$url/v$version/kof-route-$version.tgz" --verify=false >/dev/null 2>"$home/stderr" ||
        { cat "$home/stderr" >&2; exit 1; }
    t1=$(date +%s.%N)
    cmp -s "$home/data/plugins/kof-route/bin/kof-route" "$bin" ||
        { echo "measure-install.sh: round $i installed no copy of $bin" >&2; exit 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$work/times"
done
median=$(sort -n "$work/times" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
printf 'download-install of the plugin package (helm plugin install URL.tgz from 127.0.0.1; median of %s)\t%s\n' "$rounds" "$median"
