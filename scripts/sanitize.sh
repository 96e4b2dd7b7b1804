#!/usr/bin/env bash
# Builds Linea with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the whole test suite there (the tools, the driver
# library and the unit tests are instrumented; generated kernels are checked
# by the execution tests' references and the checked entry points).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export LINEA_BUILD_DIR=${LINEA_ASAN_BUILD_DIR:-build-asan}
export LINEA_CMAKE_ARGS="-DLLVM_USE_SANITIZER=Address;Undefined"
# Any finding fails the run; leaks are findings too. allow_user_poisoning=0:
# LLVM's BumpPtrAllocator, inlined into instrumented code, poisons the rest
# of each new slab, and the uninstrumented libMLIR allocates attributes
# there without unpoisoning them, so an instrumented read of such an
# attribute reports a use-after-poison that is none (seen once an op's
# attribute landed in a slab our code opened). Heap, stack and leak checks
# are unaffected.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
bash scripts/build.sh
cmake --build "$LINEA_BUILD_DIR" --target check-linea
