//===- Passes.td - Transformations of the linea dialect ----*- tablegen -*-===//
//
// Passes that rewrite linea IR without leaving the dialect, and the small
// module-level passes the CPU pipeline needs.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD
#define LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def EmitCInterfacePass : Pass<"linea-emit-c-interface", "ModuleOp"> {
  let summary = "Mark public functions with llvm.emit_c_interface";
  let description = [{
    Compiled models are called from C, C++ and Python through the MLIR C
    interface (`_mlir_ciface_<name>`, memref descriptors by pointer). This
    pass sets `llvm.emit_c_interface` on every public function definition, so
    that the LLVM lowering emits that wrapper.
  }];
}

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD
