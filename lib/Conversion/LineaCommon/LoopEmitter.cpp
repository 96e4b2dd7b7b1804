//===- LoopEmitter.cpp - Scalar f32 loop code for the CPU lowerings -------===//
//
// See LoopEmitter.h.
//
//===----------------------------------------------------------------------===//

#include "LoopEmitter.h"
#include "TargetInfo.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::linea::detail;

Value LoopEmitter::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value LoopEmitter::f32(double value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}

Value LoopEmitter::add(Value x, Value y) {
  return arith::AddFOp::create(b, x, y);
}
Value LoopEmitter::sub(Value x, Value y) {
  return arith::SubFOp::create(b, x, y);
}
Value LoopEmitter::mul(Value x, Value y) {
  return arith::MulFOp::create(b, x, y);
}
Value LoopEmitter::fma(Value x, Value y, Value z) {
  return math::FmaOp::create(b, x, y, z);
}
Value LoopEmitter::div(Value x, Value y) {
  return arith::DivFOp::create(b, x, y);
}
Value LoopEmitter::neg(Value x) { return arith::NegFOp::create(b, x); }
Value LoopEmitter::max(Value x, Value y) {
  return arith::MaximumFOp::create(b, x, y);
}
Value LoopEmitter::exp(Value x) { return math::ExpOp::create(b, x); }
Value LoopEmitter::log1p(Value x) { return math::Log1pOp::create(b, x); }
Value LoopEmitter::softplus(Value x) {
  return select(greater(x, f32(20.0)), x, log1p(exp(x)));
}
Value LoopEmitter::silu(Value x) {
  Value one = f32(1.0);
  if (auto row = dyn_cast<VectorType>(x.getType()))
    one = splat(one, row.getNumElements());
  return div(x, add(one, exp(neg(x))));
}
Value LoopEmitter::rsqrt(Value x) { return math::RsqrtOp::create(b, x); }
Value LoopEmitter::select(Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, cond, x, y);
}
Value LoopEmitter::greater(Value x, Value y) {
  return arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, y);
}
Value LoopEmitter::indexDiv(Value x, int64_t y) {
  if (y == 1)
    return x;
  return arith::DivUIOp::create(b, x, index(y));
}

Value LoopEmitter::value(Extent n) {
  return n.isStatic() ? index(n.getStatic()) : n.getDynamic();
}

Value LoopEmitter::compare(arith::CmpIPredicate predicate, Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(predicate, x, y);
}

Extent LoopEmitter::dim(Value memref, unsigned d) {
  auto type = cast<ShapedType>(memref.getType());
  if (!type.isDynamicDim(d))
    return type.getDimSize(d);
  if (isa<MemRefType>(type))
    return Extent(memref::DimOp::create(b, memref, d).getResult());
  return Extent(tensor::DimOp::create(b, memref, d).getResult());
}

Extent LoopEmitter::mul(Extent x, Extent y) {
  if (x.isStatic() && y.isStatic())
    return x.getStatic() * y.getStatic();
  return Extent(arith::MulIOp::create(b, value(x), value(y)).getResult());
}

Extent LoopEmitter::sub(Extent x, int64_t y) {
  if (x.isStatic())
    return x.getStatic() - y;
  return Extent(arith::SubIOp::create(b, value(x), index(y)).getResult());
}

Extent LoopEmitter::ceilDiv(Extent x, int64_t y) {
  if (x.isStatic())
    return (x.getStatic() + y - 1) / y;
  return Extent(arith::CeilDivUIOp::create(b, value(x), index(y)).getResult());
}

Value LoopEmitter::load(Value memref, ValueRange indices) {
  Value value = memref::LoadOp::create(b, memref, indices);
  if (!value.getType().isF32())
    value = arith::ExtFOp::create(b, b.getF32Type(), value);
  return value;
}

void LoopEmitter::store(Value value, Value memref, ValueRange indices) {
  Type elt = cast<MemRefType>(memref.getType()).getElementType();
  if (elt != value.getType())
    value = arith::TruncFOp::create(b, elt, value);
  memref::StoreOp::create(b, value, memref, indices);
}

Value LoopEmitter::splat(Value scalar, int64_t width) {
  return vector::BroadcastOp::create(
      b, VectorType::get({width}, scalar.getType()), scalar);
}

