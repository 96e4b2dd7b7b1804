//===- LineaToLoops.cpp - The convert-linea-to-loops pass -----------------===//
//
// The CPU target of the shared lowerings (LineaCommon): parallel loops are
// scf.parallel, slices are parallel iterations, chunks whose matrices fit
// are contractions (ChunkMatrices.cpp), token rows are prefetched, and
// channel-wise ops run up to 16 channels as the lanes of a vector.
//
//===----------------------------------------------------------------------===//

#include "../LineaCommon/Patterns.h"
#include "../LineaCommon/TargetInfo.h"
#include "ChunkMatrices.h"
#include "linea/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::linea {
#define GEN_PASS_DEF_CONVERTLINEATOLOOPSPASS
#include "linea/Conversion/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

class CPUTargetInfo final : public TargetInfo {
public:
  TargetKind getKind() const override { return TargetKind::CPU; }
  StringRef getName() const override { return "CPU"; }

  void parallel(LoopEmitter &e, ArrayRef<Extent> ubs,
                LoopEmitter::ParallelBody body) const override {
    SmallVector<Value> lbs, upper, steps;
    for (Extent ub : ubs) {
      lbs.push_back(e.index(0));
      upper.push_back(e.value(ub));
      steps.push_back(e.index(1));
    }
    scf::ParallelOp::create(
        e.builder(), lbs, upper, steps,
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder nb(loc, nested);
          LoopEmitter inner = e.nested(nb);
          body(inner, ivs);
        });
  }

  void emitSlices(LoopEmitter &e, const RecurrenceSignature &sig,
                  const SliceExtents &extents, int64_t chunk,
                  SliceBuilder build) const override {
    e.parallel(extents.slices, [&](LoopEmitter &pe, ValueRange ivs) {
      emitSlice(pe, buildSliceOf(pe, sig, extents, ivs, build), chunk);
    });
  }

  void emitChunkedSlice(LoopEmitter &e, const RecurrenceSlice &slice,
                        int64_t chunk) const override {
    if (chunkMatricesFit(slice, chunk))
      return emitChunkMatrices(e, slice, chunk);
    TargetInfo::emitChunkedSlice(e, slice, chunk);
  }

  bool lowersDynamicShapes() const override { return true; }
  bool prefetches() const override { return true; }
  /// 16 f32 lanes fill an AVX-512 register.
  int64_t maxChannelLanes() const override { return 16; }
  bool runsChannelsAsSlices() const override { return true; }
};

const CPUTargetInfo kCPU;

struct ConvertLineaToLoopsPass
    : public linea::impl::ConvertLineaToLoopsPassBase<ConvertLineaToLoopsPass> {
  void runOnOperation() override {
    if (failed(lowerLineaOps(getOperation(), kCPU)))
      signalPassFailure();
  }
};
} // namespace

void mlir::linea::populateLineaToLoopsPatterns(RewritePatternSet &patterns) {
  populateLineaPatterns(patterns, kCPU);
}
