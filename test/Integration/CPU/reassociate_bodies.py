# RUN: %python %s
# Products are products: a chain (Q K^T) V written as two linalg.generic
# contractions, where one of them applies a unary math or arith op to an
# input, to the product, to the accumulator or to the sum (what elementwise
# fusion makes of tanh(Q K^T) V), or combines them otherwise (a scaled or
# shifted product, acc - a b, max(acc, a b)). linea-reassociate must leave
# every such chain as it is; only the plain multiply-add may become
# Q (K^T V). Each function is compiled through the CPU pipeline and run
# against a float64 fold of its body, written here from the IR's meaning.

import re
import subprocess

import numpy as np

import linea
from linea.compiler import _find_tool
from linea.testing import Checker

N, D = 128, 8  # (Q K^T) V costs 2 N^2 D, Q (K^T V) 2 N D^2: reordering pays
UNARY = {
    "tanh": ("math.tanh", np.tanh), "exp": ("math.exp", np.exp),
    "absf": ("math.absf", np.abs), "negf": ("arith.negf", np.negative),
    "sin": ("math.sin", np.sin), "sqrt": ("math.sqrt", np.sqrt),
}
# Where the unary op goes: on an input, the product, the accumulator, the sum.
POSITIONS = ("a", "b", "prod", "acc", "sum")


def unary_body(op, where):
    """The body's MLIR lines and its float64 step (acc, a, b) -> acc."""
    name, f = UNARY[op]
    a, b, prod, acc = "%a", "%b", "%p", "%acc"
    lines = []

    def apply(v):
        lines.append("%%f = %s %s : f32" % (name, v))
        return "%f"
    if where == "a":
        a = apply(a)
    if where == "b":
        b = apply(b)
    lines.append("%%p = arith.mulf %s, %s : f32" % (a, b))
    if where == "prod":
        prod = apply(prod)
    if where == "acc":
        acc = apply(acc)
    lines.append("%%s = arith.addf %s, %s : f32" % (acc, prod))
    out = apply("%s") if where == "sum" else "%s"
    lines.append("linalg.yield %s : f32" % out)

    def step(c, x, y):
        x = f(x) if where == "a" else x
        y = f(y) if where == "b" else y
        p = x * y
        p = f(p) if where == "prod" else p
        c = f(c) if where == "acc" else c
        s = c + p
        return f(s) if where == "sum" else s
    return lines, step


OTHER = {
    # name: (body lines, float64 step)
    "plain": (["%p = arith.mulf %a, %b : f32", "%s = arith.addf %acc, %p : f32",
               "linalg.yield %s : f32"], lambda c, x, y: c + x * y),
    "plain swapped": (["%p = arith.mulf %b, %a : f32", "%s = arith.addf %p, %acc : f32",
                       "linalg.yield %s : f32"], lambda c, x, y: c + x * y),
    "scaled": (["%two = arith.constant 2.0 : f32", "%p0 = arith.mulf %a, %b : f32",
                "%p = arith.mulf %p0, %two : f32", "%s = arith.addf %acc, %p : f32",
                "linalg.yield %s : f32"], lambda c, x, y: c + 2 * x * y),
    "shifted": (["%one = arith.constant 1.0 : f32", "%a1 = arith.addf %a, %one : f32",
                 "%p = arith.mulf %a1, %b : f32", "%s = arith.addf %acc, %p : f32",
                 "linalg.yield %s : f32"], lambda c, x, y: c + (x + 1) * y),
    "squared": (["%p0 = arith.mulf %a, %a : f32", "%p = arith.mulf %p0, %b : f32",
                 "%s = arith.addf %acc, %p : f32", "linalg.yield %s : f32"],
                lambda c, x, y: c + x * x * y),
    "sub": (["%p = arith.mulf %a, %b : f32", "%s = arith.subf %acc, %p : f32",
             "linalg.yield %s : f32"], lambda c, x, y: c - x * y),
    "max": (["%p = arith.mulf %a, %b : f32", "%s = arith.maximumf %acc, %p : f32",
             "linalg.yield %s : f32"], lambda c, x, y: np.maximum(c, x * y)),
    "acc times": (["%p = arith.mulf %a, %b : f32", "%s = arith.addf %acc, %p : f32",
                   "%t = arith.mulf %s, %acc : f32", "linalg.yield %t : f32"],
                  lambda c, x, y: (c + x * y) * c),
}

