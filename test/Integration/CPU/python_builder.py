# RUN: %python %s
# The Python IR builder: every model-level op and every linea op, built,
# compiled and run against numpy float64; shape errors at build time and
# bad arguments at call time raise clear exceptions.

import numpy as np

import linea
from linea import reference
from linea.builder import Function, Module, ShapeError
from linea.testing import Checker

rng = np.random.default_rng(11)
checker = Checker()
f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)


def silu(x):
    return x / (1 + np.exp(-x))


def layer_norm(x, eps):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)


# Model-level ops, all in one module.
B, T, C = 2, 7, 12
x = f32(rng.standard_normal((B, T, C)))
w = f32(rng.standard_normal((C, 8)))
b = f32(rng.standard_normal(8))
g = f32(rng.random(C) + 0.5)
cw = f32(rng.standard_normal((C, 4)))
prev = f32(rng.standard_normal((B, C, 3)))
xs = [x, w, b, g, cw, prev]
cases = {
    "linear": lambda f, a: f.linear(a[0], a[1], a[2]),
    "elementwise": lambda f, a: f.sub(f.mul(f.silu(a[0]), f.sigmoid(a[3])),
                                      f.div(f.tanh(a[0]), f.add(f.exp(f.neg(f.relu(a[0]))), 1.0))),
    "softplus": lambda f, a: f.softplus(f.mul(a[0], 30.0)),
    "rms_norm": lambda f, a: f.rms_norm(a[0], a[3]),
    "layer_norm": lambda f, a: f.layer_norm(a[0], a[3], a[3]),
    "group_norm": lambda f, a: f.group_norm(a[0], 3, a[3], None),
    "token_shift": lambda f, a: f.token_shift(a[0]),
    "causal_conv1d": lambda f, a: f.causal_conv1d(a[0], a[4], a[3], initial_state=a[5]),
    "transpose_reshape": lambda f, a: f.reshape(f.transpose(a[0], (2, 0, 1)), (C, B * T)),
}
want = {
    "linear": x.astype(np.float64) @ w + b,
    "elementwise": silu(x) * (1 / (1 + np.exp(-g.astype(np.float64)))) -
    np.tanh(x) / (np.exp(-np.maximum(x, 0)) + 1.0),
    "softplus": np.where(30.0 * x > 20, 30.0 * x, np.log1p(np.exp(np.minimum(30.0 * x, 20)))),
    "rms_norm": x / np.sqrt(np.mean(x.astype(np.float64) ** 2, -1, keepdims=True) + 1e-6) * g,
    "layer_norm": layer_norm(x.astype(np.float64), 1e-5) * g + g,
    "group_norm": layer_norm(x.astype(np.float64).reshape(B, T, 3, 4), 1e-5).reshape(B, T, C) * g,
    "token_shift": np.concatenate([np.zeros((B, 1, C)), x[:, :-1]], axis=1),
    "causal_conv1d": g + sum(np.concatenate([prev.transpose(0, 2, 1), x], 1)[:, j:j + T] * cw[:, j]
                             for j in range(4)),
    "transpose_reshape": x.transpose(2, 0, 1).reshape(C, B * T),
}
module = Module()
for name, build in cases.items():
    f = module.add(Function(name))
    args = [f.arg("a%d" % i, a.shape) for i, a in enumerate(xs)]
    f.ret(build(f, args))
lib = linea.compile(module)
for name in cases:
    checker.check("builder " + name, lib[name](*xs), want[name], 1e-5)

# Every linea op through the builder, with states returned.
f = Function("ops")
q = f.arg("q", (1, 5, 2, 4)); k = f.arg("k", (1, 5, 2, 4)); v = f.arg("v", (1, 5, 2, 4))
gt = f.arg("gate", (1, 5, 2))
la, la_s = f.linear_attention(q, k, v, gate=gt, feature_map="relu", return_state=True)
u = f.arg("u", (1, 4, 5)); A = f.arg("A", (4, 3)); bm = f.arg("bm", (1, 2, 3, 5))
ss = f.selective_scan(u, u, A, bm, bm, delta_softplus=True)
w4w = f.arg("w4", (4,)); k4 = f.arg("k4", (1, 5, 4))
y4 = f.wkv4(w4w, w4w, k4, k4)
wd = f.arg("wd", (1, 5, 2, 4)); u6 = f.arg("u6", (2, 4))
o6 = f.wkv6(q, k, v, wd, u6, scale=0.5)
o7 = f.wkv7(q, wd, k, v, f.mul(k, -0.2), f.mul(k, 0.1))
f.ret(la, la_s, ss, y4, o6, o7)
vals = {"q": rng.standard_normal((1, 5, 2, 4)), "k": rng.standard_normal((1, 5, 2, 4)),
        "v": rng.standard_normal((1, 5, 2, 4)), "gate": -rng.random((1, 5, 2)),
        "u": rng.standard_normal((1, 4, 5)), "A": -rng.random((4, 3)),
        "bm": rng.standard_normal((1, 2, 3, 5)), "w4": rng.standard_normal(4),
        "k4": rng.standard_normal((1, 5, 4)), "wd": -rng.random((1, 5, 2, 4)),
        "u6": rng.standard_normal((2, 4))}
arrays = {n: f32(a) for n, a in vals.items()}
outs = linea.compile(f)(*[arrays[a.name] for a in f.args])
r = {n: a.astype(np.float64) for n, a in arrays.items()}
ref_la = reference.linear_attention(r["q"], r["k"], r["v"], gate=r["gate"], feature_map="relu")
checker.check("builder linear_attention", outs[0], ref_la[0], 1e-5)
checker.check("builder linear_attention state", outs[1], ref_la[1], 1e-5)
checker.check("builder selective_scan", outs[2], reference.selective_scan(
    r["u"], r["u"], r["A"], r["bm"], r["bm"], delta_softplus=True)[0], 1e-5)
