//===- LineaToGPU.h - Lowering linea ops to GPU kernels ----------*- C++
//-*-===//
//
// The patterns of convert-linea-to-gpu, and the static facts of its
// tensor-core kernel that the cost model prices.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_CONVERSION_LINEATOGPU_LINEATOGPU_H
#define LINEA_CONVERSION_LINEATOGPU_LINEATOGPU_H

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace linea {

/// Patterns that lower every linea op to gpu.launch kernels over buffers
/// (the chunked forms on tensor cores where `tensorCores`).
void populateLineaToGPUPatterns(RewritePatternSet &patterns,
                                bool tensorCores = true);

/// The GPU's chunked form on tensor cores (TensorCoreChunks.cpp): chunks of
/// kTensorCoreChunk tokens (the mma's M), a block per tile of up to
/// kTensorCoreMaxTile value columns, at most kTensorCoreWorkgroupBytes of
/// workgroup memory (below the 48 KiB that needs no opt-in).
constexpr int64_t kTensorCoreChunk = 16, kTensorCoreMaxTile = 32;
constexpr int64_t kTensorCoreWorkgroupBytes = 40 * 1024;

/// f32 entries of workgroup memory a block of that kernel uses for K x V
/// heads with `decays` log-decays per token: the state tile, the chunk's
/// q, k and v rows, its scores, the decays (later their suffix products)
/// and their prefix products, the bonus dots, the normalizer's z and
/// denominators; with a rank-one term (RWKV-7) also the a and b rows, the
/// rows a_t^T S_{t-1} and three more score matrices.
constexpr int64_t tensorCoreWorkgroupFloats(int64_t keyDim, int64_t tile,
                                            int64_t decays, bool rankOne) {
  int64_t c = kTensorCoreChunk;
  int64_t floats = keyDim * tile + 2 * c * keyDim + c * tile + c * c +
                   (2 * c + 1) * decays + 2 * c + keyDim;
  if (rankOne)
    floats += 2 * c * keyDim + c * tile + 3 * c * c;
  return floats;
}

/// The value columns per block of that kernel (the widest multiple of 8
/// dividing V whose buffers fit), or 0 where it does not apply: K not a
/// multiple of 16, V not a multiple of 8, heads too large.
constexpr int64_t tensorCoreColumnTile(int64_t keyDim, int64_t valueDim,
                                       int64_t decays, bool rankOne) {
  if (keyDim % kTensorCoreChunk || valueDim % 8)
    return 0;
  for (int64_t tile = kTensorCoreMaxTile; tile >= 8; tile /= 2)
    if (valueDim % tile == 0 &&
        4 * tensorCoreWorkgroupFloats(keyDim, tile, decays, rankOne) <=
            kTensorCoreWorkgroupBytes)
      return tile;
  return 0;
}

} // namespace linea
} // namespace mlir

#endif // LINEA_CONVERSION_LINEATOGPU_LINEATOGPU_H
