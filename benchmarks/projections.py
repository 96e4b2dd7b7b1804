#!/usr/bin/env python3
"""The matmuls around the mixers (projections, MLPs, the LM head), f32:
Linea with large products through BLIS (linea-linalg-to-blas, the default
where Linea was built with BLIS), Linea's generated code (--no-blas), and
numpy on the BLAS it loaded, in the same run, 1 and 2 threads.

    LINEA_BUILD_DIR=build /usr/bin/python3 benchmarks/projections.py [--repeat 7]

Shapes (M x K x N, x [M, K] times W [K, N]): the issue's table, decode rows
(M = 1, 8, 16, 64) against 2048 x 2048 and 8192 x 8192 weights, the example
blocks' projections, and those of a 0.1-0.4 B parameter model (d_model
1024: an input projection to 4352, its output projection, the LM head to
50280 at T = 1). Prints ms (median of interleaved rounds), GFLOP/s, the
ratio to numpy, and for M = 1 the weights' bytes per second against the
memory bandwidth measured in the same run (baseline.cpp's copy_floats over
512 MiB, counting the read and the write). Not a test.
"""

import argparse
import ctypes
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import run  # noqa: E402
import linea  # noqa: E402
from linea.builder import Function  # noqa: E402

SHAPES = [
    # The table.
    (256, 256, 256), (512, 512, 512), (1, 2048, 2048), (64, 2048, 2048),
    # Decode batches, and a decode step on weights far larger than the cache.
    (8, 2048, 2048), (16, 2048, 2048), (1, 8192, 8192),
    # The example blocks (T = 256, d_model 128, MLP 512).
    (256, 128, 128), (256, 128, 512), (256, 512, 128),
    # A 0.1-0.4 B model at d_model 1024: prefill T = 512, the LM head at T = 1.
    (512, 1024, 4352), (512, 2048, 1024), (1, 1024, 50280),
]


def loaded_blas():
    """The BLAS libraries this process has mapped (numpy's among them)."""
    with open("/proc/self/maps") as f:
        names = {os.path.basename(line.split()[-1]) for line in f if "blas" in line or
                 "blis" in line}
    return sorted(n for n in names if n.endswith((".so", ".so.0", ".so.3", ".so.4")) or
                  ".so." in n)


def numpy_threads_setter():
    """openblas_set_num_threads of numpy's OpenBLAS, or None."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "openblas" in line}
    for path in paths:
        try:
            return ctypes.CDLL(path).openblas_set_num_threads
        except (OSError, AttributeError):
            continue
    return None


def matmul_text(M, K, N):
    f = Function("mm")
    f.ret(f.matmul(f.arg("x", (M, K)), f.arg("w", (K, N))))
    return f.text()


def bandwidth(baseline, repeat):
    """GB/s of a copy over 512 MiB, the read and the write counted."""
    n = 1 << 27
    src, dst = np.ones(n, np.float32), np.zeros(n, np.float32)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        baseline.copy_floats(*run.ptrs(src, dst), *run.i64(n))
        times.append(time.perf_counter() - start)
    return 2 * n * 4 / min(times) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    omp = run.openmp()
    baseline = run.build_baseline()
    np.dot(np.ones((64, 64), np.float32), np.ones((64, 64), np.float32))
    set_numpy_threads = numpy_threads_setter()
    print("numpy %s on %s" % (np.__version__, ", ".join(loaded_blas()) or "no BLAS library"))
    print("%-18s %3s %10s %8s %10s %8s %10s %8s %8s %8s %7s" % (
        "M x K x N", "thr", "blis ms", "GFLOP/s", "gen ms", "GFLOP/s", "numpy ms", "GFLOP/s",
        "blis/np", "gen/np", "%bw"))
    rng = np.random.default_rng(0)
    for M, K, N in SHAPES:
        text = matmul_text(M, K, N)
        blis = linea.compile_text(text, opt_level=3)["mm"]
        gen = linea.compile_text(text, opt_level=3, extra_args=["--no-blas"])["mm"]
        x = rng.standard_normal((M, K)).astype(np.float32)
        w = (rng.standard_normal((K, N)) / np.sqrt(K)).astype(np.float32)
        out_b, out_g = np.zeros((M, N), np.float32), np.zeros((M, N), np.float32)
        flops = 2.0 * M * K * N
        for threads in map(int, args.threads.split(",")):
            omp.omp_set_num_threads(threads)
            if set_numpy_threads:
                set_numpy_threads(threads)
            calls = {"blis": lambda: blis(x, w, out=[out_b]), "gen": lambda: gen(x, w, out=[out_g]),
                     "np": lambda: np.matmul(x, w)}
            ms = run.interleaved(calls, args.repeat)
            want = x.astype(np.float64) @ w
            err = max(np.abs(o - want).max() for o in (out_b, out_g)) / np.abs(want).max()
            if err > 1e-4:
                print("mismatch at %dx%dx%d: %.2g" % (M, K, N, err))
            bw = ""
            if M == 1:
                bw = "%7.1f" % (100 * K * N * 4 / (ms["blis"] / 1e3) / 1e9 /
                                bandwidth(baseline, 3))
            print("%-18s %3d %10.3f %8.1f %10.3f %8.1f %10.3f %8.1f %8.2f %8.2f %7s" % (
                "%dx%dx%d" % (M, K, N), threads, ms["blis"], flops / ms["blis"] / 1e6, ms["gen"],
                flops / ms["gen"] / 1e6, ms["np"], flops / ms["np"] / 1e6,
                ms["blis"] / ms["np"], ms["gen"] / ms["np"], bw))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
