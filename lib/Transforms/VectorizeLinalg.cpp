//===- VectorizeLinalg.cpp - Register-blocked vector code for linalg ------===//
//
// Left to convert-linalg-to-loops, a matmul is a scalar triple loop. Here
// each op on buffers is tiled into register blocks and vectorized along the
// output's innermost dimension; for a contraction the block's accumulators
// stay in vector registers across the reduction loop.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::linea {
#define GEN_PASS_DEF_VECTORIZELINALGPASS
#include "linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {

/// The largest divisor of `range` up to `limit`: blocks that divide their
/// loop need no masks.
int64_t divisorUpTo(int64_t range, int64_t limit) {
  for (int64_t d = std::min(range, limit); d > 1; --d)
    if (range % d == 0)
      return d;
  return 1;
}

/// Lanes along a loop of `range`: all of it if it fits in `width`, else the
/// largest power of two up to `width` dividing it if that is at least half
/// of `width`, else its largest divisor up to `width`. Blocks always divide
/// their loops: no masks, every vector shape static.
int64_t laneCount(int64_t range, int64_t width) {
  if (range <= width)
    return range;
  int64_t p = 1;
  while (2 * p <= width && range % (2 * p) == 0)
    p *= 2;
  return 2 * p >= width ? p : divisorUpTo(range, width);
}

/// The register block of `op`: up to `width` lanes along the loop of the
/// output's innermost dimension, up to `rows` along the one before it when
/// there is a reduction to keep the block in registers across (with fewer
/// rows, more lanes), reductions one step at a time, every other loop one.
/// Empty when the op is not worth it or not for the vectorizer.
SmallVector<int64_t> registerBlock(linalg::LinalgOp op, int64_t width,
                                   int64_t rows) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      linalg::isaConvolutionOpInterface(op) || op.hasIndexSemantics())
    return {};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
    return {};
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return {};
  // A vector<N x i1> in memory is bit-packed, a scalar i1 takes a byte: a
  // vectorized op and a scalar loop on one i1 buffer would disagree.
  for (OpOperand &operand : op->getOpOperands())
    if (getElementTypeOrSelf(operand.get().getType()).isInteger(1))
      return {};
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() == 0)
    return {};
  auto loopOf = [&](int64_t result) {
    return cast<AffineDimExpr>(out.getResult(result)).getPosition();
  };
  unsigned lanes = loopOf(out.getNumResults() - 1);
  if (ranges[lanes] < 2)
    return {};
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  bool reduces = llvm::is_contained(kinds, utils::IteratorType::reduction);
  SmallVector<int64_t> block(ranges.size(), 1);
  block[lanes] = laneCount(ranges[lanes], width);
  if (block[lanes] < 2)
    return {};
  if (reduces && out.getNumResults() > 1) {
    unsigned row = loopOf(out.getNumResults() - 2);
    block[row] = divisorUpTo(ranges[row], rows);
    // Fewer rows than `rows` (a decode step's matrix-vector product): more
    // lanes per row, so that the block still holds about `rows` vectors,
    // each its own chain of FMAs; one vector would wait on the FMA latency
    // at every step of the reduction. A power-of-two number of whole
    // vectors: 40 lanes of an LM head's 50280 columns were measured 1.8x
    // slower than 8.
    int64_t spare = rows / block[row], times = 1;
    while (2 * times <= spare &&
           (ranges[lanes] / block[lanes]) % (2 * times) == 0)
      times *= 2;
    block[lanes] *= times;
  }
  return block;
}

/// Marks the loops tiling produced; only those over a reduction dimension
/// still read and write the same output block in every iteration.
constexpr StringLiteral kAccumulatesAttr = "linea.register_block";
/// Marks the outermost loop over register blocks of an op at a function's
/// top level that runs on the OpenMP threads: an scf.parallel once the
/// vectors are lowered.
constexpr StringLiteral kParallelBlocksAttr = "linea.parallel_blocks";
/// The least work (the product of an op's loop ranges) whose blocks are
/// worth a fork and a join of the threads: a few microseconds against
/// tens for 64 K FMAs.
constexpr int64_t kMinParallelWork = int64_t(1) << 16;

