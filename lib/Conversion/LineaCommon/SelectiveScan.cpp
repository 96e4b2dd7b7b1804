//===- SelectiveScan.cpp - selective_scan on every target -----------------===//
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
#include "TargetInfo.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include <algorithm>

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

/// The N state entries of one channel (of one chunk). On the CPU they are
/// one vector<N> in one thread. On the GPU each is one thread's scalar: the
/// N threads of a channel sit next to each other in a warp (N divides 32),
/// sums over n are xor shuffles, and one thread (n = 0) stores what is per
/// channel.
struct StateRow {
  int64_t N;
  /// GPU: this thread's n, and whether it maps to a channel at all
  /// (threads past the last one compute on a copy and store nothing).
  Value lane, valid;

  /// Entries [.., 0 .. N) of `memref`; `at` ends with the n index, 0.
  Value load(LoopEmitter &x, Value memref, SmallVector<Value> at) const {
    if (!lane)
      return x.loadRow(memref, at, N);
    at.back() = lane;
    return x.load(memref, at);
  }
  void store(LoopEmitter &x, Value value, Value memref,
             SmallVector<Value> at) const {
    if (!lane)
      return x.storeRow(value, memref, at);
    at.back() = lane;
    x.guarded(valid, [&](LoopEmitter &g) { g.store(value, memref, at); });
  }
  Value splat(LoopEmitter &x, Value scalar) const {
    return lane ? scalar : x.splat(scalar, N);
  }
  /// The sum over n, in every lane.
  Value sum(LoopEmitter &x, Value value) const {
    if (!lane)
      return x.sum(value);
    for (int64_t offset = N / 2; offset >= 1; offset /= 2)
      value = x.add(value, gpu::ShuffleOp::create(x.builder(), value, offset,
                                                 /*width=*/32,
                                                 gpu::ShuffleMode::XOR)
                               .getShuffleResult());
    return value;
  }
  /// Per-channel work: once per channel (and only where `active`, if
  /// given).
  void once(LoopEmitter &x, function_ref<void(LoopEmitter &)> body,
            Value active = Value()) const {
    ImplicitLocOpBuilder &b = x.builder();
    if (!lane)
      return x.guarded(active, body);
    Value first =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, x.index(0));
    Value cond = arith::AndIOp::create(b, valid, first);
    if (active)
      cond = arith::AndIOp::create(b, cond, active);
    x.guarded(cond, body);
  }

  /// `for tl in [lo, hi)` with carried values. Shuffles need every lane of
  /// a warp in step, and the lanes of one warp may hold chunks of different
  /// lengths: on the GPU every lane runs `span` iterations from lo, and
  /// past hi it computes on token hi - 1, keeps its carried values and
  /// stores nothing (`active` is false).
  SmallVector<Value>
  loop(LoopEmitter &e, Value lo, Value hi, int64_t span, ValueRange init,
       function_ref<SmallVector<Value>(LoopEmitter &, Value, Value, ValueRange)>
           body) const {
    if (!lane)
      return e.loop(lo, hi, init,
                    [&](LoopEmitter &x, Value tl, ValueRange carried) {
                      return body(x, tl, Value(), carried);
                    });
    return e.loop(
        span, init, [&](LoopEmitter &x, Value i, ValueRange carried) {
          ImplicitLocOpBuilder &b = x.builder();
          Value tl = arith::AddIOp::create(b, lo, i);
          Value active =
              arith::CmpIOp::create(b, arith::CmpIPredicate::ult, tl, hi);
          Value last = arith::SubIOp::create(b, hi, x.index(1));
          SmallVector<Value> next =
              body(x, arith::MinUIOp::create(b, tl, last), active, carried);
          for (auto [n, old] : llvm::zip(next, carried))
            n = arith::SelectOp::create(b, active, n, old);
          return next;
        });
  }
};

/// Threads per block of the GPU lane kernels.
constexpr int64_t kLaneThreads = 128;

