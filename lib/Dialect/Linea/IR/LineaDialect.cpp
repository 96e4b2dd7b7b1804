//===- LineaDialect.cpp - The linea dialect ---------------------*- C++ -*-===//
//
// Registers the ops and attributes, and the canonicalizations that apply to
// every op alike.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/IR/LineaDialect.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::linea;

#include "linea/Dialect/Linea/IR/LineaDialect.cpp.inc"
#include "linea/Dialect/Linea/IR/LineaEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "linea/Dialect/Linea/IR/LineaAttrs.cpp.inc"

void LineaDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "linea/Dialect/Linea/IR/LineaOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "linea/Dialect/Linea/IR/LineaAttrs.cpp.inc"
      >();
}

namespace {
/// Drops a `final_state` result that nobody reads, from any linea op that
/// returns one (the recurrences, the convolution): the lowering then neither
/// allocates nor writes the state, which for long sequences is the whole
/// difference between O(state) and O(B*H*K*V) extra memory traffic.
struct DropUnusedFinalState : public RewritePattern {
  DropUnusedFinalState(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<LineaDialect>(op->getDialect()) || op->getNumResults() != 2 ||
        !op->getResult(1).use_empty() || !op->hasAttr("with_final_state"))
      return failure();
    OperationState state(op->getLoc(), op->getName());
    state.addOperands(op->getOperands());
    state.addTypes(op->getResult(0).getType());
    for (NamedAttribute attr : op->getAttrs())
      if (attr.getName() != "with_final_state")
        state.addAttribute(attr.getName(), attr.getValue());
    Operation *newOp = rewriter.create(state);
    rewriter.replaceAllUsesWith(op->getResult(0), newOp->getResult(0));
    rewriter.eraseOp(op);
    return success();
  }
};
} // namespace

void LineaDialect::getCanonicalizationPatterns(
    RewritePatternSet &results) const {
  results.add<DropUnusedFinalState>(getContext());
}
