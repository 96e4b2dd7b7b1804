//===- TensorCoreChunks.cpp - The GPU chunked form on tensor cores --------===//
//
// The chunked form of ChunkMatrices.cpp on one warp: a block of 32 threads
// per (slice, tile of value columns), chunks of 16 tokens, the chunk's rows
// and the state tile in workgroup memory, and the contractions that grow
// with the head
//   O = A V + (Q .* P) S,    S <- diag(P_n) S + (K^T .* R) V
// (RWKV-7, by the UT transform: SA = (A .* P_pre) S + A_ak V + L SA with L
// strictly lower, solved row by row; O = (Q .* P) S + A_qb SA + A_qk V;
// S <- diag(P_n) S + (B^T .* R) SA + (K^T .* R) V)
// as warp-wide mma.sync m16n8k8 on tf32 with f32 accumulation. Every f32
// operand is split into a tf32 head and a tf32 tail (x = hi + lo; three
// mma per product: lo hi, hi lo, hi hi), which keeps f32 accuracy where a
// single tf32 product would round every factor to 11 significant bits.
// The scores A run on the CUDA cores, two threads per query row: with a
// per-key decay each entry needs its window D_i(s, t) as a running product
// of the tokens' exp(g), exact for any gate, which a product of rescaled q
// and k (exps of differences of cumulative gates) is not.
//
// Fragment layouts (PTX ISA, mma.m16n8k8 with .tf32): lane l, g = l / 4,
// c = l % 4; A (16 x 8) holds (g, c), (g + 8, c), (g, c + 4), (g + 8, c + 4);
// B (8 x 8) holds (c, g), (c + 4, g); C and D (16 x 8) hold (g, 2c),
// (g, 2c + 1), (g + 8, 2c), (g + 8, 2c + 1).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

constexpr int64_t kWarp = 32;
/// Tokens per chunk: the mma's M.
constexpr int64_t kRows = kTensorCoreChunk;
/// The mma's N and K.
constexpr int64_t kMmaN = 8, kMmaK = 8;

/// Reads entry (row, col) of an operand.
using EntryRead = std::function<Value(LoopEmitter &, Value row, Value col)>;

class TensorCoreChunks {
public:
  TensorCoreChunks(const RecurrenceSlice &s, int64_t tile)
      : s(s), K(s.keyDim), Vt(tile), W(s.decayWidth()) {}

  void emit(LoopEmitter &k, Value tile, Value lane, gpu::LaunchOp launch) {
    ImplicitLocOpBuilder &b = k.builder();
    this->lane = lane;
    g = arith::DivUIOp::create(b, lane, k.index(4));
    c = arith::RemUIOp::create(b, lane, k.index(4));
    col0 = arith::MulIOp::create(b, tile, k.index(Vt));
    WorkgroupMemory memory(k);
    st = memory.allocate({K, Vt});
    qs = memory.allocate({kRows, K});
    ks = memory.allocate({kRows, K});
    vs = memory.allocate({kRows, Vt});
    scores = memory.allocate({kRows, kRows});
    decay = memory.allocate({kRows, W});
    prefix = memory.allocate({kRows + 1, W});
    bonusDots = memory.allocate({kRows});
    z = memory.allocate({K});
    denominators = memory.allocate({kRows});
    if (s.rankOneA) {
      as = memory.allocate({kRows, K});
      bs = memory.allocate({kRows, K});
      sa = memory.allocate({kRows, Vt});
      for (Value *m : {&abScores, &akScores, &qbScores})
        *m = memory.allocate({kRows, kRows});
    }
    assert(memory.bytes() == 4 * tensorCoreWorkgroupFloats(
                                     K, Vt, W, static_cast<bool>(s.rankOneA)) &&
           "the cost model sizes the buffers allocated here");
    memory.finish(launch);

    forLanes(k, K * Vt, [&](LoopEmitter &x, Value idx) {
      auto [i, jj] = split(x, idx, Vt);
      x.store(s.initialEntry(x, i, add(x, col0, jj)), st, {i, jj});
    });
    if (s.normalize)
      forLanes(k, K, [&](LoopEmitter &x, Value i) {
        x.store(x.f32(0.0), z, {i});
      });
    barrier(k);
    int64_t chunks = (s.tokens.getStatic() + kRows - 1) / kRows;
    k.loop(chunks, [&](LoopEmitter &x, Value chunk) {
      emitChunk(x, arith::MulIOp::create(x.builder(), chunk, x.index(kRows)));
    });
    forLanes(k, K * Vt, [&](LoopEmitter &x, Value idx) {
      auto [i, jj] = split(x, idx, Vt);
      x.store(x.load(st, {i, jj}), s.state, s.stateIndex(i, add(x, col0, jj)));
    });
  }

private:
  static Value add(LoopEmitter &e, Value x, Value y) {
    return arith::AddIOp::create(e.builder(), x, y);
  }
  static Value add(LoopEmitter &e, Value x, int64_t y) {
    return y ? add(e, x, e.index(y)) : x;
  }
  static Value less(LoopEmitter &e, Value x, Value y) {
    return arith::CmpIOp::create(e.builder(), arith::CmpIPredicate::ult, x, y);
  }
  /// (idx / n, idx % n).
  static std::pair<Value, Value> split(LoopEmitter &e, Value idx, int64_t n) {
    return {arith::DivUIOp::create(e.builder(), idx, e.index(n)),
            arith::RemUIOp::create(e.builder(), idx, e.index(n))};
  }
  static void barrier(LoopEmitter &e) { gpu::BarrierOp::create(e.builder()); }
  Value decayIndex(LoopEmitter &e, Value i) const {
    return W > 1 ? i : e.index(0);
  }

