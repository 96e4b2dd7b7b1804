// RUN: linea-opt %s -convert-linea-to-gpu -split-input-file -verify-diagnostics

// What the GPU lowering does not lower is reported at the op: dynamic sizes
// and packed batches (the CPU lowers both).

func.func @dynamic_length(%k: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  // expected-error @+1 {{'linea.wkv4' op operand 2 ('tensor<1x?x16xf32>') has a dynamic size in dimension 1; the GPU lowering needs static shapes}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
  return %y : tensor<1x?x16xf32>
}

// -----

func.func @packed(%q: tensor<1x8x2x4xf32>, %cu: tensor<3xi32>) -> tensor<1x8x2x4xf32> {
  // expected-error @+1 {{'linea.linear_attention' op takes a packed batch (cu_seqlens), which the GPU lowering does not lower}}
  %o = linea.linear_attention %q, %q, %q cu_seqlens(%cu : tensor<3xi32>) {causal} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}
