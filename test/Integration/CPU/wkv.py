# RUN: %python %s
# wkv4, wkv6 and wkv7, every dtype and optional operand, against float64
# references written from DESIGN.md's equations.

import numpy as np

import linea
from linea import reference
from linea.testing import TOLERANCE, Checker, Operand, op_function

rng = np.random.default_rng(7)
checker = Checker()
functions, expectations = [], []


def add(name, op, ops, attrs, results, want, dtype):
    fn = "f%d" % len(functions)
    functions.append(op_function(fn, op, ops, attrs, results))
    expectations.append((name, fn, ops, dtype, want))


def wkv4_case(name, B=2, T=9, C=12, dtype="f32", init=False, state=False, kmax=1.0,
              direct=False, chunk=None):
    w = rng.standard_normal(C) - 1.0
    u = rng.standard_normal(C)
    k = kmax * (2 * rng.random((B, T, C)) - 1)
    v = rng.standard_normal((B, T, C))
    ops = [Operand("w", w, "f32"), Operand("u", u, "f32"), Operand("k", k, dtype),
           Operand("v", v, dtype)]
    s0 = None
    if init:
        s0 = np.stack([rng.standard_normal((B, C)), rng.random((B, C)) + 0.5,
                       rng.standard_normal((B, C))], axis=1)
        ops.append(Operand("s0", s0, "f32", "initial_state"))
    y, s = reference.wkv4(*[o.value for o in ops[:4]],
                          initial_state=ops[4].value if init else None)
    if direct:
        y = reference.wkv4_direct(*[o.value for o in ops[:4]])
    results = [((B, T, C), dtype)] + ([((B, 3, C), "f32")] if state else [])
    form = ("form = #linea.form<scan>, chunk_size = %d : i64" % chunk if chunk
            else "form = #linea.form<recurrent>")
    add(name, "linea.wkv4", ops, form, results, (y, s if state else None), dtype)


def wkv6_case(name, B=2, T=7, H=2, S=8, dtype="f32", init=False, state=False, scale=None,
              chunk=None):
    r, k, v = rng.standard_normal((3, B, T, H, S))
    w = -np.exp(rng.standard_normal((B, T, H, S)) - 1.0)
    u = rng.standard_normal((H, S))
    ops = [Operand("r", r, dtype), Operand("k", k, dtype), Operand("v", v, dtype),
           Operand("w", w, dtype), Operand("u", u, "f32")]
    if init:
        ops.append(Operand("s0", rng.standard_normal((B, H, S, S)), "f32", "initial_state"))
    o, s = reference.wkv6(*[o.value for o in ops[:5]],
                          initial_state=ops[5].value if init else None,
                          scale=1.0 if scale is None else scale)
    attrs = ("form = #linea.form<chunked>, chunk_size = %d : i64" % chunk if chunk
             else "form = #linea.form<recurrent>") + (", scale = %r : f32" % scale if scale else "")
    results = [((B, T, H, S), dtype)] + ([((B, H, S, S), "f32")] if state else [])
    add(name, "linea.wkv6", ops, attrs, results, (o, s if state else None), dtype)


def wkv7_case(name, B=2, T=7, H=2, S=8, dtype="f32", init=False, state=False, chunk=None,
              Hk=None, scale=None):
    k, v = rng.standard_normal((2, B, T, H, S)) * 0.5
    r = rng.standard_normal((B, T, Hk or H, S)) * 0.5
    w = -np.exp(rng.standard_normal((B, T, H, S)) - 1.0)
    # RWKV-7 style: a = -kk, b = kk * gate with kk unit-norm keeps the
    # transition contractive.
    kk = rng.standard_normal((B, T, H, S))
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    a = -kk
    b = kk * rng.random((B, T, H, S))
    ops = [Operand(n, x, dtype) for n, x in zip("rwkvab", (r, w, k, v, a, b))]
    if init:
        ops.append(Operand("s0", rng.standard_normal((B, H, S, S)), "f32", "initial_state"))
    o, s = reference.wkv7(*[o.value for o in ops[:6]],
                          initial_state=ops[6].value if init else None,
                          scale=1.0 if scale is None else scale)
    results = [((B, T, H, S), dtype)] + ([((B, H, S, S), "f32")] if state else [])
    form = ("form = #linea.form<chunked>, chunk_size = %d : i64" % chunk if chunk
            else "form = #linea.form<recurrent>")
    if scale is not None:
        form += ", scale = %r : f32" % scale
    add(name, "linea.wkv7", ops, form, results, (o, s if state else None), dtype)


