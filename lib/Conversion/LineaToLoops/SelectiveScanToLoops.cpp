//===- SelectiveScanToLoops.cpp - selective_scan on the CPU ---------------===//
//
// Mamba-1 is the shared recurrence with one slice per (batch, channel):
// K = N, V = 1, q = C, k = dt * B, v = u, log-decay dt * A (per key). The
// skip term D * u and the z gate are applied to the output. Tokens go in
// blocks, so that the scratch of the vectorized passes stays bounded.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include <algorithm>

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

/// The selective scan, one block of tokens at a time: per block, B and C
/// are laid out with n innermost (one token's row contiguous, so the state is
/// one vector over n), dt = softplus(delta + bias) and the gate silu(z) are
/// computed in loops that vectorize, and then every (batch, channel) slice
/// scans the block, its state carried in the state buffer. All scratch is per
/// block: memory does not grow with the sequence.
struct Scan {
  /// Tokens per block: the scratch of a block is 3 * B * D * kBlock floats.
  static constexpr int64_t kBlock = 512;

  int64_t B, D, L, G, N;
  Value u, delta, A, Bm, Cm, dSkip, z, bias, output, state;
  bool softplus;

  void emit(LoopEmitter &e, Value init) {
    int64_t block = std::min(L, kBlock);
    bt = e.alloc({B, G, block, N}, e.builder().getF32Type());
    ct = e.alloc({B, G, block, N}, e.builder().getF32Type());
    dt = e.alloc({B, D, block}, e.builder().getF32Type());
    gate = z ? e.alloc({B, D, block}, e.builder().getF32Type()) : Value();
    // The state buffer holds the initial state (or zeros) before block 0.
    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      pe.loop(N, [&](LoopEmitter &en, Value n) {
        SmallVector<Value> at{ivs[0], ivs[1], n};
        en.store(init ? en.load(init, at) : en.f32(0.0), state, at);
      });
    });
    int64_t full = L / block, tail = L % block;
    e.loop(full, [&](LoopEmitter &eb, Value k) {
      emitBlock(eb, arith::MulIOp::create(eb.builder(), k, eb.index(block)),
                block);
    });
    if (tail)
      emitBlock(e, e.index(full * block), tail);
  }

private:
  /// Tokens [t0, t0 + len) of every slice; local token index tl.
  void emitBlock(LoopEmitter &e, Value t0, int64_t len) {
    auto global = [&](LoopEmitter &x, Value tl) {
      return arith::AddIOp::create(x.builder(), t0, tl).getResult();
    };
    e.parallel({B, G}, [&](LoopEmitter &pe, ValueRange ivs) {
      pe.loop(N, [&](LoopEmitter &en, Value n) {
        en.loop(len, [&](LoopEmitter &et, Value tl) {
          SmallVector<Value> from{ivs[0], ivs[1], n, global(et, tl)};
          SmallVector<Value> to{ivs[0], ivs[1], tl, n};
          et.store(et.load(Bm, from), bt, to);
          et.store(et.load(Cm, from), ct, to);
        });
      });
    });
    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1];
      Value db = bias ? pe.load(bias, {d}) : Value();
      pe.loop(len, [&](LoopEmitter &x, Value tl) {
        Value t = global(x, tl);
        Value v = x.load(delta, {b, d, t});
        if (db)
          v = x.add(v, db);
        if (softplus)
          v = x.select(x.greater(v, x.f32(20.0)), v, x.log1p(x.exp(v)));
        x.store(v, dt, {b, d, tl});
        if (gate) {
          // silu(z) = z / (1 + exp(-z))
          Value zt = x.load(z, {b, d, t});
          x.store(x.div(zt, x.add(x.f32(1.0), x.exp(x.neg(zt)))), gate,
                  {b, d, tl});
        }
      });
    });
    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1];
      Value g = pe.indexDiv(d, D / G);
      Value skip = dSkip ? pe.load(dSkip, {d}) : Value();
      // A's row is the same for every token.
      Value aRow = pe.loadRow(A, {d, pe.index(0)}, N);
      auto dtAt = [&, b, d](LoopEmitter &x, Value tl) {
        return x.load(dt, {b, d, tl});
      };
      RecurrenceSlice s;
      s.tokens = len, s.keyDim = N, s.valueDim = 1;
      s.query = [&, b, g](LoopEmitter &x, Value tl, Value n) {
        return x.load(ct, {b, g, tl, n});
      };
      s.key = [&, b, g](LoopEmitter &x, Value tl, Value n) {
        return x.mul(dtAt(x, tl), x.load(bt, {b, g, tl, n}));
      };
      s.value = [&, b, d](LoopEmitter &x, Value tl, Value) {
        return x.load(u, {b, d, global(x, tl)});
      };
      s.logDecay = [&, d](LoopEmitter &x, Value tl, Value n) {
        return x.mul(dtAt(x, tl), x.load(A, {d, n}));
      };
      s.queryRow = [&, b, g](LoopEmitter &x, Value tl) {
        return x.loadRow(ct, {b, g, tl, x.index(0)}, N);
      };
      s.keyRow = [&, b, g](LoopEmitter &x, Value tl) {
        return x.mul(x.splat(dtAt(x, tl), N),
                     x.loadRow(bt, {b, g, tl, x.index(0)}, N));
      };
      s.logDecayRow = [&, aRow](LoopEmitter &x, Value tl) {
        return x.mul(x.splat(dtAt(x, tl), N), aRow);
      };
      s.storeOutput = [&, b, d, skip](LoopEmitter &x, Value tl, Value,
                                      Value y) {
        Value t = global(x, tl);
        if (skip)
          y = x.fma(skip, x.load(u, {b, d, t}), y);
        if (gate)
          y = x.mul(y, x.load(gate, {b, d, tl}));
        x.store(y, output, {b, d, t});
      };
      // Each block starts from the state the previous one left.
      s.state = state;
      s.initialState = state;
      s.stateIndex = [b, d](Value n, Value) {
        return SmallVector<Value>{b, d, n};
      };
      emitRecurrentSlice(pe, s);
    });
  }

  Value bt, ct, dt, gate;
};

struct SelectiveScanToLoops : public OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(loweredForm(op, rewriter, {Form::recurrent})))
      return failure();
    ImplicitLocOpBuilder builder(op.getLoc(), rewriter);
    LoopEmitter e(builder);
    ArrayRef<int64_t> us = shapeOf(op.getU()), bs = shapeOf(op.getBm());
    Scan scan;
    scan.B = us[0], scan.D = us[1], scan.L = us[2], scan.G = bs[1],
    scan.N = bs[2];
    scan.u = e.toBuffer(op.getU()), scan.delta = e.toBuffer(op.getDelta());
    scan.A = e.toBuffer(op.getA()), scan.Bm = e.toBuffer(op.getBm());
    scan.Cm = e.toBuffer(op.getCm());
    scan.dSkip = bufferOrNull(e, op.getDSkip());
    scan.z = bufferOrNull(e, op.getZ());
    scan.bias = bufferOrNull(e, op.getDeltaBias());
    scan.softplus = op.getDeltaSoftplus();
    scan.output = e.alloc({scan.B, scan.D, scan.L},
                          getElementTypeOrSelf(op.getU().getType()));
    scan.state = e.alloc({scan.B, scan.D, scan.N}, builder.getF32Type());
    Value init = bufferOrNull(e, op.getInitialState());
    scan.emit(e, init);
    replaceWithBuffers(op, rewriter, e, scan.output, scan.state);
    return success();
  }
};

} // namespace

void mlir::linea::populateSelectiveScanToLoopsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SelectiveScanToLoops>(patterns.getContext());
}
