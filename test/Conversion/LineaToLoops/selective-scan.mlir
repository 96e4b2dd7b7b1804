// RUN: linea-opt %s -convert-linea-to-loops | FileCheck %s

// Tokens go in blocks (here one block of 18). Per block: B and C laid out
// with n innermost; dt = softplus(delta + bias) (the identity above 20) and
// silu(z) in passes of their own; then one slice per (batch, channel),
// channel d reading group d / (D / G), the whole state one vector<N> carried
// through the block's tokens: one vector exp per token. Tokens go in groups
// of N = 4 whose read-outs are summed together by two-source shuffles, then
// D_skip and the gate apply to the group's 4 outputs as one vector; the 2
// tokens left over go one at a time, each read-out a reduction.
// CHECK-LABEL: func @selective_scan
// CHECK:         %[[STATE:.+]] = memref.alloc() : memref<2x8x4xf32>
// CHECK:         %[[BT:.+]] = memref.alloc() : memref<2x2x18x4xf32>
// CHECK:         %[[DT:.+]] = memref.alloc() : memref<2x8x18xf32>
// CHECK:         %[[GATE:.+]] = memref.alloc() : memref<2x8x18xf32>
// CHECK:         scf.parallel
// CHECK:           memref.store %{{.+}}, %[[STATE]]
// CHECK:         scf.parallel
// CHECK:           memref.store %{{.+}}, %[[BT]]
// CHECK:         scf.parallel
// CHECK:           arith.cmpf ogt
// CHECK:           math.log1p
// CHECK:           memref.store %{{.+}}, %[[DT]]
// CHECK:           arith.negf
// CHECK:           math.exp
// CHECK:           memref.store %{{.+}}, %[[GATE]]
// CHECK:         scf.parallel (%[[B:.+]], %[[D:.+]]) =
// CHECK:           %[[G:.+]] = arith.divui %[[D]], %{{.+}} : index
// CHECK:           %[[AROW:.+]] = vector.load %{{.+}}[%[[D]], %{{.+}}] : memref<8x4xf32>, vector<4xf32>
// CHECK:           %[[X0:.+]] = vector.load %[[STATE]][%[[B]], %[[D]], %{{.+}}] : memref<2x8x4xf32>, vector<4xf32>
// CHECK:           %[[XG:.+]] = scf.for %{{.+}} = {{.+}} iter_args(%{{.+}} = %[[X0]]) -> (vector<4xf32>)
// CHECK-COUNT-4:     math.exp %{{.+}} : vector<4xf32>
// CHECK:             vector.shuffle %{{.+}}, %{{.+}} [0, 1, 4, 5]
// CHECK:             vector.shuffle %{{.+}}, %{{.+}} [2, 3, 6, 7]
// CHECK:             vector.shuffle %{{.+}}, %{{.+}} [0, 2, 4, 6]
// CHECK:             vector.shuffle %{{.+}}, %{{.+}} [1, 3, 5, 7]
// CHECK:             %[[SUMS:.+]] = arith.addf
// CHECK:             math.fma %{{.+}}, %{{.+}}, %[[SUMS]] : vector<4xf32>
// CHECK:             vector.load %[[GATE]]{{.+}} : memref<2x8x18xf32>, vector<4xf32>
// CHECK:             vector.store %{{.+}} : memref<2x8x18xf32>, vector<4xf32>
// CHECK:           %[[X:.+]] = scf.for %[[T:.+]] = {{.+}} iter_args(%[[XC:.+]] = %[[XG]]) -> (vector<4xf32>)
// CHECK:             memref.load %[[DT]][%[[B]], %[[D]], %[[T]]]
// CHECK:             math.exp %{{.+}} : vector<4xf32>
// CHECK:             vector.load %[[BT]][%[[B]], %[[G]], %[[T]], %{{.+}}] : memref<2x2x18x4xf32>, vector<4xf32>
// CHECK:             %[[NEXT:.+]] = math.fma
// CHECK:             vector.reduction <add>, %{{.+}} fastmath<reassoc,nsz>
// CHECK:             memref.load %[[GATE]][%[[B]], %[[D]], %[[T]]]
// CHECK:             scf.yield %[[NEXT]] : vector<4xf32>
// CHECK:           vector.store %[[X]], %[[STATE]][%[[B]], %[[D]], %{{.+}}]
func.func @selective_scan(%u: tensor<2x8x18xf32>, %dt: tensor<2x8x18xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x18xf32>, %C: tensor<2x2x4x18xf32>, %D: tensor<8xf32>, %z: tensor<2x8x18xf32>) -> (tensor<2x8x18xf32>, tensor<2x8x4xf32>) {
  %y, %s = linea.selective_scan %u, %dt, %A, %B, %C D_skip(%D : tensor<8xf32>) z(%z : tensor<2x8x18xf32>) final_state {delta_softplus} : tensor<2x8x18xf32>, tensor<2x8x18xf32>, tensor<8x4xf32>, tensor<2x2x4x18xf32>, tensor<2x2x4x18xf32>
  return %y, %s : tensor<2x8x18xf32>, tensor<2x8x4xf32>
}
