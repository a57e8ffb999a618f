#!/usr/bin/env bash
# Sets up the Helm engine used by the end-to-end tests (tests/helm_e2e.rs):
# a Python venv at target/e2e-venv holding the PyPI package helm-python-sdk,
# which bundles Helm v4's Go SDK as a C library (no `helm` binary needed).
# Idempotent: does nothing when the venv already imports the pinned version.
set -euo pipefail

HELM_SDK_VERSION="${HELM_SDK_VERSION:-0.2.2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/target/e2e-venv"
py="$venv/bin/python"

check() {
    "$py" - "$HELM_SDK_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import helm_python  # noqa: F401  (loads libhelm_c.so)
sys.exit(0 if version("helm-python-sdk") == sys.argv[1] else 1)
PY
}

if [ -x "$py" ] && check; then
    echo "e2e setup: $venv already has helm-python-sdk $HELM_SDK_VERSION"
    exit 0
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
    # `command -v` is not enough: pyenv shims exist for versions that are not active.
    for candidate in python3 python3.13 python3.12 python3.11 python3.10; do
        if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then
            python="$candidate"; break
        fi
    done
fi
if [ -z "$python" ]; then
    echo "e2e setup: no Python 3.10+ with venv found; install Python 3.10+ (with venv) and rerun" >&2
    exit 1
fi

echo "e2e setup: creating $venv with $("$python" --version 2>&1)"
rm -rf "$venv"
mkdir -p "$root/target"
"$python" -m venv "$venv"
"$py" -m pip install --quiet --disable-pip-version-check --no-input \
    "helm-python-sdk==$HELM_SDK_VERSION"

if ! check; then
    echo "e2e setup: helm-python-sdk $HELM_SDK_VERSION installed but 'import helm_python' fails:" >&2
    "$py" -c 'import helm_python' >&2 || true
    exit 1
fi
echo "e2e setup: ok ($venv, helm-python-sdk $HELM_SDK_VERSION)"
