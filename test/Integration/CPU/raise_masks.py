# RUN: %python %s
# Masks written any way: softmax-free attention (Q K^T, a mask built from
# linalg.index, then times V) with causal masks by cmpi sle / slt against
# i + 1 / sge mirrored, by select or by multiplying with the comparison,
# decay masks gamma^(i - j) by powf, fpowi or exp of a scaled difference,
# and scales on either side, is raised into linea.linear_attention; strictly
# lower, anti-causal, data-dependent and batch-dependent masks, and shifted
# scores, are left alone. Every function is compiled and run against a
# float64 reference of its mask, written here from its meaning.

import subprocess

import numpy as np

import linea
from linea.compiler import _find_tool
from linea.testing import Checker

B, N, D = 2, 64, 8
GAMMA = 0.9
CAUSAL = "%c = arith.cmpi sge, %i, %j : index"
DIFF = ["%d = arith.subi %i, %j : index", "%di = arith.index_cast %d : index to i64",
        "%df = arith.sitofp %di : i64 to f32"]
lower = np.tril(np.ones((N, N)))
decay = np.array([[GAMMA ** (i - j) if j <= i else 0.0 for j in range(N)] for i in range(N)])

# name: (body lines ending in %r, raised?, reference of the masked scores)
VARIANTS = {
    "sle": (["%c = arith.cmpi sle, %j, %i : index", "%z = arith.constant 0.0 : f32",
             "%r = arith.select %c, %in, %z : f32"], True, lambda s: s * lower),
    "slt_diagonal": (["%one = arith.constant 1 : index", "%i1 = arith.addi %i, %one : index",
                      "%c = arith.cmpi slt, %j, %i1 : index", "%z = arith.constant 0.0 : f32",
                      "%r = arith.select %c, %in, %z : f32"], True, lambda s: s * lower),
    "sge_mirrored": ([CAUSAL, "%z = arith.constant 0.0 : f32",
                      "%r = arith.select %c, %in, %z : f32"], True, lambda s: s * lower),
    "times_comparison": ([CAUSAL, "%m = arith.uitofp %c : i1 to f32",
                          "%r = arith.mulf %in, %m : f32"], True, lambda s: s * lower),
    "powf_decay": ([CAUSAL] + DIFF + ["%g = arith.constant 0.9 : f32",
                   "%p = math.powf %g, %df : f32", "%x = arith.mulf %in, %p : f32",
                   "%z = arith.constant 0.0 : f32", "%r = arith.select %c, %x, %z : f32"],
                   True, lambda s: s * decay),
    "exp_decay": ([CAUSAL] + DIFF + ["%%lg = arith.constant %.9e : f32" % np.log(GAMMA),
                  "%a = arith.mulf %df, %lg : f32", "%p = math.exp %a : f32",
                  "%z = arith.constant 0.0 : f32", "%x = arith.select %c, %p, %z : f32",
                  "%r = arith.mulf %x, %in : f32"], True, lambda s: s * decay),
    "fpowi_decay": ([CAUSAL, "%d = arith.subi %i, %j : index",
                     "%d32 = arith.index_cast %d : index to i32",
                     "%g = arith.constant 0.9 : f32", "%p = math.fpowi %g, %d32 : f32, i32",
                     "%x = arith.mulf %p, %in : f32", "%z = arith.constant 0.0 : f32",
                     "%r = arith.select %c, %x, %z : f32"], True, lambda s: s * decay),
    "scale_before": (["%quarter = arith.constant 0.25 : f32", "%x = arith.mulf %in, %quarter : f32", CAUSAL,
                      "%z = arith.constant 0.0 : f32", "%r = arith.select %c, %x, %z : f32"],
                     True, lambda s: 0.25 * s * lower),
    "scale_after_decay": ([CAUSAL] + DIFF + ["%g = arith.constant 0.9 : f32",
                          "%p = math.powf %g, %df : f32", "%x = arith.mulf %in, %p : f32",
                          "%z = arith.constant 0.0 : f32", "%y = arith.select %c, %x, %z : f32",
                          "%four = arith.constant 4.0 : f32", "%r = arith.divf %y, %four : f32"],
                          True, lambda s: 0.25 * s * decay),
    # Left alone.
    "strictly_lower": (["%c = arith.cmpi slt, %j, %i : index", "%z = arith.constant 0.0 : f32",
                        "%r = arith.select %c, %in, %z : f32"], False,
                       lambda s: s * np.tril(np.ones((N, N)), -1)),
    "anti_causal": (["%c = arith.cmpi sge, %j, %i : index", "%z = arith.constant 0.0 : f32",
                     "%r = arith.select %c, %in, %z : f32"], False, lambda s: s * lower.T),
    "data_dependent": (["%z = arith.constant 0.0 : f32", "%c = arith.cmpf ogt, %in, %z : f32",
                        "%r = arith.select %c, %in, %z : f32"], False,
                       lambda s: np.maximum(s, 0)),
    "batch_dependent": (["%b = linalg.index 0 : index", "%c0 = arith.constant 0 : index",
                         "%c = arith.cmpi eq, %b, %c0 : index", "%z = arith.constant 0.0 : f32",
                         "%r = arith.select %c, %in, %z : f32"], False, None),
    "shifted": ([CAUSAL, "%one = arith.constant 1.0 : f32", "%x = arith.addf %in, %one : f32",
                 "%z = arith.constant 0.0 : f32", "%r = arith.select %c, %x, %z : f32"],
                False, lambda s: (s + 1) * lower),
}

