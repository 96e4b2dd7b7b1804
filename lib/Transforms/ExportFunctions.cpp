//===- ExportFunctions.cpp - Prepare public functions for C callers -*- C++
//-*-===//
//
// Compiled models are called through `_mlir_ciface_` wrappers on buffers the
// caller owns: ask for the wrappers, and keep bufferization off the inputs.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/GPU/Passes.h"
#include "linea/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::linea {
#define GEN_PASS_DEF_EXPORTFUNCTIONSPASS
#include "linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {
struct ExportFunctionsPass
    : public linea::impl::ExportFunctionsPassBase<ExportFunctionsPass> {
  using Base::Base;

  void runOnOperation() override {
    Builder b(&getContext());
    if (deviceEntryPoints) {
      // The copies go next to their originals, before the loop below sees
      // them.
      SymbolTable symbols(getOperation());
      for (auto func :
           llvm::to_vector(getOperation().getOps<func::FuncOp>())) {
        if (!func.isPublic() || func.isExternal() ||
            func->hasAttr(linea::kDevicePointersAttr))
          continue;
        auto copy = func.clone();
        copy.setSymName((func.getSymName() + "_device").str());
        copy->setAttr(linea::kDevicePointersAttr, b.getUnitAttr());
        symbols.insert(copy, std::next(Block::iterator(func)));
      }
    }
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    b.getUnitAttr());
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
        if (isa<TensorType>(type))
          func.setArgAttr(
              i, bufferization::BufferizationDialect::kWritableAttrName,
              b.getBoolAttr(false));
    }
  }
};
} // namespace
