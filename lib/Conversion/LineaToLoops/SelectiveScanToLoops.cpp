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
  /// Tokens per chunk of the scan form; 0: the recurrent form.
  int64_t scanChunk = 0;

  void emit(LoopEmitter &e, Value init) {
    int64_t block = std::min(L, kBlock);
    bt = e.alloc({B, G, block, N}, e.builder().getF32Type());
    ct = e.alloc({B, G, block, N}, e.builder().getF32Type());
    dt = e.alloc({B, D, block}, e.builder().getF32Type());
    gate = z ? e.alloc({B, D, block}, e.builder().getF32Type()) : Value();
    if (scanChunk) {
      scanChunk = std::min(scanChunk, block);
      int64_t chunks = (block + scanChunk - 1) / scanChunk;
      Type f32 = e.builder().getF32Type();
      yLocal = e.alloc({B, D, block}, f32);
      chunkDecay = e.alloc({B, D, chunks, N}, f32);
      chunkState = e.alloc({B, D, chunks, N}, f32);
      carryIn = e.alloc({B, D, chunks, N}, f32);
    }
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
  /// Stores y + D_skip * u, times the gate, for global token t (block-local
  /// tl) of slice (b, d); y is one token's output, or a vector<n> holding
  /// the outputs of n consecutive tokens from t on.
  void storeOutput(LoopEmitter &x, Value b, Value d, Value skip, Value t,
                   Value tl, Value y) {
    auto span = dyn_cast<VectorType>(y.getType());
    auto read = [&](Value memref, Value token) {
      return span ? x.loadRow(memref, {b, d, token}, span.getNumElements())
                  : x.load(memref, {b, d, token});
    };
    if (skip)
      y = x.fma(span ? x.splat(skip, span.getNumElements()) : skip, read(u, t),
                y);
    if (gate)
      y = x.mul(y, read(gate, tl));
    if (span)
      x.storeRow(y, output, {b, d, t});
    else
      x.store(y, output, {b, d, t});
  }

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
    if (scanChunk) {
      emitScan(e, t0, len);
      return;
    }
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
        storeOutput(x, b, d, skip, global(x, tl), tl, y);
      };
      s.storeOutputSpan = [&, b, d, skip](LoopEmitter &x, Value tl, Value y) {
        storeOutput(x, b, d, skip, global(x, tl), tl, y);
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

  /// The scan form of a block: the recurrence x_t = a_t x_{t-1} + b_t is
  /// an associative scan over (a, b) pairs with (a1, b1) . (a2, b2) =
  /// (a1 a2, a2 b1 + b2). Every chunk is scanned locally from a zero carry
  /// (in parallel over chunks), the chunks' aggregates carry the prefix from
  /// chunk to chunk, and a second parallel pass adds each token's share of
  /// the carry, C_t . (a_{c0..t} * carry), to its local output.
  void emitScan(LoopEmitter &e, Value t0, int64_t len) {
    int64_t chunks = (len + scanChunk - 1) / scanChunk;
    auto chunkRange = [&](LoopEmitter &x, Value c) {
      Value c0 = arith::MulIOp::create(x.builder(), c, x.index(scanChunk));
      Value c1 = x.indexMin(
          arith::AddIOp::create(x.builder(), c0, x.index(scanChunk)), len);
      return std::make_pair(c0, c1);
    };
    auto global = [&](LoopEmitter &x, Value tl) {
      return arith::AddIOp::create(x.builder(), t0, tl).getResult();
    };
    // a_t = exp(dt_t A) as a log, per n.
    auto logDecayRow = [&](LoopEmitter &x, Value b, Value d, Value tl,
                           Value aRow) {
      return x.mul(x.splat(x.load(dt, {b, d, tl}), N), aRow);
    };
    // Phase 1: each chunk from a zero carry; its outputs and aggregates.
    e.parallel({B, D, chunks}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1], c = ivs[2];
      Value g = pe.indexDiv(d, D / G);
      Value aRow = pe.loadRow(A, {d, pe.index(0)}, N);
      auto [c0, c1] = chunkRange(pe, c);
      Value zero = pe.splat(pe.f32(0.0), N);
      SmallVector<Value> end = pe.loop(
          c0, c1, {zero, zero},
          [&](LoopEmitter &x, Value tl,
              ValueRange carried) -> SmallVector<Value> {
            Value la = logDecayRow(x, b, d, tl, aRow);
            Value bu = x.mul(x.splat(x.mul(x.load(dt, {b, d, tl}),
                                           x.load(u, {b, d, global(x, tl)})),
                                     N),
                             x.loadRow(bt, {b, g, tl, x.index(0)}, N));
            Value xs = x.fma(x.exp(la), carried[0], bu);
            Value y =
                x.sum(x.mul(x.loadRow(ct, {b, g, tl, x.index(0)}, N), xs));
            x.store(y, yLocal, {b, d, tl});
            return {xs, x.add(carried[1], la)};
          });
      pe.storeRow(pe.exp(end[1]), chunkDecay, {b, d, c, pe.index(0)});
      pe.storeRow(end[0], chunkState, {b, d, c, pe.index(0)});
    });
    // Phase 2: the prefix carried from chunk to chunk, from the state.
    e.parallel({B, D}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1], zero = pe.index(0);
      Value carry0 = pe.loadRow(state, {b, d, zero}, N);
      SmallVector<Value> carry = pe.loop(
          chunks, {carry0},
          [&](LoopEmitter &x, Value c,
              ValueRange carried) -> SmallVector<Value> {
            x.storeRow(carried[0], carryIn, {b, d, c, zero});
            return {x.fma(x.loadRow(chunkDecay, {b, d, c, zero}, N), carried[0],
                          x.loadRow(chunkState, {b, d, c, zero}, N))};
          });
      pe.storeRow(carry[0], state, {b, d, zero});
    });
    // Phase 3: each token's share of its chunk's carry, then D and the gate.
    e.parallel({B, D, chunks}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], d = ivs[1], c = ivs[2];
      Value g = pe.indexDiv(d, D / G);
      Value aRow = pe.loadRow(A, {d, pe.index(0)}, N);
      Value skip = dSkip ? pe.load(dSkip, {d}) : Value();
      Value carry = pe.loadRow(carryIn, {b, d, c, pe.index(0)}, N);
      auto [c0, c1] = chunkRange(pe, c);
      pe.loop(c0, c1, {pe.splat(pe.f32(0.0), N)},
              [&](LoopEmitter &x, Value tl,
                  ValueRange carried) -> SmallVector<Value> {
                Value logp = x.add(carried[0], logDecayRow(x, b, d, tl, aRow));
                Value share = x.mul(x.loadRow(ct, {b, g, tl, x.index(0)}, N),
                                    x.mul(x.exp(logp), carry));
                Value y = x.add(x.load(yLocal, {b, d, tl}), x.sum(share));
                storeOutput(x, b, d, skip, global(x, tl), tl, y);
                return {logp};
              });
    });
  }

  Value bt, ct, dt, gate;
  Value yLocal, chunkDecay, chunkState, carryIn;
};

struct SelectiveScanToLoops : public Lowering<SelectiveScanOp> {
  using Lowering::Lowering;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<Form> form =
        loweredForm(op, rewriter, {Form::recurrent, Form::scan});
    if (failed(form))
      return failure();
    ImplicitLocOpBuilder builder(op.getLoc(), rewriter);
    LoopEmitter e(builder, target);
    ArrayRef<int64_t> us = shapeOf(op.getU()), bs = shapeOf(op.getBm());
    Scan scan;
    scan.scanChunk = chunkFor(op, *form);
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
    RewritePatternSet &patterns, Target target) {
  patterns.add<SelectiveScanToLoops>(patterns.getContext(), target);
}
