//===- LineaToLoops.cpp - The convert-linea-to-loops pass -----------------===//
//
// Only the pass: the patterns live in one file per op family.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "linea/Conversion/Passes.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::linea {
#define GEN_PASS_DEF_CONVERTLINEATOLOOPSPASS
#include "linea/Conversion/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;
using namespace mlir::linea;

void mlir::linea::populateLineaToLoopsPatterns(RewritePatternSet &patterns) {
  populateLinearAttentionToLoopsPatterns(patterns);
  populateSelectiveScanToLoopsPatterns(patterns);
  populateWkvToLoopsPatterns(patterns);
}

namespace {
struct ConvertLineaToLoopsPass
    : public linea::impl::ConvertLineaToLoopsPassBase<ConvertLineaToLoopsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateLineaToLoopsPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // Whatever is left could not be lowered: say why, at the op.
    WalkResult result = getOperation()->walk([](RecurrenceOpInterface op) {
      for (Type type : op->getOperandTypes())
        if (!cast<RankedTensorType>(type).hasStaticShape())
          return op->emitOpError("has a dynamic shape (")
                     << type << "); the CPU lowering needs static shapes",
                 WalkResult::interrupt();
      op->emitOpError("form '")
          << stringifyForm(op.getEvaluationForm())
          << "' has no CPU lowering (every op has the recurrent form; "
             "linear_attention also the quadratic and chunked forms, wkv6 and "
             "wkv7 the chunked form, selective_scan the scan form)";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
