//===- LineaOps.td - Operations of the linea dialect -------*- tablegen -*-===//
//
// Linear attention, selective scan, WKV (RWKV-4/6/7), the gated delta rule,
// Mamba-2's SSD and the short causal convolution before them. The semantics
// are the contract of docs/Rationale.md and DESIGN.md section 2; each op
// lists its constraints as C1, C2, ... and the verifier tags its
// diagnostics with them.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_LINEAOPS_TD
#define LINEA_DIALECT_LINEA_IR_LINEAOPS_TD

include "linea/Dialect/Linea/IR/LineaDialect.td"
include "linea/Dialect/Linea/IR/LineaEnums.td"
include "linea/Dialect/Linea/IR/LineaInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// A linea op and its table of forms: `cpuForms` and `gpuForms` are the
/// forms each target's lowering implements. The verifier (`form` is `auto` or
/// one of them), the lowerings, the cost model and the op's documentation
/// all read this table; `formsDoc` is its text for the description.
class Linea_RecurrenceOp<string mnemonic, list<Trait> traits = [],
                         list<string> overridden = []>
    : Linea_Op<mnemonic, traits # [Pure,
        DeclareOpInterfaceMethods<InferTypeOpInterface>,
        DeclareOpInterfaceMethods<Linea_RecurrenceOpInterface,
            ["getRecurrenceSignature", "getImplementedForms"] # overridden>]> {
  // The state is returned as a second result exactly when `with_final_state`
  // is set; the result types follow from the operands.
  let results = (outs AnyRankedTensor:$output,
                     Optional<AnyRankedTensor>:$final_state);

  list<string> cpuForms = ["recurrent"];
  list<string> gpuForms = cpuForms;

  string formsDoc = "\n    Forms (`form = auto` lets `linea-select-form` choose):\n"
      # "    * CPU: " # !interleave(!foreach(f, cpuForms, "`" # f # "`"), ", ")
      # ".\n    * GPU: "
      # !interleave(!foreach(f, gpuForms, "`" # f # "`"), ", ") # ".\n";

  let extraClassDefinition = [{
    ::llvm::ArrayRef<::mlir::linea::Form>
    $cppClass::getImplementedForms(::mlir::linea::TargetKind target) {
      static constexpr ::mlir::linea::Form cpu[] = {}]
      # !interleave(!foreach(f, cpuForms, "::mlir::linea::Form::" # f), ", ")
      # [{};
      static constexpr ::mlir::linea::Form gpu[] = {}]
      # !interleave(!foreach(f, gpuForms, "::mlir::linea::Form::" # f), ", ")
      # [{};
      if (target == ::mlir::linea::TargetKind::CPU)
        return cpu;
      return gpu;
    }
  }];
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

