// RUN: linea-opt %s -linea-reassociate -split-input-file | FileCheck %s

// What torch-mlir emits for torch.tril(q @ k.transpose(-1, -2)) @ v: one
// causal head, K read from before its transpose, scale 1.
// CHECK-LABEL: func @torch_tril
// CHECK-SAME:    (%[[Q:.+]]: tensor<2x8x4xf32>, %[[K:.+]]: tensor<2x8x4xf32>, %[[V:.+]]: tensor<2x8x4xf32>)
// CHECK-DAG:     %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3]] output_shape [2, 8, 1, 4]
// CHECK-DAG:     %[[K4:.+]] = tensor.expand_shape %[[K]] {{\[}}[0], [1], [2, 3]] output_shape [2, 8, 1, 4]
// CHECK-DAG:     %[[V4:.+]] = tensor.expand_shape %[[V]] {{\[}}[0], [1], [2, 3]] output_shape [2, 8, 1, 4]
// CHECK:         %[[O4:.+]] = linea.linear_attention %[[Q4]], %[[K4]], %[[V4]] {causal, scale = 1.000000e+00 : f32} : tensor<2x8x1x4xf32>, tensor<2x8x1x4xf32>, tensor<2x8x1x4xf32>
// CHECK:         %[[O:.+]] = tensor.collapse_shape %[[O4]] {{\[}}[0], [1], [2, 3]] : tensor<2x8x1x4xf32> into tensor<2x8x4xf32>
// CHECK-NOT:     linalg.batch_matmul
// CHECK:         return %[[O]]

func.func @torch_tril(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x8x4xf32>) outs(%0 : tensor<2x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<2x8x8xf32>) outs(%1 : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sge, %i, %j : index
    %r = arith.select %c, %in, %cst : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %4 = tensor.empty() : tensor<2x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%5 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// Scaled by 1/sqrt(d) (a division) and masked, in either order of the
// comparison.
// CHECK-LABEL: func @scaled_tril
// CHECK:         linea.linear_attention {{.*}} {causal, scale = 1.250000e-01 : f32}
// CHECK-NOT:     linalg.batch_matmul

func.func @scaled_tril(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x8x4xf32>) outs(%0 : tensor<2x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sc = arith.constant 8.000000e+00 : f32
  %s1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<2x8x8xf32>) outs(%1 : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %in, %sc : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s1 : tensor<2x8x8xf32>) outs(%1 : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi ule, %j, %i : index
    %r = arith.select %c, %in, %cst : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %4 = tensor.empty() : tensor<2x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%5 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// A RetNet-style decay mask gamma^(i-j), gamma = 0.5, as a constant.
// CHECK-LABEL: func @decay_mask
// CHECK:         linea.linear_attention {{.*}} {causal, decay = array<f32: -0.693147182>, scale = 1.000000e+00 : f32}

func.func @decay_mask(%q: tensor<1x4x4xf32>, %k: tensor<1x4x4xf32>, %v: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x4x4xf32>) outs(%0 : tensor<1x4x4xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x4x4xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%2 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %mask = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.5, 1.0, 0.0, 0.0], [0.25, 0.5, 1.0, 0.0], [0.125, 0.25, 0.5, 1.0]]> : tensor<4x4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0, %mask : tensor<1x4x4xf32>, tensor<4x4xf32>) outs(%1 : tensor<1x4x4xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %r = arith.mulf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  %4 = tensor.empty() : tensor<1x4x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%5 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %o : tensor<1x4x4xf32>
}

// -----

// A constant causal mask of ones.
// CHECK-LABEL: func @ones_mask
// CHECK:         linea.linear_attention {{.*}} {causal, scale = 1.000000e+00 : f32}

func.func @ones_mask(%q: tensor<1x4x4xf32>, %k: tensor<1x4x4xf32>, %v: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x4x4xf32>) outs(%0 : tensor<1x4x4xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x4x4xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%2 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %mask = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]]> : tensor<4x4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0, %mask : tensor<1x4x4xf32>, tensor<4x4xf32>) outs(%1 : tensor<1x4x4xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %r = arith.mulf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  %4 = tensor.empty() : tensor<1x4x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%5 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %o : tensor<1x4x4xf32>
}

// -----

// An upper-triangular mask is not causal attention: untouched.
// CHECK-LABEL: func @upper_mask
// CHECK-NOT:     linea.
// CHECK:         linalg.batch_matmul
// CHECK:         linalg.batch_matmul

func.func @upper_mask(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x8x4xf32>) outs(%0 : tensor<2x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<2x8x8xf32>) outs(%1 : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sle, %i, %j : index
    %r = arith.select %c, %in, %cst : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %4 = tensor.empty() : tensor<2x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%5 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// A strict mask (the current token excluded) is not this op's semantics.
// CHECK-LABEL: func @strict_mask
// CHECK-NOT:     linea.

func.func @strict_mask(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x8x4xf32>) outs(%0 : tensor<2x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<2x8x8xf32>) outs(%1 : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sgt, %i, %j : index
    %r = arith.select %c, %in, %cst : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %4 = tensor.empty() : tensor<2x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%5 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// A mask that is neither ones nor a power of one gamma: untouched.
// CHECK-LABEL: func @other_mask
// CHECK-NOT:     linea.

func.func @other_mask(%q: tensor<1x4x4xf32>, %k: tensor<1x4x4xf32>, %v: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<1x4x4xf32>) outs(%0 : tensor<1x4x4xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x4x4xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%2 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %mask = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.5, 1.0, 0.0, 0.0], [1.0, 0.5, 1.0, 0.0], [1.0, 1.0, 0.5, 1.0]]> : tensor<4x4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0, %mask : tensor<1x4x4xf32>, tensor<4x4xf32>) outs(%1 : tensor<1x4x4xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %r = arith.mulf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4xf32>
  %4 = tensor.empty() : tensor<1x4x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x4x4xf32>, tensor<1x4x4xf32>) outs(%5 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %o : tensor<1x4x4xf32>
}

// -----

// A non-linearity between the products (here the exp of a softmax):
// untouched.
// CHECK-LABEL: func @with_exp
// CHECK-NOT:     linea.
// CHECK:         math.exp

