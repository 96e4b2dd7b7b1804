#!/usr/bin/env python3
"""Bound weights: held as buffers by the callable (what linea.compile(f,
params=...) does) against compiled into the library as constants (the same
layer with every weight an f.const), for a Gated DeltaNet layer (Qwen3-Next's
grouping at d_model 1024: 4 query/key heads, 8 value heads of 128) and a
Mamba-2 block (d_model 768, 24 heads of 64). For each: the compile time (a
fresh cache, median of rounds), the library's size, and the call time at T =
1 (decode) and T = 256 (median of interleaved rounds, both variants in the
same run). Not a test.

    LINEA_BUILD_DIR=build /usr/bin/python3 benchmarks/bound_weights.py [--repeat 7]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import run  # noqa: E402
import linea  # noqa: E402
from linea.builder import Function  # noqa: E402


def layers(rng):
    gdn = linea.GatedDeltaNet(linea.GatedDeltaNet.random_weights(
        rng, d_model=1024, n_heads=4, n_value_heads=8, head_k=128, head_v=128),
        n_heads=4, n_value_heads=8)
    m2 = linea.Mamba2Block(linea.Mamba2Block.random_weights(
        rng, d_model=768, d_inner=1536, head_dim=64, n_groups=1, d_state=128),
        head_dim=64, n_groups=1)
    return [("Gated DeltaNet d1024", gdn), ("Mamba-2 d768", m2)]


def variant(layer, B, T, embed):
    """The layer's function with its weights as arguments or as constants."""
    fn = Function("layer")
    x = fn.arg("x", (B, T, layer.d_model))
    if embed:
        params = {n: fn.const(layer.weights[n]) for n in layer.WEIGHTS}
    else:
        params = {n: fn.arg(n, layer.weights[n].shape) for n in layer.WEIGHTS}
    state = {n: fn.arg(n, s) for n, s in layer.state_shapes(B).items()}
    fn.ret(*layer.build(fn, x, params, state))
    return fn


def compiled(fn, layer, embed):
    """(seconds to compile into a fresh cache, library bytes, callable)."""
    cache = tempfile.mkdtemp(prefix="linea-bound-")
    os.environ["LINEA_CACHE_DIR"] = cache
    try:
        start = time.perf_counter()
        run_ = linea.compile(fn, params=None if embed else layer.weights)
        seconds = time.perf_counter() - start
        size = sum(os.path.getsize(os.path.join(cache, f)) for f in os.listdir(cache)
                   if f.endswith(".so"))
    finally:
        shutil.rmtree(cache)
    return seconds, size, run_


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--compiles", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| layer | weights MiB | T | variant | compile s | library MiB | call ms |")
    print("|---|---|---|---|---|---|---|")
    for name, layer in layers(rng):
        mib = sum(w.nbytes for w in layer.weights.values()) / 2 ** 20
        for T in (1, 256):
            B = 1
            fns = {v: variant(layer, B, T, v == "constants") for v in ("buffers", "constants")}
            times = {v: [] for v in fns}
            sizes, calls = {}, {}
            for _ in range(args.compiles):
                for v, fn in fns.items():
                    s, size, c = compiled(fn, layer, v == "constants")
                    times[v].append(s)
                    sizes[v], calls[v] = size, c
            x = rng.standard_normal((B, T, layer.d_model)).astype(np.float32)
            st = [np.zeros(s, np.float32) for s in layer.state_shapes(B).values()]
            outs = {v: c(x, *st) for v, c in calls.items()}
            diff = max(float(np.max(np.abs(a - b))) for a, b in zip(outs["buffers"],
                                                                     outs["constants"]))
            ms = run.interleaved({v: (lambda c=c: c(x, *st)) for v, c in calls.items()},
                                 args.repeat)
            for v in fns:
                print("| %s | %.1f | %d | %s | %.2f | %.2f | %.3f |" % (
                    name, mib, T, v, float(np.median(times[v])), sizes[v] / 2 ** 20, ms[v]))
            print("<!-- %s T=%d: outputs differ by at most %.2e -->" % (name, T, diff))


if __name__ == "__main__":
    main()
