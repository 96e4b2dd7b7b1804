// Found by scripts/fuzz.sh: MLIR 22.1.8's parser of linalg.transpose
// dereferences a null attribute when the permutation list is malformed
// (mlir-opt itself segfaults on this file).
func.func @f(%k: tensor<2x8x4xf32>, %e: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %kt = linalg.transpose ins(%k : tensor<2x8x4xf32>) outs(%e : tensor<2x4x8xf32>) permutation = [0,cf.cond_br 2, 1]
  return %kt : tensor<2x4x8xf32>
}
