//===- Passes.td - Transformations of the linea dialect ----*- tablegen -*-===//
//
// Passes that rewrite linea IR without leaving the dialect, and the small
// module-level passes the CPU pipeline needs.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD
#define LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExportFunctionsPass : Pass<"linea-export-functions", "ModuleOp"> {
  let summary = "Prepare public functions to be called from C";
  let description = [{
    Compiled models are called from C, C++ and Python through the MLIR C
    interface (`_mlir_ciface_<name>`, memref descriptors by pointer). On every
    public function definition, this pass sets `llvm.emit_c_interface`, so
    that the LLVM lowering emits that wrapper, and marks every tensor
    argument `bufferization.writable = false`: the caller owns its inputs,
    and bufferization must copy rather than write into them.
  }];
  let options = [
    Option<"deviceEntryPoints", "device-entry-points", "bool",
           /*default=*/"false",
           "Also export `<name>_device`, a copy of each public function "
           "whose buffers are device memory (marked linea.device_pointers)">,
  ];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def VectorizeLinalgPass : Pass<"linea-vectorize-linalg", "func::FuncOp"> {
  let summary = "Tile linalg ops on buffers into register blocks and vectorize them";
  let description = [{
    Every linalg op on buffers with a static iteration space (the chunked
    forms' contractions, the model's projections and elementwise ops) is
    tiled into register blocks and vectorized: `vector-width` lanes along
    the loop that walks the output's innermost dimension, and for ops with a
    reduction, `rows` output rows at a time with the reductions tiled by one,
    so that a matmul becomes rank-one updates of a block of accumulators
    kept in registers across the reduction loop (the block's reads and
    writes are hoisted out of it, the block carried as one-dimensional rows).
    Blocks divide their loops, so no vector is masked; the lanes are the
    largest power of two up to `vector-width` dividing the loop, or another
    divisor. The vector ops are lowered to one-dimensional loads, stores and
    FMAs. Loops with no divisor in reach, convolutions and ops the
    vectorizer does not take are left for the loop lowering.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "Lanes along the output's innermost dimension">,
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Output rows per register block of an op with a reduction">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect"];
}

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

def ApproximateMathPass : Pass<"linea-approximate-math"> {
  let summary = "Replace exp, log and log1p by polynomial approximations";
  let description = [{
    Every decay of every op is an `exp`. A libm call cannot be vectorized; a
    polynomial can, on scalars and vectors alike. This pass rewrites f32
    `math.exp`, `math.log` and `math.log1p` into MLIR's polynomial
    approximations (range
    reduction plus a minimax polynomial; the accuracy the test suite checks
    is documented in docs/Numerics.md).

    With `all-functions`, every function MLIR has a polynomial for (tanh,
    erf, sin, cos, atan, expm1, ...) is approximated too: the NVPTX lowering
    would otherwise call libdevice, which is not linked.
  }];
  let options = [
    Option<"allFunctions", "all-functions", "bool", /*default=*/"false",
           "Approximate every function MLIR has a polynomial for, not only "
           "exp, log and log1p">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ReassociatePass : Pass<"linea-reassociate"> {
  let summary = "Raise softmax-free attention; reorder product chains";
  let description = [{
    The associativity trick of linear attention as a general rewrite: a
    chain of matrix products whose intermediate products feed only the next
    product and start from zero is re-parenthesized by the matrix-chain
    dynamic program over the static shapes. `(Q K^T) V` with N = 4096 tokens
    and d = 64 becomes `Q (K^T V)` (2 N d^2 instead of 2 N^2 d
    multiply-adds); when the written order is already cheapest the IR is left
    alone. A product is any linalg contraction with a multiply-add body
    (`linalg.matmul`, `linalg.batch_matmul`, either with transposing
    indexing maps, or a `linalg.generic`), batched with one batch size or
    not; an operand may be read transposed through its map, or, in a batched
    chain, broadcast (a map without the batch dimension), and a product read
    transposed by the next one is expanded as `(A B)^T = B^T A^T`. The
    reordered products are named matmuls where no factor is transposed or
    broadcast, generic multiply-adds reading the factors as they are stored
    otherwise (no transpose is materialized). Factors may come from anything,
    `linalg.transpose` and `linalg.broadcast` results included.

    Before that, attention written without softmax is raised into
    `linea.linear_attention` (one head): `scores = Q K^T` (matmul or
    batch_matmul, K^T a transpose or any tensor), then any of a scale by a
    constant (multiply or divide), a causal mask (`select(i >= j, s, 0)` on
    `linalg.index`, or a constant lower-triangular mask of ones) or a decay
    mask (a constant `gamma^(i-j)` below the diagonal), then the product with
    V. Anything else between the products (a softmax, an exp, an upper or
    strict mask, a second use of the scores) leaves the IR as it is; a bare
    `(Q K^T) V` is left to the reordering, which already makes it linear.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::linea::LineaDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let statistics = [
    Statistic<"numReordered", "chains-reordered",
              "Number of product chains re-parenthesized">,
  ];
}

def SelectFormPass : Pass<"linea-select-form"> {
  let summary = "Choose the evaluation form of every linea op left auto";
  let description = [{
    Replaces `form = auto` (and an absent chunk size) with the form the cost
    model (linea/Dialect/Linea/Transforms/CostModel.h) estimates fastest for
    the op's shapes, element type and gates on the target: among the forms
    that target's lowering implements. A form the user wrote is never
    changed; an op with dynamic shapes is left auto. The CPU constants are
    calibrated by benchmarks/forms.py and recorded in docs/FormSelection.md.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Target: cpu or nvptx">,
    Option<"cores", "cores", "int64_t", /*default=*/"0",
           "CPU cores (0: this machine's)">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "NVPTX streaming multiprocessors">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "NVPTX: the chip has tensor cores">,
    Option<"chip", "chip", "std::string", /*default=*/"\"\"",
           "NVPTX: the GPU architecture (sm_XY); one before sm_80 has no "
           "tf32 tensor cores">,
  ];
  let statistics = [
    Statistic<"numSelected", "forms-selected", "Number of forms chosen">,
  ];
}

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD
