"""The cases of the one-shot device check.

Every op x form x element type at small shapes (inputs and float64
references computed here and stored), and the benchmark shapes (B = 1,
T = 2048), whose inputs are made from a seed and whose references are
computed where the check runs, so that the folder stays small. The
references are linea.reference: float64, token by token, from DESIGN.md.
"""

import numpy as np

from linea import reference
from linea.testing import TOLERANCE, Operand, op_function


class Case:
    """One function of one compiled module, its inputs and expected outputs."""

    def __init__(self, name, op, operands, attrs, results, want, dtype, main=False, kind=None):
        self.name, self.dtype, self.main, self.kind = name, dtype, main, kind
        self.fn = "c_" + "".join(c if c.isalnum() else "_" for c in name)
        self.text = op_function(self.fn, op, operands, attrs, results)
        self.inputs = [o.array for o in operands]
        self.values = {o.name: o.value for o in operands}
        self.want = want  # float64 outputs, or None when not computed
        self.tol = TOLERANCE[dtype]


def _form(form, chunk):
    if form in ("chunked", "scan"):
        return "form = #linea.form<%s>, chunk_size = %d : i64" % (form, chunk)
    return "form = #linea.form<%s>" % form


def _maybe(compute, fn):
    return fn() if compute else None


def la(name, rng, B=2, T=37, Hk=2, H=2, K=16, V=24, dtype="f32", form="recurrent", chunk=16,
       gate="key", normalize=False, causal=True, compute=True, main=False):
    q, k = rng.standard_normal((2, B, T, Hk, K)) * 0.5
    if normalize:  # positive features keep the normalizer away from 0
        q, k = np.abs(q), np.abs(k)
    v = rng.standard_normal((B, T, H, V))
    ops = [Operand("q", q, dtype), Operand("k", k, dtype), Operand("v", v, dtype)]
    if gate == "key":
        # GLA-style gates: log sigmoid / 16.
        g = -np.logaddexp(0, -rng.standard_normal((B, T, H, K))) / 16
        ops.append(Operand("g", g, dtype, "gate"))
    elif gate == "scalar":
        ops.append(Operand("g", -rng.random((B, T, H)) * 0.2, dtype, "gate"))
    attrs = _form(form, chunk) + (", causal" if causal else "") + (", normalize" if normalize else "")
    want = _maybe(compute, lambda: reference.linear_attention(
        ops[0].value, ops[1].value, ops[2].value, ops[3].value if gate else None,
        causal=causal, normalize=normalize))
    return Case(name, "linea.linear_attention", ops, attrs, [((B, T, H, V), dtype)],
                want and want[:1], dtype, main, "gla")


def ss(name, rng, B=2, D=8, L=45, N=16, G=1, dtype="f32", form="recurrent", chunk=16,
       compute=True, main=False):
    u = rng.standard_normal((B, D, L))
    delta = rng.standard_normal((B, D, L)) - 1.0
    A = -np.exp(rng.standard_normal((D, N)))
    Bm, Cm = rng.standard_normal((2, B, G, N, L))
    ops = [Operand("u", u, dtype), Operand("dt", delta, dtype), Operand("A", A, "f32"),
           Operand("Bm", Bm, dtype), Operand("Cm", Cm, dtype),
           Operand("Ds", rng.standard_normal(D), "f32", "D_skip"),
           Operand("z", rng.standard_normal((B, D, L)), dtype, "z"),
           Operand("db", rng.standard_normal(D) * 0.5, "f32", "delta_bias")]
    want = _maybe(compute, lambda: reference.selective_scan(
        *[o.value for o in ops[:5]], D_skip=ops[5].value, z=ops[6].value,
        delta_bias=ops[7].value, delta_softplus=True))
    return Case(name, "linea.selective_scan", ops, "delta_softplus, " + _form(form, chunk),
                [((B, D, L), dtype)], want and want[:1], dtype, main, "ss")


