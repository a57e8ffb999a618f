#!/usr/bin/env bash
# Installs moto (an AWS API server, PyPI) in server mode for the s3 and
# cloudwatch fan-out destinations in tests/fanout_kernel.rs: a venv at
# target/moto-venv with moto[server] (it brings boto3, which
# tests/e2e/fanout_aws.py uses to sign requests). Idempotent: a venv that
# already has the pinned moto is kept.
set -euo pipefail
MOTO=5.2.5
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/target/moto-venv"
if [ -x "$venv/bin/moto_server" ] && [ "$("$venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" = "$MOTO" ]; then
    echo "moto setup: cached: $venv (moto $MOTO)"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO"
"$venv/bin/python" -c 'import boto3, moto'
echo "moto setup: ok ($venv, moto $MOTO)"
