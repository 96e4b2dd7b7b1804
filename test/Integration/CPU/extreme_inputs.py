# RUN: %python %s
# Extreme but valid inputs give finite, correct results: large |k| in wkv4,
# delta up to 1e3, gates near 0 and very negative log-gates, T = 1e6 in the
# recurrent form, head sizes 1 and 3.

import numpy as np

import linea
from linea import reference
from linea.builder import Function
from linea.testing import Checker

rng = np.random.default_rng(21)
checker = Checker()
f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)


def check(name, got, want, tol):
    checker.check_true(name + " (finite)", bool(np.all(np.isfinite(got))))
    checker.check(name, got, want, tol)


# wkv4, |k| up to 600: the float64 direct sum still holds (e^600 ~ 1e260);
# recurrent, and the scan form, whose chunks merge at their running maxima.
args = [f32(rng.standard_normal(8)), f32(rng.standard_normal(8)),
        f32(rng.uniform(-600, 600, (1, 12, 8))), f32(rng.standard_normal((1, 12, 8)))]
for form, chunk in (("recurrent", None), ("scan", 5)):
    f = Function("wkv4")
    w, u = f.arg("w", (8,)), f.arg("u", (8,))
    k, v = f.arg("k", (1, 12, 8)), f.arg("v", (1, 12, 8))
    f.ret(f.wkv4(w, u, k, v, form=form, chunk_size=chunk))
    check("wkv4 %s |k| <= 600" % form, linea.compile(f)(*args),
          reference.wkv4_direct(*[a.astype(np.float64) for a in args]), 1e-5)

# Selective scan with delta up to 1e3, with and without softplus.
for softplus in (False, True):
    f = Function("ssm")
    uu = f.arg("u", (1, 6, 10)); dt = f.arg("dt", (1, 6, 10)); A = f.arg("A", (6, 4))
    bm = f.arg("bm", (1, 2, 4, 10))
    f.ret(f.selective_scan(uu, dt, A, bm, bm, delta_softplus=softplus))
    args = [f32(rng.standard_normal((1, 6, 10))), f32(rng.uniform(0, 1e3, (1, 6, 10))),
            f32(-np.exp(rng.standard_normal((6, 4)))), f32(rng.standard_normal((1, 2, 4, 10)))]
    r = [a.astype(np.float64) for a in args]
    check("selective_scan delta <= 1e3%s" % (" softplus" if softplus else ""),
          linea.compile(f)(*args),
          reference.selective_scan(r[0], r[1], r[2], r[3], r[3], delta_softplus=softplus)[0], 1e-5)

# Gates near 0 (decay ~ 1) and very negative log-gates (decay exactly 0).
for label, gate in (("gates near 0", lambda s: -1e-7 * rng.random(s)),
                    ("log-gates down to -1e30", lambda s: -10.0 ** rng.uniform(0, 30, s))):
    for form, chunk in (("recurrent", None), ("quadratic", None), ("chunked", 4)):
        f = Function("la")
        q = f.arg("q", (1, 9, 2, 4)); g = f.arg("g", (1, 9, 2, 4))
        o, s = f.linear_attention(q, q, q, gate=g, form=form, chunk_size=chunk,
                                  return_state=True)
        f.ret(o, s)
        qa, ga = f32(rng.standard_normal((1, 9, 2, 4))), f32(gate((1, 9, 2, 4)))
        got = linea.compile(f)(qa, ga)
        qr = qa.astype(np.float64)
        want = reference.linear_attention(qr, qr, qr, gate=ga.astype(np.float64))
        check("linear_attention %s %s" % (form, label), got[0], want[0], 1e-5)
        check("linear_attention %s %s state" % (form, label), got[1], want[1], 1e-5)
    for form in ("recurrent", "chunked"):
        f = Function("wkv6")
        r = f.arg("r", (1, 9, 2, 4)); w = f.arg("w", (1, 9, 2, 4)); uu = f.arg("u", (2, 4))
        f.ret(f.wkv6(r, r, r, w, uu, form=form, chunk_size=4 if form == "chunked" else None))
        ra, wa, ua = f32(rng.standard_normal((1, 9, 2, 4))), f32(gate((1, 9, 2, 4))), f32(rng.standard_normal((2, 4)))
        rr = ra.astype(np.float64)
        check("wkv6 %s %s" % (form, label), linea.compile(f)(ra, wa, ua),
              reference.wkv6(rr, rr, rr, wa.astype(np.float64), ua.astype(np.float64))[0], 1e-5)

    # RWKV-7 in both forms; a = -kk, b = kk * gate keeps it contractive.
    for form in ("recurrent", "chunked"):
        f = Function("wkv7")
        r = f.arg("r", (1, 9, 2, 4)); w = f.arg("w", (1, 9, 2, 4)); kk = f.arg("kk", (1, 9, 2, 4))
        f.ret(f.wkv7(r, w, r, r, f.neg(kk), f.mul(kk, 0.5), form=form,
                     chunk_size=4 if form == "chunked" else None))
        kkv = rng.standard_normal((1, 9, 2, 4))
        kkv /= np.linalg.norm(kkv, axis=-1, keepdims=True)
        ra, wa, ka = f32(rng.standard_normal((1, 9, 2, 4))), f32(gate((1, 9, 2, 4))), f32(kkv)
        rr, kr = ra.astype(np.float64), ka.astype(np.float64)
        check("wkv7 %s %s" % (form, label), linea.compile(f)(ra, wa, ka),
              reference.wkv7(rr, wa.astype(np.float64), rr, rr, -kr, 0.5 * kr)[0], 1e-5)

