//===- Passes.td - Transformations of the linea dialect ----*- tablegen -*-===//
//
// Passes that rewrite linea IR without leaving the dialect: reassociation
// (with the raising of attention) and form selection.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD
#define LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

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
    changed. An op whose sequence length is dynamic becomes a dispatch on
    it: `scf.if` on T below each length where the cost model's pick
    changes, with a copy of the op in each picked form (a dynamic batch is
    priced as one sequence); an op with other dynamic sizes is left auto.
    The CPU constants are calibrated by benchmarks/forms.py and recorded in
    docs/FormSelection.md.

    With `remarks`, every op left auto gets a remark that lists each
    candidate form with its estimate and names the pick, for example
    `remark: linea-select-form: chunked (chunk_size 16) 1.2e-05 s picked; also
    recurrent 3.4e-05 s, quadratic 2.1e-05 s, chunked (chunk_size 64)
    1.9e-05 s`; an op it cannot estimate (dynamic shapes) says so.
  }];
  let dependentDialects = ["arith::ArithDialect", "scf::SCFDialect",
                           "tensor::TensorDialect"];
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
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Explain each choice: a remark at every op left auto, with each "
           "form's estimate and the form picked">,
  ];
  let statistics = [
    Statistic<"numSelected", "forms-selected", "Number of forms chosen">,
  ];
}

#endif // LINEA_DIALECT_LINEA_TRANSFORMS_PASSES_TD
