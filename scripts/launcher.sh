#!/bin/sh
# kof-route launcher: the command of the Helm plugin (plugin.yaml), also usable
# directly as a Helm 3 post-renderer path. It finds the kof-route binary and
# execs it with all arguments, stdin and stdout untouched. Search order:
#   1. $KOF_ROUTE_BIN
#   2. $HELM_PLUGIN_DIR/bin/kof-route            (built by scripts/install-hook.sh)
#   3. $HELM_PLUGIN_DIR/target/release/kof-route
#   4. $HELM_PLUGIN_DIR/target/debug/kof-route
#   5. kof-route on PATH (never this launcher itself)
# HELM_PLUGIN_DIR defaults to the directory above this script.
# Nothing is ever written to stdout here: stdout is the rendered manifest.

self_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P) || exit 1
self="$self_dir/$(basename -- "$0")"
plugin_dir=${HELM_PLUGIN_DIR:-$(dirname -- "$self_dir")}

# Helm 4 discards a plugin's stderr: when running as a plugin, also record the
# message where `kof-route log` (alias `last-error`) looks for it, in its format.
fail() {
    printf '%s\n' "$1" >&2
    if [ -n "${HELM_PLUGIN_NAME:-}" ]; then
        state_dir="${XDG_STATE_HOME:-${HOME:-/tmp}/.local/state}/kof-route"
        if mkdir -p "$state_dir" 2>/dev/null; then
            {
                printf 'time: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
                printf 'arguments: (not recorded: kof-route did not start, scripts/launcher.sh wrote this)\n'
                printf 'exit code: 1\nmessages:\n%s\n' "$1"
            } >"$state_dir/last-run.log" 2>/dev/null || :
        fi
    fi
    exit 1
}

if [ -n "${KOF_ROUTE_BIN:-}" ]; then
    if [ -f "$KOF_ROUTE_BIN" ] && [ -x "$KOF_ROUTE_BIN" ]; then
        exec "$KOF_ROUTE_BIN" "$@"
    fi
    fail "kof-route: KOF_ROUTE_BIN is set to '$KOF_ROUTE_BIN', which is not an executable file. Point it at a built kof-route binary, or unset it to use the plugin's own build."
fi

for candidate in \
    "$plugin_dir/bin/kof-route" \
    "$plugin_dir/target/release/kof-route" \
    "$plugin_dir/target/debug/kof-route"; do
    if [ -f "$candidate" ] && [ -x "$candidate" ]; then
        exec "$candidate" "$@"
    fi
done

# kof-route on PATH.
old_ifs=$IFS
IFS=:
set -f
for dir in $PATH; do
    [ -n "$dir" ] || dir=.
    candidate="$dir/kof-route"
    if [ -f "$candidate" ] && [ -x "$candidate" ]; then
        # Skip this launcher itself, also through a symlink or a copy of it.
        if ! cmp -s "$candidate" "$self"; then
            IFS=$old_ifs
            exec "$candidate" "$@"
        fi
    fi
done
IFS=$old_ifs
set +f

fail "kof-route: the kof-route binary was not found (looked in \$KOF_ROUTE_BIN, $plugin_dir/bin, $plugin_dir/target/release, $plugin_dir/target/debug and on PATH). Build it with 'cd $plugin_dir && cargo build --release', or rerun the plugin's build hook with 'helm plugin update kof-route' (needs cargo), or install it on PATH with 'cargo install --path $plugin_dir'."
