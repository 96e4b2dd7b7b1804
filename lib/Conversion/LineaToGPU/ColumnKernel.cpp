//===- ColumnKernel.cpp - The GPU recurrent form of head-wise slices ------===//
//
// S_t = (diag(d_t) + b_t a_t^T) S_{t-1} + k_t v_t^T acts on every column of
// S alike: column j only needs v_t[j] and the token's key-side rows. So a
// column belongs to P adjacent threads of a warp (P parts of K / P keys),
// its entries live in their registers (a vector<K / P> each), dot products
// over the keys are summed across the P threads by xor shuffles, and the
// block's threads share the key-side rows, which they stage together in
// workgroup memory, a block of tokens per barrier. The decay's exp is taken
// once per entry while staging instead of once per thread. Splitting the
// keys gives P times the threads (a head of 64 x 64 alone is only 64
// columns) and keeps large heads out of register spills.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include <algorithm>

using namespace mlir;
using namespace mlir::linea::detail;

namespace {

/// Value columns per block: one warp.
constexpr int64_t kColumnsPerBlock = 32;
/// Workgroup memory for staged rows, below the 48 KiB that needs no opt-in.
constexpr int64_t kStagingBytes = 40 * 1024;
/// Tokens staged per barrier, at most.
constexpr int64_t kMaxStagedTokens = 32;
/// Threads per column (a power of two dividing the warp), for K large
/// enough that each part keeps a few keys.
constexpr int64_t kMaxParts = 4;
constexpr int64_t kMinKeysPerPart = 8;

class ColumnEmitter {
public:
  ColumnEmitter(const RecurrenceSlice &s, gpu::LaunchOp launch)
      : s(s), launch(launch) {}

  void emit(LoopEmitter &k, Value tile, Value thread, int64_t columns,
            int64_t parts) {
    int64_t K = s.keyDim, V = s.valueDim;
    ImplicitLocOpBuilder &b = k.builder();
    P = parts, Kp = K / parts;
    // Thread = (column in the tile, part), the parts of a column adjacent.
    Value part = arith::RemUIOp::create(b, thread, k.index(P));
    partStart = arith::MulIOp::create(b, part, k.index(Kp));
    Value j = arith::AddIOp::create(
        b, arith::MulIOp::create(b, tile, k.index(columns)),
        arith::DivUIOp::create(b, thread, k.index(P)));
    // One thread per column stores what is per column.
    Value firstPart =
        P > 1 ? arith::CmpIOp::create(b, arith::CmpIPredicate::eq, part,
                                      k.index(0))
                    .getResult()
              : Value();
    int64_t threads = columns * P;
    // Threads past the last column compute on column V - 1 and store
    // nothing; they still take part in staging, barriers and shuffles.
    bool ragged = V % columns != 0;
    Value active, column = j;
    if (ragged) {
      active = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, j,
                                     k.index(V));
      column = k.indexMin(j, V - 1);
    }
    Value storer = active;
    if (firstPart)
      storer = active ? arith::AndIOp::create(b, active, firstPart).getResult()
                      : firstPart;

    // Rows of K floats per staged token (q, k, decays, a, b), and u.
    int64_t rows = 2 + (s.logDecay ? 1 : 0) + (s.rankOneA ? 2 : 0);
    staged =
        std::clamp<int64_t>(kStagingBytes / (4 * K * rows), 1,
                            std::min(kMaxStagedTokens, s.tokens.getStatic()));
    WorkgroupMemory memory(k);
    qs = memory.allocate({staged, K}), ks = memory.allocate({staged, K});
    if (s.logDecay)
      ds = memory.allocate({staged, K});
    if (s.rankOneA)
      as = memory.allocate({staged, K}), bs = memory.allocate({staged, K});
    if (s.bonus) {
      // u is the same for every token: staged once.
      us = memory.allocate({K});
      stridedLoop(k, k.index(0), k.index(K), thread, threads,
                  [&](LoopEmitter &x, Value i) {
                    x.store(s.bonus(x, i), us, {i});
                  });
      gpu::BarrierOp::create(b);
    }
    memory.finish(launch);

