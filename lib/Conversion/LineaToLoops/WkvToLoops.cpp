//===- WkvToLoops.cpp - wkv4, wkv6 and wkv7 on the CPU --------------------===//
//
// RWKV-6 is the shared recurrence with a bonus and per-key decays; RWKV-7
// adds the rank-one transition term. RWKV-4 is a per-channel scalar
// recurrence kept in running-max (log-sum-exp) form for stability.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

/// The head-wise operands shared by wkv6 and wkv7: [B, T, H, S] each.
struct HeadSlices {
  HeadSlices(Value like, LoopEmitter &e) {
    ArrayRef<int64_t> s = shapeOf(like);
    B = s[0], T = s[1], H = s[2], S = s[3];
    output = e.alloc({B, T, H, S}, getElementTypeOrSelf(like.getType()));
    state = e.alloc({B, H, S, S}, e.builder().getF32Type());
  }

  /// Runs `body` for every (batch, head) slice with the slice's common
  /// fields (sizes, state, output, value rows of `values`) filled in.
  /// `chunk` > 0 asks for the chunked form.
  template <typename Fn>
  void forEach(LoopEmitter &e, Value values, ArrayRef<Value> tokenRows,
               Value init, float scale, Fn body, int64_t chunk = 0) {
    auto build = [&](LoopEmitter &pe, ValueRange ivs, RecurrenceSlice &s) {
      Value b = ivs[0], h = ivs[1];
      s.tokens = T, s.keyDim = S, s.valueDim = S;
      s.state = state;
      s.initialState = init;
      s.stateIndex = [b, h](Value i, Value j) {
        return SmallVector<Value>{b, h, i, j};
      };
      Value out = output;
      int64_t width = S;
      s.storeOutput = [out, b, h, scale](LoopEmitter &x, Value t, Value j,
                                         Value o) {
        if (scale != 1.0f)
          o = x.mul(x.f32(scale), o);
        x.store(o, out, {b, t, h, j});
      };
      s.storeOutputRow = [out, b, h, scale, width](LoopEmitter &x, Value t,
                                                   Value o) {
        if (scale != 1.0f)
          o = x.mul(x.splat(x.f32(scale), width), o);
        x.storeRow(o, out, {b, t, h, x.index(0)});
      };
      s.valueRow = [v = values, b, h, width](LoopEmitter &x, Value t) {
        return x.loadRow(v, {b, t, h, x.index(0)}, width);
      };
      /// Reads entry `i` of token `t` of a [B, T, H, S] operand.
      auto read = [b, h](Value buf) -> TokenRead {
        return [buf, b, h](LoopEmitter &x, Value t, Value i) {
          return x.load(buf, {b, t, h, i});
        };
      };
      body(s, read, h);
      // Every [B, T, H, S] operand of the op (the value rows among them).
      s.prefetchToken = [&, b, h, out](LoopEmitter &x, Value t) {
        for (Value buf : tokenRows)
          x.prefetchRow(buf, {b, t, h, x.index(0)}, S);
        x.prefetchRow(out, {b, t, h, x.index(0)}, S, /*forWrite=*/true);
      };
    };
    emitSlices(e, {B, H}, S, S, /*causal=*/true, chunk, build);
  }

  int64_t B, T, H, S;
  Value output, state;
};

struct Wkv6ToLoops : public Lowering<Wkv6Op> {
  Wkv6ToLoops(MLIRContext *context, Target target)
      : Lowering(context, target, {Form::recurrent, Form::chunked}) {}

  Buffers lower(Wkv6Op op, Form form, LoopEmitter &e) const override {
    Value r = e.toBuffer(op.getR()), k = e.toBuffer(op.getK());
    Value v = e.toBuffer(op.getV()), w = e.toBuffer(op.getW());
    Value u = e.toBuffer(op.getU());
    float scale = op.getScale() ? op.getScale()->convertToFloat() : 1.0f;
    HeadSlices slices(op.getV(), e);
    slices.forEach(
        e, v, {r, k, v, w}, bufferOrNull(e, op.getInitialState()), scale,
        [&](RecurrenceSlice &s, auto read, Value h) {
          s.query = read(r);
          s.key = read(k);
          s.value = read(v);
          s.logDecay = read(w);
          s.bonus = [u, h](LoopEmitter &x, Value i) {
            return x.load(u, {h, i});
          };
        },
        chunkFor(op, form));
    return {slices.output, slices.state};
  }
};

