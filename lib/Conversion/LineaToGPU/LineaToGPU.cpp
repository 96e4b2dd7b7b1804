//===- LineaToGPU.cpp - The convert-linea-to-gpu pass ---------------------===//
//
// The GPU target of the shared lowerings (LineaCommon): parallel loops are
// gpu.launch kernels with a thread per point; head-wise slices run on the
// kernels of Kernels.h; the selective scan gives each channel up to 32
// threads, one state entry each.
//
//===----------------------------------------------------------------------===//

#include "../LineaCommon/Patterns.h"
#include "../LineaCommon/TargetInfo.h"
#include "Kernels.h"
#include "linea/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::linea {
#define GEN_PASS_DEF_CONVERTLINEATOGPUPASS
#include "linea/Conversion/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

/// Threads per block of a parallel loop's kernel.
constexpr int64_t kThreadsPerBlock = 128;

class GPUTargetInfo final : public TargetInfo {
public:
  explicit GPUTargetInfo(bool tensorCores) : tensorCores(tensorCores) {}

  TargetKind getKind() const override { return TargetKind::GPU; }
  StringRef getName() const override { return "GPU"; }

  /// The GPU lowers static shapes only (loweredForm): every extent is.
  void parallel(LoopEmitter &e, ArrayRef<Extent> extents,
                LoopEmitter::ParallelBody body) const override {
    SmallVector<int64_t> ubs;
    for (Extent ub : extents)
      ubs.push_back(ub.getStatic());
    int64_t total = 1;
    for (int64_t ub : ubs)
      total *= ub;
    // No points (a batch of none): no kernel, rather than one of no threads.
    if (total == 0)
      return;
    // Row-major: the last index varies fastest across threads.
    e.launchThreads(total, std::min<int64_t>(total, kThreadsPerBlock),
                    [&](LoopEmitter &k, Value id, Value inRange) {
                      k.guarded(inRange, [&](LoopEmitter &g) {
                        body(g, g.delinearize(id, ubs));
                      });
                    });
  }

  void emitSlices(LoopEmitter &e, const RecurrenceSignature &sig,
                  const SliceExtents &extents, int64_t chunk,
                  SliceBuilder build) const override {
    ArrayRef<int64_t> slices = sig.slices;
    int64_t valueDim = sig.valueDim;
    auto slice = [&](LoopEmitter &pe, ValueRange ivs) {
      return buildSlice(pe, sig, extents.tokens, ivs, build);
    };
    auto built = [&](LoopEmitter &pe, ValueRange ivs, RecurrenceSlice &s) {
      s = slice(pe, ivs);
    };
    if (chunk == 0 && sig.causal())
      return emitColumnKernel(e, slices, sig.keyDim, valueDim, built);
    if (int64_t tile = chunk > 0 && tensorCores ? tensorCoreTile(sig) : 0)
      return emitTensorCoreChunks(e, slices, tile, valueDim, built);
    // The other forms (head sizes the mma does not tile, non-causal): a
    // thread per value column, each evaluating its column as a slice of its
    // own (V = 1; the key-side work, such as a chunk's scores, is redone per
    // column).
    SmallVector<Extent> columns(slices.begin(), slices.end());
    columns.push_back(valueDim);
    e.parallel(columns, [&](LoopEmitter &pe, ValueRange ivs) {
      RecurrenceSlice s = slice(pe, ivs.drop_back());
      emitSlice(pe, s.column(ivs.back()), chunk);
    });
  }

  /// N threads per channel where N is a power of two up to a warp: the
  /// sums over the state are xor shuffles within the warp.
  int64_t threadsPerChannel(int64_t stateSize) const override {
    return stateSize <= 32 && llvm::isPowerOf2_64(stateSize) ? stateSize : 1;
  }

private:
  /// Whether the chunked forms may use the tf32 mma.sync kernel.
  bool tensorCores;
};

const GPUTargetInfo kWithTensorCores(true), kWithoutTensorCores(false);

const TargetInfo &gpuTarget(bool tensorCores) {
  return tensorCores ? static_cast<const TargetInfo &>(kWithTensorCores)
                     : kWithoutTensorCores;
}

struct ConvertLineaToGPUPass
    : public linea::impl::ConvertLineaToGPUPassBase<ConvertLineaToGPUPass> {
  using ConvertLineaToGPUPassBase::ConvertLineaToGPUPassBase;
  void runOnOperation() override {
    if (failed(lowerLineaOps(getOperation(), gpuTarget(tensorCores))))
      signalPassFailure();
  }
};
} // namespace

void mlir::linea::populateLineaToGPUPatterns(RewritePatternSet &patterns,
                                             bool tensorCores) {
  populateLineaPatterns(patterns, gpuTarget(tensorCores));
}
