//===- ApproximateMath.cpp - Polynomial exp and log1p ------------*- C++
//-*-===//
//
// The decays of every op are exps in the innermost loops; libm calls there
// block vectorization. MLIR's polynomial approximations do not.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::linea {
#define GEN_PASS_DEF_APPROXIMATEMATHPASS
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {
/// floor(x) from integer conversions: t = trunc(x), minus one where t > x.
/// |x| >= 2^23 is integral already (and outside the conversion's range).
struct ExpandFloor : public OpRewritePattern<math::FloorOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::FloorOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    Location loc = op.getLoc();
    Type intType = rewriter.getI32Type();
    if (auto vec = dyn_cast<VectorType>(type))
      intType = vec.clone(intType);
    auto constant = [&](double v) -> Value {
      Attribute attr = rewriter.getF32FloatAttr(v);
      if (auto vec = dyn_cast<VectorType>(type))
        attr = DenseElementsAttr::get(vec, attr);
      return arith::ConstantOp::create(rewriter, loc, type,
                                       cast<TypedAttr>(attr));
    };
    Value x = op.getOperand();
    Value t = arith::SIToFPOp::create(
        rewriter, loc, type, arith::FPToSIOp::create(rewriter, loc, intType, x));
    Value above = arith::CmpFOp::create(rewriter, loc,
                                        arith::CmpFPredicate::OGT, t, x);
    Value down = arith::SelectOp::create(
        rewriter, loc, above, arith::SubFOp::create(rewriter, loc, t, constant(1.0)),
        t);
    // Two compares, not |x|: fabs would be a libdevice call too.
    Value small = arith::AndIOp::create(
        rewriter, loc,
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLT, x,
                              constant(8388608.0)),
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, x,
                              constant(-8388608.0)));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, small, down, x);
    return success();
  }
};

struct ApproximateMathPass
    : public linea::impl::ApproximateMathPassBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (expandFloor)
      patterns.add<ExpandFloor>(&getContext());
    bool all = allFunctions;
    populateMathPolynomialApproximationPatterns(patterns, [all](StringRef name) {
      // log1p expands into log, which must be approximated too.
      return all || name == math::ExpOp::getOperationName() ||
             name == math::Log1pOp::getOperationName() ||
             name == math::LogOp::getOperationName();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
