//===- LoopEmitter.h - Scalar f32 loop code for the CPU lowerings -*- C++
//-*-===//
//
// The CPU lowerings of every linea op emit the same kind of code: parallel
// loops over independent slices, sequential loops over tokens, f32 scalar
// arithmetic on values loaded from (and stored to) buffers of any activation
// type. This helper keeps that code short and uniform.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEACOMMON_LOOPEMITTER_H
#define LINEA_LIB_CONVERSION_LINEACOMMON_LOOPEMITTER_H

#include "linea/Dialect/Linea/IR/RecurrenceSignature.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::linea::detail {

class TargetInfo;

/// A size known when the op is lowered, or an index value read at run time
/// (a dynamic batch or sequence length).
class Extent {
public:
  Extent(int64_t size) : size(size) {}
  Extent(int size) : size(size) {}
  explicit Extent(Value value) : dynamicValue(value) {}

  bool isStatic() const { return !dynamicValue; }
  /// The size of a static extent.
  int64_t getStatic() const {
    assert(isStatic() && "a dynamic extent has no static size");
    return size;
  }
  /// The static size, or `fallback` where it is dynamic.
  int64_t staticOr(int64_t fallback) const {
    return isStatic() ? size : fallback;
  }
  /// The size for a type: ShapedType::kDynamic where it is dynamic.
  int64_t forType() const { return isStatic() ? size : ShapedType::kDynamic; }
  /// The run-time value of a dynamic extent (null where it is static).
  Value getDynamic() const { return dynamicValue; }

private:
  Value dynamicValue;
  int64_t size = 0;
};

class LoopEmitter {
public:
  LoopEmitter(ImplicitLocOpBuilder &b, const TargetInfo &target)
      : b(b), target(&target) {}

  using LoopBody =
      function_ref<SmallVector<Value>(LoopEmitter &, Value, ValueRange)>;
  using ParallelBody = function_ref<void(LoopEmitter &, ValueRange)>;

  ImplicitLocOpBuilder &builder() { return b; }
  /// What the target decides (see TargetInfo.h).
  const TargetInfo &getTargetInfo() const { return *target; }

  Value index(int64_t value);
  Value f32(double value);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  /// x * y + z in one rounding (an FMA instruction where there is one).
  Value fma(Value x, Value y, Value z);
  Value div(Value x, Value y);
  Value neg(Value x);
  Value max(Value x, Value y);
  Value exp(Value x);
  Value log1p(Value x);
  /// log(1 + exp(x)), and x itself above 20 (as torch and mamba_ssm).
  Value softplus(Value x);
  /// x / (1 + exp(-x)), of an f32 or a vector of them.
  Value silu(Value x);
  /// 1 / sqrt(x).
  Value rsqrt(Value x);
  Value select(Value cond, Value x, Value y);
  Value greater(Value x, Value y);
  /// Index arithmetic.
  Value indexDiv(Value x, int64_t y);
  /// An index comparison, folded where both sides are constants.
  Value compare(arith::CmpIPredicate predicate, Value x, Value y);
  /// An extent as an index value.
  Value value(Extent n);
  /// Dimension `dim` of a buffer: static where its type says so.
  Extent dim(Value memref, unsigned dim);
  /// Products and quotients of extents (static where both are).
  Extent mul(Extent x, Extent y);
  Extent sub(Extent x, int64_t y);
  Extent ceilDiv(Extent x, int64_t y);

  /// Loads `memref[indices]` and extends it to f32.
  Value load(Value memref, ValueRange indices);
  /// Truncates the f32 `value` to the element type of `memref` and stores it.
  void store(Value value, Value memref, ValueRange indices);

  /// Vectors of f32: a scalar broadcast, a contiguous row loaded from (and
  /// stored to) a buffer of any activation type, the sum of the lanes.
  Value splat(Value scalar, int64_t width);
  Value loadRow(Value memref, ValueRange indices, int64_t width);
  void storeRow(Value row, Value memref, ValueRange indices);
  Value sum(Value row);
  /// The sums of `rows.size()` rows of that same width (a power of two) as
  /// one vector: lane i holds the sum of rows[i].
  Value sumEach(ArrayRef<Value> rows);
  /// Prefetches the cache lines of `width` contiguous elements starting at
  /// `indices` (a hint: nothing is read and nothing can fault; nothing on
  /// the GPU, where other warps hide the latency).
  void prefetchRow(Value memref, ValueRange indices, int64_t width,
                   bool forWrite = false);
  /// min(x, bound) on indices.
  Value indexMin(Value x, int64_t bound);
  Value indexMin(Value x, Value bound);