wkv4_case("wkv4 minimal")
# Channels go 16 (here 4: the largest power of two dividing C) to a vector;
# C = 7 runs one channel per thread, C = 48 three groups of 16.
wkv4_case("wkv4 C=7", C=7, init=True, state=True)
wkv4_case("wkv4 C=48", C=48, init=True, state=True)
wkv4_case("wkv4 T=1", T=1)
wkv4_case("wkv4 state in and out", init=True, state=True)
wkv4_case("wkv4 k up to +-200, from the direct sum", kmax=200.0, direct=True, T=16)
# The scan form: chunks of 4 (9 tokens leave a tail of 1), of 16 (> T), T = 1.
for chunk in (4, 16):
    wkv4_case("wkv4 scan C=%d" % chunk, chunk=chunk)
    wkv4_case("wkv4 scan C=%d state in and out" % chunk, chunk=chunk, init=True, state=True)
    wkv4_case("wkv4 scan C=%d T=1" % chunk, chunk=chunk, T=1, init=True, state=True)
    wkv4_case("wkv4 scan C=%d bf16" % chunk, chunk=chunk, dtype="bf16", init=True, state=True)
wkv4_case("wkv4 scan C=4, k up to +-200, from the direct sum", kmax=200.0, direct=True,
          T=16, chunk=4)
for dtype in ["bf16", "f16"]:
    wkv4_case("wkv4 " + dtype, dtype=dtype, init=True, state=True)

wkv6_case("wkv6 minimal")
wkv6_case("wkv6 T=1", T=1)
wkv6_case("wkv6 state in and out, scale", init=True, state=True, scale=0.5)
wkv6_case("wkv6 final state only, B=3", B=3, state=True)
for S in [16, 40, 64, 96]:
    wkv6_case("wkv6 head size %d" % S, B=1, T=4, S=S, init=True, state=True)
for dtype in ["bf16", "f16"]:
    wkv6_case("wkv6 " + dtype, dtype=dtype, init=True, state=True)
# The chunked form: chunks of 3 (7 tokens leave a tail), of 16 (> T), T = 1.
for chunk in (3, 16):
    wkv6_case("wkv6 chunked C=%d" % chunk, chunk=chunk)
    wkv6_case("wkv6 chunked C=%d state in and out, scale" % chunk, chunk=chunk, init=True,
              state=True, scale=0.5)
    wkv6_case("wkv6 chunked C=%d T=1" % chunk, chunk=chunk, T=1, init=True, state=True)
    wkv6_case("wkv6 chunked C=%d bf16" % chunk, chunk=chunk, dtype="bf16", init=True, state=True)
wkv6_case("wkv6 chunked C=4 head size 64, T=21", chunk=4, B=1, T=21, S=64, init=True,
          state=True)

wkv7_case("wkv7 minimal")
wkv7_case("wkv7 T=1", T=1)
wkv7_case("wkv7 state in and out", init=True, state=True)
for S in [16, 40, 64, 96]:
    wkv7_case("wkv7 head size %d" % S, B=1, T=4, S=S, init=True, state=True)
for dtype in ["bf16", "f16"]:
    wkv7_case("wkv7 " + dtype, dtype=dtype, init=True, state=True)
# The chunked form (UT transform within chunks): chunks of 3 (a tail), of 16
# (> T), T = 1, head size 64 over several chunks.
for chunk in (3, 16):
    wkv7_case("wkv7 chunked C=%d" % chunk, chunk=chunk)
    wkv7_case("wkv7 chunked C=%d state in and out" % chunk, chunk=chunk, init=True, state=True)
    wkv7_case("wkv7 chunked C=%d T=1" % chunk, chunk=chunk, T=1, init=True, state=True)
    wkv7_case("wkv7 chunked C=%d bf16" % chunk, chunk=chunk, dtype="bf16", init=True, state=True)
