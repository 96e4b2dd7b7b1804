# RUN: %python %s
# linea-reassociate inside the CPU pipeline: (Q K^T) V on 512 tokens with
# d = 16 runs as Q (K^T V) and still equals the float64 product, batched and
# not; the written order gives the same numbers.

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
# The pipeline reorders both chains: no 512 x 512 product is left.
opt = os.path.join(os.environ["LINEA_BUILD_DIR"], "bin", "linea-opt")
lowered = subprocess.run([opt, "--linea-reassociate", "-"], input=text, capture_output=True,
                         text=True, check=True).stdout
checker.check_true("no 512x512 scores after linea-reassociate", "512x512" not in lowered)

lib = linea.compile_text(text)
q, k, v = (rng.standard_normal((2, N, d)).astype(np.float32) for _ in range(3))
want = np.einsum("bnd,bmd,bme->bne", q.astype(np.float64), k.astype(np.float64),
                 v.astype(np.float64))
checker.check("reordered chain", lib.scores_then_values(q[0], k[0], v[0]), want[0], 1e-5)
checker.check("reordered batched chain", lib.batched(q, k, v), want, 1e-5)
checker.finish()
