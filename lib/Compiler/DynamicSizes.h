//===- DynamicSizes.h - How dynamic sizes relate -------------*- C++ -*-===//
//
// A compiled function with dynamic dimensions trusts that its arguments'
// sizes agree as its body requires (every T of a linea op equal, a state's B
// equal to the inputs' B, a matmul's contracted sizes equal) and that the
// caller's output buffers have the sizes its results will have. The checked
// entry point checks both; this finds, from the tensor IR, which sizes must
// be equal.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_COMPILER_DYNAMICSIZES_H
#define LINEA_LIB_COMPILER_DYNAMICSIZES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include <map>
#include <optional>
#include <vector>

namespace mlir::linea {

/// A dimension of one of a function's parameters: its arguments, then its
/// results.
struct ParamDim {
  unsigned param = 0, dim = 0;
};

/// What a dynamic dimension of a parameter must be at run time.
struct DynamicSize {
  /// The first argument dimension whose size plus `offset` it must equal
  /// (itself, for the first), or
  std::optional<ParamDim> source;
  int64_t offset = 0;
  /// a static size it must have.
  std::optional<int64_t> known;
};

/// A packed batch's offsets that are an argument: their values must start
/// at 0, never decrease and end at the op's T.
struct OffsetsCheck {
  unsigned param = 0;
  /// T: an argument's dimension, or a static size.
  std::optional<ParamDim> tokens;
  std::optional<int64_t> knownTokens;
};

struct DynamicSizes {
  /// Every argument's and every result's dynamic dimension, by (param, dim).
  std::map<std::pair<unsigned, unsigned>, DynamicSize> sizes;
  std::vector<OffsetsCheck> offsets;
};

/// The dynamic dimensions of `func`'s parameters and its packed batches'
/// offsets. Fails, at the op, where the body relates sizes in a way the
/// entry point cannot check (a reshape that merges a dynamic dimension, a
/// slice of one), and, at the function, where a result's size is neither
/// static nor follows from an argument's.
FailureOr<DynamicSizes> relateDynamicSizes(func::FuncOp func);

} // namespace mlir::linea

#endif // LINEA_LIB_COMPILER_DYNAMICSIZES_H
