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
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"
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

/// A mask given by its entries `at(i, j)`: a constant s everywhere (a
/// scale), or s gamma^(i-j) on and below the diagonal and 0 above it (a
/// causal, possibly decayed, scaled mask); anything else (strictly lower,
/// anti-causal, other patterns) is not attention this pass knows.
LogicalResult analyzeMask(llvm::function_ref<double(int64_t, int64_t)> at,
                          int64_t n, ScoreSteps &steps) {
  double s = at(0, 0);
  if (!std::isfinite(s) || s == 0.0)
    return failure();
  auto near = [](double got, double want) {
    return std::abs(got - want) <= 1e-6 * std::max(1.0, std::abs(want));
  };
  bool causal = n > 1 && at(0, 1) == 0.0;
  if (!causal) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (!near(at(i, j), s))
          return failure();
    steps.scale *= s;
    return success();
  }
  if (steps.causal)
    return failure();
  double gamma = at(1, 0) / s;
  if (!(gamma > 0.0 && gamma <= 1.0))
    return failure();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double want =
          j > i ? 0.0 : s * std::pow(gamma, static_cast<double>(i - j));
      if (!near(at(i, j), want))
        return failure();
    }
  steps.causal = true;
  steps.scale *= s;
  if (gamma != 1.0)
    steps.logDecay = std::log(gamma);
  return success();
}

LogicalResult analyzeMask(DenseElementsAttr mask, int64_t n,
                          ScoreSteps &steps) {
  auto values = llvm::to_vector(mask.getValues<APFloat>());
  if (static_cast<int64_t>(values.size()) != n * n)
    return failure();
  return analyzeMask(
      [&](int64_t i, int64_t j) { return values[i * n + j].convertToDouble(); },
      n, steps);
}

/// The most (i, j) pairs an index-built mask is evaluated at: every entry
/// is checked, so larger scores stay as they are (correct, quadratic).
constexpr int64_t kMaxMaskEntries = int64_t(1) << 20;

/// A body `in * c(i, j)`, where c is any computation on the indices i, j of
/// the last two loop dimensions and constants (a tril by cmpi and select or
/// by multiplication with the comparison, gamma^(i - j) by powf, fpowi or
/// exp of a scaled difference, scales on either side): evaluated at every
/// (i, j), so that analyzeMask sees its entries however it is spelled. Each
/// value is classified once as depending on `in` (linearly: its coefficient
/// is evaluated) or on the indices only; anything else (a nonlinear use of
/// `in`, another input, another loop index) is no mask.
class IndexMask {
public:
  static std::optional<IndexMask> analyze(linalg::GenericOp g) {
    Block &body = g.getRegion().front();
    IndexMask mask;
    mask.rank = g.getNumLoops();
    mask.in = body.getArgument(0);
    for (Value arg : body.getArguments().drop_front())
      if (!arg.use_empty())
        return std::nullopt;
    mask.linear.insert(mask.in);
    for (Operation &op : body.without_terminator()) {
      if (op.getNumResults() != 1 || op.getNumRegions() != 0)
        return std::nullopt;
      // Values from outside the body must be constants (a runtime value
      // would make the mask data-dependent).
      for (Value operand : op.getOperands()) {
        if (operand.getParentBlock() == &body)
          continue;
        Attribute attr;
        if (!matchPattern(operand, m_Constant(&attr)))
          return std::nullopt;
        if (auto f = dyn_cast<FloatAttr>(attr))
          mask.outside[operand] = f.getValueAsDouble();
        else if (auto n = dyn_cast<IntegerAttr>(attr))
          mask.outside[operand] = double(n.getValue().getSExtValue());
        else
          return std::nullopt;
      }
      bool anyLinear = llvm::any_of(op.getOperands(), [&](Value v) {
        return mask.linear.contains(v);
      });
      if (!anyLinear) {
        if (!isIndexOnly(op, mask.rank))
          return std::nullopt;
        continue;
      }
      // Ops through which a value stays linear in `in`.
      bool ok = TypeSwitch<Operation *, bool>(&op)
                    .Case<arith::MulFOp>([&](auto mul) {
                      return !(mask.linear.contains(mul.getLhs()) &&
                               mask.linear.contains(mul.getRhs()));
                    })
                    .Case<arith::DivFOp>([&](auto div) {
                      return !mask.linear.contains(div.getRhs());
                    })
                    .Case<arith::SelectOp>([&](auto select) {
                      return !mask.linear.contains(select.getCondition());
                    })
                    .Case<arith::AddFOp, arith::SubFOp, arith::NegFOp,
                          arith::ExtFOp, arith::TruncFOp>(
                        [](auto) { return true; })
                    .Default([](Operation *) { return false; });
      if (!ok)
        return std::nullopt;
      mask.linear.insert(op.getResult(0));
    }
    Value result = body.getTerminator()->getOperand(0);
    if (!mask.linear.contains(result))
      return std::nullopt;
    mask.body = &body;
    return mask;
  }