    // This thread's part of the column of the initial state, and of z for
    // the normalizer.
    Value zero = k.splat(k.f32(0.0), Kp);
    Value state = zero;
    if (s.initialState)
      for (int64_t i = 0; i < Kp; ++i)
        state = vector::InsertOp::create(
            b, k.load(s.initialState, s.stateIndex(key(k, i), column)), state,
            i);
    SmallVector<Value> init{state};
    if (s.normalize)
      init.push_back(zero);

    int64_t blocks = (s.tokens.getStatic() + staged - 1) / staged;
    SmallVector<Value> end = k.loop(
        blocks, init,
        [&](LoopEmitter &x, Value blk, ValueRange carried) {
          Value t0 = arith::MulIOp::create(x.builder(), blk, x.index(staged));
          Value n =
              x.indexMin(arith::SubIOp::create(
                             x.builder(), x.index(s.tokens.getStatic()), t0),
                         staged);
          stage(x, t0, n, thread, threads);
          SmallVector<Value> next = x.loop(
              x.index(0), n, carried,
              [&](LoopEmitter &y, Value tt, ValueRange c) {
                return token(y, t0, tt, column, storer, c);
              });
          // Nobody restages while another thread still reads.
          gpu::BarrierOp::create(x.builder());
          return next;
        });

    auto storeState = [&](LoopEmitter &x) {
      for (int64_t i = 0; i < Kp; ++i)
        x.store(vector::ExtractOp::create(x.builder(), end[0], i), s.state,
                s.stateIndex(key(x, i), j));
    };
    k.guarded(active, storeState);
  }

private:
  /// Key index of this thread's entry i.
  Value key(LoopEmitter &e, int64_t i) {
    return arith::AddIOp::create(e.builder(), partStart, e.index(i));
  }

  /// The sum over all keys of a product held in parts: this thread's lanes,
  /// then across the column's P threads.
  Value dot(LoopEmitter &e, Value x, Value y) {
    Value sum = e.sum(e.mul(x, y));
    for (int64_t offset = P / 2; offset >= 1; offset /= 2)
      sum = e.add(sum, gpu::ShuffleOp::create(e.builder(), sum, offset,
                                              /*width=*/32,
                                              gpu::ShuffleMode::XOR)
                           .getShuffleResult());
    return sum;
  }

  /// This thread's part of row tt of a staged [tokens, K] buffer.
  Value part(LoopEmitter &e, Value rows, Value tt) {
    return e.loadRow(rows, {tt, partStart}, Kp);
  }

  /// `for i = lb + thread; i < ub; i += step`.
  void stridedLoop(LoopEmitter &e, Value lb, Value ub, Value thread,
                   int64_t step, function_ref<void(LoopEmitter &, Value)> body) {
    e.loop(arith::AddIOp::create(e.builder(), lb, thread), ub, step, body);
  }

  /// Rows of tokens t0 .. t0 + n - 1 into workgroup memory, the block's
  /// threads splitting the n * K entries.
  void stage(LoopEmitter &e, Value t0, Value n, Value thread,
             int64_t threads) {
    int64_t K = s.keyDim;
    Value entries = arith::MulIOp::create(e.builder(), n, e.index(K));
    stridedLoop(e, e.index(0), entries, thread, threads,
                [&](LoopEmitter &x, Value idx) {
                  ImplicitLocOpBuilder &b = x.builder();
                  Value tt = arith::DivUIOp::create(b, idx, x.index(K));
                  Value i = arith::RemUIOp::create(b, idx, x.index(K));
                  Value t = arith::AddIOp::create(b, t0, tt);
                  x.store(s.query(x, t, i), qs, {tt, i});
                  x.store(s.key(x, t, i), ks, {tt, i});
                  if (ds)
                    x.store(x.exp(s.logDecay(x, t, i)), ds, {tt, i});
                  if (as) {
                    x.store(s.rankOneA(x, t, i), as, {tt, i});
                    x.store(s.rankOneB(x, t, i), bs, {tt, i});
                  }
                });
    gpu::BarrierOp::create(e.builder());
  }

