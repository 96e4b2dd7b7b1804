# RUN: %python %s
# One compiled library for every length: each op with a dynamic batch and
# sequence dimension (f.arg(..., (None, None, ...))), compiled once per form,
# called with (B, T) = (1, 1), (2, 7), (1, 300) and (1, 1100) against the
# float64 references, the final state included; the checked entry point
# rejects sizes that disagree (two T's, a state's B) and output buffers of the
# wrong size, naming both sides.

import numpy as np

import linea
from linea import reference as ref
from linea.testing import Checker

rng = np.random.default_rng(18)
checker = Checker()
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
SIZES = [(1, 1), (2, 7), (1, 300), (1, 1100)]
H, K, V = 2, 16, 16


def logsig(x):
    return (-np.log1p(np.exp(-x))).astype(np.float32)


def run(name, form, build, inputs, reference, tol=2e-5):
    """Compiles `build` once; checks every (B, T) of SIZES."""
    f = linea.Function("%s_%s" % (name, form))
    build(f, form)
    fn = linea.compile(f)
    for B, T in SIZES:
        args = inputs(B, T)
        got = fn(*args)
        want = reference(*args)
        for i, (g, w) in enumerate(zip(got, want)):
            checker.check("%s %s B=%d T=%d result %d" % (name, form, B, T, i), g, w, tol)
    return fn


# -- linear attention with a per-head gate ------------------------------------
def la_build(f, form):
    q = f.arg("q", (None, None, H, K))
    k = f.arg("k", (None, None, H, K))
    v = f.arg("v", (None, None, H, V))
    g = f.arg("g", (None, None, H))
    s0 = f.arg("s0", (None, H, K, V))
    f.ret(*f.linear_attention(q, k, v, gate=g, initial_state=s0, form=form,
                              chunk_size=16 if form == "chunked" else None,
                              return_state=True))


def la_inputs(B, T):
    return (f32(B, T, H, K), f32(B, T, H, K), f32(B, T, H, V), logsig(f32(B, T, H) + 3),
            f32(B, H, K, V))


la_ref = lambda q, k, v, g, s0: ref.linear_attention(q, k, v, gate=g, initial_state=s0)
for form in ("recurrent", "chunked", "quadratic", "auto"):
    la = run("linear_attention", form, la_build, la_inputs, la_ref)


# -- wkv6, wkv7 -----------------------------------------------------------------
def wkv6_build(f, form):
    r, k, v, w = (f.arg(n, (None, None, H, K)) for n in "rkvw")
    u = f.arg("u", (H, K))
    s0 = f.arg("s0", (None, H, K, K))
    f.ret(*f.wkv6(r, k, v, w, u, initial_state=s0, form=form,
                  chunk_size=16 if form == "chunked" else None, return_state=True))


def wkv6_inputs(B, T):
    return (f32(B, T, H, K), f32(B, T, H, K), f32(B, T, H, K), logsig(f32(B, T, H, K) + 3),
            f32(H, K), f32(B, H, K, K))


for form in ("recurrent", "chunked"):
    run("wkv6", form, wkv6_build, wkv6_inputs,
        lambda r, k, v, w, u, s0: ref.wkv6(r, k, v, w, u, initial_state=s0))


def wkv7_build(f, form):
    r, w, k, v, a, b = (f.arg(n, (None, None, H, K)) for n in "rwkvab")
    s0 = f.arg("s0", (None, H, K, K))
    f.ret(*f.wkv7(r, w, k, v, a, b, initial_state=s0, form=form,
                  chunk_size=16 if form == "chunked" else None, return_state=True))


def wkv7_inputs(B, T):
    kk = f32(B, T, H, K)
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    a = 0.5 * rng.random((B, T, H, 1)).astype(np.float32)
    return (f32(B, T, H, K), logsig(f32(B, T, H, K) + 3), f32(B, T, H, K), f32(B, T, H, K),
            -kk, (kk * a).astype(np.float32), f32(B, H, K, K))


for form in ("recurrent", "chunked"):
    run("wkv7", form, wkv7_build, wkv7_inputs,
        lambda *x: ref.wkv7(*x[:6], initial_state=x[6]), tol=5e-5)


# -- gated delta rule -------------------------------------------------------------
def gd_build(f, form):
    q, k = (f.arg(n, (None, None, H, K)) for n in "qk")
    v = f.arg("v", (None, None, H, V))
    beta, g = f.arg("beta", (None, None, H)), f.arg("g", (None, None, H))
    s0 = f.arg("s0", (None, H, K, V))
    f.ret(*f.gated_delta(q, k, v, beta, gate=g, initial_state=s0, use_qk_l2norm=True,
                         form=form, chunk_size=16 if form == "chunked" else None,
                         return_state=True))


def gd_inputs(B, T):
    return (f32(B, T, H, K), f32(B, T, H, K), f32(B, T, H, V),
            rng.random((B, T, H)).astype(np.float32), logsig(f32(B, T, H) + 3),
            f32(B, H, K, V))


