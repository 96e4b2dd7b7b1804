//===- Lowerings.cpp - Shared pieces of the linea lowerings ---------------===//
//
// See Lowerings.h.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "linea/Conversion/LineaToLoops/LineaToLoops.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

ArrayRef<int64_t> mlir::linea::detail::shapeOf(Value tensor) {
  return cast<RankedTensorType>(tensor.getType()).getShape();
}

std::optional<std::string>
mlir::linea::detail::unloweredDynamicSize(Operation *op,
                                          const TargetInfo &target) {
  auto check = [&](Value v, StringRef what,
                   unsigned index) -> std::optional<std::string> {
    auto type = cast<RankedTensorType>(v.getType());
    for (unsigned d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (target.lowersDynamicShapes() &&
          getDimRole(op, v, d) != DimRole::other)
        continue;
      std::string message;
      llvm::raw_string_ostream os(message);
      os << what << " " << index << " ('" << type
         << "') has a dynamic size in dimension " << d << "; the "
         << target.getName() << " lowering "
         << (target.lowersDynamicShapes()
                 ? "takes dynamic batch and sequence dimensions only (head "
                   "counts and sizes fix its register blocking)"
                 : "needs static shapes");
      return message;
    }
    return std::nullopt;
  };
  if (getPackedOffsets(op) && !target.lowersDynamicShapes())
    return "takes a packed batch (cu_seqlens), which the " +
           target.getName().str() + " lowering does not lower";
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    if (auto message = check(v, "operand", i))
      return message;
  for (auto [i, v] : llvm::enumerate(op->getResults()))
    if (auto message = check(v, "result", i))
      return message;
  return std::nullopt;
}

FailureOr<Form> mlir::linea::detail::loweredForm(RecurrenceOpInterface op,
                                                 PatternRewriter &rewriter,
                                                 const TargetInfo &target,
                                                 ArrayRef<Form> implemented) {
  if (std::optional<std::string> message = unloweredDynamicSize(op, target))
    return rewriter.notifyMatchFailure(op, *message);
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

int64_t mlir::linea::detail::quadraticChunk(Extent tokens) {
  return tokens.staticOr(kMaxMatrixChunk);
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

ChannelLanes::ChannelLanes(int64_t channels, const TargetInfo &target) {
  while (2 * lanes <= target.maxChannelLanes() && channels % (2 * lanes) == 0)
    lanes *= 2;
  groups = channels / lanes;
}

Value ChannelLanes::first(LoopEmitter &e, Value group) const {
  return arith::MulIOp::create(e.builder(), group, e.index(lanes));
}

Value ChannelLanes::load(LoopEmitter &e, Value buf, ArrayRef<Value> at) const {
  return lanes > 1 ? e.loadRow(buf, at, lanes) : e.load(buf, at);
}

void ChannelLanes::store(LoopEmitter &e, Value value, Value buf,
                         ArrayRef<Value> at) const {
  if (lanes > 1)
    e.storeRow(value, buf, at);
  else
    e.store(value, buf, at);
}

/// `at` with the channel at `dim` moved on by `lane`.
static SmallVector<Value> laneIndices(LoopEmitter &e, ArrayRef<Value> at,
                                      unsigned dim, int64_t lane) {
  SmallVector<Value> indices(at);
  if (lane)
    indices[dim] =
        arith::AddIOp::create(e.builder(), indices[dim], e.index(lane));
  return indices;
}

Value ChannelLanes::gather(LoopEmitter &e, Value buf, ArrayRef<Value> at,
                           unsigned dim) const {
  if (lanes == 1)
    return e.load(buf, at);
  SmallVector<Value> entries;
  for (int64_t l = 0; l < lanes; ++l)
    entries.push_back(e.load(buf, laneIndices(e, at, dim, l)));
  return vector::FromElementsOp::create(
      e.builder(), VectorType::get({lanes}, e.builder().getF32Type()),
      entries);
}

void ChannelLanes::scatter(LoopEmitter &e, Value value, Value buf,
                           ArrayRef<Value> at, unsigned dim) const {
  if (lanes == 1)
    return e.store(value, buf, at);
  for (int64_t l = 0; l < lanes; ++l)
    e.store(vector::ExtractOp::create(e.builder(), value, l), buf,
            laneIndices(e, at, dim, l));
}

Value ChannelLanes::constant(LoopEmitter &e, double value) const {
  return broadcast(e, e.f32(value));
}

Value ChannelLanes::broadcast(LoopEmitter &e, Value scalar) const {
  return lanes > 1 ? e.splat(scalar, lanes) : scalar;
}

void mlir::linea::populateLineaPatterns(RewritePatternSet &patterns,
                                        const TargetInfo &target) {
  populateLinearAttentionPatterns(patterns, target);
  populateSelectiveScanPatterns(patterns, target);
  populateWkvPatterns(patterns, target);
  populateGatedDeltaPatterns(patterns, target);
  populateSsdPatterns(patterns, target);
  populateCausalConv1dPatterns(patterns, target);
}

LogicalResult mlir::linea::lowerLineaOps(Operation *root,
                                         const TargetInfo &target) {
  RewritePatternSet patterns(root->getContext());
  populateLineaPatterns(patterns, target);
  walkAndApplyPatterns(root, std::move(patterns));
  StringRef where = target.getName();
  // Whatever is left could not be lowered: say why, at the op.
  WalkResult result = root->walk([&](Operation *op) {
    if (!isa<LineaDialect>(op->getDialect()))
      return WalkResult::advance();
    if (std::optional<std::string> message = unloweredDynamicSize(op, target))
      return op->emitOpError(*message), WalkResult::interrupt();
    auto recurrence = dyn_cast<RecurrenceOpInterface>(op);
    if (!recurrence)
      return op->emitOpError("has no ") << where << " lowering",
             WalkResult::interrupt();
    SmallVector<StringRef> forms;
    for (Form form : recurrence.getImplementedForms(target.getKind()))
      forms.push_back(stringifyForm(form));
    op->emitOpError("form '")
        << stringifyForm(recurrence.getEvaluationForm()) << "' has no " << where
        << " lowering (the " << where << " lowers " << llvm::join(forms, ", ")
        << ")";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}
