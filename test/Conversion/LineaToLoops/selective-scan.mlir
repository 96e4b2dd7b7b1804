// RUN: linea-opt %s -convert-linea-to-loops | FileCheck %s

// One slice per (batch, channel); channel d reads group d / (D / G); dt is
// computed once per token (softplus above 20 is the identity); D_skip and
// the silu(z) gate are applied to the output.
// CHECK-LABEL: func @selective_scan
// CHECK:         %[[STATE:.+]] = memref.alloc() : memref<2x8x4xf32>
// CHECK:         scf.parallel (%[[B:.+]], %[[D:.+]]) =
// CHECK:           %[[G:.+]] = arith.divui %[[D]], %{{.+}} : index
// CHECK:           scf.for %[[T:.+]] =
// CHECK:             arith.cmpf ogt
// CHECK:             math.log1p
// CHECK:             scf.for %[[N:.+]] =
// CHECK:               memref.load %{{.+}}[%[[B]], %[[G]], %[[N]], %[[T]]] : memref<2x2x4x16xf32>
// CHECK:               memref.load %{{.+}}[%[[D]], %[[N]]] : memref<8x4xf32>
// CHECK:               math.exp
// CHECK:               memref.store %{{.+}}, %[[STATE]][%[[B]], %[[D]], %[[N]]]
// CHECK:             memref.load %{{.+}}[%[[D]]] : memref<8xf32>
// CHECK:             arith.negf
// CHECK:             math.exp
// CHECK:             arith.divf
func.func @selective_scan(%u: tensor<2x8x16xf32>, %dt: tensor<2x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x16xf32>, %C: tensor<2x2x4x16xf32>, %D: tensor<8xf32>, %z: tensor<2x8x16xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x4xf32>) {
  %y, %s = linea.selective_scan %u, %dt, %A, %B, %C D_skip(%D : tensor<8xf32>) z(%z : tensor<2x8x16xf32>) final_state {delta_softplus} : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<8x4xf32>, tensor<2x2x4x16xf32>, tensor<2x2x4x16xf32>
  return %y, %s : tensor<2x8x16xf32>, tensor<2x8x4xf32>
}
