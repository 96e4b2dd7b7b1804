//===- Passes.td - Conversions out of the linea dialect ----*- tablegen -*-===//
//
// Lowerings of linea ops to upstream dialects.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_CONVERSION_PASSES_TD
#define LINEA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLineaToLoopsPass : Pass<"convert-linea-to-loops"> {
  let summary = "Lower linea ops to scf loops over buffers (CPU)";
  let description = [{
    Lowers every linea op to `scf.parallel` over its independent slices
    ((batch, head) or (batch, channel)) with the token loop inside, on
    buffers taken from the op's tensors (`bufferization.to_buffer`) and
    handed back as tensors (`bufferization.to_tensor`), so that one-shot
    bufferization of the surrounding IR applies unchanged.

    Implemented forms: `recurrent` for every op, `quadratic` and `chunked`
    for `linear_attention`, `chunked` for `wkv6` and `wkv7`, `scan` for
    `selective_scan` (chunk size from `chunk_size`, 64 when absent); `auto` is lowered as `recurrent` (the CPU
    pipeline runs `linea-select-form` first, which chooses). Activations of any element type
    are read and written in their type; the state and all arithmetic are f32.
    An op in a form without a CPU lowering, or with dynamic shapes, is an
    error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // LINEA_CONVERSION_PASSES_TD