/// Runs `body` for every point of `[0, ubs)` (channels, or channels and
/// chunks): parallel loop iterations with vector rows, or, on the GPU with
/// N a power of two up to 32, N threads per point (see StateRow).
void forEachChannel(
    LoopEmitter &e, ArrayRef<Extent> ubs, int64_t N,
    function_ref<void(LoopEmitter &, ValueRange, const StateRow &)> body) {
  int64_t lanes = e.getTargetInfo().threadsPerChannel(N);
  if (lanes == 1)
    return e.parallel(ubs, [&](LoopEmitter &pe, ValueRange ivs) {
      body(pe, ivs, StateRow{N, Value(), Value()});
    });
  assert(lanes == N && "a channel's threads hold one state entry each");
  // The GPU lowers static shapes only.
  int64_t total = N;
  SmallVector<int64_t> shape;
  for (Extent ub : ubs) {
    shape.push_back(ub.getStatic());
    total *= ub.getStatic();
  }
  shape.push_back(N);
  // Whole warps: every lane of a warp takes part in its shuffles.
  e.launchThreads(total, kLaneThreads,
                  [&](LoopEmitter &k, Value id, Value valid) {
                    SmallVector<Value> ivs =
                        k.delinearize(k.indexMin(id, total - 1), shape);
                    Value lane = ivs.pop_back_val();
                    body(k, ivs, StateRow{N, lane, valid});
                  });
}

/// The selective scan, one block of tokens at a time: per block, B and C
/// are laid out with n innermost (one token's row contiguous, so the state is
/// one vector over n), dt = softplus(delta + bias) and the gate silu(z) are
/// computed in loops that vectorize, and then every (batch, channel) slice
/// scans the block, its state carried in the state buffer. All scratch is per
/// block: memory does not grow with the sequence.
struct Scan {
  /// Tokens per block: the scratch of a block is 3 * B * D * kBlock floats.
  static constexpr int64_t kBlock = 512;

  Extent B = 0, L = 0;
  int64_t D, G, N;
  Value u, delta, A, Bm, Cm, dSkip, z, bias, output, state;
  bool softplus;
  /// Tokens per chunk of the scan form; 0: the recurrent form.
  int64_t scanChunk = 0;

