//===- Lowerings.h - Shared pieces of the linea lowerings --------*- C++
//-*-===//
//
// What every op's lowering does alike: check that it can be lowered, pick
// the effective form, and hand back its results as tensors.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEACOMMON_LOWERINGS_H
#define LINEA_LIB_CONVERSION_LINEACOMMON_LOWERINGS_H

#include "LoopEmitter.h"
#include "TargetInfo.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::linea::detail {

/// The static shape of a tensor value.
ArrayRef<int64_t> shapeOf(Value tensor);

/// Why `target` cannot lower `op`'s dynamic sizes, if it cannot: the CPU
/// takes dynamic batch and sequence dimensions, the GPU static shapes.
std::optional<std::string> unloweredDynamicSize(Operation *op,
                                                const TargetInfo &target);

/// The form a lowering implements for `op`, or failure (with a match-failure
/// note) where a size is dynamic that `target` needs static or the op asks
/// for a form not in `implemented`. `auto` means the recurrent form: the
/// cost model is `linea-select-form`.
FailureOr<Form> loweredForm(RecurrenceOpInterface op, PatternRewriter &rewriter,
                            const TargetInfo &target,
                            ArrayRef<Form> implemented);

/// The chunk size of the chunked and scan forms (`chunk_size`, or the
/// default); 0 for the forms without chunks.
int64_t chunkFor(RecurrenceOpInterface op, Form form);

/// The chunk of the quadratic form over `tokens` tokens: all of them, or,
/// where their count is known only at run time, chunks of the most tokens
/// whose matrices a chunk holds (the quadratic form of any shorter
/// sequence, and the same numbers as chunks of that size on longer ones).
int64_t quadraticChunk(Extent tokens);

/// Replaces `op` by the tensors of `output` and, if it returns one, `state`.
void replaceWithBuffers(RecurrenceOpInterface op, PatternRewriter &rewriter,
                        LoopEmitter &e, Value output, Value state);

/// Replaces an op on no tokens (B = 0 or T = 0) by an empty output and, if
/// it returns one, the initial state (or the op's empty state) as the final
/// state: no loops, so no chunking of an empty range.
void replaceEmptySequence(RecurrenceOpInterface op, PatternRewriter &rewriter);

/// The tensor operand's buffer, or null for an absent operand.
Value bufferOrNull(LoopEmitter &e, Value tensor);

/// L adjacent channels that one thread runs as the lanes of one vector (a
/// scalar for L = 1): the channel-wise ops (wkv4, the convolution). L is
/// the largest power of two up to the target's maxChannelLanes dividing the
/// channel count.
struct ChannelLanes {
  ChannelLanes(int64_t channels, const TargetInfo &target);

  int64_t lanes = 1;
  /// The groups of L channels.
  int64_t groups = 0;

  /// The first channel of group `group`.
  Value first(LoopEmitter &e, Value group) const;
  /// Channels c0 .. c0 + L - 1 of `buf` at `at` (c0 the last index), in f32.
  Value load(LoopEmitter &e, Value buf, ArrayRef<Value> at) const;
  void store(LoopEmitter &e, Value value, Value buf, ArrayRef<Value> at) const;
  /// The same, with the channel at index `dim` of `at` (not the innermost):
  /// one load or store per lane.
  Value gather(LoopEmitter &e, Value buf, ArrayRef<Value> at,
               unsigned dim) const;
  void scatter(LoopEmitter &e, Value value, Value buf, ArrayRef<Value> at,
               unsigned dim) const;
  /// `value` in every lane.
  Value constant(LoopEmitter &e, double value) const;
  Value broadcast(LoopEmitter &e, Value scalar) const;
};

/// The buffers a lowering fills: the output, and the final state (read
/// only if the op returns it).
struct Buffers {
  Value output, state;
};

/// A lowering of linea op `Op` for `target`, for the forms of the op's
/// table for that target: checks the op's form, has `lower` emit its
/// evaluation, and replaces the op by the buffers `lower` returns.
template <typename Op> struct Lowering : public OpRewritePattern<Op> {
  Lowering(MLIRContext *context, const TargetInfo &target)
      : OpRewritePattern<Op>(context), target(target) {}

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const final {
    FailureOr<Form> form = loweredForm(
        op, rewriter, target, Op::getImplementedForms(target.getKind()));
    if (failed(form))
      return failure();
    auto outputType = cast<ShapedType>(op.getOutput().getType());
    if (outputType.hasStaticShape() && outputType.getNumElements() == 0) {
      replaceEmptySequence(op, rewriter);
      return success();
    }
    ImplicitLocOpBuilder builder(op.getLoc(), rewriter);
    LoopEmitter e(builder, target);
    Buffers buffers = lower(op, *form, e);
    replaceWithBuffers(op, rewriter, e, buffers.output, buffers.state);
    return success();
  }

  /// Emits the evaluation of `op` in `form` (recurrent for `auto`).
  virtual Buffers lower(Op op, Form form, LoopEmitter &e) const = 0;

  const TargetInfo &target;
};

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEACOMMON_LOWERINGS_H
