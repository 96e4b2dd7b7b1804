//===- DynamicSizes.cpp - How a function's dynamic sizes relate ----------===//
//
// A union-find over (tensor, dimension) sites: each op the body holds ties
// the sites it requires equal (a linalg op through its indexing maps, a
// linea op through its batch and sequence dimensions, tensor.empty through
// the tensor.dim it is sized by, the return through the results). A class
// that holds an argument's dimension is checked against it; one that holds
// a static size, against that.
//
//===----------------------------------------------------------------------===//

#include "DynamicSizes.h"
#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace mlir::linea;

namespace {

class SizeClasses {
public:
  /// The class of dimension `dim` of the tensor `v`.
  int site(Value v, unsigned dim) {
    auto [it, inserted] = valueSites.try_emplace({v, dim}, 0);
    if (inserted) {
      it->second = fresh();
      auto type = cast<ShapedType>(v.getType());
      if (!type.isDynamicDim(dim))
        known[it->second] = type.getDimSize(dim);
    }
    return it->second;
  }
  /// The class of loop `loop` of an op (a linalg op's iteration space).
  int loop(Operation *op, unsigned loop) {
    auto [it, inserted] = loopSites.try_emplace({op, loop}, 0);
    if (inserted)
      it->second = fresh();
    return it->second;
  }
  /// The class of dimension `dim` of result `index` of the function.
  int result(unsigned index, unsigned dim) {
    auto [it, inserted] = resultSites.try_emplace({index, dim}, 0);
    if (inserted)
      it->second = fresh();
    return it->second;
  }

  int find(int x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(int x, int y) {
    x = find(x), y = find(y);
    if (x == y)
      return;
    parent[y] = x;
    if (!known[x] && known[y])
      known[x] = known[y];
  }
  std::optional<int64_t> knownSize(int x) { return known[find(x)]; }

private:
  int fresh() {
    parent.push_back(parent.size());
    known.push_back(std::nullopt);
    return parent.size() - 1;
  }

  SmallVector<int> parent;
  SmallVector<std::optional<int64_t>> known;
  DenseMap<std::pair<Value, unsigned>, int> valueSites;
  DenseMap<std::pair<Operation *, unsigned>, int> loopSites;
  DenseMap<std::pair<unsigned, unsigned>, int> resultSites;
};

bool hasDynamicTensor(TypeRange types) {
  return llvm::any_of(types, [](Type t) {
    auto shaped = dyn_cast<RankedTensorType>(t);
    return shaped && !shaped.hasStaticShape();
  });
}

unsigned rankOf(Value v) { return cast<ShapedType>(v.getType()).getRank(); }

bool isRankedTensor(Value v) { return isa<RankedTensorType>(v.getType()); }

/// A packed batch: the class of its states' first dimension is that of its
/// offsets' minus one, and the offsets' values end at its T.
struct Packed {
  Value offsets;
  int sequences, tokens;
};

/// Ties the sites `op` requires equal; fails at an op whose sizes it cannot
/// relate.
LogicalResult relate(Operation *op, SizeClasses &classes,
                     SmallVectorImpl<Packed> &packed) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isRankedTensor(operand.get()))
        continue;
      AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
      for (auto [d, expr] : llvm::enumerate(map.getResults())) {
        if (auto dimExpr = dyn_cast<AffineDimExpr>(expr)) {
          classes.unite(classes.loop(op, dimExpr.getPosition()),
                        classes.site(operand.get(), d));
          continue;
        }
        if (cast<ShapedType>(operand.get().getType()).isDynamicDim(d))
          return op->emitError("the checked entry point cannot relate "
                               "dynamic dimension ")
                 << d << " of operand " << operand.getOperandNumber()
                 << " to the op's iteration space";
      }
    }
    for (auto [init, result] :
         llvm::zip(linalgOp.getDpsInits(), op->getResults()))
      if (isRankedTensor(result))
        for (unsigned d = 0; d < rankOf(result); ++d)
          classes.unite(classes.site(init, d), classes.site(result, d));
    return success();
  }
  if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
    for (unsigned d = 0; d < rankOf(empty); ++d) {
      int site = classes.site(empty, d);
      if (!empty.getType().isDynamicDim(d))
        continue;
      Value size = empty.getDynamicSize(d);
      if (auto dim = size.getDefiningOp<tensor::DimOp>())
        if (std::optional<int64_t> index = dim.getConstantIndex())
          classes.unite(site, classes.site(dim.getSource(), *index));
    }
    return success();
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op)) {
    for (unsigned d = 0; d < rankOf(cast.getSource()); ++d)
      classes.unite(classes.site(cast.getSource(), d),
                    classes.site(cast.getResult(), d));
    return success();
  }
  if (auto ret = dyn_cast<func::ReturnOp>(op)) {
    for (auto [i, v] : llvm::enumerate(ret.getOperands()))
      if (isRankedTensor(v))
        for (unsigned d = 0; d < rankOf(v); ++d)
          classes.unite(classes.site(v, d), classes.result(i, d));
    return success();
  }
  if (isa<LineaDialect>(op->getDialect())) {
    // Every batch dimension of the op is one size, every sequence one.
    std::optional<int> batch, sequence;
    for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
      if (!isRankedTensor(v))
        continue;
      for (unsigned d = 0; d < rankOf(v); ++d) {
        DimRole role = getDimRole(op, v, d);
        if (role != DimRole::batch && role != DimRole::sequence)
          continue;
        std::optional<int> &group = role == DimRole::batch ? batch : sequence;
        int site = classes.site(v, d);
        if (group)
          classes.unite(*group, site);
        else
          group = site;
      }
    }
    if (Value offsets = getPackedOffsets(op))
      packed.push_back({offsets, batch ? *batch : classes.loop(op, 0),
                        sequence ? *sequence : classes.loop(op, 1)});
    return success();
  }
  if (isa<tensor::DimOp>(op) ||
      !hasDynamicTensor(llvm::to_vector(llvm::concat<Type>(
          TypeRange(op->getOperandTypes()), TypeRange(op->getResultTypes())))))
    return success();
  return op->emitError("the checked entry point cannot relate the dynamic "
                       "sizes of '")
         << op->getName() << "' to the function's arguments";
}

} // namespace

