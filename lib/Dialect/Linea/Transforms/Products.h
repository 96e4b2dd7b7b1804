//===- Products.h - Matrix products in linalg IR ------------------*- C++ -*-===//
//
// What linea-reassociate calls a product: shared by the chain reordering and
// the raising of attention.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_DIALECT_LINEA_TRANSFORMS_PRODUCTS_H
#define LINEA_LIB_DIALECT_LINEA_TRANSFORMS_PRODUCTS_H

namespace mlir {
class Operation;
class RewritePatternSet;
namespace linea {

/// A linalg.matmul or linalg.batch_matmul on static tensors with the default
/// indexing maps and a zero-filled init: it computes exactly A * B.
bool isPureProduct(Operation *op);

/// Patterns that raise softmax-free attention written in linalg (scores,
/// optional scale, optional causal or decay mask, times V) into
/// linea.linear_attention.
void populateRaiseAttentionPatterns(RewritePatternSet &patterns);

} // namespace linea
} // namespace mlir

#endif // LINEA_LIB_DIALECT_LINEA_TRANSFORMS_PRODUCTS_H
