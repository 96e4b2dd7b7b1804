//===- Passes.td - Transformations of GPU code ---------------*- tablegen -*-===//
//
// Passes of the NVPTX and emulator pipelines over gpu, memref and math IR:
// where buffers live, NVPTX intrinsics for math, the GPU emulator.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_TRANSFORMS_GPU_PASSES_TD
#define LINEA_TRANSFORMS_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CopiesToLinalgPass : Pass<"linea-copies-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization leaves `memref.copy` ops (tensor.pad, insert_slice,
    copies the deallocation pipeline makes); on the GPU they would run on
    the host, on device buffers. As `linalg.copy` they become parallel
    loops and then kernels like every other linalg op.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def MathToNVPTXIntrinsicsPass : Pass<"linea-math-to-nvptx-intrinsics"> {
  let summary = "Math ops of GPU kernels as LLVM intrinsics NVPTX selects";
  let description = [{
    The NVVM lowering turns `math.sqrt`, `rsqrt`, `absf`, `floor`, `ceil`
    and `fma` into libdevice calls (`__nv_sqrtf`, ...), and marks the LLVM
    intrinsics for them illegal; Debian ships no libdevice to link. The
    NVPTX backend selects those intrinsics to single instructions
    (`sqrt.rn.f32`, `abs.f32`, `cvt.rmi.f32.f32`, `fma.rn.f32`), so this
    pass emits them as `llvm.call_intrinsic` before that lowering (rsqrt as
    a division by the square root, correctly rounded as the others). Run on
    GPU modules (or any op); other math ops are left alone.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def GPUResidencyPass : Pass<"linea-gpu-residency", "ModuleOp"> {
  let summary = "Place the buffers of GPU kernels in device memory";
  let description = [{
    Runs on buffers (after bufferization), where every `gpu.launch` reads
    and writes the buffers it captures. For each buffer a launch captures
    (through views such as expand_shape):

    - a `memref.alloc` used only by launches (and its dealloc) becomes a
      `gpu.alloc` (and `gpu.dealloc`): temporaries never touch the host;
    - a function argument or global used only by launches gets one device
      copy for the whole call: copied in at entry, copied back before each
      return if a launch writes it, freed;
    - a buffer also used on the host is copied in before each launch and
      back after it (if written).

    In a function marked `linea.device_pointers` the arguments are device
    memory already: they are used as they are, and a temporary that the host
    would touch is an error.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def EmulateGPUPass : Pass<"linea-emulate-gpu", "ModuleOp"> {
  let summary = "Run gpu.launch kernels on the host, a thread per GPU thread";
  let description = [{
    Checks GPU kernels on machines without a GPU: each `gpu.launch` (on
    buffers, before outlining) becomes a loop over its blocks, and each
    block an `omp.parallel` region with one OpenMP thread per GPU thread.
    `gpu.barrier` becomes `omp.barrier`, the launch's dynamic shared memory
    a host buffer per block, thread ids come from `omp_get_thread_num`; an
    f32 xor `gpu.shuffle` exchanges through a buffer between two team
    barriers (the kernels run their shuffles in uniform control flow), and
    so does a warp's `nvgpu.mma.sync` (m16n8k8 on tf32): each thread
    computes its accumulator entries from the other lanes' fragments, laid
    out as the PTX ISA documents them. The
    kernels' code (indexing, staging, barriers, arithmetic) is the code the
    NVPTX pipeline compiles; what differs is the memory system and the
    instruction selection.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // LINEA_TRANSFORMS_GPU_PASSES_TD
