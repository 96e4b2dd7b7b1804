# RUN: %python %s
# linea.causal_conv1d against a float64 reference (reference.causal_conv1d,
# written from the convolution's sum): every element type, weights in f32
# and in the inputs' type, kernel widths 1, 2 and 4, channel counts that give
# 16, 8 and 1 lanes per thread, T = 1 and T < W - 1 (the final state keeps
# part of the initial state), the SiLU, states in and out, T = 0, and a
# sequence fed in pieces (and token by token) equal to one call.

import numpy as np

import linea
from linea import dtypes, reference
from linea.testing import TOLERANCE, Checker, Operand, op_function

rng = np.random.default_rng(18)
checker = Checker()
functions, expectations = [], []


def case(name, B=2, T=9, C=48, W=4, dtype="f32", weight_dtype="f32", bias=True, init=True,
         state=True, silu=True):
    ops = [Operand("x", rng.standard_normal((B, T, C)), dtype),
           Operand("w", rng.standard_normal((C, W)) * 0.5, weight_dtype)]
    if bias:
        ops.append(Operand("b", rng.standard_normal(C) * 0.1, weight_dtype, "bias"))
    if init:
        ops.append(Operand("s0", rng.standard_normal((B, C, W - 1)), "f32", "initial_state"))
    v = {o.name: o.value for o in ops}
    y, s = reference.causal_conv1d(v["x"], v["w"], v.get("b"), v.get("s0"),
                                   "silu" if silu else None)
    results = [((B, T, C), dtype)] + ([((B, C, W - 1), "f32")] if state else [])
    fn = "f%d" % len(functions)
    functions.append(op_function(fn, "linea.causal_conv1d", ops,
                                 "activation = #linea.activation<silu>" if silu else "", results))
    expectations.append((name, fn, ops, dtype, y, s if state else None))


for dtype in ("f32", "bf16", "f16"):
    case(dtype + ", f32 weights", dtype=dtype)
    case(dtype + ", weights in " + dtype, dtype=dtype, weight_dtype=dtype)
case("C = 40 (8 lanes), no activation", C=40, silu=False)
case("C = 7 (1 lane), W = 2", C=7, W=2)
case("W = 1, no bias", W=1, bias=False)
case("T = 1", T=1)
case("T = 2 < W - 1 = 3", T=2, C=16)
case("T = 0", T=0)
case("no initial state, no final state", init=False, state=False)
case("Nemotron-H-like channels (C = 1280 = 80 x 16)", B=1, T=5, C=1280)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, want, want_s in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_y, got_s = got if want_s is not None else (got, None)
    got_y = dtypes.decode(got_y, dtype)
    for part, got_p, want_p, tol in (("output", got_y, want, TOLERANCE[dtype]),
                                     ("state", got_s, want_s, TOLERANCE["f32"])):
        if want_p is None:
            continue
        if want_p.size == 0:
            checker.check_true("%s (%s: shape %s)" % (name, part, want_p.shape),
                               np.shape(got_p) == want_p.shape)
        else:
            checker.check("%s (%s)" % (name, part), got_p, want_p, tol)

# A sequence in pieces of 4 + 1 + 1 + 3 tokens, the state passed on, is one
# call.
B, T, C, W = 2, 9, 24, 4
x = rng.standard_normal((B, T, C)).astype(np.float32)
w = rng.standard_normal((C, W)).astype(np.float32)
bias = rng.standard_normal(C).astype(np.float32)


def conv(t):
    f = linea.Function("conv_%d" % t)
    y, s = f.causal_conv1d(f.arg("x", (B, t, C)), f.arg("w", (C, W)), f.arg("b", (C,)),
                           initial_state=f.arg("s0", (B, C, W - 1)), activation="silu",
                           return_state=True)
    f.ret(y, s)
    return linea.compile(f)


state = np.zeros((B, C, W - 1), np.float32)
outs, t0 = [], 0
for n in (4, 1, 1, 3):
    y, state = conv(n)(np.ascontiguousarray(x[:, t0:t0 + n]), w, bias, state)
    outs.append(y)
    t0 += n
whole_y, whole_s = conv(T)(x, w, bias, np.zeros((B, C, W - 1), np.float32))
want_y, want_s = reference.causal_conv1d(x, w, bias, None, "silu")
checker.check("pieces == one call (output)", np.concatenate(outs, axis=1), whole_y, 1e-6)
checker.check("pieces == one call (state)", state, whole_s, 0.0)
checker.check("builder op against the reference", whole_y, want_y, TOLERANCE["f32"])
checker.check("builder op's state against the reference", whole_s, want_s, 0.0)
checker.finish()
