// RUN: linea-opt %s -convert-linea-to-loops -split-input-file | FileCheck %s

// RWKV-4: per (batch, channel), the state (aa, bb, pp) carried through the
// token loop, every exponent relative to a running maximum.
// CHECK-LABEL: func @wkv4
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) =
// CHECK:           %[[INIT:.+]] = arith.constant -9.99999968E+37 : f32
// CHECK:           scf.for {{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %[[INIT]]) -> (f32, f32, f32)
// CHECK:             arith.maximumf
// CHECK:             arith.subf
// CHECK:             math.exp
// CHECK:             arith.maximumf
// CHECK:             scf.yield
func.func @wkv4(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// RWKV-6: the exps of a token's decays come first, in a loop of their own;
// the bonus reads the state row before the update (the output accumulates
// S_{t-1}) and adds (q . (u * k)) v; the output is scaled.
// CHECK-LABEL: func @wkv6
// CHECK:         scf.parallel
// CHECK:           %[[DECAYS:.+]] = memref.alloca() : memref<4xf32>
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               math.exp
// CHECK:               memref.store %{{.+}}, %[[DECAYS]]
// CHECK:             scf.for {{.+}} iter_args(%[[ACC:.+]] = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (vector<4xf32>, f32, f32)
// CHECK:               %[[ROW:.+]] = vector.load
// CHECK:               math.fma %{{.+}}, %[[ROW]], %[[ACC]] : vector<4xf32>
// CHECK:               memref.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<2x4xf32>
// CHECK:             arith.constant 5.000000e-01 : f32
func.func @wkv6(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv6 %r, %r, %r, %w, %u {scale = 0.5 : f32} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// -----

// RWKV-7: a^T S is taken into a vector before any row of S changes, then
// each row gets b_i (a^T S) added.
// CHECK-LABEL: func @wkv7
// CHECK:         scf.parallel
// CHECK:           scf.for
// CHECK:             %[[SA:.+]] = scf.for {{.+}} -> (vector<4xf32>)
// CHECK:               vector.load
// CHECK:               math.fma
// CHECK:             scf.for {{.+}} -> (vector<4xf32>, f32, f32)
// CHECK:               math.fma %{{.+}}, %[[SA]], %{{.+}} : vector<4xf32>
func.func @wkv7(%r: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}
