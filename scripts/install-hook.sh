#!/bin/sh
# Helm plugin install/update hook (plugin.yaml platformHooks): builds
# kof-route from this checkout and puts it at $HELM_PLUGIN_DIR/bin/kof-route,
# where scripts/launcher.sh looks first. Without cargo it only prints a notice:
# the launcher then uses kof-route from PATH (e.g. a `cargo install` elsewhere).
set -eu

plugin_dir=${HELM_PLUGIN_DIR:-$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)}

# Helm 4.2.3's `helm plugin update` treats a plugin installed from a git checkout
# as a git repo and looks for it under the last path element of its origin URL:
# it fails ("plugin does not exist") when that is not the plugin's directory name
# (a clone of .../kof-route.git in ./kof-route), and without a remote ("Unable to
# retrieve local repo information"). Say so, and how to rebuild instead.
if [ -d "$plugin_dir/.git" ] || [ -f "$plugin_dir/.git" ]; then
    if command -v git >/dev/null 2>&1; then
        origin=$(git -C "$plugin_dir" config --get remote.origin.url 2>/dev/null || :)
        if [ "${origin##*/}" != "$(basename -- "$plugin_dir")" ]; then
            echo "kof-route: note: 'helm plugin update kof-route' (Helm 4) will fail for this checkout: its origin (${origin:-none}) does not end in '/$(basename -- "$plugin_dir")'. To rebuild after 'git pull', run $plugin_dir/scripts/install-hook.sh (see the README, Installing)." >&2
        fi
    fi
fi

if ! command -v cargo >/dev/null 2>&1; then
    cat >&2 <<MSG
kof-route: cargo was not found, so the plugin was installed without building
the kof-route binary. The plugin will run kof-route from your PATH: install it
with 'cargo install --path $plugin_dir' on a machine with Rust, or put a
prebuilt kof-route on PATH. Once cargo is available, 'helm plugin update
kof-route' builds it into $plugin_dir/bin.
MSG
    exit 0
fi

echo "kof-route: building with cargo in $plugin_dir (first build takes a minute or two)..." >&2
if ! sh "$plugin_dir/scripts/build-release.sh"; then
    echo "kof-route: the release build (scripts/build-release.sh) failed in $plugin_dir; fix the error above and run 'helm plugin update kof-route'." >&2
    exit 1
fi

mkdir -p "$plugin_dir/bin"
# bin/ is build output: keep it out of git status in a checkout.
[ -f "$plugin_dir/bin/.gitignore" ] || printf '*\n' >"$plugin_dir/bin/.gitignore"
target_dir=${CARGO_TARGET_DIR:-$plugin_dir/target}
case $target_dir in /*) ;; *) target_dir=$plugin_dir/$target_dir ;; esac
cp "$target_dir/release/kof-route" "$plugin_dir/bin/kof-route.tmp"
mv -f "$plugin_dir/bin/kof-route.tmp" "$plugin_dir/bin/kof-route"
echo "kof-route: installed $plugin_dir/bin/kof-route" >&2
