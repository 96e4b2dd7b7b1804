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

#include "linea/Conversion/LineaToGPU/LineaToGPU.h"
#include "linea/Conversion/LineaToLoops/LineaToLoops.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mlir::linea {

struct TargetDescription {
  TargetKind kind = TargetKind::CPU;
  /// CPU: cores that run slices in parallel.
  int64_t cores = 1;
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

/// Every form of the op's table for `target` that has an estimate, with it
/// (read from the op's recurrence signature).
llvm::SmallVector<FormEstimate> estimateForms(RecurrenceOpInterface op,
                                              const TargetDescription &target);

/// From sequences of `from` tokens on (to the next range's `from`), `pick`
/// is the fastest form.
struct LengthRange {
  int64_t from;
  FormEstimate pick;
};

/// For an op whose sequence length is known only at run time: the fastest
/// form over every length, as ranges in increasing `from` (the first from
/// 1), for a dynamic batch priced as one sequence. Empty where a size other
/// than the batch and the sequence is dynamic.
llvm::SmallVector<LengthRange> formsByLength(RecurrenceOpInterface op,
                                             const TargetDescription &target);

/// The fastest of `estimates`; nullopt if there are none.
std::optional<FormEstimate> fastest(llvm::ArrayRef<FormEstimate> estimates);

/// The fastest form of `op`; nullopt if the op's shapes are dynamic.
std::optional<FormEstimate> chooseForm(RecurrenceOpInterface op,
                                       const TargetDescription &target);

} // namespace mlir::linea

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_COSTMODEL_H
