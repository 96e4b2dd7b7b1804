// RUN: linea-opt %s -linea-copies-to-linalg | FileCheck %s

// Copies become linalg.copy, which the GPU pipeline maps to kernels.
// CHECK-LABEL: func @copy
// CHECK:         linalg.copy ins(%{{.+}} : memref<4x8xf32>) outs(%{{.+}} : memref<4x8xf32, strided<[16, 1]>>)
// CHECK-NOT:     memref.copy
func.func @copy(%a: memref<4x8xf32>, %b: memref<4x8xf32, strided<[16, 1]>>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1]>>
  return
}
