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

// A dynamic channel count has no estimate: the op stays auto, and says why.
// CHECK-LABEL: func @dynamic_channels
// CHECK-NOT:     form =
func.func @dynamic_channels(%k: tensor<1x8x?xf32>, %w: tensor<?xf32>) -> tensor<1x8x?xf32> {
  // expected-remark @below {{linea-select-form: no estimate (dynamic sizes other than the batch and the sequence): the form stays auto}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<?xf32>, tensor<?xf32>, tensor<1x8x?xf32>, tensor<1x8x?xf32>
  return %y : tensor<1x8x?xf32>
}

// -----

// A dynamic length: the pick per range of lengths.
// CHECK-LABEL: func @dynamic_length
func.func @dynamic_length(%q: tensor<?x?x4x64xf32>, %g: tensor<?x?x4xf32>) -> tensor<?x?x4x64xf32> {
  // expected-remark @below {{linea-select-form: dynamic length, dispatched at run time: T >= 1: quadratic; T >= 12: recurrent}}
  %o = linea.linear_attention %q, %q, %q gate(%g : tensor<?x?x4xf32>) {causal} : tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>
  return %o : tensor<?x?x4x64xf32>
}
