#!/usr/bin/env python3
"""The main job: compile each example block with linea-compile, run it on
random weights and inputs, and compare it with a float64 numpy model of the
same block. Prints a checksum, the error against the reference and the time
per token."""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import linea  # noqa: E402
from linea import reference  # noqa: E402
from linea.testing import rel_rms  # noqa: E402


def silu(x):
    return x / (1.0 + np.exp(-x))


def mamba_inputs(rng):
    s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
    return [rng.standard_normal((256, 64)), s(64, 256), rng.standard_normal((128, 4)) * 0.5,
            rng.standard_normal(128) * 0.1, s(128, 36), s(4, 128), rng.standard_normal(128) * 0.5 - 2.0,
            np.log(np.tile(np.arange(1, 17, dtype=np.float64), (128, 1))),
            rng.standard_normal(128), s(128, 64)]


def mamba_reference(x, w_in, conv_w, conv_b, w_x, w_dt, dt_bias, a_log, d_skip, w_out):
    xz = x @ w_in
    xin, z = xz[:, :128], xz[:, 128:]
    pad = np.concatenate([np.zeros((3, 128)), xin])
    conv = conv_b + sum(pad[j:j + 256] * conv_w[:, j] for j in range(4))
    xc = silu(conv)
    dbl = xc @ w_x
    dt = dbl[:, :4] @ w_dt
    bm, cm = dbl[:, 4:20], dbl[:, 20:36]
    y, _ = reference.selective_scan(xc.T[None], dt.T[None], -np.exp(a_log), bm.T[None, None],
                                    cm.T[None, None], D_skip=d_skip, z=z.T[None],
                                    delta_bias=dt_bias, delta_softplus=True)
    return y[0].T @ w_out


def rwkv_inputs(rng):
    s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
    mu = lambda: rng.random(128)
    return [rng.standard_normal((256, 128)), mu(), mu(), mu(), mu(), mu(),
            s(128, 128), s(128, 128), s(128, 128), s(128, 128),
            rng.standard_normal(128) * 0.5 - 1.0, s(128, 32) * 0.1, s(32, 128) * 0.1,
            rng.standard_normal((2, 64)) * 0.5, 1.0 + 0.1 * rng.standard_normal(128),
            0.1 * rng.standard_normal(128), s(128, 128)]


def rwkv_reference(x, mu_r, mu_k, mu_v, mu_w, mu_g, w_r, w_k, w_v, w_g, w0, w_a, w_b, u,
                   gn_w, gn_b, w_o):
    x_prev = np.concatenate([np.zeros((1, 128)), x[:-1]])
    xx = x_prev - x
    r, k, v, g = ((x + xx * mu) @ w for mu, w in ((mu_r, w_r), (mu_k, w_k), (mu_v, w_v), (mu_g, w_g)))
    logw = -np.exp(w0 + np.tanh((x + xx * mu_w) @ w_a) @ w_b)
    heads = lambda a: a.reshape(1, 256, 2, 64)
    o, _ = reference.wkv6(heads(r), heads(k), heads(v), heads(logw), u)
    o = o.reshape(256, 2, 64)
    mean = o.mean(axis=-1, keepdims=True)
    var = o.var(axis=-1, keepdims=True)
    gn = ((o - mean) / np.sqrt(var + 64e-5)).reshape(256, 128) * gn_w + gn_b
    return (gn * silu(g)) @ w_o


def layer_inputs(rng):
    s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
    return [rng.standard_normal((256, 128)), s(128, 128), s(128, 128), s(128, 128), s(128, 128),
            1.0 + 0.1 * rng.standard_normal(128), s(128, 512), s(512, 128)]


def layer_reference(x, w_q, w_k, w_v, w_o, gamma, w_1, w_2):
    heads = lambda a: a.reshape(1, 256, 4, 32)
    a, _ = reference.linear_attention(heads(x @ w_q), heads(x @ w_k), heads(x @ w_v),
                                      causal=True, normalize=True, feature_map="elu_plus_one")
    h = x + a.reshape(256, 128) @ w_o
    n = h / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + 1e-6) * gamma
    return h + np.maximum(n @ w_1, 0.0) @ w_2


EXAMPLES = [
    ("mamba_block", mamba_inputs, mamba_reference),
    ("rwkv6_time_mix", rwkv_inputs, rwkv_reference),
    ("linear_attention_layer", layer_inputs, layer_reference),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    failures = 0
    print("%-24s %14s %12s %14s" % ("block", "checksum", "rel_rms", "us/token"))
    for name, make_inputs, model in EXAMPLES:
        rng = np.random.default_rng(args.seed)
        inputs = make_inputs(rng)
        with open(os.path.join(HERE, name + ".mlir")) as f:
            lib = linea.compile_text(f.read(), opt_level=3)
        fn = lib[name]
        arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in inputs]
        out = fn(*arrays)  # warm-up
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = fn(*arrays)
            times.append(time.perf_counter() - start)
        want = model(*[a.astype(np.float64) for a in arrays])
        err = rel_rms(out, want)
        tokens = out.shape[0]
        ok = err <= 1e-4
        failures += not ok
        print("%-24s %14.6e %12.3g %14.2f %s" % (name, float(np.sum(out, dtype=np.float64)), err,
                                                 1e6 * np.median(times) / tokens,
                                                 "ok" if ok else "MISMATCH"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
