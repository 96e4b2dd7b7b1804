//===- ChunkedForm.cpp - Chunked and quadratic forms of the core ---------===//
//
// Within a chunk [c0, c1), with D(s, t) = exp(sum_{s < r <= t} log a_r):
//   post-update (o_t = q_t S_t):
//     o_t = sum_{c0 <= s <= t} (q_t . (k_s * D(s, t))) v_s + (q_t * D(c0-1, t))
//     S
//   pre-update with a bonus (o_t = q_t S_{t-1} + (q_t . (u * k_t)) v_t):
//     o_t = sum_{c0 <= s < t} (q_t . (k_s * D(s, t-1))) v_s
//           + (q_t * D(c0-1, t-1)) S + (q_t . (u * k_t)) v_t
//   S <- D(c0-1, c1-1) S + sum_s (k_s * D(s, c1-1)) v_s^T.
// With a rank-one term (RWKV-7: S_t = (D_t + b_t a_t^T) S_{t-1} + k_t v_t^T)
// the chunk is solved exactly by the UT transform: sa_t = a_t^T S_{t-1} obeys
//   sa_t = (a_t * D(c0-1, t-1))^T S + sum_{c0 <= r < t} [(a_t * D(r, t-1)) .
//   b_r] sa_r
//                                   + sum_{c0 <= r < t} [(a_t * D(r, t-1)) .
//                                   k_r] v_r,
// a triangular system solved by forward substitution; then
//   o_t = (q_t * D(c0-1, t))^T S + sum_{r <= t} ([(q_t * D(r, t)) . b_r] sa_r
//                                               + [(q_t * D(r, t)) . k_r] v_r),
//   S <- D(c0-1, c1-1) S + sum_r D(r, c1-1) (b_r sa_r^T + k_r v_r^T).
// The window's log-sum is kept running while s walks down from t: a decay
// is never the difference of two large cumulative sums, so it is exact for
// any gate magnitude (even -1e30) and any T.
//
//===----------------------------------------------------------------------===//

#include "RecurrenceCore.h"
#include "TargetInfo.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::linea::detail;

namespace {

class ChunkEmitter {
public:
  ChunkEmitter(const RecurrenceSlice &s, int64_t chunk)
      : s(s), chunk(std::min(chunk, s.tokens.staticOr(chunk))),
        windowDim(s.decayWidth()) {}

  void emit(LoopEmitter &e) {
    int64_t K = s.keyDim, V = s.valueDim;
    acc = e.alloca({V});
    window = e.alloca({windowDim});
    // The state buffer carries S between chunks; z (normalize) beside it.
    e.loop(K, [&](LoopEmitter &ei, Value i) {
      ei.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(s.initialEntry(ej, i, j), s.state, s.stateIndex(i, j));
      });
    });
    if (s.normalize) {
      z = e.alloca({K});
      e.fill(z, {K}, e.f32(0.0));
    }
    if (s.rankOneA) {
      int64_t shape[] = {chunk, V};
      sa = e.alloca(shape);
    }
    // The last chunk may be partial, its length known only at run time.
    e.chunks(s.tokens, chunk, [&](LoopEmitter &ec, Value c0, Extent len) {
      emitChunk(ec, c0, len);
    });
  }

