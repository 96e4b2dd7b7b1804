//===- SelectForm.cpp - The linea-select-form pass ---------------*- C++
//-*-===//
//
// Only the pass: the estimates live in CostModel.cpp.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/CostModel.h"
#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "linea/Target/NVPTXChip.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// Sets `op`'s form (and chunk size) to `pick`.
void applyPick(RecurrenceOpInterface op, const FormEstimate &pick) {
  op.setEvaluationForm(pick.form);
  if (pick.chunkSize && !op.getChunkSizeValue())
    op->setAttr("chunk_size",
                Builder(op->getContext()).getI64IntegerAttr(*pick.chunkSize));
  if (!pick.chunkSize)
    op->removeAttr("chunk_size");
}

/// The first (operand, dimension) of `op` that is its sequence length.
std::optional<std::pair<Value, unsigned>> sequenceDim(Operation *op) {
  for (Value v : op->getOperands())
    if (auto type = dyn_cast<RankedTensorType>(v.getType()))
      for (unsigned d = 0; d < type.getRank(); ++d)
        if (getDimRole(op, v, d) == DimRole::sequence)
          return std::make_pair(v, d);
  return std::nullopt;
}

/// Replaces `op` by a dispatch on its run-time length T: scf.if T < the
/// next range's first length, a copy of the op in each range's form.
void dispatchOnLength(RecurrenceOpInterface op, ArrayRef<LengthRange> ranges,
                      std::pair<Value, unsigned> sequence, TargetKind kind) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value T = tensor::DimOp::create(b, loc, sequence.first, sequence.second);
  std::function<SmallVector<Value>(OpBuilder &, size_t)> emit =
      [&](OpBuilder &ob, size_t i) -> SmallVector<Value> {
    if (i + 1 == ranges.size()) {
      auto copy = cast<RecurrenceOpInterface>(ob.clone(*op));
      applyPick(copy, ranges[i].pick);
      return SmallVector<Value>(copy->getResults());
    }
    Value bound = arith::ConstantIndexOp::create(ob, loc, ranges[i + 1].from);
    Value below =
        arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::ult, T, bound);
    auto ifOp = scf::IfOp::create(ob, loc, op->getResultTypes(), below,
                                  /*withElseRegion=*/true);
    OpBuilder thenBuilder = ifOp.getThenBodyBuilder();
    auto copy = cast<RecurrenceOpInterface>(thenBuilder.clone(*op));
    // The quadratic form of lengths below `bound` is one chunk of bound - 1
    // tokens (a shorter sequence pads it): the lowering cannot size a
    // quadratic form by a length it learns at run time.
    FormEstimate pick = ranges[i].pick;
    if (pick.form == Form::quadratic &&
        llvm::is_contained(op.getImplementedForms(kind), Form::chunked))
      pick = {Form::chunked, pick.seconds, ranges[i + 1].from - 1};
    applyPick(copy, pick);
    scf::YieldOp::create(thenBuilder, loc, copy->getResults());
    OpBuilder elseBuilder = ifOp.getElseBodyBuilder();
    scf::YieldOp::create(elseBuilder, loc, emit(elseBuilder, i + 1));
    return SmallVector<Value>(ifOp.getResults());
  };
  SmallVector<Value> results = emit(b, 0);
  op->replaceAllUsesWith(results);
  op->erase();
}

/// The remark of an op whose length is dynamic: the form per range of
/// lengths, or why there is none.
void explainRanges(RecurrenceOpInterface op, ArrayRef<LengthRange> ranges) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "linea-select-form: ";
  if (ranges.empty()) {
    os << "no estimate (dynamic sizes other than the batch and the sequence): "
          "the form stays auto";
  } else {
    os << "dynamic length, dispatched at run time:";
    for (auto [i, range] : llvm::enumerate(ranges)) {
      os << (i ? "; " : " ") << "T >= " << range.from << ": "
         << stringifyForm(range.pick.form);
      if (range.pick.chunkSize)
        os << " (chunk_size " << *range.pick.chunkSize << ")";
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
    SmallVector<RecurrenceOpInterface> ops;
    getOperation()->walk([&](RecurrenceOpInterface op) {
      if (op.getEvaluationForm() == Form::auto_)
        ops.push_back(op);
    });
    for (RecurrenceOpInterface op : ops) {
      SmallVector<FormEstimate> estimates = estimateForms(op, desc);
      std::optional<FormEstimate> best = fastest(estimates);
      if (best) {
        if (remarks)
          explain(op, estimates, best);
        applyPick(op, *best);
        ++numSelected;
        continue;
      }
      // A length known only at run time: the picks over every length.
      std::optional<std::pair<Value, unsigned>> sequence = sequenceDim(op);
      SmallVector<LengthRange> ranges =
          sequence ? formsByLength(op, desc) : SmallVector<LengthRange>();
      if (remarks)
        explainRanges(op, ranges);
      if (ranges.empty())
        continue;
      ++numSelected;
      if (ranges.size() == 1)
        applyPick(op, ranges.front().pick);
      else
        dispatchOnLength(op, ranges, *sequence, desc.kind);
    }
  }
};
} // namespace
