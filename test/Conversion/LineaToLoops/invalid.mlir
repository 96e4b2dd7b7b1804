// RUN: linea-opt %s -convert-linea-to-loops -split-input-file -verify-diagnostics

// Every form the verifier accepts has a CPU lowering (a chunked selective
// scan is a verifier error, test/Dialect/Linea/invalid.mlir); what the
// lowering still refuses is reported at the op.

func.func @dynamic_shape(%k: tensor<1x?x16xf32>, %w: tensor<16xf32>) -> tensor<1x?x16xf32> {
  // expected-error @+1 {{'linea.wkv4' op has a dynamic shape ('tensor<1x?x16xf32>'); the CPU lowering needs static shapes}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>
  return %y : tensor<1x?x16xf32>
}
