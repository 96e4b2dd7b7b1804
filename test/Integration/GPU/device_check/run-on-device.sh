#!/bin/sh
# The one-shot device check: run in the folder build.py made, on a machine
# with the NVIDIA driver, python3, numpy (and PyTorch for the baselines).
cd "$(dirname "$0")" && exec python3 run.py "$@"
