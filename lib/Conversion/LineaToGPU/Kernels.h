//===- Kernels.h - The GPU kernels of head-wise recurrences ------*- C++
//-*-===//
//
// Private to convert-linea-to-gpu. On the GPU a causal recurrent slice is a
// row of blocks, a few threads per value column (emitColumnKernel), causal
// chunks a warp per tile of value columns on tensor cores where that kernel
// applies (emitTensorCoreChunks); the other forms run a thread per value
// column.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEATOGPU_KERNELS_H
#define LINEA_LIB_CONVERSION_LINEATOGPU_KERNELS_H

#include "../LineaCommon/RecurrenceCore.h"
#include "linea/Conversion/LineaToGPU/LineaToGPU.h"

namespace mlir::linea::detail {

/// The GPU recurrent form of causal slices: one block per (slice, tile of
/// value columns), P threads per value column j (up to 4), each holding
/// K / P entries of S[:, j] in registers and summing dot products across
/// the P by warp shuffles; the tokens' q, k, exp(log-decay) and rank-one
/// rows are staged in workgroup memory a block of tokens at a time.
void emitColumnKernel(LoopEmitter &e, ArrayRef<int64_t> slices, int64_t keyDim,
                      int64_t valueDim, SliceBuilder build);

/// The GPU chunked form of causal slices on tensor cores (see
/// TensorCoreChunks.cpp): a warp per (slice, tile of value columns),
/// chunks of 16 tokens, the chunk's contractions as mma.sync on tf32 pairs
/// (f32 accuracy). tensorCoreTile gives the tile's width in value columns
/// for an op of signature `sig`, or 0 where the kernel does not apply (K
/// not a multiple of 16, V not a multiple of 8, heads whose buffers exceed
/// the workgroup memory, non-causal slices).
int64_t tensorCoreTile(const RecurrenceSignature &sig);
void emitTensorCoreChunks(LoopEmitter &e, ArrayRef<int64_t> slices,
                          int64_t tile, int64_t valueDim, SliceBuilder build);

/// Cuts a kernel's dynamic workgroup memory into f32 views.
class WorkgroupMemory {
public:
  explicit WorkgroupMemory(LoopEmitter &k);
  Value allocate(ArrayRef<int64_t> shape);
  int64_t bytes() const { return used; }
  /// Sets `launch`'s dynamic shared memory size to what was allocated.
  void finish(gpu::LaunchOp launch);

private:
  LoopEmitter &k;
  Value base;
  int64_t used = 0;
};

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEATOGPU_KERNELS_H
