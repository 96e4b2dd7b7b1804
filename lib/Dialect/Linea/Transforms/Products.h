//===- Products.h - Matrix products in linalg IR ------------------*- C++ -*-===//
//
// What linea-reassociate calls a product: shared by the chain reordering and
// the raising of attention.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_DIALECT_LINEA_TRANSFORMS_PRODUCTS_H
#define LINEA_LIB_DIALECT_LINEA_TRANSFORMS_PRODUCTS_H

#include <cstdint>
#include <optional>

namespace mlir {
class Operation;
class RewritePatternSet;
namespace linea {

/// A matrix product C = op(A) op(B), batched or not, computed by any linalg
/// contraction on static tensors of one element type (matmul, batch_matmul,
/// either with transposing indexing maps, or a linalg.generic multiply-add)
/// into a zero-filled init. op(X) is X or X^T as the operand's map says; an
/// operand of a batched product without the batch dimension is broadcast.
struct ProductShape {
  bool batched = false, transposeA = false, transposeB = false;
  bool broadcastA = false, broadcastB = false;
  int64_t batch = 1, m = 0, k = 0, n = 0;
};
std::optional<ProductShape> matchProduct(Operation *op);

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