  void emit(LoopEmitter &e, Value init) {
    // The scratch holds a block of min(L, kBlock) tokens.
    Extent block = L.isStatic() ? Extent(std::min(L.getStatic(), kBlock))
                                : Extent(e.indexMin(L.getDynamic(), kBlock));
    bt = e.alloc({B, G, block, N}, e.builder().getF32Type());
    ct = e.alloc({B, G, block, N}, e.builder().getF32Type());
    dt = e.alloc({B, D, block}, e.builder().getF32Type());
    gate = z ? e.alloc({B, D, block}, e.builder().getF32Type()) : Value();
    if (scanChunk) {
      scanChunk = std::min(scanChunk, block.staticOr(kBlock));
      Extent chunks = e.ceilDiv(block, scanChunk);
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
    e.chunks(L, block.staticOr(kBlock),
             [&](LoopEmitter &eb, Value t0, Extent len) {
               if (len.isStatic())
                 return emitBlock(eb, t0, len);
               // One token (a decode step) as a block of static length: its
               // channels then run no loops over tokens (2.5x faster at D =
               // 1536, N = 16 than a block of run-time length 1).
               eb.ifElse(
                   eb.compare(arith::CmpIPredicate::eq, len.getDynamic(),
                              eb.index(1)),
                   [&](LoopEmitter &one) { emitBlock(one, t0, 1); },
                   [&](LoopEmitter &any) { emitBlock(any, t0, len); });
             });
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
  void emitBlock(LoopEmitter &e, Value t0, Extent len) {
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
          v = x.softplus(v);
        x.store(v, dt, {b, d, tl});
        if (gate)
          x.store(x.silu(x.load(z, {b, d, t})), gate, {b, d, tl});
      });
    });
    if (scanChunk) {
      emitScan(e, t0, len);
      return;
    }
    if (!e.getTargetInfo().runsChannelsAsSlices()) {
      emitChannelRecurrence(e, t0, len);
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
      // B and C are staged [B, G, block, N]: rows of token tl contiguous.
      RecurrenceSlice s;
      s.tokens = len, s.keyDim = N, s.valueDim = 1;
      s.query = TokenOperand::entries(ct, {b, g}, {});
      s.key = TokenOperand::computed(
          [&, b, g](LoopEmitter &x, Value tl, Value n) {
            return x.mul(dtAt(x, tl), x.load(bt, {b, g, tl, n}));
          },
          [&, b, g](LoopEmitter &x, Value tl) {
            return x.mul(x.splat(dtAt(x, tl), N),
                         x.loadRow(bt, {b, g, tl, x.index(0)}, N));
          });
      s.value = TokenOperand::computed(
          [&, b, d](LoopEmitter &x, Value tl, Value) {
            return x.load(u, {b, d, global(x, tl)});
          });
      s.logDecay = TokenOperand::computed(
          [&, d](LoopEmitter &x, Value tl, Value n) {
            return x.mul(dtAt(x, tl), x.load(A, {d, n}));
          },
          [&, aRow](LoopEmitter &x, Value tl) {
            return x.mul(x.splat(dtAt(x, tl), N), aRow);
          });
      auto store = [&, b, d, skip](LoopEmitter &x, Value tl, Value y) {
        storeOutput(x, b, d, skip, global(x, tl), tl, y);
      };
      s.storeOutput = TokenResult::computed(
          [store](LoopEmitter &x, Value tl, Value, Value y) {
            store(x, tl, y);
          },
          store);
      // Each block starts from the state the previous one left.
      s.state = state;
      s.initialState = state;
      s.stateLead = {b, d};
      s.stateHasColumns = false;
      emitRecurrentSlice(pe, s);
    });
  }

  /// x_t, the read-out C_t . x_t and the log-decay dt_t A of one token.
  struct Step {
    Value next, y, logDecay;
  };

  /// One token of one channel: x_t = exp(dt_t A) x_{t-1} + dt_t u_t B_t.
  Step step(LoopEmitter &x, const StateRow &row,
                                       Value b, Value d, Value g, Value t0,
                                       Value tl, Value aRow, Value prev) {
    Value dtv = x.load(dt, {b, d, tl});
    Value la = x.mul(row.splat(x, dtv), aRow);
    Value t = arith::AddIOp::create(x.builder(), t0, tl);
    Value bu = x.mul(row.splat(x, x.mul(dtv, x.load(u, {b, d, t}))),
                     row.load(x, bt, {b, g, tl, x.index(0)}));
    Value next = x.fma(x.exp(la), prev, bu);
    Value y = row.sum(x, x.mul(row.load(x, ct, {b, g, tl, x.index(0)}), next));
    return {next, y, la};
  }

  /// The recurrent form on the GPU: N threads per channel (StateRow), each
  /// carrying one state entry through the block's tokens.
  void emitChannelRecurrence(LoopEmitter &e, Value t0, Extent len) {
    forEachChannel(e, {B, D}, N, [&](LoopEmitter &pe, ValueRange ivs,
                                    const StateRow &row) {
      Value b = ivs[0], d = ivs[1], zero = pe.index(0);
      Value g = pe.indexDiv(d, D / G);
      Value aRow = row.load(pe, A, {d, zero});
      Value skip = dSkip ? pe.load(dSkip, {d}) : Value();
      Value end = pe.loop(
          len, {row.load(pe, state, {b, d, zero})},
          [&](LoopEmitter &x, Value tl,
              ValueRange carried) -> SmallVector<Value> {
            Step st = step(x, row, b, d, g, t0, tl, aRow, carried[0]);
            Value t = arith::AddIOp::create(x.builder(), t0, tl);
            row.once(x, [&](LoopEmitter &o) {
              storeOutput(o, b, d, skip, t, tl, st.y);
            });
            return {st.next};
          })[0];
      row.store(pe, end, state, {b, d, zero});
    });
  }

  /// The scan form of a block: the recurrence x_t = a_t x_{t-1} + b_t is
  /// an associative scan over (a, b) pairs with (a1, b1) . (a2, b2) =
  /// (a1 a2, a2 b1 + b2). Every chunk is scanned locally from a zero carry
  /// (in parallel over chunks), the chunks' aggregates carry the prefix from
  /// chunk to chunk, and a second parallel pass adds each token's share of
  /// the carry, C_t . (a_{c0..t} * carry), to its local output. On the GPU
  /// every (channel, chunk) is N threads (StateRow).
  void emitScan(LoopEmitter &e, Value t0, Extent len) {
    Extent chunks = e.ceilDiv(len, scanChunk);
    auto chunkRange = [&](LoopEmitter &x, Value c) {
      Value c0 = arith::MulIOp::create(x.builder(), c, x.index(scanChunk));
      Value c1 =
          x.indexMin(arith::AddIOp::create(x.builder(), c0, x.index(scanChunk)),
                     x.value(len));
      return std::make_pair(c0, c1);
    };
    // Phase 1: each chunk from a zero carry; its outputs and aggregates.
    forEachChannel(e, {B, D, chunks}, N, [&](LoopEmitter &pe, ValueRange ivs,
                                            const StateRow &row) {
      Value b = ivs[0], d = ivs[1], c = ivs[2], zero = pe.index(0);
      Value g = pe.indexDiv(d, D / G);
      Value aRow = row.load(pe, A, {d, zero});
      auto [c0, c1] = chunkRange(pe, c);
      Value none = row.splat(pe, pe.f32(0.0));
      SmallVector<Value> end = row.loop(
          pe, c0, c1, scanChunk, {none, none},
          [&](LoopEmitter &x, Value tl, Value active,
              ValueRange carried) -> SmallVector<Value> {
            Step st = step(x, row, b, d, g, t0, tl, aRow, carried[0]);
            row.once(
                x, [&](LoopEmitter &o) { o.store(st.y, yLocal, {b, d, tl}); },
                active);
            return {st.next, x.add(carried[1], st.logDecay)};
          });
      row.store(pe, pe.exp(end[1]), chunkDecay, {b, d, c, zero});
      row.store(pe, end[0], chunkState, {b, d, c, zero});
    });
    // Phase 2: the prefix carried from chunk to chunk, from the state.
    forEachChannel(e, {B, D}, N, [&](LoopEmitter &pe, ValueRange ivs,
                                    const StateRow &row) {
      Value b = ivs[0], d = ivs[1], zero = pe.index(0);
      Value carry0 = row.load(pe, state, {b, d, zero});
      SmallVector<Value> carry = pe.loop(
          chunks, {carry0},
          [&](LoopEmitter &x, Value c,
              ValueRange carried) -> SmallVector<Value> {
            row.store(x, carried[0], carryIn, {b, d, c, zero});
            return {x.fma(row.load(x, chunkDecay, {b, d, c, zero}), carried[0],
                          row.load(x, chunkState, {b, d, c, zero}))};
          });
      row.store(pe, carry[0], state, {b, d, zero});
    });
    // Phase 3: each token's share of its chunk's carry, then D and the gate.
    forEachChannel(e, {B, D, chunks}, N, [&](LoopEmitter &pe, ValueRange ivs,
                                            const StateRow &row) {
      Value b = ivs[0], d = ivs[1], c = ivs[2], zero = pe.index(0);
      Value g = pe.indexDiv(d, D / G);
      Value aRow = row.load(pe, A, {d, zero});
      Value skip = dSkip ? pe.load(dSkip, {d}) : Value();
      Value carry = row.load(pe, carryIn, {b, d, c, zero});
      auto [c0, c1] = chunkRange(pe, c);
      row.loop(pe, c0, c1, scanChunk, {row.splat(pe, pe.f32(0.0))},
               [&](LoopEmitter &x, Value tl, Value active,
                   ValueRange carried) -> SmallVector<Value> {
                Value logp = x.add(
                    carried[0],
                    x.mul(row.splat(x, x.load(dt, {b, d, tl})), aRow));
                Value share = row.sum(
                    x, x.mul(row.load(x, ct, {b, g, tl, x.index(0)}),
                             x.mul(x.exp(logp), carry)));
                Value t = arith::AddIOp::create(x.builder(), t0, tl);
                row.once(
                    x,
                    [&](LoopEmitter &o) {
                      storeOutput(o, b, d, skip, t, tl,
                                  o.add(o.load(yLocal, {b, d, tl}), share));
                    },
                    active);
                return {logp};
              });
    });
  }

  Value bt, ct, dt, gate;
  Value yLocal, chunkDecay, chunkState, carryIn;
};

