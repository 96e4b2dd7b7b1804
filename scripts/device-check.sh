#!/bin/bash
# Builds the one-shot GPU device check into a folder (default:
# build/device-check): compiled NVPTX libraries, inputs and float64
# references, and the driver. Copy the folder to a GPU machine (NVIDIA
# driver, python3 with numpy; PyTorch for the baselines) and run
#     <folder>/run-on-device.sh
# Prints one PASS/FAIL line per op x form x element type, the benchmark
# shapes' times and PyTorch's; finishes in well under 5 minutes on an H100.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build/device-check}"
LINEA_BUILD_DIR="${LINEA_BUILD_DIR:-$root/build}" \
  /usr/bin/python3 "$root/test/Integration/GPU/device_check/build.py" "$out" --target nvptx
echo "run on the GPU machine: $out/run-on-device.sh"
