// RUN: linea-opt %s -convert-linea-to-loops -split-input-file | FileCheck %s

// The chunked form of a delta rule with one decay per token is the WY
// representation on matrices: two score matrices (Q K^T and the solve's
// B K^T, each through the chunk's decay window), then (B .* P) S, Q S,
// scores U and the state's K^T U: six contractions per chunk, where the
// general rank-one transform takes eleven.
// CHECK-LABEL: func @per_head_gate
// CHECK:         scf.parallel
// CHECK-COUNT-6:   linalg.matmul
// CHECK-NOT:       linalg.matmul
// CHECK:         return
func.func @per_head_gate(%q: tensor<1x64x2x16xf32>, %k: tensor<1x64x2x16xf32>, %v: tensor<1x64x2x16xf32>,
                         %b: tensor<1x64x2xf32>, %g: tensor<1x64x2xf32>) -> tensor<1x64x2x16xf32> {
  %o = linea.gated_delta %q, %k, %v, %b gate(%g : tensor<1x64x2xf32>) {form = #linea.form<chunked>, chunk_size = 16 : i64} : tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2xf32>
  return %o : tensor<1x64x2x16xf32>
}

// -----

// One decay per key (Kimi Delta Attention) keeps the general transform:
// the scores through per-key windows (vector-matrix products), seven
// contractions for SA, the outputs and the state.
// CHECK-LABEL: func @per_key_gate
// CHECK:         scf.parallel
// CHECK-COUNT-7:   linalg.matmul
// CHECK-NOT:       linalg.matmul
// CHECK:         return
func.func @per_key_gate(%q: tensor<1x64x2x16xf32>, %k: tensor<1x64x2x16xf32>, %v: tensor<1x64x2x16xf32>,
                        %b: tensor<1x64x2xf32>, %g: tensor<1x64x2x16xf32>) -> tensor<1x64x2x16xf32> {
  %o = linea.gated_delta %q, %k, %v, %b gate(%g : tensor<1x64x2x16xf32>) {form = #linea.form<chunked>, chunk_size = 16 : i64} : tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2xf32>
  return %o : tensor<1x64x2x16xf32>
}
