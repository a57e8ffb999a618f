#!/bin/sh
# Builds the release artifacts of this machine's platform into dist/ (the
# release workflow, .github/workflows/release.yml, runs it on each platform):
#   kof-route-VERSION-OS-ARCH.tar.gz  kof-route-VERSION-OS-ARCH/ with the
#                                     binary, LICENSE and README.md
#   kof-route-VERSION.tgz             the Helm plugin package: kof-route/ with
#                                     plugin.yaml, LICENSE and its install hook
#                                     (no binary: the hook downloads it)
#   SHA256SUMS                        both, in `sha256sum -c` format
# VERSION is Cargo.toml's; plugin.yaml's must be the same. OS is linux or
# darwin, ARCH amd64 or arm64, as the install hook names them.
#
#   scripts/dist.sh [--bin PATH] [--out DIR]
# builds with scripts/build-release.sh, or packs the kof-route at PATH (the
# tests pack the binary under test); DIR is dist/ unless given.
set -eu
cd "$(dirname -- "$0")/.."

die() { printf 'dist.sh: %s\n' "$*" >&2; exit 1; }

bin='' out=dist
while [ $# -gt 0 ]; do
    case $1 in
    --bin) [ $# -ge 2 ] || die "--bin needs a path"; bin=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    *) die "unknown argument: $1 (usage: scripts/dist.sh [--bin PATH] [--out DIR])" ;;
    esac
done

version=$(sed -n '/^\[package\]/,/^\[/ s/^version = "\(.*\)"$/\1/p' Cargo.toml)
plugin_version=$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}[[:space:]]*$/\1/p' plugin.yaml)
[ -n "$version" ] || die "no [package] version in Cargo.toml"
[ "$version" = "$plugin_version" ] ||
    die "Cargo.toml's version ($version) is not plugin.yaml's ($plugin_version): the install hook downloads plugin.yaml's"

case $(uname -s) in
Linux) os=linux ;;
Darwin) os=darwin ;;
*) die "no release for $(uname -s)" ;;
esac
case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) die "no release for $(uname -m)" ;;
esac

if [ -z "$bin" ]; then
    sh scripts/build-release.sh --quiet
    bin=${CARGO_TARGET_DIR:-target}/release/kof-route
fi
[ "$("$bin" --version)" = "kof-route $version" ] || die "$bin is not kof-route $version"

# Owner, group and order fixed where tar allows it (GNU tar), gzip without a timestamp.
pack() { # ARCHIVE DIR-IN-STAGE
    if tar --version 2>/dev/null | grep -q GNU; then
        set -- "$1" "$2" --sort=name --owner=0 --group=0 --numeric-owner
    fi
    archive=$1 dir=$2
    shift 2
    tar -C "$stage" "$@" -cf - "$dir" | gzip -9n >"$out/$archive.tmp"
    mv -f "$out/$archive.tmp" "$out/$archive"
}

rm -rf "$out"
mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/tmp}/kof-route-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT

name=kof-route-$version-$os-$arch
mkdir -p "$stage/$name"
cp "$bin" "$stage/$name/kof-route"
cp LICENSE README.md "$stage/$name/"
chmod 755 "$stage/$name/kof-route"
chmod 644 "$stage/$name/LICENSE" "$stage/$name/README.md"
pack "$name.tar.gz" "$name"

mkdir -p "$stage/kof-route/scripts"
cp plugin.yaml LICENSE "$stage/kof-route/"
cp scripts/install-hook.sh "$stage/kof-route/scripts/"
chmod 644 "$stage/kof-route/plugin.yaml" "$stage/kof-route/LICENSE"
chmod 755 "$stage/kof-route/scripts/install-hook.sh"
pack "kof-route-$version.tgz" kof-route

cd "$out"
if command -v sha256sum >/dev/null 2>&1; then
    sha256sum -- *.tar.gz *.tgz >SHA256SUMS
else
    shasum -a 256 -- *.tar.gz *.tgz >SHA256SUMS
fi
cat SHA256SUMS
