//===- DynamicSizes.h - How a function's dynamic sizes relate ----*- C++ -*-===//
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
#include <optional>

namespace mlir::linea {

/// A dimension of one of a function's parameters: its arguments, then its
/// results.
struct ParamDim {
  unsigned param = 0, dim = 0;
};

/// What a dynamic dimension of a parameter must be at run time.
struct DynamicSize {
  /// The first argument dimension that must be equal to it (itself, for
  /// the first), or
  std::optional<ParamDim> source;
  /// a static size it must have.
  std::optional<int64_t> known;
};

/// The dynamic dimensions of `func`'s parameters, keyed by (param, dim):
/// every argument's and every result's. Fails, at the op, where the body
/// relates sizes in a way the entry point cannot check (a reshape that
/// merges a dynamic dimension, a slice of one), and, at the function, where
/// a result's size is neither static nor an argument's.
FailureOr<std::map<std::pair<unsigned, unsigned>, DynamicSize>>
relateDynamicSizes(func::FuncOp func);

} // namespace mlir::linea

#endif // LINEA_LIB_COMPILER_DYNAMICSIZES_H
