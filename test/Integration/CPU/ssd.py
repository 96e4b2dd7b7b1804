# RUN: %python %s
# linea.ssd, every form x element type, against a float64 reference written
# from SSD's matrix form (reference.ssd, not the recurrence): T = 1 and T not
# a multiple of the chunk, G in {1, 2, 8}, P in {1, 64}, N in {16, 64, 128},
# D per head and per channel, z, dt_bias with softplus, dt_limit, large dt,
# states in and out, a sequence split in two calls equal to one, and bf16
# within 2x of the error that rounding the inputs alone causes.

import numpy as np

import linea
from linea import dtypes, reference
from linea.testing import TOLERANCE, Checker, Operand, op_function, rel_rms

rng = np.random.default_rng(17)
checker = Checker()
functions, expectations = [], []
FORMS = {"recurrent": "form = #linea.form<recurrent>",
         "chunked": "form = #linea.form<chunked>, chunk_size = 16 : i64",
         "quadratic": "form = #linea.form<quadratic>"}


def inputs(B, T, H, P, G, N, big_dt=False):
    x = rng.standard_normal((B, T, H, P))
    dt = rng.standard_normal((B, T, H)) - 1.0
    if big_dt:
        dt[rng.random(dt.shape) < 0.2] = 40.0
    A = -np.exp(rng.standard_normal(H) * 0.5)
    Bm = rng.standard_normal((B, T, G, N)) / np.sqrt(N)
    Cm = rng.standard_normal((B, T, G, N)) / np.sqrt(N)
    return x, dt, A, Bm, Cm


def case(name, B=1, T=37, H=4, P=8, G=2, N=16, dtype="f32", form="recurrent", skip="head",
         z=True, bias=True, softplus=True, limit=None, init=True, state=True, big_dt=False):
    x, dt, A, Bm, Cm = inputs(B, T, H, P, G, N, big_dt)
    if not softplus:
        dt = np.log1p(np.exp(dt))  # a positive dt as the op's input
    ops = [Operand("x", x, dtype), Operand("dt", dt, dtype), Operand("A", A, "f32"),
           Operand("bm", Bm, dtype), Operand("cm", Cm, dtype)]
    if skip:
        ops.append(Operand("d", rng.standard_normal((H, P) if skip == "channel" else H),
                           "f32", "D"))
    if z:
        ops.append(Operand("z", rng.standard_normal(x.shape) * 2, dtype, "z"))
    if bias:
        ops.append(Operand("dtb", rng.standard_normal(H) * 0.5, "f32", "dt_bias"))
    if init:
        ops.append(Operand("s0", rng.standard_normal((B, H, N, P)) * 0.5, "f32",
                           "initial_state"))
    value = {o.name: o.value for o in ops}
    y, s = reference.ssd(value["x"], value["dt"], value["A"], value["bm"], value["cm"],
                         D=value.get("d"), z=value.get("z"), dt_bias=value.get("dtb"),
                         dt_softplus=softplus, dt_limit=limit,
                         initial_state=value.get("s0"), return_state=True)
    attrs = FORMS[form] + (", dt_softplus" if softplus else "")
    if limit:
        attrs += ", dt_limit = array<f32: %r, %r>" % limit
    results = [((B, T, H, P), dtype)] + ([((B, H, N, P), "f32")] if state else [])
    fn = "f%d" % len(functions)
    functions.append(op_function(fn, "linea.ssd", ops, attrs, results))
    expectations.append((name, fn, ops, dtype, y, s if state else None))


for form in FORMS:
    for dtype in ("f32", "bf16", "f16"):
        case("%s %s" % (form, dtype), form=form, dtype=dtype)
    case(form + " T=1", T=1, form=form)
    case(form + " G=1, D [H, P]", G=1, form=form, skip="channel")
    case(form + " G=8 (H=8)", H=8, G=8, form=form)
    case(form + " P=1, no z", P=1, form=form, z=False)
    case(form + " P=64, N=64, T=40", B=2, T=40, H=2, P=64, G=1, N=64, form=form)
    case(form + " N=128 (Nemotron-H's state), T=20", T=20, H=2, P=16, G=1, N=128, form=form)
    case(form + " dt_limit [0.05, 0.8]", form=form, limit=(0.05, 0.8))
    case(form + " large dt (softplus(40) = 40)", form=form, big_dt=True)
    case(form + " raw dt, no D, z, bias or states", form=form, skip=None, z=False,
         bias=False, softplus=False, init=False)
    case(form + " no final state", form=form, state=False)