/// Whether two index lists name the same position (constants compared by
/// value: the vectorizer makes a constant per transfer).
bool sameIndices(ValueRange a, ValueRange b) {
  return a.size() == b.size() &&
         llvm::all_of(llvm::zip(a, b), [](auto pair) {
           return isEqualConstantIntOrValue(std::get<0>(pair),
                                            std::get<1>(pair));
         });
}

/// The positions of the rows (innermost dimension) of a vector of `type`.
SmallVector<SmallVector<int64_t>> rowPositions(VectorType type) {
  SmallVector<SmallVector<int64_t>> positions = {{}};
  for (int64_t size : type.getShape().drop_back()) {
    SmallVector<SmallVector<int64_t>> next;
    for (const SmallVector<int64_t> &p : positions)
      for (int64_t i = 0; i < size; ++i) {
        next.push_back(p);
        next.back().push_back(i);
      }
    positions = std::move(next);
  }
  return positions;
}

/// `rows` put together into a vector of `type`.
Value assembleRows(OpBuilder &b, Location loc, VectorType type,
                   ValueRange rows) {
  if (type.getRank() == 1)
    return rows.front();
  Value v = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  for (auto [row, position] : llvm::zip(rows, rowPositions(type)))
    v = vector::InsertOp::create(b, loc, row, v, position);
  return v;
}

/// The rows of `v`.
SmallVector<Value> splitRows(OpBuilder &b, Location loc, Value v) {
  auto type = cast<VectorType>(v.getType());
  if (type.getRank() == 1)
    return {v};
  SmallVector<Value> rows;
  for (const SmallVector<int64_t> &position : rowPositions(type))
    rows.push_back(vector::ExtractOp::create(b, loc, v, position));
  return rows;
}

/// Moves `read` before `loop` and `write` after it, the block between them
/// carried through the loop as one-dimensional rows (n-D loop-carried
/// vectors have no register form the LLVM lowering takes).
scf::ForOp carryInRows(RewriterBase &rewriter, scf::ForOp loop,
                       vector::TransferReadOp read,
                       vector::TransferWriteOp write) {
  Location loc = read.getLoc();
  VectorType type = read.getVectorType();
  loop.moveOutOfLoop(read);
  write->moveAfter(loop);
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> inits = splitRows(rewriter, loc, read.getVector());
  auto yield = [&](OpBuilder &b, Location, ArrayRef<BlockArgument>) {
    return splitRows(b, loc, write.getVector());
  };
  auto grown = cast<LoopLikeOpInterface>(loop.getOperation())
                   .replaceWithAdditionalYields(
                       rewriter, inits, /*replaceInitOperandUsesInLoop=*/false,
                       yield);
  auto next = cast<scf::ForOp>(grown->getOperation());
  int64_t n = inits.size();
  Block *body = next.getBody();
  rewriter.setInsertionPointToStart(body);
  Value inside = assembleRows(rewriter, loc, type,
                              body->getArguments().take_back(n));
  rewriter.replaceUsesWithIf(read.getVector(), inside, [&](OpOperand &use) {
    return use.getOwner() != next && next->isAncestor(use.getOwner());
  });
  rewriter.setInsertionPoint(write);
  write.getValueToStoreMutable().assign(
      assembleRows(rewriter, loc, type, next.getResults().take_back(n)));
  return next;
}

