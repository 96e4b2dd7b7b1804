// RUN: linea-opt %s -convert-linea-to-loops -split-input-file | FileCheck %s

// RWKV-4: per (batch, group of 16 channels, the lanes of a vector), the
// state (aa, bb, pp) carried through the token loop, every exponent relative
// to a running maximum.
// CHECK-LABEL: func @wkv4
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%c2, %c1{{(_[0-9]+)?}})
// CHECK:           %[[MIN:.+]] = arith.constant -9.99999968E+37 : f32
// CHECK:           %[[INIT:.+]] = vector.broadcast %[[MIN]] : f32 to vector<16xf32>
// CHECK:           scf.for {{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %[[INIT]]) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             vector.load
// CHECK:             arith.maximumf {{.+}} : vector<16xf32>
// CHECK:             arith.subf
// CHECK:             math.exp {{.+}} : vector<16xf32>
// CHECK:             vector.store
// CHECK:             arith.maximumf
// CHECK:             scf.yield
func.func @wkv4(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// RWKV-6: the exps of each token's decays come first, in a loop of their
// own; then the pair's per-key coefficients (the bonus u among the dots'
// terms); two tokens per pass over the state; the bonus readout reads the
// rows before the update; the output is scaled.
// CHECK-LABEL: func @wkv6
// CHECK:         scf.parallel
// CHECK:           %[[DECAYS:.+]] = memref.alloca() : memref<4xf32>
// CHECK:           %[[COEF:.+]] = memref.alloca() : memref<10x4xf32>
// The first pair reads the initial state (zeros here) before the loop over
// the other pairs: no pass copies it into the state first.
// CHECK:           scf.for {{.+}} iter_args({{.+}}) -> (vector<4xf32>, vector<4xf32>)
// CHECK:           scf.for %{{.+}} = %c1{{(_[0-9]+)?}} to %c4
// CHECK:             scf.for
// CHECK:               math.exp
// CHECK:               memref.store %{{.+}}, %[[DECAYS]]
// CHECK:             scf.for
// CHECK:               memref.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<2x4xf32>
// CHECK:               memref.store %{{.+}}, %[[COEF]]
// CHECK:             scf.for {{.+}} iter_args(%[[ACC1:[a-z0-9]+]] = %{{[a-z0-9_]+}}, %[[ACC2:[a-z0-9]+]] = %{{.+}}) -> (vector<4xf32>, vector<4xf32>)
// CHECK:               %[[ROW:.+]] = vector.load
// CHECK:               math.fma %{{.+}}, %[[ROW]], %[[ACC1]] : vector<4xf32>
// CHECK:               math.fma %{{.+}}, %[[ROW]], %[[ACC2]] : vector<4xf32>
// CHECK:             vector.reduction <add>
// CHECK:             arith.constant 5.000000e-01 : f32
func.func @wkv6(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv6 %r, %r, %r, %w, %u {scale = 0.5 : f32} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// -----

// RWKV-7: a_0^T S_0 is taken before the first token; every later a_{t+1}^T
// S_t is accumulated while token t writes its rows, and carried to the next
// token, where each row gets b_i (a^T S) added.
// CHECK-LABEL: func @wkv7
// CHECK:         scf.parallel
// CHECK:           %[[SA0:.+]] = scf.for {{.+}} -> (vector<4xf32>)
// Token 0 reads the initial state, before the loop over the others.
// CHECK:           %[[R0:.+]]:4 = scf.for {{.+}} -> (vector<4xf32>, f32, f32, vector<4xf32>)
// CHECK:             math.fma %{{.+}}, %[[SA0]], %{{.+}} : vector<4xf32>
// CHECK:           scf.for %{{.+}} = %c1{{(_[0-9]+)?}} to %c8{{(_[0-9]+)?}} {{.+}} iter_args(%[[SA:[a-z0-9_]+]] = %[[R0]]#3) -> (vector<4xf32>)
// CHECK:             %[[R:.+]]:4 = scf.for {{.+}} -> (vector<4xf32>, f32, f32, vector<4xf32>)
// CHECK:               math.fma %{{.+}}, %[[SA]], %{{.+}} : vector<4xf32>
// CHECK:             scf.yield %[[R]]#3 : vector<4xf32>
func.func @wkv7(%r: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// -----

// RWKV-6, chunked (chunks of 3; 8 tokens leave a tail of 2): per-key
// decays, so each token's scores are a vector-matrix product through its
// window W_t[i, s] = D_i(s, t - 1) (the bonus form reads the state before
// its token), the window then scaled by the token's decays; outputs and the
// state update are matmuls on the staged rows.
// CHECK-LABEL: func @wkv6_chunked
// CHECK:         scf.parallel
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}}, %{{.+}}, %[[W:.+]] : memref<4xf32, strided<[1], offset: ?>>, memref<4x3xf32, strided<[3, 1]>>, memref<4x3xf32, strided<[3, 1]>>)
// CHECK:               linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]} ins(%{{.+}} : memref<4xf32, strided<[1], offset: ?>>) outs(%[[W]] : memref<4x3xf32, strided<[3, 1]>>)
// CHECK:             linalg.matmul ins(%{{.+}}, %{{.+}} : memref<3x3xf32, strided<[3, 1]>>, memref<3x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<3x4xf32, strided<[4, 1]>>)
// CHECK:             linalg.matmul ins(%{{.+}}, %{{.+}} : memref<3x4xf32, strided<[4, 1]>>, memref<4x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<3x4xf32, strided<[4, 1]>>)
// CHECK:             linalg.matmul ins(%{{.+}}, %{{.+}} : memref<4x3xf32, strided<[3, 1]>>, memref<3x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<4x4xf32, strided<[4, 1]>>)
// The tail chunk, on 2-token views of the same buffers.
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<2x2xf32, strided<[3, 1]>>, memref<2x4xf32, strided<[4, 1]>>)
func.func @wkv6_chunked(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv6 %r, %r, %r, %w, %u {form = #linea.form<chunked>, chunk_size = 3 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// -----

// RWKV-7, chunked: four score matrices per chunk (a against b and k through
// the windows before each token, q against b and k after it), then
// SA = (A .* P) S + A_ak V solved forward through A_ab row by row, outputs
// (Q .* P) S + A_qb SA + A_qk V, and the state update K^T V + B^T SA.
// CHECK-LABEL: func @wkv7_chunked
// CHECK:         scf.parallel
// CHECK:           scf.for
// CHECK-COUNT-2:     linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]}
// CHECK:             linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]}
// CHECK-COUNT-2:     linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]}
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<3x4xf32, strided<[4, 1]>>, memref<4x4xf32, strided<[4, 1]>>) outs(%[[SA:.+]] : memref<3x4xf32, strided<[4, 1]>>)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<3x3xf32, strided<[3, 1]>>, memref<3x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<3x4xf32, strided<[4, 1]>>)
// CHECK:           scf.for %[[T:.+]] = {{.+}}
// CHECK:             scf.for %{{.+}} = %{{.+}} to %[[T]]
// CHECK:               math.fma
// CHECK-COUNT-3:   linalg.matmul ins(%{{.+}}, %{{.+}} : memref<3x{{[34]}}xf32, strided<[{{[34]}}, 1]>>, memref<{{[34]}}x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<3x4xf32, strided<[4, 1]>>)
// CHECK-COUNT-2:   linalg.matmul ins(%{{.+}}, %{{.+}} : memref<4x3xf32, strided<[3, 1]>>, memref<3x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<4x4xf32, strided<[4, 1]>>)
func.func @wkv7_chunked(%r: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r {form = #linea.form<chunked>, chunk_size = 3 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// -----

// RWKV-4's scan form (chunks of 3; 8 tokens leave a tail of 2): each
// (batch, group of 16 channels, chunk) runs its tokens from an empty state (running max
// -1e38); a pass per channel carries the state over the chunks (the carried
// running max moves by as many steps of the decay as the chunk has tokens,
// 3 or, for the tail, 2, then both parts merge at the larger maximum); each
// chunk runs again from its
// carried-in state, writing the outputs.
// CHECK-LABEL: func @wkv4_scan
// CHECK:         %[[CARRY:.+]] = memref.alloc() : memref<2x3x3x16xf32>
// CHECK:         scf.parallel ({{.+}}) = ({{.+}}) to (%{{.+}}, %{{.+}}, %{{.+}})
// CHECK:           scf.for {{.+}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:           vector.store %{{.+}}, %[[CARRY]]
// CHECK:         scf.parallel ({{.+}}) = ({{.+}}) to (%{{.+}}, %{{.+}})
// CHECK:           scf.for {{.+}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             arith.uitofp
// CHECK:             math.fma
// CHECK:             arith.maximumf
// CHECK:         scf.parallel ({{.+}}) = ({{.+}}) to (%{{.+}}, %{{.+}}, %{{.+}})
// CHECK:           vector.load %[[CARRY]]
// CHECK:           scf.for {{.+}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             arith.divf
func.func @wkv4_scan(%w: tensor<16xf32>, %k: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k {form = #linea.form<scan>, chunk_size = 3} : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}
