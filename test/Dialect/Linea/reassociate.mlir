// RUN: linea-opt %s -linea-reassociate -split-input-file | FileCheck %s

// (Q K^T) V with N = 4096 tokens and d = 64, as a frontend writes it: the
// scores are N x N. Reordered, K^T V is d x d and no N x N tensor is left.
// CHECK-LABEL: func @attention_long
// CHECK-SAME:    (%[[Q:.+]]: tensor<4096x64xf32>, %[[K:.+]]: tensor<4096x64xf32>, %[[V:.+]]: tensor<4096x64xf32>)
// CHECK:         %[[KT:.+]] = linalg.transpose ins(%[[K]]
// CHECK-NOT:     tensor<4096x4096xf32>
// CHECK:         %[[KV:.+]] = linalg.matmul ins(%[[KT]], %[[V]] : tensor<64x4096xf32>, tensor<4096x64xf32>) outs(%{{.+}} : tensor<64x64xf32>)
// CHECK:         %[[O:.+]] = linalg.matmul ins(%[[Q]], %[[KV]] : tensor<4096x64xf32>, tensor<64x64xf32>) outs(%{{.+}} : tensor<4096x64xf32>)
// CHECK-NOT:     tensor<4096x4096xf32>
// CHECK:         return %[[O]]
func.func @attention_long(%q: tensor<4096x64xf32>, %k: tensor<4096x64xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<64x4096xf32>
  %kt = linalg.transpose ins(%k : tensor<4096x64xf32>) outs(%et : tensor<64x4096xf32>) permutation = [1, 0]
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// N = 16 and d = 256: the written order is the cheaper one and stays.
// CHECK-LABEL: func @attention_short
// CHECK:         %[[S:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<16x256xf32>, tensor<256x16xf32>) outs(%{{.+}} : tensor<16x16xf32>)
// CHECK:         linalg.matmul ins(%[[S]], %{{.+}} : tensor<16x16xf32>, tensor<16x256xf32>)
func.func @attention_short(%q: tensor<16x256xf32>, %kt: tensor<256x16xf32>, %v: tensor<16x256xf32>) -> tensor<16x256xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<16x16xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<16x16xf32>) -> tensor<16x16xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<16x256xf32>, tensor<256x16xf32>) outs(%fs : tensor<16x16xf32>) -> tensor<16x16xf32>
  %eo = tensor.empty() : tensor<16x256xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<16x256xf32>) -> tensor<16x256xf32>
  %o = linalg.matmul ins(%s, %v : tensor<16x16xf32>, tensor<16x256xf32>) outs(%fo : tensor<16x256xf32>) -> tensor<16x256xf32>
  return %o : tensor<16x256xf32>
}

// -----

// Three factors written A (B C): 27000 multiply-adds; (A B) C needs 4500.
// CHECK-LABEL: func @chain_of_three
// CHECK-SAME:    (%[[A:.+]]: tensor<10x30xf32>, %[[B:.+]]: tensor<30x5xf32>, %[[C:.+]]: tensor<5x60xf32>)
// CHECK:         %[[AB:.+]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<10x30xf32>, tensor<30x5xf32>)
// CHECK:         %[[ABC:.+]] = linalg.matmul ins(%[[AB]], %[[C]] : tensor<10x5xf32>, tensor<5x60xf32>)
// CHECK:         return %[[ABC]]
func.func @chain_of_three(%a: tensor<10x30xf32>, %b: tensor<30x5xf32>, %c: tensor<5x60xf32>) -> tensor<10x60xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<30x60xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<30x60xf32>) -> tensor<30x60xf32>
  %bc = linalg.matmul ins(%b, %c : tensor<30x5xf32>, tensor<5x60xf32>) outs(%f1 : tensor<30x60xf32>) -> tensor<30x60xf32>
  %e2 = tensor.empty() : tensor<10x60xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<10x60xf32>) -> tensor<10x60xf32>
  %abc = linalg.matmul ins(%a, %bc : tensor<10x30xf32>, tensor<30x60xf32>) outs(%f2 : tensor<10x60xf32>) -> tensor<10x60xf32>
  return %abc : tensor<10x60xf32>
}