/// Keeps each output block that a loop of `kAccumulatesAttr` reads and
/// writes back in every iteration in registers instead: read before the
/// loop, carried, written after it. Upstream's hoisting cannot do it for
/// blocks of function arguments (they might alias the inputs); a linalg op
/// with a reduction whose output aliased an input would be ill-defined, so
/// here it may.
void hoistAccumulators(func::FuncOp func) {
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) {
    if (loop->hasAttr(kAccumulatesAttr))
      loops.push_back(loop);
  });
  IRRewriter rewriter(func.getContext());
  for (scf::ForOp loop : loops) {
    loop->removeAttr(kAccumulatesAttr);
    // The output block's view is the same in every reduction step; inner
    // loops come first, so it ends up outside each loop it does not vary in.
    moveLoopInvariantCode(loop);
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto read : loop.getBody()->getOps<vector::TransferReadOp>()) {
        if (!llvm::all_of(read->getOperands(), [&](Value v) {
              return loop.isDefinedOutsideOfLoop(v);
            }))
          continue;
        Value base = read.getBase();
        vector::TransferWriteOp write;
        bool alone = true;
        for (Operation *user : base.getUsers()) {
          if (user == read || !loop->isAncestor(user))
            continue;
          auto w = dyn_cast<vector::TransferWriteOp>(user);
          if (!w || write || w->getBlock() != loop.getBody() ||
              !sameIndices(w.getIndices(), read.getIndices()) ||
              w.getVectorType() != read.getVectorType() ||
              w.getPermutationMap() != read.getPermutationMap() ||
              w.getMask() != read.getMask() || !read->isBeforeInBlock(w))
            alone = false;
          else
            write = w;
        }
        if (!alone || !write)
          continue;
        loop = carryInRows(rewriter, loop, read, write);
        changed = true;
        break;
      }
    }
  }
}

/// A register block's matmul step, `vector.contract` of lhs [M, K] and rhs
/// [K, N] into acc [M, N]: M * K FMAs of a broadcast lhs entry with an rhs
/// row.
struct ContractToFMAs : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (!accType || accType.getRank() != 2 || accType.isScalable() ||
        !isa<FloatType>(accType.getElementType()) ||
        op.getKind() != vector::CombiningKind::ADD ||
        cast<vector::MaskableOpInterface>(op.getOperation()).isMasked())
      return failure();
    MLIRContext *ctx = op.getContext();
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    SmallVector<AffineMap> matmul =
        AffineMap::inferFromExprList(
            ArrayRef<ArrayRef<AffineExpr>>{{m, k}, {k, n}, {m, n}}, ctx);
    if (op.getIndexingMapsArray() != ArrayRef<AffineMap>(matmul))
      return failure();
    Location loc = op.getLoc();
    int64_t rows = accType.getDimSize(0);
    int64_t depth = op.getLhsType().getDimSize(1);
    auto rowType = VectorType::get({accType.getDimSize(1)},
                                   accType.getElementType());
    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i)
      acc.push_back(vector::ExtractOp::create(rewriter, loc, op.getAcc(), i));
    // bf16 and f16 operands of an f32 accumulation are extended as read.
    Type accElement = accType.getElementType();
    auto extend = [&](Value v, Type type) -> Value {
      if (getElementTypeOrSelf(v.getType()) == accElement)
        return v;
      return arith::ExtFOp::create(rewriter, loc, type, v);
    };
    for (int64_t d = 0; d < depth; ++d) {
      Value rhs = extend(
          vector::ExtractOp::create(rewriter, loc, op.getRhs(), d), rowType);
      for (int64_t i = 0; i < rows; ++i) {
        Value a = extend(vector::ExtractOp::create(rewriter, loc, op.getLhs(),
                                                   ArrayRef<int64_t>{i, d}),
                         accElement);
        Value splat = vector::BroadcastOp::create(rewriter, loc, rowType, a);
        acc[i] = vector::FMAOp::create(rewriter, loc, splat, rhs, acc[i]);
      }
    }
    Value result = arith::ConstantOp::create(rewriter, loc, accType,
                                             rewriter.getZeroAttr(accType));
    for (int64_t i = 0; i < rows; ++i)
      result = vector::InsertOp::create(rewriter, loc, acc[i], result, i);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The product of an op's loop ranges: its work.
int64_t loopWork(ArrayRef<int64_t> ranges) {
  int64_t work = 1;
  for (int64_t range : ranges)
    work *= range;
  return work;
}

/// `op` tiled by `tiles` (0: untiled) into scf.for loops.
FailureOr<scf::SCFTilingResult> tileIntoLoops(RewriterBase &rewriter,
                                              linalg::LinalgOp op,
                                              ArrayRef<OpFoldResult> tiles) {
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setTileSizes(tiles);
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  return scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                           options);
}

