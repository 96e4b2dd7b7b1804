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
#include "TargetInfo.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::linea::detail;

namespace {

/// The widest row kept in vector registers; wider states use scalar loops.
constexpr int64_t kMaxRowWidth = 512;
/// How many tokens ahead rows are prefetched: one token of a 64 x 64 head
/// takes a few hundred cycles, more than a cache miss. Farther is worse:
/// every token row of a [B, T, H, S] operand is on a page of its own, and
/// the prefetched pages' TLB entries are evicted before their tokens come
/// (wkv7, H = 32, T = 2048, one thread: distance 2, 3, 4, 8 ran 26.3, 27.2,
/// 27.8, 30.5 ms in one interleaved run).
constexpr int64_t kPrefetchDistance = 2;

class SliceEmitter {
public:
  SliceEmitter(const RecurrenceSlice &s) : s(s) {}

  SmallVector<Value> stateIndex(Value i, Value j) const {
    return s.stateIndex(i, j);
  }

  /// Where a pass over the state reads the rows of S_{t-1}: the state
  /// buffer, or, in the first pass, the initial state (zeros without one),
  /// which saves the pass that would copy it in first; that copy is a whole
  /// read and write of the state, as much again as a decode step.
  enum class Rows { state, initial };

  Value loadStateRow(LoopEmitter &e, Rows from, ArrayRef<Value> at,
                     int64_t width) {
    if (from == Rows::state)
      return e.loadRow(s.state, at, width);
    if (s.initialState)
      return e.loadRow(s.initialState, at, width);
    return e.splat(e.f32(0.0), width);
  }