struct Wkv7ToLoops : public Lowering<Wkv7Op> {
  Wkv7ToLoops(MLIRContext *context, Target target)
      : Lowering(context, target, {Form::recurrent, Form::chunked}) {}

  Buffers lower(Wkv7Op op, Form form, LoopEmitter &e) const override {
    Value r = e.toBuffer(op.getR()), w = e.toBuffer(op.getW());
    Value k = e.toBuffer(op.getK()), v = e.toBuffer(op.getV());
    Value a = e.toBuffer(op.getA()), bb = e.toBuffer(op.getB());
    HeadSlices slices(op.getV(), e);
    slices.forEach(
        e, v, {r, w, k, v, a, bb}, bufferOrNull(e, op.getInitialState()), 1.0f,
        [&](RecurrenceSlice &s, auto read, Value) {
          s.query = read(r);
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
/// scaled by exp(-pp). Every exp argument is <= 0.
struct Wkv4ToLoops : public Lowering<Wkv4Op> {
  Wkv4ToLoops(MLIRContext *context, Target target)
      : Lowering(context, target, {Form::recurrent}) {}

  Buffers lower(Wkv4Op op, Form, LoopEmitter &e) const override {
    ArrayRef<int64_t> ks = shapeOf(op.getK());
    int64_t B = ks[0], T = ks[1], C = ks[2];
    Value w = e.toBuffer(op.getW()), u = e.toBuffer(op.getU());
    Value k = e.toBuffer(op.getK()), v = e.toBuffer(op.getV());
    Value init = bufferOrNull(e, op.getInitialState());
    Value output =
        e.alloc({B, T, C}, getElementTypeOrSelf(op.getV().getType()));
    Value state = e.alloc({B, 3, C}, e.builder().getF32Type());

    e.parallel({B, C}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], c = ivs[1];
      Value decay = pe.neg(pe.exp(pe.load(w, {c})));
      Value bonus = pe.load(u, {c});
      SmallVector<Value> start;
      for (int64_t m = 0; m < 3; ++m)
        start.push_back(init ? pe.load(init, {b, pe.index(m), c})
                             : pe.f32(m == 2 ? -1e38 : 0.0));
      SmallVector<Value> end = pe.loop(
          T, start,
          [&](LoopEmitter &x, Value t, ValueRange st) -> SmallVector<Value> {
            Value aa = st[0], bb = st[1], pp = st[2];
            Value kk = x.load(k, {b, t, c}), vv = x.load(v, {b, t, c});
            Value ww = x.add(bonus, kk);
            Value p = x.max(pp, ww);
            Value e1 = x.exp(x.sub(pp, p)), e2 = x.exp(x.sub(ww, p));
            Value y = x.div(x.add(x.mul(e1, aa), x.mul(e2, vv)),
                            x.add(x.mul(e1, bb), e2));
            x.store(y, output, {b, t, c});
            ww = x.add(decay, pp);
            p = x.max(ww, kk);
            e1 = x.exp(x.sub(ww, p));
            e2 = x.exp(x.sub(kk, p));
            return {x.add(x.mul(e1, aa), x.mul(e2, vv)),
                    x.add(x.mul(e1, bb), e2), p};
          });
      for (int64_t m = 0; m < 3; ++m)
        pe.store(end[m], state, {b, pe.index(m), c});
    });
    return {output, state};
  }
};

} // namespace

void mlir::linea::populateWkvToLoopsPatterns(RewritePatternSet &patterns, Target target) {
  patterns.add<Wkv4ToLoops, Wkv6ToLoops, Wkv7ToLoops>(patterns.getContext(), target);
}
