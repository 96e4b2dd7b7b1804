#!/usr/bin/env python3
"""bf16 weights against f32: the builder's `x @ w` at decode rows and a
small batch, bf16 (generated code, f32 accumulation) and f32 (through BLIS
where Linea was built with it), compiled and timed interleaved in one run
(median of --repeat rounds), in ms and GB/s of weights read. Not a test.

    LINEA_BUILD_DIR=build OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/bf16_projections.py

LINEA_BUILD_DIR_BEFORE=<another build> adds that compiler's bf16 code as a
third column (how docs/Performance.md measured before and after).
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import run  # noqa: E402
import linea  # noqa: E402

SHAPES = [(1, 2048, 2048), (1, 8192, 8192), (8, 2048, 2048), (64, 2048, 2048),
          (1, 1024, 50280)]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    builds = [("bf16", os.environ.get("LINEA_BUILD_DIR", "build"))]
    if os.environ.get("LINEA_BUILD_DIR_BEFORE"):
        builds.append(("bf16 before", os.environ["LINEA_BUILD_DIR_BEFORE"]))
    here = os.environ.get("LINEA_BUILD_DIR", "build")
    rng = np.random.default_rng(0)
    calls, bytes_ = {}, {}
    for M, K, N in SHAPES:
        for label, build in [("f32", here)] + builds:
            dt = "f32" if label == "f32" else "bf16"
            os.environ["LINEA_BUILD_DIR"] = build
            f = linea.Function("mm")
            f.ret(f.arg("x", (M, K), dt) @ f.arg("w", (K, N), dt))
            fn = linea.compile(f, quiet=True)
            x = linea.dtypes.encode(rng.random((M, K)), dt)
            w = linea.dtypes.encode(rng.random((K, N)) / K, dt)
            key = "%d x %d x %d %s" % (M, K, N, label)
            calls[key] = lambda fn=fn, x=x, w=w: fn(x, w)
            bytes_[key] = K * N * (2 if dt == "bf16" else 4)
    os.environ["LINEA_BUILD_DIR"] = here
    ms = run.interleaved(calls, args.repeat)
    print("threads: %s" % os.environ.get("OMP_NUM_THREADS", "(all)"))
    for key, t in ms.items():
        print("%-28s %9.3f ms %7.1f GB/s of weights" % (key, t, bytes_[key] / t / 1e6))


if __name__ == "__main__":
    main()