for form in ("recurrent", "chunked", "auto"):
    run("gated_delta", form, gd_build, gd_inputs,
        lambda q, k, v, beta, g, s0: ref.gated_delta(q, k, v, beta, gate=g, initial_state=s0,
                                                     use_qk_l2norm=True), tol=5e-5)


# -- Mamba-2's SSD, Mamba's selective scan, RWKV-4, the convolution ------------------
P, G, N = 8, 1, 16


def ssd_build(f, form):
    x = f.arg("x", (None, None, H, P))
    dt = f.arg("dt", (None, None, H))
    A = f.arg("A", (H,))
    Bm, Cm = f.arg("Bm", (None, None, G, N)), f.arg("Cm", (None, None, G, N))
    s0 = f.arg("s0", (None, H, N, P))
    f.ret(*f.ssd(x, dt, A, Bm, Cm, dt_softplus=True, initial_state=s0, form=form,
                 chunk_size=16 if form == "chunked" else None, return_state=True))


def ssd_inputs(B, T):
    return (f32(B, T, H, P), f32(B, T, H) - 1, -np.exp(f32(H)), f32(B, T, G, N),
            f32(B, T, G, N), f32(B, H, N, P))


for form in ("recurrent", "chunked", "quadratic"):
    run("ssd", form, ssd_build, ssd_inputs,
        lambda x, dt, A, Bm, Cm, s0: ref.ssd(x, dt, A, Bm, Cm, dt_softplus=True,
                                             initial_state=s0, return_state=True), tol=5e-5)

D = 32


def scan_build(f, form):
    u, delta = f.arg("u", (None, D, None)), f.arg("delta", (None, D, None))
    A = f.arg("A", (D, N))
    Bm, Cm = f.arg("Bm", (None, G, N, None)), f.arg("Cm", (None, G, N, None))
    s0 = f.arg("s0", (None, D, N))
    f.ret(*f.selective_scan(u, delta, A, Bm, Cm, initial_state=s0, delta_softplus=True,
                            form=form, return_state=True))


def scan_inputs(B, T):
    return (f32(B, D, T), f32(B, D, T) - 1, -np.exp(f32(D, N)), f32(B, G, N, T),
            f32(B, G, N, T), f32(B, D, N))


for form in ("recurrent", "scan"):
    run("selective_scan", form, scan_build, scan_inputs,
        lambda u, d, A, Bm, Cm, s0: ref.selective_scan(u, d, A, Bm, Cm, initial_state=s0,
                                                       delta_softplus=True), tol=5e-5)

C = 32


def wkv4_build(f, form):
    w, u = f.arg("w", (C,)), f.arg("u", (C,))
    k, v = f.arg("k", (None, None, C)), f.arg("v", (None, None, C))
    f.ret(*f.wkv4(w, u, k, v, form=form, chunk_size=16 if form == "scan" else None,
                  return_state=True))


for form in ("recurrent", "scan"):
    run("wkv4", form, wkv4_build,
        lambda B, T: (f32(C), f32(C), f32(B, T, C), f32(B, T, C)),
        lambda w, u, k, v: ref.wkv4(w, u, k, v), tol=5e-5)


def conv_build(f, form):
    x = f.arg("x", (None, None, C))
    weight, bias = f.arg("weight", (C, 4)), f.arg("bias", (C,))
    s0 = f.arg("s0", (None, C, 3))
    f.ret(*f.causal_conv1d(x, weight, bias=bias, initial_state=s0, activation="silu",
                           return_state=True))


def conv_ref(x, weight, bias, s0):
    return ref.causal_conv1d(x, weight, bias=bias, initial_state=s0, activation="silu")


run("causal_conv1d", "direct", conv_build,
    lambda B, T: (f32(B, T, C), f32(C, 4), f32(C), f32(B, C, 3)), conv_ref)


# -- sizes that disagree ------------------------------------------------------------
def rejects(name, call, words):
    try:
        call()
    except ValueError as e:
        checker.check_true(name, all(w in str(e) for w in words), str(e))
        return
    checker.check_true(name, False, "no error")


q, k, v, g, s0 = la_inputs(2, 7)
rejects("two sequence lengths", lambda: la(q, k[:, :5].copy(), v, g, s0),
        ["k has size 5 in dimension 1", "q has size 7 in dimension 1", "needs them equal"])
rejects("a state of another batch", lambda: la(q, k, v, g, s0[:1].copy()),
        ["s0 has size 1 in dimension 0", "q has size 2 in dimension 0"])
rejects("an output of the wrong length",
        lambda: la(q, k, v, g, s0, out=(np.empty((2, 6, H, V), np.float32),
                                        np.empty((2, H, K, V), np.float32))),
        ["out0 has size 6 in dimension 1", "q has size 7"])
rejects("a static size", lambda: la(q, k, v, g[..., :1].copy(), s0),
        ["(g) has shape (2, 7, 1)", "expected (?, ?, 2)"])
checker.finish()
