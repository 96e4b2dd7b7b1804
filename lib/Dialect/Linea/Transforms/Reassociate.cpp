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

namespace {

/// Whether `init` is a tensor filled with zero.
bool isZeroFilled(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// The loop dimensions `map` reads, in order (nullopt unless all are dims).
std::optional<SmallVector<unsigned>> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults()) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    dims.push_back(d.getPosition());
  }
  return dims;
}

/// `v` with the value-preserving casts between a block argument and its use
/// looked through (widening float and integer-to-float conversions).
Value throughCasts(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<arith::ExtFOp, arith::SIToFPOp, arith::UIToFPOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// Whether the body is `yield acc + a * b`, with `a` and `b` the two input
/// arguments (either order, through casts) and `acc` the output's. Upstream's
/// `isaContractionOpInterface` looks through any side-effect-free unary op
/// around the multiply and the add, so `acc + tanh(a) * b` (what elementwise
/// fusion makes of `tanh(Q K^T) V`) would pass for a product and lose its
/// tanh when reordered: anything but the plain multiply-add is no product.
bool isPlainMultiplyAdd(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3)
    return false;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield->getNumOperands() != 1)
    return false;
  auto add = yield->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  Value x = throughCasts(mul.getLhs()), y = throughCasts(mul.getRhs());
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (x == a && y == b) || (x == b && y == a);
}

} // namespace

std::optional<linea::ProductShape> mlir::linea::matchProduct(Operation *op) {
  auto lin = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!lin || !lin.hasPureTensorSemantics() || lin.getNumDpsInputs() != 2 ||
      lin.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(lin) ||
      !isPlainMultiplyAdd(lin) ||
      !isZeroFilled(lin.getDpsInits()[0]))
    return std::nullopt;
  Type elt = getElementTypeOrSelf(op->getResult(0).getType());
  if (!isa<FloatType>(elt))
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!cast<ShapedType>(v.getType()).hasStaticShape() ||
        getElementTypeOrSelf(v.getType()) != elt)
      return std::nullopt;
  // Loops: one reduction k; the output reads (batch,) m, n in order.
  SmallVector<AffineMap> maps = lin.getIndexingMapsArray();
  std::optional<SmallVector<unsigned>> a = dimsOf(maps[0]), b = dimsOf(maps[1]),
                                       out = dimsOf(maps[2]);
  SmallVector<utils::IteratorType> iterators = lin.getIteratorTypesArray();
  if (!a || !b || !out || (out->size() != 2 && out->size() != 3) ||
      iterators.size() != out->size() + 1 ||
      llvm::count(iterators, utils::IteratorType::reduction) != 1)
    return std::nullopt;
  unsigned k = std::find(iterators.begin(), iterators.end(),
                         utils::IteratorType::reduction) -
               iterators.begin();
  ProductShape p;
  p.batched = out->size() == 3;
  SmallVector<unsigned> lead(out->begin(), out->end() - 2);
  unsigned m = (*out)[out->size() - 2], n = out->back();
  // An operand's map: [batch] (absent: broadcast) then its two matrix dims.
  auto layout = [&](ArrayRef<unsigned> dims, unsigned rows, unsigned cols,
                    bool &transposed, bool &broadcast) {
    broadcast = p.batched && dims.size() == 2;
    ArrayRef<unsigned> matrix = dims.take_back(2);
    if (dims.size() != (broadcast ? 2u : lead.size() + 2) ||
        (!broadcast && p.batched && dims.front() != lead.front()))
      return false;
    transposed = matrix[0] == cols && matrix[1] == rows;
    return transposed || (matrix[0] == rows && matrix[1] == cols);
  };
  if (!layout(*a, m, k, p.transposeA, p.broadcastA) ||
      !layout(*b, k, n, p.transposeB, p.broadcastB))
    return std::nullopt;
  SmallVector<int64_t> ranges = lin.getStaticLoopRanges();
  p.m = ranges[m], p.n = ranges[n], p.k = ranges[k];
  if (p.batched)
    p.batch = ranges[lead.front()];
  return p;
}

bool mlir::linea::isPureProduct(Operation *op) {
  std::optional<ProductShape> p = matchProduct(op);
  return p && isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) &&
         !p->transposeA && !p->transposeB && !p->broadcastA && !p->broadcastB;
}