/// Tiles `op` into `block`s and vectorizes the
/// tile.
LogicalResult tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                               ArrayRef<int64_t> block) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<OpFoldResult> tiles;
  for (auto [size, range] : llvm::zip(block, ranges))
    tiles.push_back(rewriter.getIndexAttr(size == range ? 0 : size));
  FailureOr<scf::SCFTilingResult> tiled = tileIntoLoops(rewriter, op, tiles);
  if (failed(tiled))
    return failure();
  // The outermost loop runs on the threads where the op is at the
  // function's top level (not inside a slice's parallel loop), walks a
  // parallel dimension, has two blocks or more and enough work.
  int64_t work = loopWork(ranges);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [i, size] : llvm::enumerate(block)) {
    if (size == ranges[i])
      continue;
    if (isa<func::FuncOp>(op->getParentOp()) && work >= kMinParallelWork &&
        iterators[i] == utils::IteratorType::parallel &&
        ranges[i] / size >= 2 && !tiled->loops.empty())
      tiled->loops.front()->setAttr(kParallelBlocksAttr,
                                    rewriter.getUnitAttr());
    break;
  }
  rewriter.eraseOp(op);
  // The loops over reductions carry the output block: see
  // hoistAccumulators.
  for (LoopLikeOpInterface loop : tiled->loops)
    loop->setAttr(kAccumulatesAttr, rewriter.getUnitAttr());
  for (Operation *tile : tiled->tiledOps) {
    rewriter.setInsertionPoint(tile);
    SmallVector<bool> fixedLength(block.size(), false);
    if (failed(linalg::vectorize(rewriter, tile, block, fixedLength,
                                 /*vectorizeNDExtract=*/false,
                                 /*flatten1DDepthwiseConv=*/false,
                                 /*assumeDynamicDimsMatchVecSizes=*/false,
                                 /*createNamedContraction=*/true)))
      return tile->emitError("linea-vectorize-linalg: cannot vectorize the "
                             "tile of a linalg op the vectorizer accepted");
    rewriter.eraseOp(tile);
  }
  return success();
}

/// A product with one reduction and weights: the lanes loop (the output's
/// innermost), the reduction loop, and the input they index with the lanes
/// innermost (its rows are the reduction's steps).
struct Product {
  int64_t lanes, depth;
  Value weights;
};
std::optional<Product> productOf(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != 2 ||
      llvm::count(kinds, utils::IteratorType::reduction) != 1)
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() < 2 || !out.isProjectedPermutation())
    return std::nullopt;
  int64_t lanes =
      cast<AffineDimExpr>(out.getResult(out.getNumResults() - 1)).getPosition();
  int64_t depth =
      llvm::find(kinds, utils::IteratorType::reduction) - kinds.begin();
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (map.getNumResults() >= 2 &&
        map.getResult(map.getNumResults() - 1) ==
            getAffineDimExpr(lanes, op.getContext()) &&
        map.getResult(map.getNumResults() - 2) ==
            getAffineDimExpr(depth, op.getContext()))
      return Product{lanes, depth, in->get()};
  }
  return std::nullopt;
}