def Linea_LinearAttentionOp : Linea_RecurrenceOp<"linear_attention",
    [AttrSizedOperandSegments], ["getCuSeqlensValue"]> {
  let summary = "Linear attention, with optional decay, gates and grouped heads";
  let description = [{
    With `q^_t = scale * phi(q_t)`, `k^_t = phi(k_t)` and
    `a_t = exp(gate_t + decay)` (1 where both are absent), the causal op
    computes, per batch and head,

        S_0 = initial_state (or 0)
        S_t = diag(a_t) S_{t-1} + k^_t^T v_t        (K x V, key-major)
        o_t = q^_t S_t                               (current token included)

    With `normalize`, `z_t = a_t * z_{t-1} + k^_t` and
    `o_t = q^_t S_t / (q^_t . z_t + 1e-6)`. Without `causal`,
    `O = q^ (k^^T V)` (plus `q^ S_0`), normalized by `q^ (k^^T 1)`.

    Head `h` reads the query/key head `h / (H / Hk)`, so `Hk < H` shares
    queries and keys across a group of heads (GQA, Mamba-2 groups). A gate of
    shape `[B, T, H]` is one log-decay per head and token (RetNet, Mamba-2);
    `[B, T, H, K]` is one per key channel (GLA). `scale` defaults to
    `K^-1/2`; `decay` is an optional constant log-decay per head.

    Constraints:
    * (C1) `q` has rank 4: `[B, T, Hk, K]`.
    * (C2) `k` has the shape of `q`.
    * (C3) `v` has shape `[B, T, H, V]` with `H % Hk == 0`.
    * (C4) `gate`, if present, has shape `[B, T, H]` or `[B, T, H, K]`.
    * (C5) `initial_state`, if present, has shape `[B, H, K, V]` and element
      type f32.
    * (C6) `q`, `k`, `v` and `gate` share one element type: f32, f16 or bf16.
    * (C7) `gate` and `decay` require `causal`.
    * (C8) `normalize` excludes `initial_state` and `with_final_state`.
    * (C9) `decay`, if present, has `H` finite entries.
    * (C10) `scale`, if present, is finite and positive.
    * (C11) `form` is `auto` or one of the op's forms (below).
    * (C12) `chunk_size`, if present, is positive and goes with `form` `auto`
      or `chunked`.
    * (C13) `Hk`, `H`, `K` and `V` are positive.
    * (C14) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, from
      state i to state i; no state crosses a boundary. The offsets must
      start at 0, never decrease and end at T: linea-compile's checked
      entry point rejects others when they are an argument, and the
      kernels clamp them into [0, T] (no access outside the tokens).

    Empty batches and sequences: B = 0 or T = 0 is valid. The outputs are
    empty; with T = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, T, H, V]` with the element type of `v`; with
    `with_final_state`, `final_state : [B, H, K, V]` in f32.

    Example:

    ```mlir
    %o, %s = linea.linear_attention %q, %k, %v
        gate(%g : tensor<2x64x8x16xf32>)
        initial_state(%s0 : tensor<2x8x16x32xf32>) final_state
        {causal, form = #linea.form<chunked>, chunk_size = 32 : i64}
        : tensor<2x64x4x16xf32>, tensor<2x64x4x16xf32>, tensor<2x64x8x32xf32>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "quadratic", "chunked"];
  let arguments = (ins
    AnyRankedTensor:$q, AnyRankedTensor:$k, AnyRankedTensor:$v,
    Optional<AnyRankedTensor>:$gate,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    UnitAttr:$causal,
    UnitAttr:$normalize,
    DefaultValuedAttr<Linea_FeatureMapAttr, "FeatureMap::identity">:$feature_map,
    OptionalAttr<F32Attr>:$scale,
    OptionalAttr<DenseF32ArrayAttr>:$decay,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $q `,` $k `,` $v
    (`gate` `(` $gate^ `:` type($gate) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($q) `,` type($k) `,` type($v)
  }];
  let extraClassDeclaration = [{
    /// The query scale: the `scale` attribute, or K^-1/2.
    float getScaleOrDefault();
  }];
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

def Linea_SelectiveScanOp : Linea_RecurrenceOp<"selective_scan",
    [AttrSizedOperandSegments]> {
  let summary = "Mamba-1 selective scan";
  let description = [{
    The semantics of mamba_ssm's `selective_scan_fn`, plus an initial state.
    Channel `d` uses group `g(d) = d / (D / G)`:

        dt_t    = softplus(delta_t + delta_bias)   (if delta_softplus)
                  delta_t + delta_bias             (otherwise)
        x_t[d,n] = exp(dt_t[d] A[d,n]) x_{t-1}[d,n] + dt_t[d] Bm_t[g(d),n] u_t[d]
        y_t[d]   = sum_n Cm_t[g(d),n] x_t[d,n] + D_skip[d] u_t[d]
        y_t[d]  *= silu(z_t[d])                    (if z is present)

    with `softplus(x) = x` for `x > 20` and `log1p(exp(x))` otherwise.

    Constraints:
    * (C1) `u` has rank 3: `[B, D, L]`.
    * (C2) `delta` has the shape of `u`.
    * (C3) `A` has shape `[D, N]` and element type f32.
    * (C4) `Bm` and `Cm` have shape `[B, G, N, L]` with `D % G == 0`.
    * (C5) `D_skip` and `delta_bias`, if present, have shape `[D]` and
      element type f32.
    * (C6) `z`, if present, has the shape of `u`.
    * (C7) `initial_state`, if present, has shape `[B, D, N]` and element
      type f32.
    * (C8) `u`, `delta`, `Bm`, `Cm` and `z` share one element type: f32, f16
      or bf16.
    * (C9) `form` is `auto` or one of the op's forms (below).
    * (C10) `chunk_size`, if present, is positive and goes with `form` `auto`
      or `scan`.
    * (C11) `D`, `N` and `G` are positive.

    Empty batches and sequences: B = 0 or L = 0 is valid. The outputs are
    empty; with L = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, D, L]` with the element type of `u`; with
    `with_final_state`, `final_state : [B, D, N]` in f32.

    Example:

    ```mlir
    %y = linea.selective_scan %u, %dt, %A, %Bm, %Cm
        D_skip(%D : tensor<64xf32>) z(%z : tensor<1x64x128xf32>)
        delta_bias(%db : tensor<64xf32>) {delta_softplus}
        : tensor<1x64x128xf32>, tensor<1x64x128xf32>, tensor<64x16xf32>,
          tensor<1x1x16x128xf32>, tensor<1x1x16x128xf32>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "scan"];
  let arguments = (ins
    AnyRankedTensor:$u, AnyRankedTensor:$delta, AnyRankedTensor:$A,
    AnyRankedTensor:$Bm, AnyRankedTensor:$Cm,
    Optional<AnyRankedTensor>:$D_skip,
    Optional<AnyRankedTensor>:$z,
    Optional<AnyRankedTensor>:$delta_bias,
    Optional<AnyRankedTensor>:$initial_state,
    UnitAttr:$delta_softplus,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $u `,` $delta `,` $A `,` $Bm `,` $Cm
    (`D_skip` `(` $D_skip^ `:` type($D_skip) `)`)?
    (`z` `(` $z^ `:` type($z) `)`)?
    (`delta_bias` `(` $delta_bias^ `:` type($delta_bias) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($u) `,` type($delta) `,` type($A) `,` type($Bm) `,`
    type($Cm)
  }];
}

//===----------------------------------------------------------------------===//
// Wkv4Op
//===----------------------------------------------------------------------===//

def Linea_Wkv4Op : Linea_RecurrenceOp<"wkv4", [AttrSizedOperandSegments],
    ["getEmptyState", "getCuSeqlensValue"]> {
  let summary = "RWKV-4 WKV, in the numerically stable running-max form";
  let description = [{
    Per channel `c`, with the per-step log-decay `-exp(w)`:

        y_t = (sum_{i<t} e^{-(t-1-i) exp(w) + k_i} v_i + e^{u + k_t} v_t)
            / (sum_{i<t} e^{-(t-1-i) exp(w) + k_i}     + e^{u + k_t})

    The state `[B, 3, C]` holds `(aa, bb, pp)`: numerator and denominator,
    both scaled by `e^{-pp}`, and the running maximum exponent `pp`. The
    empty state is `(0, 0, -1e38)`. Every exponent is taken relative to the
    running maximum, so the output is finite for `k` in the hundreds.

    Constraints:
    * (C1) `k` has rank 3: `[B, T, C]`.
    * (C2) `v` has the shape of `k`.
    * (C3) `w` and `u` have shape `[C]` and element type f32.
    * (C4) `initial_state`, if present, has shape `[B, 3, C]` and element
      type f32.
    * (C5) `k` and `v` share one element type: f32, f16 or bf16.
    * (C6) `form` is `auto` or one of the op's forms (below).
    * (C7) `chunk_size`, if present, is positive and goes with `form` `auto`
      or `scan`.
    * (C8) `C` is positive.
    * (C9) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, from
      state i to state i (the scan form's chunks are each sequence's).
      The offsets must start at 0, never decrease and end at T (checked as
      for the other ops).

    Empty batches and sequences: B = 0 or T = 0 is valid. The outputs are
    empty; with T = 0 the final state is `initial_state` (the empty state without one).

    Results: `output : [B, T, C]` with the element type of `v`; with
    `with_final_state`, `final_state : [B, 3, C]` in f32.

    Example:

    ```mlir
    %y, %s = linea.wkv4 %w, %u, %k, %v final_state
        : tensor<512xf32>, tensor<512xf32>, tensor<1x32x512xf32>,
          tensor<1x32x512xf32>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "scan"];
  let arguments = (ins
    AnyRankedTensor:$w, AnyRankedTensor:$u,
    AnyRankedTensor:$k, AnyRankedTensor:$v,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $w `,` $u `,` $k `,` $v
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($w) `,` type($u) `,` type($k) `,` type($v)
  }];
}

//===----------------------------------------------------------------------===//
// Wkv6Op
//===----------------------------------------------------------------------===//

def Linea_Wkv6Op : Linea_RecurrenceOp<"wkv6",
    [AttrSizedOperandSegments], ["getCuSeqlensValue"]> {
  let summary = "RWKV-5/6 WKV with data-dependent decay and a bonus";
  let description = [{
    Per batch and head, with a key-major state `S : [S, S]`:

        o_t[j]   = scale * sum_i r_t[i] (S_{t-1}[i,j] + u[i] k_t[i] v_t[j])
        S_t[i,j] = exp(w_t[i]) S_{t-1}[i,j] + k_t[i] v_t[j]

    `w` is the log-decay per token and key channel. RWKV-5 is this op with a
    decay that does not depend on `t`.

    Constraints:
    * (C1) `r` has rank 4: `[B, T, H, S]`.
    * (C2) `k`, `v` and `w` have the shape of `r`.
    * (C3) `u` has shape `[H, S]` and element type f32.
    * (C4) `initial_state`, if present, has shape `[B, H, S, S]` and element
      type f32.
    * (C5) `r`, `k`, `v` and `w` share one element type: f32, f16 or bf16.
    * (C6) `scale`, if present, is finite.
    * (C7) `form` is `auto` or one of the op's forms (below).
    * (C8) `chunk_size`, if present, is positive and goes with `form` `auto`
      or `chunked`.
    * (C9) `H` and `S` are positive.
    * (C10) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, from
      state i to state i; no state crosses a boundary. The offsets must
      start at 0, never decrease and end at T: linea-compile's checked
      entry point rejects others when they are an argument, and the
      kernels clamp them into [0, T] (no access outside the tokens).

    Empty batches and sequences: B = 0 or T = 0 is valid. The outputs are
    empty; with T = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, T, H, S]` with the element type of `v`; with
    `with_final_state`, `final_state : [B, H, S, S]` in f32.

    Example:

    ```mlir
    %o = linea.wkv6 %r, %k, %v, %w, %u
        : tensor<1x64x4x64xbf16>, tensor<1x64x4x64xbf16>,
          tensor<1x64x4x64xbf16>, tensor<1x64x4x64xbf16>, tensor<4x64xf32>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "chunked"];
  let arguments = (ins
    AnyRankedTensor:$r, AnyRankedTensor:$k, AnyRankedTensor:$v,
    AnyRankedTensor:$w, AnyRankedTensor:$u,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    OptionalAttr<F32Attr>:$scale,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $r `,` $k `,` $v `,` $w `,` $u
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($r) `,` type($k) `,` type($v) `,` type($w) `,` type($u)
  }];
}

//===----------------------------------------------------------------------===//
// Wkv7Op
//===----------------------------------------------------------------------===//

def Linea_Wkv7Op : Linea_RecurrenceOp<"wkv7",
    [AttrSizedOperandSegments], ["getCuSeqlensValue"]> {
  let summary = "RWKV-7 WKV: a diagonal-plus-rank-one state transition";
  let description = [{
    Per batch and head `h` (receptance head `h / (H / Hk)`), in key-major
    orientation:

        S_t = (diag(exp(w_t)) + b_t a_t^T) S_{t-1} + k_t v_t^T
        o_t = scale * r_t^T S_t                       (scale defaults to 1)

    RWKV-7's reference keeps the value-major transpose
    (`S <- S diag(w) + (S a) b^T + v k^T`, `y = S r`); in RWKV-7 models
    `a = -kk` and `b = kk * a_gate`.

    The gated delta rule is this op exactly: with `q^`, `k^` the
    (normalized) query and key, `r = q^` (Hk = H query heads shared by the
    value heads), `w = g` (the log-decay, per key or broadcast per head),
    `k = beta k^`, `a = exp(g) k^`, `b = -beta k^` and `scale` the query
    scale. `linea.gated_delta` computes it from q, k, v, beta and g
    directly; benchmarks/gated_delta.py checks one against the other.

    Constraints:
    * (C1) `r` has rank 4: `[B, T, Hk, S]`.
    * (C2) `w`, `k`, `v`, `a` and `b` have shape `[B, T, H, S]` with
      `H % Hk == 0`.
    * (C3) `initial_state`, if present, has shape `[B, H, S, S]` and element
      type f32.
    * (C4) `r`, `w`, `k`, `v`, `a` and `b` share one element type: f32, f16
      or bf16.
    * (C5) `form` is `auto` or one of the op's forms (below).
    * (C6) `chunk_size`, if present, is positive and goes with `form` `auto`
      or `chunked`.
    * (C7) `Hk`, `H` and `S` are positive.
    * (C8) `scale`, if present, is finite.
    * (C9) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, from
      state i to state i; no state crosses a boundary. The offsets must
      start at 0, never decrease and end at T: linea-compile's checked
      entry point rejects others when they are an argument, and the
      kernels clamp them into [0, T] (no access outside the tokens).

    Empty batches and sequences: B = 0 or T = 0 is valid. The outputs are
    empty; with T = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, T, H, S]` with the element type of `v`; with
    `with_final_state`, `final_state : [B, H, S, S]` in f32.

    Example:

    ```mlir
    %o, %s = linea.wkv7 %r, %w, %k, %v, %a, %b final_state
        : tensor<1x16x2x64xf32>, tensor<1x16x2x64xf32>, tensor<1x16x2x64xf32>,
          tensor<1x16x2x64xf32>, tensor<1x16x2x64xf32>, tensor<1x16x2x64xf32>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "chunked"];
  let arguments = (ins
    AnyRankedTensor:$r, AnyRankedTensor:$w, AnyRankedTensor:$k,
    AnyRankedTensor:$v, AnyRankedTensor:$a, AnyRankedTensor:$b,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    OptionalAttr<F32Attr>:$scale,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $r `,` $w `,` $k `,` $v `,` $a `,` $b
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($r) `,` type($w) `,` type($k) `,` type($v) `,` type($a)
    `,` type($b)
  }];
}

//===----------------------------------------------------------------------===//
// GatedDeltaOp
//===----------------------------------------------------------------------===//

def Linea_GatedDeltaOp : Linea_RecurrenceOp<"gated_delta",
    [AttrSizedOperandSegments], ["getCuSeqlensValue"]> {
  let summary = "The gated delta rule (Gated DeltaNet, Kimi Delta Attention, DeltaNet)";
  let description = [{
    Per batch and value head `h` (query/key head `h / (HV / H)`), with
    `D_t = diag(exp(gate_t))` (`I` without a gate):

        S_0 = initial_state (or 0)
        S_t = (I - beta_t k_t k_t^T) D_t S_{t-1} + beta_t k_t v_t^T   (K x V, key-major)
        o_t = scale * q_t^T S_t                                        (current token included)

    A gate of shape `[B, T, HV]` is one log-decay per head and token (Gated
    DeltaNet); `[B, T, HV, K]` is one per key channel (Kimi Delta
    Attention); without a gate this is DeltaNet. With `use_qk_l2norm`, `q_t`
    and `k_t` are first divided by `sqrt(sum(x^2) + 1e-6)` per head (as
    flash-linear-attention's `use_qk_l2norm_in_kernel`). With `A_log` and
    `dt_bias` the gate operand is the raw gate, and the log-decay is
    `-exp(A_log) * softplus(gate + dt_bias)` (flash-linear-attention's
    `use_gate_in_kernel`; `softplus(x) = x` for `x > 20`). `scale` defaults
    to `K^-1/2`.

    On the shared recurrence this is the rank-one transition
    `(D_t + b_t a_t^T)` with `a_t = D_t k_t`, `b_t = -beta_t k_t` and the
    key `beta_t k_t`.

    Constraints:
    * (C1) `q` has rank 4: `[B, T, H, K]`.
    * (C2) `k` has the shape of `q`.
    * (C3) `v` has shape `[B, T, HV, V]` with `HV % H == 0`.
    * (C4) `beta` has shape `[B, T, HV]`.
    * (C5) `gate`, if present, has shape `[B, T, HV]` or `[B, T, HV, K]`.
    * (C6) `A_log` and `dt_bias` come together and need `gate`; `A_log` has
      shape `[HV]`, `dt_bias` `[HV]` (or `[HV, K]` with a per-key gate), both
      f32.
    * (C7) `initial_state`, if present, has shape `[B, HV, K, V]` and
      element type f32.
    * (C8) `q`, `k`, `v`, `beta` and `gate` share one element type: f32, f16
      or bf16.
    * (C9) `scale`, if present, is finite and positive.
    * (C10) `form` is `auto` or one of the op's forms (below).
    * (C11) `chunk_size`, if present, is positive and goes with `form`
      `auto` or `chunked`.
    * (C12) `H`, `HV`, `K` and `V` are positive.
    * (C13) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, from
      state i to state i; no state crosses a boundary. The offsets must
      start at 0, never decrease and end at T: linea-compile's checked
      entry point rejects others when they are an argument, and the
      kernels clamp them into [0, T] (no access outside the tokens).

    Empty batches and sequences: B = 0 or T = 0 is valid. The outputs are
    empty; with T = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, T, HV, V]` with the element type of `v`; with
    `with_final_state`, `final_state : [B, HV, K, V]` in f32.

    The chunked form on the CPU solves each chunk of a per-head gate (or no
    gate) by the WY representation: the pseudo-values `u_t = beta_t (v_t -
    k_t^T D_t S_{t-1})` of the chunk from one triangular solve, two
    intra-chunk score matrices and three state products. A per-key gate, and
    the GPU's tensor-core chunks, take the general rank-one transform.

    Example (Qwen3-Next's shape: 16 query/key heads, 32 value heads):

    ```mlir
    %o, %s = linea.gated_delta %q, %k, %v, %beta
        gate(%a : tensor<1x64x32xbf16>) A_log(%alog : tensor<32xf32>)
        dt_bias(%dtb : tensor<32xf32>) final_state {use_qk_l2norm}
        : tensor<1x64x16x128xbf16>, tensor<1x64x16x128xbf16>,
          tensor<1x64x32x128xbf16>, tensor<1x64x32xbf16>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "chunked"];
  let arguments = (ins
    AnyRankedTensor:$q, AnyRankedTensor:$k, AnyRankedTensor:$v,
    AnyRankedTensor:$beta,
    Optional<AnyRankedTensor>:$gate,
    Optional<AnyRankedTensor>:$A_log,
    Optional<AnyRankedTensor>:$dt_bias,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    UnitAttr:$use_qk_l2norm,
    OptionalAttr<F32Attr>:$scale,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $beta
    (`gate` `(` $gate^ `:` type($gate) `)`)?
    (`A_log` `(` $A_log^ `:` type($A_log) `)`)?
    (`dt_bias` `(` $dt_bias^ `:` type($dt_bias) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($q) `,` type($k) `,` type($v) `,` type($beta)
  }];
  let extraClassDeclaration = [{
    /// The query scale: the `scale` attribute, or K^-1/2.
    float getScaleOrDefault();
  }];
}

//===----------------------------------------------------------------------===//
// SsdOp
//===----------------------------------------------------------------------===//

def Linea_SsdOp : Linea_RecurrenceOp<"ssd", [AttrSizedOperandSegments],
    ["getCuSeqlensValue"]> {
  let summary = "Mamba-2's state-space duality (SSD) layer";
  let description = [{
    The semantics of mamba_ssm's `mamba_chunk_scan_combined`. Per batch and
    head `h` (group `g = h / (H / G)`), with a key-major f32 state
    `h_t : [N, P]`:

        dt'_t = softplus(dt_t + dt_bias)   (if dt_softplus)
                dt_t + dt_bias             (otherwise; no bias: 0)
        dt'_t = min(max(dt'_t, lo), hi)    (if dt_limit = [lo, hi])
        h_0   = initial_state (or 0)
        h_t   = exp(dt'_t A[h]) h_{t-1} + Bm_t[g] (dt'_t x_t)^T
        y_t   = Cm_t[g]^T h_t + D x_t
        y_t  *= silu(z_t)                  (if z is present)

    with `softplus(x) = x` for `x > 20` and `log1p(exp(x))` otherwise, and
    `silu(z) = z / (1 + exp(-z))`. `D` is one skip weight per head (`[H]`)
    or per head and channel (`[H, P]`). Everything after the loads is f32;
    the output is rounded to the element type of `x` once, after the skip
    and the gate.

    On the shared recurrence this is grouped linear attention with
    `q = Cm`, `k = Bm`, `v = dt' x`, one log-decay `dt' A[h]` per head and
    token, and scale 1; the skip and the gate are the output's store.

    Constraints:
    * (C1) `x` has rank 4: `[B, T, H, P]`.
    * (C2) `dt` has shape `[B, T, H]`.
    * (C3) `A` has shape `[H]` and element type f32.
    * (C4) `Bm` and `Cm` have shape `[B, T, G, N]` with `H % G == 0`.
    * (C5) `D`, if present, has shape `[H]` or `[H, P]` and element type
      f32.
    * (C6) `z`, if present, has the shape of `x`.
    * (C7) `dt_bias`, if present, has shape `[H]` and element type f32.
    * (C8) `initial_state`, if present, has shape `[B, H, N, P]` and
      element type f32.
    * (C9) `x`, `dt`, `Bm`, `Cm` and `z` share one element type: f32, f16
      or bf16.
    * (C10) `dt_limit`, if present, is `[lo, hi]` with `lo <= hi`, neither
      NaN.
    * (C11) `form` is `auto` or one of the op's forms (below).
    * (C12) `chunk_size`, if present, is positive and goes with `form`
      `auto` or `chunked`.
    * (C13) `H`, `P`, `G` and `N` are positive.
    * (C14) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, from
      state i to state i; no state crosses a boundary. The offsets must
      start at 0, never decrease and end at T: linea-compile's checked
      entry point rejects others when they are an argument, and the
      kernels clamp them into [0, T] (no access outside the tokens).

    Empty batches and sequences: B = 0 or T = 0 is valid. The outputs are
    empty; with T = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, T, H, P]` with the element type of `x`; with
    `with_final_state`, `final_state : [B, H, N, P]` in f32.

    Example (Nemotron-H's shape: 128 heads of 64 channels, 8 groups, N = 128):

    ```mlir
    %y, %s = linea.ssd %x, %dt, %A, %Bm, %Cm
        D(%D : tensor<128xf32>) z(%z : tensor<1x64x128x64xbf16>)
        dt_bias(%dtb : tensor<128xf32>) final_state {dt_softplus}
        : tensor<1x64x128x64xbf16>, tensor<1x64x128xbf16>, tensor<128xf32>,
          tensor<1x64x8x128xbf16>, tensor<1x64x8x128xbf16>
    ```
  }] # formsDoc;
  let cpuForms = ["recurrent", "quadratic", "chunked"];
  let arguments = (ins
    AnyRankedTensor:$x, AnyRankedTensor:$dt, AnyRankedTensor:$A,
    AnyRankedTensor:$Bm, AnyRankedTensor:$Cm,
    Optional<AnyRankedTensor>:$D,
    Optional<AnyRankedTensor>:$z,
    Optional<AnyRankedTensor>:$dt_bias,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    UnitAttr:$dt_softplus,
    OptionalAttr<DenseF32ArrayAttr>:$dt_limit,
    DefaultValuedAttr<Linea_FormAttr, "Form::auto_">:$form,
    OptionalAttr<I64Attr>:$chunk_size,
    UnitAttr:$with_final_state);
  let assemblyFormat = [{
    $x `,` $dt `,` $A `,` $Bm `,` $Cm
    (`D` `(` $D^ `:` type($D) `)`)?
    (`z` `(` $z^ `:` type($z) `)`)?
    (`dt_bias` `(` $dt_bias^ `:` type($dt_bias) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($x) `,` type($dt) `,` type($A) `,` type($Bm) `,`
    type($Cm)
  }];
}

//===----------------------------------------------------------------------===//
// CausalConv1dOp
//===----------------------------------------------------------------------===//

def Linea_CausalConv1dOp : Linea_Op<"causal_conv1d", [Pure,
    AttrSizedOperandSegments, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Depthwise causal convolution over time, with a carried state";
  let description = [{
    The short convolution that starts every Mamba and delta-rule layer (the
    semantics of the causal_conv1d package's `causal_conv1d_fn` on a
    token-major `x`). Per batch and channel `c`, with the `W - 1` inputs
    before the first token taken from `initial_state` (zeros without one),
    oldest first:

        y_t[c] = bias[c] + sum_{w<W} weight[c, w] x_{t-W+1+w}[c]
        y_t[c] = silu(y_t[c])              (if activation = silu)

    with `silu(y) = y / (1 + exp(-y))`. The final state holds the last
    `W - 1` inputs (the initial state's where `T < W - 1`), oldest first:
    the next call's `initial_state`. The sums are f32; the output is rounded
    to the element type of `x` once.

    Constraints:
    * (C1) `x` has rank 3: `[B, T, C]`.
    * (C2) `weight` has shape `[C, W]`.
    * (C3) `bias`, if present, has shape `[C]`.
    * (C4) `initial_state`, if present, has shape `[B, C, W - 1]` and
      element type f32.
    * (C5) `x` has element type f32, f16 or bf16; `weight` and `bias` have
      the element type of `x` or f32.
    * (C6) `C` and `W` are positive.
    * (C7) `cu_seqlens`, if present (a packed batch), has shape `[N + 1]`
      and element type i32 or i64, and then B = 1, `initial_state` and
      `final_state` have N sequences in their first dimension instead of
      B. Sequence i is tokens `cu_seqlens[i] .. cu_seqlens[i + 1]`, its
      window starting from state i and ending in state i. The offsets must
      start at 0, never decrease and end at T (checked as for the
      recurrence ops).

    Empty batches and sequences: B = 0 or T = 0 is valid. The output is
    empty; with T = 0 the final state is `initial_state` (zeros without one).

    Results: `output : [B, T, C]` with the element type of `x`; with
    `with_final_state`, `final_state : [B, C, W - 1]` in f32.

    Example (Mamba-2's xBC convolution of Nemotron-H's shape):

    ```mlir
    %y, %s = linea.causal_conv1d %x, %w bias(%b : tensor<10240xbf16>)
        initial_state(%s0 : tensor<1x10240x3xf32>) final_state
        {activation = #linea.activation<silu>}
        : tensor<1x64x10240xbf16>, tensor<10240x4xbf16>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$x, AnyRankedTensor:$weight,
    Optional<AnyRankedTensor>:$bias,
    Optional<AnyRankedTensor>:$initial_state,
    Optional<AnyRankedTensor>:$cu_seqlens,
    DefaultValuedAttr<Linea_ActivationAttr, "Activation::none">:$activation,
    UnitAttr:$with_final_state);
  let results = (outs AnyRankedTensor:$output,
                     Optional<AnyRankedTensor>:$final_state);
  let assemblyFormat = [{
    $x `,` $weight
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`cu_seqlens` `(` $cu_seqlens^ `:` type($cu_seqlens) `)`)?
    (`final_state` $with_final_state^)?
    attr-dict `:` type($x) `,` type($weight)
  }];
}

#endif // LINEA_DIALECT_LINEA_IR_LINEAOPS_TD
