#!/bin/sh
# The one-shot device check: run in the folder build.py made, on a machine
# with the NVIDIA driver, python3, numpy (and PyTorch for the baselines).
# run.py keeps its own limits (per case and in all) and always prints a
# summary; the outer timeout is the last resort should python itself hang.
cd "$(dirname "$0")" && exec timeout -k 10 "${LINEA_DEVICE_CHECK_TIMEOUT:-900}" "${PYTHON:-python3}" run.py "$@"