  /// c(i, j), or nullopt where the body is not linear there (an index-only
  /// value added to, or selected instead of, a multiple of `in`).
  std::optional<double> coefficient(int64_t i, int64_t j) const {
    llvm::DenseMap<Value, double> values = outside;
    values[in] = 1.0;
    for (Operation &op : body->without_terminator()) {
      std::optional<double> v = evaluate(op, values, i, j);
      if (!v)
        return std::nullopt;
      values[op.getResult(0)] = *v;
    }
    return values.lookup(body->getTerminator()->getOperand(0));
  }

private:
  static bool isIndexOnly(Operation &op, unsigned rank) {
    if (auto index = dyn_cast<linalg::IndexOp>(op))
      return index.getDim() + 2 >= rank;
    return isa<arith::ConstantOp, arith::SIToFPOp, arith::UIToFPOp,
               arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
               arith::ExtUIOp, arith::TruncIOp, arith::ExtFOp, arith::TruncFOp,
               arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::AddFOp,
               arith::SubFOp, arith::MulFOp, arith::DivFOp, arith::NegFOp,
               arith::CmpIOp, arith::CmpFOp, arith::SelectOp, arith::AndIOp,
               arith::OrIOp, arith::XOrIOp, math::PowFOp, math::FPowIOp,
               math::IPowIOp, math::ExpOp, math::Exp2Op, math::LogOp>(op);
  }

