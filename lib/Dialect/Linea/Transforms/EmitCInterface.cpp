//===- EmitCInterface.cpp - Mark public functions for the C interface -*- C++ -*-===//
//
// Compiled models are called through `_mlir_ciface_` wrappers; this pass asks
// the LLVM lowering to emit them for every public function definition.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::linea {
#define GEN_PASS_DEF_EMITCINTERFACEPASS
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {
struct EmitCInterfacePass
    : public linea::impl::EmitCInterfacePassBase<EmitCInterfacePass> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), unit);
  }
};
} // namespace
