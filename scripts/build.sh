#!/usr/bin/env bash
# Installs the dependencies, configures and builds Linea in ./build (or
# $LINEA_BUILD_DIR) with clang-22, lld and ninja.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${LINEA_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld ${LINEA_CMAKE_ARGS:-}
fi
cmake --build "$BUILD_DIR" -j "${LINEA_JOBS:-2}"