/// A register block walks the reduction one step at a time; where the
/// steps read weight rows a page or more apart (N columns of bf16 16 KiB
/// apart at N = 8192), every step takes a new page, and a product with few
/// rows (a decode step's matrix-vector product) stalls on the page walks.
/// Such an op is first tiled into panels of `kPanelRows` steps by up to
/// `kPanelColumns` columns: every register block of a panel reads the same
/// few pages, which stay in the TLB. Measured (one thread, bf16 weights):
/// 1 x 2048 x 2048 1.25 -> 0.70 ms, 1 x 8192 x 8192 44 -> 13 ms, 8 x 2048 x
/// 2048 2.24 -> 1.43 ms, 64 x 2048 x 2048 17.2 -> 9.0 ms. Returns the
/// panel's op, or null where the op is not one of those (or its sizes do
/// not divide into panels).
constexpr int64_t kPanelRows = 16, kPanelColumns = 2048, kPageBytes = 4096;
linalg::LinalgOp tileIntoPanels(RewriterBase &rewriter, linalg::LinalgOp op,
                                ArrayRef<int64_t> block) {
  std::optional<Product> product = productOf(op);
  if (!product)
    return nullptr;
  int64_t lanes = product->lanes, depth = product->depth;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Type element = getElementTypeOrSelf(product->weights.getType());
  if (!element.isIntOrFloat())
    return nullptr;
  int64_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  if (ranges[lanes] * elementBytes < kPageBytes ||
      ranges[depth] < 2 * kPanelRows)
    return nullptr;
  // At least two panels across: they are what the threads share.
  int64_t panelRows = divisorUpTo(ranges[depth], kPanelRows);
  int64_t panelColumns = block[lanes];
  while (2 * panelColumns <= std::min(kPanelColumns, ranges[lanes] / 2) &&
         ranges[lanes] % (2 * panelColumns) == 0)
    panelColumns *= 2;
  if (panelRows < 2)
    return nullptr;
  SmallVector<OpFoldResult> tiles(ranges.size(), rewriter.getIndexAttr(0));
  tiles[depth] = rewriter.getIndexAttr(panelRows);
  if (panelColumns < ranges[lanes])
    tiles[lanes] = rewriter.getIndexAttr(panelColumns);
  FailureOr<scf::SCFTilingResult> tiled = tileIntoLoops(rewriter, op, tiles);
  if (failed(tiled))
    return nullptr;
  // The panels' column loop (outermost, over a parallel dimension) runs on
  // the threads where the op is at the function's top level.
  if (isa<func::FuncOp>(op->getParentOp()) &&
      loopWork(ranges) >= kMinParallelWork && ranges[lanes] / panelColumns >= 2)
    tiled->loops.front()->setAttr(kParallelBlocksAttr, rewriter.getUnitAttr());
  rewriter.eraseOp(op);
  return cast<linalg::LinalgOp>(tiled->tiledOps.front());
}

