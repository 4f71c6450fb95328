#!/usr/bin/env bash
# Runs check_official_sdk.py: builds the emulator binary, installs the official Python SDK
# (aliyun-python-sdk-core, -ecs, -cms) and PyYAML into a virtual environment (needs PyPI), runs
# the offline tests of the sweep's machinery, then the seed checks and the every-action sweep.
# Not part of `cargo test` (it needs the network for pip).
#
#   emulator/tests/python_sdk/run.sh                    # venv in target/python-sdk-venv
#   VENV=/tmp/venv emulator/tests/python_sdk/run.sh
#   emulator/tests/python_sdk/run.sh --only actions     # arguments go to check_official_sdk.py
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${VENV:-$root/target/python-sdk-venv}"

cargo build --quiet --manifest-path "$root/Cargo.toml" -p aliyun-emulator --bin aliyun-emulator
binary="$root/target/debug/aliyun-emulator"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "aliyun-python-sdk-core>=2.16.1" \
    "aliyun-python-sdk-ecs>=4.24.83" \
    "aliyun-python-sdk-cms>=7.0.33" \
    "PyYAML>=6.0"
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
for name in ("aliyun-python-sdk-core", "aliyun-python-sdk-ecs", "aliyun-python-sdk-cms", "PyYAML"):
    print(name, version(name))
PY
(cd "$here" && "$venv/bin/python" -m unittest --quiet test_sdk_requests)
"$venv/bin/python" "$here/check_official_sdk.py" "$binary" "$@"
