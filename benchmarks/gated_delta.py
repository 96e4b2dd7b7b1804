#!/usr/bin/env python3
"""linea.gated_delta at Qwen3-Next's shape (B = 1, H = 16, HV = 32,
K = V = 128, one gate per head, in-kernel L2 norm), each form (and auto's
pick) against linea.wkv7 computing the same recurrence (r = scale q^, w = g, k = beta k^,
a = exp(g) k^, b = -beta k^, heads repeated to HV) and against the plain C++
loop of baseline.cpp (clang++ -O3 -march=native, OpenMP over the same
slices), measured in the same run.

    /usr/bin/python3 benchmarks/gated_delta.py [--tokens 512,2048] [--threads 1,2]

Prints ms (median of --repeat interleaved rounds), GFLOP/s by the FLOP model
7 HV K V per token (decay, k^T S, the rank-one update, q^T S), the share of
the FMA peak measured in the same run, and the largest relative RMS
difference between Linea and the other two. Not a test.
"""

import argparse
import ctypes
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import run  # noqa: E402
import linea  # noqa: E402
from linea.testing import rel_rms  # noqa: E402

B, H, HV, K, V = 1, 16, 32, 128, 128


def t(*shape):
    return "tensor<%sxf32>" % "x".join(map(str, shape))


def form_attr(form):
    """The form's attributes: chunks of 16 (what auto picks for the delta
    rule's WY chunks), or none at all for auto."""
    if form == "auto":
        return ""
    return "form = #linea.form<%s>%s" % (form, ", chunk_size = 16 : i64" if form == "chunked"
                                        else "")


def gated_delta_module(T, form):
    q, v, b = t(B, T, H, K), t(B, T, HV, V), t(B, T, HV)
    return ("func.func @gd(%%q: %s, %%k: %s, %%v: %s, %%beta: %s, %%g: %s) -> %s {\n"
            "  %%o = linea.gated_delta %%q, %%k, %%v, %%beta gate(%%g : %s) {use_qk_l2norm%s}"
            " : %s, %s, %s, %s\n  return %%o : %s\n}\n") % (
        q, q, v, b, b, v, b, (", " + form_attr(form)) if form != "auto" else "", q, q, v, b,
        v)


def wkv7_module(T, form):
    x = t(B, T, HV, K)
    return ("func.func @w7(%%r: %s, %%w: %s, %%k: %s, %%v: %s, %%a: %s, %%b: %s) -> %s {\n"
            "  %%o = linea.wkv7 %%r, %%w, %%k, %%v, %%a, %%b {%s} : %s, %s, %s, %s, %s, %s\n"
            "  return %%o : %s\n}\n") % ((x,) * 7 + (form_attr(form),) + (x,) * 7)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", default="512,2048")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    omp = run.openmp()
    baseline = run.build_baseline()
    peak = run.measure_peak(baseline)
    print("FMA peak %.1f GFLOP/s per core" % peak)
    print("%-6s %-10s %3s %10s %8s %6s %10s %8s %9s %10s %8s" % (
        "T", "form", "thr", "gd ms", "GFLOP/s", "%peak", "wkv7 ms", "wkv7/gd", "rel diff",
        "C++ ms", "C++/gd"))
    rng = np.random.default_rng(0)
    for T in map(int, args.tokens.split(",")):
        f32 = lambda x: np.ascontiguousarray(x, np.float32)  # noqa: E731
        q, k = f32(rng.standard_normal((B, T, H, K))), f32(rng.standard_normal((B, T, H, K)))
        v = f32(rng.standard_normal((B, T, HV, V)))
        beta = f32(rng.random((B, T, HV)))
        g = f32(-rng.random((B, T, HV)) * 0.1)
        # The same recurrence through wkv7 (float64 prologue here).
        qh = q / np.sqrt((q.astype(np.float64) ** 2).sum(-1, keepdims=True) + 1e-6)
        kh = k / np.sqrt((k.astype(np.float64) ** 2).sum(-1, keepdims=True) + 1e-6)
        qh, kh = np.repeat(qh, HV // H, axis=2), np.repeat(kh, HV // H, axis=2)
        gk = np.broadcast_to(g[..., None], (B, T, HV, K))
        bk = beta[..., None]
        w7_in = [f32(K ** -0.5 * qh), f32(gk), f32(bk * kh), v, f32(np.exp(gk) * kh),
                 f32(-bk * kh)]
        flops = 7.0 * HV * K * V * T
        for form in ("recurrent", "chunked", "auto"):
            gd = linea.compile_text(gated_delta_module(T, form), opt_level=3)["gd"]
            w7 = linea.compile_text(wkv7_module(T, form), opt_level=3)["w7"]
            for threads in map(int, args.threads.split(",")):
                omp.omp_set_num_threads(threads)
                out_gd = np.zeros((B, T, HV, V), np.float32)
                out_w7 = np.zeros((B, T, HV, V), np.float32)
                out_cpp = np.zeros((B, T, HV, V), np.float32)
                cpp = lambda: baseline.gated_delta_baseline(  # noqa: E731
                    *run.ptrs(q, k, v, beta, g, out_cpp), *run.i64(B, T, H, HV, K, V),
                    ctypes.c_float(K ** -0.5))
                calls = {"gd": lambda: gd(q, k, v, beta, g, out=[out_gd]),
                         "w7": lambda: w7(*w7_in, out=[out_w7]), "cpp": cpp}
                ms = run.interleaved(calls, args.repeat)
                ms_gd, ms_w7 = ms["gd"], ms["w7"]
                ms_cpp = ms["cpp"]
                print("%-6d %-10s %3d %10.2f %8.1f %6.1f %10.2f %8.2f %9.2g %10.2f %8.2f" % (
                    T, form, threads, ms_gd, flops / ms_gd / 1e6,
                    100 * flops / ms_gd / 1e6 / (peak * threads), ms_w7, ms_w7 / ms_gd,
                    max(rel_rms(out_gd, out_w7), rel_rms(out_gd, out_cpp)), ms_cpp,
                    ms_cpp / ms_gd))


if __name__ == "__main__":
    main()