FailureOr<DynamicSizes> mlir::linea::relateDynamicSizes(func::FuncOp func) {
  SizeClasses classes;
  SmallVector<Packed> packed;
  WalkResult walk = func.walk([&](Operation *op) {
    return failed(relate(op, classes, packed)) ? WalkResult::interrupt()
                                               : WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  FunctionType type = func.getFunctionType();
  unsigned numArgs = type.getNumInputs();
  // The first argument dimension of each class; a packed batch's states'
  // class follows from its offsets' argument (size - 1), where it has no
  // argument of its own.
  DenseMap<int, ParamDim> firstArgument;
  DenseMap<int, ParamDim> fromOffsets;
  for (const Packed &p : packed)
    if (auto arg = dyn_cast<BlockArgument>(p.offsets))
      if (arg.getOwner()->getParentOp() == func)
        fromOffsets.try_emplace(classes.find(p.sequences),
                                ParamDim{arg.getArgNumber(), 0});
  DynamicSizes result;
  auto &sizes = result.sizes;
  auto sourceOf = [&](int root, DynamicSize &size) {
    auto it = firstArgument.find(root);
    if (it != firstArgument.end()) {
      size.source = it->second;
      return;
    }
    auto from = fromOffsets.find(root);
    if (from != fromOffsets.end()) {
      size.source = from->second;
      size.offset = -1;
    }
  };
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    auto shaped = dyn_cast<RankedTensorType>(t);
    if (!shaped)
      continue;
    for (unsigned d = 0; d < shaped.getRank(); ++d) {
      int root = classes.find(classes.site(func.getArgument(i), d));
      DynamicSize size{std::nullopt, 0, classes.knownSize(root)};
      sourceOf(root, size);
      // A static size needs a check only against a packed batch's offsets.
      if (!shaped.isDynamicDim(d) && !size.offset)
        continue;
      if (!size.source) {
        // The first argument of its class: the others are checked
        // against it.
        firstArgument.try_emplace(root, ParamDim{unsigned(i), d});
        size.source = ParamDim{unsigned(i), d};
      }
      sizes[{unsigned(i), d}] = size;
    }
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    auto shaped = dyn_cast<RankedTensorType>(t);
    if (!shaped)
      continue;
    for (unsigned d = 0; d < shaped.getRank(); ++d) {
      if (!shaped.isDynamicDim(d))
        continue;
      int root = classes.find(classes.result(i, d));
      DynamicSize size{std::nullopt, 0, classes.knownSize(root)};
      sourceOf(root, size);
      if (!size.source && !size.known)
        return func.emitError("result ")
                   << i << " has a dynamic size in dimension " << d
                   << " that is no argument's size: the caller of a checked "
                      "entry point allocates every result, so each of its "
                      "sizes must follow from the arguments' sizes",
               failure();
      sizes[{numArgs + unsigned(i), d}] = size;
    }
  }
  for (const Packed &p : packed) {
    auto arg = dyn_cast<BlockArgument>(p.offsets);
    if (!arg || arg.getOwner()->getParentOp() != func)
      continue;
    OffsetsCheck check;
    check.param = arg.getArgNumber();
    int root = classes.find(p.tokens);
    auto it = firstArgument.find(root);
    if (it != firstArgument.end())
      check.tokens = it->second;
    check.knownTokens = classes.knownSize(root);
    if (check.tokens || check.knownTokens)
      result.offsets.push_back(check);
  }
  return result;
}