// -----

// What torch-mlir emits for (q @ k.transpose(-1, -2)) @ v on [B, N, d]:
// batch_matmul with a transposed operand. Reordered per batch.
// CHECK-LABEL: func @torch_batched
// CHECK:         %[[KT:.+]] = linalg.transpose
// CHECK:         %[[KV:.+]] = linalg.batch_matmul ins(%[[KT]], %{{.+}} : tensor<2x32x2048xf32>, tensor<2x2048x32xf32>) outs(%{{.+}} : tensor<2x32x32xf32>)
// CHECK:         linalg.batch_matmul ins(%{{.+}}, %[[KV]] : tensor<2x2048x32xf32>, tensor<2x32x32xf32>)
func.func @torch_batched(%q: tensor<2x2048x32xf32>, %k: tensor<2x2048x32xf32>, %v: tensor<2x2048x32xf32>) -> tensor<2x2048x32xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x32x2048xf32>
  %transposed = linalg.transpose ins(%k : tensor<2x2048x32xf32>) outs(%0 : tensor<2x32x2048xf32>) permutation = [0, 2, 1]
  %1 = tensor.empty() : tensor<2x2048x2048xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x2048x2048xf32>) -> tensor<2x2048x2048xf32>
  %3 = linalg.batch_matmul ins(%q, %transposed : tensor<2x2048x32xf32>, tensor<2x32x2048xf32>) outs(%2 : tensor<2x2048x2048xf32>) -> tensor<2x2048x2048xf32>
  %4 = tensor.empty() : tensor<2x2048x32xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<2x2048x32xf32>) -> tensor<2x2048x32xf32>
  %6 = linalg.batch_matmul ins(%3, %v : tensor<2x2048x2048xf32>, tensor<2x2048x32xf32>) outs(%5 : tensor<2x2048x32xf32>) -> tensor<2x2048x32xf32>
  return %6 : tensor<2x2048x32xf32>
}

// -----

// The scores are also returned: reordering would compute them anyway, so
// the chain is left alone.
// CHECK-LABEL: func @scores_used_twice
// CHECK:         %[[S:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<512x16xf32>, tensor<16x512xf32>)
// CHECK:         linalg.matmul ins(%[[S]], %{{.+}} : tensor<512x512xf32>, tensor<512x16xf32>)
func.func @scores_used_twice(%q: tensor<512x16xf32>, %kt: tensor<16x512xf32>, %v: tensor<512x16xf32>) -> (tensor<512x16xf32>, tensor<512x512xf32>) {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<512x512xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<512x512xf32>) -> tensor<512x512xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<512x16xf32>, tensor<16x512xf32>) outs(%fs : tensor<512x512xf32>) -> tensor<512x512xf32>
  %eo = tensor.empty() : tensor<512x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<512x16xf32>) -> tensor<512x16xf32>
  %o = linalg.matmul ins(%s, %v : tensor<512x512xf32>, tensor<512x16xf32>) outs(%fo : tensor<512x16xf32>) -> tensor<512x16xf32>
  return %o, %s : tensor<512x16xf32>, tensor<512x512xf32>
}

// -----

