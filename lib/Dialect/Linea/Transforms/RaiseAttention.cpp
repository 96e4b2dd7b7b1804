//===- RaiseAttention.cpp - Softmax-free attention to linea ops --*- C++
//-*-===//
//
// Frontends write linear attention as products: scores = Q K^T, an optional
// scale, an optional causal (tril) or decay (gamma^(i-j)) mask, then the
// scores times V. Raised into linea.linear_attention, the same computation
// gets the recurrent and chunked forms and the form selection.
//
//===----------------------------------------------------------------------===//

#include "Products.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include <cmath>

using namespace mlir;
using namespace mlir::linea;

namespace {

/// What the steps between the scores and the product with V amount to.
struct ScoreSteps {
  double scale = 1.0;
  bool causal = false;
  std::optional<double> logDecay;
};

std::optional<double> constantScalar(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// A mask tensor: lower triangular with ones (causal) or gamma^(i-j)
/// (decay), anything else is not attention this pass knows.
LogicalResult analyzeMask(DenseElementsAttr mask, int64_t n,
                          ScoreSteps &steps) {
  if (steps.causal)
    return failure();
  auto values = llvm::to_vector(mask.getValues<APFloat>());
  if (static_cast<int64_t>(values.size()) != n * n)
    return failure();
  auto at = [&](int64_t i, int64_t j) {
    return values[i * n + j].convertToDouble();
  };
  double gamma = n > 1 ? at(1, 0) : 1.0;
  if (!(gamma > 0.0 && gamma <= 1.0))
    return failure();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double want = j > i ? 0.0 : std::pow(gamma, static_cast<double>(i - j));
      if (std::abs(at(i, j) - want) > 1e-6 * std::max(1.0, std::abs(want)))
        return failure();
    }
  steps.causal = true;
  if (gamma != 1.0)
    steps.logDecay = std::log(gamma);
  return success();
}

/// `x` as `in` times a constant: 1 for `in` itself, c for in * c (or c *
/// in), 1 / c for in / c.
std::optional<double> scaleOf(Value x, Value in) {
  if (x == in)
    return 1.0;
  if (auto mul = x.getDefiningOp<arith::MulFOp>()) {
    if (mul.getLhs() == in)
      return constantScalar(mul.getRhs());
    if (mul.getRhs() == in)
      return constantScalar(mul.getLhs());
  }
  if (auto div = x.getDefiningOp<arith::DivFOp>()) {
    std::optional<double> c = constantScalar(div.getRhs());
    if (div.getLhs() == in && c && *c != 0.0)
      return 1.0 / *c;
  }
  return std::nullopt;
}

/// Whether `cmp` (on the row index `row` and column index `col`) holds
/// exactly when row >= col.
bool keepsLowerTriangle(arith::CmpIOp cmp, Value row, Value col) {
  using P = arith::CmpIPredicate;
  P p = cmp.getPredicate();
  if (cmp.getLhs() == row && cmp.getRhs() == col)
    return p == P::sge || p == P::uge;
  if (cmp.getLhs() == col && cmp.getRhs() == row)
    return p == P::sle || p == P::ule;
  return false;
}

/// Peels one elementwise step applied to the scores: a scale by a constant,
/// a constant mask, or a tril written with linalg.index. Returns the
/// scores the step reads.
FailureOr<Value> peelStep(linalg::GenericOp g, ScoreSteps &steps, int64_t n) {
  if (g.getNumDpsInits() != 1 || g.getNumDpsInputs() < 1 ||
      g.getNumDpsInputs() > 2 ||
      llvm::any_of(g.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t != utils::IteratorType::parallel;
      }))
    return failure();
  auto maps = g.getIndexingMapsArray();
  if (!maps[0].isIdentity() || !maps.back().isIdentity())
    return failure();
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value in = body.getArgument(0);
  Value result = yield.getOperand(0);
  Operation *def = result.getDefiningOp();
  if (!def)
    return failure();
  unsigned rank = maps[0].getNumDims();
  bool oneOp = body.getOperations().size() == 2;
  // A scale: in * c, c * in or in / c.
  if (g.getNumDpsInputs() == 1 && oneOp)
    if (std::optional<double> c = scaleOf(result, in)) {
      steps.scale *= *c;
      return g.getDpsInputs()[0];
    }
  // A constant mask read through the second input: in * mask.
  if (auto mul = dyn_cast<arith::MulFOp>(def)) {
    Value other = mul.getLhs() == in ? mul.getRhs() : mul.getLhs();
    auto arg = dyn_cast<BlockArgument>(other);
    DenseElementsAttr mask;
    if (!oneOp || (mul.getLhs() != in && mul.getRhs() != in) || !arg ||
        arg.getArgNumber() != 1 || g.getNumDpsInputs() != 2 ||
        !matchPattern(g.getDpsInputs()[1], m_Constant(&mask)))
      return failure();
    AffineMap maskMap = maps[1];
    if (maskMap.getNumResults() != 2 ||
        maskMap.getResult(0) != getAffineDimExpr(rank - 2, g.getContext()) ||
        maskMap.getResult(1) != getAffineDimExpr(rank - 1, g.getContext()) ||
        failed(analyzeMask(mask, n, steps)))
      return failure();
    return g.getDpsInputs()[0];
  }
  // tril: select(row >= col, in (or a scale of it), 0) on linalg.index of
  // the last two dims.
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    std::optional<double> kept = scaleOf(select.getTrueValue(), in);
    if (steps.causal || g.getNumDpsInputs() != 1 || !kept ||
        !matchPattern(select.getFalseValue(), m_AnyZeroFloat()))
      return failure();
    auto cmp = select.getCondition().getDefiningOp<arith::CmpIOp>();
    if (!cmp)
      return failure();
    Value row, col;
    for (Operation &op : body.without_terminator())
      if (auto index = dyn_cast<linalg::IndexOp>(op)) {
        if (index.getDim() == rank - 2)
          row = index;
        else if (index.getDim() == rank - 1)
          col = index;
      }
    if (!row || !col || !keepsLowerTriangle(cmp, row, col))
      return failure();
    steps.causal = true;
    steps.scale *= *kept;
    return g.getDpsInputs()[0];
  }
  return failure();
}