SCORES_MAPS = ("affine_map<(i, j, c) -> (i, c)>", "affine_map<(i, j, c) -> (j, c)>",
               "affine_map<(i, j, c) -> (i, j)>")
OUT_MAPS = ("affine_map<(i, e, j) -> (i, j)>", "affine_map<(i, e, j) -> (j, e)>",
            "affine_map<(i, e, j) -> (i, e)>")
PLAIN = OTHER["plain"][0]


def contraction(result, lhs, rhs, lhs_t, rhs_t, out_t, maps, body):
    zero = result + "z"
    return """  %{z}e = tensor.empty() : {out_t}
  %{z} = linalg.fill ins(%zero : f32) outs(%{z}e : {out_t}) -> {out_t}
  %{r} = linalg.generic {{indexing_maps = [{m0}, {m1}, {m2}], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%{l}, %{rr} : {lt}, {rt}) outs(%{z} : {out_t}) {{
  ^bb0(%a: f32, %b: f32, %acc: f32):
    {body}
  }} -> {out_t}
""".format(z=zero, r=result, l=lhs, rr=rhs, lt=lhs_t, rt=rhs_t, out_t=out_t, m0=maps[0],
           m1=maps[1], m2=maps[2], body="\n    ".join(body))


def chain_function(fn, scores_body, out_body):
    qt, st = "tensor<%dx%dxf32>" % (N, D), "tensor<%dx%dxf32>" % (N, N)
    return ("func.func @%s(%%q: %s, %%k: %s, %%v: %s) -> %s {\n  %%zero = arith.constant 0.0 : f32\n"
            % (fn, qt, qt, qt, qt) +
            contraction("scores", "q", "k", qt, qt, st, SCORES_MAPS, scores_body) +
            contraction("out", "scores", "v", st, qt, qt, OUT_MAPS, out_body) +
            "  return %%out : %s\n}\n" % qt)


def fold(step, a, b):
    """out[i, j] = step(... step(step(0, a[i, 0], b[0, j]), a[i, 1], b[1, j]) ...)."""
    acc = np.zeros((a.shape[0], b.shape[1]))
    for k in range(a.shape[1]):
        acc = step(acc, a[:, k:k + 1], b[k:k + 1, :])
    return acc


variants = []  # (function name, which product is altered, body, step)
for op in UNARY:
    for where in POSITIONS:
        if op == "exp" and where in ("acc", "sum"):
            continue  # exp of a running sum, 128 times over, is inf
        lines, step = unary_body(op, where)
        variants.append(("%s_%s" % (op, where), lines, step))
for name, (lines, step) in OTHER.items():
    variants.append((name.replace(" ", "_"), lines, step))

text = ""
cases = []
for name, lines, step in variants:
    for altered in ("outer", "inner"):
        fn = "%s_%s" % (altered, name)
        text += chain_function(fn, lines if altered == "inner" else PLAIN,
                               lines if altered == "outer" else PLAIN)
        cases.append((fn, name, altered, step))

checker = Checker()
rng = np.random.default_rng(24)
# Positive inputs: sqrt is defined, exp and the folds stay finite.
q, k, v = (rng.uniform(0.05, 0.5, (N, D)).astype(np.float32) for _ in range(3))
q64, k64, v64 = (x.astype(np.float64) for x in (q, k, v))

# Which functions the pass reorders (a reordered chain has no N x N tensor).
opt = subprocess.run([_find_tool("linea-opt"), "--linea-reassociate", "-"], input=text,
                     capture_output=True, text=True, check=True).stdout
bodies = dict(re.findall(r"func\.func @(\w+)\((.*?)\n  \}\n", opt, re.S))
lib = linea.compile(text)
for fn, name, altered, step in cases:
    reordered = "tensor<%dx%dxf32>" % (N, N) not in bodies[fn]
    plain = name.startswith("plain")
    checker.check_true("%s: %s" % (fn, "reordered" if plain else "left alone"),
                       reordered == plain, "reordered" if reordered else "not reordered")
    if altered == "inner":
        want = fold(step, q64, k64.T) @ v64
    else:
        want = fold(step, q64 @ k64.T, v64)
    checker.check(fn + ": result", lib[fn](q, k, v), want, 1e-5)
checker.finish()
