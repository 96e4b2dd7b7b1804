//===- LoopEmitter.h - Scalar f32 loop code for the CPU lowerings -*- C++
//-*-===//
//
// The CPU lowerings of every linea op emit the same kind of code: parallel
// loops over independent slices, sequential loops over tokens, f32 scalar
// arithmetic on values loaded from (and stored to) buffers of any activation
// type. This helper keeps that code short and uniform.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEATOLOOPS_LOOPEMITTER_H
#define LINEA_LIB_CONVERSION_LINEATOLOOPS_LOOPEMITTER_H

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::linea::detail {

class LoopEmitter {
public:
  explicit LoopEmitter(ImplicitLocOpBuilder &b) : b(b) {}

  using LoopBody =
      function_ref<SmallVector<Value>(LoopEmitter &, Value, ValueRange)>;
  using ParallelBody = function_ref<void(LoopEmitter &, ValueRange)>;

  ImplicitLocOpBuilder &builder() { return b; }

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
  Value select(Value cond, Value x, Value y);
  Value greater(Value x, Value y);
  /// Index arithmetic.
  Value indexDiv(Value x, int64_t y);

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
  /// `indices` (a hint: nothing is read and nothing can fault).
  void prefetchRow(Value memref, ValueRange indices, int64_t width,
                   bool forWrite = false);
  /// min(x, bound) on indices.
  Value indexMin(Value x, int64_t bound);

  /// `for iv in [0, n)` with loop-carried values; returns the final values.
  SmallVector<Value> loop(int64_t n, ValueRange init, LoopBody body);
  /// `for iv in [lb, ub)` with index bounds.
  SmallVector<Value> loop(Value lb, Value ub, ValueRange init, LoopBody body);
  /// A loop without carried values.
  void loop(int64_t n, function_ref<void(LoopEmitter &, Value)> body);
  /// `scf.parallel` over `[0, ubs)`: the slices run on separate threads.
  void parallel(ArrayRef<int64_t> ubs, ParallelBody body);

  /// Buffers: on the heap (whole-op storage) or on the stack (per slice).
  Value alloc(ArrayRef<int64_t> shape, Type elementType);
  Value alloca(ArrayRef<int64_t> shape);
  /// Sets every element of the f32 `memref` to `value`.
  void fill(Value memref, ArrayRef<int64_t> shape, Value value);

  /// The buffer of a tensor operand, read only.
  Value toBuffer(Value tensor);
  /// The tensor of a buffer the lowering filled.
  Value toTensor(Value memref);

private:
  ImplicitLocOpBuilder &b;
};

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEATOLOOPS_LOOPEMITTER_H
