// RUN: linea-opt --linea-vectorize-linalg --canonicalize %s | FileCheck %s

// A matmul: 8 x 16 register blocks, the reduction loop carrying the block's
// eight rows and doing one FMA per row and step; the blocks of rows on the
// threads (an op at the function's top level with 64 K FMAs or more; the
// small ones below stay serial loops).
// CHECK-LABEL: func.func @matmul
// CHECK:       scf.parallel (%[[M:.*]]) = (%{{.*}}) to (%{{.*}}) step (%c8)
// CHECK:         scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %c16
// CHECK:           %[[BLOCK:.*]] = memref.subview %{{.*}}[%[[M]], %[[N]]] [8, 16]
// CHECK-COUNT-8:   vector.load %[[BLOCK]]{{.*}} vector<16xf32>
// CHECK:           %[[ROWS:.*]]:8 = scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-8:     vector.fma {{.*}} : vector<16xf32>
// CHECK:             scf.yield
// CHECK-NOT:         vector.store
// CHECK:           }
// CHECK-COUNT-8:   vector.store %[[ROWS]]#{{.*}}, %[[BLOCK]]
// CHECK-NOT:   linalg.
func.func @matmul(%a: memref<32x64xf32>, %b: memref<64x48xf32>, %c: memref<32x48xf32>) {
  linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x48xf32>) outs(%c : memref<32x48xf32>)
  return
}

// Lanes along the output's innermost dimension: 40 = 5 x 8, no masks.
// CHECK-LABEL: func.func @elementwise
// CHECK:       scf.for {{.*}} step %c1
// CHECK:         scf.for {{.*}} step %c8
// CHECK:           %[[X:.*]] = vector.load {{.*}} vector<8xf32>
// CHECK:           %[[E:.*]] = math.exp %[[X]] : vector<8xf32>
// CHECK:           vector.store %[[E]]
// CHECK-NOT:   vector.mask
func.func @elementwise(%a: memref<3x40xf32>, %c: memref<3x40xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<3x40xf32>) outs(%c : memref<3x40xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// A row reduction: the 16 sums of a block of rows stay in one register
// across the reduction.
// CHECK-LABEL: func.func @row_sums
// CHECK:       scf.for {{.*}} step %c16
// CHECK:         %[[ACC:.*]] = vector.load {{.*}} vector<16xf32>
// CHECK:         %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]]) -> (vector<16xf32>)
// CHECK:         vector.store %[[SUM]]
func.func @row_sums(%p: memref<32x128xf32>, %o: memref<32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(t, c) -> (t, c)>, affine_map<(t, c) -> (t)>], iterator_types = ["parallel", "reduction"]}
      ins(%p : memref<32x128xf32>) outs(%o : memref<32xf32>) {
  ^bb0(%a0: f32, %acc: f32):
    %sq = arith.mulf %a0, %a0 : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  return
}

// Left for the loop lowering: a prime lane count above the width (no block
// divides it), tensors, convolutions.
// CHECK-LABEL: func.func @prime
// CHECK:       linalg.generic
// CHECK-LABEL: func.func @tensors
// CHECK:       linalg.generic
// CHECK-LABEL: func.func @conv
// CHECK:       linalg.depthwise_conv_1d_nwc_wc
func.func @prime(%a: memref<3x97xf32>, %c: memref<3x97xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<3x97xf32>) outs(%c : memref<3x97xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func @tensors(%a: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %e = tensor.empty() : tensor<8x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}
func.func @conv(%x: memref<1x16x8xf32>, %w: memref<4x8xf32>, %o: memref<1x13x8xf32>) {
  linalg.depthwise_conv_1d_nwc_wc ins(%x, %w : memref<1x16x8xf32>, memref<4x8xf32>) outs(%o : memref<1x13x8xf32>)
  return
}

// Inside a parallel loop (a slice of a chunked form), the same matmul's
// blocks stay a serial loop: no nested parallel region.
// CHECK-LABEL: func.func @matmul_in_slice
// CHECK:       scf.parallel
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for {{.*}} step %c8
func.func @matmul_in_slice(%a: memref<32x64xf32>, %b: memref<64x48xf32>, %c: memref<32x48xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x48xf32>) outs(%c : memref<32x48xf32>)
  }
  return
}

