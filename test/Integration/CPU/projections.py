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


MODULE = """
func.func @rows(%x: {x}, %w: {w}) -> {y} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {y}
  %f = linalg.fill ins(%z : f32) outs(%e : {y}) -> {y}
  %r = linalg.matmul ins(%x, %w : {x}, {w}) outs(%f : {y}) -> {y}
  return %r : {y}
}}
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
  %x = tensor.extract_slice %fused[0, 32] [96, 64] [1, 1] : {fu} to {vx}
  %r = linalg.matmul ins(%x, %w : {vx}, {vw}) outs(%acc : {vy}) -> {vy}
  return %r : {vy}
}}
""".format(x=t(200, 96), w=t(96, 72), y=t(200, 72),
           dx=t(1, 160), dw=t(1000, 160), dy=t(1, 1000),
           ba=t(3, 64, 40), bb=t(3, 40, 48), bc=t(3, 64, 48),
           fu=t(96, 160), vx=t(96, 64), vw=t(64, 80), vy=t(96, 80))

f32 = lambda a: np.ascontiguousarray(a, np.float32)  # noqa: E731
x, w = f32(rng.standard_normal((200, 96))), f32(rng.standard_normal((96, 72)))
dx, dw = f32(rng.standard_normal((1, 160))), f32(rng.standard_normal((1000, 160)))
ba, bb = f32(rng.standard_normal((3, 64, 40))), f32(rng.standard_normal((3, 40, 48)))
fu, vw = f32(rng.standard_normal((96, 160))), f32(rng.standard_normal((64, 80)))
acc = f32(rng.standard_normal((96, 80)))
d = lambda a: a.astype(np.float64)  # noqa: E731
cases = [("rows", (x, w), d(x) @ d(w)),
         ("decode_transposed", (dx, dw), d(dx) @ d(dw).T),
         ("batched", (ba, bb), d(ba) @ d(bb)),
         ("view_accumulate", (fu, vw, acc), d(acc) + d(fu)[:, 32:96] @ d(vw))]
for label, extra in (("blis", []), ("generated", ["--no-blas"])):
    lib = linea.compile_text(MODULE, extra_args=extra)
    for name, args, want in cases:
        checker.check("%s: %s" % (label, name), lib[name](*args), want, TOLERANCE["f32"])

# A Mamba-2 block, its projections through BLIS, against its float64 model.
layer = linea.Mamba2Block(linea.Mamba2Block.random_weights(rng, d_model=96, d_inner=192,
                                                           head_dim=32, n_groups=2,
                                                           d_state=16),
                          head_dim=32, n_groups=2)
xs = rng.standard_normal((1, 80, 96)).astype(np.float32)
y, _ = layer(xs)
checker.check("Mamba2Block with its projections", y, layer.reference(xs)[0], TOLERANCE["f32"])
checker.finish()
