#!/usr/bin/env bash
# Build the keysweep binary into a Python wheel (maturin's `bin` bindings)
# for Spark executors, install it into a fresh virtual environment and run
# it from there. The wheel goes to target/wheels/; the environment to
# target/wheel-venv/, whose bin/keysweep is what executors would run (ship
# the environment with spark-submit --archives, or pip-install the wheel on
# every node).
#
#   bash integrations/spark/build_wheel.sh
#
# Needs maturin from PyPI (installed here when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v maturin >/dev/null || python3 -m pip install --quiet maturin
rm -rf target/wheels target/wheel-venv
maturin build --quiet --release --locked -b bin --strip -m Cargo.toml -o target/wheels
wheel=$(ls target/wheels/keysweep-*.whl)
python3 -m venv target/wheel-venv
target/wheel-venv/bin/pip install --quiet --no-index "$wheel"
target/wheel-venv/bin/keysweep --version
echo "$wheel ($(du -h "$wheel" | cut -f1)): installed as target/wheel-venv/bin/keysweep"
