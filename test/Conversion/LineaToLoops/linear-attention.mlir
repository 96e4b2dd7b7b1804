// RUN: linea-opt %s -convert-linea-to-loops -split-input-file | FileCheck %s

// Recurrent form: one parallel slice per (batch, head), the token loop
// inside. Tokens go two at a time: a loop over the keys that vectorizes
// computes the pair's per-key coefficients and the terms of its dot
// products into a buffer; then each f32 state row is loaded once, takes
// both tokens' updates with FMAs and is stored once, while both outputs
// accumulate in vectors carried through the key loop; the dots are vector
// sums of their terms. Rows of later tokens are prefetched. An odd last
// token runs alone.
// CHECK-LABEL: func @recurrent_scalar_gate
// CHECK-DAG:     %[[Q:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<2x5x1x4xbf16> to memref<2x5x1x4xbf16>
// CHECK-DAG:     %[[V:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<2x5x2x3xbf16> to memref<2x5x2x3xbf16>
// CHECK-DAG:     %[[OUT:.+]] = memref.alloc() : memref<2x5x2x3xbf16>
// CHECK-DAG:     %[[STATE:.+]] = memref.alloc() : memref<2x2x4x3xf32>
// CHECK:         scf.parallel (%[[B:.+]], %[[H:.+]]) =
// CHECK:           scf.for %[[P:.+]] = %{{.+}} to %[[PAIRS:.+]] step
// CHECK:             %[[T1:.+]] = arith.muli %[[P]]
// CHECK:             %[[T2:.+]] = arith.addi %[[T1]]
// CHECK:             memref.prefetch %[[V]]
// CHECK:             %[[V1:.+]] = vector.load %[[V]][%[[B]], %[[T1]], %[[H]], %{{.+}}] : memref<2x5x2x3xbf16>, vector<3xbf16>
// CHECK:             %[[V2:.+]] = vector.load %[[V]][%[[B]], %[[T2]], %[[H]], %{{.+}}] : memref<2x5x2x3xbf16>, vector<3xbf16>
// CHECK:             math.exp
// CHECK:             math.exp
// CHECK:             scf.for
// CHECK:               memref.load %[[Q]]
// CHECK:               memref.store %{{.+}}, %[[COEF:.+]][%{{.+}}, %{{.+}}] : memref<10x4xf32>
// CHECK:             %[[R:.+]]:2 = scf.for %[[I:[a-z0-9]+]] = {{.+}} -> (vector<3xf32>, vector<3xf32>)
// CHECK:               %[[ROW:.+]] = vector.load %[[STATE]][%[[B]], %[[H]], %[[I]], %{{.+}}] : memref<2x2x4x3xf32>, vector<3xf32>
// CHECK:               memref.load %[[COEF]]
// CHECK:               math.fma %{{.+}}, %[[ROW]], %{{.+}} : vector<3xf32>
// CHECK:               math.fma %{{.+}}, %[[ROW]], %{{.+}} : vector<3xf32>
// CHECK:               %[[D:.+]] = arith.mulf %{{.+}}, %[[ROW]] : vector<3xf32>
// CHECK:               %[[N1:.+]] = math.fma %{{.+}}, %{{.+}}, %[[D]] : vector<3xf32>
// CHECK:               %[[N2:.+]] = math.fma %{{.+}}, %{{.+}}, %[[N1]] : vector<3xf32>
// CHECK:               vector.store %[[N2]], %[[STATE]][%[[B]], %[[H]], %[[I]], %{{.+}}]
// CHECK-NOT:           vector.store
// CHECK:             vector.load %[[COEF]]{{.*}} : memref<10x4xf32>, vector<4xf32>
// CHECK:             vector.reduction <add>
// CHECK:             arith.truncf %{{.+}} : vector<3xf32> to vector<3xbf16>
// CHECK:             vector.store %{{.+}}, %[[OUT]][%[[B]], %[[T1]], %[[H]], %{{.+}}]
// CHECK:             arith.truncf %{{.+}} : vector<3xf32> to vector<3xbf16>
// CHECK:             vector.store %{{.+}}, %[[OUT]][%[[B]], %[[T2]], %[[H]], %{{.+}}]
// The fifth token, alone.
// CHECK:           scf.for %{{.+}} = {{.+}} -> (vector<3xf32>, f32, f32)
// CHECK:             vector.store %{{.+}}, %[[STATE]]
// CHECK:           vector.store %{{.+}}, %[[OUT]]
// CHECK:       %[[O:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:       %[[S:.+]] = bufferization.to_tensor %[[STATE]] restrict writable
// CHECK:       return %[[O]], %[[S]]
func.func @recurrent_scalar_gate(%q: tensor<2x5x1x4xbf16>, %k: tensor<2x5x1x4xbf16>, %v: tensor<2x5x2x3xbf16>, %g: tensor<2x5x2xbf16>) -> (tensor<2x5x2x3xbf16>, tensor<2x2x4x3xf32>) {
  %o, %s = linea.linear_attention %q, %k, %v gate(%g : tensor<2x5x2xbf16>) final_state {causal} : tensor<2x5x1x4xbf16>, tensor<2x5x1x4xbf16>, tensor<2x5x2x3xbf16>
  return %o, %s : tensor<2x5x2x3xbf16>, tensor<2x2x4x3xf32>
}

// -----

