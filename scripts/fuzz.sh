#!/usr/bin/env bash
# Fuzzes parsing, verification and every linea pass and pipeline with
# libFuzzer for a bounded time: bash scripts/fuzz.sh [seconds] (default 300).
# The seed corpus is every split of every lit test and the inputs kept in
# tools/linea-fuzz/corpus (each once a finding); mutations draw on
# tools/linea-fuzz/linea.dict (shapes zero, one, huge, dynamic; forms).
# Findings land in build-fuzz/findings/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-300}
bash scripts/install-deps.sh
export LINEA_BUILD_DIR=${LINEA_FUZZ_BUILD_DIR:-build-fuzz}
export LINEA_CMAKE_ARGS="-DLINEA_ENABLE_FUZZER=ON -DLLVM_USE_SANITIZER=Address -DLLVM_USE_SANITIZE_COVERAGE=ON"
bash scripts/build.sh >/dev/null
corpus=$LINEA_BUILD_DIR/corpus
findings=$LINEA_BUILD_DIR/findings
rm -rf "$findings"
mkdir -p "$corpus" "$findings"
/usr/bin/python3 - "$corpus" <<'PY'
import glob, hashlib, os, sys
out = sys.argv[1]
for path in (glob.glob("test/**/*.mlir", recursive=True) +
             glob.glob("tools/linea-fuzz/corpus/*.mlir")):
    for piece in open(path).read().split("// -----"):
        data = piece.encode()
        with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
PY
# allow_user_poisoning=0: see scripts/sanitize.sh.
export ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0
# A unit runs every pipeline (NVPTX and the emulator among them) under ASan:
# the largest seed, test/tools/linea-compile/Inputs/gpu-ops.mlir with every
# op and form, takes about 20 s on two cores. The limit catches hangs, not
# that.
"$LINEA_BUILD_DIR/bin/linea-fuzz" "$corpus" -artifact_prefix="$findings/" \
  -dict=tools/linea-fuzz/linea.dict \
  -max_total_time="$SECONDS_TO_RUN" -timeout=90 -rss_limit_mb=4096 -print_final_stats=1 \
  2>&1 | tail -n 25
if ls "$findings"/* >/dev/null 2>&1; then
  echo "fuzz: findings in $findings" >&2
  exit 1
fi