namespace {

using linea::matchProduct;
using linea::ProductShape;

/// A factor of a chain: `value`, or its transpose; in a batched chain, a
/// matrix without the batch dimension is broadcast over it.
struct Factor {
  Value value;
  bool transposed = false, broadcast = false;
};

/// A chain A1 * A2 * ... * An: its factors, the products that compute it
/// now, and the dimensions p0..pn (Ai is p_{i-1} x p_i, after the batch).
struct Chain {
  SmallVector<Factor> leaves;
  SmallVector<Operation *> products;
  SmallVector<int64_t> dims;
  int64_t batch = 1;
  bool batched = false;
};

/// Appends the factors of `f` to the chain: a product computed only for
/// this chain (one use, same batching) is expanded into its own factors;
/// its transpose into theirs, reversed and transposed.
void collect(const Factor &f, Operation *root, Chain &chain) {
  Operation *def = f.value.getDefiningOp();
  std::optional<ProductShape> p = def ? matchProduct(def) : std::nullopt;
  bool inner = p && p->batched == chain.batched && !f.broadcast &&
               f.value.hasOneUse();
  if (def != root && !inner) {
    chain.leaves.push_back(f);
    return;
  }
  chain.products.push_back(def);
  auto op = cast<linalg::LinalgOp>(def);
  Factor a{op.getDpsInputs()[0], p->transposeA, p->broadcastA};
  Factor b{op.getDpsInputs()[1], p->transposeB, p->broadcastB};
  if (f.transposed) {
    // (op(A) op(B))^T = op(B)^T op(A)^T.
    a.transposed = !a.transposed;
    b.transposed = !b.transposed;
    std::swap(a, b);
  }
  collect(a, root, chain);
  collect(b, root, chain);
}

/// Multiply-adds of the products as they stand.
int64_t currentCost(const Chain &chain) {
  int64_t cost = 0;
  for (Operation *op : chain.products) {
    ProductShape p = *matchProduct(op);
    cost += p.batch * p.m * p.k * p.n;
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

/// op(lhs) op(rhs) into a zero-filled [batch,] m x n tensor: a named matmul
/// when neither factor is transposed or broadcast, else a generic
/// multiply-add whose maps read them as they are stored.
Value multiply(OpBuilder &b, Location loc, const Chain &chain,
               const Factor &lhs, const Factor &rhs, int64_t m, int64_t n,
               Type elementType) {
  SmallVector<int64_t> shape;
  if (chain.batched)
    shape.push_back(chain.batch);
  shape.append({m, n});
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  bool plain = !lhs.transposed && !rhs.transposed && !lhs.broadcast &&
               !rhs.broadcast;
  if (plain && chain.batched)
    return linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                         ValueRange{lhs.value, rhs.value}, init)
        .getResult(0);
  if (plain)
    return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                    ValueRange{lhs.value, rhs.value}, init)
        .getResult(0);
  // Loops (batch,) i, j, r: out[i, j] += op(lhs)[i, r] op(rhs)[r, j].
  MLIRContext *ctx = b.getContext();
  unsigned lead = chain.batched ? 1 : 0;
  AffineExpr bd = getAffineDimExpr(0, ctx), i = getAffineDimExpr(lead, ctx),
             j = getAffineDimExpr(lead + 1, ctx),
             r = getAffineDimExpr(lead + 2, ctx);
  auto map = [&](const Factor *f, AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> results;
    if (chain.batched && !(f && f->broadcast))
      results.push_back(bd);
    if (f && f->transposed)
      std::swap(row, col);
    results.append({row, col});
    return AffineMap::get(lead + 3, 0, results, ctx);
  };
  SmallVector<AffineMap> maps = {map(&lhs, i, r), map(&rhs, r, j),
                                 map(nullptr, i, j)};
  SmallVector<utils::IteratorType> iterators(lead + 2,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()},
             ValueRange{lhs.value, rhs.value}, ValueRange{init}, maps,
             iterators,
             [](OpBuilder &nb, Location l, ValueRange args) {
               Value prod = arith::MulFOp::create(nb, l, args[0], args[1]);
               linalg::YieldOp::create(
                   nb, l, ValueRange{arith::AddFOp::create(nb, l, args[2],
                                                           prod)});
             })
      .getResult(0);
}

/// Emits the product of leaves i..j in the order `order` prescribes.
Factor build(OpBuilder &b, Location loc, const Chain &chain,
             const Order &order, size_t i, size_t j, Type elementType) {
  if (i == j)
    return chain.leaves[i];
  size_t s = order.split[i][j];
  Factor lhs = build(b, loc, chain, order, i, s, elementType);
  Factor rhs = build(b, loc, chain, order, s + 1, j, elementType);
  return {multiply(b, loc, chain, lhs, rhs, chain.dims[i], chain.dims[j + 1],
                   elementType)};
}

/// Whether the result of product `op` is a factor of a bigger chain: read
/// once, as an input that is neither broadcast, by a product batched alike.
bool feedsAnotherProduct(Operation *op, const ProductShape &p) {
  Value result = op->getResult(0);
  if (!result.hasOneUse())
    return false;
  OpOperand &use = *result.getUses().begin();
  std::optional<ProductShape> user = matchProduct(use.getOwner());
  if (!user || user->batched != p.batched || use.getOperandNumber() > 1)
    return false;
  return use.getOperandNumber() == 0 ? !user->broadcastA : !user->broadcastB;
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
    // Roots: products not themselves factors of a bigger chain.
    SmallVector<Operation *> roots;
    getOperation()->walk([&](Operation *op) {
      std::optional<ProductShape> p = matchProduct(op);
      if (p && !feedsAnotherProduct(op, *p))
        roots.push_back(op);
    });
    for (Operation *root : roots)
      reorder(root);
  }

  void reorder(Operation *root) {
    Chain chain;
    ProductShape rootShape = *matchProduct(root);
    chain.batched = rootShape.batched;
    chain.batch = rootShape.batch;
    collect(Factor{root->getResult(0)}, root, chain);
    if (chain.leaves.size() < 3)
      return;
    for (auto [index, leaf] : llvm::enumerate(chain.leaves)) {
      ArrayRef<int64_t> shape =
          cast<ShapedType>(leaf.value.getType()).getShape();
      int64_t rows = shape[shape.size() - 2], cols = shape.back();
      if (leaf.transposed)
        std::swap(rows, cols);
      if (index == 0)
        chain.dims.push_back(rows);
      chain.dims.push_back(cols);
    }
    Order order = bestOrder(chain);
    size_t n = chain.leaves.size();
    if (order.cost[0][n - 1] >= currentCost(chain))
      return;
    OpBuilder b(root);
    Type elementType =
        cast<ShapedType>(root->getResult(0).getType()).getElementType();
    Value product =
        build(b, root->getLoc(), chain, order, 0, n - 1, elementType).value;
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
