//===- CausalConv1d.cpp - The short causal convolution --------------------===//
//
// One thread per batch and group of channels (ChannelLanes: 16 lanes of a
// vector on the CPU, one channel per thread on the GPU, where adjacent
// threads read adjacent channels) walks the tokens with the last W - 1
// inputs in registers: each input is read once, each output written once,
// and the window that is left is the final state.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

struct CausalConv1dLowering : public OpRewritePattern<CausalConv1dOp> {
  CausalConv1dLowering(MLIRContext *context, const TargetInfo &target)
      : OpRewritePattern(context), target(target) {}

  LogicalResult matchAndRewrite(CausalConv1dOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> message = unloweredDynamicSize(op, target))
      return rewriter.notifyMatchFailure(op, *message);
    ImplicitLocOpBuilder builder(op.getLoc(), rewriter);
    LoopEmitter e(builder, target);
    int64_t C = shapeOf(op.getX())[2];
    int64_t W = shapeOf(op.getWeight())[1];
    ChannelLanes lanes(C, target);
    Value x = e.toBuffer(op.getX()), weight = e.toBuffer(op.getWeight());
    Extent B = e.dim(x, 0), T = e.dim(x, 1);
    // A packed batch: one window per sequence, over its range of tokens.
    Value offsets = bufferOrNull(e, op.getCuSeqlens());
    Extent N = stateBatch(e, B, offsets);
    Value bias = bufferOrNull(e, op.getBias());
    Value init = bufferOrNull(e, op.getInitialState());
    bool silu = op.getActivation() == Activation::silu;
    Value output = e.alloc({B, T, C}, getElementTypeOrSelf(x.getType()));
    Value state = e.alloc({N, C, W - 1}, e.builder().getF32Type());

    e.parallel({N, lanes.groups}, [&](LoopEmitter &pe, ValueRange ivs) {
      // Sequence n of batch b: its state n, its tokens [first, last).
      Value n = ivs[0], c0 = lanes.first(pe, ivs[1]);
      Value b = n, first = pe.index(0), last = pe.value(T);
      if (offsets) {
        b = pe.index(0);
        std::tie(first, last) = sequenceRange(pe, offsets, n, T);
      }
      SmallVector<Value> taps;
      for (int64_t w = 0; w < W; ++w)
        taps.push_back(lanes.gather(pe, weight, {c0, pe.index(w)}, 0));
      Value start = bias ? lanes.load(pe, bias, {c0}) : lanes.constant(pe, 0.0);
      // window[i] = x_{t-W+1+i}, oldest first.
      SmallVector<Value> window;
      for (int64_t i = 0; i + 1 < W; ++i)
        window.push_back(init ? lanes.gather(pe, init, {n, c0, pe.index(i)}, 1)
                              : lanes.constant(pe, 0.0));
      SmallVector<Value> end = pe.loop(
          first, last, window,
          [&](LoopEmitter &et, Value t, ValueRange win) -> SmallVector<Value> {
            Value xt = lanes.load(et, x, {b, t, c0});
            Value y = et.fma(taps[W - 1], xt, start);
            for (int64_t i = 0; i + 1 < W; ++i)
              y = et.fma(taps[i], win[i], y);
            if (silu)
              y = et.silu(y);
            lanes.store(et, y, output, {b, t, c0});
            if (W == 1)
              return {};
            SmallVector<Value> next(win.drop_front());
            next.push_back(xt);
            return next;
          });
      for (int64_t i = 0; i + 1 < W; ++i)
        lanes.scatter(pe, end[i], state, {n, c0, pe.index(i)}, 1);
    });
    SmallVector<Value> results{e.toTensor(output)};
    if (op.getWithFinalState())
      results.push_back(e.toTensor(state));
    rewriter.replaceOp(op, results);
    return success();
  }

  const TargetInfo &target;
};

} // namespace

void mlir::linea::populateCausalConv1dPatterns(RewritePatternSet &patterns,
                                               const TargetInfo &target) {
  patterns.add<CausalConv1dLowering>(patterns.getContext(), target);
}