  /// One token on this thread's part of its column; carried: that part
  /// (and of z). Only `storer` stores the output.
  SmallVector<Value> token(LoopEmitter &e, Value t0, Value tt, Value column,
                           Value storer, ValueRange carried) {
    Value t = arith::AddIOp::create(e.builder(), t0, tt);
    Value q = part(e, qs, tt), key = part(e, ks, tt);
    Value decay = ds ? part(e, ds, tt) : Value();
    Value state = carried[0];
    Value v = s.value(e, t, column);
    Value next = decay ? e.mul(decay, state) : state;
    next = e.fma(key, e.splat(v, Kp), next);
    if (as) {
      Value sa = dot(e, part(e, as, tt), state);
      next = e.fma(part(e, bs, tt), e.splat(sa, Kp), next);
    }
    Value o;
    if (us) {
      // o = q (S_{t-1} + diag(u) k v^T)[:, j]
      Value uk = e.mul(e.loadRow(us, {partStart}, Kp), key);
      o = e.fma(dot(e, q, uk), v, dot(e, q, state));
    } else {
      o = dot(e, q, next);
    }
    SmallVector<Value> out{next};
    if (s.normalize) {
      Value z = carried[1];
      z = e.add(decay ? e.mul(decay, z) : z, key);
      o = e.div(o, e.add(dot(e, q, z), e.f32(s.normalizeEps)));
      out.push_back(z);
    }
    e.guarded(storer, [&](LoopEmitter &x) { s.storeOutput(x, t, column, o); });
    return out;
  }

  const RecurrenceSlice &s;
  gpu::LaunchOp launch;
  int64_t staged = 1, P = 1, Kp = 1;
  Value partStart;
  Value qs, ks, ds, as, bs, us;
};

} // namespace

WorkgroupMemory::WorkgroupMemory(LoopEmitter &k) : k(k) {
  // The launch's dynamic shared memory, cut into views (attributions would
  // be taken for buffers to deallocate).
  ImplicitLocOpBuilder &b = k.builder();
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                              gpu::AddressSpace::Workgroup);
  base = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup));
}

Value WorkgroupMemory::allocate(ArrayRef<int64_t> shape) {
  ImplicitLocOpBuilder &b = k.builder();
  auto type = MemRefType::get(shape, b.getF32Type(),
                              MemRefLayoutAttrInterface(),
                              cast<MemRefType>(base.getType()).getMemorySpace());
  Value view =
      memref::ViewOp::create(b, type, base, k.index(used), ValueRange());
  used += type.getNumElements() * 4;
  return view;
}

void WorkgroupMemory::finish(gpu::LaunchOp launch) {
  OpBuilder lb(launch);
  launch.getDynamicSharedMemorySizeMutable().assign(arith::ConstantOp::create(
      lb, launch.getLoc(), lb.getI32IntegerAttr(used)));
}

void mlir::linea::detail::emitColumnKernel(LoopEmitter &e,
                                           ArrayRef<int64_t> slices,
                                           int64_t keyDim, int64_t valueDim,
                                           SliceBuilder build) {
  int64_t total = 1;
  for (int64_t n : slices)
    total *= n;
  int64_t parts = kMaxParts;
  while (parts > 1 && (keyDim % parts || keyDim / parts < kMinKeysPerPart))
    parts /= 2;
  int64_t columns = std::min(valueDim, kColumnsPerBlock);
  int64_t tiles = (valueDim + columns - 1) / columns;
  e.launch({total, tiles}, columns * parts,
           [&](LoopEmitter &k, Value block, Value tile, Value thread) {
             ImplicitLocOpBuilder &b = k.builder();
             RecurrenceSlice s;
             build(k, k.delinearize(block, slices), s);
             assert(s.causal && s.valueDim == valueDim &&
                    s.keyDim == keyDim &&
                    "the column kernel evaluates causal slices");
             auto launch = cast<gpu::LaunchOp>(b.getBlock()->getParentOp());
             ColumnEmitter(s, launch).emit(k, tile, thread, columns, parts);
           });
}
