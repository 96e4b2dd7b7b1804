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

namespace mlir::linea {

/// What a dimension of a linea op's operand or result is: the batch (B, or
/// the sequences of a state), the sequence (T), the offsets of a packed
/// batch (`cu_seqlens`, N + 1), or a size the kernels are blocked for
/// (heads, head sizes, channels, and B = 1 of a packed batch), which must
/// be static.
enum class DimRole { batch, sequence, offsets, other };

/// The offsets of a packed batch (`cu_seqlens`) of the linea op `op`, or
/// null.
Value getPackedOffsets(Operation *op);

/// The role of dimension `dim` of `tensor`, an operand or result of the
/// linea op `op`: dimension 0 of a state is the batch; per-token tensors
/// are [B, T, ...] ([B, ..., T] for selective_scan).
DimRole getDimRole(Operation *op, Value tensor, unsigned dim);

} // namespace mlir::linea

#endif // LINEA_DIALECT_LINEA_IR_LINEAOPS_H
