#!/usr/bin/env python3
"""Benchmark driver: Linea's compiled kernels against a plain C++ loop
baseline (baseline.cpp), measured in the same run, with 1 and 2 threads.
Both read an initial state and write the output and the final state, as a
layer in a model calls them.

Not a test: it prints the CPU (model, ISA, hardware threads), the limits it
measures itself (the single-core FMA peak, the bandwidth of a state-sized
copy and of a 512 MiB one), then a table (or JSON with --json) of median
time, GFLOP/s, the share of the FMA peak, tokens/s, and the ratio baseline
time / Linea time. `--decode`: T = 1 at B = 1 and 8, microseconds per call
(the Python call included) against copying the state once. FLOP counts (multiply and add counted
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


def dims(B, T, dynamic):
    """The batch and sequence sizes of a case's types: ? where the library
    is compiled for every size."""
    return ("?", "?") if dynamic else (B, T)


class Case:
    """One op at one shape: its inputs (the initial state last), MLIR, FLOP
    count, the baseline's call and the shapes of its output and final
    state. Every op reads a state in and writes the final state out, as a
    layer in a model calls it."""

    def __init__(self, op, T, **shape):
        self.op, self.T, self.shape = op, T, shape
        self.rng = np.random.default_rng(0)

    def arr(self, *s, scale=1.0, shift=0.0):
        return np.ascontiguousarray(self.rng.standard_normal(s) * scale + shift, dtype=np.float32)

    def outputs(self):
        """Fresh zero buffers for the output and the final state."""
        return [np.zeros(self.out_shape, np.float32), np.zeros(self.state_shape, np.float32)]


def gla_case(T, H=32, S=64, B=1, dynamic=False):
    c = Case("gla", T, H=H, S=S, B=B)
    q, k, v = (c.arr(B, T, H, S, scale=0.3) for _ in range(3))
    g = np.ascontiguousarray(-np.exp(c.rng.standard_normal((B, T, H, S)) - 3), dtype=np.float32)
    s0 = c.arr(B, H, S, S, scale=0.1)
    c.inputs = [q, k, v, g, s0]
    Bd, Td = dims(B, T, dynamic)
    X, St = t4(Bd, Td, H, S), t4(Bd, H, S, S)
    c.mlir = ("func.func @gla(%%q: %s, %%k: %s, %%v: %s, %%g: %s, %%s0: %s) -> (%s, %s) {\n"
              "  %%o, %%s = linea.linear_attention %%q, %%k, %%v gate(%%g : %s)"
              " initial_state(%%s0 : %s) final_state {causal, scale = 1.0 : f32,"
              " form = #linea.form<recurrent>} : %s, %s, %s\n  return %%o, %%s : %s, %s\n}\n") % (
        X, X, X, X, St, X, St, X, St, X, X, X, X, St)
    c.flops = 5.0 * B * H * S * S * T
    c.baseline = lambda lib, o, sT: lib.gla_baseline(*ptrs(q, k, v, g, s0, o, sT),
                                                     *i64(B, T, H, S, S), ctypes.c_float(1.0))
    c.out_shape, c.state_shape = (B, T, H, S), (B, H, S, S)
    return c


def wkv6_case(T, H=32, S=64, B=1, dynamic=False):
    c = Case("wkv6", T, H=H, S=S, B=B)
    r, k, v = (c.arr(B, T, H, S, scale=0.3) for _ in range(3))
    w = np.ascontiguousarray(-np.exp(c.rng.standard_normal((B, T, H, S)) - 3), dtype=np.float32)
    u = c.arr(H, S, scale=0.3)
    s0 = c.arr(B, H, S, S, scale=0.1)
    c.inputs = [r, k, v, w, u, s0]
    Bd, Td = dims(B, T, dynamic)
    X, St, U = t4(Bd, Td, H, S), t4(Bd, H, S, S), t4(H, S)
    c.mlir = ("func.func @wkv6(%%r: %s, %%k: %s, %%v: %s, %%w: %s, %%u: %s, %%s0: %s)"
              " -> (%s, %s) {\n"
              "  %%o, %%s = linea.wkv6 %%r, %%k, %%v, %%w, %%u initial_state(%%s0 : %s) final_state"
              " {form = #linea.form<recurrent>} : %s, %s, %s, %s, %s\n"
              "  return %%o, %%s : %s, %s\n}\n") % (
        X, X, X, X, U, St, X, St, St, X, X, X, X, U, X, St)
    c.flops = 5.0 * B * H * S * S * T
    c.baseline = lambda lib, o, sT: lib.wkv6_baseline(*ptrs(r, k, v, w, u, s0, o, sT),
                                                      *i64(B, T, H, S))
    c.out_shape, c.state_shape = (B, T, H, S), (B, H, S, S)
    return c


def wkv7_case(T, H=32, S=64, B=1, dynamic=False):
    c = Case("wkv7", T, H=H, S=S, B=B)
    r, k, v = (c.arr(B, T, H, S, scale=0.3) for _ in range(3))
    w = np.ascontiguousarray(-np.exp(c.rng.standard_normal((B, T, H, S)) - 3), dtype=np.float32)
    kk = c.rng.standard_normal((B, T, H, S))
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    a = np.ascontiguousarray(-kk, dtype=np.float32)
    b = np.ascontiguousarray(kk * c.rng.random((B, T, H, S)), dtype=np.float32)
    s0 = c.arr(B, H, S, S, scale=0.1)
    c.inputs = [r, w, k, v, a, b, s0]
    Bd, Td = dims(B, T, dynamic)
    X, St = t4(Bd, Td, H, S), t4(Bd, H, S, S)
    c.mlir = ("func.func @wkv7(%%r: %s, %%w: %s, %%k: %s, %%v: %s, %%a: %s, %%b: %s, %%s0: %s)"
              " -> (%s, %s) {\n"
              "  %%o, %%s = linea.wkv7 %%r, %%w, %%k, %%v, %%a, %%b initial_state(%%s0 : %s)"
              " final_state {form = #linea.form<recurrent>} : %s, %s, %s, %s, %s, %s\n"
              "  return %%o, %%s : %s, %s\n}\n") % ((X,) * 6 + (St, X, St, St) + (X,) * 6 +
                                                     (X, St))
    c.flops = 9.0 * B * H * S * S * T
    c.baseline = lambda lib, o, sT: lib.wkv7_baseline(*ptrs(r, w, k, v, a, b, s0, o, sT),
                                                      *i64(B, T, H, S))
    c.out_shape, c.state_shape = (B, T, H, S), (B, H, S, S)
    return c


def ssm_case(T, D=1536, N=16, G=1, B=1, dynamic=False):
    c = Case("selective_scan", T, D=D, N=N, B=B)
    u = c.arr(B, D, T)
    delta = c.arr(B, D, T, scale=0.5)
    A = np.ascontiguousarray(-np.exp(c.rng.standard_normal((D, N))), dtype=np.float32)
    Bm, Cm = c.arr(B, G, N, T), c.arr(B, G, N, T)
    Dskip, z, bias = c.arr(D), c.arr(B, D, T), c.arr(D, scale=0.5, shift=-2)
    s0 = c.arr(B, D, N, scale=0.1)
    c.inputs = [u, delta, A, Bm, Cm, Dskip, z, bias, s0]
    Bd, Td = dims(B, T, dynamic)
    U, BT, St = t4(Bd, D, Td), t4(Bd, G, N, Td), t4(Bd, D, N)
    c.mlir = ("func.func @selective_scan(%%u: %s, %%dt: %s, %%A: tensor<%dx%dxf32>, %%B: %s,"
              " %%C: %s, %%D: tensor<%dxf32>, %%z: %s, %%db: tensor<%dxf32>, %%s0: %s)"
              " -> (%s, %s) {\n"
              "  %%y, %%s = linea.selective_scan %%u, %%dt, %%A, %%B, %%C D_skip(%%D : tensor<%dxf32>)"
              " z(%%z : %s) delta_bias(%%db : tensor<%dxf32>) initial_state(%%s0 : %s) final_state"
              " {delta_softplus, form = #linea.form<recurrent>}"
              " : %s, %s, tensor<%dx%dxf32>, %s, %s\n  return %%y, %%s : %s, %s\n}\n") % (
        U, U, D, N, BT, BT, D, U, D, St, U, St, D, U, D, St, U, U, D, N, BT, BT, U, St)
    c.flops = 7.0 * B * D * N * T
    c.baseline = lambda lib, o, sT: lib.selective_scan_baseline(
        *ptrs(u, delta, A, Bm, Cm, Dskip, z, bias, s0, o, sT), *i64(B, D, T, G, N))
    c.out_shape, c.state_shape = (B, D, T), (B, D, N)
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


def machine():
    """(CPU model, ISA family, hardware threads), from /proc/cpuinfo."""
    model, flags = "unknown", ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    return model, isa, os.cpu_count()


def copy_seconds(lib, floats, repeat):
    """Seconds to copy `floats` f32 (baseline.cpp's copy_floats: each byte
    read once and written once), median of `repeat`."""
    src = np.ones(floats, np.float32)
    dst = np.zeros(floats, np.float32)
    return timed(lambda: lib.copy_floats(*ptrs(src, dst), *i64(floats)), repeat)


def copy_bandwidths(lib, state_floats, repeat):
    """GB/s (read + write) of a state-sized copy (cache) and of a 512 MiB one
    (DRAM), at the current thread count."""
    big = 128 << 20
    return (8 * state_floats / copy_seconds(lib, state_floats, repeat) / 1e9,
            8 * big / copy_seconds(lib, big, max(3, repeat // 2)) / 1e9)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--tokens", default="512,2048")
    parser.add_argument("--ops", default="gla,wkv6,wkv7,selective_scan")
    parser.add_argument("--decode", action="store_true",
                        help="T = 1 at B = 1 and 8: us per call against copying the state")
    args = parser.parse_args()

    baseline = build_baseline()
    omp = openmp()
    model, isa, cores = machine()
    peak = measure_peak(baseline)
    configs = ([(1, B) for B in (1, 8)] if args.decode else
               [(T, 1) for T in map(int, args.tokens.split(","))])
    rows, limits = [], {}
    for op in args.ops.split(","):
        for T, B in configs:
            case = CASES[op](T, B=B)
            kernel = linea.compile_text(case.mlir, opt_level=3, quiet=True)[case.op]
            ref = case.outputs()
            state_floats = int(np.prod(case.state_shape))
            for threads in map(int, args.threads.split(",")):
                omp.omp_set_num_threads(threads)
                # Both write into buffers allocated once, as a framework would.
                outs = case.outputs()
                t_linea = timed(lambda: kernel(*case.inputs, out=outs), args.repeat)
                t_base = timed(lambda: case.baseline(baseline, *ref), args.repeat)
                t_copy = copy_seconds(baseline, state_floats, args.repeat)
                key = (state_floats, threads)
                if key not in limits:
                    limits[key] = copy_bandwidths(baseline, state_floats, args.repeat)
                rows.append({
                    "op": op, "T": T, "B": B, "shape": case.shape, "threads": threads,
                    "ms": 1e3 * t_linea, "gflops": case.flops / t_linea / 1e9,
                    "peak_pct": 100.0 * case.flops / t_linea / 1e9 / (peak * threads),
                    "tokens_per_s": B * T / t_linea, "baseline_ms": 1e3 * t_base,
                    "speedup_vs_baseline": t_base / t_linea,
                    "state_copy_ms": 1e3 * t_copy, "over_state_copy": t_linea / t_copy,
                    "state_copy_gbs": limits[key][0], "dram_copy_gbs": limits[key][1],
                    "rel_rms_vs_baseline": max(float(rel_rms(o, r)) for o, r in zip(outs, ref)),
                })
    info = {"cpu": model, "isa": isa, "hardware_threads": cores,
            "fma_peak_gflops_per_core": peak}
    if args.json:
        print(json.dumps(dict(info, rows=rows), indent=1))
        return
    print("CPU: %s (%s, %d hardware threads); single-core FP32 FMA peak (measured): %.1f "
          "GFLOP/s" % (model, isa, cores, peak))
    for (floats, threads), (cache, dram) in sorted(limits.items()):
        print("copy bandwidth, %d thread(s): state-sized (%d KiB) %.1f GB/s, 512 MiB %.1f GB/s "
              "(read + write)" % (threads, 4 * floats // 1024, cache, dram))
    if args.decode:
        print("%-15s %3s %-14s %3s %9s %11s %8s %11s %8s %9s" % (
            "op", "B", "shape", "thr", "us/call", "state copy", "x copy", "baseline us",
            "speedup", "rel_rms"))
        for r in rows:
            shape = ",".join("%s=%d" % kv for kv in r["shape"].items() if kv[0] != "B")
            print("%-15s %3d %-14s %3d %9.1f %11.1f %8.2f %11.1f %7.2fx %9.1e" % (
                r["op"], r["B"], shape, r["threads"], 1e3 * r["ms"], 1e3 * r["state_copy_ms"],
                r["over_state_copy"], 1e3 * r["baseline_ms"], r["speedup_vs_baseline"],
                r["rel_rms_vs_baseline"]))
        return
    print("%-15s %5s %-14s %3s %9s %8s %6s %11s %11s %8s %9s" % (
        "op", "T", "shape", "thr", "ms", "GFLOP/s", "%peak", "tokens/s", "baseline ms",
        "speedup", "rel_rms"))
    for r in rows:
        shape = ",".join("%s=%d" % kv for kv in r["shape"].items() if kv[0] != "B")
        print("%-15s %5d %-14s %3d %9.2f %8.2f %6.1f %11.0f %11.2f %7.2fx %9.1e" % (
            r["op"], r["T"], shape, r["threads"], r["ms"], r["gflops"], r["peak_pct"],
            r["tokens_per_s"], r["baseline_ms"], r["speedup_vs_baseline"],
            r["rel_rms_vs_baseline"]))


if __name__ == "__main__":
    main()
