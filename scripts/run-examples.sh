#!/usr/bin/env bash
# The main job: builds Linea, then runs linea-opt over the example model and
# shows the IR at each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
BUILD_DIR=${LINEA_BUILD_DIR:-build}
for f in examples/*.mlir; do
  echo "== $f: parsed, verified and canonicalized by linea-opt"
  "$BUILD_DIR/bin/linea-opt" --canonicalize "$f"
done
