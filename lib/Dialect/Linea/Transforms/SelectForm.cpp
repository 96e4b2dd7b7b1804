//===- SelectForm.cpp - The linea-select-form pass ---------------*- C++
//-*-===//
//
// Only the pass: the estimates live in CostModel.cpp.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/CostModel.h"
#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "linea/Target/NVPTXChip.h"
#include "llvm/Support/Format.h"
#include <thread>

namespace mlir::linea {
#define GEN_PASS_DEF_SELECTFORMPASS
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;
using namespace mlir::linea;

namespace {
void describe(llvm::raw_ostream &os, const FormEstimate &estimate) {
  os << stringifyForm(estimate.form);
  if (estimate.chunkSize)
    os << " (chunk_size " << *estimate.chunkSize << ")";
  os << " " << llvm::format("%.3g", estimate.seconds) << " s";
}

/// The remark of `remarks`: every candidate with its estimate, the pick
/// first.
void explain(RecurrenceOpInterface op, ArrayRef<FormEstimate> all,
             const std::optional<FormEstimate> &best) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "linea-select-form: ";
  if (!best) {
    os << "no estimate (dynamic shapes): the form stays auto";
  } else {
    describe(os, *best);
    os << " picked";
    bool first = true;
    for (const FormEstimate &other : all) {
      if (other.form == best->form && other.chunkSize == best->chunkSize)
        continue;
      os << (first ? "; also " : ", ");
      describe(os, other);
      first = false;
    }
  }
  op->emitRemark(text);
}

struct SelectFormPass : public linea::impl::SelectFormPassBase<SelectFormPass> {
  using SelectFormPassBase::SelectFormPassBase;

  void runOnOperation() override {
    TargetDescription desc;
    if (target == "nvptx") {
      desc.kind = TargetKind::GPU;
    } else if (target != "cpu") {
      getOperation()->emitError("linea-select-form: unknown target '")
          << target << "' (expected cpu or nvptx)";
      return signalPassFailure();
    }
    Operation *root = getOperation();
    if (failed(checkOptionRange(root, getArgument(), "cores", cores, 0,
                                4096)) ||
        failed(checkOptionRange(root, getArgument(), "sm-count", smCount, 1,
                                1024)))
      return signalPassFailure();
    desc.cores =
        cores > 0 ? int64_t(cores)
                  : std::max<int64_t>(1, std::thread::hardware_concurrency());
    desc.smCount = smCount;
    desc.tensorCores = tensorCores;
    if (!chip.empty()) {
      std::string error;
      std::optional<NVPTXChip> parsed = NVPTXChip::parse(chip, error);
      if (!parsed) {
        root->emitError(getArgument()) << ": " << error;
        return signalPassFailure();
      }
      desc.tensorCores &= parsed->tf32TensorCores;
    }
    getOperation()->walk([&](RecurrenceOpInterface op) {
      if (op.getEvaluationForm() != Form::auto_)
        return;
      SmallVector<FormEstimate> estimates = estimateForms(op, desc);
      std::optional<FormEstimate> best = fastest(estimates);
      if (remarks)
        explain(op, estimates, best);
      if (!best)
        return;
      op.setEvaluationForm(best->form);
      if (best->chunkSize && !op.getChunkSizeValue())
        op->setAttr(
            "chunk_size",
            Builder(op->getContext()).getI64IntegerAttr(*best->chunkSize));
      if (!best->chunkSize)
        op->removeAttr("chunk_size");
      ++numSelected;
    });
  }
};
} // namespace
