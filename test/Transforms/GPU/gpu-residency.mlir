// RUN: linea-opt %s -linea-gpu-residency -split-input-file -verify-diagnostics | FileCheck %s

// Arguments only kernels use get one device copy per call: copied in at
// entry, the written one copied back before the return; a temporary only
// kernels use lives in device memory; views are rebuilt on the copies.
// CHECK-LABEL: func @call_copies
// CHECK-SAME:    (%[[IN:.+]]: memref<4x8xf32>, %[[OUT:.+]]: memref<32xf32>)
// CHECK-DAG:     %[[DIN:.+]] = gpu.alloc () : memref<4x8xf32>
// CHECK-DAG:     gpu.memcpy %[[DIN]], %[[IN]]
// CHECK-DAG:     %[[DOUT:.+]] = gpu.alloc () : memref<32xf32>
// CHECK-DAG:     gpu.memcpy %[[DOUT]], %[[OUT]]
// CHECK:         %[[TMP:.+]] = gpu.alloc () : memref<32xf32>
// CHECK:         %[[VIEW:.+]] = memref.collapse_shape %[[DIN]]
// CHECK:         gpu.launch
// CHECK:           memref.load %[[VIEW]]
// CHECK:           memref.store %{{.+}}, %[[TMP]]
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.+}}, %[[DOUT]]
// CHECK:         gpu.dealloc %[[TMP]] :
// CHECK-DAG:     gpu.memcpy %[[OUT]], %[[DOUT]] :
// CHECK-DAG:     gpu.dealloc %[[DOUT]] :
// CHECK-DAG:     gpu.dealloc %[[DIN]] :
// CHECK:         return
func.func @call_copies(%in: memref<4x8xf32>, %out: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %tmp = memref.alloc() : memref<32xf32>
  %flat = memref.collapse_shape %in [[0, 1]] : memref<4x8xf32> into memref<32xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %x = memref.load %flat[%tx] : memref<32xf32>
    memref.store %x, %tmp[%tx] : memref<32xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %x = memref.load %tmp[%tx] : memref<32xf32>
    memref.store %x, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  memref.dealloc %tmp : memref<32xf32>
  return
}

// -----

// A buffer the host reads as well is copied around each launch.
// CHECK-LABEL: func @launch_copies
// CHECK:         %[[D:.+]] = gpu.alloc () : memref<8xf32>
// CHECK:         gpu.memcpy %[[D]], %[[BUF:.+]] :
// CHECK:         gpu.launch
// CHECK:         gpu.memcpy %[[BUF]], %[[D]]
// CHECK:         gpu.dealloc %[[D]]
// CHECK:         memref.load %[[BUF]]
func.func @launch_copies(%buf: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    memref.store %f, %buf[%tx] : memref<8xf32>
    gpu.terminator
  }
  %r = memref.load %buf[%c0] : memref<8xf32>
  return %r : f32
}

// -----

// Device entry points use their arguments as they are.
// CHECK-LABEL: func @device
// CHECK-NOT:     gpu.memcpy
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.+}}, %arg0
func.func @device(%buf: memref<8xf32>) attributes {linea.device_pointers} {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    memref.store %f, %buf[%tx] : memref<8xf32>
    gpu.terminator
  }
  return
}

// -----

// ... and cannot serve the host: that is an error.
// expected-error @below {{in a device-pointer entry point, a buffer GPU kernels use is also used on the host}}
func.func @device_host_use(%buf: memref<8xf32>) -> f32 attributes {linea.device_pointers} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    memref.store %f, %buf[%tx] : memref<8xf32>
    gpu.terminator
  }
  %r = memref.load %buf[%c0] : memref<8xf32>
  return %r : f32
}