def wkv4(name, rng, B=2, T=29, C=40, dtype="f32", compute=True, form="recurrent"):
    ops = [Operand("w", rng.standard_normal(C) - 1.0, "f32"),
           Operand("u", rng.standard_normal(C), "f32"),
           Operand("k", 2 * rng.random((B, T, C)) - 1, dtype),
           Operand("v", rng.standard_normal((B, T, C)), dtype)]
    want = _maybe(compute, lambda: reference.wkv4(*[o.value for o in ops]))
    attrs = "form = #linea.form<%s>" % form + (", chunk_size = 8 : i64" if form == "scan" else "")
    return Case(name, "linea.wkv4", ops, attrs, [((B, T, C), dtype)], want and want[:1], dtype)


def _decays(rng, shape):
    return -np.exp(rng.standard_normal(shape) - 1.0)


def wkv6(name, rng, B=2, T=37, H=2, S=64, dtype="f32", form="recurrent", chunk=16,
         compute=True, main=False):
    r, k, v = rng.standard_normal((3, B, T, H, S)) * 0.5
    ops = [Operand("r", r, dtype), Operand("k", k, dtype), Operand("v", v, dtype),
           Operand("w", _decays(rng, (B, T, H, S)), dtype),
           Operand("u", rng.standard_normal((H, S)) * 0.5, "f32")]
    want = _maybe(compute, lambda: reference.wkv6(*[o.value for o in ops]))
    return Case(name, "linea.wkv6", ops, _form(form, chunk), [((B, T, H, S), dtype)],
                want and want[:1], dtype, main, "wkv6")


def wkv7(name, rng, B=2, T=37, H=2, S=64, dtype="f32", form="recurrent", chunk=16,
         compute=True, main=False):
    r, k, v = rng.standard_normal((3, B, T, H, S)) * 0.5
    kk = rng.standard_normal((B, T, H, S))
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    ops = [Operand(n, x, dtype) for n, x in
           zip("rwkvab", (r, _decays(rng, (B, T, H, S)), k, v, -kk,
                          kk * rng.random((B, T, H, S))))]
    want = _maybe(compute, lambda: reference.wkv7(*[o.value for o in ops]))
    return Case(name, "linea.wkv7", ops, _form(form, chunk), [((B, T, H, S), dtype)],
                want and want[:1], dtype, main, "wkv7")


def gated_delta(name, rng, B=2, T=37, H=1, HV=2, K=16, V=24, dtype="f32", form="recurrent",
                chunk=16, gate="key", prologue=False, compute=True, main=False):
    """Grouped heads (HV = 2 H), unit-norm keys through the in-kernel L2
    norm, beta in [0, 2)."""
    q, k = rng.standard_normal((2, B, T, H, K))
    ops = [Operand("q", q, dtype), Operand("k", k, dtype),
           Operand("v", rng.standard_normal((B, T, HV, V)), dtype),
           Operand("beta", 2 * rng.random((B, T, HV)) * 0.999, dtype)]
    if gate == "key":
        ops.append(Operand("g", _decays(rng, (B, T, HV, K)), dtype, "gate"))
    else:
        ops.append(Operand("g", rng.standard_normal((B, T, HV)) * 0.5, dtype, "gate"))
    if prologue:
        ops += [Operand("alog", rng.standard_normal(HV) * 0.5, "f32", "A_log"),
                Operand("dtb", rng.standard_normal(HV) * 0.5, "f32", "dt_bias")]
    values = {o.name: o.value for o in ops}
    want = _maybe(compute, lambda: reference.gated_delta(
        values["q"], values["k"], values["v"], values["beta"], values["g"],
        use_qk_l2norm=True, A_log=values.get("alog"), dt_bias=values.get("dtb")))
    return Case(name, "linea.gated_delta", ops, _form(form, chunk) + ", use_qk_l2norm",
                [((B, T, HV, V), dtype)], want and want[:1], dtype, main, "gated_delta")


