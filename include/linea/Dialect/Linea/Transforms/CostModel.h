//===- CostModel.h - Which form of a linea op is fastest ---------*- C++ -*-===//
//
// The cost model of linea-select-form: the forms a target's lowering
// implements for an op, each with an estimated time from the op's shapes.
// The CPU constants are calibrated by benchmarks/forms.py (see
// docs/FormSelection.md for the data).
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H
#define LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H

#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mlir::linea {

/// The CPU lowering evaluates chunks (and quadratic windows) of up to this
/// many tokens as matrices on each slice's stack, longer ones token by
/// token; the cost model prices the two differently.
constexpr int64_t kMaxMatrixChunk = 128;

struct TargetDescription {
  enum class Kind { CPU, NVPTX };
  Kind kind = Kind::CPU;
  /// CPU: cores that run slices in parallel.
  int64_t cores = 1;
  /// CPU: f32 lanes per vector register.
  int64_t vectorWidth = 16;
  /// NVPTX: streaming multiprocessors, and whether they have tensor cores.
  int64_t smCount = 132;
  bool tensorCores = true;
};

struct FormEstimate {
  Form form;
  /// Estimated seconds; only comparable between forms of one op.
  double seconds;
  /// For the chunked and scan forms.
  std::optional<int64_t> chunkSize;
};

/// Every form `target` can lower for `op`, with its estimate.
llvm::SmallVector<FormEstimate> estimateForms(RecurrenceOpInterface op,
                                              const TargetDescription &target);

/// The fastest of them; nullopt if the op's shapes are dynamic.
std::optional<FormEstimate> chooseForm(RecurrenceOpInterface op,
                                       const TargetDescription &target);

} // namespace mlir::linea

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H