  void initState(LoopEmitter &e) {
    e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
      ei.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
        ej.store(s.initialEntry(ej, i, j), s.state, stateIndex(i, j));
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
        [&](LoopEmitter &ei, Value i,
            ValueRange carried) -> SmallVector<Value> {
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
    e.fill(acc, {s.valueDim}, e.f32(0.0));
    SmallVector<Value> den = e.loop(
        s.keyDim, {e.f32(0.0)},
        [&](LoopEmitter &ei, Value i,
            ValueRange carried) -> SmallVector<Value> {
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
    return s.causal && s.rowAccess && s.value.hasRow() &&
           s.storeOutput.hasRow() && s.valueDim <= kMaxRowWidth;
  }

  bool keyVectorAvailable() const {
    return s.valueDim == 1 && s.causal && s.rowAccess && s.query.hasRow() &&
           s.key.hasRow() && s.logDecay.hasRow() && !s.rankOneA && !s.bonus &&
           !s.normalize && s.keyDim <= kMaxRowWidth;
  }

  /// V == 1: the state is one vector<K> carried through the token loop.
  /// With a span store and K a power of two up to 16, tokens go in groups of
  /// K: the K read-outs q_t . x_t are summed together (sumEach), which saves
  /// most of the shuffles of K separate lane sums.
  void emitKeyVector(LoopEmitter &e) {
    int64_t K = s.keyDim;
    Value zero = e.index(0);
    Value x0 = s.initialState
                   ? e.loadRow(s.initialState, stateIndex(zero, zero), K)
                   : e.splat(e.f32(0.0), K);
    // x_t from x_{t-1}, and the products q_t * x_t still to be summed.
    auto step = [&](LoopEmitter &et, Value t, Value prev) {
      Value decay = et.exp(s.logDecay.row(et, t, K));
      Value v = et.splat(s.value(et, t, et.index(0)), K);
      Value next = et.fma(s.key.row(et, t, K), v, et.mul(decay, prev));
      return std::make_pair(next, et.mul(s.query.row(et, t, K), next));
    };
    bool grouped =
        s.storeOutput.hasSpan() && K >= 2 && K <= 16 && llvm::isPowerOf2_64(K);
    // Tokens [0, groupedTokens) go in groups of K.
    Value groupedTokens = e.index(0), groups = e.index(0);
    if (grouped) {
      groups =
          e.builder().createOrFold<arith::DivUIOp>(s.length(e), e.index(K));
      groupedTokens =
          e.builder().createOrFold<arith::MulIOp>(groups, e.index(K));
    }
    Value x = x0;
    if (!isConstantIntValue(groups, 0))
      x = e.loop(e.index(0), groups, {x},
                 [&](LoopEmitter &eg, Value group,
                     ValueRange carried) -> SmallVector<Value> {
                   Value t0 =
                       arith::MulIOp::create(eg.builder(), group, eg.index(K));
                   Value state = carried[0];
                   SmallVector<Value> products;
                   for (int64_t i = 0; i < K; ++i) {
                     Value t =
                         arith::AddIOp::create(eg.builder(), t0, eg.index(i));
                     auto [next, product] = step(eg, t, state);
                     state = next;
                     products.push_back(product);
                   }
                   s.storeOutput.spanStore(eg, t0, eg.sumEach(products));
                   return {state};
                 })[0];
    x = e.loop(groupedTokens, s.length(e), {x},
               [&](LoopEmitter &et, Value t,
                   ValueRange carried) -> SmallVector<Value> {
                 auto [next, product] = step(et, t, carried[0]);
                 s.storeOutput(et, t, et.index(0), et.sum(product));
                 return {next};
               })[0];
    e.storeRow(x, s.state, stateIndex(zero, zero));
  }

  /// Each state row is a vector<V>; the output accumulates in registers.
  /// The first token (or pair) reads the initial state (Rows).
  void emitRows(LoopEmitter &e) {
    // No tokens: the final state is the initial one.
    e.ifElse(
        e.compare(arith::CmpIPredicate::eq, s.length(e), e.index(0)),
        [&](LoopEmitter &ez) { initState(ez); },
        [&](LoopEmitter &et) { emitRowTokens(et); });
  }

  /// emitRows for one token or more.
  void emitRowTokens(LoopEmitter &e) {
    int64_t K = s.keyDim, V = s.valueDim;
    Value decays = s.logDecay && s.decayPerKey ? e.alloca({K}) : Value();
    Value z = s.normalize ? normalizerBuffer(e) : Value();
    // RWKV-7 needs a_t^T S_{t-1} before any row changes: for the first token
    // in a pass of its own, for the others accumulated while the previous
    // token writes its rows (a_{t+1}^T S_t), which saves a pass over S.
    Value zeroRow = e.splat(e.f32(0.0), V);
    SmallVector<Value> init;
    if (s.rankOneA)
      init.push_back(e.loop(
          K, {zeroRow},
          [&](LoopEmitter &ei, Value i, ValueRange c) -> SmallVector<Value> {
            Value row = loadStateRow(ei, Rows::initial,
                                     stateIndex(i, ei.index(0)), V);
            return {
                ei.fma(ei.splat(s.rankOneA(ei, ei.index(0), i), V), row, c[0])};
          })[0]);
    if (!s.rankOneA) {
      emitPairs(e, decays, z);
      return;
    }
    SmallVector<Value> first =
        token(e, e.index(0), init, decays, z, Rows::initial);
    e.loop(e.index(1), s.length(e), first,
           [&](LoopEmitter &et, Value t,
               ValueRange carried) -> SmallVector<Value> {
             return token(et, t, carried, decays, z, Rows::state);
           });
  }

  void prefetchAhead(LoopEmitter &e, Value t) {
    if (s.prefetches())
      s.prefetchToken(
          e, e.indexMin(arith::AddIOp::create(e.builder(), t,
                                              e.index(kPrefetchDistance)),
                        lastToken(e)));
  }

  /// exp of every log-decay of token t, into `decays` (a loop that
  /// vectorizes), or the token's one decay (returned), or null.
  Value tokenDecays(LoopEmitter &e, Value t, Value decays) {
    if (decays)
      e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
        ei.store(ei.exp(s.logDecay(ei, t, i)), decays, {i});
      });
    return tokenDecay(e, t);
  }

  /// One token of the row evaluation; `carried` holds a_t^T S_{t-1} for
  /// RWKV-7 and returns a_{t+1}^T S_t.
  SmallVector<Value> token(LoopEmitter &et, Value t, ValueRange carried,
                           Value decays, Value z, Rows from) {
    int64_t K = s.keyDim, V = s.valueDim;
    Value zeroRow = et.splat(et.f32(0.0), V);
    prefetchAhead(et, t);
    Value vrow = s.value.row(et, t, V);
    // All decays of the token first, in a loop of its own that vectorizes.
    Value perToken = tokenDecays(et, t, decays);
    Value zero = et.f32(0.0);
    Value sa = s.rankOneA ? carried[0] : Value();
    Value nextToken = et.indexMin(
        arith::AddIOp::create(et.builder(), t, et.index(1)), lastToken(et));
    SmallVector<Value> start{zeroRow, zero, zero};
    if (sa)
      start.push_back(zeroRow);
    SmallVector<Value> sums = et.loop(
        K, start,
        [&](LoopEmitter &ei, Value i, ValueRange c) -> SmallVector<Value> {
          Value qi = s.query(ei, t, i), ki = s.key(ei, t, i);
          Value di = decays ? ei.load(decays, {i}) : perToken;
          SmallVector<Value> at = stateIndex(i, ei.index(0));
          Value row = loadStateRow(ei, from, at, V);
          Value acc = c[0];
          if (s.bonus)
            acc = ei.fma(ei.splat(qi, V), row, acc);
          Value next = di ? ei.mul(ei.splat(di, V), row) : row;
          next = ei.fma(ei.splat(ki, V), vrow, next);
          if (sa)
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
            bonusDot = ei.add(bonusDot, ei.mul(qi, ei.mul(s.bonus(ei, i), ki)));
          SmallVector<Value> out{acc, den, bonusDot};
          if (sa)
            out.push_back(
                ei.fma(ei.splat(s.rankOneA(ei, nextToken, i), V), next, c[3]));
          return out;
        });
    Value o = sums[0];
    if (s.bonus)
      o = et.add(o, et.mul(et.splat(sums[2], V), vrow));
    if (s.normalize)
      o = et.div(o, et.splat(et.add(sums[1], et.f32(s.normalizeEps)), V));
    s.storeOutput.row(et, t, o);
    if (sa)
      return {sums[3]};
    return {};
  }

  /// Two tokens per pass over the state (diagonal transitions only): with
  /// D1, D2 the decays, S2 = D1 D2 S0 + (d2 * k1) v1^T + k2 v2^T, and both
  /// outputs are read off S0 plus corrections along v1 and v2. Each row is
  /// loaded and stored once per pair, with 5 vector FMAs instead of 6.
  void emitPairs(LoopEmitter &e, Value decays, Value z) {
    int64_t K = s.keyDim, V = s.valueDim;
    Value decays2 = decays ? e.alloca({K}) : Value();
    // Per key and pair, in a loop of their own that vectorizes: the
    // coefficients the row loop broadcasts (rows kW1 .. kK2), the terms of
    // the dots along v1 and v2 (rows kC11 .. kC22) and of the normalizers
    // (kDen1, kDen2), summed as vectors; z is updated there too.
    enum {
      kW1, kW2, kDD, kKD, kK2, kC11, kC21, kC22, kDen1, kDen2,
      kRowsOfCoefficients
    };
    int64_t coefShape[] = {kRowsOfCoefficients, K};
    Value coef = e.alloca(coefShape);
    auto pair = [&](LoopEmitter &ep, Value p, Rows from) {
      Value t1 = arith::MulIOp::create(ep.builder(), p, ep.index(2));
      Value t2 = arith::AddIOp::create(ep.builder(), t1, ep.index(1));
      prefetchAhead(ep, t1);
      prefetchAhead(ep, t2);
      Value v1 = s.value.row(ep, t1, V), v2 = s.value.row(ep, t2, V);
      Value tok1 = tokenDecays(ep, t1, decays);
      Value tok2 = tokenDecays(ep, t2, decays2);
      Value zeroRow = ep.splat(ep.f32(0.0), V);
      ep.loop(K, [&](LoopEmitter &ei, Value i) {
        Value q1 = s.query(ei, t1, i), k1 = s.key(ei, t1, i);
        Value q2 = s.query(ei, t2, i), k2 = s.key(ei, t2, i);
        Value d1 = decays ? ei.load(decays, {i}) : tok1;
        Value d2 = decays2 ? ei.load(decays2, {i}) : tok2;
        auto times = [&](Value x, Value d) { return d ? ei.mul(x, d) : x; };
        auto put = [&](int64_t row, Value x) {
          ei.store(x, coef, {ei.index(row), i});
        };
        // Pre-update readout (bonus) reads S0 and S1; post-update reads S1
        // and S2.
        put(kW1, s.bonus ? q1 : times(q1, d1));
        put(kW2, s.bonus ? times(q2, d1) : times(times(q2, d2), d1));
        if (s.logDecay)
          put(kDD, ei.mul(d1, d2));
        put(kKD, times(k1, d2));
        put(kK2, k2);
        if (s.bonus) {
          Value ui = s.bonus(ei, i);
          put(kC11, ei.mul(q1, ei.mul(ui, k1)));
          put(kC21, ei.mul(q2, k1));
          put(kC22, ei.mul(q2, ei.mul(ui, k2)));
        } else {
          put(kC11, ei.mul(q1, k1));
          put(kC21, ei.mul(times(q2, d2), k1));
          put(kC22, ei.mul(q2, k2));
        }
        if (z) {
          Value z1 = ei.add(times(ei.load(z, {i}), d1), k1);
          Value z2 = ei.add(times(z1, d2), k2);
          ei.store(z2, z, {i});
          put(kDen1, ei.mul(q1, z1));
          put(kDen2, ei.mul(q2, z2));
        }
      });
      // Carried: acc1, acc2.
      SmallVector<Value> r = ep.loop(
          K, {zeroRow, zeroRow},
          [&](LoopEmitter &ei, Value i, ValueRange c) -> SmallVector<Value> {
            auto coefficient = [&](int64_t row) {
              return ei.splat(ei.load(coef, {ei.index(row), i}), V);
            };
            SmallVector<Value> at = stateIndex(i, ei.index(0));
            Value row = loadStateRow(ei, from, at, V);
            Value acc1 = ei.fma(coefficient(kW1), row, c[0]);
            Value acc2 = ei.fma(coefficient(kW2), row, c[1]);
            Value next = s.logDecay ? ei.mul(coefficient(kDD), row) : row;
            next = ei.fma(coefficient(kKD), v1, next);
            next = ei.fma(coefficient(kK2), v2, next);
            ei.storeRow(next, s.state, at);
            return {acc1, acc2};
          });
      auto dot = [&](int64_t row) {
        return ep.sum(ep.loadRow(coef, {ep.index(row), ep.index(0)}, K));
      };
      Value o1 = ep.fma(ep.splat(dot(kC11), V), v1, r[0]);
      Value o2 = ep.fma(ep.splat(dot(kC22), V), v2,
                        ep.fma(ep.splat(dot(kC21), V), v1, r[1]));
      if (z) {
        auto over = [&](Value o, int64_t row) {
          Value den = ep.add(dot(row), ep.f32(s.normalizeEps));
          return ep.div(o, ep.splat(den, V));
        };
        o1 = over(o1, kDen1);
        o2 = over(o2, kDen2);
      }
      s.storeOutput.row(ep, t1, o1);
      s.storeOutput.row(ep, t2, o2);
    };
    // Called with one token or more: one reads the initial state, two or
    // more go in pairs, the first pair reading the initial state, and an
    // odd last token reads the state the pairs left.
    Value T = s.length(e);
    e.ifElse(
        e.compare(arith::CmpIPredicate::uge, T, e.index(2)),
        [&](LoopEmitter &ep) {
          pair(ep, ep.index(0), Rows::initial);
          auto &b = ep.builder();
          Value pairs = b.createOrFold<arith::DivUIOp>(T, ep.index(2));
          ep.loop(ep.index(1), pairs, 1,
                  [&](LoopEmitter &eq, Value p) { pair(eq, p, Rows::state); });
          Value odd = b.createOrFold<arith::RemUIOp>(T, ep.index(2));
          ep.ifElse(
              ep.compare(arith::CmpIPredicate::ne, odd, ep.index(0)),
              [&](LoopEmitter &eo) {
                token(eo, lastToken(eo), {}, decays, z, Rows::state);
              },
              nullptr);
        },
        [&](LoopEmitter &eo) {
          token(eo, eo.index(0), {}, decays, z, Rows::initial);
        });
  }

  /// T - 1, the last token's index.
  Value lastToken(LoopEmitter &e) const {
    return e.builder().createOrFold<arith::SubIOp>(s.length(e), e.index(1));
  }

  /// z, the normalizer, from zero.
  Value normalizerBuffer(LoopEmitter &e) const {
    Value z = e.alloca({s.keyDim});
    e.fill(z, {s.keyDim}, e.f32(0.0));
    return z;
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
    Value z = s.normalize ? normalizerBuffer(e) : Value();
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
    e.loop(s.tokens, [&](LoopEmitter &et, Value t) { readout(et, t, acc, z); });
  }

private:
  const RecurrenceSlice &s;
};

} // namespace

void mlir::linea::detail::emitRecurrentSlice(LoopEmitter &e,
                                             const RecurrenceSlice &slice) {
  SliceEmitter(slice).emit(e);
}

//===----------------------------------------------------------------------===//
// The IR a slice reads and writes
//===----------------------------------------------------------------------===//

TokenOperand TokenOperand::entries(Value buffer, ArrayRef<Value> lead,
                                   ArrayRef<Value> mid, ValueMap map) {
  TokenOperand op;
  op.buffer = buffer;
  op.lead.assign(lead.begin(), lead.end());
  op.mid.assign(mid.begin(), mid.end());
  op.map = std::move(map);
  return op;
}

TokenOperand TokenOperand::perToken(Value buffer, ArrayRef<Value> lead,
                                    ArrayRef<Value> mid, ValueMap map) {
  TokenOperand op = entries(buffer, lead, mid, std::move(map));
  op.indexed = false;
  return op;
}

TokenOperand TokenOperand::computed(TokenRead entry, RowRead row) {
  TokenOperand op;
  op.compute = std::move(entry);
  op.computeRow = std::move(row);
  return op;
}

/// [lead..., t, mid..., i], without i where it is null.
static SmallVector<Value> tokenIndices(ArrayRef<Value> lead, Value t,
                                       ArrayRef<Value> mid, Value i) {
  SmallVector<Value> indices(lead.begin(), lead.end());
  indices.push_back(t);
  indices.append(mid.begin(), mid.end());
  if (i)
    indices.push_back(i);
  return indices;
}

/// t + offset, or t where `offset` is null (no range of tokens): token t of
/// a range that starts at `offset`.
static Value shiftToken(LoopEmitter &e, Value t, Value offset) {
  return offset ? arith::AddIOp::create(e.builder(), t, offset).getResult() : t;
}

Value TokenOperand::token(LoopEmitter &e, Value t) const {
  return shiftToken(e, t, offset);
}

SmallVector<Value> TokenOperand::at(LoopEmitter &e, Value t, Value i) const {
  return tokenIndices(lead, token(e, t), mid,
                      indexed ? (fixedIndex ? fixedIndex : i) : Value());
}

Value TokenOperand::operator()(LoopEmitter &e, Value t, Value i) const {
  if (compute)
    return compute(e, token(e, t), fixedIndex ? fixedIndex : i);
  Value x = e.load(buffer, at(e, t, i));
  return map ? map(e, x) : x;
}

bool TokenOperand::hasRow() const {
  if (fixedIndex)
    return false;
  return compute ? static_cast<bool>(computeRow)
                 : buffer && indexed && !map;
}

Value TokenOperand::row(LoopEmitter &e, Value t, int64_t width) const {
  if (computeRow)
    return computeRow(e, token(e, t));
  return e.loadRow(buffer, at(e, t, e.index(0)), width);
}

void TokenOperand::prefetch(LoopEmitter &e, Value t, int64_t width) const {
  if (prefetchable())
    e.prefetchRow(buffer, at(e, t, e.index(0)), width);
}

TokenOperand TokenOperand::shifted(LoopEmitter &e, Value first) const {
  TokenOperand op = *this;
  op.offset = shiftToken(e, first, offset);
  return op;
}

TokenOperand TokenOperand::atIndex(Value j) const {
  TokenOperand op = *this;
  op.fixedIndex = j;
  return op;
}

TokenResult TokenResult::entries(Value buffer, ArrayRef<Value> lead,
                                 ArrayRef<Value> mid, float scale) {
  TokenResult r;
  r.buffer = buffer;
  r.lead.assign(lead.begin(), lead.end());
  r.mid.assign(mid.begin(), mid.end());
  r.scale = scale;
  return r;
}

TokenResult TokenResult::computed(Store store, RowStore span) {
  TokenResult r;
  r.store = std::move(store);
  r.span = std::move(span);
  return r;
}

TokenResult TokenResult::computedRows(Store store, RowStore row) {
  TokenResult r;
  r.store = std::move(store);
  r.storeRow = std::move(row);
  return r;
}

Value TokenResult::token(LoopEmitter &e, Value t) const {
  return shiftToken(e, t, offset);
}

void TokenResult::operator()(LoopEmitter &e, Value t, Value j, Value o) const {
  if (fixedIndex)
    j = fixedIndex;
  t = token(e, t);
  if (store)
    return store(e, t, j, o);
  if (scale != 1.0f)
    o = e.mul(e.f32(scale), o);
  e.store(o, buffer, tokenIndices(lead, t, mid, j));
}

void TokenResult::row(LoopEmitter &e, Value t, Value o) const {
  t = token(e, t);
  if (storeRow)
    return storeRow(e, t, o);
  if (scale != 1.0f)
    o = e.mul(
        e.splat(e.f32(scale), cast<VectorType>(o.getType()).getNumElements()),
        o);
  e.storeRow(o, buffer, tokenIndices(lead, t, mid, e.index(0)));
}

void TokenResult::prefetch(LoopEmitter &e, Value t, int64_t width) const {
  if (!prefetchable())
    return;
  e.prefetchRow(buffer, tokenIndices(lead, token(e, t), mid, e.index(0)), width,
                /*forWrite=*/true);
}

TokenResult TokenResult::atIndex(Value j) const {
  TokenResult r = *this;
  r.fixedIndex = j;
  return r;
}

TokenResult TokenResult::shifted(LoopEmitter &e, Value first) const {
  TokenResult r = *this;
  r.offset = shiftToken(e, first, offset);
  return r;
}

Value SliceVector::operator()(LoopEmitter &e, Value i) const {
  SmallVector<Value> at(lead.begin(), lead.end());
  at.push_back(i);
  return e.load(buffer, at);
}

SmallVector<Value> RecurrenceSlice::stateIndex(Value i, Value j) const {
  SmallVector<Value> at(stateLead.begin(), stateLead.end());
  at.push_back(i);
  if (stateHasColumns)
    at.push_back(stateColumn ? stateColumn : j);
  return at;
}

void RecurrenceSlice::prefetchToken(LoopEmitter &e, Value t) const {
  if (!rowAccess)
    return;
  query.prefetch(e, t, keyDim);
  key.prefetch(e, t, keyDim);
  value.prefetch(e, t, valueDim);
  if (decayPerKey)
    logDecay.prefetch(e, t, keyDim);
  rankOneA.prefetch(e, t, keyDim);
  rankOneB.prefetch(e, t, keyDim);
  storeOutput.prefetch(e, t, valueDim);
}

bool RecurrenceSlice::prefetches() const {
  return rowAccess &&
         (query.prefetchable() || key.prefetchable() || value.prefetchable() ||
          (decayPerKey && logDecay.prefetchable()) ||
          rankOneA.prefetchable() || rankOneB.prefetchable() ||
          storeOutput.prefetchable());
}

RecurrenceSlice RecurrenceSlice::tokenRange(LoopEmitter &e, Value first,
                                            Extent count) const {
  RecurrenceSlice r = *this;
  r.tokens = count;
  for (TokenOperand *op : {&r.query, &r.key, &r.value, &r.logDecay, &r.rankOneA,
                           &r.rankOneB, &r.deltaKey, &r.deltaBeta})
    if (*op)
      *op = op->shifted(e, first);
  r.storeOutput = storeOutput.shifted(e, first);
  return r;
}

RecurrenceSlice RecurrenceSlice::column(Value j) const {
  RecurrenceSlice c = *this;
  c.valueDim = 1;
  c.value = value.atIndex(j);
  c.storeOutput = storeOutput.atIndex(j);
  c.stateColumn = j;
  c.rowAccess = false;
  return c;
}

RecurrenceSlice
mlir::linea::detail::RecurrenceSlice::of(const RecurrenceSignature &sig) {
  RecurrenceSlice s;
  if (!ShapedType::isDynamic(sig.tokens))
    s.tokens = sig.tokens;
  s.keyDim = sig.keyDim;
  s.valueDim = sig.valueDim;
  s.causal = sig.causal();
  s.normalize = sig.normalized;
  s.decayPerKey = sig.decay == DecayKind::perKey;
  return s;
}

void mlir::linea::detail::emitSlice(LoopEmitter &e,
                                    const RecurrenceSlice &slice,
                                    int64_t chunk) {
  if (chunk > 0)
    emitChunkedSlice(e, slice, chunk);
  else
    emitRecurrentSlice(e, slice);
}

RecurrenceSlice mlir::linea::detail::buildSlice(LoopEmitter &e,
                                                const RecurrenceSignature &sig,
                                                Extent tokens, ValueRange ivs,
                                                SliceBuilder build) {
  RecurrenceSlice s = RecurrenceSlice::of(sig);
  s.tokens = tokens;
  build(e, ivs, s);
  // A lowering that disagrees with its op's signature would be priced and
  // tiled for one recurrence and emit another: checked in every build.
  if (static_cast<bool>(s.logDecay) != (sig.decay != DecayKind::none) ||
      static_cast<bool>(s.rankOneA) != sig.rankOne ||
      static_cast<bool>(s.rankOneB) != sig.rankOne ||
      static_cast<bool>(s.bonus) != sig.hasBonus())
    llvm::report_fatal_error(
        "linea: a slice's accessors differ from its op's recurrence signature");
  return s;
}

Extent mlir::linea::detail::stateBatch(LoopEmitter &e, Extent batch,
                                       Value offsets) {
  return offsets ? e.sub(e.dim(offsets, 0), 1) : batch;
}

/// cu[i] as an index clamped into [lo, hi].
static Value offsetAt(LoopEmitter &e, Value offsets, Value i, Value lo,
                      Value hi) {
  auto &b = e.builder();
  Value x = memref::LoadOp::create(b, offsets, i);
  x = arith::IndexCastOp::create(b, b.getIndexType(), x);
  return arith::MinSIOp::create(b, arith::MaxSIOp::create(b, x, lo), hi);
}

RecurrenceSlice mlir::linea::detail::buildSliceOf(
    LoopEmitter &e, const RecurrenceSignature &sig, const SliceExtents &extents,
    ValueRange ivs, SliceBuilder build) {
  if (!extents.offsets)
    return buildSlice(e, sig, extents.tokens, ivs, build);
  Value n = ivs.front();
  SmallVector<Value> at{e.index(0)};
  at.append(ivs.begin() + 1, ivs.end());
  RecurrenceSlice s = buildSlice(e, sig, extents.tokens, at, build);
  s.stateLead.front() = n;
  auto [first, last] = sequenceRange(e, extents.offsets, n, extents.tokens);
  return s.tokenRange(
      e, first,
      Extent(arith::SubIOp::create(e.builder(), last, first).getResult()));
}

std::pair<Value, Value> mlir::linea::detail::sequenceRange(LoopEmitter &e,
                                                           Value offsets,
                                                           Value n,
                                                           Extent tokens) {
  Value T = e.value(tokens);
  Value first = offsetAt(e, offsets, n, e.index(0), T);
  Value next = arith::AddIOp::create(e.builder(), n, e.index(1));
  return {first, offsetAt(e, offsets, next, first, T)};
}

void mlir::linea::detail::emitSlices(LoopEmitter &e,
                                     const RecurrenceSignature &sig,
                                     const SliceExtents &extents, int64_t chunk,
                                     SliceBuilder build) {
  e.getTargetInfo().emitSlices(e, sig, extents, chunk, build);
}

void TargetInfo::emitChunkedSlice(LoopEmitter &e, const RecurrenceSlice &slice,
                                  int64_t chunk) const {
  emitChunksByTokens(e, slice, chunk);
}
