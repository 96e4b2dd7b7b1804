//===- LinalgToBlas.cpp - Large f32 matmuls as calls into BLIS -----------===//
//
// The model's projections (linalg.matmul and linalg.batch_matmul on f32
// buffers, any operand transposed) become calls of BLIS's typed bli_sgemm,
// which takes a row and a column stride per operand, so transposes and
// views cost nothing. The calls run on this library's own OpenMP threads:
// the output is split into blocks of rows (or, for a few rows such as the
// one of a decode step, of columns), one serial BLIS call per block, so one
// thread pool serves the whole model. Products inside loops (the chunked
// forms' matrices) and small ones stay generated code.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::linea {
#define GEN_PASS_DEF_LINALGTOBLASPASS
#include "linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {

constexpr StringLiteral kGemm = "bli_sgemm";
/// BLIS's trans_t value for no transpose (the strides say the layout).
constexpr int32_t kNoTranspose = 0;
/// Rows per block at least, and blocks at most, when the rows are split;
/// columns per block at least when the columns are.
constexpr int64_t kMinBlockRows = 32, kMaxBlocks = 16, kMinBlockColumns = 256;

/// `bli_sgemm(transa, transb, m, n, k, alpha, a, rsa, csa, b, rsb, csb,
/// beta, c, rsc, csc)`, declared once per module.
func::FuncOp gemmDeclaration(ModuleOp module) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(kGemm))
    return fn;
  MLIRContext *ctx = module.getContext();
  Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  auto type = FunctionType::get(ctx,
                                {i32, i32, i64, i64, i64, ptr, ptr, i64, i64,
                                 ptr, i64, i64, ptr, ptr, i64, i64},
                                {});
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto fn = func::FuncOp::create(b, module.getLoc(), kGemm, type);
  fn.setPrivate();
  return fn;
}

/// One operand as BLIS reads it: its first element's address (bytes, as an
/// index) and, in elements, the strides of the logical matrix's rows and
/// columns and of the batch.
struct Operand {
  Value address, rowStride, columnStride, batchStride;
};

/// The loop dimensions of a product: (batch,) m, n, k.
struct Dims {
  int64_t batch, m, n, k;
  explicit Dims(linalg::LinalgOp op) {
    int64_t lead = isa<linalg::BatchMatmulOp>(op) ? 1 : 0;
    batch = lead ? 0 : -1;
    m = lead, n = lead + 1, k = lead + 2;
  }
};

/// The result of `map` that is loop dimension `dim`, or -1.
int64_t resultOf(AffineMap map, int64_t dim) {
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(expr); d && d.getPosition() == dim)
      return static_cast<int64_t>(i);
  return -1;
}

/// Whether each operand's map has its logical rows, columns and batch as
/// results (no broadcast operand, which BLAS cannot read).
bool readable(linalg::LinalgOp op) {
  Dims d(op);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  int64_t dims[3][2] = {{d.m, d.k}, {d.k, d.n}, {d.m, d.n}};
  for (int i = 0; i < 3; ++i)
    if (resultOf(maps[i], dims[i][0]) < 0 ||
        resultOf(maps[i], dims[i][1]) < 0 ||
        (d.batch >= 0 && resultOf(maps[i], d.batch) < 0))
      return false;
  return true;
}

/// address + elements (times stride) * 4 bytes.
Value advance(ImplicitLocOpBuilder &b, Value address, Value elements,
              Value stride = nullptr) {
  Value n = stride ? arith::MulIOp::create(b, elements, stride) : elements;
  Value bytes =
      arith::MulIOp::create(b, n, arith::ConstantIndexOp::create(b, 4));
  return arith::AddIOp::create(b, address, bytes);
}

/// Where operand `value`, with indexing map `map`, has its logical rows
/// (loop dimension `row`), columns (`column`) and batch (`batch`, or -1);
/// readable() holds.
Operand describe(ImplicitLocOpBuilder &b, Value value, AffineMap map,
                 int64_t row, int64_t column, int64_t batch) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, value);
  auto strideOf = [&](int64_t dim) -> Value {
    return meta.getStrides()[resultOf(map, dim)];
  };
  Operand op;
  op.rowStride = strideOf(row);
  op.columnStride = strideOf(column);
  op.batchStride = batch >= 0 ? strideOf(batch) : Value();
  op.address =
      advance(b, memref::ExtractAlignedPointerAsIndexOp::create(b, value),
              meta.getOffset());
  return op;
}