private:
  Value add(LoopEmitter &e, Value x, int64_t y) {
    return arith::AddIOp::create(e.builder(), x, e.index(y));
  }

  /// c0 + len - 1: the last token of a chunk.
  Value lastOf(LoopEmitter &e, Value c0, Extent len) {
    if (len.isStatic())
      return add(e, c0, len.getStatic() - 1);
    return arith::SubIOp::create(
        e.builder(), arith::AddIOp::create(e.builder(), c0, len.getDynamic()),
        e.index(1));
  }

  /// exp of the window's log-sum for key i (or the one shared sum).
  Value decay(LoopEmitter &e, Value i) {
    if (!s.logDecay)
      return Value();
    return e.exp(e.load(window, {windowDim > 1 ? i : e.index(0)}));
  }

  /// Moves the window past token t: log-sum += log a_t.
  void extend(LoopEmitter &e, Value t) {
    if (!s.logDecay)
      return;
    e.loop(windowDim, [&](LoopEmitter &ei, Value i) {
      ei.store(ei.add(ei.load(window, {i}), s.logDecay(ei, t, i)), window, {i});
    });
  }

  /// acc += sum over tokens src = from, from - 1, ..., c0 (count of them) of
  /// [(w_t * D(src, .)) . b_src] sa_src + [(w_t * D(src, .)) . k_src] v_src,
  /// the window starting empty; leaves the window over all of them.
  void accumulateRankOne(LoopEmitter &e, Value c0, Value from, Value count,
                         const TokenOperand &weight, Value t) {
    int64_t K = s.keyDim, V = s.valueDim;
    e.fill(window, {windowDim}, e.f32(0.0));
    e.loop(e.index(0), count, {}, [&](LoopEmitter &es, Value n, ValueRange) {
      Value src = arith::SubIOp::create(es.builder(), from, n);
      Value local = arith::SubIOp::create(es.builder(), src, c0);
      SmallVector<Value> dots = es.loop(
          K, {es.f32(0.0), es.f32(0.0)},
          [&](LoopEmitter &ei, Value i, ValueRange d) -> SmallVector<Value> {
            Value w = weight(ei, t, i);
            if (s.logDecay)
              w = ei.mul(w, decay(ei, i));
            return {ei.fma(w, s.rankOneB(ei, src, i), d[0]),
                    ei.fma(w, s.key(ei, src, i), d[1])};
          });
      es.loop(V, [&](LoopEmitter &ej, Value j) {
        Value a = ej.fma(dots[0], ej.load(sa, {local, j}), ej.load(acc, {j}));
        ej.store(ej.fma(dots[1], s.value(ej, src, j), a), acc, {j});
      });
      extend(es, src);
      return SmallVector<Value>();
    });
  }

  /// acc += (w_t * D(window))^T S, the state entering the chunk.
  void accumulateState(LoopEmitter &e, const TokenOperand &weight, Value t) {
    e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
      Value w = weight(ei, t, i);
      if (s.logDecay)
        w = ei.mul(w, decay(ei, i));
      ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
        Value sij = ej.load(s.state, s.stateIndex(i, j));
        ej.store(ej.fma(w, sij, ej.load(acc, {j})), acc, {j});
      });
    });
  }

  void emitRankOneChunk(LoopEmitter &e, Value c0, Extent len) {
    int64_t K = s.keyDim, V = s.valueDim;
    e.loop(len, [&](LoopEmitter &et, Value r) {
      Value t = arith::AddIOp::create(et.builder(), c0, r);
      // sa_t by forward substitution over the chunk's earlier tokens.
      et.fill(acc, {V}, et.f32(0.0));
      accumulateRankOne(et, c0, add(et, t, -1), r, s.rankOneA, t);
      accumulateState(et, s.rankOneA, t);
      et.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(ej.load(acc, {j}), sa, {r, j});
      });
      // o_t reads S_t: the tokens up to and including t.
      et.fill(acc, {V}, et.f32(0.0));
      accumulateRankOne(et, c0, t, add(et, r, 1), s.query, t);
      accumulateState(et, s.query, t);
      et.loop(V, [&](LoopEmitter &ej, Value j) {
        s.storeOutput(ej, t, j, ej.load(acc, {j}));
      });
    });
    // S <- D(c0-1, last) S + sum_r D(r, last) (b_r sa_r^T + k_r v_r^T).
    Value last = lastOf(e, c0, len);
    scaleState(e, c0, len);
    e.fill(window, {windowDim}, e.f32(0.0));
    e.loop(len, [&](LoopEmitter &er, Value r) {
      Value src = arith::SubIOp::create(er.builder(), last, r);
      Value local = arith::SubIOp::create(er.builder(), src, c0);
      er.loop(K, [&](LoopEmitter &ei, Value i) {
        Value d = s.logDecay ? decay(ei, i) : ei.f32(1.0);
        Value bi = ei.mul(d, s.rankOneB(ei, src, i));
        Value ki = ei.mul(d, s.key(ei, src, i));
        ei.loop(V, [&](LoopEmitter &ej, Value j) {
          SmallVector<Value> at = s.stateIndex(i, j);
          Value x = ej.fma(bi, ej.load(sa, {local, j}), ej.load(s.state, at));
          ej.store(ej.fma(ki, s.value(ej, src, j), x), s.state, at);
        });
      });
      extend(er, src);
    });
  }

  /// S (and z) *= D(c0 - 1, c0 + len - 1): the chunk's whole decay.
  void scaleState(LoopEmitter &e, Value c0, Extent len) {
    if (!s.logDecay)
      return;
    e.fill(window, {windowDim}, e.f32(0.0));
    e.loop(len, [&](LoopEmitter &et, Value r) {
      extend(et, arith::AddIOp::create(et.builder(), c0, r));
    });
    e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
      Value d = decay(ei, i);
      ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
        SmallVector<Value> at = s.stateIndex(i, j);
        ej.store(ej.mul(d, ej.load(s.state, at)), s.state, at);
      });
      if (z)
        ei.store(ei.mul(d, ei.load(z, {i})), z, {i});
    });
  }

  void emitChunk(LoopEmitter &e, Value c0, Extent len) {
    if (s.rankOneA)
      return emitRankOneChunk(e, c0, len);
    int64_t K = s.keyDim, V = s.valueDim;
    bool pre = static_cast<bool>(s.bonus);
    // Outputs: token c0 + r reads the chunk's tokens s <= t (s < t before
    // the update) and the state left by the previous chunks.
    e.loop(len, [&](LoopEmitter &et, Value r) {
      Value t = arith::AddIOp::create(et.builder(), c0, r);
      et.fill(acc, {V}, et.f32(0.0));
      et.fill(window, {windowDim}, et.f32(0.0));
      // Tokens s = t (or t - 1), ..., c0; non-causal: the whole chunk.
      Value count = s.causal ? (pre ? r : add(et, r, 1)) : et.value(len);
      SmallVector<Value> den = et.loop(
          et.index(0), count, {et.f32(0.0)},
          [&](LoopEmitter &es, Value n,
              ValueRange carried) -> SmallVector<Value> {
            Value src =
                s.causal
                    ? arith::SubIOp::create(es.builder(),
                                            pre ? add(es, t, -1) : t, n)
                          .getResult()
                    : arith::AddIOp::create(es.builder(), c0, n).getResult();
            SmallVector<Value> dot =
                es.loop(K, {es.f32(0.0)},
                        [&](LoopEmitter &ei, Value i,
                            ValueRange d) -> SmallVector<Value> {
                          Value term =
                              ei.mul(s.query(ei, t, i), s.key(ei, src, i));
                          if (windowDim > 1)
                            term = ei.mul(term, decay(ei, i));
                          return {ei.add(d[0], term)};
                        });
            Value score = dot[0];
            if (s.logDecay && windowDim == 1)
              score = es.mul(score, decay(es, Value()));
            es.loop(V, [&](LoopEmitter &ej, Value j) {
              ej.store(ej.fma(score, s.value(ej, src, j), ej.load(acc, {j})),
                       acc, {j});
            });
            extend(es, src);
            return {es.add(carried[0], score)};
          });
      // The window now spans c0 .. t (t - 1): the previous chunks' state.
      Value denTotal = den[0];
      SmallVector<Value> inter = et.loop(
          K, {et.f32(0.0), et.f32(0.0)},
          [&](LoopEmitter &ei, Value i, ValueRange c) -> SmallVector<Value> {
            Value qi = s.query(ei, t, i);
            Value w = s.logDecay ? ei.mul(qi, decay(ei, i)) : qi;
            ei.loop(V, [&](LoopEmitter &ej, Value j) {
              Value sij = ej.load(s.state, s.stateIndex(i, j));
              ej.store(ej.fma(w, sij, ej.load(acc, {j})), acc, {j});
            });
            Value zden = z ? ei.fma(w, ei.load(z, {i}), c[0]) : c[0];
            Value bonus = c[1];
            if (pre)
              bonus =
                  ei.fma(qi, ei.mul(s.bonus(ei, i), s.key(ei, t, i)), bonus);
            return {zden, bonus};
          });
      Value denom = s.normalize ? et.add(et.add(denTotal, inter[0]),
                                         et.f32(s.normalizeEps))
                                : Value();
      et.loop(V, [&](LoopEmitter &ej, Value j) {
        Value o = ej.load(acc, {j});
        if (pre)
          o = ej.fma(inter[1], s.value(ej, t, j), o);
        s.storeOutput(ej, t, j, denom ? ej.div(o, denom) : o);
      });
    });
    // The state (and z) after the chunk: scale by the chunk's whole decay,
    // then add each token's k v^T through its window to the chunk's end.
    Value last = lastOf(e, c0, len);
    scaleState(e, c0, len);
    e.fill(window, {windowDim}, e.f32(0.0));
    e.loop(len, [&](LoopEmitter &er, Value r) {
      Value src = arith::SubIOp::create(er.builder(), last, r);
      er.loop(K, [&](LoopEmitter &ei, Value i) {
        Value ki = s.key(ei, src, i);
        if (s.logDecay)
          ki = ei.mul(ki, decay(ei, i));
        ei.loop(V, [&](LoopEmitter &ej, Value j) {
          SmallVector<Value> at = s.stateIndex(i, j);
          ej.store(ej.fma(ki, s.value(ej, src, j), ej.load(s.state, at)),
                   s.state, at);
        });
        if (z)
          ei.store(ei.add(ei.load(z, {i}), ki), z, {i});
      });
      extend(er, src);
    });
  }

  const RecurrenceSlice &s;
  int64_t chunk, windowDim;
  Value acc, window, z, sa;
};

} // namespace

void mlir::linea::detail::emitChunkedSlice(LoopEmitter &e,
                                           const RecurrenceSlice &slice,
                                           int64_t chunk) {
  assert((!slice.rankOneA || (!slice.bonus && !slice.normalize)) &&
         "a rank-one transition goes without bonus and normalization");
  assert((slice.causal ||
          (slice.tokens.isStatic() && chunk >= slice.tokens.getStatic())) &&
         "a non-causal slice is one chunk");
  e.getTargetInfo().emitChunkedSlice(e, slice, chunk);
}

void mlir::linea::detail::emitChunksByTokens(LoopEmitter &e,
                                             const RecurrenceSlice &slice,
                                             int64_t chunk) {
  ChunkEmitter(slice, chunk).emit(e);
}