// A product that accumulates into a non-zero init is not a pure product:
// untouched. So is anything non-linear between the products.
// CHECK-LABEL: func @not_a_chain
// CHECK:         %[[S:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<512x16xf32>, tensor<16x512xf32>) outs(%{{.+}} : tensor<512x512xf32>)
// CHECK:         %[[E:.+]] = linalg.exp ins(%[[S]]
// CHECK:         linalg.matmul ins(%[[E]], %{{.+}} : tensor<512x512xf32>, tensor<512x16xf32>)
// CHECK:         %[[S2:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<512x16xf32>, tensor<16x512xf32>) outs(%{{.+}} : tensor<512x512xf32>)
// CHECK:         linalg.matmul ins(%[[S2]], %{{.+}} : tensor<512x512xf32>, tensor<512x16xf32>) outs(%{{.+}} : tensor<512x16xf32>)
func.func @not_a_chain(%q: tensor<512x16xf32>, %kt: tensor<16x512xf32>, %v: tensor<512x16xf32>, %acc: tensor<512x16xf32>) -> (tensor<512x16xf32>, tensor<512x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<512x512xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<512x512xf32>) -> tensor<512x512xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<512x16xf32>, tensor<16x512xf32>) outs(%fs : tensor<512x512xf32>) -> tensor<512x512xf32>
  %e = linalg.exp ins(%s : tensor<512x512xf32>) outs(%es : tensor<512x512xf32>) -> tensor<512x512xf32>
  %eo = tensor.empty() : tensor<512x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<512x16xf32>) -> tensor<512x16xf32>
  %o = linalg.matmul ins(%e, %v : tensor<512x512xf32>, tensor<512x16xf32>) outs(%fo : tensor<512x16xf32>) -> tensor<512x16xf32>
  %s2 = linalg.matmul ins(%q, %kt : tensor<512x16xf32>, tensor<16x512xf32>) outs(%fs : tensor<512x512xf32>) -> tensor<512x512xf32>
  %o2 = linalg.matmul ins(%s2, %v : tensor<512x512xf32>, tensor<512x16xf32>) outs(%acc : tensor<512x16xf32>) -> tensor<512x16xf32>
  return %o, %o2 : tensor<512x16xf32>, tensor<512x16xf32>
}

// -----