# Head sizes 1 and 3 (16, 40, 64 and 96 are in wkv.py and linear_attention.py).
for S in (1, 3):
    f = Function("heads")
    x = f.arg("x", (2, 5, 3, S)); wd = f.arg("w", (2, 5, 3, S)); uu = f.arg("u", (3, S))
    f.ret(f.linear_attention(x, x, x, gate=wd), f.wkv6(x, x, x, wd, uu),
          f.wkv7(x, wd, x, x, f.mul(x, -0.3), f.mul(x, 0.2)))
    xa, wa, ua = f32(rng.standard_normal((2, 5, 3, S))), f32(-rng.random((2, 5, 3, S))), f32(rng.standard_normal((3, S)))
    xr, wr = xa.astype(np.float64), wa.astype(np.float64)
    got = linea.compile(f)(xa, wa, ua)
    check("head size %d linear_attention" % S, got[0], reference.linear_attention(xr, xr, xr, gate=wr)[0], 1e-5)
    check("head size %d wkv6" % S, got[1], reference.wkv6(xr, xr, xr, wr, ua.astype(np.float64))[0], 1e-5)
    check("head size %d wkv7" % S, got[2], reference.wkv7(xr, wr, xr, xr, -0.3 * xr, 0.2 * xr)[0], 1e-5)

# T = 1e6, recurrent, against closed forms: constant inputs make the state a
# geometric series, S_t = (1 - a^t) / (1 - a) k v^T. (With a memory of ~100
# tokens; one of 1e5 tokens makes the state ~1e5 and f32 rounding alone
# reaches 3e-3 relative, in any f32 implementation.)
T = 1_000_000
f = Function("long_la")
q = f.arg("q", (1, T, 1, 2)); g = f.arg("g", (1, T, 1))
f.ret(f.linear_attention(q, q, q, gate=g, scale=1.0, form="recurrent"))
qv = np.array([0.6, -0.8])
log_a = -1e-2
got = linea.compile(f)(f32(np.broadcast_to(qv, (1, T, 1, 2))), f32(np.full((1, T, 1), log_a)))
a = np.exp(np.float64(np.float32(log_a)))
qv = qv.astype(np.float32).astype(np.float64)
t = np.arange(1, T + 1)
want = ((1 - a ** t) / (1 - a))[:, None] * (qv @ qv) * qv[None, :]
check("linear_attention T = 1e6 (closed form)", got[0, :, 0], want, 1e-4)

# wkv4 over 1e6 tokens with a constant v: every y_t is exactly v, whatever k.
f = Function("long_wkv4")
w, u = f.arg("w", (2,)), f.arg("u", (2,))
k, v = f.arg("k", (1, T, 2)), f.arg("v", (1, T, 2))
y, s = f.wkv4(w, u, k, v, return_state=True)
f.ret(y, s)
got, state = linea.compile(f)(f32([0.5, -1.0]), f32([0.3, 2.0]), f32(rng.uniform(-100, 100, (1, T, 2))),
                              f32(np.full((1, T, 2), 0.7)))
check("wkv4 T = 1e6, constant v", got, np.full((1, T, 2), np.float32(0.7)), 1e-6)
checker.check_true("wkv4 T = 1e6 state finite", bool(np.all(np.isfinite(state))))
checker.finish()