  std::optional<double> evaluate(Operation &op,
                                 const llvm::DenseMap<Value, double> &values,
                                 int64_t i, int64_t j) const {
    auto get = [&](unsigned n) { return values.lookup(op.getOperand(n)); };
    auto isLinear = [&](unsigned n) { return linear.contains(op.getOperand(n)); };
    // Mixing a multiple of `in` with an index-only value is linear only
    // where that value is 0.
    auto mixed = [&](unsigned a, unsigned b) {
      return isLinear(a) != isLinear(b) && (isLinear(a) ? get(b) : get(a)) != 0;
    };
    using P = arith::CmpIPredicate;
    return TypeSwitch<Operation *, std::optional<double>>(&op)
        .Case<linalg::IndexOp>([&](auto index) -> std::optional<double> {
          return double(index.getDim() + 2 == rank ? i : j);
        })
        .Case<arith::ConstantOp>([&](auto c) -> std::optional<double> {
          if (auto f = dyn_cast<FloatAttr>(c.getValue()))
            return f.getValueAsDouble();
          if (auto n = dyn_cast<IntegerAttr>(c.getValue()))
            return double(n.getValue().getSExtValue());
          return std::nullopt;
        })
        .Case<arith::SIToFPOp, arith::UIToFPOp, arith::IndexCastOp,
              arith::IndexCastUIOp, arith::ExtSIOp, arith::ExtUIOp,
              arith::TruncIOp, arith::ExtFOp, arith::TruncFOp>(
            [&](auto) -> std::optional<double> { return get(0); })
        .Case<arith::AddIOp, arith::AddFOp>(
            [&](auto) -> std::optional<double> {
              if (mixed(0, 1))
                return std::nullopt;
              return get(0) + get(1);
            })
        .Case<arith::SubIOp, arith::SubFOp>(
            [&](auto) -> std::optional<double> {
              if (mixed(0, 1))
                return std::nullopt;
              return get(0) - get(1);
            })
        .Case<arith::MulIOp, arith::MulFOp>(
            [&](auto) -> std::optional<double> { return get(0) * get(1); })
        .Case<arith::DivFOp>([&](auto) -> std::optional<double> {
          if (get(1) == 0.0)
            return std::nullopt;
          return get(0) / get(1);
        })
        .Case<arith::NegFOp>(
            [&](auto) -> std::optional<double> { return -get(0); })
        .Case<arith::AndIOp>([&](auto) -> std::optional<double> {
          return double(get(0) != 0 && get(1) != 0);
        })
        .Case<arith::OrIOp>([&](auto) -> std::optional<double> {
          return double(get(0) != 0 || get(1) != 0);
        })
        .Case<arith::XOrIOp>([&](auto) -> std::optional<double> {
          return double((get(0) != 0) != (get(1) != 0));
        })
        .Case<arith::CmpIOp>([&](auto cmp) -> std::optional<double> {
          double a = get(0), b = get(1);
          switch (cmp.getPredicate()) {
          case P::eq:
            return double(a == b);
          case P::ne:
            return double(a != b);
          case P::slt:
          case P::ult:
            return double(a < b);
          case P::sle:
          case P::ule:
            return double(a <= b);
          case P::sgt:
          case P::ugt:
            return double(a > b);
          case P::sge:
          case P::uge:
            return double(a >= b);
          }
          return std::nullopt;
        })
        .Case<arith::CmpFOp>([&](auto cmp) -> std::optional<double> {
          double a = get(0), b = get(1);
          using F = arith::CmpFPredicate;
          switch (cmp.getPredicate()) {
          case F::OEQ:
          case F::UEQ:
            return double(a == b);
          case F::ONE:
          case F::UNE:
            return double(a != b);
          case F::OLT:
          case F::ULT:
            return double(a < b);
          case F::OLE:
          case F::ULE:
            return double(a <= b);
          case F::OGT:
          case F::UGT:
            return double(a > b);
          case F::OGE:
          case F::UGE:
            return double(a >= b);
          default:
            return std::nullopt;
          }
        })
        .Case<arith::SelectOp>([&](auto) -> std::optional<double> {
          unsigned chosen = get(0) != 0 ? 1 : 2;
          // A linear select picks a multiple of `in`, or 0.
          if (linear.contains(op.getResult(0)) && !isLinear(chosen) &&
              get(chosen) != 0)
            return std::nullopt;
          return get(chosen);
        })
        .Case<math::PowFOp, math::FPowIOp, math::IPowIOp>(
            [&](auto) -> std::optional<double> {
              return std::pow(get(0), get(1));
            })
        .Case<math::ExpOp>(
            [&](auto) -> std::optional<double> { return std::exp(get(0)); })
        .Case<math::Exp2Op>(
            [&](auto) -> std::optional<double> { return std::exp2(get(0)); })
        .Case<math::LogOp>(
            [&](auto) -> std::optional<double> { return std::log(get(0)); })
        .Default([](Operation *) { return std::nullopt; });
  }

  unsigned rank = 0;
  Value in;
  Block *body = nullptr;
  llvm::DenseSet<Value> linear;
  /// The constants from outside the body that it reads.
  llvm::DenseMap<Value, double> outside;
};

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

/// Peels one elementwise step applied to the scores: a scale by a constant,
/// a constant mask, or a mask computed from linalg.index. Returns the
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
  if (auto mul = dyn_cast<arith::MulFOp>(def);
      mul && g.getNumDpsInputs() == 2) {
    Value other = mul.getLhs() == in ? mul.getRhs() : mul.getLhs();
    auto arg = dyn_cast<BlockArgument>(other);
    DenseElementsAttr mask;
    if (!oneOp || (mul.getLhs() != in && mul.getRhs() != in) || !arg ||
        arg.getArgNumber() != 1 ||
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
  // A mask computed from the indices (however it is spelled), applied to
  // the scores: evaluated entry by entry.
  if (g.getNumDpsInputs() == 1 && n * n <= kMaxMaskEntries)
    if (std::optional<IndexMask> mask = IndexMask::analyze(g)) {
      bool linearEverywhere = true;
      auto at = [&](int64_t i, int64_t j) {
        std::optional<double> c = mask->coefficient(i, j);
        linearEverywhere &= c.has_value();
        return c.value_or(std::nan(""));
      };
      if (failed(analyzeMask(at, n, steps)) || !linearEverywhere)
        return failure();
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
        /*cu_seqlens=*/nullptr, steps.causal, /*normalize=*/false,
        FeatureMap::identity, rewriter.getF32FloatAttr(steps.scale),
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
