# RUN: %python %s
# Large f32 matmuls (through BLIS where Linea was built with it, as generated
# code with --no-blas) against float64 numpy: row blocks, a decode row split
# into column blocks, a transposed weight, a batch, an operand that is a view
# with a row stride of its own (a slice of a fused projection), accumulation
# into a non-zero output, and a model layer whose projections run alongside
# the linea op.

import numpy as np

import linea
from linea.testing import TOLERANCE, Checker

rng = np.random.default_rng(25)
checker = Checker()

T = "tensor<%sxf32>"


def t(*shape):
    return T % "x".join(map(str, shape))


def matmul_function(name, x, w, y):
    """A plain linalg.matmul of x and w into zeros, as func.func @name."""
    return """func.func @{n}(%x: {x}, %w: {w}) -> {y} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {y}
  %f = linalg.fill ins(%z : f32) outs(%e : {y}) -> {y}
  %r = linalg.matmul ins(%x, %w : {x}, {w}) outs(%f : {y}) -> {y}
  return %r : {y}
}}
""".format(n=name, x=x, w=w, y=y)


MODULE = """
func.func @decode_transposed(%x: {dx}, %w: {dw}) -> {dy} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {dy}
  %f = linalg.fill ins(%z : f32) outs(%e : {dy}) -> {dy}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : {dx}, {dw}) outs(%f : {dy}) -> {dy}
  return %r : {dy}
}}
func.func @batched(%a: {ba}, %b: {bb}) -> {bc} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {bc}
  %f = linalg.fill ins(%z : f32) outs(%e : {bc}) -> {bc}
  %r = linalg.batch_matmul ins(%a, %b : {ba}, {bb}) outs(%f : {bc}) -> {bc}
  return %r : {bc}
}}
func.func @view_accumulate(%fused: {fu}, %w: {vw}, %acc: {vy}) -> {vy} {{
  %x = tensor.extract_slice %fused[0, 64] [256, 512] [1, 1] : {fu} to {vx}
  %r = linalg.matmul ins(%x, %w : {vx}, {vw}) outs(%acc : {vy}) -> {vy}
  return %r : {vy}
}}
""".format(dx=t(1, 512), dw=t(2304, 512), dy=t(1, 2304),
           ba=t(4, 128, 256), bb=t(4, 256, 272), bc=t(4, 128, 272),
           fu=t(256, 640), vx=t(256, 512), vw=t(512, 256), vy=t(256, 256)) + "".join(
    # Rows of 2048 f32 (8 KiB) apart, walked in panels; 4200 columns: two
    # whole panels, then 104 columns of their own.
    matmul_function(name, t(m, k), t(k, n), t(m, n))
    for name, m, k, n in (("rows", 520, 256, 272), ("panels", 3, 96, 2048),
                          ("ragged", 2, 64, 4200)))

f32 = lambda a: np.ascontiguousarray(a, np.float32)  # noqa: E731
x, w = f32(rng.standard_normal((520, 256))), f32(rng.standard_normal((256, 272)))
dx, dw = f32(rng.standard_normal((1, 512))), f32(rng.standard_normal((2304, 512)))
ba, bb = f32(rng.standard_normal((4, 128, 256))), f32(rng.standard_normal((4, 256, 272)))
fu, vw = f32(rng.standard_normal((256, 640))), f32(rng.standard_normal((512, 256)))
acc = f32(rng.standard_normal((256, 256)))
# Rows of 2048 f32 (8 KiB) apart: the generated code walks them in panels.
px, pw = f32(rng.standard_normal((3, 96))), f32(rng.standard_normal((96, 2048)))
# 4200 columns: two whole panels, then 104 columns of their own.
rx, rw = f32(rng.standard_normal((2, 64))), f32(rng.standard_normal((64, 4200)))
d = lambda a: a.astype(np.float64)  # noqa: E731
cases = [("rows", (x, w), d(x) @ d(w)),
         ("decode_transposed", (dx, dw), d(dx) @ d(dw).T),
         ("batched", (ba, bb), d(ba) @ d(bb)),
         ("view_accumulate", (fu, vw, acc), d(acc) + d(fu)[:, 64:576] @ d(vw)),
         ("panels", (px, pw), d(px) @ d(pw)),
         ("ragged", (rx, rw), d(rx) @ d(rw))]
for label, extra in (("blis", []), ("generated", ["--no-blas"])):
    lib = linea.compile_text(MODULE, extra_args=extra)
    for name, args, want in cases:
        checker.check("%s: %s" % (label, name), lib[name](*args), want, TOLERANCE["f32"])

# A Mamba-2 block, its projections through BLIS (in_proj 256 x 1088: 72 M
# FLOP at T = 128), against its float64 model.
layer = linea.Mamba2Block(linea.Mamba2Block.random_weights(rng, d_model=256, d_inner=512,
                                                           head_dim=64, n_groups=2,
                                                           d_state=16),
                          head_dim=64, n_groups=2)
xs = rng.standard_normal((1, 128, 256)).astype(np.float32)
y, _ = layer(xs)
checker.check("Mamba2Block with its projections", y, layer.reference(xs)[0], TOLERANCE["f32"])

# bf16 and f16 projections accumulate in f32 and round once, the bias added
# before the rounding: within 2x of rounding the exact result (a sum kept in
# bf16 would be 20x off at K = 1024).
from linea import dtypes  # noqa: E402
from linea.testing import rel_rms  # noqa: E402
for dtype in ("bf16", "f16"):
    # The last: a decode row against rows of 4096 columns (8 KiB), in panels.
    for M, K, N in ((48, 64, 40), (48, 1024, 40), (1, 256, 4096), (1, 64, 4200)):
        f = linea.Function("linear_%s_%d_%d" % (dtype, K, N))
        f.ret(f.linear(f.arg("x", (M, K), dtype), f.arg("w", (K, N), dtype),
                       f.arg("b", (N,), dtype)))
        xq, wq, bq = (dtypes.encode(rng.standard_normal(s), dtype)
                      for s in ((M, K), (K, N), (N,)))
        got = dtypes.decode(linea.compile(f)(xq, wq, bq), dtype)
        exact = dtypes.decode(xq, dtype) @ dtypes.decode(wq, dtype) + dtypes.decode(bq, dtype)
        floor = rel_rms(dtypes.decode(dtypes.encode(exact, dtype), dtype), exact)
        err = rel_rms(got, exact)
        checker.check_true("%s linear, %d x %d x %d, within 2x of one rounding (%.2e vs %.2e)"
                           % (dtype, M, K, N, err, floor), err <= 2 * floor)
checker.finish()
