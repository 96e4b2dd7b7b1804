// RUN: linea-opt %s -linea-select-form="target=cpu cores=1" -split-input-file | FileCheck %s
// RUN: linea-opt %s -linea-select-form="target=nvptx" -split-input-file | FileCheck %s --check-prefix=GPU

// Ungated linear attention, K = V = 64: the quadratic form wins up to a
// handful of tokens (its T (K + V) scores beat the recurrent form's fixed
// cost), the recurrent form from then on. The flip sits between T = 4 and
// T = 16, as measured (docs/FormSelection.md).
// CHECK-LABEL: func @short
// CHECK:         linea.linear_attention {{.*}}form = #linea.form<quadratic>
// GPU-LABEL:   func @short
// GPU:           linea.linear_attention {{.*}}form = #linea.form<recurrent>
func.func @short(%q: tensor<1x4x8x64xf32>) -> tensor<1x4x8x64xf32> {
  %o = linea.linear_attention %q, %q, %q {causal} : tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>
  return %o : tensor<1x4x8x64xf32>
}

// -----

// CHECK-LABEL: func @longer
// CHECK:         linea.linear_attention {{.*}}form = #linea.form<recurrent>
// On the GPU, chunks of 16 on tensor cores (a few us each) beat the column
// kernel's token steps (~1 us each) for long sequences.
// GPU-LABEL:   func @longer
// GPU:           linea.linear_attention {{.*}}{causal, chunk_size = 16 : i64, form = #linea.form<chunked>}
func.func @longer(%q: tensor<1x4096x8x64xf32>) -> tensor<1x4096x8x64xf32> {
  %o = linea.linear_attention %q, %q, %q {causal} : tensor<1x4096x8x64xf32>, tensor<1x4096x8x64xf32>, tensor<1x4096x8x64xf32>
  return %o : tensor<1x4096x8x64xf32>
}

// -----

// A per-key gate makes each score cost K exps: the recurrent form wins from
// T = 4 already.
// CHECK-LABEL: func @gated
// CHECK:         linea.linear_attention {{.*}}form = #linea.form<recurrent>
func.func @gated(%q: tensor<1x4x8x64xf32>, %g: tensor<1x4x8x64xf32>) -> tensor<1x4x8x64xf32> {
  %o = linea.linear_attention %q, %q, %q gate(%g : tensor<1x4x8x64xf32>) {causal} : tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>
  return %o : tensor<1x4x8x64xf32>
}

// -----

// A form the user wrote stays, chunk size and all.
// CHECK-LABEL: func @user_form
// CHECK:         linea.wkv6 {{.*}}{chunk_size = 32 : i64, form = #linea.form<chunked>}
// GPU-LABEL:   func @user_form
// GPU:           linea.wkv6 {{.*}}{chunk_size = 32 : i64, form = #linea.form<chunked>}
func.func @user_form(%r: tensor<1x4096x2x64xf32>, %u: tensor<2x64xf32>) -> tensor<1x4096x2x64xf32> {
  %o = linea.wkv6 %r, %r, %r, %r, %u {form = #linea.form<chunked>, chunk_size = 32 : i64} : tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32>, tensor<2x64xf32>
  return %o : tensor<1x4096x2x64xf32>
}

// -----

// The selective scan: recurrent on the CPU (its scan form costs more with
// more slices than cores), the scan form on the GPU for long sequences; an
// auto chunk size the chosen form does not take is dropped.
// CHECK-LABEL: func @scan
// CHECK:         linea.selective_scan {{.*}}{form = #linea.form<recurrent>}
// GPU-LABEL:   func @scan
// GPU:           linea.selective_scan {{.*}}form = #linea.form<scan>
func.func @scan(%u: tensor<1x64x4096xf32>, %A: tensor<64x16xf32>, %B: tensor<1x1x16x4096xf32>) -> tensor<1x64x4096xf32> {
  %y = linea.selective_scan %u, %u, %A, %B, %B {chunk_size = 128 : i64} : tensor<1x64x4096xf32>, tensor<1x64x4096xf32>, tensor<64x16xf32>, tensor<1x1x16x4096xf32>, tensor<1x1x16x4096xf32>
  return %y : tensor<1x64x4096xf32>
}

// -----

// A dynamic length: one pick over every length is set as for a static one;
// where the pick changes with T, the op becomes a dispatch on T with a copy
// per form. The short sequences' quadratic form is a chunk as long as the
// longest of them (its lowering cannot size a matrix by a run-time T).
// CHECK-LABEL: func @dynamic
// CHECK:         linea.wkv4 {{.*}}form = #linea.form<recurrent>
func.func @dynamic(%k: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
  return %y : tensor<1x?x16xf32>
}

// -----

// CHECK-LABEL: func @dispatch
// CHECK:         %[[T:.+]] = tensor.dim %{{.+}}, %c1
// CHECK:         %[[SHORT:.+]] = arith.cmpi ult, %[[T]], %c12
// CHECK:         %[[O:.+]] = scf.if %[[SHORT]]
// CHECK:           linea.linear_attention {{.*}}chunk_size = 11 : i64, form = #linea.form<chunked>
// CHECK:         } else {
// CHECK:           linea.linear_attention {{.*}}form = #linea.form<recurrent>
// CHECK:         return %[[O]]
func.func @dispatch(%q: tensor<?x?x4x64xf32>, %g: tensor<?x?x4xf32>) -> tensor<?x?x4x64xf32> {
  %o = linea.linear_attention %q, %q, %q gate(%g : tensor<?x?x4xf32>) {causal} : tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>
  return %o : tensor<?x?x4x64xf32>
}
