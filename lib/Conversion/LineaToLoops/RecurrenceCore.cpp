//===- RecurrenceCore.cpp - The one recurrence behind every linea op ------===//
//
// The recurrent form: one token at a time, the K x V state in a buffer that
// stays in cache. With row access (see RecurrenceCore.h) it is evaluated on
// vectors: each key-major state row is one vector<V>, updated and read out
// while it sits in registers, the output accumulates in registers across
// the key loop; with V == 1 the whole state is one vector<K> carried from
// token to token. Otherwise a scalar loop nest does the same work.
//
//===----------------------------------------------------------------------===//

#include "RecurrenceCore.h"

using namespace mlir;
using namespace mlir::linea::detail;

namespace {

/// The widest row kept in vector registers; wider states use scalar loops.
constexpr int64_t kMaxRowWidth = 512;

class SliceEmitter {
public:
  SliceEmitter(const RecurrenceSlice &s) : s(s) {}

  SmallVector<Value> stateIndex(Value i, Value j) const {
    return s.stateIndex(i, j);
  }

  void initState(LoopEmitter &e) {
    e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
      ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
        Value init = s.initialState ? ej.load(s.initialState, stateIndex(i, j))
                                    : ej.f32(0.0);
        ej.store(init, s.state, stateIndex(i, j));
      });
    });
  }

  /// exp(g_t) shared by the whole token, or null where it is per key.
  Value tokenDecay(LoopEmitter &e, Value t) {
    if (!s.logDecay || s.decayPerKey)
      return nullptr;
    return e.exp(s.logDecay(e, t, e.index(0)));
  }

  Value keyDecay(LoopEmitter &e, Value t, Value i, Value perToken) {
    if (!s.logDecay)
      return nullptr;
    return perToken ? perToken : e.exp(s.logDecay(e, t, i));
  }

  /// S_t = G_t S_{t-1} + k_t v_t^T for one token; with `acc`, also
  /// accumulates q_t S (S_{t-1} with a bonus, S_t otherwise) into acc.
  /// Returns the normalizer q_t . z_t and the bonus dot q_t . (u * k_t).
  std::pair<Value, Value> update(LoopEmitter &e, Value t, Value acc, Value z,
                                 Value sa, Value vbuf) {
    if (s.beginToken)
      s.beginToken(e, t);
    e.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
      ej.store(s.value(ej, t, j), vbuf, {j});
    });
    if (s.rankOneA) {
      // sa = a_t^T S_{t-1}, needed before any row of S changes.
      e.fill(sa, {s.valueDim}, e.f32(0.0));
      e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
        Value ai = s.rankOneA(ei, t, i);
        ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
          Value sij = ej.load(s.state, stateIndex(i, j));
          ej.store(ej.add(ej.load(sa, {j}), ej.mul(ai, sij)), sa, {j});
        });
      });
    }
    if (acc)
      e.fill(acc, {s.valueDim}, e.f32(0.0));
    Value perToken = tokenDecay(e, t);
    Value zero = e.f32(0.0);
    SmallVector<Value> sums = e.loop(
        s.keyDim, {zero, zero},
        [&](LoopEmitter &ei, Value i, ValueRange carried) -> SmallVector<Value> {
          Value qi = acc ? s.query(ei, t, i) : Value();
          Value ki = s.key(ei, t, i);
          Value di = keyDecay(ei, t, i, perToken);
          Value bi = s.rankOneB ? s.rankOneB(ei, t, i) : Value();
          ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
            Value sij = ej.load(s.state, stateIndex(i, j));
            if (acc && s.bonus)
              ej.store(ej.add(ej.load(acc, {j}), ej.mul(qi, sij)), acc, {j});
            Value next = di ? ej.mul(di, sij) : sij;
            next = ej.add(next, ej.mul(ki, ej.load(vbuf, {j})));
            if (bi)
              next = ej.add(next, ej.mul(bi, ej.load(sa, {j})));
            ej.store(next, s.state, stateIndex(i, j));
            if (acc && !s.bonus)
              ej.store(ej.add(ej.load(acc, {j}), ej.mul(qi, next)), acc, {j});
          });
          Value den = carried[0], bonusDot = carried[1];
          if (z) {
            Value zi = ei.load(z, {i});
            Value next = di ? ei.add(ei.mul(di, zi), ki) : ei.add(zi, ki);
            ei.store(next, z, {i});
            if (acc)
              den = ei.add(den, ei.mul(qi, next));
          }
          if (acc && s.bonus)
            bonusDot = ei.add(bonusDot, ei.mul(qi, ei.mul(s.bonus(ei, i), ki)));
          return {den, bonusDot};
        });
    return {sums[0], sums[1]};
  }

  /// o_t[j] = acc[j] (+ bonus) (/ normalizer), handed to storeOutput.
  void output(LoopEmitter &e, Value t, Value acc, Value vbuf, Value den,
              Value bonusDot) {
    Value denom = s.normalize ? e.add(den, e.f32(s.normalizeEps)) : Value();
    e.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
      Value o = ej.load(acc, {j});
      if (s.bonus)
        o = ej.add(o, ej.mul(bonusDot, ej.load(vbuf, {j})));
      if (denom)
        o = ej.div(o, denom);
      s.storeOutput(ej, t, j, o);
    });
  }

  /// Non-causal readout: o_t = q_t S_T (/ q_t . z_T).
  void readout(LoopEmitter &e, Value t, Value acc, Value z) {
    if (s.beginToken)
      s.beginToken(e, t);
    e.fill(acc, {s.valueDim}, e.f32(0.0));
    SmallVector<Value> den = e.loop(
        s.keyDim, {e.f32(0.0)},
        [&](LoopEmitter &ei, Value i, ValueRange carried) -> SmallVector<Value> {
          Value qi = s.query(ei, t, i);
          ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
            Value sij = ej.load(s.state, stateIndex(i, j));
            ej.store(ej.add(ej.load(acc, {j}), ej.mul(qi, sij)), acc, {j});
          });
          if (!z)
            return {carried[0]};
          return {ei.add(carried[0], ei.mul(qi, ei.load(z, {i})))};
        });
    Value denom = s.normalize ? e.add(den[0], e.f32(s.normalizeEps)) : Value();
    e.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
      Value o = ej.load(acc, {j});
      s.storeOutput(ej, t, j, denom ? ej.div(o, denom) : o);
    });
  }

  bool rowsAvailable() const {
    return s.causal && s.valueRow && s.storeOutputRow &&
           s.valueDim <= kMaxRowWidth;
  }

  bool keyVectorAvailable() const {
    return s.valueDim == 1 && s.causal && s.queryRow && s.keyRow &&
           s.logDecayRow && !s.rankOneA && !s.bonus && !s.normalize &&
           s.keyDim <= kMaxRowWidth;
  }

  /// V == 1: the state is one vector<K> carried through the token loop.
  void emitKeyVector(LoopEmitter &e) {
    int64_t K = s.keyDim;
    Value zero = e.index(0);
    Value x0 = s.initialState
                   ? e.loadRow(s.initialState, stateIndex(zero, zero), K)
                   : e.splat(e.f32(0.0), K);
    SmallVector<Value> x = e.loop(
        s.tokens, {x0},
        [&](LoopEmitter &et, Value t, ValueRange carried) -> SmallVector<Value> {
          if (s.beginToken)
            s.beginToken(et, t);
          Value decay = et.exp(s.logDecayRow(et, t));
          Value v = et.splat(s.value(et, t, et.index(0)), K);
          Value next = et.fma(s.keyRow(et, t), v, et.mul(decay, carried[0]));
          s.storeOutput(et, t, et.index(0),
                        et.sum(et.mul(s.queryRow(et, t), next)));
          return {next};
        });
    e.storeRow(x[0], s.state, stateIndex(zero, zero));
  }

  /// Each state row is a vector<V>; the output accumulates in registers.
  void emitRows(LoopEmitter &e) {
    int64_t K = s.keyDim, V = s.valueDim;
    initState(e);
    Value decays = s.logDecay && s.decayPerKey ? e.alloca({K}) : Value();
    Value z;
    if (s.normalize) {
      z = e.alloca({K});
      e.fill(z, {K}, e.f32(0.0));
    }
    e.loop(s.tokens, [&](LoopEmitter &et, Value t) {
      if (s.beginToken)
        s.beginToken(et, t);
      Value vrow = s.valueRow(et, t);
      // All decays of the token first, in a loop of its own that vectorizes.
      if (decays)
        et.loop(K, [&](LoopEmitter &ei, Value i) {
          ei.store(ei.exp(s.logDecay(ei, t, i)), decays, {i});
        });
      Value perToken = tokenDecay(et, t);
      Value zeroRow = et.splat(et.f32(0.0), V), zero = et.f32(0.0);
      Value sa;
      if (s.rankOneA)
        sa = et.loop(K, {zeroRow},
                     [&](LoopEmitter &ei, Value i,
                         ValueRange c) -> SmallVector<Value> {
                       Value row = ei.loadRow(s.state, stateIndex(i, ei.index(0)), V);
                       return {ei.fma(ei.splat(s.rankOneA(ei, t, i), V), row,
                                      c[0])};
                     })[0];
      SmallVector<Value> sums = et.loop(
          K, {zeroRow, zero, zero},
          [&](LoopEmitter &ei, Value i, ValueRange c) -> SmallVector<Value> {
            Value qi = s.query(ei, t, i), ki = s.key(ei, t, i);
            Value di = decays ? ei.load(decays, {i}) : perToken;
            SmallVector<Value> at = stateIndex(i, ei.index(0));
            Value row = ei.loadRow(s.state, at, V);
            Value acc = c[0];
            if (s.bonus)
              acc = ei.fma(ei.splat(qi, V), row, acc);
            Value next = di ? ei.mul(ei.splat(di, V), row) : row;
            next = ei.fma(ei.splat(ki, V), vrow, next);
            if (s.rankOneB)
              next = ei.fma(ei.splat(s.rankOneB(ei, t, i), V), sa, next);
            ei.storeRow(next, s.state, at);
            if (!s.bonus)
              acc = ei.fma(ei.splat(qi, V), next, acc);
            Value den = c[1], bonusDot = c[2];
            if (z) {
              Value zi = ei.load(z, {i});
              Value zn = di ? ei.add(ei.mul(di, zi), ki) : ei.add(zi, ki);
              ei.store(zn, z, {i});
              den = ei.add(den, ei.mul(qi, zn));
            }
            if (s.bonus)
              bonusDot =
                  ei.add(bonusDot, ei.mul(qi, ei.mul(s.bonus(ei, i), ki)));
            return {acc, den, bonusDot};
          });
      Value o = sums[0];
      if (s.bonus)
        o = et.add(o, et.mul(et.splat(sums[2], V), vrow));
      if (s.normalize)
        o = et.div(o, et.splat(et.add(sums[1], et.f32(s.normalizeEps)), V));
      s.storeOutputRow(et, t, o);
    });
  }

  void emit(LoopEmitter &e) {
    if (keyVectorAvailable())
      return emitKeyVector(e);
    if (rowsAvailable())
      return emitRows(e);
    initState(e);
    Value acc = e.alloca({s.valueDim});
    Value vbuf = e.alloca({s.valueDim});
    Value sa = s.rankOneA ? e.alloca({s.valueDim}) : Value();
    Value z;
    if (s.normalize) {
      z = e.alloca({s.keyDim});
      e.fill(z, {s.keyDim}, e.f32(0.0));
    }
    if (s.causal) {
      e.loop(s.tokens, [&](LoopEmitter &et, Value t) {
        auto [den, bonusDot] = update(et, t, acc, z, sa, vbuf);
        output(et, t, acc, vbuf, den, bonusDot);
      });
      return;
    }
    e.loop(s.tokens, [&](LoopEmitter &et, Value t) {
      update(et, t, /*acc=*/nullptr, z, sa, vbuf);
    });
    e.loop(s.tokens,
           [&](LoopEmitter &et, Value t) { readout(et, t, acc, z); });
  }

private:
  const RecurrenceSlice &s;
};

} // namespace

void mlir::linea::detail::emitRecurrentSlice(LoopEmitter &e,
                                             const RecurrenceSlice &slice) {
  SliceEmitter(slice).emit(e);
}
