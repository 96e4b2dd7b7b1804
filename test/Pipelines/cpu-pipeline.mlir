// RUN: linea-opt %s --linea-cpu-pipeline | FileCheck %s
// RUN: linea-opt %s --linea-cpu-pipeline="openmp=false" | FileCheck %s --check-prefix=SERIAL

// Everything ends in the LLVM dialect; the result is written into a
// caller-owned output buffer (a trailing argument), and nothing is allocated
// on the heap: the chunks' matrices are on each slice's stack, and the final
// state, which is not returned, is never stored; the (batch, head) slices
// run on OpenMP threads; public functions get a C-interface wrapper.
// CHECK-NOT:   linea.
// CHECK-NOT:   memref.
// CHECK-LABEL: llvm.func @wkv6(
// CHECK-SAME:    %[[OUT:[a-z0-9]+]]: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64) attributes
// CHECK-NOT:     llvm.call @malloc
// CHECK:         omp.parallel
// CHECK:           omp.wsloop
// CHECK-NOT:     llvm.call @malloc
// CHECK-LABEL: llvm.func @_mlir_ciface_wkv6(
// CHECK:         llvm.call @wkv6(

// SERIAL-LABEL: llvm.func @wkv6(
// SERIAL-NOT:     omp.
// SERIAL:       llvm.func @_mlir_ciface_wkv6(
func.func @wkv6(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o, %s = linea.wkv6 %r, %r, %r, %w, %u final_state : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}
