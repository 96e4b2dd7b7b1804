# RUN: %python %s
# linea-reassociate inside the CPU pipeline: (Q K^T) V on 512 tokens with
# d = 16 runs as Q (K^T V) and still equals the float64 product, batched and
# not, written with transposes or through indexing maps; masked and scaled attention as torch-mlir writes it is raised into
# linea.linear_attention and still computes tril(s Q K^T) V (or with a decay
# mask gamma^(i-j)).

import subprocess
import os

import numpy as np

import linea
from linea.testing import Checker

checker = Checker()
rng = np.random.default_rng(8)
N, d = 512, 16
text = """
func.func @scores_then_values(%q: tensor<512x16xf32>, %k: tensor<512x16xf32>, %v: tensor<512x16xf32>) -> tensor<512x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<16x512xf32>
  %kt = linalg.transpose ins(%k : tensor<512x16xf32>) outs(%et : tensor<16x512xf32>) permutation = [1, 0]
  %es = tensor.empty() : tensor<512x512xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<512x512xf32>) -> tensor<512x512xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<512x16xf32>, tensor<16x512xf32>) outs(%fs : tensor<512x512xf32>) -> tensor<512x512xf32>
  %eo = tensor.empty() : tensor<512x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<512x16xf32>) -> tensor<512x16xf32>
  %o = linalg.matmul ins(%s, %v : tensor<512x512xf32>, tensor<512x16xf32>) outs(%fo : tensor<512x16xf32>) -> tensor<512x16xf32>
  return %o : tensor<512x16xf32>
}
func.func @batched(%q: tensor<2x512x16xf32>, %k: tensor<2x512x16xf32>, %v: tensor<2x512x16xf32>) -> tensor<2x512x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x16x512xf32>
  %kt = linalg.transpose ins(%k : tensor<2x512x16xf32>) outs(%0 : tensor<2x16x512xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x512x512xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x512x512xf32>) -> tensor<2x512x512xf32>
  %3 = linalg.batch_matmul ins(%q, %kt : tensor<2x512x16xf32>, tensor<2x16x512xf32>) outs(%2 : tensor<2x512x512xf32>) -> tensor<2x512x512xf32>
  %4 = tensor.empty() : tensor<2x512x16xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x512x16xf32>) -> tensor<2x512x16xf32>
  %6 = linalg.batch_matmul ins(%3, %v : tensor<2x512x512xf32>, tensor<2x512x16xf32>) outs(%5 : tensor<2x512x16xf32>) -> tensor<2x512x16xf32>
  return %6 : tensor<2x512x16xf32>
}
"""
MAP = "affine_map<(d0, d1, d2) -> (d0, d1, d2)>"
text += """
func.func @masked(%q: tensor<2x64x16xf32>, %k: tensor<2x64x16xf32>, %v: tensor<2x64x16xf32>) -> tensor<2x64x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %sc = arith.constant 4.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x16x64xf32>
  %kt = linalg.transpose ins(%k : tensor<2x64x16xf32>) outs(%0 : tensor<2x16x64xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x64x64xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x64x64xf32>) -> tensor<2x64x64xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<2x64x16xf32>, tensor<2x16x64xf32>) outs(%2 : tensor<2x64x64xf32>) -> tensor<2x64x64xf32>
  %s = linalg.generic {indexing_maps = [MAP, MAP], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<2x64x64xf32>) outs(%1 : tensor<2x64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sge, %i, %j : index
    %d = arith.divf %in, %sc : f32
    %r = arith.select %c, %d, %cst : f32
    linalg.yield %r : f32
  } -> tensor<2x64x64xf32>
  %4 = tensor.empty() : tensor<2x64x16xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x64x16xf32>) -> tensor<2x64x16xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<2x64x64xf32>, tensor<2x64x16xf32>) outs(%5 : tensor<2x64x16xf32>) -> tensor<2x64x16xf32>
  return %o : tensor<2x64x16xf32>
}
""".replace("MAP", MAP)
gamma = 0.9
decay_mask = [[gamma ** (i - j) if j <= i else 0.0 for j in range(32)] for i in range(32)]
text += """
func.func @decayed(%q: tensor<1x32x8xf32>, %k: tensor<1x32x8xf32>, %v: tensor<1x32x8xf32>) -> tensor<1x32x8xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %mask = arith.constant dense<MASK> : tensor<32x32xf32>
  %0 = tensor.empty() : tensor<1x8x32xf32>
  %kt = linalg.transpose ins(%k : tensor<1x32x8xf32>) outs(%0 : tensor<1x8x32xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x32x32xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x32x32xf32>) -> tensor<1x32x32xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x32x8xf32>, tensor<1x8x32xf32>) outs(%2 : tensor<1x32x32xf32>) -> tensor<1x32x32xf32>
  %s = linalg.generic {indexing_maps = [MAP, affine_map<(d0, d1, d2) -> (d1, d2)>, MAP], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0, %mask : tensor<1x32x32xf32>, tensor<32x32xf32>) outs(%1 : tensor<1x32x32xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %r = arith.mulf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x32x32xf32>
  %4 = tensor.empty() : tensor<1x32x8xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x32x8xf32>) -> tensor<1x32x8xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x32x32xf32>, tensor<1x32x8xf32>) outs(%5 : tensor<1x32x8xf32>) -> tensor<1x32x8xf32>
  return %o : tensor<1x32x8xf32>
}
""".replace("MAP", MAP).replace("MASK", "[" + ", ".join(
    "[" + ", ".join("%.9e" % x for x in row) + "]" for row in decay_mask) + "]")