wkv7_case("wkv7 chunked C=8 head size 64, T=29", chunk=8, B=1, T=29, S=64, init=True,
          state=True)
# Chunked at head sizes the GPU runs on tensor cores (S a multiple of 16):
# several chunks of 16 and a ragged last one, T = 1, value tiles of 16 and
# 32 columns, chunk sizes other than 16, bf16. Heads of 32 with chunks of 8
# also cover the CPU's rank-one solve at the shape LLVM once miscompiled
# (ChunkMatrices.cpp).
for T in (40, 1, 17):
    wkv6_case("wkv6 chunked tiles T=%d S=16" % T, B=1, T=T, S=16, init=True, state=True,
              chunk=16)
    wkv7_case("wkv7 chunked tiles T=%d S=16" % T, B=1, T=T, S=16, init=True, state=True,
              chunk=16)
wkv6_case("wkv6 chunked tiles S=64, B=2", T=45, S=64, init=True, state=True, chunk=16)
wkv6_case("wkv6 chunked tiles S=32 C=4", B=1, T=40, S=32, chunk=4)
wkv6_case("wkv6 chunked tiles bf16 S=32", B=1, T=40, S=32, dtype="bf16", init=True,
          state=True, chunk=16)
wkv7_case("wkv7 chunked tiles S=64, B=2", T=45, S=64, init=True, state=True, chunk=16)
wkv7_case("wkv7 chunked tiles S=32 C=8", B=1, T=29, S=32, chunk=8)
wkv7_case("wkv7 chunked tiles S=48 C=8", B=1, T=29, S=48, chunk=8)
wkv7_case("wkv7 chunked tiles bf16 S=32", B=1, T=40, S=32, dtype="bf16", init=True,
          state=True, chunk=16)
# Receptance heads shared by groups of heads (the gated delta rule's
# queries), and a scale, in every form.
for chunk in (None, 4, 16):
    label = "chunked C=%d" % chunk if chunk else "recurrent"
    wkv7_case("wkv7 %s, Hk=1 of H=4, scale 0.25" % label, B=2, T=21, H=4, S=16, Hk=1,
              scale=0.25, chunk=chunk, init=True, state=True)
    wkv7_case("wkv7 %s, Hk=2 of H=4, bf16" % label, B=1, T=9, H=4, S=16, Hk=2, chunk=chunk,
              dtype="bf16", init=True, state=True)
# Longer sequences, 150 and 151 tokens (even and odd for the token pairs).
for T in (150, 151):
    wkv6_case("wkv6 T=%d state in and out" % T, B=1, T=T, H=3, init=True, state=True)
    wkv6_case("wkv6 T=%d bf16" % T, B=2, T=T, dtype="bf16", init=True, state=True)
    wkv7_case("wkv7 T=%d state in and out" % T, B=1, T=T, H=3, init=True, state=True)
    wkv7_case("wkv7 T=%d bf16" % T, B=2, T=T, dtype="bf16", init=True, state=True)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, (want, want_s) in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_o, got_s = (got if want_s is not None else (got, None))
    got_o = linea.dtypes.decode(got_o, dtype)
    checker.check_true(name + " (finite)", np.all(np.isfinite(got_o)))
    checker.check(name + " (output)", got_o, want, TOLERANCE[dtype])
    if want_s is not None:
        checker.check(name + " (state)", got_s, want_s, TOLERANCE[dtype])

# The key-major op is the transpose of RWKV-7's value-major reference.
B, T, H, S = 1, 6, 2, 8
r, w, k, v, a, b = (rng.standard_normal((B, T, H, S)) * 0.3 for _ in range(6))
w = -np.exp(w)
checker.check("wkv7 reference: key-major == value-major transposed",
              reference.wkv7(r, w, k, v, a, b)[0],
              reference.wkv7_value_major(r, w, k, v, a, b), 1e-12)
checker.finish()
