//===- LineaOps.h - Operations of the linea dialect --------------*- C++
//-*-===//
//
// Ops, enum attributes and the recurrence interface of the linea dialect.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_LINEAOPS_H
#define LINEA_DIALECT_LINEA_IR_LINEAOPS_H

#include "linea/Dialect/Linea/IR/LineaDialect.h"
#include "linea/Dialect/Linea/IR/RecurrenceSignature.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "linea/Dialect/Linea/IR/LineaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "linea/Dialect/Linea/IR/LineaAttrs.h.inc"

#include "linea/Dialect/Linea/IR/LineaInterfaces.h.inc"

#define GET_OP_CLASSES
#include "linea/Dialect/Linea/IR/LineaOps.h.inc"

#endif // LINEA_DIALECT_LINEA_IR_LINEAOPS_H