Value LoopEmitter::loadRow(Value memref, ValueRange indices, int64_t width) {
  Type elt = cast<MemRefType>(memref.getType()).getElementType();
  Value row =
      vector::LoadOp::create(b, VectorType::get({width}, elt), memref, indices);
  if (!elt.isF32())
    row =
        arith::ExtFOp::create(b, VectorType::get({width}, b.getF32Type()), row);
  return row;
}

void LoopEmitter::storeRow(Value row, Value memref, ValueRange indices) {
  Type elt = cast<MemRefType>(memref.getType()).getElementType();
  auto type = cast<VectorType>(row.getType());
  if (!elt.isF32())
    row = arith::TruncFOp::create(b, type.clone(elt), row);
  vector::StoreOp::create(b, row, memref, indices);
}

Value LoopEmitter::sum(Value row) {
  // Reassociation lets the lanes be added as a tree (log2 steps) rather
  // than in order (a chain of width - 1 dependent adds); without signed
  // zeros the reduction's 0.0 start value folds away.
  return vector::ReductionOp::create(b, vector::CombiningKind::ADD, row,
                                     arith::FastMathFlags::reassoc |
                                         arith::FastMathFlags::nsz);
}

Value LoopEmitter::sumEach(ArrayRef<Value> rows) {
  // A transposing tree: each step adds two vectors that hold m rows' p
  // partial sums each (row-major) into one that holds their 2m rows' p / 2
  // partial sums, by two two-source shuffles and one add. W rows cost
  // W - 1 steps, against W separate lane sums of log2(W) steps each.
  int64_t width = cast<VectorType>(rows.front().getType()).getNumElements();
  assert(static_cast<int64_t>(rows.size()) == width &&
         llvm::isPowerOf2_64(width) && "one row per lane");
  SmallVector<Value> level(rows);
  for (int64_t m = 1; level.size() > 1; m *= 2) {
    int64_t p = width / m;
    SmallVector<int64_t> low, high;
    for (int64_t source = 0; source < 2; ++source)
      for (int64_t row = 0; row < m; ++row)
        for (int64_t i = 0; i < p / 2; ++i) {
          low.push_back(source * width + row * p + i);
          high.push_back(source * width + row * p + p / 2 + i);
        }
    SmallVector<Value> next;
    for (size_t i = 0; i < level.size(); i += 2)
      next.push_back(
          add(vector::ShuffleOp::create(b, level[i], level[i + 1], low),
              vector::ShuffleOp::create(b, level[i], level[i + 1], high)));
    level = std::move(next);
  }
  return level.front();
}

void LoopEmitter::prefetchRow(Value memref, ValueRange indices, int64_t width,
                              bool forWrite) {
  if (!target->prefetches())
    return;
  auto type = cast<MemRefType>(memref.getType());
  int64_t perLine = 64 / (type.getElementTypeBitWidth() / 8);
  SmallVector<Value> at(indices);
  Value base = at.back();
  for (int64_t j = 0; j < width; j += perLine) {
    at.back() = j ? arith::AddIOp::create(b, base, index(j)).getResult() : base;
    memref::PrefetchOp::create(b, memref, at, b.getBoolAttr(forWrite),
                               b.getI32IntegerAttr(2), b.getBoolAttr(true));
  }
}

Value LoopEmitter::indexMin(Value x, int64_t bound) {
  return arith::MinUIOp::create(b, x, index(bound));
}

Value LoopEmitter::indexMin(Value x, Value bound) {
  return arith::MinUIOp::create(b, x, bound);
}

SmallVector<Value> LoopEmitter::loop(Value lb, Value ub, ValueRange init,
                                     LoopBody body) {
  return loop(lb, ub, 1, init, body);
}

SmallVector<Value> LoopEmitter::loop(Value lb, Value ub, int64_t step,
                                     ValueRange init, LoopBody body) {
  auto forOp = scf::ForOp::create(
      b, lb, ub, index(step), init,
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange args) {
        ImplicitLocOpBuilder nb(loc, nested);
        LoopEmitter inner = this->nested(nb);
        SmallVector<Value> yields = body(inner, iv, args);
        scf::YieldOp::create(nb, yields);
      });
  return SmallVector<Value>(forOp.getResults());
}