  /// `for iv in [0, n)` with loop-carried values; returns the final values.
  /// `for iv in [lb, ub)` with index bounds.
  SmallVector<Value> loop(Value lb, Value ub, ValueRange init, LoopBody body);
  /// `for iv = lb; iv < ub; iv += step` with loop-carried values.
  SmallVector<Value> loop(Value lb, Value ub, int64_t step, ValueRange init,
                          LoopBody body);
  /// `for iv in [0, n)` for a static or run-time `n`.
  SmallVector<Value> loop(Extent n, ValueRange init, LoopBody body);
  /// A loop without carried values.
  void loop(Extent n, function_ref<void(LoopEmitter &, Value)> body);
  /// `body(first, count)` for the chunks of `chunk` items of [0, n): the
  /// whole ones (count = chunk) in a loop, then the rest (a count below
  /// chunk, static where n is, and none where there is none).
  void chunks(Extent n, int64_t chunk,
              function_ref<void(LoopEmitter &, Value, Extent)> body);
  /// `for iv = lb; iv < ub; iv += step` without carried values (a GPU
  /// block's threads striding over a range).
  void loop(Value lb, Value ub, int64_t step,
            function_ref<void(LoopEmitter &, Value)> body);
  /// Runs `body` for every point of `[0, ubs)`, the points on separate
  /// threads (TargetInfo::parallel: an `scf.parallel` on the CPU, a
  /// `gpu.launch` with a thread per point on the GPU).
  void parallel(ArrayRef<Extent> ubs, ParallelBody body);
  /// A `gpu.launch` of grid.first x grid.second blocks of `threads` threads;
  /// `body` gets the kernel's emitter, the block ids (x, y) and the thread
  /// id (x).
  gpu::LaunchOp
  launch(std::pair<int64_t, int64_t> grid, int64_t threads,
         function_ref<void(LoopEmitter &, Value, Value, Value)> body);
  /// A 1-D `gpu.launch` of `total` threads in blocks of `threads` (the last
  /// block partly idle); `body` gets the kernel's emitter, the global thread
  /// id and whether it is below `total`.
  gpu::LaunchOp launchThreads(
      int64_t total, int64_t threads,
      function_ref<void(LoopEmitter &, Value id, Value inRange)> body);
  /// Runs `body` where `cond` holds (always, when it is null).
  void guarded(Value cond, function_ref<void(LoopEmitter &)> body);
  /// `then` where `cond` holds, `otherwise` (may be null) where it does
  /// not; a constant `cond` emits only the branch it takes.
  void ifElse(Value cond, function_ref<void(LoopEmitter &)> then,
              function_ref<void(LoopEmitter &)> otherwise);
  /// The indices of point `id` of `[0, ubs)` in row-major order.
  SmallVector<Value> delinearize(Value id, ArrayRef<int64_t> ubs);

  /// The same emitter for code nested in `nb`.
  LoopEmitter nested(ImplicitLocOpBuilder &nb) const {
    return LoopEmitter(nb, *target);
  }

  /// Buffers: on the heap (whole-op storage) or on the stack (per slice).
  Value alloc(ArrayRef<Extent> shape, Type elementType);
  Value alloca(ArrayRef<int64_t> shape);
  /// Sets every element of the f32 `memref` to `value`.
  void fill(Value memref, ArrayRef<int64_t> shape, Value value);

  /// Contractions on f32 buffers, as linalg ops (tiled and vectorized like
  /// any matmul later on). `view` is the `sizes` block of `memref` at
  /// `offsets`; `row` is row `i` of a 2-D buffer, `n` entries from `from`.
  Value view(Value memref, ArrayRef<OpFoldResult> offsets,
             ArrayRef<int64_t> sizes);
  Value row(Value matrix, Value i, int64_t n, int64_t from = 0);
  /// c += a b for a [m, k], b [k, n], c [m, n].
  void matmul(Value a, Value b, Value c);
  /// c[s] += sum_i x[i] y[i, s] w[i, s] for x [k], y and w [k, n]: a
  /// vector-matrix product through a weight.
  void weightedVecmat(Value x, Value y, Value w, Value c);
  /// c[i, j] *= w[i, j] (or w[i] for a one-dimensional w), in place.
  void scaleBy(Value c, Value w);

  /// The buffer of a tensor operand, read only.
  Value toBuffer(Value tensor);
  /// The tensor of a buffer the lowering filled.
  Value toTensor(Value memref);

private:
  ImplicitLocOpBuilder &b;
  const TargetInfo *target;
};

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEACOMMON_LOOPEMITTER_H