lib = linea.compile_text("\n".join(functions))
for name, fn, ops, dtype, want, want_s in expectations:
    got = lib[fn](*[o.array for o in ops])
    got_o, got_s = got if want_s is not None else (got, None)
    got_o = dtypes.decode(got_o, dtype)
    checker.check_true(name + " (finite)", np.all(np.isfinite(got_o)))
    checker.check(name + " (output)", got_o, want, TOLERANCE[dtype])
    if want_s is not None:
        checker.check(name + " (state)", got_s, want_s, TOLERANCE[dtype])

# bf16: the inputs' rounding is the floor (a kernel computing exactly on the
# rounded inputs and rounding once); the op stays within 2x of it, skip and
# gate included (rounding y before D x is added would not).
B, T, H, P, G, N = 1, 64, 4, 32, 2, 32
x, dt, A, Bm, Cm = inputs(B, T, H, P, G, N)
D, z, dtb = rng.standard_normal(H), rng.standard_normal(x.shape), rng.standard_normal(H) * 0.5
exact = reference.ssd(x, dt, A, Bm, Cm, D=D, z=z, dt_bias=dtb, dt_softplus=True)
ops = [Operand("x", x, "bf16"), Operand("dt", dt, "bf16"), Operand("A", A, "f32"),
       Operand("bm", Bm, "bf16"), Operand("cm", Cm, "bf16"), Operand("d", D, "f32", "D"),
       Operand("z", z, "bf16", "z"), Operand("dtb", dtb, "f32", "dt_bias")]
v = {o.name: o.value for o in ops}
ideal = dtypes.decode(dtypes.encode(reference.ssd(
    v["x"], v["dt"], v["A"], v["bm"], v["cm"], D=v["d"], z=v["z"], dt_bias=v["dtb"],
    dt_softplus=True), "bf16"), "bf16")
floor = rel_rms(ideal, exact)
for form in FORMS:
    f = op_function("bf16_" + form, "linea.ssd", ops, FORMS[form] + ", dt_softplus",
                    [((B, T, H, P), "bf16")])
    got = dtypes.decode(linea.compile_text(f)["bf16_" + form](*[o.array for o in ops]), "bf16")
    err = rel_rms(got, exact)
    checker.check_true("%s bf16 within 2x of input rounding (%.2e vs %.2e)"
                       % (form, err, floor), err <= 2 * floor)

# A sequence split in two calls, the state passed between them, is one call.
B, T, H, P, G, N = 1, 30, 4, 8, 2, 16
x, dt, A, Bm, Cm = inputs(B, T, H, P, G, N)
f32 = lambda a: np.ascontiguousarray(a, np.float32)  # noqa: E731


def ssd_function(name, t, form):
    f = linea.Function(name)
    args = [f.arg("x", (B, t, H, P)), f.arg("dt", (B, t, H)), f.arg("A", (H,)),
            f.arg("bm", (B, t, G, N)), f.arg("cm", (B, t, G, N))]
    s0 = f.arg("s0", (B, H, N, P))
    y, s = f.ssd(*args, dt_softplus=True, initial_state=s0, form=form, return_state=True)
    f.ret(y, s)
    return linea.compile(f)


for form in FORMS:
    state = np.zeros((B, H, N, P), np.float32)
    outs = []
    for p in (slice(0, 13), slice(13, T)):
        call = ssd_function("part_%s_%d" % (form, p.start), p.stop - p.start, form)
        y_p, state = call(f32(x[:, p]), f32(dt[:, p]), f32(A), f32(Bm[:, p]), f32(Cm[:, p]),
                          state)
        outs.append(y_p)
    whole_y, whole_s = ssd_function("whole_" + form, T, form)(
        f32(x), f32(dt), f32(A), f32(Bm), f32(Cm), np.zeros((B, H, N, P), np.float32))
    want_y, want_s = reference.ssd(x, dt, A, Bm, Cm, dt_softplus=True, return_state=True)
    checker.check(form + " two calls == one (output)", np.concatenate(outs, axis=1), whole_y,
                  TOLERANCE["f32"])
    checker.check(form + " two calls == one (state)", state, whole_s, TOLERANCE["f32"])
    checker.check(form + " builder op against the reference", whole_y, want_y,
                  TOLERANCE["f32"])
checker.finish()
