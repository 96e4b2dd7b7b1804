# RUN: %python %s
# Mamba-2 (SSD) as grouped linear attention with a scalar gate (q = C, k = B,
# v = dt * x, gate = dt * A, scale 1), in every form the CPU has, against an
# independent reference written from SSD's matrix form (reference.ssd).

import numpy as np

import linea
from linea import reference
from linea.builder import Function
from linea.testing import Checker

checker = Checker()
rng = np.random.default_rng(42)
Bt, T, H, P, G, N = 2, 37, 4, 8, 2, 16
x = rng.standard_normal((Bt, T, H, P))
dt = np.log1p(np.exp(rng.standard_normal((Bt, T, H))))
A = -np.exp(rng.standard_normal(H))
B = rng.standard_normal((Bt, T, G, N)) * 0.5
C = rng.standard_normal((Bt, T, G, N)) * 0.5
want = reference.ssd(x, dt, A, B, C)
f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)
for form in ("recurrent", "quadratic", "auto"):
    f = Function("ssd")
    c, b = f.arg("c", (Bt, T, G, N)), f.arg("b", (Bt, T, G, N))
    v, g = f.arg("v", (Bt, T, H, P)), f.arg("g", (Bt, T, H))
    f.ret(f.linear_attention(c, b, v, gate=g, scale=1.0, form=form))
    got = linea.compile(f)(f32(C), f32(B), f32(dt[..., None] * x), f32(dt * A))
    checker.check("SSD as grouped linear attention, form %s" % form, got, want, 1e-5)
checker.finish()
