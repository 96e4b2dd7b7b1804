//===- Passes.td - Transformations outside the linea dialect -*- tablegen -*-===//
//
// Passes of the pipelines that never touch a linea op: vectorizing the
// linalg ops around the lowered recurrences (large products as BLIS calls),
// fast math, and the exported entry points of a library.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_TRANSFORMS_PASSES_TD
#define LINEA_TRANSFORMS_PASSES_TD

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

def ForwardOutputBuffersPass : Pass<"linea-forward-output-buffers",
                                     "func::FuncOp"> {
  let summary = "Compute dynamic-size results in the caller's output buffers";
  let description = [{
    After `buffer-results-to-out-params`, a result whose size is known only
    at run time is still computed in a buffer of its own and copied into
    the caller's output buffer before the return (the pass moves static
    allocations only): at a long sequence a copy of the whole output, and a
    fresh allocation (page faults) per call. Where every buffer that reaches
    such a copy is a `memref.alloc` of the function (through `scf.if`
    results and `memref.cast`s) and the output argument has no other use,
    this pass has those allocations be the output argument itself, and drops
    the copy. The checked entry point has verified the output's sizes.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def LinalgToBlasPass : Pass<"linea-linalg-to-blas", "ModuleOp"> {
  let summary = "Run large f32 matmuls as calls into BLIS";
  let description = [{
    Every `linalg.matmul` and `linalg.batch_matmul` on f32 buffers of static
    shape at a function's top level, with at least `min-flops` of work or
    a right-hand side (the weights) of at least `min-weights` elements,
    becomes calls of BLIS's typed `bli_sgemm`, whose per-operand row and
    column strides take transposed operands and views as they are. The
    output is split into blocks of rows (of columns where there are fewer
    than 64 rows, as in a decode step), one serial BLIS call per block in
    an `scf.parallel`: the library's own OpenMP threads run them, one
    thread pool for the whole model. Products inside loops and parallel
    regions (the chunked forms' matrices), other element types and smaller
    products are left to `linea-vectorize-linalg`. The library then links
    BLIS (`linea-compile` does so where it sees the call).
  }];
  let options = [
    Option<"minFlops", "min-flops", "int64_t", /*default=*/"int64_t(1) << 26",
           "The least work (2 M N K, times the batch) that goes to BLIS">,
    Option<"minWeights", "min-weights", "int64_t", /*default=*/"int64_t(1) << 20",
           "The least K N (the weights a decode step streams) that goes to "
           "BLIS">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
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

#endif // LINEA_TRANSFORMS_PASSES_TD
