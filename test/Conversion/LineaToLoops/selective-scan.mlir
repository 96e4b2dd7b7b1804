// RUN: linea-opt %s -convert-linea-to-loops | FileCheck %s

// B and C are first laid out with n innermost; then one slice per (batch,
// channel), channel d reading group d / (D / G), with the whole state one
// vector<N> carried through the token loop: dt once per token (softplus above
// 20 is the identity), one vector exp per token, the readout a reduction;
// D_skip and the silu(z) gate on the output.
// CHECK-LABEL: func @selective_scan
// CHECK-DAG:     %[[STATE:.+]] = memref.alloc() : memref<2x8x4xf32>
// CHECK-DAG:     %[[BT:.+]] = memref.alloc() : memref<2x2x16x4xf32>
// CHECK:         scf.parallel
// CHECK:           memref.store %{{.+}}, %[[BT]]
// CHECK:         scf.parallel (%[[B:.+]], %[[D:.+]]) =
// CHECK:           %[[G:.+]] = arith.divui %[[D]], %{{.+}} : index
// CHECK:           %[[X:.+]] = scf.for %[[T:.+]] = {{.+}} iter_args(%[[XC:.+]] = %{{.+}}) -> (vector<4xf32>)
// CHECK:             arith.cmpf ogt
// CHECK:             math.log1p
// CHECK:             vector.load %{{.+}}[%[[D]], %{{.+}}] : memref<8x4xf32>, vector<4xf32>
// CHECK:             math.exp %{{.+}} : vector<4xf32>
// CHECK:             vector.load %[[BT]][%[[B]], %[[G]], %[[T]], %{{.+}}] : memref<2x2x16x4xf32>, vector<4xf32>
// CHECK:             %[[NEXT:.+]] = math.fma
// CHECK:             vector.reduction <add>
// CHECK:             memref.load %{{.+}}[%[[D]]] : memref<8xf32>
// CHECK:             arith.negf
// CHECK:             math.exp
// CHECK:             arith.divf
// CHECK:             scf.yield %[[NEXT]] : vector<4xf32>
// CHECK:           vector.store %[[X]], %[[STATE]][%[[B]], %[[D]], %{{.+}}]
func.func @selective_scan(%u: tensor<2x8x16xf32>, %dt: tensor<2x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x16xf32>, %C: tensor<2x2x4x16xf32>, %D: tensor<8xf32>, %z: tensor<2x8x16xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x4xf32>) {
  %y, %s = linea.selective_scan %u, %dt, %A, %B, %C D_skip(%D : tensor<8xf32>) z(%z : tensor<2x8x16xf32>) final_state {delta_softplus} : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<8x4xf32>, tensor<2x2x4x16xf32>, tensor<2x2x4x16xf32>
  return %y, %s : tensor<2x8x16xf32>, tensor<2x8x4xf32>
}
