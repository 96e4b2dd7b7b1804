#!/usr/bin/env bash
# Installs every Debian package Linea needs to build, test and benchmark.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail

PKGS=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev libclang-rt-22-dev
  cmake ninja-build libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-matplotlib
  # PyTorch (CPU) for the interop tests; nothing needs it at run time.
  python3-torch
  # The package install test: pip into a fresh virtual environment, offline.
  python3-venv python3-pip
  # BLIS (serial: the libraries' own OpenMP threads run its calls) for the
  # large matmuls; OpenBLAS for numpy, which the benchmarks compare against.
  libblis-dev libblis4-serial libopenblas0-pthread
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
