//===- CostModelTest.cpp - The cost model of linea-select-form ------------===//
//
// Estimates and choices for ops built from C++: where the forms flip, how
// gates and targets move the flip, and what each target may choose.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/CostModel.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::linea;

namespace {

class CostModelTest : public ::testing::Test {
protected:
  CostModelTest() : builder(&ctx) {
    ctx.loadDialect<LineaDialect, tensor::TensorDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
    cpu.cores = 1;
  }

  Value value(ArrayRef<int64_t> shape) {
    return tensor::EmptyOp::create(builder, builder.getUnknownLoc(), shape,
                                   builder.getF32Type());
  }

  /// Causal linear attention, B = 1, H = 8, K = V = 64, optional gate.
  RecurrenceOpInterface attention(int64_t T, bool perKeyGate = false) {
    Value q = value({1, T, 8, 64});
    Value gate = perKeyGate ? value({1, T, 8, 64}) : Value();
    auto op = LinearAttentionOp::create(
        builder, builder.getUnknownLoc(), q, q, q, gate, nullptr, nullptr,
        /*causal=*/true, /*normalize=*/false, FeatureMap::identity, nullptr,
        nullptr, Form::auto_, nullptr, false);
    return cast<RecurrenceOpInterface>(op.getOperation());
  }

  Form choice(RecurrenceOpInterface op, const TargetDescription &target) {
    std::optional<FormEstimate> best = chooseForm(op, target);
    EXPECT_TRUE(best.has_value());
    return best ? best->form : Form::auto_;
  }

  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  TargetDescription cpu;
};

TEST_F(CostModelTest, CpuOffersWhatItLowers) {
  auto forms = estimateForms(attention(64), cpu);
  ASSERT_EQ(forms.size(), 4u);
  EXPECT_EQ(forms[0].form, Form::recurrent);
  EXPECT_EQ(forms[1].form, Form::quadratic);
  EXPECT_EQ(forms[2].form, Form::chunked);
  EXPECT_EQ(forms[2].chunkSize, 16);
  Value r = value({1, 64, 2, 64}), u = value({2, 64});
  auto wkv =
      Wkv6Op::create(builder, builder.getUnknownLoc(), r, r, r, r, u, nullptr,
                     nullptr, nullptr, Form::auto_, nullptr, false);
  auto wkvForms =
      estimateForms(cast<RecurrenceOpInterface>(wkv.getOperation()), cpu);
  ASSERT_EQ(wkvForms.size(), 3u);
  EXPECT_EQ(wkvForms[0].form, Form::recurrent);
  EXPECT_EQ(wkvForms[1].form, Form::chunked);
  Value w7 = value({1, 64, 2, 64});
  auto wkv7 =
      Wkv7Op::create(builder, builder.getUnknownLoc(), w7, w7, w7, w7, w7, w7,
                     nullptr, nullptr, nullptr, Form::auto_, nullptr, false);
  auto wkv7Forms =
      estimateForms(cast<RecurrenceOpInterface>(wkv7.getOperation()), cpu);
  ASSERT_EQ(wkv7Forms.size(), 3u);
  EXPECT_EQ(choice(cast<RecurrenceOpInterface>(wkv7.getOperation()), cpu),
            Form::recurrent);
}

TEST_F(CostModelTest, SelectiveScanOffersScanButRunsRecurrent) {
  Value u = value({1, 1536, 512}), a = value({1536, 16});
  Value bm = value({1, 1, 16, 512});
  auto op = SelectiveScanOp::create(
      builder, builder.getUnknownLoc(), u, u, a, bm, bm, nullptr, nullptr,
      nullptr, nullptr, /*delta_softplus=*/true, Form::auto_, nullptr, false);
  auto iface = cast<RecurrenceOpInterface>(op.getOperation());
  auto forms = estimateForms(iface, cpu);
  ASSERT_EQ(forms.size(), 2u);
  EXPECT_EQ(forms[1].form, Form::scan);
  EXPECT_EQ(forms[1].chunkSize, 64);
  EXPECT_EQ(choice(iface, cpu), Form::recurrent);
}

TEST_F(CostModelTest, ChunkedMatchesItsMeasurement) {
  // benchmarks (see docs/FormSelection.md): ungated, H = 8, K = V = 64,
  // T = 1024, chunks of 16 evaluated as matrices: 2.21 ms measured.
  auto forms = estimateForms(attention(1024), cpu);
  auto chunked = llvm::find_if(forms, [](const FormEstimate &f) {
    return f.form == Form::chunked && f.chunkSize == 16;
  });
  ASSERT_NE(chunked, forms.end());
  EXPECT_NEAR(chunked->seconds, 2.21e-3, 0.6e-3);
  EXPECT_EQ(choice(attention(1024), cpu), Form::recurrent);
}

TEST_F(CostModelTest, QuadraticWinsOnlyForAFewTokens) {
  EXPECT_EQ(choice(attention(1), cpu), Form::quadratic);
  EXPECT_EQ(choice(attention(4), cpu), Form::quadratic);
  EXPECT_EQ(choice(attention(16), cpu), Form::recurrent);
  EXPECT_EQ(choice(attention(4096), cpu), Form::recurrent);
}

TEST_F(CostModelTest, PerKeyGateMovesTheFlip) {
  EXPECT_EQ(choice(attention(1, true), cpu), Form::quadratic);
  EXPECT_EQ(choice(attention(4, true), cpu), Form::recurrent);
}

TEST_F(CostModelTest, LongQuadraticWindowsCostMore) {
  // Up to kMaxMatrixChunk tokens the quadratic form is one matrix chunk;
  // beyond, its scores are walked token by token, at a higher rate per
  // multiply-add: the estimate jumps there.
  auto quadratic = [&](int64_t T) {
    auto forms = estimateForms(attention(T), cpu);
    return llvm::find_if(forms, [](auto &f) {
             return f.form == Form::quadratic;
           })->seconds;
  };
  double atLimit = quadratic(kMaxMatrixChunk);
  double beyond = quadratic(kMaxMatrixChunk + 1);
  EXPECT_GT(beyond, 4 * atLimit);
}

TEST_F(CostModelTest, EstimatesGrowWithTokens) {
  for (Form form : {Form::recurrent, Form::quadratic}) {
    double previous = 0.0;
    for (int64_t T : {1, 16, 256, 4096}) {
      auto forms = estimateForms(attention(T), cpu);
      auto it = llvm::find_if(forms, [&](auto &f) { return f.form == form; });
      ASSERT_NE(it, forms.end());
      EXPECT_GT(it->seconds, previous);
      previous = it->seconds;
    }
  }
}

TEST_F(CostModelTest, MoreCoresNeverSlower) {
  TargetDescription two = cpu;
  two.cores = 2;
  for (auto [one, both] : llvm::zip(estimateForms(attention(1024), cpu),
                                    estimateForms(attention(1024), two)))
    EXPECT_LE(both.seconds, one.seconds);
}

TEST_F(CostModelTest, GpuChunksOnTensorCores) {
  // The tensor-core kernel walks chunks of 16 tokens (a few us each); the
  // column kernel of the recurrent form a token per step (~1 us): short
  // sequences stay recurrent, long ones go to the chunks.
  TargetDescription gpu;
  gpu.kind = TargetKind::GPU;
  EXPECT_EQ(choice(attention(4), gpu), Form::recurrent);
  EXPECT_EQ(choice(attention(4096), gpu), Form::chunked);
  EXPECT_EQ(choice(attention(4096, /*perKeyGate=*/true), gpu), Form::chunked);
  // Without tensor cores there is no chunked kernel worth estimating.
  gpu.tensorCores = false;
  for (const FormEstimate &estimate : estimateForms(attention(4096), gpu))
    EXPECT_NE(estimate.form, Form::chunked);
}

TEST_F(CostModelTest, TensorCoreTiles) {
  // The widest tile of value columns whose buffers fit 40 KiB.
  EXPECT_EQ(tensorCoreColumnTile(64, 64, 64, false), 32);
  EXPECT_EQ(tensorCoreColumnTile(16, 8, 1, false), 8);
  EXPECT_EQ(tensorCoreColumnTile(128, 128, 128, false), 8);
  EXPECT_EQ(tensorCoreColumnTile(128, 128, 1, false), 32);
  EXPECT_EQ(tensorCoreColumnTile(48, 40, 48, false), 8);
  // RWKV-7's extra rows and scores: half the tile at K = V = 64.
  EXPECT_EQ(tensorCoreColumnTile(64, 64, 64, true), 16);
  // Shapes the mma does not tile, and heads too large.
  EXPECT_EQ(tensorCoreColumnTile(8, 8, 1, false), 0);
  EXPECT_EQ(tensorCoreColumnTile(64, 12, 1, false), 0);
  EXPECT_EQ(tensorCoreColumnTile(512, 512, 512, false), 0);
}

TEST_F(CostModelTest, DynamicShapesHaveNoEstimate) {
  auto dynamic = RankedTensorType::get({1, ShapedType::kDynamic, 16},
                                       builder.getF32Type());
  Value k = UnrealizedConversionCastOp::create(builder, builder.getUnknownLoc(),
                                               TypeRange{dynamic}, ValueRange{})
                .getResult(0);
  Value w = value({16});
  auto op = Wkv4Op::create(builder, builder.getUnknownLoc(), w, w, k, k,
                           nullptr, nullptr, Form::auto_, nullptr, false);
  EXPECT_FALSE(chooseForm(cast<RecurrenceOpInterface>(op.getOperation()), cpu)
                   .has_value());
}

} // namespace