Value toPointer(ImplicitLocOpBuilder &b, Value address) {
  Value i64 = arith::IndexCastOp::create(b, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(b, LLVM::LLVMPointerType::get(b.getContext()),
                                  i64);
}

Value toI64(ImplicitLocOpBuilder &b, Value index) {
  return arith::IndexCastOp::create(b, b.getI64Type(), index);
}

/// A scalar f32 in memory (alpha and beta go by pointer).
Value scalar(ImplicitLocOpBuilder &b, float value) {
  auto type = MemRefType::get({}, b.getF32Type());
  Value slot = memref::AllocaOp::create(b, type);
  memref::StoreOp::create(
      b, arith::ConstantOp::create(b, b.getF32FloatAttr(value)), slot);
  return toPointer(b, memref::ExtractAlignedPointerAsIndexOp::create(b, slot));
}

struct LinalgToBlasPass
    : public linea::impl::LinalgToBlasPassBase<LinalgToBlasPass> {
  using LinalgToBlasPassBase::LinalgToBlasPassBase;

  // A module pass: the calls' declaration is the module's.
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> products;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) && accepts(op))
        products.push_back(op);
    });
    for (linalg::LinalgOp op : products)
      rewrite(op);
  }

  /// f32 buffers of static shape, at the function's top level (not inside
  /// a loop or a parallel region, where the chunked forms' matrices are),
  /// with at least minFlops of work or minWeights of weights. Below both,
  /// generated code is as fast on one thread (benchmarks/projections.py:
  /// 256 x 128 x 128 in 0.079 ms against BLIS's 0.132).
  bool accepts(linalg::LinalgOp op) {
    if (!op.hasPureBufferSemantics() || !isa<func::FuncOp>(op->getParentOp()) ||
        !readable(op))
      return false;
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<MemRefType>(operand.getType());
      if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
        return false;
    }
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    double flops = 2.0;
    for (int64_t r : ranges)
      flops *= static_cast<double>(r);
    Dims d(op);
    double weights = static_cast<double>(ranges[d.k]) * ranges[d.n];
    return flops >= static_cast<double>(minFlops) ||
           weights >= static_cast<double>(minWeights);
  }

  void rewrite(linalg::LinalgOp op) {
    ImplicitLocOpBuilder b(op.getLoc(), op);
    func::FuncOp gemm = gemmDeclaration(getOperation());
    bool batched = isa<linalg::BatchMatmulOp>(op);
    Dims dims(op);
    int64_t m = dims.m, n = dims.n, k = dims.k, batch = dims.batch;
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    Value lhs = op.getDpsInputOperand(0)->get();
    Value rhs = op.getDpsInputOperand(1)->get();
    Value out = op.getDpsInitOperand(0)->get();
    Operand a = describe(b, lhs, maps[0], m, k, batch);
    Operand bm = describe(b, rhs, maps[1], k, n, batch);
    Operand c = describe(b, out, maps[2], m, n, batch);
    // alpha = beta = 1: linalg.matmul accumulates into its output.
    Value one = scalar(b, 1.0f);
    int64_t M = ranges[m], N = ranges[n], K = ranges[k];
    int64_t B = batched ? ranges[0] : 1;
    // Blocks of rows, or of columns where there are few rows.
    bool byRows = M >= 2 * kMinBlockRows;
    int64_t split = byRows ? M : N;
    int64_t blocks =
        byRows ? std::min(kMaxBlocks, M / kMinBlockRows)
               : std::clamp<int64_t>(N / kMinBlockColumns, 1, kMaxBlocks);
    int64_t size = (split + blocks - 1) / blocks;
    blocks = (split + size - 1) / size;
    auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
    auto parallel = scf::ParallelOp::create(b, ValueRange{cst(0), cst(0)},
                                            ValueRange{cst(B), cst(blocks)},
                                            ValueRange{cst(1), cst(1)});
    b.setInsertionPointToStart(parallel.getBody());
    Value bi = parallel.getInductionVars()[0];
    Value from =
        arith::MulIOp::create(b, parallel.getInductionVars()[1], cst(size));
    Value count = arith::MinSIOp::create(
        b, cst(size), arith::SubIOp::create(b, cst(split), from));
    auto start = [&](const Operand &o, Value blockStride) {
      Value address = o.address;
      if (o.batchStride)
        address = advance(b, address, bi, o.batchStride);
      if (blockStride)
        address = advance(b, address, from, blockStride);
      return toPointer(b, address);
    };
    Value pa = start(a, byRows ? a.rowStride : Value());
    Value pb = start(bm, byRows ? Value() : bm.columnStride);
    Value pc = start(c, byRows ? c.rowStride : c.columnStride);
    Value rows = byRows ? toI64(b, count)
                        : arith::ConstantIntOp::create(b, M, 64).getResult();
    Value columns = byRows ? arith::ConstantIntOp::create(b, N, 64).getResult()
                           : toI64(b, count);
    Value trans = arith::ConstantIntOp::create(b, kNoTranspose, 32);
    func::CallOp::create(
        b, gemm,
        ValueRange{trans, trans, rows, columns,
                   arith::ConstantIntOp::create(b, K, 64), one, pa,
                   toI64(b, a.rowStride), toI64(b, a.columnStride), pb,
                   toI64(b, bm.rowStride), toI64(b, bm.columnStride), one, pc,
                   toI64(b, c.rowStride), toI64(b, c.columnStride)});
    op->erase();
  }
};

} // namespace
