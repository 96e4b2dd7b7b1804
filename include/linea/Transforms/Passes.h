//===- Passes.h - Transformations outside the linea dialect ------*- C++
//-*-===//
//
// Pass declarations and registration, generated from Passes.td, and what
// every Linea pass shares.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_TRANSFORMS_PASSES_H
#define LINEA_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::linea {

/// Fails, with a diagnostic at `op` naming the pass and the option, unless
/// `lo <= value <= hi`: a numeric option out of range is an error, never a
/// silent default or a crash deeper in the pass.
inline LogicalResult checkOptionRange(Operation *op, StringRef pass,
                                      StringRef option, int64_t value,
                                      int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi)
    return success();
  return op->emitError(pass) << ": option '" << option << "' must be in [" << lo
                             << ", " << hi << "], got " << value;
}

#define GEN_PASS_DECL
#include "linea/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "linea/Transforms/Passes.h.inc"

} // namespace mlir::linea

#endif // LINEA_TRANSFORMS_PASSES_H