// Boolean buffers stay scalar loops: LLVM packs a vector<N x i1> in memory
// into bits, while a scalar i1 load or store (the loops of an op that is not
// vectorized, such as one with a broadcast map) takes a byte.
// CHECK-LABEL: func.func @booleans
// CHECK-NOT:   vector<{{.*}}xi1>
// CHECK:       linalg.generic
// CHECK:       arith.cmpf olt
// CHECK:       linalg.generic
// CHECK:       arith.uitofp
func.func @booleans(%a: memref<4x32xf32>, %b: memref<4x32xf32>, %m: memref<4x32xi1>,
                    %o: memref<4x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : memref<4x32xf32>, memref<4x32xf32>) outs(%m : memref<4x32xi1>) {
  ^bb0(%x: f32, %y: f32, %out: i1):
    %lt = arith.cmpf olt, %x, %y : f32
    linalg.yield %lt : i1
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%m : memref<4x32xi1>) outs(%o : memref<4x32xf32>) {
  ^bb0(%x: i1, %out: f32):
    %f = arith.uitofp %x : i1 to f32
    linalg.yield %f : f32
  }
  return
}

// A matrix-vector product (one row, a decode step): a block of eight vectors
// along the row, eight FMA chains across the reduction instead of one. bf16
// weights are extended as they are read.
// CHECK-LABEL: func.func @vector_matrix
// CHECK:       scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step (%c128)
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<128xf32>)
// CHECK:           vector.load {{.*}} vector<128xbf16>
// CHECK:           arith.extf {{.*}} : vector<128xbf16> to vector<128xf32>
// CHECK:           vector.fma {{.*}} : vector<128xf32>
func.func @vector_matrix(%a: memref<1x256xbf16>, %b: memref<256x512xbf16>, %c: memref<1x512xf32>) {
  linalg.matmul ins(%a, %b : memref<1x256xbf16>, memref<256x512xbf16>) outs(%c : memref<1x512xf32>)
  return
}

// Weight rows a page or more apart (8192 bf16 columns: 16 KiB): panels of
// 16 reduction steps by 2048 columns first (the panels' column loop on the
// threads), so that the register blocks of a panel read the same 16 pages.
// CHECK-LABEL: func.func @vector_matrix_panels
// CHECK:       scf.parallel ({{.*}}) = ({{.*}}) to (%c8192) step (%c2048)
// CHECK:         scf.for {{.*}} = %c0 to %c256 step %c16
// CHECK:           scf.for {{.*}} = %c0 to %c2048 step %c128
// CHECK:             scf.for {{.*}} = %c0 to %c16 step %c1 iter_args({{.*}}) -> (vector<128xf32>)
// CHECK:               vector.fma {{.*}} : vector<128xf32>
func.func @vector_matrix_panels(%a: memref<1x256xbf16>, %b: memref<256x8192xbf16>, %c: memref<1x8192xf32>) {
  linalg.matmul ins(%a, %b : memref<1x256xbf16>, memref<256x8192xbf16>) outs(%c : memref<1x8192xf32>)
  return
}

// Columns that no power of two divides well (5000 = 8 x 625): the whole
// panels first (4096 columns, blocked and in panels as above), then the 904
// left over in blocks of their own.
// CHECK-LABEL: func.func @ragged_columns
// CHECK:       memref.subview %{{.*}}[0, 0] [64, 4096] [1, 1]
// CHECK:       scf.parallel ({{.*}}) = ({{.*}}) to (%c4096) step (%c2048)
// CHECK:         vector.fma {{.*}} : vector<128xf32>
// CHECK:       memref.subview %{{.*}}[0, 4096] [64, 904] [1, 1]
// CHECK:       vector.fma {{.*}} : vector<8xf32>
func.func @ragged_columns(%a: memref<1x64xbf16>, %b: memref<64x5000xbf16>, %c: memref<1x5000xf32>) {
  linalg.matmul ins(%a, %b : memref<1x64xbf16>, memref<64x5000xbf16>) outs(%c : memref<1x5000xf32>)
  return
}
