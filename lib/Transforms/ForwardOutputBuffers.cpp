//===- ForwardOutputBuffers.cpp - Results in the caller's buffers -------===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::linea {
#define GEN_PASS_DEF_FORWARDOUTPUTBUFFERSPASS
#include "linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {

/// The allocations whose buffer `v` may be, through scf.if results and
/// casts; false where it may be anything else.
bool collectAllocs(Value v, SmallVectorImpl<memref::AllocOp> &allocs) {
  if (auto alloc = v.getDefiningOp<memref::AllocOp>()) {
    allocs.push_back(alloc);
    return true;
  }
  if (auto cast = v.getDefiningOp<memref::CastOp>())
    return collectAllocs(cast.getSource(), allocs);
  if (auto ifOp = v.getDefiningOp<scf::IfOp>()) {
    unsigned i = cast<OpResult>(v).getResultNumber();
    return ifOp.elseBlock() &&
           collectAllocs(ifOp.thenYield().getOperand(i), allocs) &&
           collectAllocs(ifOp.elseYield().getOperand(i), allocs);
  }
  return false;
}

struct ForwardOutputBuffersPass
    : public linea::impl::ForwardOutputBuffersPassBase<
          ForwardOutputBuffersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    SmallVector<memref::CopyOp> copies;
    for (memref::CopyOp copy : func.getBody().front().getOps<memref::CopyOp>())
      copies.push_back(copy);
    for (memref::CopyOp copy : copies) {
      auto out = dyn_cast<BlockArgument>(copy.getTarget());
      if (!out || out.getOwner() != &func.getBody().front() || !out.hasOneUse())
        continue;
      auto outType = cast<MemRefType>(out.getType());
      SmallVector<memref::AllocOp> allocs;
      if (!collectAllocs(copy.getSource(), allocs))
        continue;
      // Every allocation must be in the function's body at the top level
      // or in scf.if branches (executed at most once per call), and of the
      // output's shape, so that it can be the output.
      bool ok = llvm::all_of(allocs, [&](memref::AllocOp alloc) {
        auto type = alloc.getType();
        return type.getShape() == outType.getShape() &&
               type.getElementType() == outType.getElementType() &&
               type.getLayout().isIdentity() &&
               outType.getLayout().isIdentity() &&
               llvm::all_of(alloc->getUsers(), [&](Operation *user) {
                 return !isa<memref::DeallocOp>(user);
               });
      });
      if (!ok)
        continue;
      bool insideLoop = llvm::any_of(allocs, [&](memref::AllocOp alloc) {
        for (Operation *p = alloc->getParentOp(); p != func;
             p = p->getParentOp())
          if (!isa<scf::IfOp>(p))
            return true;
        return false;
      });
      if (insideLoop)
        continue;
      for (memref::AllocOp alloc : llvm::make_early_inc_range(allocs)) {
        alloc.getResult().replaceAllUsesWith(out);
        alloc.erase();
      }
      copy.erase();
    }
  }
};

} // namespace