# The same chain through indexing maps: K read transposed by the scores'
# matmul, V shared by both batches (a generic without the batch dimension),
# and scores read transposed by the next product ((Q K^T)^T V = K Q^T V).
text += """
func.func @through_maps(%q: tensor<2x512x16xf32>, %k: tensor<2x512x16xf32>, %v: tensor<512x16xf32>) -> tensor<2x512x16xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<2x512x512xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<2x512x512xf32>) -> tensor<2x512x512xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%q, %k : tensor<2x512x16xf32>, tensor<2x512x16xf32>) outs(%fs : tensor<2x512x512xf32>) -> tensor<2x512x512xf32>
  %eo = tensor.empty() : tensor<2x512x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<2x512x16xf32>) -> tensor<2x512x16xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %v : tensor<2x512x512xf32>, tensor<512x16xf32>) outs(%fo : tensor<2x512x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x512x16xf32>
  return %o : tensor<2x512x16xf32>
}
func.func @transposed_scores(%q: tensor<512x16xf32>, %k: tensor<512x16xf32>, %v: tensor<512x16xf32>) -> tensor<512x16xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<512x512xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<512x512xf32>) -> tensor<512x512xf32>
  %s = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%q, %k : tensor<512x16xf32>, tensor<512x16xf32>) outs(%fs : tensor<512x512xf32>) -> tensor<512x512xf32>
  %eo = tensor.empty() : tensor<512x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<512x16xf32>) -> tensor<512x16xf32>
  %o = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%s, %v : tensor<512x512xf32>, tensor<512x16xf32>) outs(%fo : tensor<512x16xf32>) -> tensor<512x16xf32>
  return %o : tensor<512x16xf32>
}
"""

# The pipeline reorders every chain: no 512 x 512 product is left, and the
# masked ones become linea ops.
opt = os.path.join(os.environ["LINEA_BUILD_DIR"], "bin", "linea-opt")
lowered = subprocess.run([opt, "--linea-reassociate", "-"], input=text, capture_output=True,
                         text=True, check=True).stdout
checker.check_true("no 512x512 scores after linea-reassociate", "512x512" not in lowered)
checker.check_true("masked attention raised", lowered.count("linea.linear_attention") == 2)

lib = linea.compile_text(text)
q, k, v = (rng.standard_normal((2, N, d)).astype(np.float32) for _ in range(3))
want = np.einsum("bnd,bmd,bme->bne", q.astype(np.float64), k.astype(np.float64),
                 v.astype(np.float64))
checker.check("reordered chain", lib.scores_then_values(q[0], k[0], v[0]), want[0], 1e-5)
checker.check("reordered batched chain", lib.batched(q, k, v), want, 1e-5)
shared = v[0]
want_shared = np.einsum("bnd,bmd,me->bne", q.astype(np.float64), k.astype(np.float64),
                        shared.astype(np.float64))
checker.check("reordered through transposing and broadcasting maps",
              lib.through_maps(q, k, shared), want_shared, 1e-5)
want_t = np.einsum("md,nd,ne->me", k[0].astype(np.float64), q[0].astype(np.float64),
                   v[0].astype(np.float64))
checker.check("reordered (Q K^T)^T V", lib.transposed_scores(q[0], k[0], v[0]), want_t, 1e-5)
q, k, v = (rng.standard_normal((2, 64, 16)) for _ in range(3))
s = np.tril(np.einsum("bnd,bmd->bnm", q, k) / 4.0)
checker.check("raised tril(Q K^T / 4) V", lib.masked(*[a.astype(np.float32) for a in (q, k, v)]),
              s @ v, 1e-5)
q, k, v = (rng.standard_normal((1, 32, 8)) for _ in range(3))
s = np.einsum("bnd,bmd->bnm", q, k) * np.array(decay_mask)
checker.check("raised decay-masked attention", lib.decayed(*[a.astype(np.float32) for a in (q, k, v)]),
              s @ v, 1e-5)
checker.finish()
