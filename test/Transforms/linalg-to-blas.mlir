// RUN: linea-opt %s --split-input-file --linea-linalg-to-blas | FileCheck %s

// A projection: 8 blocks of 32 rows (at least 32 rows a block, at most 16
// blocks), one serial bli_sgemm per block on the parallel loop; strides from
// the buffers' layouts; alpha = beta = 1 (linalg.matmul accumulates).
// CHECK-LABEL: func.func @projection
// CHECK:         arith.constant 1.000000e+00 : f32
// CHECK:         scf.parallel (%{{.+}}, %[[BLK:.+]]) = (%{{.+}}, %{{.+}}) to (%c1{{.*}}, %c8{{.*}})
// CHECK:           arith.muli %[[BLK]], %c32
// CHECK:           func.call @bli_sgemm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (i32, i32, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64) -> ()
// CHECK-NOT:     linalg.matmul
// CHECK:       func.func private @bli_sgemm
func.func @projection(%x: memref<256x1024xf32>, %w: memref<1024x512xf32>, %y: memref<256x512xf32>) {
  linalg.matmul ins(%x, %w : memref<256x1024xf32>, memref<1024x512xf32>) outs(%y : memref<256x512xf32>)
  return
}

// -----

// A decode step (one row, 2 M weights: too little work, but weights to
// stream): blocks of 256 columns; the transposed weight (indexing map
// (n, k)) is read through its strides, not copied.
// CHECK-LABEL: func.func @decode_transposed
// CHECK:         %{{.+}}, %{{.+}}, %{{.+}}:2, %[[WS:.+]]:2 = memref.extract_strided_metadata %arg1
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%c1{{.*}}, %c8{{.*}})
// CHECK:           func.call @bli_sgemm
// CHECK-NOT:     linalg.matmul
func.func @decode_transposed(%x: memref<1x1024xf32>, %w: memref<2048x1024xf32>, %y: memref<1x2048xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : memref<1x1024xf32>, memref<2048x1024xf32>) outs(%y : memref<1x2048xf32>)
  return
}

// -----

// Batched: the batch is a dimension of the parallel loop.
// CHECK-LABEL: func.func @batched
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%c4{{.*}}, %c4{{.*}})
// CHECK:           func.call @bli_sgemm
func.func @batched(%a: memref<4x128x256xf32>, %b: memref<4x256x256xf32>, %c: memref<4x128x256xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x128x256xf32>, memref<4x256x256xf32>) outs(%c : memref<4x128x256xf32>)
  return
}

// -----

// Left as generated code: a small product (33.5 MFLOP, 64 K weights), bf16
// operands, a product inside a
// parallel loop (the chunked forms' matrices are there), and a broadcast
// operand (no strides describe it).
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     bli_sgemm
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT:     bli_sgemm
func.func @kept(%a: memref<256x128xf32>, %b: memref<128x512xf32>, %c: memref<256x512xf32>,
                %x: memref<256x128xbf16>, %w: memref<128x512xbf16>, %y: memref<256x512xf32>,
                %p: memref<256x1024xf32>, %q: memref<1024x512xf32>, %r: memref<256x512xf32>,
                %v: memref<1024xf32>) {
  linalg.matmul ins(%a, %b : memref<256x128xf32>, memref<128x512xf32>) outs(%c : memref<256x512xf32>)
  linalg.matmul ins(%x, %w : memref<256x128xbf16>, memref<128x512xbf16>) outs(%y : memref<256x512xf32>)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    linalg.matmul ins(%p, %q : memref<256x1024xf32>, memref<1024x512xf32>) outs(%r : memref<256x512xf32>)
  }
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%v, %q : memref<1024xf32>, memref<1024x512xf32>) outs(%r : memref<256x512xf32>)
  return
}
