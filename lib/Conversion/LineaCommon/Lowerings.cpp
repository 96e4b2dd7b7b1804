//===- Lowerings.cpp - Shared pieces of the linea lowerings ---------------===//
//
// See Lowerings.h.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

ArrayRef<int64_t> mlir::linea::detail::shapeOf(Value tensor) {
  return cast<RankedTensorType>(tensor.getType()).getShape();
}

FailureOr<Form> mlir::linea::detail::loweredForm(RecurrenceOpInterface op,
                                                 PatternRewriter &rewriter,
                                                 ArrayRef<Form> implemented) {
  for (Type type :
       llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (!cast<RankedTensorType>(type).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
  Form form = op.getEvaluationForm();
  if (form == Form::auto_)
    form = Form::recurrent;
  if (!llvm::is_contained(implemented, form))
    return rewriter.notifyMatchFailure(op, "form not lowered");
  return form;
}

int64_t mlir::linea::detail::chunkFor(RecurrenceOpInterface op, Form form) {
  if (form != Form::chunked && form != Form::scan)
    return 0;
  return op.getChunkSizeValue().value_or(kDefaultChunkSize);
}

void mlir::linea::detail::replaceWithBuffers(RecurrenceOpInterface op,
                                             PatternRewriter &rewriter,
                                             LoopEmitter &e, Value output,
                                             Value state) {
  SmallVector<Value> results{e.toTensor(output)};
  if (op.getFinalStateValue())
    results.push_back(e.toTensor(state));
  rewriter.replaceOp(op, results);
}

void mlir::linea::detail::replaceEmptySequence(RecurrenceOpInterface op,
                                               PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto outType = cast<RankedTensorType>(op.getOutput().getType());
  SmallVector<Value> results{tensor::EmptyOp::create(
      rewriter, loc, outType.getShape(), outType.getElementType())};
  if (Value state = op.getFinalStateValue()) {
    Value init = op.getInitialStateValue();
    results.push_back(
        init ? init
             : arith::ConstantOp::create(
                   rewriter, loc,
                   op.getEmptyState(cast<RankedTensorType>(state.getType())))
                   .getResult());
  }
  rewriter.replaceOp(op, results);
}

Value mlir::linea::detail::bufferOrNull(LoopEmitter &e, Value tensor) {
  return tensor ? e.toBuffer(tensor) : Value();
}

void mlir::linea::populateLineaPatterns(RewritePatternSet &patterns,
                                        const TargetInfo &target) {
  populateLinearAttentionPatterns(patterns, target);
  populateSelectiveScanPatterns(patterns, target);
  populateWkvPatterns(patterns, target);
  populateGatedDeltaPatterns(patterns, target);
  populateSsdPatterns(patterns, target);
}

LogicalResult mlir::linea::lowerLineaOps(Operation *root,
                                         const TargetInfo &target) {
  RewritePatternSet patterns(root->getContext());
  populateLineaPatterns(patterns, target);
  walkAndApplyPatterns(root, std::move(patterns));
  StringRef where = target.getName();
  // Whatever is left could not be lowered: say why, at the op.
  WalkResult result = root->walk([&](RecurrenceOpInterface op) {
    for (Type type : op->getOperandTypes())
      if (!cast<RankedTensorType>(type).hasStaticShape())
        return op->emitOpError("has a dynamic shape (")
                   << type << "); the " << where
                   << " lowering needs static shapes",
               WalkResult::interrupt();
    SmallVector<StringRef> forms;
    for (Form form : op.getImplementedForms(target.getKind()))
      forms.push_back(stringifyForm(form));
    op->emitOpError("form '")
        << stringifyForm(op.getEvaluationForm()) << "' has no " << where
        << " lowering (the " << where << " lowers " << llvm::join(forms, ", ")
        << ")";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}
