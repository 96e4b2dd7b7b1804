//===- Wkv.cpp - wkv4, wkv6 and wkv7 on every target ---------------------===//
//
// RWKV-6 is the shared recurrence with a bonus and per-key decays; RWKV-7
// adds the rank-one transition term. RWKV-4 is a per-channel scalar
// recurrence kept in running-max (log-sum-exp) form for stability.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"
#include "TargetInfo.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include <tuple>

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

/// The read-out scale of wkv6 and wkv7: `scale`, or 1.
float scaleOrOne(std::optional<APFloat> scale) {
  return scale ? scale->convertToFloat() : 1.0f;
}

/// The head-wise slices shared by wkv6 and wkv7: every token operand is
/// [B, T, H, S], entry (t, i) of slice (b, h) at [b, t, h, i].
struct HeadSlices {
  HeadSlices(RecurrenceOpInterface op, Value like, LoopEmitter &e)
      : sig(op.getRecurrenceSignature()) {
    ArrayRef<int64_t> s = shapeOf(like);
    B = e.dim(like, 0), T = e.dim(like, 1), H = s[2], S = s[3];
    offsets = bufferOrNull(e, op.getCuSeqlensValue());
    N = stateBatch(e, B, offsets);
    output = e.alloc({B, T, H, S}, getElementTypeOrSelf(like.getType()));
    state = e.alloc({N, H, S, S}, e.builder().getF32Type());
  }

  /// Runs `body` for every (batch, head) slice with the slice's common
  /// fields (state, output) filled in; `body` gets the operand of a
  /// [B, T, H, S] buffer (`read(buffer)`, or `read(buffer, g)` for one of
  /// [B, T, H / g, S] whose heads serve g heads each) and the head. `chunk`
  /// > 0 asks for the chunked form.
  template <typename Fn>
  void forEach(LoopEmitter &e, Value init, float scale, Fn body,
               int64_t chunk = 0) {
    auto build = [&](LoopEmitter &pe, ValueRange ivs, RecurrenceSlice &s) {
      Value b = ivs[0], h = ivs[1];
      s.state = state;
      s.initialState = init;
      s.stateLead = {b, h};
      s.storeOutput = TokenResult::entries(output, {b}, {h}, scale);
      auto read = [&pe, b, h](Value buf, int64_t group = 1) {
        return TokenOperand::entries(
            buf, {b}, {group == 1 ? h : pe.indexDiv(h, group)});
      };
      body(s, read, h);
    };
    emitSlices(e, sig, {{N, H}, T, offsets}, chunk, build);
  }

  RecurrenceSignature sig;
  /// N: the states' batch (B, or a packed batch's sequences).
  Extent B = 0, T = 0, N = 0;
  int64_t H, S;
  Value output, state, offsets;
};

struct Wkv6Lowering : public Lowering<Wkv6Op> {
  Wkv6Lowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(Wkv6Op op, Form form, LoopEmitter &e) const override {
    Value r = e.toBuffer(op.getR()), k = e.toBuffer(op.getK());
    Value v = e.toBuffer(op.getV()), w = e.toBuffer(op.getW());
    Value u = e.toBuffer(op.getU());
    HeadSlices slices(op, op.getV(), e);
    slices.forEach(
        e, bufferOrNull(e, op.getInitialState()), scaleOrOne(op.getScale()),
        [&](RecurrenceSlice &s, auto read, Value h) {
          s.query = read(r);
          s.key = read(k);
          s.value = read(v);
          s.logDecay = read(w);
          s.bonus = SliceVector{u, {h}};
        },
        chunkFor(op, form));
    return {slices.output, slices.state};
  }
};

struct Wkv7Lowering : public Lowering<Wkv7Op> {
  Wkv7Lowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(Wkv7Op op, Form form, LoopEmitter &e) const override {
    Value r = e.toBuffer(op.getR()), w = e.toBuffer(op.getW());
    Value k = e.toBuffer(op.getK()), v = e.toBuffer(op.getV());
    Value a = e.toBuffer(op.getA()), bb = e.toBuffer(op.getB());
    HeadSlices slices(op, op.getV(), e);
    // Receptance head h / (H / Hk) serves value head h.
    int64_t group = slices.H / shapeOf(op.getR())[2];
    slices.forEach(
        e, bufferOrNull(e, op.getInitialState()), scaleOrOne(op.getScale()),
        [&](RecurrenceSlice &s, auto read, Value) {
          s.query = read(r, group);
          s.key = read(k);
          s.value = read(v);
          s.logDecay = read(w);
          s.rankOneA = read(a);
          s.rankOneB = read(bb);
        },
        chunkFor(op, form));
    return {slices.output, slices.state};
  }
};

