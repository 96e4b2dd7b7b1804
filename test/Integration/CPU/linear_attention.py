# RUN: %python %s
# linear_attention, recurrent, quadratic and chunked forms (chunks of 3,
# which 7 tokens do not fill, and of 16, more than T), every dtype and
# option, against the float64 reference (python/linea/reference.py).

import numpy as np

import linea
from linea import reference
from linea.testing import TOLERANCE, Checker, Operand, op_function

rng = np.random.default_rng(1234)
checker = Checker()
functions, expectations = [], []


def case(name, B=2, T=7, Hk=2, H=2, K=8, V=8, dtype="f32", gate=None,
         init=False, state=False, causal=True, normalize=False,
         feature_map="identity", scale=None, decay=None, form="recurrent",
         gate_scale=1.0, chunk=None):
    q = rng.standard_normal((B, T, Hk, K))
    k = rng.standard_normal((B, T, Hk, K))
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
    attrs = []
    if causal:
        attrs.append("causal")
    if normalize:
        attrs.append("normalize")
    if feature_map != "identity":
        attrs.append("feature_map = #linea.feature_map<%s>" % feature_map)
    if scale is not None:
        attrs.append("scale = %r : f32" % scale)
    if decay is not None:
        attrs.append("decay = array<f32: %s>" % ", ".join(repr(d) for d in decay))
    attrs.append("form = #linea.form<%s>" % form)
    if chunk:
        attrs.append("chunk_size = %d : i64" % chunk)
    results = [((B, T, H, V), dtype)] + ([((B, H, K, V), "f32")] if state else [])
    fn = "f%d" % len(functions)
    functions.append(op_function(fn, "linea.linear_attention", ops, ", ".join(attrs), results))
    want_o, want_s = reference.linear_attention(
        ops[0].value, ops[1].value, ops[2].value,
        gate=g.value if g else None, initial_state=s0.value if s0 else None,
        causal=causal, normalize=normalize, feature_map=feature_map,
        scale=scale, decay=decay)
    expectations.append((name, fn, ops, dtype, want_o, want_s if state else None))


add_case = case
for form, chunk in [("recurrent", None), ("quadratic", None), ("chunked", 3), ("chunked", 16)]:
    label = form + (" C=%d" % chunk if chunk else "")

    def case(name, form=form, chunk=chunk, label=label, **kw):
        add_case(name.replace(form, label, 1), form=form, chunk=chunk, **kw)
    case(form + " basic odd T")
    case(form + " T=1", T=1)
    case(form + " B=3 grouped heads Hk=1 H=4", B=3, Hk=1, H=4)
    case(form + " scalar gate", gate="scalar")
    case(form + " per-key gate", gate="per_key")
    case(form + " decay attribute", decay=[-0.1, -0.7])
    case(form + " scalar gate + decay, grouped", Hk=1, H=2, gate="scalar", decay=[-0.2, -0.05])
    case(form + " large negative gates", gate="per_key", gate_scale=60.0)
    case(form + " normalize elu+1", normalize=True, feature_map="elu_plus_one")
    case(form + " relu, scale", feature_map="relu", scale=0.3)
    case(form + " non-causal", causal=False)
    case(form + " non-causal normalize elu+1", causal=False, normalize=True,
         feature_map="elu_plus_one")
    case(form + " non-causal with state", causal=False, init=True, state=True)
    case(form + " initial and final state", init=True, state=True, gate="per_key")
    case(form + " final state only, grouped", Hk=1, H=2, state=True, gate="scalar")
    for dtype in ["bf16", "f16"]:
        case(form + " " + dtype + " gated with state", dtype=dtype, gate="per_key",
             init=True, state=True)
        case(form + " " + dtype + " normalize", dtype=dtype, normalize=True,
             feature_map="elu_plus_one")
case = add_case
for S in [16, 40, 64, 96]:
    case("recurrent head size %d" % S, B=1, T=5, H=2, Hk=2, K=S, V=S, gate="per_key",
         init=True, state=True)
case("recurrent K != V", K=12, V=20, gate="scalar")
# Longer sequences: 150 tokens (the token pairs of the row evaluation end
# even), 151 (one token left after the pairs).
for T in (150, 151):
    case("recurrent T=%d per-key gate, state in and out" % T, B=1, T=T, H=3, Hk=3,
         gate="per_key", init=True, state=True)
    case("recurrent T=%d scalar gate, grouped" % T, B=2, T=T, Hk=1, H=2, gate="scalar")
    case("recurrent T=%d bf16, V=40" % T, B=1, T=T, H=2, Hk=2, K=16, V=40, dtype="bf16",
         gate="per_key", init=True, state=True)
case("recurrent T=150 normalize", B=1, T=150, normalize=True,
     feature_map="elu_plus_one")
