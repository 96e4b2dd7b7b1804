//===- ExportFunctions.cpp - Prepare public functions for C callers -*- C++
//-*-===//
//
// Compiled models are called through `_mlir_ciface_` wrappers on buffers the
// caller owns: ask for the wrappers, and keep bufferization off the inputs.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::linea {
#define GEN_PASS_DEF_EXPORTFUNCTIONSPASS
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {
struct ExportFunctionsPass
    : public linea::impl::ExportFunctionsPassBase<ExportFunctionsPass> {
  void runOnOperation() override {
    Builder b(&getContext());
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
