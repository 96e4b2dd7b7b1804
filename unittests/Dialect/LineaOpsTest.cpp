//===- LineaOpsTest.cpp - C++ API of the linea ops -----------------------===//
//
// What lit cannot reach: building ops from C++ with inferred result types,
// the diagnostics a builder gets for bad operands, the recurrence interface
// and the default scale.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::linea;

namespace {

class LineaOpsTest : public ::testing::Test {
protected:
  LineaOpsTest() : builder(&ctx) {
    ctx.loadDialect<LineaDialect, func::FuncDialect, tensor::TensorDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A fresh SSA value of type `type` (a tensor.empty).
  Value value(ArrayRef<int64_t> shape, Type elt = nullptr) {
    auto type = RankedTensorType::get(shape, elt ? elt : builder.getF32Type());
    return tensor::EmptyOp::create(builder, builder.getUnknownLoc(), shape,
                                   type.getElementType());
  }

  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(LineaOpsTest, LinearAttentionInfersOutputAndState) {
  Value q = value({2, 16, 2, 8}), k = value({2, 16, 2, 8});
  Value v = value({2, 16, 4, 32});
  OperationState state(builder.getUnknownLoc(),
                       LinearAttentionOp::getOperationName());
  SmallVector<Type> types;
  LinearAttentionOp::Properties props;
  props.with_final_state = builder.getUnitAttr();
  props.operandSegmentSizes = {1, 1, 1, 0, 0};
  LinearAttentionOp::populateDefaultProperties(state.name, props);
  ASSERT_TRUE(succeeded(LinearAttentionOp::inferReturnTypes(
      &ctx, builder.getUnknownLoc(), ValueRange{q, k, v}, nullptr,
      OpaqueProperties(&props), {}, types)));
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(types[0], v.getType());
  EXPECT_EQ(types[1],
            RankedTensorType::get({2, 4, 8, 32}, builder.getF32Type()));
}

TEST_F(LineaOpsTest, BuilderGetsConstraintDiagnostic) {
  Value q = value({1, 8, 2, 4}), k = value({1, 8, 2, 4});
  Value v = value({1, 8, 3, 4}); // H = 3 is not a multiple of Hk = 2.
  std::string message;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  LinearAttentionOp::Properties props;
  props.operandSegmentSizes = {1, 1, 1, 0, 0};
  SmallVector<Type> types;
  EXPECT_TRUE(failed(LinearAttentionOp::inferReturnTypes(
      &ctx, builder.getUnknownLoc(), ValueRange{q, k, v}, nullptr,
      OpaqueProperties(&props), {}, types)));
  EXPECT_EQ(message, "C3: 'v' needs H (3) divisible by Hk (2)");
}

TEST_F(LineaOpsTest, DefaultScaleIsInverseSqrtKeyDim) {
  Value q = value({1, 4, 1, 16}), v = value({1, 4, 1, 8});
  auto op = LinearAttentionOp::create(
      builder, builder.getUnknownLoc(), q, q, v, /*gate=*/nullptr,
      /*initial_state=*/nullptr, /*cu_seqlens=*/nullptr, /*causal=*/true,
      /*normalize=*/false, FeatureMap::identity, /*scale=*/nullptr,
      /*decay=*/nullptr, Form::auto_,
      /*chunk_size=*/nullptr, /*with_final_state=*/false);
  ASSERT_TRUE(succeeded(verify(op)));
  EXPECT_FLOAT_EQ(op.getScaleOrDefault(), 0.25f);
  op.setScaleAttr(builder.getF32FloatAttr(2.0f));
  EXPECT_FLOAT_EQ(op.getScaleOrDefault(), 2.0f);
}

TEST_F(LineaOpsTest, InterfaceExposesFormAndState) {
  Value k = value({1, 8, 16}), w = value({16});
  Value s0 = value({1, 3, 16});
  auto op = Wkv4Op::create(builder, builder.getUnknownLoc(), w, w, k, k, s0,
                           nullptr, Form::scan, /*chunk_size=*/nullptr,
                           /*with_final_state=*/true);
  ASSERT_TRUE(succeeded(verify(op)));
  auto iface = cast<RecurrenceOpInterface>(op.getOperation());
  EXPECT_EQ(iface.getEvaluationForm(), Form::scan);
  EXPECT_EQ(iface.getInitialStateValue(), s0);
  ASSERT_TRUE(iface.getFinalStateValue());
  EXPECT_EQ(iface.getFinalStateValue().getType(), s0.getType());
  iface.setEvaluationForm(Form::recurrent);
  EXPECT_EQ(op.getForm(), Form::recurrent);
  EXPECT_FALSE(iface.getChunkSizeValue().has_value());
}

TEST_F(LineaOpsTest, SupportedForms) {
  EXPECT_TRUE(LinearAttentionOp::supportsForm(Form::quadratic));
  EXPECT_FALSE(LinearAttentionOp::supportsForm(Form::scan));
  EXPECT_TRUE(SelectiveScanOp::supportsForm(Form::scan));
  EXPECT_FALSE(SelectiveScanOp::supportsForm(Form::quadratic));
  EXPECT_TRUE(Wkv4Op::supportsForm(Form::scan));
  EXPECT_FALSE(Wkv4Op::supportsForm(Form::chunked));
  EXPECT_TRUE(Wkv6Op::supportsForm(Form::chunked));
  EXPECT_FALSE(Wkv7Op::supportsForm(Form::quadratic));
}

TEST_F(LineaOpsTest, FormsComeFromTheTable) {
  // supportsForm is `auto` or a form of the ODS table of some target.
  for (Form form : {Form::quadratic, Form::chunked, Form::recurrent,
                    Form::scan}) {
    bool inTable =
        llvm::is_contained(Wkv6Op::getImplementedForms(TargetKind::CPU),
                           form) ||
        llvm::is_contained(Wkv6Op::getImplementedForms(TargetKind::GPU), form);
    EXPECT_EQ(Wkv6Op::supportsForm(form), inTable);
  }
  EXPECT_TRUE(Wkv6Op::supportsForm(Form::auto_));
  EXPECT_FALSE(llvm::is_contained(
      LinearAttentionOp::getImplementedForms(TargetKind::GPU), Form::auto_));
}

TEST_F(LineaOpsTest, SignatureOfGroupedGatedAttention) {
  // Hk = 2 query/key heads shared by H = 4 value heads, a gate per key.
  Value q = value({2, 16, 2, 8}), v = value({2, 16, 4, 32});
  Value gate = value({2, 16, 4, 8});
  auto op = LinearAttentionOp::create(
      builder, builder.getUnknownLoc(), q, q, v, gate, nullptr, nullptr,
      /*causal=*/true, /*normalize=*/false, FeatureMap::identity, nullptr,
      nullptr, Form::auto_, nullptr, false);
  RecurrenceSignature sig =
      cast<RecurrenceOpInterface>(op.getOperation()).getRecurrenceSignature();
  EXPECT_EQ(sig.slices, (SmallVector<int64_t, 2>{2, 4}));
  EXPECT_EQ(sig.tokens, 16);
  EXPECT_EQ(sig.keyDim, 8);
  EXPECT_EQ(sig.valueDim, 32);
  EXPECT_EQ(sig.groups, 2);
  EXPECT_EQ(sig.decay, DecayKind::perKey);
  EXPECT_EQ(sig.decayWidth(), 8);
  EXPECT_EQ(sig.readout, Readout::afterUpdate);
  EXPECT_FALSE(sig.rankOne);
  EXPECT_TRUE(sig.activation.isF32());
  EXPECT_TRUE(sig.hasStaticShape());
  EXPECT_EQ(sig.numSlices(), 8);

  // Non-causal, normalized, with a constant decay only: C7 forbids decays
  // without causality, so only the read-out and normalization are checked.
  auto plain = LinearAttentionOp::create(
      builder, builder.getUnknownLoc(), q, q, v, nullptr, nullptr, nullptr,
      /*causal=*/false, /*normalize=*/true, FeatureMap::identity, nullptr,
      nullptr, Form::auto_, nullptr, false);
  RecurrenceSignature p = cast<RecurrenceOpInterface>(plain.getOperation())
                              .getRecurrenceSignature();
  EXPECT_EQ(p.readout, Readout::final);
  EXPECT_FALSE(p.causal());
  EXPECT_TRUE(p.normalized);
  EXPECT_EQ(p.decay, DecayKind::none);
}

TEST_F(LineaOpsTest, SignaturesOfTheOtherOps) {
  // selective_scan: a slice per (batch, channel), N x 1 states.
  Value u = value({1, 6, 10}, builder.getBF16Type()), a = value({6, 4});
  Value bm = value({1, 3, 4, 10}, builder.getBF16Type());
  auto ss = SelectiveScanOp::create(builder, builder.getUnknownLoc(), u, u, a,
                                    bm, bm, nullptr, nullptr, nullptr, nullptr,
                                    false, Form::auto_, nullptr, false);
  RecurrenceSignature s =
      cast<RecurrenceOpInterface>(ss.getOperation()).getRecurrenceSignature();
  EXPECT_EQ(s.slices, (SmallVector<int64_t, 2>{1, 6}));
  EXPECT_EQ(s.tokens, 10);
  EXPECT_EQ(s.keyDim, 4);
  EXPECT_EQ(s.valueDim, 1);
  EXPECT_EQ(s.groups, 2);
  EXPECT_EQ(s.decay, DecayKind::perKey);
  EXPECT_TRUE(s.activation.isBF16());

  // wkv4: a scalar ratio per channel, read before the update with a bonus.
  Value k = value({2, 8, 16}), w = value({16});
  auto w4 = Wkv4Op::create(builder, builder.getUnknownLoc(), w, w, k, k,
                           nullptr, nullptr, Form::auto_, nullptr, false);
  RecurrenceSignature s4 =
      cast<RecurrenceOpInterface>(w4.getOperation()).getRecurrenceSignature();
  EXPECT_EQ(s4.slices, (SmallVector<int64_t, 2>{2, 16}));
  EXPECT_EQ(s4.keyDim * s4.valueDim, 1);
  EXPECT_EQ(s4.decay, DecayKind::constant);
  EXPECT_TRUE(s4.hasBonus());
  EXPECT_TRUE(s4.normalized && s4.runningMax);

  // wkv6 and wkv7: S x S heads, per-key decays; wkv6 a bonus, wkv7 a
  // rank-one term.
  Value r = value({1, ShapedType::kDynamic, 2, 16}), bonus = value({2, 16});
  auto w6 =
      Wkv6Op::create(builder, builder.getUnknownLoc(), r, r, r, r, bonus,
                     nullptr, nullptr, nullptr, Form::auto_, nullptr, false);
  RecurrenceSignature s6 =
      cast<RecurrenceOpInterface>(w6.getOperation()).getRecurrenceSignature();
  EXPECT_TRUE(s6.hasBonus());
  EXPECT_FALSE(s6.rankOne);
  EXPECT_TRUE(ShapedType::isDynamic(s6.tokens));
  EXPECT_FALSE(s6.hasStaticShape());
  auto w7 =
      Wkv7Op::create(builder, builder.getUnknownLoc(), r, r, r, r, r, r,
                     nullptr, nullptr, nullptr, Form::auto_, nullptr, false);
  RecurrenceSignature s7 =
      cast<RecurrenceOpInterface>(w7.getOperation()).getRecurrenceSignature();
  EXPECT_EQ(s7.readout, Readout::afterUpdate);
  EXPECT_TRUE(s7.rankOne);
  EXPECT_EQ(s7.decayWidth(), 16);
  // wkv7 with one receptance head per two heads (the gated delta rule's
  // shared queries): groups of 2.
  Value r1 = value({1, 8, 1, 16}), w2 = value({1, 8, 2, 16});
  auto grouped =
      Wkv7Op::create(builder, builder.getUnknownLoc(), r1, w2, w2, w2, w2, w2,
                     nullptr, nullptr, nullptr, Form::auto_, nullptr, false);
  ASSERT_TRUE(succeeded(verify(grouped)));
  EXPECT_EQ(cast<RecurrenceOpInterface>(grouped.getOperation())
                .getRecurrenceSignature()
                .groups,
            2);
}

TEST_F(LineaOpsTest, SignatureOfTheGatedDeltaRule) {
  // Qwen3-Next's grouping (2 value heads per query/key head), one gate per
  // head: the rank-one recurrence with per-token decays.
  Value q = value({1, 8, 2, 16}), v = value({1, 8, 4, 32});
  Value beta = value({1, 8, 4});
  auto op = GatedDeltaOp::create(builder, builder.getUnknownLoc(), q, q, v,
                                 beta, beta, nullptr, nullptr, nullptr, nullptr,
                                 false, nullptr, Form::auto_, nullptr, false);
  ASSERT_TRUE(succeeded(verify(op)));
  RecurrenceSignature sig =
      cast<RecurrenceOpInterface>(op.getOperation()).getRecurrenceSignature();
  EXPECT_EQ(sig.slices, (SmallVector<int64_t, 2>{1, 4}));
  EXPECT_EQ(sig.keyDim, 16);
  EXPECT_EQ(sig.valueDim, 32);
  EXPECT_EQ(sig.groups, 2);
  EXPECT_EQ(sig.decay, DecayKind::perToken);
  EXPECT_TRUE(sig.rankOne);
  EXPECT_EQ(sig.readout, Readout::afterUpdate);
  EXPECT_FLOAT_EQ(op.getScaleOrDefault(), 0.25f);
  EXPECT_TRUE(GatedDeltaOp::supportsForm(Form::chunked));
  EXPECT_FALSE(GatedDeltaOp::supportsForm(Form::scan));
}

TEST_F(LineaOpsTest, SignatureOfSsd) {
  // Nemotron-H's grouping (heads in 2 groups of B and C) at a small size:
  // grouped linear attention over [N, P] states with one decay per token.
  Value x = value({1, 8, 4, 16}), dt = value({1, 8, 4}), A = value({4});
  Value bc = value({1, 8, 2, 32});
  auto op = SsdOp::create(builder, builder.getUnknownLoc(), x, dt, A, bc, bc,
                          nullptr, nullptr, nullptr, nullptr, nullptr, true,
                          nullptr, Form::auto_, nullptr, false);
  ASSERT_TRUE(succeeded(verify(op)));
  RecurrenceSignature sig =
      cast<RecurrenceOpInterface>(op.getOperation()).getRecurrenceSignature();
  EXPECT_EQ(sig.slices, (SmallVector<int64_t, 2>{1, 4}));
  EXPECT_EQ(sig.tokens, 8);
  EXPECT_EQ(sig.keyDim, 32);
  EXPECT_EQ(sig.valueDim, 16);
  EXPECT_EQ(sig.groups, 2);
  EXPECT_EQ(sig.decay, DecayKind::perToken);
  EXPECT_FALSE(sig.rankOne);
  EXPECT_EQ(sig.readout, Readout::afterUpdate);
  EXPECT_TRUE(SsdOp::supportsForm(Form::quadratic));
  EXPECT_FALSE(SsdOp::supportsForm(Form::scan));
}

TEST_F(LineaOpsTest, EnumsRoundTripThroughStrings) {
  EXPECT_EQ(stringifyForm(Form::auto_), "auto");
  EXPECT_EQ(symbolizeForm("chunked"), Form::chunked);
  EXPECT_EQ(symbolizeFeatureMap("elu_plus_one"), FeatureMap::elu_plus_one);
  EXPECT_FALSE(symbolizeFeatureMap("softmax").has_value());
}

TEST_F(LineaOpsTest, CanonicalizationDropsUnusedState) {
  auto func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                   builder.getFunctionType({}, {}));
  builder.setInsertionPointToStart(func.addEntryBlock());
  Value r = value({1, 4, 2, 8}), u = value({2, 8});
  auto op =
      Wkv6Op::create(builder, builder.getUnknownLoc(), r, r, r, r, u,
                     /*initial_state=*/nullptr, /*cu_seqlens=*/nullptr,
                     /*scale=*/nullptr, Form::recurrent, /*chunk_size=*/nullptr,
                     /*with_final_state=*/true);
  // Keep the output alive so that only the state is dead.
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  func.setType(builder.getFunctionType({}, {op.getOutput().getType()}));
  func.getBody().front().getTerminator()->setOperands(op.getOutput());
  RewritePatternSet patterns(&ctx);
  ctx.getLoadedDialect<LineaDialect>()->getCanonicalizationPatterns(patterns);
  ASSERT_TRUE(succeeded(applyPatternsGreedily(func, std::move(patterns))));
  auto ops = llvm::to_vector(func.getOps<Wkv6Op>());
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops.front()->getNumResults(), 1u);
  EXPECT_FALSE(ops.front().getWithFinalState());
  EXPECT_EQ(ops.front().getForm(), Form::recurrent);
}

} // namespace
