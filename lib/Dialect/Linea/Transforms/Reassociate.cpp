//===- Reassociate.cpp - Matrix-chain reordering of products -----*- C++
//-*-===//
//
// (Q K^T) V = Q (K^T V): the order of a chain of products decides whether
// attention is quadratic or linear in the sequence length. This pass finds
// chains of linalg products and re-parenthesizes them by the classic
// matrix-chain dynamic program over their static shapes.
//
//===----------------------------------------------------------------------===//

#include "Products.h"
#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::linea {
#define GEN_PASS_DEF_REASSOCIATEPASS
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

bool mlir::linea::isPureProduct(Operation *op) {
  auto contraction = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!contraction || !contraction.hasPureTensorSemantics())
    return false;
  if (auto mm = dyn_cast<linalg::MatmulOp>(op)) {
    if (mm.hasUserDefinedMaps() || mm.getCast() != linalg::TypeFn::cast_signed)
      return false;
  } else if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op)) {
    if (bmm.hasUserDefinedMaps() ||
        bmm.getCast() != linalg::TypeFn::cast_signed)
      return false;
  } else {
    return false;
  }
  for (Value v : op->getOperands())
    if (!cast<ShapedType>(v.getType()).hasStaticShape())
      return false;
  auto fill = contraction.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

namespace {

using linea::isPureProduct;

/// A chain A1 * A2 * ... * An: its leaves, the products that compute it now,
/// and the dimensions p0..pn (Ai is p_{i-1} x p_i, after `batch` if any).
struct Chain {
  SmallVector<Value> leaves;
  SmallVector<Operation *> products;
  SmallVector<int64_t> dims;
  int64_t batch = 1;
  bool batched = false;
};

/// Whether `v` is an inner product of the chain rooted elsewhere: computed by
/// a pure product of the same kind and read only by the next one.
bool isInner(Value v, Operation *root) {
  Operation *def = v.getDefiningOp();
  return def && def->getName() == root->getName() && isPureProduct(def) &&
         v.hasOneUse();
}

void collect(Value v, Operation *root, Chain &chain) {
  Operation *def = v.getDefiningOp();
  if (def != root && !isInner(v, root)) {
    chain.leaves.push_back(v);
    return;
  }
  chain.products.push_back(def);
  auto op = cast<linalg::LinalgOp>(def);
  collect(op.getDpsInputs()[0], root, chain);
  collect(op.getDpsInputs()[1], root, chain);
}

/// Multiply-adds of the products as they stand.
int64_t currentCost(Chain &chain) {
  int64_t cost = 0;
  for (Operation *op : chain.products) {
    auto lin = cast<linalg::LinalgOp>(op);
    ArrayRef<int64_t> a =
        cast<ShapedType>(lin.getDpsInputs()[0].getType()).getShape();
    ArrayRef<int64_t> b =
        cast<ShapedType>(lin.getDpsInputs()[1].getType()).getShape();
    cost += chain.batch * a[a.size() - 2] * a.back() * b.back();
  }
  return cost;
}

/// The matrix-chain dynamic program: cost[i][j] and split[i][j] over leaves.
struct Order {
  SmallVector<SmallVector<int64_t>> cost, split;
};

Order bestOrder(const Chain &chain) {
  size_t n = chain.leaves.size();
  Order o;
  o.cost.assign(n, SmallVector<int64_t>(n, 0));
  o.split.assign(n, SmallVector<int64_t>(n, 0));
  for (size_t len = 2; len <= n; ++len)
    for (size_t i = 0; i + len <= n; ++i) {
      size_t j = i + len - 1;
      o.cost[i][j] = std::numeric_limits<int64_t>::max();
      for (size_t s = i; s < j; ++s) {
        int64_t c =
            o.cost[i][s] + o.cost[s + 1][j] +
            chain.batch * chain.dims[i] * chain.dims[s + 1] * chain.dims[j + 1];
        if (c < o.cost[i][j]) {
          o.cost[i][j] = c;
          o.split[i][j] = s;
        }
      }
    }
  return o;
}

/// Emits the product of leaves i..j in the order `order` prescribes.
Value build(OpBuilder &b, Location loc, const Chain &chain, const Order &order,
            size_t i, size_t j, Type elementType) {
  if (i == j)
    return chain.leaves[i];
  size_t s = order.split[i][j];
  Value lhs = build(b, loc, chain, order, i, s, elementType);
  Value rhs = build(b, loc, chain, order, s + 1, j, elementType);
  SmallVector<int64_t> shape;
  if (chain.batched)
    shape.push_back(chain.batch);
  shape.append({chain.dims[i], chain.dims[j + 1]});
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  if (chain.batched)
    return linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                         ValueRange{lhs, rhs}, init)
        .getResult(0);
  return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                  ValueRange{lhs, rhs}, init)
      .getResult(0);
}

struct ReassociatePass
    : public linea::impl::ReassociatePassBase<ReassociatePass> {
  void runOnOperation() override {
    // First, attention written without softmax becomes a linea op, so that
    // form selection applies to it; then the remaining chains are reordered.
    RewritePatternSet patterns(&getContext());
    linea::populateRaiseAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Roots: pure products not themselves inner products of a bigger chain.
    SmallVector<Operation *> roots;
    getOperation()->walk([&](Operation *op) {
      if (!isPureProduct(op))
        return;
      Value result = op->getResult(0);
      if (result.hasOneUse()) {
        Operation *user = *result.getUsers().begin();
        auto lin = dyn_cast<linalg::LinalgOp>(user);
        if (lin && user->getName() == op->getName() && isPureProduct(user) &&
            llvm::is_contained(lin.getDpsInputs(), result))
          return;
      }
      roots.push_back(op);
    });
    for (Operation *root : roots)
      reorder(root);
  }

  void reorder(Operation *root) {
    Chain chain;
    chain.batched = isa<linalg::BatchMatmulOp>(root);
    collect(root->getResult(0), root, chain);
    if (chain.leaves.size() < 3)
      return;
    for (auto [index, leaf] : llvm::enumerate(chain.leaves)) {
      ArrayRef<int64_t> shape = cast<ShapedType>(leaf.getType()).getShape();
      if (chain.batched)
        chain.batch = shape[0];
      if (index == 0)
        chain.dims.push_back(shape[shape.size() - 2]);
      chain.dims.push_back(shape.back());
    }
    Order order = bestOrder(chain);
    size_t n = chain.leaves.size();
    if (order.cost[0][n - 1] >= currentCost(chain))
      return;
    OpBuilder b(root);
    Type elementType =
        cast<ShapedType>(root->getResult(0).getType()).getElementType();
    Value product =
        build(b, root->getLoc(), chain, order, 0, n - 1, elementType);
    IRRewriter rewriter(root->getContext());
    rewriter.replaceAllUsesWith(root->getResult(0), product);
    // The old products (root first) are dead now, inner ones once the root
    // is gone; their fills and empty tensors go with them.
    for (Operation *op : chain.products) {
      Operation *fill =
          cast<linalg::LinalgOp>(op).getDpsInits()[0].getDefiningOp();
      rewriter.eraseOp(op);
      if (!fill->use_empty())
        continue;
      Operation *empty =
          cast<linalg::FillOp>(fill).getOutputs()[0].getDefiningOp();
      rewriter.eraseOp(fill);
      if (isa_and_nonnull<tensor::EmptyOp>(empty) && empty->use_empty())
        rewriter.eraseOp(empty);
    }
    ++numReordered;
  }
};

} // namespace
