//===- ChunkMatrices.cpp - The chunked form as contractions (CPU) ---------===//
//
// The chunked form of ChunkedForm.cpp evaluated a chunk at a time on
// matrices: the chunk's rows of q, k, v (and a, b) are staged in f32
// buffers, and all the work that grows with the chunk is linalg
// contractions, tiled and vectorized like any matmul later on:
//   scores  A = (Q K^T) .* E                 scalar (or no) decay: a matmul,
//                                            then the chunk's decay matrix
//           A[t, :] = Q[t, :] (K^T .* W_t)   per-key decay: a vector-matrix
//                                            product per token through its
//                                            window W_t[i, s] = D_i(s, t)
//   outputs O = A V + (Q .* P) S
//   state   S <- diag(P_n) S + (K^T .* R) V
// P holds the decay from the chunk's start to each token, R from each
// token to the chunk's end. P, R, E and W are running products of the
// tokens' decays exp(g) (never exps of differences of cumulative sums):
// exact for any gate magnitude, a decay that underflows is a product that
// does. RWKV-7's rank-one term is the UT transform of ChunkedForm.cpp in
// matrix form, a triangular solve for the chunk's rows sa_t = a_t^T S_{t-1}:
//   SA = (A .* P_pre) S + A_ak V + L SA     (L: A_ab, strictly lower)
//   O  = (Q .* P) S + A_qb SA + A_qk V
//   S <- diag(P_n) S + (B^T .* R) SA + (K^T .* R) V.
// A delta rule with one decay per token (Gated DeltaNet, DeltaNet) is the
// WY representation instead: with unit keys k^ (rows K^) and the pseudo-
// values u_t = beta_t (v_t - k^_t^T D_t S_{t-1}),
//   U  = diag(beta) V - (B .* P) S + L U   (B rows -beta k^, L = (B K^^T) .* E
//                                           strictly lower)
//   O  = (Q .* P) S + ((Q K^^T) .* E) U
//   S <- diag(P_n) S + (K^^T .* R) U:
// two score matrices and three state products where the general transform
// takes four and four.
//
//===----------------------------------------------------------------------===//

#include "ChunkMatrices.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::linea::detail;

namespace {

class ChunkMatrices {
public:
  ChunkMatrices(const RecurrenceSlice &s, int64_t chunk)
      : s(s), C(std::min(chunk, s.tokens.staticOr(chunk))), W(s.decayWidth()) {}

  void emit(LoopEmitter &e) {
    int64_t K = s.keyDim, V = s.valueDim;
    allocate(e);
    e.loop(K, [&](LoopEmitter &ei, Value i) {
      ei.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(s.initialEntry(ej, i, j), state, {i, j});
      });
    });
    // A last chunk whose length is known only at run time is one of C
    // padded with tokens that change nothing (k = v = 0, a = b = 0, decay
    // 1), whose outputs are not stored.
    e.chunks(s.tokens, C, [&](LoopEmitter &ec, Value c0, Extent n) {
      if (n.isStatic())
        return emitChunk(ec, c0, n.getStatic());
      staged = n.getDynamic();
      emitChunk(ec, c0, C);
      staged = Value();
    });
    e.loop(K, [&](LoopEmitter &ei, Value i) {
      ei.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(ej.load(state, {i, j}), s.state, s.stateIndex(i, j));
      });
    });
  }

