// RUN: linea-opt %s -convert-linea-to-loops -split-input-file -verify-diagnostics

func.func @chunked_not_lowered(%u: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x1x4x16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+1 {{'linea.selective_scan' op form 'chunked' has no CPU lowering}}
  %y = linea.selective_scan %u, %u, %A, %B, %B {form = #linea.form<chunked>} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

func.func @dynamic_shape(%k: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  // expected-error @+1 {{'linea.wkv4' op has a dynamic shape ('tensor<1x?x16xf32>'); the CPU lowering needs static shapes}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
  return %y : tensor<1x?x16xf32>
}