checker.check("builder wkv4", outs[3], reference.wkv4(r["w4"], r["w4"], r["k4"], r["k4"])[0], 1e-5)
checker.check("builder wkv6", outs[4], reference.wkv6(r["q"], r["k"], r["v"], r["wd"], r["u6"],
                                                     scale=0.5)[0], 1e-5)
checker.check("builder wkv7", outs[5], reference.wkv7(r["q"], r["wd"], r["k"], r["v"], -0.2 * r["k"],
                                                     0.1 * r["k"])[0], 1e-5)

# bf16 activations through the builder.
f = Function("bf16")
q = f.arg("q", (1, 6, 2, 8), "bf16")
o = f.linear_attention(q, q, q, causal=True)
f.ret(o)
qv = rng.standard_normal((1, 6, 2, 8))
qb = linea.dtypes.to_bf16(qv)
got = linea.dtypes.from_bf16(linea.compile(f)(qb))
qr = linea.dtypes.from_bf16(qb).astype(np.float64)
checker.check("builder bf16 linear_attention", got, reference.linear_attention(qr, qr, qr)[0], 1e-2)


# Build-time errors name the op and the argument.
raises = checker.raises


def bad_builds():
    f = Function("bad")
    a = f.arg("a", (2, 3, 4))
    w = f.arg("w", (5, 6))
    raises("linear: wrong weight rows", lambda: f.linear(a, w), ShapeError,
           "linear: 'w' must have shape (4, ?) to match x (2, 3, 4), got (5, 6)")
    raises("elementwise: no broadcast", lambda: f.add(a, w), ShapeError,
           "add: shapes (2, 3, 4), (5, 6) do not broadcast")
    raises("wkv6: u shape", lambda: f.wkv6(f.arg("r", (1, 2, 3, 4)), f.arg("r2", (1, 2, 3, 4)),
                                         f.arg("r3", (1, 2, 3, 4)), f.arg("r4", (1, 2, 3, 4)),
                                         f.arg("u", (4, 3))),
           ShapeError, "wkv6: 'u' must have shape (3, 4), got (4, 3)")
    raises("linear_attention: gate without causal",
           lambda: f.linear_attention(f.arg("q", (1, 2, 1, 4)), f.arg("k", (1, 2, 1, 4)),
                                      f.arg("v", (1, 2, 1, 4)), gate=f.arg("g", (1, 2, 1)),
                                      causal=False),
           ShapeError, "linear_attention: 'gate' and 'decay' need causal=True")
    raises("arg: element type", lambda: f.arg("x", (2,), "f64"), ShapeError,
           "arg: element type of 'x' must be one of f32, f16, bf16, i32, i64, got 'f64'")
    raises("reshape: not adjacent", lambda: f.reshape(a, (3, 8)), ShapeError,
           "reshape: (2, 3, 4) and (3, 8) do not split/merge adjacent dims")
    raises("ret: missing", lambda: f.text(), ValueError, "has no results")


bad_builds()

# Call-time errors: wrong dtype, shape, contiguity, count; never a crash.
f = Function("id_add")
a = f.arg("a", (3, 4))
f.ret(f.add(a, 1.0))
fn = linea.compile(f)
good = f32(rng.standard_normal((3, 4)))
checker.check("call: good", fn(good), good + 1.0, 1e-6)
raises("call: dtype", lambda: fn(good.astype(np.float64)), TypeError,
       "argument 0 (a) has dtype float64, expected float32")
raises("call: shape", lambda: fn(f32(np.zeros((4, 3)))), ValueError,
       "argument 0 (a) has shape (4, 3), expected (3, 4)")
raises("call: contiguity", lambda: fn(f32(np.zeros((4, 3))).T), ValueError, "C-contiguous")
raises("call: count", lambda: fn(good, good), TypeError, "takes 1 arguments, got 2")
raises("call: not an array", lambda: fn([1, 2]), TypeError, "must be a numpy array")
buf = np.zeros((3, 4), dtype=np.float32)
got = fn(good, out=[buf])
checker.check_true("call: out= is filled and returned", got is buf and np.allclose(buf, good + 1.0))
raises("call: out shape", lambda: fn(good, out=[np.zeros((4, 4), np.float32)]), ValueError,
       "output 0 (out0) has shape (4, 4), expected (3, 4)")
raises("call: out count", lambda: fn(good, out=[]), TypeError, "out must hold 1 arrays, got 0")
raises("compile: invalid IR", lambda: linea.compile("func.func @f("), linea.CompileError, "error")
raises("compile: target", lambda: linea.compile(f, target="tpu"), ValueError, "not supported")
# Calls from several threads at once (the call releases the GIL), each with
# its own arguments: every result is its own.
import threading  # noqa: E402
f = Function("threads")
a = f.arg("a", (128, 256))
f.ret(f.tanh(a @ f.arg("b", (256, 128))))
fn = linea.compile(f)
pairs = [(f32(rng.standard_normal((128, 256))), f32(rng.standard_normal((256, 128))) / 16)
         for _ in range(4)]
results = [None] * len(pairs)


def work(i):
    for _ in range(20):
        results[i] = fn(*pairs[i])


threads = [threading.Thread(target=work, args=(i,)) for i in range(len(pairs))]
for t in threads:
    t.start()
for t in threads:
    t.join()
checker.check_true("calls from four threads at once", all(
    np.allclose(r, np.tanh(p[0].astype(np.float64) @ p[1]), rtol=1e-5, atol=1e-6)
    for r, p in zip(results, pairs)), "")

checker.finish()
