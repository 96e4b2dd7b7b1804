#!/usr/bin/env bash
# The main job: builds Linea, compiles each example block in examples/ with
# linea-compile, runs it on random weights and inputs, and prints a checksum,
# the error against a float64 reference and the time per token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
export LINEA_BUILD_DIR=${LINEA_BUILD_DIR:-$PWD/build}
/usr/bin/python3 examples/run_examples.py "$@"