private:
  bool rankOne() const { return static_cast<bool>(s.rankOneA); }
  /// The delta rule by the WY representation (one decay per token).
  bool wy() const { return rankOne() && s.deltaKey && W == 1; }
  /// Queries read the state before their own token (RWKV-6's bonus form).
  bool pre() const { return static_cast<bool>(s.bonus); }
  Value decayIndex(LoopEmitter &e, Value i) const {
    return W > 1 ? i : e.index(0);
  }

  /// An f32 [rows, cols] buffer of the slice.
  static Value matrix(LoopEmitter &e, int64_t rows, int64_t cols) {
    int64_t shape[] = {rows, cols};
    return e.alloca(shape);
  }

  void allocate(LoopEmitter &e) {
    int64_t K = s.keyDim, V = s.valueDim;
    state = matrix(e, K, V);
    q = matrix(e, C, K);
    qp = matrix(e, C, K);
    kt = matrix(e, K, C);
    v = matrix(e, C, V);
    out = matrix(e, C, V);
    scores = matrix(e, C, C);
    if (rankOne()) {
      a = matrix(e, C, K);
      ap = matrix(e, C, K);
      sa = matrix(e, C, V);
      abScores = matrix(e, C, C);
    }
    if (wy()) {
      betas = e.alloca({C});
    } else if (rankOne()) {
      bt = matrix(e, K, C);
      akScores = matrix(e, C, C);
      qbScores = matrix(e, C, C);
    }
    if (s.logDecay) {
      decay = matrix(e, C, W);
      suffix = e.alloca({W});
    }
    prefix = matrix(e, C + 1, W);
    // Windows: rows u of E hold D(s, u - 1) for s < u (zero elsewhere, set
    // once); W_t is rebuilt from zero every chunk.
    if (W == 1) {
      windows = matrix(e, C + 1, C);
      e.fill(windows, {C + 1, C}, e.f32(0.0));
    } else {
      window = matrix(e, W, C);
    }
    if (s.bonus)
      bonusDots = e.alloca({C});
    if (s.normalize) {
      z = e.alloca({K});
      e.fill(z, {K}, e.f32(0.0));
    }
  }

  Value add(LoopEmitter &e, Value x, int64_t y) {
    return arith::AddIOp::create(e.builder(), x, e.index(y));
  }

  /// The chunk's rows in the staging buffers, the decays exp(g_t), their
  /// prefix products P, and the prefix-scaled queries (and a rows). Rows
  /// from `staged` on (a padded last chunk) hold tokens that change
  /// nothing.
  void stage(LoopEmitter &e, Value c0, int64_t n) {
    e.fill(prefix, {1, W}, e.f32(1.0));
    e.loop(n, [&](LoopEmitter &er, Value r) {
      if (!staged)
        return stageRow(er, c0, r);
      er.ifElse(
          er.compare(arith::CmpIPredicate::ult, r, staged),
          [&](LoopEmitter &et) { stageRow(et, c0, r); },
          [&](LoopEmitter &ep) { padRow(ep, r); });
    });
  }

  /// Row r of a padded chunk: a token without key, value or transition.
  void padRow(LoopEmitter &er, Value r) {
    int64_t K = s.keyDim, V = s.valueDim;
    Value zero = er.f32(0.0), next = add(er, r, 1);
    er.loop(W, [&](LoopEmitter &ew, Value w) {
      if (s.logDecay)
        ew.store(ew.f32(1.0), decay, {r, w});
      ew.store(ew.load(prefix, {r, w}), prefix, {next, w});
    });
    er.loop(K, [&](LoopEmitter &ei, Value i) {
      for (Value rows : {q, qp, a, ap})
        if (rows)
          ei.store(zero, rows, {r, i});
      for (Value columns : {kt, bt})
        if (columns)
          ei.store(zero, columns, {i, r});
    });
    if (s.bonus)
      er.store(zero, bonusDots, {r});
    if (wy())
      er.store(zero, betas, {r});
    er.loop(V, [&](LoopEmitter &ej, Value j) { ej.store(zero, v, {r, j}); });
  }

  void stageRow(LoopEmitter &er, Value c0, Value r) {
    int64_t K = s.keyDim, V = s.valueDim;
    {
      Value t = arith::AddIOp::create(er.builder(), c0, r);
      Value next = add(er, r, 1);
      er.loop(W, [&](LoopEmitter &ew, Value w) {
        Value p = ew.load(prefix, {r, w});
        if (s.logDecay) {
          Value g = ew.exp(s.logDecay(ew, t, w));
          ew.store(g, decay, {r, w});
          p = ew.mul(p, g);
        }
        ew.store(p, prefix, {next, w});
      });
      SmallVector<Value> dot = er.loop(
          K, {er.f32(0.0)},
          [&](LoopEmitter &ei, Value i, ValueRange d) -> SmallVector<Value> {
            Value qi = s.query(ei, t, i);
            Value ki = wy() ? s.deltaKey(ei, t, i) : s.key(ei, t, i);
            ei.store(qi, q, {r, i});
            ei.store(ki, kt, {i, r});
            Value w = decayIndex(ei, i);
            ei.store(ei.mul(qi, ei.load(prefix, {pre() ? r : next, w})), qp,
                     {r, i});
            if (wy()) {
              // a holds b_t = -beta_t k^_t; ap the same through D(c0-1, t).
              Value bi = s.rankOneB(ei, t, i);
              ei.store(bi, a, {r, i});
              ei.store(ei.mul(bi, ei.load(prefix, {next, w})), ap, {r, i});
            } else if (rankOne()) {
              Value ai = s.rankOneA(ei, t, i);
              ei.store(ai, a, {r, i});
              ei.store(ei.mul(ai, ei.load(prefix, {r, w})), ap, {r, i});
              ei.store(s.rankOneB(ei, t, i), bt, {i, r});
            }
            if (!s.bonus)
              return {d[0]};
            return {ei.fma(qi, ei.mul(s.bonus(ei, i), ki), d[0])};
          });
      if (s.bonus)
        er.store(dot[0], bonusDots, {r});
      if (wy())
        er.store(s.deltaBeta(er, t, er.index(0)), betas, {r});
      er.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(s.value(ej, t, j), v, {r, j});
      });
    }
  }

  /// Rows u = 1 .. n of E: D(s, u - 1) for s < u, by running products.
  void buildWindows(LoopEmitter &e, int64_t n) {
    e.loop(n, [&](LoopEmitter &er, Value r) {
      Value u = add(er, r, 1);
      Value g = s.logDecay ? er.load(decay, {r, er.index(0)}) : Value();
      er.loop(er.index(0), u, {},
              [&](LoopEmitter &es, Value src, ValueRange) {
                Value d = es.f32(1.0);
                if (g) {
                  Value same = arith::CmpIOp::create(
                      es.builder(), arith::CmpIPredicate::eq, src, r);
                  d = es.select(same, d, es.mul(es.load(windows, {r, src}), g));
                }
                es.store(d, windows, {u, src});
                return SmallVector<Value>();
              });
    });
  }

  /// scores[:n, :n] = rows (x [n, K]) against columns (yt [K, n]) through
  /// the window of each row: D(s, t) (post) or D(s, t - 1) (pre).
  struct ScoreTerm {
    Value x, yt, scores;
    bool post;
  };
  void emitScores(LoopEmitter &e, int64_t n, ArrayRef<ScoreTerm> terms) {
    int64_t K = s.keyDim;
    auto at0 = [&](LoopEmitter &x) { return x.builder().getIndexAttr(0); };
    for (const ScoreTerm &term : terms)
      e.fill(term.scores, {n, n}, e.f32(0.0));
    if (W == 1) {
      buildWindows(e, n);
      for (const ScoreTerm &term : terms) {
        Value scoreView = e.view(term.scores, {at0(e), at0(e)}, {n, n});
        e.matmul(e.view(term.x, {at0(e), at0(e)}, {n, K}),
                 e.view(term.yt, {at0(e), at0(e)}, {K, n}), scoreView);
        OpFoldResult first = e.builder().getIndexAttr(term.post ? 1 : 0);
        e.scaleBy(scoreView, e.view(windows, {first, at0(e)}, {n, n}));
      }
      return;
    }
    // Per-key decay: W_t[i, s] = D_i(s, t - 1) before token t, D_i(s, t)
    // after it, each from the last by a running product.
    e.fill(window, {W, n}, e.f32(0.0));
    Value windowView = e.view(window, {at0(e), at0(e)}, {W, n});
    e.loop(n, [&](LoopEmitter &er, Value r) {
      auto rowScores = [&](bool post) {
        for (const ScoreTerm &term : terms)
          if (term.post == post)
            er.weightedVecmat(er.row(term.x, r, K),
                              er.view(term.yt, {at0(er), at0(er)}, {K, n}),
                              windowView, er.row(term.scores, r, n));
      };
      rowScores(/*post=*/false);
      er.scaleBy(windowView, er.row(decay, r, W));
      er.loop(W, [&](LoopEmitter &ei, Value i) {
        ei.store(ei.f32(1.0), window, {i, r});
      });
      rowScores(/*post=*/true);
    });
  }

  /// c[:rows, :] += x[:rows, :depth] y[:depth, :], on the leading blocks.
  void product(LoopEmitter &e, Value x, Value y, Value c, int64_t rows,
               int64_t depth) {
    OpFoldResult at0 = e.builder().getIndexAttr(0);
    int64_t cols = cast<MemRefType>(c.getType()).getDimSize(1);
    e.matmul(e.view(x, {at0, at0}, {rows, depth}),
             e.view(y, {at0, at0}, {depth, cols}),
             e.view(c, {at0, at0}, {rows, cols}));
  }

  /// S (and z) *= D(c0 - 1, last), then the suffix products R scale the
  /// chunk's key (and b) columns: K^T[:, s] *= D(s, last).
  void decayState(LoopEmitter &e, int64_t n) {
    int64_t K = s.keyDim, V = s.valueDim;
    if (!s.logDecay)
      return;
    Value total = e.index(n);
    e.loop(K, [&](LoopEmitter &ei, Value i) {
      Value d = ei.load(prefix, {total, decayIndex(ei, i)});
      ei.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(ej.mul(d, ej.load(state, {i, j})), state, {i, j});
      });
      if (z)
        ei.store(ei.mul(d, ei.load(z, {i})), z, {i});
    });
    e.fill(suffix, {W}, e.f32(1.0));
    e.loop(n, [&](LoopEmitter &er, Value back) {
      Value src = arith::SubIOp::create(er.builder(), er.index(n - 1), back);
      er.loop(K, [&](LoopEmitter &ei, Value i) {
        Value d = ei.load(suffix, {decayIndex(ei, i)});
        ei.store(ei.mul(d, ei.load(kt, {i, src})), kt, {i, src});
        if (bt)
          ei.store(ei.mul(d, ei.load(bt, {i, src})), bt, {i, src});
      });
      er.loop(W, [&](LoopEmitter &ew, Value w) {
        ew.store(ew.mul(ew.load(suffix, {w}), ew.load(decay, {src, w})),
                 suffix, {w});
      });
    });
  }

  /// S += K^T V (and B^T SA; the WY form: K^^T U), z += the key columns'
  /// sums.
  void updateState(LoopEmitter &e, int64_t n) {
    decayState(e, n);
    product(e, kt, wy() ? sa : v, state, s.keyDim, n);
    if (bt)
      product(e, bt, sa, state, s.keyDim, n);
    if (!z)
      return;
    e.loop(s.keyDim, [&](LoopEmitter &ei, Value i) {
      SmallVector<Value> sum = ei.loop(
          n, {ei.load(z, {i})},
          [&](LoopEmitter &es, Value src, ValueRange acc) -> SmallVector<Value> {
            return {es.add(acc[0], es.load(kt, {i, src}))};
          });
      ei.store(sum[0], z, {i});
    });
  }

  /// Stores o_t = out[r] (over its normalizer) for the chunk's tokens.
  void storeOutputs(LoopEmitter &e, Value c0, int64_t n, Value queries,
                    bool withScores) {
    // A padded chunk's outputs past its tokens are not stored.
    e.loop(staged ? Extent(staged) : Extent(n), [&](LoopEmitter &er, Value r) {
      Value t = arith::AddIOp::create(er.builder(), c0, r);
      Value denom;
      if (s.normalize) {
        SmallVector<Value> den = er.loop(
            s.keyDim, {er.f32(s.normalizeEps)},
            [&](LoopEmitter &ei, Value i, ValueRange d) -> SmallVector<Value> {
              return {ei.fma(ei.load(queries, {r, i}), ei.load(z, {i}), d[0])};
            });
        denom = den[0];
        if (withScores)
          denom = er.loop(n, {denom},
                          [&](LoopEmitter &es, Value src,
                              ValueRange d) -> SmallVector<Value> {
                            return {es.add(d[0], es.load(scores, {r, src}))};
                          })[0];
      }
      er.loop(s.valueDim, [&](LoopEmitter &ej, Value j) {
        Value o = ej.load(out, {r, j});
        s.storeOutput(ej, t, j, denom ? ej.div(o, denom) : o);
      });
    });
  }

  void emitChunk(LoopEmitter &e, Value c0, int64_t n) {
    int64_t K = s.keyDim, V = s.valueDim;
    stage(e, c0, n);
    if (!s.causal) {
      // One chunk; every token reads the final state.
      updateState(e, n);
      e.fill(out, {n, V}, e.f32(0.0));
      product(e, q, state, out, n, K);
      storeOutputs(e, c0, n, q, /*withScores=*/false);
      return;
    }
    if (wy())
      return emitDeltaChunk(e, c0, n);
    if (rankOne())
      return emitRankOneChunk(e, c0, n);
    emitScores(e, n, {{q, kt, scores, /*post=*/!pre()}});
    if (s.bonus)
      e.loop(n, [&](LoopEmitter &er, Value r) {
        Value diag = er.add(er.load(scores, {r, r}), er.load(bonusDots, {r}));
        er.store(diag, scores, {r, r});
      });
    e.fill(out, {n, V}, e.f32(0.0));
    product(e, scores, v, out, n, n);
    product(e, qp, state, out, n, K);
    // The normalizer reads z before this chunk's update.
    storeOutputs(e, c0, n, qp, /*withScores=*/true);
    updateState(e, n);
  }

  /// sa[t] += sum_{r < t} abScores[t, r] sa[r], row after row: forward
  /// substitution through the strictly lower part of abScores.
  void substitute(LoopEmitter &e, int64_t n) {
    // Row t is one vector carried in registers across the earlier rows and
    // stored once. Not as in-place updates sa[t] += L[t][r] sa[r]: LLVM 22
    // (-O2, and -O1 through opt) vectorizes such a row loop behind a
    // runtime alias check whose scoped-noalias metadata then lets LICM
    // hoist the loads of rows r out of the t loop, before the iterations
    // that write them (found by opt-bisect; wrong results for heads of 32
    // and 48 with chunks of 8, 9 or 12). Nor entry by entry, a scalar sum
    // per (t, j): measured at 40% of a WY chunk's time.
    int64_t V = s.valueDim;
    e.loop(n, [&](LoopEmitter &et, Value t) {
      Value zero = et.index(0);
      Value row = et.loop(
          zero, t, {et.loadRow(sa, {t, zero}, V)},
          [&](LoopEmitter &er, Value r, ValueRange acc) -> SmallVector<Value> {
            Value l = er.splat(er.load(abScores, {t, r}), V);
            return {er.fma(l, er.loadRow(sa, {r, zero}, V), acc[0])};
          })[0];
      et.storeRow(row, sa, {t, zero});
    });
  }

  /// The delta rule's chunk by the WY representation (see the top).
  void emitDeltaChunk(LoopEmitter &e, Value c0, int64_t n) {
    int64_t K = s.keyDim, V = s.valueDim;
    emitScores(
        e, n,
        {{a, kt, abScores, /*post=*/true}, {q, kt, scores, /*post=*/true}});
    // U = diag(beta) V - (B .* P) S, then through L.
    e.loop(n, [&](LoopEmitter &er, Value r) {
      Value beta = er.load(betas, {r});
      er.loop(V, [&](LoopEmitter &ej, Value j) {
        ej.store(ej.mul(beta, ej.load(v, {r, j})), sa, {r, j});
      });
    });
    product(e, ap, state, sa, n, K);
    substitute(e, n);
    e.fill(out, {n, V}, e.f32(0.0));
    product(e, qp, state, out, n, K);
    product(e, scores, sa, out, n, n);
    storeOutputs(e, c0, n, qp, /*withScores=*/false);
    updateState(e, n);
  }

  void emitRankOneChunk(LoopEmitter &e, Value c0, int64_t n) {
    int64_t K = s.keyDim, V = s.valueDim;
    emitScores(e, n,
               {{a, bt, abScores, /*post=*/false},
                {a, kt, akScores, /*post=*/false},
                {q, bt, qbScores, /*post=*/true},
                {q, kt, scores, /*post=*/true}});
    // SA = A_p S + A_ak V, then forward substitution through L = A_ab.
    e.fill(sa, {n, V}, e.f32(0.0));
    product(e, ap, state, sa, n, K);
    product(e, akScores, v, sa, n, n);
    substitute(e, n);
    e.fill(out, {n, V}, e.f32(0.0));
    product(e, qp, state, out, n, K);
    product(e, qbScores, sa, out, n, n);
    product(e, scores, v, out, n, n);
    storeOutputs(e, c0, n, qp, /*withScores=*/false);
    updateState(e, n);
  }

  const RecurrenceSlice &s;
  int64_t C, W;
  /// In a padded last chunk: its number of tokens.
  Value staged;
  Value state, q, qp, kt, v, out, scores;
  Value a, ap, bt, sa, abScores, akScores, qbScores, betas;
  Value decay, prefix, suffix, windows, window, bonusDots, z;
};

} // namespace

bool mlir::linea::detail::chunkMatricesFit(const RecurrenceSlice &s,
                                           int64_t chunk) {
  int64_t C = std::min(chunk, s.tokens.staticOr(chunk)), K = s.keyDim,
          V = s.valueDim;
  int64_t W = s.decayWidth(), scores = s.rankOneA ? 4 : 1;
  // The buffers allocate() makes (RWKV-7's extra rows counted always).
  int64_t floats = K * V + 4 * C * K + 2 * K * C + 3 * C * V +
                   scores * C * C + (C + 1) * W + C * W + W * C +
                   (C + 1) * C + 2 * C + K;
  return C <= kMaxMatrixChunk && 4 * floats <= kMaxMatrixBytes;
}

void mlir::linea::detail::emitChunkMatrices(LoopEmitter &e,
                                            const RecurrenceSlice &slice,
                                            int64_t chunk) {
  ChunkMatrices(slice, chunk).emit(e);
}
