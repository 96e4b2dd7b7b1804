//===- LineaDialect.h - The linea dialect ------------------------*- C++
//-*-===//
//
// Declares the dialect class; ops, attributes and interfaces live in
// LineaOps.h.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_LINEADIALECT_H
#define LINEA_DIALECT_LINEA_IR_LINEADIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "linea/Dialect/Linea/IR/LineaDialect.h.inc"

#endif // LINEA_DIALECT_LINEA_IR_LINEADIALECT_H