/// A product over many columns that no power of two divides well (an LM
/// head's 50280 = 8 x 6285) would run 8-lane blocks and no panels: it is
/// split into the columns up to the last whole panel, blocked as usual, and
/// the few left over.
void splitRaggedColumns(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::optional<Product> product = productOf(op);
  if (!product)
    return;
  int64_t lanes = product->lanes;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return;
  // Not where the columns fill the widest blocks (eight 16-lane vectors)
  // already, nor where there are fewer than two whole panels.
  int64_t columns = ranges[lanes], main = columns - columns % kPanelColumns;
  if (columns % kPanelColumns == 0 || main < 2 * kPanelColumns ||
      columns % 128 == 0)
    return;
  auto tiling = cast<TilingInterface>(op.getOperation());
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> offsets(ranges.size(), rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes;
  for (int64_t r : ranges)
    sizes.push_back(rewriter.getIndexAttr(r));
  sizes[lanes] = rewriter.getIndexAttr(main);
  FailureOr<TilingResult> first =
      tiling.getTiledImplementation(rewriter, offsets, sizes);
  if (failed(first))
    return;
  offsets[lanes] = rewriter.getIndexAttr(main);
  sizes[lanes] = rewriter.getIndexAttr(columns - main);
  if (failed(tiling.getTiledImplementation(rewriter, offsets, sizes))) {
    // The op stays whole: the first part must not run beside it.
    for (Operation *part : first->tiledOps)
      rewriter.eraseOp(part);
    return;
  }
  rewriter.eraseOp(op);
}

struct VectorizeLinalgPass
    : public linea::impl::VectorizeLinalgPassBase<VectorizeLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(linea::checkOptionRange(func, getArgument(), "vector-width",
                                vectorWidth, 1, 64)) ||
        failed(linea::checkOptionRange(func, getArgument(), "rows", rows, 1,
                                       64)))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> products;
    func.walk([&](linalg::LinalgOp op) { products.push_back(op); });
    for (linalg::LinalgOp op : products)
      splitRaggedColumns(rewriter, op);
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<int64_t>>> work;
    func.walk([&](linalg::LinalgOp op) {
      SmallVector<int64_t> block = registerBlock(op, vectorWidth, rows);
      SmallVector<bool> fixedLength(block.size(), false);
      if (!block.empty() &&
          succeeded(linalg::vectorizeOpPrecondition(
              op, op.getStaticLoopRanges(), fixedLength)))
        work.emplace_back(op, std::move(block));
    });
    if (work.empty())
      return;
    for (auto &[op, block] : work) {
      linalg::LinalgOp target = op;
      if (linalg::LinalgOp panel = tileIntoPanels(rewriter, op, block))
        target = panel;
      if (failed(tileAndVectorize(rewriter, target, block)))
        return signalPassFailure();
    }
    lowerVectors(func);
    parallelizeBlocks(func);
  }

  /// The loops of kParallelBlocksAttr become scf.parallel (OpenMP threads
  /// where the pipeline has them; a plain loop where it does not).
  void parallelizeBlocks(func::FuncOp func) {
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) {
      if (loop->hasAttr(kParallelBlocksAttr))
        loops.push_back(loop);
    });
    IRRewriter rewriter(func.getContext());
    for (scf::ForOp loop : loops) {
      loop->removeAttr(kParallelBlocksAttr);
      if (loop.getNumRegionIterArgs() != 0)
        continue;
      rewriter.setInsertionPoint(loop);
      auto parallel = scf::ParallelOp::create(
          rewriter, loop.getLoc(), ValueRange{loop.getLowerBound()},
          ValueRange{loop.getUpperBound()}, ValueRange{loop.getStep()});
      Block *body = parallel.getBody();
      rewriter.eraseOp(loop.getBody()->getTerminator());
      rewriter.inlineBlockBefore(loop.getBody(), body->getTerminator(),
                                 parallel.getInductionVars());
      rewriter.eraseOp(loop);
    }
  }

  /// Down to the one-dimensional vector ops the LLVM lowering takes: the
  /// accumulator blocks carried in registers, rank-one updates as FMAs, n-D
  /// transfers unrolled into rows.
  void lowerVectors(func::FuncOp func) {
    MLIRContext *ctx = &getContext();
    hoistAccumulators(func);
    // Matmul blocks to FMAs first; upstream's lowerings take blocks with a
    // reduction of one apart lane by lane.
    {
      RewritePatternSet patterns(ctx);
      patterns.add<ContractToFMAs>(ctx);
      walkAndApplyPatterns(func, std::move(patterns));
    }
    auto apply = [&](function_ref<void(RewritePatternSet &)> populate) {
      RewritePatternSet patterns(ctx);
      populate(patterns);
      auto r = applyPatternsGreedily(func, std::move(patterns));
        return r;
    };
    if (failed(apply([](RewritePatternSet &patterns) {
          vector::populateVectorContractLoweringPatterns(
              patterns, vector::VectorContractLowering::OuterProduct);
        })) ||
        failed(apply([](RewritePatternSet &patterns) {
          vector::populateVectorOuterProductLoweringPatterns(patterns);
          vector::populateVectorTransferPermutationMapLoweringPatterns(
              patterns);
        })) ||
        failed(apply([](RewritePatternSet &patterns) {
          vector::populateVectorMultiReductionLoweringPatterns(
              patterns, vector::VectorMultiReductionLowering::InnerParallel);
          vector::populateVectorBroadcastLoweringPatterns(patterns);
          vector::populateVectorTransposeLoweringPatterns(
              patterns, vector::VectorTransposeLowering::EltWise);
          vector::populateVectorShapeCastLoweringPatterns(patterns);
          VectorTransferToSCFOptions options;
          options.enableFullUnroll();
          populateVectorToSCFConversionPatterns(patterns, options);
        })) ||
        failed(apply([](RewritePatternSet &patterns) {
          vector::populateVectorTransferLoweringPatterns(
              patterns, /*maxTransferRank=*/1);
          // Rows of one-row blocks as plain one-dimensional vectors.
          vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
          vector::populateVectorBroadcastLoweringPatterns(patterns);
          vector::populateVectorToVectorCanonicalizationPatterns(patterns);
        })))
      return signalPassFailure();
  }
};

} // namespace