/// out = (steps(Q K^T)) V  ->  linea.linear_attention(Q, K, V).
template <typename ProductOp>
struct RaiseAttention : public OpRewritePattern<ProductOp> {
  using OpRewritePattern<ProductOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ProductOp outer,
                                PatternRewriter &rewriter) const override {
    if (!isPureProduct(outer))
      return failure();
    bool batched = std::is_same_v<ProductOp, linalg::BatchMatmulOp>;
    Value scores = outer.getDpsInputs()[0], v = outer.getDpsInputs()[1];
    auto scoresType = cast<RankedTensorType>(scores.getType());
    int64_t n = scoresType.getShape().back();
    if (scoresType.getShape()[scoresType.getRank() - 2] != n)
      return rewriter.notifyMatchFailure(outer, "scores are not square");
    ScoreSteps steps;
    bool peeled = false;
    while (auto g = scores.getDefiningOp<linalg::GenericOp>()) {
      if (!scores.hasOneUse())
        return failure();
      FailureOr<Value> inner = peelStep(g, steps, n);
      if (failed(inner))
        return rewriter.notifyMatchFailure(outer, "not a scale or a mask");
      scores = *inner;
      peeled = true;
    }
    // A bare (Q K^T) V needs no linea op: reordering the chain already makes
    // it linear in the sequence length (see linea-reassociate).
    if (!peeled)
      return rewriter.notifyMatchFailure(outer, "a plain product chain");
    auto inner = scores.getDefiningOp<ProductOp>();
    if (!inner || !isPureProduct(inner) || !scores.hasOneUse())
      return rewriter.notifyMatchFailure(outer, "scores are not Q K^T");
    Value q = inner.getDpsInputs()[0], kt = inner.getDpsInputs()[1];
    Location loc = outer.getLoc();
    Type elt = getElementTypeOrSelf(q.getType());
    if (!elt.isF32() && !elt.isF16() && !elt.isBF16())
      return failure();

    // K from K^T: the transpose's input, or a new transpose.
    int64_t rank = batched ? 3 : 2;
    SmallVector<int64_t> perm =
        batched ? SmallVector<int64_t>{0, 2, 1} : SmallVector<int64_t>{1, 0};
    Value k;
    auto transpose = kt.getDefiningOp<linalg::TransposeOp>();
    if (transpose && llvm::equal(transpose.getPermutation(), perm)) {
      k = transpose.getInput();
    } else {
      auto ktType = cast<RankedTensorType>(kt.getType());
      SmallVector<int64_t> shape(ktType.getShape());
      std::swap(shape[rank - 2], shape[rank - 1]);
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, elt);
      k = linalg::TransposeOp::create(rewriter, loc, kt, empty, perm)
              .getResult()[0];
    }

    // [B, N, d] (or [N, d]) -> [B, N, 1, d]: one head.
    auto toHeads = [&](Value x) {
      auto type = cast<RankedTensorType>(x.getType());
      SmallVector<int64_t> shape(type.getShape());
      SmallVector<ReassociationIndices> groups;
      if (!batched) {
        shape.insert(shape.begin(), 1);
        groups = {{0, 1}, {2, 3}};
      } else {
        groups = {{0}, {1}, {2, 3}};
      }
      shape.insert(shape.end() - 1, 1);
      return tensor::ExpandShapeOp::create(
                 rewriter, loc, RankedTensorType::get(shape, elt), x, groups)
          .getResult();
    };
    Value q4 = toHeads(q), k4 = toHeads(k), v4 = toHeads(v);
    auto op = LinearAttentionOp::create(
        rewriter, loc, q4, k4, v4, /*gate=*/nullptr, /*initial_state=*/nullptr,
        steps.causal, /*normalize=*/false, FeatureMap::identity,
        rewriter.getF32FloatAttr(steps.scale),
        steps.logDecay ? rewriter.getDenseF32ArrayAttr(
                             {static_cast<float>(*steps.logDecay)})
                       : nullptr,
        Form::auto_, /*chunk_size=*/nullptr, /*with_final_state=*/false);
    SmallVector<ReassociationIndices> groups =
        batched ? SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}
                : SmallVector<ReassociationIndices>{{0, 1}, {2, 3}};
    Value out = tensor::CollapseShapeOp::create(
        rewriter, loc, outer.getResult(0).getType(), op.getOutput(), groups);
    rewriter.replaceOp(outer, out);
    return success();
  }
};

} // namespace

void mlir::linea::populateRaiseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention<linalg::MatmulOp>,
               RaiseAttention<linalg::BatchMatmulOp>>(patterns.getContext());
}