// Quadratic form: the chunked form with one chunk of T, on the CPU as
// matrices (up to 128 tokens): the chunk's q, k^T, v rows staged, the
// decays exp(g) and their running prefix products; scores Q K^T as a
// matmul, scaled by the decay windows (rows 1..T of E: D(s, t)); outputs
// A V + (Q .* P) S; the state update K^T V.
// CHECK-LABEL: func @quadratic
// CHECK:         scf.parallel
// CHECK:           %[[S:.+]] = memref.alloca() : memref<4x4xf32>
// CHECK:           %[[Q:.+]] = memref.alloca() : memref<6x4xf32>
// CHECK:           %[[KT:.+]] = memref.alloca() : memref<4x6xf32>
// CHECK:           %[[E:.+]] = memref.alloca() : memref<7x6xf32>
// CHECK:           math.exp
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<6x4xf32, strided<[4, 1]>>, memref<4x6xf32, strided<[6, 1]>>) outs(%[[A:.+]] : memref<6x6xf32, strided<[6, 1]>>)
// CHECK:           %[[POST:.+]] = memref.subview %[[E]][1, 0] [6, 6] [1, 1]
// CHECK:           linalg.generic {{.+}} ins(%[[POST]] : {{.+}}) outs(%[[A]] : {{.+}})
// CHECK:             arith.mulf
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<6x6xf32, strided<[6, 1]>>, memref<6x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<6x4xf32, strided<[4, 1]>>)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<6x4xf32, strided<[4, 1]>>, memref<4x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<6x4xf32, strided<[4, 1]>>)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : memref<4x6xf32, strided<[6, 1]>>, memref<6x4xf32, strided<[4, 1]>>) outs(%{{.+}} : memref<4x4xf32, strided<[4, 1]>>)
func.func @quadratic(%q: tensor<1x6x2x4xf32>, %k: tensor<1x6x2x4xf32>, %v: tensor<1x6x2x4xf32>) -> tensor<1x6x2x4xf32> {
  %o = linea.linear_attention %q, %k, %v {causal, decay = array<f32: -0.5, -0.1>, form = #linea.form<quadratic>} : tensor<1x6x2x4xf32>, tensor<1x6x2x4xf32>, tensor<1x6x2x4xf32>
  return %o : tensor<1x6x2x4xf32>
}

// -----

// A quadratic window too long to hold as matrices (T > 128): for each query
// t, s walks down from t with the decay window's log-sum kept running (exact
// for any gate magnitude), then the state (here zero) is read through the
// window.
// CHECK-LABEL: func @quadratic_long
// CHECK:         scf.parallel
// CHECK:           %[[ACC:.+]] = memref.alloca() : memref<4xf32>
// CHECK:           %[[WINDOW:.+]] = memref.alloca() : memref<1xf32>
// CHECK:           scf.for %[[C:.+]] = %{{.+}} to %[[ONE:[a-z0-9_]+]] step
// CHECK:             scf.for %[[R:.+]] =
// CHECK:               %[[T:.+]] = arith.addi %{{.+}}, %[[R]]
// CHECK:               %[[COUNT:.+]] = arith.addi %[[R]]
// CHECK:               scf.for %[[N:.+]] = %{{.+}} to %[[COUNT]]
// CHECK:                 %[[S:.+]] = arith.subi %[[T]], %[[N]]
// CHECK:                 memref.load %[[WINDOW]]
// CHECK:                 math.exp
// CHECK:                 math.fma
// CHECK:                 memref.store %{{.+}}, %[[WINDOW]]
// CHECK-NOT:       linalg.
func.func @quadratic_long(%q: tensor<1x130x2x4xf32>, %k: tensor<1x130x2x4xf32>, %v: tensor<1x130x2x4xf32>) -> tensor<1x130x2x4xf32> {
  %o = linea.linear_attention %q, %k, %v {causal, decay = array<f32: -0.5, -0.1>, form = #linea.form<quadratic>} : tensor<1x130x2x4xf32>, tensor<1x130x2x4xf32>, tensor<1x130x2x4xf32>
  return %o : tensor<1x130x2x4xf32>
}

// -----

// Chunks of 128 tokens with 256 x 256 heads: their matrices (1.5 MiB) would
// not fit a slice's stack frame; the token-by-token evaluation serves them.
// CHECK-LABEL: func @chunked_large_heads
// CHECK:         scf.parallel
// CHECK:           memref.alloca() : memref<256xf32>
// CHECK-NOT:       linalg.
func.func @chunked_large_heads(%q: tensor<1x256x1x256xf32>) -> tensor<1x256x1x256xf32> {
  %o = linea.linear_attention %q, %q, %q {causal, form = #linea.form<chunked>, chunk_size = 128 : i64} : tensor<1x256x1x256xf32>, tensor<1x256x1x256xf32>, tensor<1x256x1x256xf32>
  return %o : tensor<1x256x1x256xf32>
}

// -----

// Non-causal: the whole sequence goes into the state first, then every token
// reads it.
// CHECK-LABEL: func @non_causal
// CHECK:         scf.parallel
// CHECK:           scf.for
// CHECK-NOT:         memref.store %{{.+}}, %{{.+}} : memref<1x6x2x4xf32>
// CHECK:           }
// CHECK:           scf.for
// CHECK:             memref.store %{{.+}}, %{{.+}} : memref<1x6x2x4xf32>
func.func @non_causal(%q: tensor<1x6x2x4xf32>, %k: tensor<1x6x2x4xf32>, %v: tensor<1x6x2x4xf32>) -> tensor<1x6x2x4xf32> {
  %o = linea.linear_attention %q, %k, %v : tensor<1x6x2x4xf32>, tensor<1x6x2x4xf32>, tensor<1x6x2x4xf32>
  return %o : tensor<1x6x2x4xf32>
}
