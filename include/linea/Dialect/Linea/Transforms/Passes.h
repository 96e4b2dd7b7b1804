//===- Passes.h - Transformations of the linea dialect -----------*- C++
//-*-===//
//
// Pass declarations and registration, generated from Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_H
#define LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_H

#include "linea/Dialect/Linea/IR/LineaDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "linea/Transforms/Passes.h"
#include "mlir/Pass/Pass.h"

namespace mlir::linea {

#define GEN_PASS_DECL
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"

} // namespace mlir::linea

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_H
