// RUN: linea-opt %s -linea-emulate-gpu -split-input-file -verify-diagnostics | FileCheck %s

// A block of 32 threads becomes a team of 32 OpenMP threads; a warp's
// mma.sync becomes an exchange of the lanes' fragments (6 slots per thread)
// between two team barriers, the operands read as tf32 (low 13 bits
// cleared), and nothing of nvgpu is left.
// CHECK-LABEL: func @mma
// CHECK:         %[[FRAGMENTS:.+]] = memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         omp.parallel
// CHECK:           func.call @omp_get_thread_num()
// CHECK:           memref.store %{{.+}}, %[[FRAGMENTS]][%{{.+}}] : memref<?xf32>
// CHECK:           omp.barrier
// CHECK:           memref.load %[[FRAGMENTS]][%{{.+}}] : memref<?xf32>
// CHECK:           arith.andi %{{.+}}, %{{.+}} : i32
// CHECK:           omp.barrier
// CHECK:           vector.from_elements {{.*}} : vector<2x2xf32>
// CHECK-NOT:       nvgpu.mma.sync
// CHECK:         memref.dealloc %[[FRAGMENTS]]
func.func @mma(%out: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = arith.constant dense<1.0> : vector<4x1xf32>
    %b = arith.constant dense<2.0> : vector<2x1xf32>
    %c = arith.constant dense<0.0> : vector<2x2xf32>
    %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
    %e = vector.extract %d[0, 0] : f32 from vector<2x2xf32>
    memref.store %e, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

// Without launches there is nothing to do.
// CHECK-LABEL: func @host_only
// CHECK-NEXT:    arith.addf
// CHECK-NEXT:    return
// CHECK-NOT:   omp_get_thread_num
func.func @host_only(%x: f32) -> f32 {
  %y = arith.addf %x, %x : f32
  return %y : f32
}

// -----

// Other mma shapes and types are refused, with the op's location.
func.func @f16_mma(%out: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = arith.constant dense<1.0> : vector<4x2xf16>
    %b = arith.constant dense<2.0> : vector<2x2xf16>
    %c = arith.constant dense<0.0> : vector<2x2xf32>
    // expected-error @below {{is not emulated (only m16n8k8 on tf32 is)}}
    %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %e = vector.extract %d[0, 0] : f32 from vector<2x2xf32>
    memref.store %e, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

// So are shuffles other than f32 xor ones.
func.func @idx_shuffle(%out: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %x = arith.constant 1.0 : f32
    %o = arith.constant 3 : i32
    %w = arith.constant 32 : i32
    // expected-error @below {{is not emulated (only f32 xor shuffles are)}}
    %s, %v = gpu.shuffle idx %x, %o, %w : f32
    memref.store %s, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}