func.func @with_exp(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x8x4xf32>) outs(%0 : tensor<2x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<2x8x8xf32>) outs(%1 : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %4 = tensor.empty() : tensor<2x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%5 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// Unbatched matmuls and a K^T that is no transpose: one head of batch 1, K
// transposed back.
// CHECK-LABEL: func @unbatched
// CHECK-SAME:    (%[[Q:.+]]: tensor<8x4xf32>, %[[KT:.+]]: tensor<4x8xf32>, %[[V:.+]]: tensor<8x4xf32>)
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[KT]] : tensor<4x8xf32>) outs(%{{.+}} : tensor<8x4xf32>) permutation = [1, 0]
// CHECK:         tensor.expand_shape %[[K]] {{\[}}[0, 1], [2, 3]] output_shape [1, 8, 1, 4]
// CHECK:         linea.linear_attention {{.*}} {causal, scale = 5.000000e-01 : f32} : tensor<1x8x1x4xf32>
// CHECK:         tensor.collapse_shape %{{.+}} {{\[}}[0, 1], [2, 3]] : tensor<1x8x1x4xf32> into tensor<8x4xf32>
func.func @unbatched(%q: tensor<8x4xf32>, %kt: tensor<4x8xf32>, %v: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %half = arith.constant 5.000000e-01 : f32
  %1 = tensor.empty() : tensor<8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %s0 = linalg.matmul ins(%q, %kt : tensor<8x4xf32>, tensor<4x8xf32>) outs(%2 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s0 : tensor<8x8xf32>) outs(%1 : tensor<8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi uge, %i, %j : index
    %m = arith.mulf %in, %half : f32
    %r = arith.select %c, %m, %cst : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %4 = tensor.empty() : tensor<8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %o = linalg.matmul ins(%s, %v : tensor<8x8xf32>, tensor<8x4xf32>) outs(%5 : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

// -----

// A decay mask gamma^(i - j) built from the indices with powf, as a
// frontend writes it: raised with the per-head decay log(gamma).
// CHECK-LABEL: func @index_decay_powf
// CHECK:         linea.linear_attention {{.*}} {causal, decay = array<f32: -0.693147{{[0-9]*}}>, scale = 1.000000e+00 : f32}
// CHECK-NOT:     linalg.batch_matmul
func.func @index_decay_powf(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x8x4xf32>) outs(%0 : tensor<1x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x8x4xf32>, tensor<1x4x8xf32>) outs(%2 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<1x8x8xf32>) outs(%1 : tensor<1x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sge, %i, %j : index
    %d = arith.subi %i, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %g = arith.constant 5.000000e-01 : f32
    %p = math.powf %g, %df : f32
    %x = arith.mulf %in, %p : f32
    %r = arith.select %c, %x, %cst : f32
    linalg.yield %r : f32
  } -> tensor<1x8x8xf32>
  %4 = tensor.empty() : tensor<1x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x8x8xf32>, tensor<1x8x4xf32>) outs(%5 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %o : tensor<1x8x4xf32>
}

// -----

// The same decay as exp((i - j) log gamma), selected, then scaled: the scale
// on the mask's side is the op's scale.
// CHECK-LABEL: func @index_decay_exp
// CHECK:         linea.linear_attention {{.*}} {causal, decay = array<f32: -0.693147{{[0-9]*}}>, scale = 2.500000e-01 : f32}
func.func @index_decay_exp(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x8x4xf32>) outs(%0 : tensor<1x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x8x4xf32>, tensor<1x4x8xf32>) outs(%2 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<1x8x8xf32>) outs(%1 : tensor<1x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sle, %j, %i : index
    %d = arith.subi %i, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %lg = arith.constant -6.931471806e-01 : f32
    %a = arith.mulf %df, %lg : f32
    %e = math.exp %a : f32
    %x = arith.select %c, %e, %cst : f32
    %quarter = arith.constant 2.500000e-01 : f32
    %y = arith.mulf %x, %quarter : f32
    %r = arith.mulf %y, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x8x8xf32>
  %4 = tensor.empty() : tensor<1x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x8x8xf32>, tensor<1x8x4xf32>) outs(%5 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %o : tensor<1x8x4xf32>
}

// -----

// A causal mask as a product with the comparison's 0/1 value.
// CHECK-LABEL: func @times_comparison
// CHECK:         linea.linear_attention {{.*}} {causal, scale = 1.000000e+00 : f32}
func.func @times_comparison(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x8x4xf32>) outs(%0 : tensor<1x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x8x4xf32>, tensor<1x4x8xf32>) outs(%2 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<1x8x8xf32>) outs(%1 : tensor<1x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpi sge, %i, %j : index
    %m = arith.uitofp %c : i1 to f32
    %r = arith.mulf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x8x8xf32>
  %4 = tensor.empty() : tensor<1x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x8x8xf32>, tensor<1x8x4xf32>) outs(%5 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %o : tensor<1x8x4xf32>
}

// -----

// A mask that depends on the scores themselves (here a ReLU) is no
// attention mask: left alone.
// CHECK-LABEL: func @data_dependent_mask
// CHECK-NOT:     linea.linear_attention
// CHECK:         arith.cmpf ogt
// CHECK:         linalg.batch_matmul
func.func @data_dependent_mask(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x8x4xf32>) outs(%0 : tensor<1x4x8xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<1x8x8xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s0 = linalg.batch_matmul ins(%q, %kt : tensor<1x8x4xf32>, tensor<1x4x8xf32>) outs(%2 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s0 : tensor<1x8x8xf32>) outs(%1 : tensor<1x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c = arith.cmpf ogt, %in, %cst : f32
    %r = arith.select %c, %in, %cst : f32
    linalg.yield %r : f32
  } -> tensor<1x8x8xf32>
  %4 = tensor.empty() : tensor<1x8x4xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<1x8x8xf32>, tensor<1x8x4xf32>) outs(%5 : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  return %o : tensor<1x8x4xf32>
}
