// RUN: linea-opt %s -linea-forward-output-buffers | FileCheck %s

// A dynamic-size result computed in allocations (one per branch of a
// dispatch on T) and copied into the caller's output buffer: the
// allocations become the output buffer, and the copy goes.
// CHECK-LABEL: func @dispatched
// CHECK-SAME:    %[[OUT:[a-z0-9]+]]: memref<?x4xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         scf.yield %[[OUT]]
// CHECK:         scf.yield %[[OUT]]
// CHECK-NOT:     memref.copy
func.func @dispatched(%n: index, %c: i1, %out: memref<?x4xf32>) {
  %a = memref.alloc(%n) : memref<?x4xf32>
  %b = memref.alloc(%n) : memref<?x4xf32>
  %r = scf.if %c -> memref<?x4xf32> {
    scf.yield %a : memref<?x4xf32>
  } else {
    scf.yield %b : memref<?x4xf32>
  }
  memref.copy %r, %out : memref<?x4xf32> to memref<?x4xf32>
  return
}

// A copy of an argument, or of an allocation made in a loop (one per
// iteration), stays.
// CHECK-LABEL: func @kept
// CHECK:         memref.copy
// CHECK-LABEL: func @in_loop
// CHECK:         memref.alloc
// CHECK:         memref.copy
func.func @kept(%in: memref<?x4xf32>, %out: memref<?x4xf32>) {
  memref.copy %in, %out : memref<?x4xf32> to memref<?x4xf32>
  return
}

func.func @in_loop(%n: index, %out: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %out) -> memref<?x4xf32> {
    %a = memref.alloc(%n) : memref<?x4xf32>
    scf.yield %a : memref<?x4xf32>
  }
  memref.copy %r, %out : memref<?x4xf32> to memref<?x4xf32>
  return
}