def ssd(name, rng, B=2, T=37, H=4, P=24, G=2, N=16, dtype="f32", form="recurrent", chunk=16,
        compute=True, main=False):
    """Grouped B and C, dt through bias, softplus and limits, D per head and
    the z gate."""
    ops = [Operand("x", rng.standard_normal((B, T, H, P)), dtype),
           Operand("dt", rng.standard_normal((B, T, H)) - 1.0, dtype),
           Operand("A", -np.exp(rng.standard_normal(H) * 0.5), "f32"),
           Operand("bm", rng.standard_normal((B, T, G, N)) / np.sqrt(N), dtype),
           Operand("cm", rng.standard_normal((B, T, G, N)) / np.sqrt(N), dtype),
           Operand("d", rng.standard_normal(H), "f32", "D"),
           Operand("z", rng.standard_normal((B, T, H, P)), dtype, "z"),
           Operand("dtb", rng.standard_normal(H) * 0.5, "f32", "dt_bias")]
    v = {o.name: o.value for o in ops}
    want = _maybe(compute, lambda: (reference.ssd(
        v["x"], v["dt"], v["A"], v["bm"], v["cm"], D=v["d"], z=v["z"], dt_bias=v["dtb"],
        dt_softplus=True, dt_limit=(0.0, 4.0)),))
    attrs = _form(form, chunk) + ", dt_softplus, dt_limit = array<f32: 0.0, 4.0>"
    return Case(name, "linea.ssd", ops, attrs, [((B, T, H, P), dtype)], want, dtype, main,
                "ssd")


def conv(name, rng, B=2, T=29, C=40, W=4, dtype="f32"):
    """The short convolution with a bias, the SiLU and an initial state."""
    ops = [Operand("x", rng.standard_normal((B, T, C)), dtype),
           Operand("w", rng.standard_normal((C, W)) * 0.5, "f32"),
           Operand("b", rng.standard_normal(C) * 0.1, "f32", "bias"),
           Operand("s0", rng.standard_normal((B, C, W - 1)), "f32", "initial_state")]
    v = {o.name: o.value for o in ops}
    want = reference.causal_conv1d(v["x"], v["w"], v["b"], v["s0"], "silu")
    return Case(name, "linea.causal_conv1d", ops, "activation = #linea.activation<silu>",
                [((B, T, C), dtype)], want[:1], dtype)


def coverage(quick=False):
    """Every op x form x element type, small (T not a multiple of the chunk,
    value dimensions that tile unevenly, grouped heads). `quick`: f32 only,
    for checking the driver on the (slow) GPU emulator."""
    rng = np.random.default_rng(2026)
    out = []
    for dtype in ("f32",) if quick else ("f32", "bf16", "f16"):
        out += [la("la recurrent key gate " + dtype, rng, dtype=dtype),
                la("la chunked key gate " + dtype, rng, dtype=dtype, form="chunked"),
                la("la quadratic scalar gate " + dtype, rng, dtype=dtype, form="quadratic",
                   gate="scalar"),
                ss("ss recurrent " + dtype, rng, dtype=dtype),
                ss("ss scan " + dtype, rng, dtype=dtype, form="scan"),
                wkv4("wkv4 " + dtype, rng, dtype=dtype),
                wkv4("wkv4 scan " + dtype, rng, dtype=dtype, form="scan"),
                wkv6("wkv6 recurrent " + dtype, rng, dtype=dtype),
                wkv6("wkv6 chunked " + dtype, rng, dtype=dtype, form="chunked"),
                wkv7("wkv7 recurrent " + dtype, rng, dtype=dtype),
                wkv7("wkv7 chunked " + dtype, rng, dtype=dtype, form="chunked"),
                gated_delta("gated delta recurrent, gate prologue " + dtype, rng,
                            dtype=dtype, gate="head", prologue=True),
                gated_delta("gated delta chunked key gate " + dtype, rng, dtype=dtype,
                            form="chunked"),
                ssd("ssd recurrent " + dtype, rng, dtype=dtype),
                ssd("ssd chunked " + dtype, rng, dtype=dtype, form="chunked"),
                ssd("ssd quadratic " + dtype, rng, dtype=dtype, form="quadratic"),
                conv("causal conv1d " + dtype, rng, dtype=dtype)]
    out += [la("la grouped heads, V=40, normalize", rng, Hk=1, H=4, V=40, gate=None,
               normalize=True),
            la("la non-causal", rng, gate=None, causal=False),
            wkv6("wkv6 head size 96, T=1", rng, T=1, S=96),
            wkv7("wkv7 head size 40", rng, S=40)]
    return out


