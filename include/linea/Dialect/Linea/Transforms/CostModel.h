//===- CostModel.h - Which form of a linea op is fastest ---------*- C++ -*-===//
//
// The cost model of linea-select-form: the forms a target's lowering
// implements for an op, each with an estimated time from the op's shapes.
// The CPU constants are calibrated by benchmarks/forms.py (see
// docs/FormSelection.md for the data).
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H
#define LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H

#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mlir::linea {

/// The CPU lowering evaluates chunks (and quadratic windows) of up to this
/// many tokens as matrices on each slice's stack, longer ones token by
/// token; the cost model prices the two differently.
constexpr int64_t kMaxMatrixChunk = 128;

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

struct TargetDescription {
  TargetKind kind = TargetKind::CPU;
  /// CPU: cores that run slices in parallel.
  int64_t cores = 1;
  /// NVPTX: streaming multiprocessors, and whether they have tensor cores.
  int64_t smCount = 132;
  bool tensorCores = true;
};

struct FormEstimate {
  Form form;
  /// Estimated seconds; only comparable between forms of one op.
  double seconds;
  /// For the chunked and scan forms.
  std::optional<int64_t> chunkSize;
};

/// Every form of the op's table for `target` that has an estimate, with it
/// (read from the op's recurrence signature).
llvm::SmallVector<FormEstimate> estimateForms(RecurrenceOpInterface op,
                                              const TargetDescription &target);

/// The fastest of them; nullopt if the op's shapes are dynamic.
std::optional<FormEstimate> chooseForm(RecurrenceOpInterface op,
                                       const TargetDescription &target);

} // namespace mlir::linea

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H
