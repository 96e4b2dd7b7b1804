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

    // dt = softplus(delta + bias) and the gate silu(z) are elementwise: they
    // are computed first, in loops along L that vectorize, so that the scan
    // itself only carries the recurrence.
    Value dtAll = e.alloc({B, D, L}, builder.getF32Type());
    Value gate = z ? e.alloc({B, D, L}, builder.getF32Type()) : Value();
    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1];
      Value db = bias ? pe.load(bias, {d}) : Value();
      pe.loop(L, [&](LoopEmitter &x, Value t) {
        Value dt = x.load(delta, {b, d, t});
        if (db)
          dt = x.add(dt, db);
        if (softplus)
          dt = x.select(x.greater(dt, x.f32(20.0)), dt, x.log1p(x.exp(dt)));
        x.store(dt, dtAll, {b, d, t});
        if (gate) {
          // silu(z) = z / (1 + exp(-z))
          Value zt = x.load(z, {b, d, t});
          x.store(x.div(zt, x.add(x.f32(1.0), x.exp(x.neg(zt)))), gate,
                  {b, d, t});
        }
      });
    });

    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1];
      Value g = pe.indexDiv(d, D / G);
      Value skip = dSkip ? pe.load(dSkip, {d}) : Value();
      // A's row is the same for every token.
      Value aRow = pe.loadRow(A, {d, pe.index(0)}, N);
      auto dtAt = [&, b, d](LoopEmitter &x, Value t) {
        return x.load(dtAll, {b, d, t});
      };
      RecurrenceSlice s;
      s.tokens = L, s.keyDim = N, s.valueDim = 1;
      s.query = [&, b, g](LoopEmitter &x, Value t, Value n) {
        return x.load(ct, {b, g, t, n});
      };
      s.key = [&, b, g](LoopEmitter &x, Value t, Value n) {
        return x.mul(dtAt(x, t), x.load(bt, {b, g, t, n}));
      };
      s.value = [&, b, d](LoopEmitter &x, Value t, Value) {
        return x.load(u, {b, d, t});
      };
      s.logDecay = [&, d](LoopEmitter &x, Value t, Value n) {
        return x.mul(dtAt(x, t), x.load(A, {d, n}));
      };
      s.queryRow = [&, b, g](LoopEmitter &x, Value t) {
        return x.loadRow(ct, {b, g, t, x.index(0)}, N);
      };
      s.keyRow = [&, b, g](LoopEmitter &x, Value t) {
        return x.mul(x.splat(dtAt(x, t), N),
                     x.loadRow(bt, {b, g, t, x.index(0)}, N));
      };
      s.logDecayRow = [&](LoopEmitter &x, Value t) {
        return x.mul(x.splat(dtAt(x, t), N), aRow);
      };
      s.storeOutput = [&, b, d, skip](LoopEmitter &x, Value t, Value,
                                      Value y) {
        if (skip)
          y = x.fma(skip, x.load(u, {b, d, t}), y);
        if (gate)
          y = x.mul(y, x.load(gate, {b, d, t}));
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
