# RUN: %python %s
# The chunked forms of linear attention, wkv6 and wkv7 at head sizes the GPU
# evaluates on tensor cores (K a multiple of 16, V a multiple of 8; on the
# CPU they are the chunk matrices): several chunks and a ragged last one,
# value tiles of 8 to 32 columns, every gate kind, the bonus, RWKV-7's
# rank-one term, states in and out, the normalizer, bf16, gates large enough to underflow, against the
# float64 references. Run for the GPU kernels by
# Integration/GPU/emulated.test.

import numpy as np

import linea
from linea import reference
from linea.testing import TOLERANCE, Checker, Operand, op_function

rng = np.random.default_rng(2027)
checker = Checker()
functions, expectations = [], []


def add(name, op, ops, attrs, results, want, dtype):
    fn = "f%d" % len(functions)
    functions.append(op_function(fn, op, ops, attrs, results))
    expectations.append((name, fn, ops, dtype, want))


def la_case(name, B=1, T=40, H=2, K=16, V=8, gate=None, decay=None, init=False,
            state=False, dtype="f32", gate_scale=1.0, chunk=16, normalize=False,
            feature_map="identity"):
    q = rng.standard_normal((B, T, H, K))
    k = rng.standard_normal((B, T, H, K))
    v = rng.standard_normal((B, T, H, V))
    ops = [Operand("q", q, dtype), Operand("k", k, dtype), Operand("v", v, dtype)]
    g = None
    if gate == "scalar":
        g = Operand("g", -gate_scale * rng.random((B, T, H)), dtype, "gate")
    elif gate == "per_key":
        g = Operand("g", -gate_scale * rng.random((B, T, H, K)), dtype, "gate")
    if g:
        ops.append(g)
    s0 = Operand("s0", rng.standard_normal((B, H, K, V)), "f32", "initial_state") if init else None
    if s0:
        ops.append(s0)
    attrs = ["causal", "form = #linea.form<chunked>", "chunk_size = %d : i64" % chunk]
    if decay is not None:
        attrs.append("decay = array<f32: %s>" % ", ".join(repr(d) for d in decay))
    if normalize:
        attrs.append("normalize")
    if feature_map != "identity":
        attrs.append("feature_map = #linea.feature_map<%s>" % feature_map)
    o, s = reference.linear_attention(q, k, v, gate=g.value if g else None,
                                      initial_state=s0.value if s0 else None, causal=True,
                                      decay=decay, normalize=normalize,
                                      feature_map=feature_map)
    results = [((B, T, H, V), dtype)] + ([((B, H, K, V), "f32")] if state else [])
    add(name, "linea.linear_attention", ops, ", ".join(attrs), results,
        (o, s if state else None), dtype)


def wkv6_case(name, B=1, T=40, H=2, S=16, init=False, state=False, dtype="f32", chunk=16):
    r, k, v = rng.standard_normal((3, B, T, H, S))
    w = -np.exp(rng.standard_normal((B, T, H, S)) - 1.0)
    u = rng.standard_normal((H, S))
    ops = [Operand("r", r, dtype), Operand("k", k, dtype), Operand("v", v, dtype),
           Operand("w", w, dtype), Operand("u", u, "f32")]
    if init:
        ops.append(Operand("s0", rng.standard_normal((B, H, S, S)), "f32", "initial_state"))
    o, s = reference.wkv6(*[o.value for o in ops[:5]],
                          initial_state=ops[5].value if init else None)
    attrs = "form = #linea.form<chunked>, chunk_size = %d : i64" % chunk
    results = [((B, T, H, S), dtype)] + ([((B, H, S, S), "f32")] if state else [])
    add(name, "linea.wkv6", ops, attrs, results, (o, s if state else None), dtype)


def wkv7_case(name, B=1, T=40, H=2, S=16, init=False, state=False, dtype="f32", chunk=16):
    r, k, v = rng.standard_normal((3, B, T, H, S)) * 0.5
    w = -np.exp(rng.standard_normal((B, T, H, S)) - 1.0)
    # a = -kk, b = kk * gate with kk unit-norm: a contractive transition.
    kk = rng.standard_normal((B, T, H, S))
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    a, b = -kk, kk * rng.random((B, T, H, S))
    ops = [Operand(n, x, dtype) for n, x in zip("rwkvab", (r, w, k, v, a, b))]
    if init:
        ops.append(Operand("s0", rng.standard_normal((B, H, S, S)), "f32", "initial_state"))
    o, s = reference.wkv7(*[o.value for o in ops[:6]],
                          initial_state=ops[6].value if init else None)
    attrs = "form = #linea.form<chunked>, chunk_size = %d : i64" % chunk
    results = [((B, T, H, S), dtype)] + ([((B, H, S, S), "f32")] if state else [])
    add(name, "linea.wkv7", ops, attrs, results, (o, s if state else None), dtype)


# 40 tokens: two full chunks of 16 and 8 left over; 16 exactly; 1; 17.
for T in (40, 16, 1, 17):
    la_case("LA T=%d no gate" % T, T=T)
    la_case("LA T=%d per-key gate, state in and out" % T, T=T, gate="per_key", init=True,
            state=True)
la_case("LA scalar gate, K=32 V=16", K=32, V=16, gate="scalar")
la_case("LA decay attribute, K=16 V=24", V=24, decay=[-0.1, -0.7])
la_case("LA per-key gate K=64 V=64, B=2", B=2, T=37, K=64, V=64, gate="per_key", init=True,
        state=True)
la_case("LA K=48 V=40", K=48, V=40, gate="per_key")
la_case("LA K=128 V=128 per-key gate (value tiles of 8)", T=20, K=128, V=128, gate="per_key",
        init=True, state=True)
la_case("LA large negative gates", gate="per_key", gate_scale=80.0, init=True, state=True)
la_case("LA normalize elu+1, per-key gate", T=37, K=32, V=16, gate="per_key",
        normalize=True, feature_map="elu_plus_one")
la_case("LA normalize relu, scalar gate", K=16, V=24, gate="scalar", normalize=True,
        feature_map="relu")
la_case("LA chunk_size 64", T=70, K=32, V=32, gate="per_key", chunk=64)
la_case("LA bf16 per-key gate, state", dtype="bf16", gate="per_key", init=True, state=True)
for T in (40, 1, 17):
    wkv6_case("wkv6 T=%d S=16, state in and out" % T, T=T, init=True, state=True)
wkv6_case("wkv6 S=64, B=2", B=2, T=45, S=64, init=True, state=True)
wkv6_case("wkv6 S=32 chunk_size 4", S=32, chunk=4)
wkv6_case("wkv6 bf16 S=32", S=32, dtype="bf16", init=True, state=True)

for T in (40, 1, 17):
    wkv7_case("wkv7 T=%d S=16, state in and out" % T, T=T, init=True, state=True)
wkv7_case("wkv7 S=64, B=2 (value tiles of 16)", B=2, T=45, S=64, init=True, state=True)
wkv7_case("wkv7 S=32 chunk_size 8", S=32, T=29, chunk=8)
wkv7_case("wkv7 bf16 S=32", S=32, dtype="bf16", init=True, state=True)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, (want_o, want_s) in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_o, got_s = (got if want_s is not None else (got, None))
    checker.check(name + " (output)", linea.dtypes.decode(got_o, dtype), want_o, TOLERANCE[dtype])
    if want_s is not None:
        checker.check(name + " (state)", got_s, want_s, TOLERANCE[dtype])
checker.finish()
