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


def layer_example(cls):
    """Inputs and float64 model of an example written as the ready layer
    `cls` (same weights, same order), at B = 1, T = 256."""
    def inputs(rng):
        weights = cls.random_weights(rng)
        x = rng.standard_normal((256, cls(weights).d_model))
        return [x] + [weights[n] for n in cls.WEIGHTS]

    def model(x, *weights):
        layer = cls(dict(zip(cls.WEIGHTS, weights)))
        return layer.reference(x[None])[0][0]
    return inputs, model


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


def ssd_inputs(rng):
    return [rng.standard_normal((1, 256, 8, 32)), rng.standard_normal((1, 256, 8)) * 0.5,
            np.log(rng.uniform(1, 16, 8)), rng.standard_normal((1, 256, 2, 16)) * 0.5,
            rng.standard_normal((1, 256, 2, 16)) * 0.5, rng.standard_normal(8) * 0.5 - 1.0,
            rng.standard_normal(8), rng.standard_normal((1, 256, 8, 32))]


def ssd_reference(x, dt_raw, a_log, b, c, dt_bias, d, z):
    return reference.ssd(x, dt_raw, -np.exp(a_log), b, c, D=d, z=z, dt_bias=dt_bias,
                         dt_softplus=True)


EXAMPLES = [
    ("mamba_block",) + layer_example(linea.MambaBlock),
    ("rwkv6_time_mix",) + layer_example(linea.RWKV6TimeMix),
    ("linear_attention_layer", layer_inputs, layer_reference),
    ("mamba2_ssd", ssd_inputs, ssd_reference),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-blas", action="store_true",
                        help="every matmul as generated code (linea-compile --no-blas)")
    args = parser.parse_args()
    failures = 0
    print("%-24s %14s %12s %14s" % ("block", "checksum", "rel_rms", "us/token"))
    for name, make_inputs, model in EXAMPLES:
        rng = np.random.default_rng(args.seed)
        inputs = make_inputs(rng)
        with open(os.path.join(HERE, name + ".mlir")) as f:
            lib = linea.compile_text(f.read(), opt_level=3,
                                     extra_args=["--no-blas"] if args.no_blas else [])
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
        tokens = out.shape[-3] if out.ndim == 4 else out.shape[0]
        ok = err <= 1e-4
        failures += not ok
        print("%-24s %14.6e %12.3g %14.2f %s" % (name, float(np.sum(out, dtype=np.float64)), err,
                                                 1e6 * np.median(times) / tokens,
                                                 "ok" if ok else "MISMATCH"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