MAP3 = "affine_map<(b, i, j) -> (b, i, j)>"


def function(name, body):
    t = lambda *s: "tensor<%sxf32>" % "x".join(map(str, s))
    return """func.func @{name}(%q: {qt}, %k: {qt}, %v: {qt}) -> {qt} {{
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : {ktt}
  %kt = linalg.transpose ins(%k : {qt}) outs(%et : {ktt}) permutation = [0, 2, 1]
  %es = tensor.empty() : {st}
  %fs = linalg.fill ins(%zero : f32) outs(%es : {st}) -> {st}
  %s = linalg.batch_matmul ins(%q, %kt : {qt}, {ktt}) outs(%fs : {st}) -> {st}
  %masked = linalg.generic {{indexing_maps = [{m}, {m}], iterator_types = ["parallel", "parallel", "parallel"]}} ins(%s : {st}) outs(%es : {st}) {{
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    {body}
    linalg.yield %r : f32
  }} -> {st}
  %eo = tensor.empty() : {qt}
  %fo = linalg.fill ins(%zero : f32) outs(%eo : {qt}) -> {qt}
  %o = linalg.batch_matmul ins(%masked, %v : {st}, {qt}) outs(%fo : {qt}) -> {qt}
  return %o : {qt}
}}
""".format(name=name, qt=t(B, N, D), ktt=t(B, D, N), st=t(B, N, N), m=MAP3,
           body="\n    ".join(body))


text = "".join(function(name, body) for name, (body, _, _) in VARIANTS.items())
checker = Checker()
opt = subprocess.run([_find_tool("linea-opt"), "--linea-reassociate", "-"], input=text,
                     capture_output=True, text=True, check=True).stdout
lib = linea.compile(text)
rng = np.random.default_rng(24)
q, k, v = (rng.standard_normal((B, N, D)).astype(np.float32) for _ in range(3))
scores = np.einsum("bid,bjd->bij", q.astype(np.float64), k.astype(np.float64))
for name, (body, raised, mask) in VARIANTS.items():
    fn_text = opt.split("func.func @%s(" % name, 1)[1].split("func.func @", 1)[0]
    got_raised = "linea.linear_attention" in fn_text
    checker.check_true("%s: %s" % (name, "raised" if raised else "left alone"),
                       got_raised == raised, "raised" if got_raised else "not raised")
    if name == "batch_dependent":
        want = np.stack([scores[0], np.zeros_like(scores[1])]) @ v
    else:
        want = mask(scores) @ v
    checker.check(name + ": result", lib[name](q, k, v), want, 1e-5)
checker.finish()
