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
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::linea {
#define GEN_PASS_DEF_CONVERTLINEATOGPUPASS
#define GEN_PASS_DEF_CONVERTLINEATOLOOPSPASS
#include "linea/Conversion/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;
using namespace mlir::linea;

namespace {
using linea::detail::TargetInfo;

void populatePatterns(RewritePatternSet &patterns, TargetInfo target) {
  populateLinearAttentionToLoopsPatterns(patterns, target);
  populateSelectiveScanToLoopsPatterns(patterns, target);
  populateWkvToLoopsPatterns(patterns, target);
}

/// Lowers every linea op in `root` for `target`; an op left over is an
/// error that says why.
LogicalResult lowerAll(Operation *root, TargetInfo target) {
  RewritePatternSet patterns(root->getContext());
  populatePatterns(patterns, target);
  walkAndApplyPatterns(root, std::move(patterns));
  StringRef where = target.kind == TargetKind::CPU ? "CPU" : "GPU";
  // Whatever is left could not be lowered: say why, at the op.
  WalkResult result = root->walk([&](RecurrenceOpInterface op) {
      for (Type type : op->getOperandTypes())
        if (!cast<RankedTensorType>(type).hasStaticShape())
          return op->emitOpError("has a dynamic shape (")
                     << type << "); the " << where
                     << " lowering needs static shapes",
                 WalkResult::interrupt();
      SmallVector<StringRef> forms;
      for (Form form : op.getImplementedForms(target.kind))
        forms.push_back(stringifyForm(form));
      op->emitOpError("form '")
          << stringifyForm(op.getEvaluationForm()) << "' has no " << where
          << " lowering (the " << where << " lowers "
          << llvm::join(forms, ", ") << ")";
      return WalkResult::interrupt();
    });
  return failure(result.wasInterrupted());
}

struct ConvertLineaToLoopsPass
    : public linea::impl::ConvertLineaToLoopsPassBase<ConvertLineaToLoopsPass> {
  void runOnOperation() override {
    if (failed(lowerAll(getOperation(), {TargetKind::CPU})))
      signalPassFailure();
  }
};

struct ConvertLineaToGPUPass
    : public linea::impl::ConvertLineaToGPUPassBase<ConvertLineaToGPUPass> {
  using ConvertLineaToGPUPassBase::ConvertLineaToGPUPassBase;
  void runOnOperation() override {
    if (failed(lowerAll(getOperation(), {TargetKind::GPU, tensorCores})))
      signalPassFailure();
  }
};
} // namespace

void mlir::linea::populateLineaToLoopsPatterns(RewritePatternSet &patterns) {
  populatePatterns(patterns, {TargetKind::CPU});
}

void mlir::linea::populateLineaToGPUPatterns(RewritePatternSet &patterns,
                                              bool tensorCores) {
  populatePatterns(patterns, {TargetKind::GPU, tensorCores});
}

namespace {
struct BarrierEffects
    : public MemoryEffectOpInterface::ExternalModel<BarrierEffects,
                                                    gpu::BarrierOp> {
  void getEffects(
      Operation *,
      SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
          &effects) const {
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};
} // namespace

void mlir::linea::registerGPUBarrierEffects(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, gpu::GPUDialect *) {
    gpu::BarrierOp::attachInterface<BarrierEffects>(*context);
  });
}
