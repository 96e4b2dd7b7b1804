//===- SelectiveScanToLoops.cpp - selective_scan on the CPU ---------------===//
//
// Mamba-1 is the shared recurrence with one slice per (batch, channel):
// K = N, V = 1, q = C, k = dt * B, v = u, log-decay dt * A (per key). The
// skip term D * u and the z gate are applied to the output.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

struct SelectiveScanToLoops : public OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(loweredForm(op, rewriter, {Form::recurrent})))
      return failure();
    ImplicitLocOpBuilder builder(op.getLoc(), rewriter);
    LoopEmitter e(builder);
    ArrayRef<int64_t> us = shapeOf(op.getU()), bs = shapeOf(op.getBm());
    int64_t B = us[0], D = us[1], L = us[2], G = bs[1], N = bs[2];
    Value u = e.toBuffer(op.getU()), delta = e.toBuffer(op.getDelta());
    Value A = e.toBuffer(op.getA()), Bm = e.toBuffer(op.getBm());
    Value Cm = e.toBuffer(op.getCm());
    Value dSkip = bufferOrNull(e, op.getDSkip()), z = bufferOrNull(e, op.getZ());
    Value bias = bufferOrNull(e, op.getDeltaBias());
    Value init = bufferOrNull(e, op.getInitialState());
    Value output = e.alloc({B, D, L}, getElementTypeOrSelf(op.getU().getType()));
    Value state = e.alloc({B, D, N}, builder.getF32Type());
    bool softplus = op.getDeltaSoftplus();

    // B and C with n innermost ([B, G, L, N]): one token's row is contiguous,
    // so the state can be evaluated as one vector over n.
    Value bt = e.alloc({B, G, L, N}, builder.getF32Type());
    Value ct = e.alloc({B, G, L, N}, builder.getF32Type());
    e.parallel({B, G}, [&](LoopEmitter &pe, ValueRange ivs) {
      pe.loop(N, [&](LoopEmitter &en, Value n) {
        en.loop(L, [&](LoopEmitter &et, Value t) {
          SmallVector<Value> from{ivs[0], ivs[1], n, t}, to{ivs[0], ivs[1], t, n};
          et.store(et.load(Bm, from), bt, to);
          et.store(et.load(Cm, from), ct, to);
        });
      });
    });

    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1];
      Value g = pe.indexDiv(d, D / G);
      // dt_t and u_t are shared by the whole token.
      Value dtBuf = pe.alloca({2});
      Value zero = pe.index(0), one = pe.index(1);
      RecurrenceSlice s;
      s.tokens = L, s.keyDim = N, s.valueDim = 1;
      s.beginToken = [&, b, d, dtBuf, zero, one](LoopEmitter &x, Value t) {
        Value dt = x.load(delta, {b, d, t});
        if (bias)
          dt = x.add(dt, x.load(bias, {d}));
        if (softplus)
          dt = x.select(x.greater(dt, x.f32(20.0)), dt, x.log1p(x.exp(dt)));
        x.store(dt, dtBuf, {zero});
        x.store(x.load(u, {b, d, t}), dtBuf, {one});
      };
      s.query = [&, b, g](LoopEmitter &x, Value t, Value n) {
        return x.load(Cm, {b, g, n, t});
      };
      s.key = [&, b, g, dtBuf, zero](LoopEmitter &x, Value t, Value n) {
        return x.mul(x.load(dtBuf, {zero}), x.load(Bm, {b, g, n, t}));
      };
      s.value = [dtBuf, one](LoopEmitter &x, Value, Value) {
        return x.load(dtBuf, {one});
      };
      s.logDecay = [&, d, dtBuf, zero](LoopEmitter &x, Value, Value n) {
        return x.mul(x.load(dtBuf, {zero}), x.load(A, {d, n}));
      };
      s.queryRow = [&, b, g](LoopEmitter &x, Value t) {
        return x.loadRow(ct, {b, g, t, x.index(0)}, N);
      };
      s.keyRow = [&, b, g, dtBuf, zero](LoopEmitter &x, Value t) {
        return x.mul(x.splat(x.load(dtBuf, {zero}), N),
                     x.loadRow(bt, {b, g, t, x.index(0)}, N));
      };
      s.logDecayRow = [&, d, dtBuf, zero](LoopEmitter &x, Value) {
        return x.mul(x.splat(x.load(dtBuf, {zero}), N),
                     x.loadRow(A, {d, x.index(0)}, N));
      };
      s.storeOutput = [&, b, d, dtBuf, one](LoopEmitter &x, Value t, Value,
                                            Value y) {
        if (dSkip)
          y = x.add(y, x.mul(x.load(dSkip, {d}), x.load(dtBuf, {one})));
        if (z) {
          // silu(z) = z / (1 + exp(-z))
          Value zt = x.load(z, {b, d, t});
          y = x.mul(y, x.div(zt, x.add(x.f32(1.0), x.exp(x.neg(zt)))));
        }
        x.store(y, output, {b, d, t});
      };
      s.state = state;
      s.initialState = init;
      s.stateIndex = [b, d](Value n, Value) {
        return SmallVector<Value>{b, d, n};
      };
      emitRecurrentSlice(pe, s);
    });
    replaceWithBuffers(op, rewriter, e, output, state);
    return success();
  }
};

} // namespace

void mlir::linea::populateSelectiveScanToLoopsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SelectiveScanToLoops>(patterns.getContext());
}