# The chip of the fallback library: no tf32 tensor cores, so its chunked
# forms run on the CUDA cores (PTX for sm_75 runs on later GPUs too).
FALLBACK_CHIP = "sm_75"


def fallback():
    """Chunked forms at head sizes the tensor-core kernel takes on sm_80 and
    later, compiled for FALLBACK_CHIP: its CUDA-core kernels."""
    rng = np.random.default_rng(75)
    return [la("la chunked key gate, %s kernels" % FALLBACK_CHIP, rng, T=37, K=16, V=16,
               form="chunked"),
            wkv6("wkv6 chunked S=16, %s kernels" % FALLBACK_CHIP, rng, T=19, S=16,
                 form="chunked"),
            wkv7("wkv7 chunked S=16, %s kernels" % FALLBACK_CHIP, rng, T=21, S=16,
                 form="chunked"),
            gated_delta("gated delta chunked K=V=16, %s kernels" % FALLBACK_CHIP, rng, T=21,
                        K=16, V=16, form="chunked")]


def main_shapes(compute=True, T=2048, H=32, D=1536):
    """The benchmark shapes (smaller H, D and T for checking the driver);
    each case has its own seed."""
    def rng(seed):
        return np.random.default_rng(seed)
    Hs = max(1, H // 4)
    return [la("main gla H=%d S=64" % H, rng(1), B=1, T=T, Hk=H, H=H, K=64, V=64,
               compute=compute, main=True),
            la("main gla H=%d S=64, chunked (tensor cores)" % H, rng(1), B=1, T=T, Hk=H,
               H=H, K=64, V=64, form="chunked", compute=compute, main=True),
            wkv6("main wkv6 H=%d S=64" % H, rng(2), B=1, T=T, H=H, S=64, compute=compute,
                 main=True),
            wkv6("main wkv6 H=%d S=64, chunked (tensor cores)" % H, rng(2), B=1, T=T, H=H,
                 S=64, form="chunked", compute=compute, main=True),
            wkv7("main wkv7 H=%d S=64" % H, rng(3), B=1, T=T, H=H, S=64, compute=compute,
                 main=True),
            wkv7("main wkv7 H=%d S=64, chunked (tensor cores)" % H, rng(3), B=1, T=T, H=H,
                 S=64, form="chunked", compute=compute, main=True),
            # A quarter of the heads: the float64 reference is the T x T
            # matrix form.
            ssd("main ssd H=%d P=64 N=128" % Hs, rng(5), B=1, T=T, H=Hs, P=64, G=1, N=128,
                compute=compute, main=True),
            ssd("main ssd H=%d P=64 N=128, chunked (tensor cores)" % Hs, rng(5), B=1, T=T,
                H=Hs, P=64, G=1, N=128, form="chunked", chunk=64, compute=compute, main=True),
            ss("main selective scan D=%d N=16" % D, rng(4), B=1, D=D, L=T, N=16,
               compute=compute, main=True),
            ss("main selective scan D=%d N=16, scan form" % D, rng(4), B=1, D=D, L=T, N=16,
               form="scan", chunk=64, compute=compute, main=True)]