SmallVector<Value> LoopEmitter::loop(Extent n, ValueRange init, LoopBody body) {
  return loop(index(0), value(n), init, body);
}

void LoopEmitter::loop(Value lb, Value ub, int64_t step,
                       function_ref<void(LoopEmitter &, Value)> body) {
  loop(lb, ub, step, {}, [&](LoopEmitter &e, Value iv, ValueRange) {
    body(e, iv);
    return SmallVector<Value>();
  });
}

void LoopEmitter::loop(Extent n,
                       function_ref<void(LoopEmitter &, Value)> body) {
  loop(index(0), value(n), 1, body);
}

void LoopEmitter::chunks(
    Extent n, int64_t chunk,
    function_ref<void(LoopEmitter &, Value, Extent)> body) {
  if (n.isStatic()) {
    int64_t full = n.getStatic() / chunk, tail = n.getStatic() % chunk;
    loop(full, [&](LoopEmitter &ec, Value c) {
      body(ec, arith::MulIOp::create(ec.builder(), c, ec.index(chunk)), chunk);
    });
    if (tail)
      body(*this, index(full * chunk), tail);
    return;
  }
  Value whole = arith::MulIOp::create(
      b, arith::DivUIOp::create(b, n.getDynamic(), index(chunk)), index(chunk));
  loop(index(0), whole, chunk,
       [&](LoopEmitter &ec, Value first) { body(ec, first, chunk); });
  Value tail = arith::SubIOp::create(b, n.getDynamic(), whole);
  ifElse(
      compare(arith::CmpIPredicate::ne, tail, index(0)),
      [&](LoopEmitter &et) { body(et, whole, Extent(tail)); }, nullptr);
}

void LoopEmitter::parallel(ArrayRef<Extent> ubs, ParallelBody body) {
  target->parallel(*this, ubs, body);
}

gpu::LaunchOp LoopEmitter::launchThreads(
    int64_t total, int64_t threads,
    function_ref<void(LoopEmitter &, Value, Value)> body) {
  int64_t blocks = (total + threads - 1) / threads;
  return launch({blocks, 1}, threads,
                [&](LoopEmitter &k, Value block, Value, Value thread) {
                  ImplicitLocOpBuilder &kb = k.builder();
                  Value id = arith::AddIOp::create(
                      kb, arith::MulIOp::create(kb, block, k.index(threads)),
                      thread);
                  Value inRange = arith::CmpIOp::create(
                      kb, arith::CmpIPredicate::ult, id, k.index(total));
                  body(k, id, inRange);
                });
}

void LoopEmitter::guarded(Value cond,
                          function_ref<void(LoopEmitter &)> body) {
  if (!cond)
    return body(*this);
  auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
  ImplicitLocOpBuilder ib(b.getLoc(), b);
  ib.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  LoopEmitter inner = nested(ib);
  body(inner);
}

void LoopEmitter::ifElse(Value cond, function_ref<void(LoopEmitter &)> then,
                         function_ref<void(LoopEmitter &)> otherwise) {
  if (std::optional<int64_t> known = getConstantIntValue(cond)) {
    if (*known)
      then(*this);
    else if (otherwise)
      otherwise(*this);
    return;
  }
  auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/bool(otherwise));
  ImplicitLocOpBuilder ib(b.getLoc(), b);
  ib.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  LoopEmitter inner = nested(ib);
  then(inner);
  if (otherwise) {
    ib.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    otherwise(inner);
  }
}

SmallVector<Value> LoopEmitter::delinearize(Value id, ArrayRef<int64_t> ubs) {
  SmallVector<Value> ivs(ubs.size());
  for (int64_t d = ubs.size() - 1; d >= 0; --d) {
    ivs[d] = arith::RemUIOp::create(b, id, index(ubs[d]));
    id = arith::DivUIOp::create(b, id, index(ubs[d]));
  }
  return ivs;
}

gpu::LaunchOp LoopEmitter::launch(
    std::pair<int64_t, int64_t> grid, int64_t threads,
    function_ref<void(LoopEmitter &, Value, Value, Value)> body) {
  Value one = index(1);
  auto op = gpu::LaunchOp::create(b, index(grid.first), index(grid.second),
                                  one, index(threads), one, one);
  ImplicitLocOpBuilder kb =
      ImplicitLocOpBuilder::atBlockBegin(b.getLoc(), &op.getBody().front());
  auto terminator = gpu::TerminatorOp::create(kb);
  kb.setInsertionPoint(terminator);
  LoopEmitter k = nested(kb);
  body(k, op.getBlockIds().x, op.getBlockIds().y, op.getThreadIds().x);
  return op;
}