// Q K^T written as a matmul whose maps read K transposed (no transpose op),
// then times V: the chain sees K^T through the maps. Reordered, K^T V is a
// generic multiply-add reading K as stored, then Q (K^T V) a plain matmul.
// CHECK-LABEL: func @transposed_maps
// CHECK-SAME:    (%[[Q:.+]]: tensor<4096x64xf32>, %[[K:.+]]: tensor<4096x64xf32>, %[[V:.+]]: tensor<4096x64xf32>)
// CHECK-NOT:     tensor<4096x4096xf32>
// CHECK:         %[[KV:.+]] = linalg.generic {indexing_maps = [#[[KT:.+]], #[[MAPV:.+]], #[[MAPO:.+]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[K]], %[[V]] : tensor<4096x64xf32>, tensor<4096x64xf32>) outs(%{{.+}} : tensor<64x64xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         %[[O:.+]] = linalg.matmul ins(%[[Q]], %[[KV]] : tensor<4096x64xf32>, tensor<64x64xf32>)
// CHECK:         return %[[O]]
#mq = affine_map<(m, n, k) -> (m, k)>
#mk = affine_map<(m, n, k) -> (n, k)>
#mo = affine_map<(m, n, k) -> (m, n)>
func.func @transposed_maps(%q: tensor<4096x64xf32>, %k: tensor<4096x64xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.matmul indexing_maps = [#mq, #mk, #mo] ins(%q, %k : tensor<4096x64xf32>, tensor<4096x64xf32>) outs(%fs : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// The same chain as linalg.generic multiply-adds, batched, with V shared by
// every batch (its map has no batch dimension: a broadcast). Reordered per
// batch: K^T V reads K transposed and V broadcast.
// CHECK-DAG:   #[[BK:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG:   #[[BV:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func @generic_broadcast
// CHECK-SAME:    (%[[Q:.+]]: tensor<2x2048x32xf32>, %[[K:.+]]: tensor<2x2048x32xf32>, %[[V:.+]]: tensor<2048x32xf32>)
// CHECK-NOT:     tensor<2x2048x2048xf32>
// CHECK:         %[[KV:.+]] = linalg.generic {indexing_maps = [#[[BK]], #[[BV]], #{{.+}}], {{.+}} ins(%[[K]], %[[V]] : tensor<2x2048x32xf32>, tensor<2048x32xf32>) outs(%{{.+}} : tensor<2x32x32xf32>)
// CHECK:         linalg.batch_matmul ins(%[[Q]], %[[KV]] : tensor<2x2048x32xf32>, tensor<2x32x32xf32>)
#gq = affine_map<(b, m, n, k) -> (b, m, k)>
#gk = affine_map<(b, m, n, k) -> (b, n, k)>
#go = affine_map<(b, m, n, k) -> (b, m, n)>
#gs = affine_map<(b, m, n, k) -> (b, m, k)>
#gv = affine_map<(b, m, n, k) -> (k, n)>
func.func @generic_broadcast(%q: tensor<2x2048x32xf32>, %k: tensor<2x2048x32xf32>, %v: tensor<2048x32xf32>) -> tensor<2x2048x32xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<2x2048x2048xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<2x2048x2048xf32>) -> tensor<2x2048x2048xf32>
  %s = linalg.generic {indexing_maps = [#gq, #gk, #go], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2048x32xf32>, tensor<2x2048x32xf32>) outs(%fs : tensor<2x2048x2048xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2048x2048xf32>
  %eo = tensor.empty() : tensor<2x2048x32xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<2x2048x32xf32>) -> tensor<2x2048x32xf32>
  %o = linalg.generic {indexing_maps = [#gs, #gv, #go], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %v : tensor<2x2048x2048xf32>, tensor<2048x32xf32>) outs(%fo : tensor<2x2048x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2048x32xf32>
  return %o : tensor<2x2048x32xf32>
}

// -----

// An inner product read transposed by the next one: out = (Q K^T)^T V =
// K (Q^T V). The chain is K Q^T V, reordered to K (Q^T V) with Q^T read
// through the maps.
// CHECK-LABEL: func @transposed_inner
// CHECK-SAME:    (%[[Q:.+]]: tensor<4096x64xf32>, %[[KT:.+]]: tensor<64x4096xf32>, %[[V:.+]]: tensor<4096x64xf32>)
// CHECK-NOT:     tensor<4096x4096xf32>
// CHECK:         %[[QV:.+]] = linalg.generic {{.+}} ins(%[[Q]], %[[V]] : tensor<4096x64xf32>, tensor<4096x64xf32>) outs(%{{.+}} : tensor<64x64xf32>)
// CHECK:         %[[O:.+]] = linalg.generic {{.+}} ins(%[[KT]], %[[QV]] : tensor<64x4096xf32>, tensor<64x64xf32>) outs(%{{.+}} : tensor<4096x64xf32>)
// CHECK:         return %[[O]]
#ts = affine_map<(m, n, k) -> (k, m)>
#tv = affine_map<(m, n, k) -> (k, n)>
#to = affine_map<(m, n, k) -> (m, n)>
func.func @transposed_inner(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul indexing_maps = [#ts, #tv, #to] ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// A product that is not a plain multiply-add (a max-plus "product") is not
// a chain link and stays.
// CHECK-LABEL: func @not_a_product
// CHECK:         arith.maximumf
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#na = affine_map<(m, n, k) -> (m, k)>
#nb = affine_map<(m, n, k) -> (k, n)>
#no = affine_map<(m, n, k) -> (m, n)>
func.func @not_a_product(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#na, #nb, #no], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.addf %a, %b : f32
    %r = arith.maximumf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// Elementwise fusion puts ops into a contraction's body (an input here):
// the body is no plain multiply-add, so the op is no chain link and the
// chain stays as written (reordering it would drop the op).
// CHECK-LABEL: func @fused_tanh_input
// CHECK:         math.tanh
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#fa_tanh_input = affine_map<(m, n, k) -> (m, k)>
#fb_tanh_input = affine_map<(m, n, k) -> (k, n)>
#fo_tanh_input = affine_map<(m, n, k) -> (m, n)>
func.func @fused_tanh_input(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#fa_tanh_input, #fb_tanh_input, #fo_tanh_input], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %t = math.tanh %a : f32
    %p = arith.mulf %t, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// Elementwise fusion puts ops into a contraction's body (the product here):
// the body is no plain multiply-add, so the op is no chain link and the
// chain stays as written (reordering it would drop the op).
// CHECK-LABEL: func @fused_exp_product
// CHECK:         math.exp
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#fa_exp_product = affine_map<(m, n, k) -> (m, k)>
#fb_exp_product = affine_map<(m, n, k) -> (k, n)>
#fo_exp_product = affine_map<(m, n, k) -> (m, n)>
func.func @fused_exp_product(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#fa_exp_product, #fb_exp_product, #fo_exp_product], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p0 = arith.mulf %a, %b : f32
    %p = math.exp %p0 : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// Elementwise fusion puts ops into a contraction's body (the accumulator here):
// the body is no plain multiply-add, so the op is no chain link and the
// chain stays as written (reordering it would drop the op).
// CHECK-LABEL: func @fused_negf_accumulator
// CHECK:         arith.negf
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#fa_negf_accumulator = affine_map<(m, n, k) -> (m, k)>
#fb_negf_accumulator = affine_map<(m, n, k) -> (k, n)>
#fo_negf_accumulator = affine_map<(m, n, k) -> (m, n)>
func.func @fused_negf_accumulator(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#fa_negf_accumulator, #fb_negf_accumulator, #fo_negf_accumulator], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %n = arith.negf %c : f32
    %r = arith.addf %n, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// Elementwise fusion puts ops into a contraction's body (the sum here):
// the body is no plain multiply-add, so the op is no chain link and the
// chain stays as written (reordering it would drop the op).
// CHECK-LABEL: func @fused_absf_sum
// CHECK:         math.absf
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#fa_absf_sum = affine_map<(m, n, k) -> (m, k)>
#fb_absf_sum = affine_map<(m, n, k) -> (k, n)>
#fo_absf_sum = affine_map<(m, n, k) -> (m, n)>
func.func @fused_absf_sum(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#fa_absf_sum, #fb_absf_sum, #fo_absf_sum], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    %r = math.absf %s : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// Elementwise fusion puts ops into a contraction's body (a constant factor here):
// the body is no plain multiply-add, so the op is no chain link and the
// chain stays as written (reordering it would drop the op).
// CHECK-LABEL: func @fused_scaled_product
// CHECK:         arith.constant 2.0
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#fa_scaled_product = affine_map<(m, n, k) -> (m, k)>
#fb_scaled_product = affine_map<(m, n, k) -> (k, n)>
#fo_scaled_product = affine_map<(m, n, k) -> (m, n)>
func.func @fused_scaled_product(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#fa_scaled_product, #fb_scaled_product, #fo_scaled_product], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %two = arith.constant 2.0 : f32
    %p0 = arith.mulf %a, %b : f32
    %p = arith.mulf %p0, %two : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// Elementwise fusion puts ops into a contraction's body (a subtraction here):
// the body is no plain multiply-add, so the op is no chain link and the
// chain stays as written (reordering it would drop the op).
// CHECK-LABEL: func @fused_subtracted
// CHECK:         arith.subf
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
#fa_subtracted = affine_map<(m, n, k) -> (m, k)>
#fb_subtracted = affine_map<(m, n, k) -> (k, n)>
#fo_subtracted = affine_map<(m, n, k) -> (m, n)>
func.func @fused_subtracted(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.generic {indexing_maps = [#fa_subtracted, #fb_subtracted, #fo_subtracted], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.subf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.matmul ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}

// -----

// tanh(Q K^T) V after elementwise fusion: the tanh sits in the second
// contraction's body, on its first input. Nothing is reordered.
// CHECK-LABEL: func @fused_tanh_scores_times_values
// CHECK:         %[[S:.+]] = linalg.matmul {{.*}} -> tensor<4096x4096xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[S]], %{{.+}} : tensor<4096x4096xf32>, tensor<4096x64xf32>)
// CHECK:           math.tanh
#ta = affine_map<(m, n, k) -> (m, k)>
#tb = affine_map<(m, n, k) -> (k, n)>
#to = affine_map<(m, n, k) -> (m, n)>
func.func @fused_tanh_scores_times_values(%q: tensor<4096x64xf32>, %kt: tensor<64x4096xf32>, %v: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<4096x4096xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %s = linalg.matmul ins(%q, %kt : tensor<4096x64xf32>, tensor<64x4096xf32>) outs(%fs : tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %eo = tensor.empty() : tensor<4096x64xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  %o = linalg.generic {indexing_maps = [#ta, #tb, #to], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s, %v : tensor<4096x4096xf32>, tensor<4096x64xf32>) outs(%fo : tensor<4096x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %t = math.tanh %a : f32
    %p = arith.mulf %t, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<4096x64xf32>
  return %o : tensor<4096x64xf32>
}
