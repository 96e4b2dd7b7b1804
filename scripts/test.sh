#!/usr/bin/env bash
# Builds Linea and runs every test (lit, execution and GoogleTest suites)
# through ctest; prints lit's and ctest's summaries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cmake --build "${LINEA_BUILD_DIR:-build}" --target check-linea
