#!/usr/bin/env bash
# Runs check_official_sdk.py: builds the emulator binary, installs aliyun-python-sdk-core into a
# virtual environment (needs PyPI), and checks that the official SDK's requests are accepted and
# a wrongly signed one refused. Not part of `cargo test` (it needs the network for pip).
#
#   emulator/tests/python_sdk/run.sh            # venv in target/python-sdk-venv
#   VENV=/tmp/venv emulator/tests/python_sdk/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${VENV:-$root/target/python-sdk-venv}"

cargo build --quiet --manifest-path "$root/Cargo.toml" -p aliyun-emulator --bin aliyun-emulator
binary="$root/target/debug/aliyun-emulator"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "aliyun-python-sdk-core>=2.13"
"$venv/bin/python" -c 'import aliyunsdkcore; print("aliyun-python-sdk-core", aliyunsdkcore.__version__)'
"$venv/bin/python" "$here/check_official_sdk.py" "$binary"