/// RWKV-4 per channel, with state (aa, bb, pp): numerator and denominator
/// scaled by exp(-pp). Every exp argument is <= 0. On the CPU a thread runs
/// up to 16 adjacent channels as the lanes of one vector: a token's k and v
/// of those channels are contiguous.
///
/// The scan form: the state after tokens [s, e) is the state before them
/// decayed by (e - s) steps (its running max moves by (e - s) * decay, the
/// decay being the same at every step) plus what the tokens add from an
/// empty state, merged at the larger of the two maxima. So the chunks run
/// their tokens from an empty state in parallel, a pass per channel carries
/// the state from chunk to chunk, and the chunks run again from their
/// carried-in state, writing the outputs: twice the work of the recurrent
/// form, over B * C * chunks threads instead of B * C.
struct Wkv4Lowering : public Lowering<Wkv4Op> {
  Wkv4Lowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(Wkv4Op op, Form form, LoopEmitter &e) const override {
    int64_t C = shapeOf(op.getK())[2];
    ChannelLanes lanes(C, e.getTargetInfo());
    int64_t groups = lanes.groups;
    Value w = e.toBuffer(op.getW()), u = e.toBuffer(op.getU());
    Value k = e.toBuffer(op.getK()), v = e.toBuffer(op.getV());
    Extent B = e.dim(k, 0), T = e.dim(k, 1);
    Value init = bufferOrNull(e, op.getInitialState());
    // A packed batch: each sequence n a range of batch 0's tokens, state n.
    Value offsets = bufferOrNull(e, op.getCuSeqlens());
    Extent N = stateBatch(e, B, offsets);
    Value output =
        e.alloc({B, T, C}, getElementTypeOrSelf(op.getV().getType()));
    Value state = e.alloc({N, 3, C}, e.builder().getF32Type());
    // Sequence n's batch entry and its tokens [first, last).
    auto sequence = [&](LoopEmitter &pe, Value n) {
      if (!offsets)
        return std::make_tuple(n, pe.index(0), pe.value(T));
      auto [first, last] = sequenceRange(pe, offsets, n, T);
      return std::make_tuple(pe.index(0), first, last);
    };

    auto decayOf = [&](LoopEmitter &x, Value c0) {
      return x.neg(x.exp(lanes.load(x, w, {c0})));
    };
    // The state (aa, bb, pp) of no tokens.
    auto empty = [&](LoopEmitter &x) {
      return SmallVector<Value>{lanes.constant(x, 0.0), lanes.constant(x, 0.0),
                                lanes.constant(x, -1e38)};
    };
    // Tokens [from, to) of channels c0.. of batch b from `start`; with
    // `write`, their outputs too. Returns the state after them.
    auto run = [&](LoopEmitter &pe, Value b, Value c0, Value from, Value to,
                   ValueRange start, bool write) {
      Value decay = decayOf(pe, c0);
      Value bonus = lanes.load(pe, u, {c0});
      return pe.loop(
          from, to, start,
          [&](LoopEmitter &x, Value t, ValueRange st) -> SmallVector<Value> {
            Value aa = st[0], bb = st[1], pp = st[2];
            Value kk = lanes.load(x, k, {b, t, c0}),
                  vv = lanes.load(x, v, {b, t, c0});
            if (write) {
              Value ww = x.add(bonus, kk);
              Value p = x.max(pp, ww);
              Value e1 = x.exp(x.sub(pp, p)), e2 = x.exp(x.sub(ww, p));
              Value y = x.div(x.add(x.mul(e1, aa), x.mul(e2, vv)),
                              x.add(x.mul(e1, bb), e2));
              lanes.store(x, y, output, {b, t, c0});
            }
            Value ww = x.add(decay, pp);
            Value p = x.max(ww, kk);
            Value e1 = x.exp(x.sub(ww, p));
            Value e2 = x.exp(x.sub(kk, p));
            return {x.add(x.mul(e1, aa), x.mul(e2, vv)),
                    x.add(x.mul(e1, bb), e2), p};
          });
    };
    auto initial = [&](LoopEmitter &pe, Value n, Value c0) {
      SmallVector<Value> start = empty(pe);
      if (init)
        for (int64_t m = 0; m < 3; ++m)
          start[m] = lanes.load(pe, init, {n, pe.index(m), c0});
      return start;
    };
    // The three parts of a state into `buffer` at `at` (the part's index
    // goes before the channel index).
    auto storeState = [&](LoopEmitter &pe, Value buffer, ValueRange at,
                          ValueRange st) {
      for (int64_t m = 0; m < 3; ++m) {
        SmallVector<Value> indices(at);
        indices.insert(indices.end() - 1, pe.index(m));
        lanes.store(pe, st[m], buffer, indices);
      }
    };

    if (form == Form::recurrent) {
      e.parallel({N, groups}, [&](LoopEmitter &pe, ValueRange ivs) {
        Value n = ivs[0], c0 = lanes.first(pe, ivs[1]);
        auto [b, first, last] = sequence(pe, n);
        SmallVector<Value> end =
            run(pe, b, c0, first, last, initial(pe, n, c0), /*write=*/true);
        storeState(pe, state, {n, c0}, end);
      });
      return {output, state};
    }

    int64_t chunk =
        std::min(chunkFor(op, form), T.staticOr(chunkFor(op, form)));
    // Chunks of each sequence (as many as T has: a packed sequence's later
    // ones are empty).
    Extent chunks = e.ceilDiv(T, chunk);
    // Per chunk: first what its tokens add from an empty state, then the
    // state carried into it.
    Value carry = e.alloc({N, chunks, 3, C}, e.builder().getF32Type());
    // Chunk j of sequence n: its batch entry and tokens [from, to).
    auto span = [&](LoopEmitter &pe, Value n, Value j) {
      auto [b, first, last] = sequence(pe, n);
      auto &pb = pe.builder();
      Value from = pe.indexMin(
          arith::AddIOp::create(pb, first,
                                arith::MulIOp::create(pb, j, pe.index(chunk))),
          last);
      Value to =
          pe.indexMin(arith::AddIOp::create(pb, from, pe.index(chunk)), last);
      return std::make_tuple(b, from, to);
    };
    auto loadState = [&](LoopEmitter &x, Value n, Value j, Value c0) {
      SmallVector<Value> st;
      for (int64_t m = 0; m < 3; ++m)
        st.push_back(lanes.load(x, carry, {n, j, x.index(m), c0}));
      return st;
    };
    e.parallel({N, groups, chunks}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value n = ivs[0], c0 = lanes.first(pe, ivs[1]), j = ivs[2];
      auto [b, from, to] = span(pe, n, j);
      storeState(pe, carry, {n, j, c0},
                 run(pe, b, c0, from, to, empty(pe), /*write=*/false));
    });
    e.parallel({N, groups}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value n = ivs[0], c0 = lanes.first(pe, ivs[1]);
      Value decay = decayOf(pe, c0);
      SmallVector<Value> end = pe.loop(
          chunks, initial(pe, n, c0),
          [&](LoopEmitter &x, Value j, ValueRange st) -> SmallVector<Value> {
            SmallVector<Value> local = loadState(x, n, j, c0);
            storeState(x, carry, {n, j, c0}, st);
            // The carried state decays over the chunk's tokens, then takes
            // what they add, both at the larger running max.
            Value from, to;
            std::tie(std::ignore, from, to) = span(x, n, j);
            auto &xb = x.builder();
            Value count = arith::IndexCastUIOp::create(
                xb, xb.getI64Type(), arith::SubIOp::create(xb, to, from));
            Value steps = lanes.broadcast(
                x, arith::UIToFPOp::create(xb, xb.getF32Type(), count));
            Value decayed = x.fma(steps, decay, st[2]);
            Value p = x.max(decayed, local[2]);
            Value e1 = x.exp(x.sub(decayed, p));
            Value e2 = x.exp(x.sub(local[2], p));
            return {x.fma(e1, st[0], x.mul(e2, local[0])),
                    x.fma(e1, st[1], x.mul(e2, local[1])), p};
          });
      storeState(pe, state, {n, c0}, end);
    });
    e.parallel({N, groups, chunks}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value n = ivs[0], c0 = lanes.first(pe, ivs[1]), j = ivs[2];
      auto [b, from, to] = span(pe, n, j);
      run(pe, b, c0, from, to, loadState(pe, n, j, c0), /*write=*/true);
    });
    return {output, state};
  }
};

} // namespace

void mlir::linea::populateWkvPatterns(RewritePatternSet &patterns,
                                      const TargetInfo &target) {
  patterns.add<Wkv4Lowering, Wkv6Lowering, Wkv7Lowering>(patterns.getContext(),
                                                         target);
}
