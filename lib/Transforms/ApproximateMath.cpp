//===- ApproximateMath.cpp - Polynomial exp and log1p ------------*- C++
//-*-===//
//
// The decays of every op are exps in the innermost loops; libm calls there
// block vectorization. MLIR's polynomial approximations do not.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::linea {
#define GEN_PASS_DEF_APPROXIMATEMATHPASS
#include "linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {
struct ApproximateMathPass
    : public linea::impl::ApproximateMathPassBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
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