# Chunked at head sizes the GPU runs on tensor cores (K a multiple of 16, V
# of 8; chunk matrices on the CPU): several chunks of 16 and a ragged last
# one (40 and 17 tokens), exactly one (16), T = 1, value tiles of 8 to 32
# columns, every gate kind, the normalizer, bf16.
for T in (40, 16, 1, 17):
    case("chunked tiles T=%d no gate" % T, B=1, T=T, K=16, V=8, form="chunked", chunk=16)
    case("chunked tiles T=%d per-key gate, state in and out" % T, B=1, T=T, K=16, V=8,
         gate="per_key", init=True, state=True, form="chunked", chunk=16)
case("chunked tiles scalar gate, K=32 V=16", B=1, T=40, K=32, V=16, gate="scalar",
     form="chunked", chunk=16)
case("chunked tiles decay attribute, K=16 V=24", B=1, T=40, K=16, V=24, decay=[-0.1, -0.7],
     form="chunked", chunk=16)
case("chunked tiles per-key gate K=V=64, B=2", T=37, K=64, V=64, gate="per_key", init=True,
     state=True, form="chunked", chunk=16)
case("chunked tiles K=48 V=40", B=1, T=40, K=48, V=40, gate="per_key", form="chunked",
     chunk=16)
case("chunked tiles K=V=128 per-key gate", B=1, T=20, K=128, V=128, gate="per_key",
     init=True, state=True, form="chunked", chunk=16)
case("chunked tiles large negative gates", B=1, T=40, K=16, V=8, gate="per_key",
     gate_scale=80.0, init=True, state=True, form="chunked", chunk=16)
case("chunked tiles normalize elu+1, per-key gate", B=1, T=37, K=32, V=16, gate="per_key",
     normalize=True, feature_map="elu_plus_one", form="chunked", chunk=16)
case("chunked tiles normalize relu, scalar gate", B=1, T=40, K=16, V=24, gate="scalar",
     normalize=True, feature_map="relu", form="chunked", chunk=16)
case("chunked tiles chunk_size 64", B=1, T=70, K=32, V=32, gate="per_key", form="chunked",
     chunk=64)
case("chunked tiles bf16 per-key gate, state", B=1, T=40, K=16, V=8, dtype="bf16",
     gate="per_key", init=True, state=True, form="chunked", chunk=16)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, want_o, want_s in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_o, got_s = (got if want_s is not None else (got, None))
    checker.check(name + " (output)", linea.dtypes.decode(got_o, dtype), want_o, TOLERANCE[dtype])
    if want_s is not None:
        checker.check(name + " (state)", got_s, want_s, TOLERANCE[dtype])

# State round trip: T = 11 in one call equals 4 + 7 with the state passed on.
B, T, H, K, V = 2, 11, 2, 8, 8
q, k = rng.standard_normal((2, B, T, H, K))
v = rng.standard_normal((B, T, H, V))
g = -rng.random((B, T, H, K))
tensor = lambda *s: "tensor<%sxf32>" % "x".join(map(str, s))
def split_fn(name, t, init):
    sig = "%%q: %s, %%k: %s, %%v: %s, %%g: %s" % (tensor(B, t, H, K), tensor(B, t, H, K),
                                                  tensor(B, t, H, V), tensor(B, t, H, K))
    if init:
        sig += ", %%s0: %s" % tensor(B, H, K, V)
    body = "  %%o, %%s = linea.linear_attention %%q, %%k, %%v gate(%%g : %s)" % tensor(B, t, H, K)
    if init:
        body += " initial_state(%%s0 : %s)" % tensor(B, H, K, V)
    body += " final_state {causal} : %s, %s, %s\n" % (tensor(B, t, H, K), tensor(B, t, H, K), tensor(B, t, H, V))
    return "func.func @%s(%s) -> (%s, %s) {\n%s  return %%o, %%s : %s, %s\n}\n" % (
        name, sig, tensor(B, t, H, V), tensor(B, H, K, V), body, tensor(B, t, H, V), tensor(B, H, K, V))
lib = linea.compile_text(split_fn("whole", T, False) + split_fn("first", 4, False) +
                         split_fn("second", 7, True))
f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)
o_all, s_all = lib.whole(f32(q), f32(k), f32(v), f32(g))
o1, s1 = lib.first(f32(q[:, :4]), f32(k[:, :4]), f32(v[:, :4]), f32(g[:, :4]))
o2, s2 = lib.second(f32(q[:, 4:]), f32(k[:, 4:]), f32(v[:, 4:]), f32(g[:, 4:]), s1)
checker.check("state round trip 4+7 == 11 (output)", np.concatenate([o1, o2], axis=1), o_all, 1e-6)
checker.check("state round trip 4+7 == 11 (state)", s2, s_all, 1e-6)
checker.finish()