struct SelectiveScanLowering : public Lowering<SelectiveScanOp> {
  SelectiveScanLowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(SelectiveScanOp op, Form form, LoopEmitter &e) const override {
    ArrayRef<int64_t> us = shapeOf(op.getU()), bs = shapeOf(op.getBm());
    Scan scan;
    scan.scanChunk = chunkFor(op, form);
    scan.D = us[1], scan.G = bs[1], scan.N = bs[2];
    scan.u = e.toBuffer(op.getU()), scan.delta = e.toBuffer(op.getDelta());
    scan.B = e.dim(scan.u, 0), scan.L = e.dim(scan.u, 2);
    scan.A = e.toBuffer(op.getA()), scan.Bm = e.toBuffer(op.getBm());
    scan.Cm = e.toBuffer(op.getCm());
    scan.dSkip = bufferOrNull(e, op.getDSkip());
    scan.z = bufferOrNull(e, op.getZ());
    scan.bias = bufferOrNull(e, op.getDeltaBias());
    scan.softplus = op.getDeltaSoftplus();
    scan.output = e.alloc({scan.B, scan.D, scan.L},
                          getElementTypeOrSelf(op.getU().getType()));
    scan.state =
        e.alloc({scan.B, scan.D, scan.N}, e.builder().getF32Type());
    scan.emit(e, bufferOrNull(e, op.getInitialState()));
    return {scan.output, scan.state};
  }
};

} // namespace

void mlir::linea::populateSelectiveScanPatterns(
    RewritePatternSet &patterns, const TargetInfo &target) {
  patterns.add<SelectiveScanLowering>(patterns.getContext(), target);
}