  /// `for idx = lane; idx < n; idx += 32`.
  void forLanes(LoopEmitter &e, int64_t n,
                function_ref<void(LoopEmitter &, Value)> body) {
    e.loop(lane, e.index(n), kWarp, body);
  }

  /// x rounded to the nearest tf32 (ties away from zero): the 13 low bits
  /// of the significand cleared after adding half of their weight.
  static Value toTF32(LoopEmitter &e, Value x) {
    ImplicitLocOpBuilder &b = e.builder();
    auto type = cast<VectorType>(x.getType());
    auto intType = type.clone(b.getI32Type());
    auto splat = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(intType, b.getI32IntegerAttr(v).getValue()));
    };
    Value bits = arith::BitcastOp::create(b, intType, x);
    bits = arith::AddIOp::create(b, bits, splat(0x1000));
    bits = arith::AndIOp::create(b, bits, splat(~int64_t(0x1fff)));
    return arith::BitcastOp::create(b, type, bits);
  }

  /// d = a b + acc to f32 accuracy: three tf32 products of the operands'
  /// heads and tails, the small ones first.
  static Value mma(LoopEmitter &e, Value a, Value bm, Value acc) {
    ImplicitLocOpBuilder &b = e.builder();
    Value aHi = toTF32(e, a), bHi = toTF32(e, bm);
    Value aLo = toTF32(e, e.sub(a, aHi)), bLo = toTF32(e, e.sub(bm, bHi));
    int64_t shape[] = {kRows, kMmaN, kMmaK};
    for (auto [x, y] : {std::pair(aLo, bHi), {aHi, bLo}, {aHi, bHi}})
      acc = nvgpu::MmaSyncOp::create(b, x, y, acc, shape, /*tf32Enabled=*/true);
    return acc;
  }

  /// This lane's A fragment of the 16 x 8 block at (row0, col0).
  Value fragmentA(LoopEmitter &e, Value row0, Value k0, const EntryRead &read) {
    Value r = add(e, row0, g), r8 = add(e, r, 8);
    Value k = add(e, k0, c), k4 = add(e, k, 4);
    SmallVector<Value> entries{read(e, r, k), read(e, r8, k), read(e, r, k4),
                               read(e, r8, k4)};
    return vector::FromElementsOp::create(
        e.builder(), VectorType::get({4, 1}, e.builder().getF32Type()),
        entries);
  }
  /// This lane's B fragment of the 8 x 8 block at (k0, col0).
  Value fragmentB(LoopEmitter &e, Value k0, Value n0, const EntryRead &read) {
    Value k = add(e, k0, c), n = add(e, n0, g);
    SmallVector<Value> entries{read(e, k, n), read(e, add(e, k, 4), n)};
    return vector::FromElementsOp::create(
        e.builder(), VectorType::get({2, 1}, e.builder().getF32Type()),
        entries);
  }
  /// The rows and columns of this lane's accumulator entries (r, q) of the
  /// 16 x 8 block at (row0, col0).
  Value accRow(LoopEmitter &e, Value row0, int64_t r) {
    return add(e, add(e, row0, g), 8 * r);
  }
  Value accCol(LoopEmitter &e, Value n0, int64_t q) {
    return add(e, add(e, n0, arith::MulIOp::create(e.builder(), c,
                                                   e.index(2))),
               q);
  }

  static EntryRead rowMajor(Value buffer) {
    return [buffer](LoopEmitter &e, Value r, Value col) {
      return e.load(buffer, {r, col});
    };
  }
  /// Entry (key, token) of K^T (or B^T) is ks[token][key].
  static EntryRead transposed(Value buffer) {
    return [buffer](LoopEmitter &e, Value r, Value col) {
      return e.load(buffer, {col, r});
    };
  }

  void emitChunk(LoopEmitter &e, Value c0) {
    ImplicitLocOpBuilder &b = e.builder();
    Value n = e.indexMin(
        arith::SubIOp::create(b, e.index(s.tokens.getStatic()), c0), kRows);
    stage(e, c0, n);
    if (s.rankOneA) {
      emitScores(e, as, bs, abScores, /*post=*/false);
      emitScores(e, as, ks, akScores, /*post=*/false);
      emitScores(e, qs, bs, qbScores, /*post=*/true);
    }
    emitScores(e, qs, ks, scores, /*post=*/!s.bonus);
    if (s.bonus)
      e.guarded(firstOfRow(e), [&](LoopEmitter &x) {
        Value t = scoreRow(x);
        x.store(x.load(bonusDots, {t}), scores, {t, t});
      });
    barrier(e);
    // The windows are done with the decays: they become their suffix
    // products R[r] = D(r, end), in place.
    forLanes(e, W, [&](LoopEmitter &x, Value w) {
      x.loop(kRows, {x.f32(1.0)},
             [&](LoopEmitter &y, Value back,
                 ValueRange p) -> SmallVector<Value> {
               Value r = arith::SubIOp::create(y.builder(),
                                               y.index(kRows - 1), back);
               Value d = y.load(decay, {r, w});
               y.store(p[0], decay, {r, w});
               return {y.mul(p[0], d)};
             });
    });
    barrier(e);
    // Queries through the decay from the chunk's start, keys through the
    // decay to its end: (Q .* P) and (K^T .* R); RWKV-7's a through the
    // decay before its token, b like the keys.
    forLanes(e, kRows * K, [&](LoopEmitter &x, Value idx) {
      auto [r, i] = split(x, idx, K);
      Value w = decayIndex(x, i);
      Value p = x.load(prefix, {s.bonus ? r : add(x, r, 1), w});
      Value toEnd = x.load(decay, {r, w});
      x.store(x.mul(x.load(qs, {r, i}), p), qs, {r, i});
      x.store(x.mul(x.load(ks, {r, i}), toEnd), ks, {r, i});
      if (s.rankOneA) {
        x.store(x.mul(x.load(as, {r, i}), x.load(prefix, {r, w})), as, {r, i});
        x.store(x.mul(x.load(bs, {r, i}), toEnd), bs, {r, i});
      }
    });
    barrier(e);
    if (s.rankOneA)
      emitRankOneRows(e);
    if (s.normalize) {
      // q_t . z_t = (q_t .* P_t) . z (before the chunk) + the row's scores.
      forLanes(e, kRows, [&](LoopEmitter &x, Value r) {
        Value den = x.loop(K, {x.f32(s.normalizeEps)},
                           [&](LoopEmitter &y, Value i,
                               ValueRange d) -> SmallVector<Value> {
                             return {y.fma(y.load(qs, {r, i}), y.load(z, {i}),
                                           d[0])};
                           })[0];
        den = x.loop(kRows, {den},
                     [&](LoopEmitter &y, Value src,
                         ValueRange d) -> SmallVector<Value> {
                       return {y.add(d[0], y.load(scores, {r, src}))};
                     })[0];
        x.store(den, denominators, {r});
      });
      barrier(e);
    }
    emitOutputs(e, c0, n);
    // Every lane has read the state (and z) before any lane updates it.
    barrier(e);
    emitStateUpdate(e);
    if (s.normalize)
      // z <- diag(P_n) z + (K^T .* R) 1.
      forLanes(e, K, [&](LoopEmitter &x, Value i) {
        Value p = x.load(prefix, {x.index(kRows), decayIndex(x, i)});
        Value next = x.loop(kRows, {x.mul(p, x.load(z, {i}))},
                            [&](LoopEmitter &y, Value src,
                                ValueRange acc) -> SmallVector<Value> {
                              return {y.add(acc[0], y.load(ks, {src, i}))};
                            })[0];
        x.store(next, z, {i});
      });
    // ... and before the next chunk restages.
    barrier(e);
  }

  /// The chunk's rows (zeros, and decays of one, past its n tokens), the
  /// decays' prefix products, the bonus dots.
  void stage(LoopEmitter &e, Value c0, Value n) {
    auto token = [&](LoopEmitter &x, Value r) {
      Value valid = less(x, r, n);
      Value t = x.indexMin(add(x, c0, r), s.tokens.getStatic() - 1);
      return std::pair(valid, t);
    };
    forLanes(e, kRows * K, [&](LoopEmitter &x, Value idx) {
      auto [r, i] = split(x, idx, K);
      auto [valid, t] = token(x, r);
      Value zero = x.f32(0.0);
      x.store(x.select(valid, s.query(x, t, i), zero), qs, {r, i});
      x.store(x.select(valid, s.key(x, t, i), zero), ks, {r, i});
      if (s.rankOneA) {
        x.store(x.select(valid, s.rankOneA(x, t, i), zero), as, {r, i});
        x.store(x.select(valid, s.rankOneB(x, t, i), zero), bs, {r, i});
      }
    });
    forLanes(e, kRows * W, [&](LoopEmitter &x, Value idx) {
      auto [r, w] = split(x, idx, W);
      auto [valid, t] = token(x, r);
      Value one = x.f32(1.0);
      Value d = s.logDecay ? x.select(valid, x.exp(s.logDecay(x, t, w)), one)
                           : one;
      x.store(d, decay, {r, w});
    });
    forLanes(e, kRows * Vt, [&](LoopEmitter &x, Value idx) {
      auto [r, jj] = split(x, idx, Vt);
      auto [valid, t] = token(x, r);
      x.store(x.select(valid, s.value(x, t, add(x, col0, jj)), x.f32(0.0)),
              vs, {r, jj});
    });
    forLanes(e, kRows * kRows, [&](LoopEmitter &x, Value idx) {
      auto [r, col] = split(x, idx, kRows);
      for (Value m : {scores, abScores, akScores, qbScores})
        if (m)
          x.store(x.f32(0.0), m, {r, col});
    });
    barrier(e);
    // P[r] = D(start, r - 1), by running products.
    forLanes(e, W, [&](LoopEmitter &x, Value w) {
      Value one = x.f32(1.0);
      x.store(one, prefix, {x.index(0), w});
      x.loop(kRows, {one},
             [&](LoopEmitter &y, Value r, ValueRange p) -> SmallVector<Value> {
               Value next = y.mul(p[0], y.load(decay, {r, w}));
               y.store(next, prefix, {add(y, r, 1), w});
               return {next};
             });
    });
    if (s.bonus)
      forLanes(e, kRows, [&](LoopEmitter &x, Value r) {
        SmallVector<Value> dot = x.loop(
            K, {x.f32(0.0)},
            [&](LoopEmitter &y, Value i, ValueRange d) -> SmallVector<Value> {
              Value uk = y.mul(s.bonus(y, i), y.load(ks, {r, i}));
              return {y.fma(y.load(qs, {r, i}), uk, d[0])};
            });
        x.store(dot[0], bonusDots, {r});
      });
    barrier(e);
  }

  /// Row t of the scores belongs to lanes 2t and 2t + 1, half of the keys
  /// each; the first of them stores.
  Value scoreRow(LoopEmitter &e) {
    return arith::DivUIOp::create(e.builder(), lane, e.index(2));
  }
  Value firstOfRow(LoopEmitter &e) {
    Value part = arith::RemUIOp::create(e.builder(), lane, e.index(2));
    return arith::CmpIOp::create(e.builder(), arith::CmpIPredicate::eq, part,
                                 e.index(0));
  }

  /// out[t][s] = sum_i x_t[i] y_s[i] D_i(s, t) for s <= t (`post`), or
  /// D_i(s, t - 1) for s < t (the window ending before token t). The two
  /// lanes of row t walk s down from t, the window gaining token s's decay
  /// after each step; their halves meet by one xor shuffle.
  void emitScores(LoopEmitter &e, Value rows, Value cols, Value out,
                  bool post) {
    ImplicitLocOpBuilder &b = e.builder();
    int64_t half = K / 2;
    Value t = scoreRow(e), first = firstOfRow(e);
    Value k0 = arith::MulIOp::create(
        b, arith::RemUIOp::create(b, lane, e.index(2)), e.index(half));
    Value x0 = e.loadRow(rows, {t, k0}, half);
    int64_t shift = post ? 0 : 1;
    e.loop(kRows, {e.splat(e.f32(1.0), half)},
           [&](LoopEmitter &x, Value step,
               ValueRange window) -> SmallVector<Value> {
             ImplicitLocOpBuilder &xb = x.builder();
             // s = t - shift - step, where that is a token of the chunk.
             Value back = add(x, step, shift);
             Value valid = arith::CmpIOp::create(
                 xb, arith::CmpIPredicate::ule, back, t);
             Value src = arith::SelectOp::create(
                 xb, valid, arith::SubIOp::create(xb, t, back), x.index(0));
             Value y = x.loadRow(cols, {src, k0}, half);
             Value partial = x.sum(x.mul(x.mul(x0, y), window[0]));
             Value total = x.add(
                 partial, gpu::ShuffleOp::create(xb, partial, 1, kWarp,
                                                 gpu::ShuffleMode::XOR)
                              .getShuffleResult());
             x.guarded(arith::AndIOp::create(xb, valid, first),
                       [&](LoopEmitter &z) { z.store(total, out, {t, src}); });
             Value d = W > 1 ? x.loadRow(decay, {src, k0}, half)
                             : x.splat(x.load(decay, {src, x.index(0)}), half);
             return {x.mul(window[0], d)};
           });
  }

  /// acc += x y over `depth` (a multiple of 8) for the 16 x 8 block of the
  /// output at (row0, n0).
  Value product(LoopEmitter &e, Value acc, int64_t depth, Value row0,
                Value n0, const EntryRead &x, const EntryRead &y) {
    return e.loop(depth / kMmaK, {acc},
                  [&](LoopEmitter &z, Value kk,
                      ValueRange a) -> SmallVector<Value> {
                    Value k0 =
                        arith::MulIOp::create(z.builder(), kk, z.index(kMmaK));
                    return {mma(z, fragmentA(z, row0, k0, x),
                                fragmentB(z, k0, n0, y), a[0])};
                  })[0];
  }
  static Value zeroAccumulator(LoopEmitter &e) {
    return vector::ShapeCastOp::create(
        e.builder(), VectorType::get({2, 2}, e.builder().getF32Type()),
        e.splat(e.f32(0.0), 4));
  }

  /// RWKV-7's rows sa_t = a_t^T S_{t-1}: SA = (A .* P_pre) S + A_ak V on the
  /// tensor cores, then SA[t] += sum_{r < t} A_ab[t][r] SA[r], row after
  /// row, a lane per value column.
  void emitRankOneRows(LoopEmitter &e) {
    Value zero = e.index(0);
    e.loop(Vt / kMmaN, [&](LoopEmitter &x, Value nt) {
      Value n0 = arith::MulIOp::create(x.builder(), nt, x.index(kMmaN));
      Value acc = zeroAccumulator(x);
      acc = product(x, acc, K, zero, n0, rowMajor(as), rowMajor(st));
      acc = product(x, acc, kRows, zero, n0, rowMajor(akScores), rowMajor(vs));
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t q = 0; q < 2; ++q)
          x.store(vector::ExtractOp::create(x.builder(), acc,
                                            ArrayRef<int64_t>{r, q}),
                  sa, {accRow(x, zero, r), accCol(x, n0, q)});
    });
    barrier(e);
    forLanes(e, Vt, [&](LoopEmitter &x, Value j) {
      x.loop(kRows, [&](LoopEmitter &y, Value t) {
        Value row = y.loop(y.index(0), t, {y.load(sa, {t, j})},
                           [&](LoopEmitter &z, Value r,
                               ValueRange acc) -> SmallVector<Value> {
                             return {z.fma(z.load(abScores, {t, r}),
                                           z.load(sa, {r, j}), acc[0])};
                           })[0];
        y.store(row, sa, {t, j});
      });
    });
    barrier(e);
  }

  /// O = A V + (Q .* P) S (over its normalizer), tile by tile of 8 value
  /// columns; rows past the chunk's n tokens are not stored.
  void emitOutputs(LoopEmitter &e, Value c0, Value n) {
    Value zero = e.index(0);
    e.loop(Vt / kMmaN, [&](LoopEmitter &x, Value nt) {
      Value n0 = arith::MulIOp::create(x.builder(), nt, x.index(kMmaN));
      Value acc = zeroAccumulator(x);
      acc = product(x, acc, kRows, zero, n0, rowMajor(scores), rowMajor(vs));
      acc = product(x, acc, K, zero, n0, rowMajor(qs), rowMajor(st));
      if (s.rankOneA)
        acc =
            product(x, acc, kRows, zero, n0, rowMajor(qbScores), rowMajor(sa));
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t q = 0; q < 2; ++q) {
          Value row = accRow(x, zero, r), col = accCol(x, n0, q);
          Value o = vector::ExtractOp::create(x.builder(), acc,
                                              ArrayRef<int64_t>{r, q});
          if (s.normalize)
            o = x.div(o, x.load(denominators, {row}));
          x.guarded(less(x, row, n), [&](LoopEmitter &y) {
            s.storeOutput(y, add(y, c0, row), add(y, col0, col), o);
          });
        }
    });
  }

  /// S <- diag(P_n) S + (K^T .* R) V (+ (B^T .* R) SA), block by block of
  /// 16 keys and 8 value columns; each lane reads and writes only its
  /// accumulator's entries.
  void emitStateUpdate(LoopEmitter &e) {
    Value total = e.index(kRows);
    e.loop(K / kRows, [&](LoopEmitter &x, Value mt) {
      Value m0 = arith::MulIOp::create(x.builder(), mt, x.index(kRows));
      x.loop(Vt / kMmaN, [&](LoopEmitter &y, Value nt) {
        ImplicitLocOpBuilder &yb = y.builder();
        Value n0 = arith::MulIOp::create(yb, nt, y.index(kMmaN));
        SmallVector<std::pair<Value, Value>> at;
        SmallVector<Value> entries;
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t q = 0; q < 2; ++q) {
            Value row = accRow(y, m0, r), col = accCol(y, n0, q);
            at.push_back({row, col});
            Value p = y.load(prefix, {total, decayIndex(y, row)});
            entries.push_back(y.mul(p, y.load(st, {row, col})));
          }
        Value acc = vector::FromElementsOp::create(
            yb, VectorType::get({2, 2}, yb.getF32Type()), entries);
        acc = product(y, acc, kRows, m0, n0, transposed(ks), rowMajor(vs));
        if (s.rankOneA)
          acc = product(y, acc, kRows, m0, n0, transposed(bs), rowMajor(sa));
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t q = 0; q < 2; ++q)
            y.store(vector::ExtractOp::create(yb, acc, ArrayRef<int64_t>{r, q}),
                    st, {at[2 * r + q].first, at[2 * r + q].second});
      });
    });
  }

  const RecurrenceSlice &s;
  int64_t K, Vt, W;
  Value lane, g, c, col0;
  Value st, qs, ks, vs, scores, decay, prefix, bonusDots, z, denominators;
  Value as, bs, sa, abScores, akScores, qbScores;
};

} // namespace

int64_t mlir::linea::detail::tensorCoreTile(const RecurrenceSignature &sig) {
  if (!sig.causal())
    return 0;
  return tensorCoreColumnTile(sig.keyDim, sig.valueDim, sig.decayWidth(),
                              sig.rankOne);
}

void mlir::linea::detail::emitTensorCoreChunks(LoopEmitter &e,
                                               ArrayRef<int64_t> slices,
                                               int64_t tile,
                                               int64_t valueDim,
                                               SliceBuilder build) {
  int64_t total = 1;
  for (int64_t n : slices)
    total *= n;
  e.launch({total, valueDim / tile}, kWarp,
           [&](LoopEmitter &k, Value block, Value tileId, Value lane) {
             RecurrenceSlice s;
             build(k, k.delinearize(block, slices), s);
             assert(tensorCoreColumnTile(s.keyDim, s.valueDim,
                                         s.decayWidth(),
                                         static_cast<bool>(s.rankOneA)) ==
                        tile &&
                    "the slices are those the tile was chosen for");
             auto launch = cast<gpu::LaunchOp>(
                 k.builder().getBlock()->getParentOp());
             TensorCoreChunks(s, tile).emit(k, tileId, lane, launch);
           });
}
