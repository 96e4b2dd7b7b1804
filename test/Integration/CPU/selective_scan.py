# RUN: %python %s
# selective_scan (Mamba-1), every dtype and optional operand, against the
# float64 reference written from mamba_ssm's definition.

import numpy as np

import linea
from linea import reference
from linea.testing import TOLERANCE, Checker, Operand, op_function

rng = np.random.default_rng(99)
checker = Checker()
functions, expectations = [], []


def case(name, B=2, D=6, L=9, G=1, N=4, dtype="f32", D_skip=False, z=False,
         bias=False, softplus=False, init=False, state=False, delta_max=1.0, scan=None):
    u = rng.standard_normal((B, D, L))
    delta = delta_max * rng.random((B, D, L))
    A = -np.exp(rng.standard_normal((D, N)))
    Bm = rng.standard_normal((B, G, N, L))
    Cm = rng.standard_normal((B, G, N, L))
    ops = [Operand("u", u, dtype), Operand("dt", delta, dtype), Operand("A", A, "f32"),
           Operand("Bm", Bm, dtype), Operand("Cm", Cm, dtype)]
    named = {}
    if D_skip:
        named["D_skip"] = Operand("Ds", rng.standard_normal(D), "f32", "D_skip")
    if z:
        named["z"] = Operand("z", rng.standard_normal((B, D, L)), dtype, "z")
    if bias:
        named["delta_bias"] = Operand("db", rng.standard_normal(D) * 0.5, "f32", "delta_bias")
    if init:
        named["initial_state"] = Operand("s0", rng.standard_normal((B, D, N)), "f32", "initial_state")
    ops += list(named.values())
    results = [((B, D, L), dtype)] + ([((B, D, N), "f32")] if state else [])
    fn = "f%d" % len(functions)
    attrs = "delta_softplus, " if softplus else ""
    form = ("form = #linea.form<scan>, chunk_size = %d : i64" % scan if scan
            else "form = #linea.form<recurrent>")
    functions.append(op_function(fn, "linea.selective_scan", ops, attrs + form, results))
    want_y, want_s = reference.selective_scan(
        *[o.value for o in ops[:5]], delta_softplus=softplus,
        **{k: o.value for k, o in named.items()})
    expectations.append((name, fn, ops, dtype, want_y, want_s if state else None))


case("minimal")
case("T=1", L=1)
case("groups G=2 < D=6", G=2)
case("G=D", G=6)
case("D_skip", D_skip=True)
case("z gate", z=True)
case("delta_bias + softplus", bias=True, softplus=True)
case("softplus above 20", softplus=True, delta_max=30.0)
case("all optional operands", G=3, D_skip=True, z=True, bias=True, softplus=True,
     init=True, state=True)
case("final state only", state=True)
case("delta up to 50", delta_max=50.0, D_skip=True, state=True)
case("N=16, D=40", D=40, N=16, G=2, D_skip=True, z=True)
# The recurrent form sums the read-outs of N tokens together where N is a
# power of two up to 16; other N (and the tokens left over) go one at a time.
case("N=16, L=37: groups of 16 and a tail", D=8, N=16, L=37, G=2, D_skip=True, z=True,
     bias=True, softplus=True, init=True, state=True)
case("N=8, L=24: groups only", D=3, N=8, L=24, z=True, state=True)
case("N=2, L=7", D=3, N=2, L=7, D_skip=True)
case("N=6: one token at a time", D=3, N=6, L=13, D_skip=True, z=True, state=True)
case("N=32: one token at a time", D=3, N=32, L=21, D_skip=True, z=True, state=True)
case("f16 N=16, L=40", dtype="f16", D=4, N=16, L=40, D_skip=True, z=True, init=True,
     state=True)
case("L=1100: blocks of 512 and a tail", B=1, D=4, N=4, L=1100, G=2, D_skip=True, z=True,
     bias=True, softplus=True, init=True, state=True)
# The scan form: chunks of 4 (9 tokens leave a tail), of 16 (> L), and over
# blocks of 512 tokens.
for chunk in (4, 16):
    case("scan C=%d minimal" % chunk, scan=chunk)
    case("scan C=%d T=1" % chunk, L=1, scan=chunk, init=True, state=True)
    case("scan C=%d all optional operands" % chunk, G=3, D_skip=True, z=True, bias=True,
         softplus=True, init=True, state=True, scan=chunk)
    case("scan C=%d delta up to 50" % chunk, delta_max=50.0, D_skip=True, state=True, scan=chunk)
    case("scan C=%d bf16" % chunk, dtype="bf16", G=2, D_skip=True, z=True, init=True,
         state=True, scan=chunk)
case("scan C=64, L=1100: blocks and chunks with tails", B=1, D=4, N=4, L=1100, G=2,
     D_skip=True, z=True, bias=True, softplus=True, init=True, state=True, scan=64)
for dtype in ["bf16", "f16"]:
    case(dtype + " all optional", dtype=dtype, G=2, D_skip=True, z=True, bias=True,
         softplus=True, init=True, state=True)
    case(dtype + " minimal", dtype=dtype)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, want_y, want_s in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_y, got_s = (got if want_s is not None else (got, None))
    checker.check(name + " (output)", linea.dtypes.decode(got_y, dtype), want_y, TOLERANCE[dtype])
    if want_s is not None:
        checker.check(name + " (state)", got_s, want_s, TOLERANCE[dtype])
checker.finish()