Value LoopEmitter::alloc(ArrayRef<Extent> shape, Type elementType) {
  SmallVector<int64_t> sizes;
  SmallVector<Value> dynamicSizes;
  for (Extent n : shape) {
    sizes.push_back(n.forType());
    if (!n.isStatic())
      dynamicSizes.push_back(n.getDynamic());
  }
  return memref::AllocOp::create(b, MemRefType::get(sizes, elementType),
                                 dynamicSizes);
}

Value LoopEmitter::alloca(ArrayRef<int64_t> shape) {
  return memref::AllocaOp::create(b, MemRefType::get(shape, b.getF32Type()));
}

void LoopEmitter::fill(Value memref, ArrayRef<int64_t> shape, Value value) {
  std::function<void(LoopEmitter &, SmallVector<Value> &, size_t)> nest =
      [&](LoopEmitter &e, SmallVector<Value> &ivs, size_t dim) {
        if (dim == shape.size()) {
          e.store(value, memref, ivs);
          return;
        }
        e.loop(shape[dim], [&](LoopEmitter &inner, Value iv) {
          ivs.push_back(iv);
          nest(inner, ivs, dim + 1);
          ivs.pop_back();
        });
      };
  SmallVector<Value> ivs;
  nest(*this, ivs, 0);
}

Value LoopEmitter::view(Value memref, ArrayRef<OpFoldResult> offsets,
                        ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> sizeAttrs, strides;
  for (int64_t size : sizes) {
    sizeAttrs.push_back(b.getIndexAttr(size));
    strides.push_back(b.getIndexAttr(1));
  }
  return memref::SubViewOp::create(b, memref, offsets, sizeAttrs, strides);
}

Value LoopEmitter::row(Value matrix, Value i, int64_t n, int64_t from) {
  auto type = cast<MemRefType>(matrix.getType());
  SmallVector<OpFoldResult> offsets = {i, b.getIndexAttr(from)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(n)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  MemRefType rowType = memref::SubViewOp::inferRankReducedResultType(
      {n}, type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, rowType, matrix, offsets, sizes,
                                   strides);
}

void LoopEmitter::matmul(Value a, Value bm, Value c) {
  linalg::MatmulOp::create(b, ValueRange{a, bm}, ValueRange{c});
}

void LoopEmitter::weightedVecmat(Value x, Value y, Value w, Value c) {
  MLIRContext *ctx = b.getContext();
  AffineExpr s = getAffineDimExpr(0, ctx), i = getAffineDimExpr(1, ctx);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(2, 0, results, ctx);
  };
  SmallVector<AffineMap> maps = {map({i}), map({i, s}), map({i, s}),
                                 map({s})};
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  linalg::GenericOp::create(
      b, ValueRange{x, y, w}, ValueRange{c}, maps, iterators,
      [](OpBuilder &nb, Location loc, ValueRange args) {
        Value xy = arith::MulFOp::create(nb, loc, args[0], args[1]);
        Value term = arith::MulFOp::create(nb, loc, xy, args[2]);
        linalg::YieldOp::create(
            nb, loc, ValueRange{arith::AddFOp::create(nb, loc, args[3], term)});
      });
}

void LoopEmitter::scaleBy(Value c, Value w) {
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap wMap = cast<MemRefType>(w.getType()).getRank() == 2
                       ? id
                       : AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  linalg::GenericOp::create(
      b, ValueRange{w}, ValueRange{c}, SmallVector<AffineMap>{wMap, id},
      iterators, [](OpBuilder &nb, Location loc, ValueRange args) {
        linalg::YieldOp::create(
            nb, loc,
            ValueRange{arith::MulFOp::create(nb, loc, args[1], args[0])});
      });
}

Value LoopEmitter::toBuffer(Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

Value LoopEmitter::toTensor(Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  return bufferization::ToTensorOp::create(
      b, RankedTensorType::get(type.getShape(), type.getElementType()), memref,
      /*restrict=*/true, /*writable=*/true);
}
