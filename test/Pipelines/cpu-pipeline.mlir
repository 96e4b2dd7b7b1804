// RUN: linea-opt %s --linea-cpu-pipeline | FileCheck %s
// RUN: linea-opt %s --linea-cpu-pipeline="openmp=false" | FileCheck %s --check-prefix=SERIAL

// Everything ends in the LLVM dialect, public functions get a C-interface
// wrapper, the (batch, head) slices run on OpenMP threads, and the scratch
// state (the final state is not returned) is freed.
// CHECK-NOT:   linea.
// CHECK-NOT:   memref.
// CHECK-LABEL: llvm.func @wkv6(
// CHECK:         %[[OUT:.+]] = llvm.call @malloc
// CHECK:         %[[STATE:.+]] = llvm.call @malloc
// CHECK:         omp.parallel
// CHECK:           omp.wsloop
// CHECK:         llvm.call @free
// CHECK-LABEL: llvm.func @_mlir_ciface_wkv6(
// CHECK:         llvm.call @wkv6(

// SERIAL-LABEL: llvm.func @wkv6(
// SERIAL-NOT:     omp.
// SERIAL:       llvm.func @_mlir_ciface_wkv6(
func.func @wkv6(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o, %s = linea.wkv6 %r, %r, %r, %w, %u final_state : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}
