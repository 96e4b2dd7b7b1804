//===- RecurrenceCore.cpp - The one recurrence behind every linea op ------===//
//
// The recurrent form: one token at a time, the K x V state in a buffer that
// stays in cache, vectorizable along V (the state is key-major, so every
// inner loop streams a contiguous row).
//
//===----------------------------------------------------------------------===//

#include "RecurrenceCore.h"

using namespace mlir;
using namespace mlir::linea::detail;

namespace {

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

  void emit(LoopEmitter &e) {
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
