// RUN: linea-opt %s -linea-select-form="target=cpu cores=1 remarks" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: linea-opt %s -linea-select-form="target=nvptx chip=sm_90 remarks" -split-input-file 2>&1 -o /dev/null | FileCheck %s --check-prefix=GPU

// Each op left auto gets a remark: the pick with its estimate, then every
// other candidate of the op's forms table for the target.
// CHECK-LABEL: func @attention
// CHECK:         form = #linea.form<quadratic>
// GPU: remark: linea-select-form: recurrent {{.*}} s picked; also chunked (chunk_size 16) {{.*}} s
func.func @attention(%q: tensor<1x4x8x64xf32>) -> tensor<1x4x8x64xf32> {
  // expected-remark-re @below {{linea-select-form: quadratic {{[0-9.e+-]+}} s picked; also recurrent {{[0-9.e+-]+}} s, chunked (chunk_size 16) {{[0-9.e+-]+}} s, chunked (chunk_size 64) {{[0-9.e+-]+}} s}}
  %o = linea.linear_attention %q, %q, %q {causal} : tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>
  return %o : tensor<1x4x8x64xf32>
}

// -----

// A form the user wrote is kept, without a remark.
// CHECK-LABEL: func @written
// CHECK:         form = #linea.form<scan>
func.func @written(%k: tensor<1x8x16xf32>, %w: tensor<16xf32>) -> tensor<1x8x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k {form = #linea.form<scan>} : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// Dynamic shapes have no estimate: the op stays auto, and says why.
// CHECK-LABEL: func @dynamic
// CHECK-NOT:     form =
func.func @dynamic(%k: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  // expected-remark @below {{linea-select-form: no estimate (dynamic shapes): the form stays auto}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
  return %y : tensor<1x?x16xf32>
}
