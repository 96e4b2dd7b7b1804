# RUN: %python %s
# linea.gated_delta, every form x element type x gate kind, against a float64
# reference that forms the K x K transition of the equation (not through
# the shared core's rank-one term): T = 1 and T not a multiple of the chunk,
# grouped heads, K != V, head sizes up to 128, gates down to -1e30, beta in
# [0, 2), the in-kernel L2 norm and gate prologue, states in and out, and a
# sequence split in two calls equal to one.

import numpy as np

import linea
from linea import reference
from linea.testing import TOLERANCE, Checker, Operand, op_function

rng = np.random.default_rng(16)
checker = Checker()
functions, expectations = [], []
FORMS = {"recurrent": "form = #linea.form<recurrent>",
         "chunked": "form = #linea.form<chunked>, chunk_size = 16 : i64"}


def inputs(B, T, H, HV, K, V, gate, l2norm, prologue, huge):
    q = rng.standard_normal((B, T, H, K))
    k = rng.standard_normal((B, T, H, K))
    if not l2norm:
        # Unit keys keep (I - beta k k^T) contractive, as the norm would.
        k /= np.linalg.norm(k, axis=-1, keepdims=True)
        q *= 0.5
    v = rng.standard_normal((B, T, HV, V))
    beta = 2 * rng.random((B, T, HV)) * 0.999
    g = None
    if gate == "head":
        g = -rng.random((B, T, HV)) * (1.0 if prologue else 0.3)
    elif gate == "key":
        g = -np.logaddexp(0, -rng.standard_normal((B, T, HV, K))) / 8
        if huge:
            g[rng.random(g.shape) < 0.1] = -1e30
    return q, k, v, beta, g


def case(name, B=1, T=37, H=2, HV=4, K=16, V=24, dtype="f32", form="recurrent", gate="key",
         l2norm=False, prologue=None, init=False, state=True, huge=False, scale=None):
    q, k, v, beta, g = inputs(B, T, H, HV, K, V, gate, l2norm, prologue, huge)
    ops = [Operand("q", q, dtype), Operand("k", k, dtype), Operand("v", v, dtype),
           Operand("beta", beta, dtype)]
    if g is not None:
        ops.append(Operand("g", g, dtype, "gate"))
    a_log = dt_bias = None
    if prologue:
        a_log = rng.standard_normal(HV) * 0.5
        dt_bias = rng.standard_normal((HV, K) if prologue == "key" else HV) * 0.5
        ops += [Operand("alog", a_log, "f32", "A_log"), Operand("dtb", dt_bias, "f32", "dt_bias")]
    s0 = rng.standard_normal((B, HV, K, V)) * 0.5 if init else None
    if init:
        ops.append(Operand("s0", s0, "f32", "initial_state"))
    value = {o.name: o.value for o in ops}
    o, s = reference.gated_delta(value["q"], value["k"], value["v"], value["beta"],
                                 value.get("g"), value.get("s0"), scale=scale,
                                 use_qk_l2norm=l2norm, A_log=value.get("alog"),
                                 dt_bias=value.get("dtb"))
    attrs = FORMS[form] + (", use_qk_l2norm" if l2norm else "") + \
        (", scale = %r : f32" % scale if scale else "")
    results = [((B, T, HV, V), dtype)] + ([((B, HV, K, V), "f32")] if state else [])
    fn = "f%d" % len(functions)
    functions.append(op_function(fn, "linea.gated_delta", ops, attrs, results))
    expectations.append((name, fn, ops, dtype, o, s if state else None))


for form in FORMS:
    for dtype in ("f32", "bf16", "f16"):
        for gate in (None, "head", "key"):
            case("%s %s gate=%s" % (form, dtype, gate), form=form, dtype=dtype, gate=gate,
                 init=True)
    case(form + " T=1", T=1, form=form, init=True)
    case(form + " DeltaNet, H = HV, K = 32 > V = 16", H=2, HV=2, K=32, V=16, form=form,
         gate=None)
    case(form + " K = V = 64, T = 40", B=2, T=40, H=1, HV=2, K=64, V=64, form=form,
         init=True)
    case(form + " K = V = 128 (Qwen3-Next's heads), T = 20", T=20, H=1, HV=2, K=128, V=128,
         form=form, gate="head", l2norm=True, prologue="head", init=True)
    case(form + " l2norm", form=form, l2norm=True)
    case(form + " l2norm, per-head gate prologue", form=form, gate="head", l2norm=True,
         prologue="head")
    case(form + " per-key gate prologue, dt_bias [HV, K]", form=form, gate="key",
         l2norm=True, prologue="key")
    case(form + " per-key gates down to -1e30", form=form, huge=True, init=True)
    case(form + " scale 0.3, no final state", form=form, scale=0.3, state=False)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, want, want_s in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_o, got_s = got if want_s is not None else (got, None)
    got_o = linea.dtypes.decode(got_o, dtype)
    checker.check_true(name + " (finite)", np.all(np.isfinite(got_o)))
    checker.check(name + " (output)", got_o, want, TOLERANCE[dtype])
    if want_s is not None:
        checker.check(name + " (state)", got_s, want_s, TOLERANCE[dtype])

# A sequence split in two calls, the state passed between them, is one call.
B, T, H, HV, K, V = 1, 30, 2, 4, 16, 16
q, k, v, beta, g = inputs(B, T, H, HV, K, V, "key", True, None, False)
for form in FORMS:
    f = linea.Function("split_" + form)
    args = [f.arg(n, x.shape) for n, x in (("q", q), ("k", k), ("v", v), ("beta", beta),
                                           ("g", g))]
    s0 = f.arg("s0", (B, HV, K, V))
    o, s = f.gated_delta(*args[:4], gate=args[4], initial_state=s0, use_qk_l2norm=True,
                         form=form, return_state=True)
    f.ret(o, s)
    call = linea.compile(f)
    f32 = lambda x: np.ascontiguousarray(x, np.float32)  # noqa: E731
    parts = [slice(0, 13), slice(13, T)]
    state = np.zeros((B, HV, K, V), np.float32)
    outs = []
    for p in parts:
        fp = linea.Function("part_%s_%d" % (form, p.start))
        pa = [fp.arg(n, x[:, p].shape) for n, x in (("q", q), ("k", k), ("v", v),
                                                    ("beta", beta), ("g", g))]
        ps0 = fp.arg("s0", (B, HV, K, V))
        po, ps = fp.gated_delta(*pa[:4], gate=pa[4], initial_state=ps0, use_qk_l2norm=True,
                                form=form, return_state=True)
        fp.ret(po, ps)
        o_p, state = linea.compile(fp)(*[f32(x[:, p]) for x in (q, k, v, beta, g)], state)
        outs.append(o_p)
    whole_o, whole_s = call(f32(q), f32(k), f32(v), f32(beta), f32(g),
                            np.zeros((B, HV, K, V), np.float32))
    want_o, want_s = reference.gated_delta(q, k, v, beta, g, use_qk_l2norm=True)
    checker.check(form + " two calls == one (output)", np.concatenate(outs, axis=1), whole_o,
                  TOLERANCE["f32"])
    checker.check(form + " two calls == one (state)", state, whole_s, TOLERANCE["f32"])
    checker.check(form + " builder op against the reference", whole_o, want_o,
                  TOLERANCE["f32"])
checker.finish()
