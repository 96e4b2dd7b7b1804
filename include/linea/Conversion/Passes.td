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
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ConvertLineaToGPUPass : Pass<"convert-linea-to-gpu"> {
  let summary = "Lower linea ops to gpu.launch kernels over buffers (NVPTX)";
  let description = [{
    The GPU counterpart of `convert-linea-to-loops`, on the same recurrence
    core and with the same buffer interface (`bufferization.to_buffer` in,
    `bufferization.to_tensor` out), every form of every op:

    - the recurrent form of `linear_attention` (causal), `wkv6` and `wkv7`:
      one block per (batch, head, tile of up to 32 value columns), up to 4
      threads per value column each holding K / 4 of its state entries in
      registers (key dot products summed by warp shuffles), the token loop
      inside the kernel, and the tokens' query, key, decay (its exp computed
      once per entry) and rank-one rows staged in workgroup memory a block
      of tokens at a time;
    - `selective_scan`, recurrent and every phase of the scan form: N
      threads per (batch, channel[, chunk]), one state entry each, read-outs
      summed by warp shuffles; `wkv4`: a thread per (batch, channel);
    - the chunked and quadratic forms of causal `linear_attention`, `wkv6`
      and `wkv7`, for K a multiple of 16 and V of 8: one warp per (batch,
      head, tile of value columns), chunks of 16 tokens staged in workgroup
      memory with their decays' running products, the scores on the CUDA
      cores (two lanes per query row, summed by a shuffle), `A V`,
      `(Q .* P) S`, the state update (and RWKV-7's rows `a_t^T S_{t-1}`) as
      `nvgpu.mma.sync` m16n8k8 on tf32 operand pairs (f32 accuracy, f32
      accumulators);
    - the other chunked and quadratic forms (head sizes the mma does not
      tile) and non-causal linear attention: a thread per (batch, head, value column)
      evaluating that column.

    Kernels read the op's buffers directly; where they live (host or device
    memory) is decided later by `linea-gpu-residency`. With
    `tensor-cores=false` (a chip before sm_80, which has no tf32
    `mma.sync`), the chunked and quadratic forms take the thread-per-column
    kernel.
  }];
  let options = [
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "The chip has tf32 mma.sync (sm_80 and later)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // LINEA_CONVERSION_PASSES_TD
