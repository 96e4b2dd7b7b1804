#!/usr/bin/env python3
"""Benchmark driver: Linea's compiled kernels against a plain C++ loop
baseline (baseline.cpp), measured in the same run, with 1 and 2 threads.

Not a test: it prints a table (or JSON with --json) of median time, GFLOP/s,
the share of the single-core FMA peak it measures itself, tokens/s, and the
ratio baseline time / Linea time. FLOP counts (multiply and add counted
separately, exp not counted), per token:
  gla, wkv6       5 H K V    (decay, k v^T, accumulate; q S readout)
  wkv7            9 H K V    (plus a^T S and b (a^T S))
  selective_scan  7 D N      (dt A, decay, dt B u, accumulate; C x readout)
"""

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import linea  # noqa: E402
from linea.compiler import cache_dir  # noqa: E402
from linea.testing import rel_rms  # noqa: E402

LLVM_LIB = "/usr/lib/llvm-22/lib"


def build_baseline():
    src = os.path.join(HERE, "baseline.cpp")
    out = os.path.join(cache_dir(), "baseline-%d.so" % os.stat(src).st_mtime_ns)
    if not os.path.exists(out):
        subprocess.run(["clang++-22", "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC",
                        "-o", out, src, "-L" + LLVM_LIB, "-Wl,-rpath," + LLVM_LIB],
                       check=True)
    lib = ctypes.CDLL(out)
    lib.fma_peak_kernel.restype = ctypes.c_float
    lib.fma_peak_kernel.argtypes = [ctypes.c_int64]
    lib.fma_peak_flops_per_iteration.restype = ctypes.c_double
    return lib


def measure_peak(lib):
    """Single-core FP32 FMA peak in GFLOP/s (best of 5)."""
    iters = 20_000_000
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        lib.fma_peak_kernel(iters)
        best = min(best, time.perf_counter() - start)
    return iters * lib.fma_peak_flops_per_iteration() / best / 1e9


def t4(*s):
    return "tensor<%sxf32>" % "x".join(map(str, s))


class Case:
    def __init__(self, op, T, **shape):
        self.op, self.T, self.shape = op, T, shape
        self.rng = np.random.default_rng(0)

    def arr(self, *s, scale=1.0, shift=0.0):
        return np.ascontiguousarray(self.rng.standard_normal(s) * scale + shift, dtype=np.float32)


def gla_case(T, H=32, S=64):
    c = Case("gla", T, H=H, S=S)
    q, k, v = (c.arr(1, T, H, S, scale=0.3) for _ in range(3))
    g = np.ascontiguousarray(-np.exp(c.rng.standard_normal((1, T, H, S)) - 3), dtype=np.float32)
    c.inputs = [q, k, v, g]
    c.mlir = ("func.func @gla(%%q: %s, %%k: %s, %%v: %s, %%g: %s) -> %s {\n"
              "  %%o = linea.linear_attention %%q, %%k, %%v gate(%%g : %s) {causal, scale = 1.0 : f32,"
              " form = #linea.form<recurrent>} : %s, %s, %s\n  return %%o : %s\n}\n") % (
        (t4(1, T, H, S),) * 10)
    c.flops = 5.0 * H * S * S * T
    c.baseline = lambda lib, o: lib.gla_baseline(*ptrs(q, k, v, g, o), *i64(1, T, H, S, S),
                                                 ctypes.c_float(1.0))
    c.out_shape = (1, T, H, S)
    return c


def wkv6_case(T, H=32, S=64):
    c = Case("wkv6", T, H=H, S=S)
    r, k, v = (c.arr(1, T, H, S, scale=0.3) for _ in range(3))
    w = np.ascontiguousarray(-np.exp(c.rng.standard_normal((1, T, H, S)) - 3), dtype=np.float32)
    u = c.arr(H, S, scale=0.3)
    c.inputs = [r, k, v, w, u]
    c.mlir = ("func.func @wkv6(%%r: %s, %%k: %s, %%v: %s, %%w: %s, %%u: tensor<%dx%dxf32>) -> %s {\n"
              "  %%o = linea.wkv6 %%r, %%k, %%v, %%w, %%u {form = #linea.form<recurrent>}"
              " : %s, %s, %s, %s, tensor<%dx%dxf32>\n  return %%o : %s\n}\n") % (
        (t4(1, T, H, S),) * 4 + (H, S) + (t4(1, T, H, S),) * 5 + (H, S, t4(1, T, H, S)))
    c.flops = 5.0 * H * S * S * T
    c.baseline = lambda lib, o: lib.wkv6_baseline(*ptrs(r, k, v, w, u, o), *i64(1, T, H, S))
    c.out_shape = (1, T, H, S)
    return c


def wkv7_case(T, H=32, S=64):
    c = Case("wkv7", T, H=H, S=S)
    r, k, v = (c.arr(1, T, H, S, scale=0.3) for _ in range(3))
    w = np.ascontiguousarray(-np.exp(c.rng.standard_normal((1, T, H, S)) - 3), dtype=np.float32)
    kk = c.rng.standard_normal((1, T, H, S))
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    a = np.ascontiguousarray(-kk, dtype=np.float32)
    b = np.ascontiguousarray(kk * c.rng.random((1, T, H, S)), dtype=np.float32)
    c.inputs = [r, w, k, v, a, b]
    c.mlir = ("func.func @wkv7(%%r: %s, %%w: %s, %%k: %s, %%v: %s, %%a: %s, %%b: %s) -> %s {\n"
              "  %%o = linea.wkv7 %%r, %%w, %%k, %%v, %%a, %%b {form = #linea.form<recurrent>}"
              " : %s, %s, %s, %s, %s, %s\n  return %%o : %s\n}\n") % ((t4(1, T, H, S),) * 14)
    c.flops = 9.0 * H * S * S * T
    c.baseline = lambda lib, o: lib.wkv7_baseline(*ptrs(r, w, k, v, a, b, o), *i64(1, T, H, S))
    c.out_shape = (1, T, H, S)
    return c


def ssm_case(T, D=1536, N=16, G=1):
    c = Case("selective_scan", T, D=D, N=N)
    u = c.arr(1, D, T)
    delta = c.arr(1, D, T, scale=0.5)
    A = np.ascontiguousarray(-np.exp(c.rng.standard_normal((D, N))), dtype=np.float32)
    Bm, Cm = c.arr(1, G, N, T), c.arr(1, G, N, T)
    Dskip, z, bias = c.arr(D), c.arr(1, D, T), c.arr(D, scale=0.5, shift=-2)
    c.inputs = [u, delta, A, Bm, Cm, Dskip, z, bias]
    U, BT = t4(1, D, T), t4(1, G, N, T)
    c.mlir = ("func.func @selective_scan(%%u: %s, %%dt: %s, %%A: tensor<%dx%dxf32>, %%B: %s, %%C: %s,"
              " %%D: tensor<%dxf32>, %%z: %s, %%db: tensor<%dxf32>) -> %s {\n"
              "  %%y = linea.selective_scan %%u, %%dt, %%A, %%B, %%C D_skip(%%D : tensor<%dxf32>)"
              " z(%%z : %s) delta_bias(%%db : tensor<%dxf32>) {delta_softplus, form = #linea.form<recurrent>}"
              " : %s, %s, tensor<%dx%dxf32>, %s, %s\n  return %%y : %s\n}\n") % (
        U, U, D, N, BT, BT, D, U, D, U, D, U, D, U, U, D, N, BT, BT, U)
    c.flops = 7.0 * D * N * T
    c.baseline = lambda lib, o: lib.selective_scan_baseline(
        *ptrs(u, delta, A, Bm, Cm, Dskip, z, bias, o), *i64(1, D, T, G, N))
    c.out_shape = (1, D, T)
    return c


# The benchmark's ops, by name: each maker takes T (and keyword shapes).
CASES = {"gla": gla_case, "wkv6": wkv6_case, "wkv7": wkv7_case,
         "selective_scan": ssm_case}


def openmp():
    """The OpenMP runtime the compiled libraries use (omp_set_num_threads)."""
    return ctypes.CDLL(os.path.join(LLVM_LIB, "libomp.so"))


def ptrs(*arrays):
    return [a.ctypes.data_as(ctypes.c_void_p) for a in arrays]


def i64(*values):
    return [ctypes.c_int64(v) for v in values]


def interleaved(calls, repeat):
    """{name: median ms} of `repeat` rounds, each round calling every one of
    `calls` ({name: fn}) in turn, once to warm up and once timed: the
    machine's noise falls on all of them alike."""
    times = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            call()
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * statistics.median(t) for name, t in times.items()}


def timed(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--tokens", default="512,2048")
    parser.add_argument("--ops", default="gla,wkv6,wkv7,selective_scan")
    args = parser.parse_args()

    baseline = build_baseline()
    omp = openmp()
    peak = measure_peak(baseline)
    rows = []
    for op in args.ops.split(","):
        for T in map(int, args.tokens.split(",")):
            case = CASES[op](T)
            kernel = linea.compile_text(case.mlir, opt_level=3)[case.op]
            out_ref = np.zeros(case.out_shape, dtype=np.float32)
            for threads in map(int, args.threads.split(",")):
                omp.omp_set_num_threads(threads)
                # Both write into buffers allocated once, as a framework would.
                out = np.zeros(case.out_shape, dtype=np.float32)
                t_linea = timed(lambda: kernel(*case.inputs, out=[out]), args.repeat)
                t_base = timed(lambda: case.baseline(baseline, out_ref), args.repeat)
                rows.append({
                    "op": op, "T": T, "shape": case.shape, "threads": threads,
                    "ms": 1e3 * t_linea, "gflops": case.flops / t_linea / 1e9,
                    "peak_pct": 100.0 * case.flops / t_linea / 1e9 / (peak * threads),
                    "tokens_per_s": T / t_linea, "baseline_ms": 1e3 * t_base,
                    "speedup_vs_baseline": t_base / t_linea,
                    "rel_rms_vs_baseline": float(rel_rms(out, out_ref)),
                })
    if args.json:
        print(json.dumps({"fma_peak_gflops_per_core": peak, "rows": rows}, indent=1))
        return
    print("single-core FP32 FMA peak (measured): %.1f GFLOP/s" % peak)
    print("%-15s %5s %-14s %3s %9s %8s %6s %11s %11s %8s %9s" % (
        "op", "T", "shape", "thr", "ms", "GFLOP/s", "%peak", "tokens/s", "baseline ms",
        "speedup", "rel_rms"))
    for r in rows:
        shape = ",".join("%s=%d" % kv for kv in r["shape"].items())
        print("%-15s %5d %-14s %3d %9.2f %8.2f %6.1f %11.0f %11.2f %7.2fx %9.1e" % (
            r["op"], r["T"], shape, r["threads"], r["ms"], r["gflops"], r["peak_pct"],
            r["tokens_per_s"], r["baseline_ms"], r["speedup_vs_baseline"],
            r["rel_rms_vs_baseline"]))


if __name__ == "__main__":
    main()
