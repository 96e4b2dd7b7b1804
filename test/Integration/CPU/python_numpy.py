# RUN: %python %s
# The builder reads like numpy: operators with numbers on either side,
# constants, reductions, norms, softmax, indexing, gathers, argmax, where,
# comparisons and casts, compiled and run against numpy in float64; shape
# errors name the op and the user's line.

import os

import numpy as np

import linea
from linea.builder import Function, ShapeError
from linea.testing import Checker

rng = np.random.default_rng(5)
checker = Checker()
f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)

x = f32(rng.standard_normal((2, 5, 6)))
y = f32(rng.random((6,)) + 0.5)
m = f32(rng.standard_normal((6, 3)))
bm = f32(rng.standard_normal((2, 6, 4)))
b1 = f32(rng.standard_normal((1, 6, 4)))
table = f32(rng.standard_normal((7, 6)))
ids = np.array([[0, 6, 3], [2, 2, -1]], dtype=np.int32)   # -1: outside the table
gidx = np.array([[[0], [4], [2], [1], [3]]] * 2, dtype=np.int64)  # [2, 5, 1]
c = rng.standard_normal((5, 6))
X = x.astype(np.float64)
Y = y.astype(np.float64)


def softmax(a, axis):
    e = np.exp(a - a.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def silu(a):
    return a / (1 + np.exp(-a))


def nan_take(t, i):
    out = np.take(t, np.clip(i, 0, len(t) - 1), axis=0)
    out[(i < 0) | (i >= len(t))] = np.nan
    return out


# name: (builder expression over the arguments, numpy expression), all in
# one module so that the suite compiles once.
cases = {
    "scalars_left": (lambda a: 1.0 - a["x"] * 2 + 3 / (a["y"] + 1) - (-a["x"]),
                     1.0 - X * 2 + 3 / (Y + 1) + X),
    "numpy_scalar": (lambda a: np.float32(2.5) * a["x"] + np.float64(1),
                     2.5 * X + 1),
    "powers": (lambda a: a["x"] ** 2 + a["y"] ** 0.5 + a["y"] ** -1 + a["y"] ** 1.7 +
               2.0 ** a["y"], X ** 2 + Y ** 0.5 + 1 / Y + Y ** 1.7 + 2.0 ** Y),
    "abs_max_min": (lambda a: abs(a["x"]) + a["x"].fn.maximum(a["x"], 0.25) -
                    a["x"].fn.minimum(0.0, a["x"]),
                    np.abs(X) + np.maximum(X, 0.25) - np.minimum(0.0, X)),
    "math": (lambda a: a["x"].fn.log(a["y"]) + a["x"].fn.sqrt(a["y"]) + a["x"].fn.rsqrt(a["y"]),
             np.log(Y) + np.sqrt(Y) + 1 / np.sqrt(Y)),
    "matmul_2d": (lambda a: a["x"][0] @ a["m"], X[0] @ m),
    "matmul_nd": (lambda a: a["x"] @ a["m"], X @ m),
    "matmul_vec": (lambda a: a["x"] @ a["y"], X @ Y),
    "matmul_vec_left": (lambda a: a["y"] @ a["m"], Y @ m),
    "matmul_batch": (lambda a: a["x"] @ a["bm"], X @ bm),
    "matmul_broadcast": (lambda a: a["x"] @ a["b1"] + a["x"][:1] @ a["bm"],
                         X @ b1 + X[:1] @ bm),
    "const": (lambda a: a["x"] * a["x"].fn.const(c) + a["x"].fn.const(2.0),
              X * c.astype(np.float32) + 2.0),
    "sum_all": (lambda a: a["x"].sum(), X.sum()),
    "sum_axes": (lambda a: a["x"].sum(axis=(0, 2), keepdims=True), X.sum((0, 2), keepdims=True)),
    "mean": (lambda a: a["x"].mean(-1), X.mean(-1)),
    "max_min": (lambda a: a["x"].max(1, keepdims=True) - a["x"].min(axis=0),
                X.max(1, keepdims=True) - X.min(0)),
    "l2_norm": (lambda a: a["x"].fn.l2_norm(a["x"]), X / np.sqrt((X * X).sum(-1, keepdims=True)
                                                                + 1e-6)),
    "softmax": (lambda a: a["x"].fn.softmax(a["x"]) + a["x"].fn.softmax(a["x"], axis=1),
                softmax(X, -1) + softmax(X, 1)),
    "getitem": (lambda a: a["x"][1, 2:4, None, ::1] + a["x"][..., 0:1][0],
                X[1, 2:4, None, :] + X[..., 0:1][0]),
    "getitem_scalar": (lambda a: a["x"][1, 2, 3] * a["y"], X[1, 2, 3] * Y),
    "transpose": (lambda a: a["x"].T.reshape(6, 10) + a["x"].transpose(2, 1, 0).reshape((6, 10)),
                  2 * X.T.reshape(6, 10)),
    "embedding": (lambda a: a["x"].fn.embedding(a["ids"], a["table"]), nan_take(table, ids)),
    "take_axis": (lambda a: a["x"].fn.take(a["x"], a["ids"][0], axis=1),
                  np.take(X, [0, 6 % 5, 3], axis=1) * np.array([1, np.nan, 1])[None, :, None]),
    "gather": (lambda a: a["x"].fn.gather(a["x"], 2, a["gidx"]),
               np.take_along_axis(X, gidx, axis=2)),
    "where": (lambda a: a["x"].fn.where(a["x"] > 0.5, a["x"], 0.0) +
              a["x"].fn.where(0.0 >= a["x"], 1.0, a["y"]) +
              a["x"].fn.where(a["x"].fn.equal(a["x"], a["x"].max(-1, keepdims=True)), 10.0, 0.0),
              np.where(X > 0.5, X, 0.0) + np.where(0.0 >= X, 1.0, Y) +
              np.where(X == X.max(-1, keepdims=True), 10.0, 0.0)),
    "compare_cast": (lambda a: (a["x"] < a["y"]).astype("f32") + (a["x"] <= 0).astype("bf16")
                     .astype("f32") + a["x"].fn.not_equal(a["x"], 0.0).astype("i32").astype("f32"),
                     (X < Y) * 1.0 + (X <= 0) + (X != 0)),
    "astype_int": (lambda a: (a["x"] * 10).astype("i64").astype("f32"),
                   np.trunc(X.astype(np.float32) * 10)),
    "argmax": (lambda a: a["x"].argmax(-1, keepdims=True).astype("f32") + a["x"].fn.argmax(
        a["x"], axis=0).astype("f32"), X.argmax(-1)[..., None] + X.argmax(0)),
    "silu_softmax_chain": (lambda a: a["x"].fn.silu(a["x"] @ a["m"]).sum(-1) / 3.0,
                           silu(X @ m).sum(-1) / 3.0),
}

module = linea.Module()
for name, (build, _) in cases.items():
    f = module.add(Function(name))
    args = {"x": f.arg("x", x.shape), "y": f.arg("y", y.shape), "m": f.arg("m", m.shape),
            "bm": f.arg("bm", bm.shape), "b1": f.arg("b1", b1.shape),
            "table": f.arg("table", table.shape), "ids": f.arg("ids", ids.shape, "i32"),
            "gidx": f.arg("gidx", gidx.shape, "i64")}
    f.ret(build(args))
lib = linea.compile(module)
inputs = [x, y, m, bm, b1, table, ids, gidx]
for name, (_, want) in cases.items():
    got = lib[name](*inputs)
    want = np.asarray(want, dtype=np.float64)
    checker.check_true(name + ": shape", got.shape == want.shape, "%s vs %s" % (got.shape,
                                                                              want.shape))
    nan = np.isnan(want)
    checker.check_true(name + ": NaN where out of range", np.array_equal(np.isnan(got), nan),
                       "NaN at %s" % np.argwhere(np.isnan(got)).tolist())
    checker.check(name, np.where(nan, 0, got), np.where(nan, 0, want), 1e-5)

# bf16 and f16 reductions accumulate in f32 and round once.
for dt in ("bf16", "f16"):
    f = Function("sum_" + dt)
    a = f.arg("a", (4, 4096), dt)
    f.ret(a.sum(-1), a.fn.softmax(a), a @ a.T)
    av = rng.standard_normal((4, 4096))
    enc = linea.dtypes.encode(av, dt)
    dec = linea.dtypes.decode(enc, dt)
    s, sm, g = linea.compile(f)(enc)
    checker.check(dt + " sum", linea.dtypes.decode(s, dt), dec.sum(-1), 1e-2)
    checker.check(dt + " softmax", linea.dtypes.decode(sm, dt), softmax(dec, -1), 1e-2)
    checker.check(dt + " a @ a.T", linea.dtypes.decode(g, dt), dec @ dec.T, 1e-2)


# Shape errors name the op and end with the user's line.
def raises(name, fn, text):
    msg = checker.raises(name, fn, ShapeError, text)
    checker.check_true(name + ": at the line that called it",
                       msg is not None and "(at %s:" % os.path.abspath(__file__) in msg, repr(msg))


f = Function("bad")
a = f.arg("a", (2, 3))
w = f.arg("w", (4, 5))
i = f.arg("i", (2,), "i32")
raises("matmul rows", lambda: a @ w, "matmul: 'b' must have 3 rows to match 'a' (2, 3), got (4, 5)")
raises("broadcast", lambda: a + w, "add: shapes (2, 3), (4, 5) do not broadcast")
raises("scalar type", lambda: a + "1", "add: operand 1 must be a value or a number, got str")
raises("axis", lambda: a.sum(axis=2), "sum: axis 2 is out of range for shape (2, 3)")
raises("argmax axes", lambda: a.argmax(axis=(0, 1)), "argmax: takes one axis")
raises("int arithmetic", lambda: i * 2, "mul: operand 0 has element type i32")
raises("where cond", lambda: f.where(a, a, 0.0), "where: 'cond' must be a boolean tensor")
raises("take indices", lambda: f.take(a, a), "take: 'indices' must be an i32 or i64 tensor")
raises("getitem bounds", lambda: a[2], "getitem: index 2 is out of bounds for a dimension of 2")
raises("getitem step", lambda: a[:, ::2], "getitem: slice")
raises("getitem tensor", lambda: a[i], "use take or gather")
raises("ret bool", lambda: f.ret(a > 0), "ret: result 0 is a boolean tensor")
raises("const type", lambda: f.const(np.array([1.5]), "i32"), "const: float64 data does not "
       "convert to i32")

checker.finish()
