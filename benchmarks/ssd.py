#!/usr/bin/env python3
"""linea.ssd (Mamba-2) at a Nemotron-H-like shape (B = 1, H = 128, P = 64,
N = 128, G = 8) and a Granite-4-like shape (H = 128, P = 64, N = 256,
G = 1), with dt_bias and softplus, the D skip, the z gate and the state in
and out, against, in the same run:

* today's spelling of the same layer before linea.ssd: elementwise linalg
  for dt = softplus(dt + dt_bias), v = dt x and the gate dt A, grouped
  linea.linear_attention (q = C, k = B, scale 1), then (y + D x) silu(z),
  compiled as one function in the same form;
* the plain C++ loop of baseline.cpp (clang++ -O3 -march=native, OpenMP over
  the same heads);
* for decode (T = 1), the floor: reading the state and writing it once
  (baseline.cpp's copy_floats over B H N P floats), and the cost of a
  Python call of the same function at H = P = N = G = 1 (the runtime's
  argument handling, which the floor, one ctypes call, does not pay); the
  last column is (ssd - call) / floor.

    LINEA_BUILD_DIR=build /usr/bin/python3 benchmarks/ssd.py [--tokens 1,512,2048]
        [--threads 1,2] [--shapes nemotron,granite]

Prints ms (median of --repeat interleaved rounds), GFLOP/s by the FLOP model
5 H N P per token (the decay, the update and the read-out of the N x P
state), the share of the FMA peak measured in the same run, the ratios, and
the largest relative RMS difference between linea.ssd and the other two.
Not a test.
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
from linea.builder import Function  # noqa: E402
from linea.testing import rel_rms  # noqa: E402

SHAPES = {"nemotron": dict(H=128, P=64, N=128, G=8), "granite": dict(H=128, P=64, N=256, G=1)}
B = 1


def arguments(f, T, H, P, G, N):
    return (f.arg("x", (B, T, H, P)), f.arg("dt", (B, T, H)), f.arg("A", (H,)),
            f.arg("bm", (B, T, G, N)), f.arg("cm", (B, T, G, N)), f.arg("d", (H,)),
            f.arg("z", (B, T, H, P)), f.arg("dtb", (H,)), f.arg("s0", (B, H, N, P)))


def fused(T, form, H, P, G, N):
    f = Function("ssd")
    x, dt, A, bm, cm, d, z, dtb, s0 = arguments(f, T, H, P, G, N)
    f.ret(*f.ssd(x, dt, A, bm, cm, D=d, z=z, dt_bias=dtb, dt_softplus=True, initial_state=s0,
                 form=form, return_state=True))
    return linea.compile(f, opt_level=3)


def spelled(T, form, H, P, G, N):
    """The layer as grouped linear attention and elementwise generics."""
    f = Function("la")
    x, dt, A, bm, cm, d, z, dtb, s0 = arguments(f, T, H, P, G, N)
    dtp = f.softplus(f.add(dt, dtb))
    v = f.mul(x, f.reshape(dtp, (B, T, H, 1)))
    y, s = f.linear_attention(cm, bm, v, gate=f.mul(dtp, A), initial_state=s0, scale=1.0,
                              form=form,
                              return_state=True)
    y = f.mul(f.add(y, f.mul(f.reshape(d, (H, 1)), x)), f.silu(z))
    f.ret(y, s)
    return linea.compile(f, opt_level=3)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", default="1,512,2048")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--shapes", default="nemotron,granite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    omp = run.openmp()
    baseline = run.build_baseline()
    peak = run.measure_peak(baseline)
    print("FMA peak %.1f GFLOP/s per core" % peak)
    print("%-9s %5s %-10s %3s %9s %8s %6s %9s %7s %9s %7s %9s %9s %8s %10s" % (
        "shape", "T", "form", "thr", "ssd ms", "GFLOP/s", "%peak", "LA ms", "LA/ssd",
        "C++ ms", "C++/ssd", "rel diff", "floor ms", "call ms", "ssd/floor"))
    rng = np.random.default_rng(0)
    f32 = lambda a: np.ascontiguousarray(a, np.float32)  # noqa: E731
    for shape in args.shapes.split(","):
        H, P, N, G = (SHAPES[shape][k] for k in "HPNG")
        for T in map(int, args.tokens.split(",")):
            ins = [f32(rng.standard_normal((B, T, H, P))),
                   f32(rng.standard_normal((B, T, H)) - 1.0),
                   f32(-np.exp(rng.standard_normal(H) * 0.5)),
                   f32(rng.standard_normal((B, T, G, N)) / np.sqrt(N)),
                   f32(rng.standard_normal((B, T, G, N)) / np.sqrt(N)),
                   f32(rng.standard_normal(H)), f32(rng.standard_normal((B, T, H, P))),
                   f32(rng.standard_normal(H) * 0.5)]
            s0 = f32(rng.standard_normal((B, H, N, P)) * 0.1)
            flops = 5.0 * H * N * P * T
            tiny = fused(T, "recurrent", 1, 1, 1, 1)
            tiny_ins = [np.zeros(a.shape[:2] + (1,) * (a.ndim - 2), np.float32) if a.ndim > 1
                        else np.zeros(1, np.float32) for a in ins] + \
                [np.zeros((B, 1, 1, 1), np.float32)]
            for form in ("recurrent",) if T == 1 else ("recurrent", "chunked"):
                ssd, la = fused(T, form, H, P, G, N), spelled(T, form, H, P, G, N)
                for threads in map(int, args.threads.split(",")):
                    omp.omp_set_num_threads(threads)
                    outs = {n: [np.zeros((B, T, H, P), np.float32),
                                np.zeros((B, H, N, P), np.float32)] for n in ("ssd", "la")}
                    y_cpp, s_cpp = np.zeros((B, T, H, P), np.float32), s0.copy()
                    copy_to = np.zeros_like(s0)

                    def cpp():
                        np.copyto(s_cpp, s0)
                        baseline.ssd_baseline(*run.ptrs(*ins[:7]), *run.ptrs(ins[7], s_cpp, y_cpp),
                                              *run.i64(B, T, H, P, G, N))
                    calls = {"ssd": lambda: ssd(*ins, s0, out=outs["ssd"]),
                             "la": lambda: la(*ins, s0, out=outs["la"]), "cpp": cpp,
                             "copy": lambda: baseline.copy_floats(
                                 *run.ptrs(s0, copy_to), *run.i64(s0.size)),
                             "call": lambda: tiny(*tiny_ins)}
                    ms = run.interleaved(calls, args.repeat)
                    diff = max(rel_rms(outs["ssd"][0], outs["la"][0]),
                               rel_rms(outs["ssd"][0], y_cpp),
                               rel_rms(outs["ssd"][1], s_cpp))
                    floor = "%9.3f %8.3f %10.2f" % (
                        ms["copy"], ms["call"], (ms["ssd"] - ms["call"]) / ms["copy"]) \
                        if T == 1 else ""
                    print("%-9s %5d %-10s %3d %9.3f %8.1f %6.1f %9.3f %7.2f %9.3f %7.2f %9.2g "
                          "%s" % (
                              shape, T, form, threads, ms["ssd"], flops / ms["ssd"] / 1e6,
                              100 * flops / ms["ssd"] / 1e6 / (peak * threads), ms["la"],
                              ms["la"] / ms["ssd"], ms["cpp"], ms["cpp"] / ms["ssd"], diff,
                              floor))
                    sys.stdout.flush()


if __name__ == "__main__":
    main()
