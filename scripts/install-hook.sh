#!/bin/sh
# Helm plugin install/update hook (plugin.yaml platformHooks). It puts the
# kof-route binary at $HELM_PLUGIN_DIR/bin/kof-route, which plugin.yaml runs
# directly (no launcher in between), when no usable binary is there yet:
#   1. download kof-route-VERSION-OS-ARCH.tar.gz and SHA256SUMS from
#      ${KOF_ROUTE_DOWNLOAD_URL:-<the GitHub releases>}/vVERSION/ with curl or
#      wget, verify the archive's checksum, install its kof-route;
#   2. if the download fails and cargo and the sources are here (a checkout or
#      an install from git), build with scripts/build-release.sh instead.
# A checksum mismatch is an error: nothing is installed and nothing is built
# (a tampered release must not be papered over). With neither a download nor
# cargo it fails naming both ways out. The binary is written to a temporary
# file beside bin/kof-route and renamed over it only once complete and run:
# never a partly written binary. VERSION is plugin.yaml's (equal to Cargo.toml's).
#
#   scripts/install-hook.sh            # what Helm runs
#   scripts/install-hook.sh --build    # rebuild from this checkout with cargo
set -eu

# One place for the release URL; tests/install.rs holds it equal to Cargo.toml's repository.
default_url=https://github.com/k0rdent/kof-route/releases/download

plugin_dir=${HELM_PLUGIN_DIR:-$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)}
bin_dir=$plugin_dir/bin
version=$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}[[:space:]]*$/\1/p' "$plugin_dir/plugin.yaml")
[ -n "$version" ] || { echo "kof-route: no version in $plugin_dir/plugin.yaml" >&2; exit 1; }
base_url=${KOF_ROUTE_DOWNLOAD_URL:-$default_url}/v$version

say() { printf 'kof-route: %s\n' "$*" >&2; }

# Helm 4.2.3's `helm plugin update` of a git checkout looks for the plugin under
# the last path element of its origin URL (README, Installing): warn when that
# is not this directory's name.
warn_about_update() {
    { [ -d "$plugin_dir/.git" ] || [ -f "$plugin_dir/.git" ]; } || return 0
    command -v git >/dev/null 2>&1 || return 0
    origin=$(git -C "$plugin_dir" config --get remote.origin.url 2>/dev/null || :)
    if [ "${origin##*/}" != "$(basename -- "$plugin_dir")" ]; then
        say "note: 'helm plugin update kof-route' (Helm 4) will fail for this checkout: its origin (${origin:-none}) does not end in '/$(basename -- "$plugin_dir")'. To rebuild after 'git pull', run $plugin_dir/scripts/install-hook.sh --build (see the README, Installing)."
    fi
}

# A binary that runs and is this plugin's version needs nothing.
usable() {
    [ -x "$bin_dir/kof-route" ] &&
        [ "$("$bin_dir/kof-route" --version 2>/dev/null)" = "kof-route $version" ]
}

platform() {
    case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) return 1 ;;
    esac
    case $(uname -m) in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) return 1 ;;
    esac
    echo "$os-$arch"
}

fetch() { # URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 --connect-timeout 10 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -T 10 -O "$2" "$1"
    else
        say "neither curl nor wget is installed"
        return 1
    fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    else
        openssl dgst -sha256 -r "$1" | cut -d' ' -f1
    fi
}

# Installs $tmp/$archive's kof-route as bin/kof-route. Runs in a subshell
# where `set -e` does not apply, so every step is checked: exit 3 refuses
# (checksum mismatch: no fallback), return 1 lets the caller build instead.
install_verified() {
    want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")
    got=$(sha256 "$tmp/$archive") || exit 3
    if [ -z "$want" ] || [ "$want" != "$got" ]; then
        say "checksum mismatch: $archive (sha256 $got) does not match its line in SHA256SUMS from $base_url/ (${want:-no line for it}). Nothing was installed and nothing is built: the release files are damaged or were tampered with."
        exit 3
    fi
    tar -xzf "$tmp/$archive" -C "$tmp" || { say "cannot unpack $archive"; exit 3; }
    new=$tmp/${archive%.tar.gz}/kof-route
    if ! [ -f "$new" ] || [ "$("$new" --version 2>/dev/null)" != "kof-route $version" ]; then
        say "$archive holds no kof-route $version that runs on this machine"
        return 1
    fi
    chmod 755 "$new" && mv -f "$new" "$bin_dir/kof-route" || exit 3
    say "installed kof-route $version ($platform, sha256 verified) at $bin_dir/kof-route"
}

download() {
    platform=$(platform) || { say "no prebuilt binary for $(uname -s) $(uname -m)"; return 1; }
    archive=kof-route-$version-$platform.tar.gz
    # In bin/ itself, so the final rename never crosses file systems.
    tmp=$(mktemp -d "$bin_dir/.download.XXXXXX") || return 1
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 1' HUP INT TERM
    say "downloading $base_url/$archive"
    fetch "$base_url/SHA256SUMS" "$tmp/SHA256SUMS" || return 1
    fetch "$base_url/$archive" "$tmp/$archive" || return 1
    install_verified
}

build() {
    say "building with cargo in $plugin_dir (this takes a minute or two)..."
    if ! sh "$plugin_dir/scripts/build-release.sh"; then
        say "the release build (scripts/build-release.sh) failed in $plugin_dir; fix the error above and run $plugin_dir/scripts/install-hook.sh --build."
        exit 1
    fi
    target_dir=${CARGO_TARGET_DIR:-$plugin_dir/target}
    case $target_dir in /*) ;; *) target_dir=$plugin_dir/$target_dir ;; esac
    if ! { cp "$target_dir/release/kof-route" "$bin_dir/.kof-route.tmp" &&
        mv -f "$bin_dir/.kof-route.tmp" "$bin_dir/kof-route"; }; then
        rm -f "$bin_dir/.kof-route.tmp"
        say "cannot copy the build into $bin_dir"
        exit 1
    fi
    say "installed $bin_dir/kof-route (built from source)"
}

can_build() { command -v cargo >/dev/null 2>&1 && [ -f "$plugin_dir/Cargo.toml" ]; }

warn_about_update
mkdir -p "$bin_dir"
# bin/ holds what was installed: keep it out of git status in a checkout.
[ -f "$bin_dir/.gitignore" ] || printf '*\n' >"$bin_dir/.gitignore"

if [ "${1:-}" = --build ]; then
    can_build || { say "--build needs cargo on PATH and the sources (Cargo.toml) in $plugin_dir"; exit 1; }
    build
    exit 0
fi
if usable; then
    say "kof-route $version is already installed at $bin_dir/kof-route"
    exit 0
fi
# A subshell: its cleanup trap has run before a build starts.
status=0
(download) || status=$?
case $status in
0) exit 0 ;;
3) exit 1 ;;
esac
if can_build; then
    say "the download failed: building from source instead"
    build
    exit 0
fi
if command -v cargo >/dev/null 2>&1; then
    why="this plugin package has no sources to build"
else
    why="cargo is not installed to build it"
fi
say "kof-route was NOT installed: the download from $base_url/ failed and $why. Either make the release reachable (set KOF_ROUTE_DOWNLOAD_URL to a mirror of its files, or download and verify the binary as the README's Helm 3 block does and put it at $bin_dir/kof-route), or install Rust (https://rustup.rs) and install the plugin from its git repository or a checkout, which builds it. Then run 'helm plugin update kof-route' (an install from git) or 'helm plugin uninstall kof-route' and install again."
exit 1
