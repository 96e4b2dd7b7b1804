// RUN: linea-opt %s -convert-linea-to-loops -split-input-file -verify-diagnostics

// Every form the verifier accepts has a CPU lowering (a chunked selective
// scan is a verifier error, test/Dialect/Linea/invalid.mlir); what the
// lowering still refuses is reported at the op.

// Batch and sequence dimensions may be dynamic; head counts and sizes not.
func.func @dynamic_channels(%k: tensor<1x8x?xf32>, %w: tensor<?xf32>) -> tensor<1x8x?xf32> {
  // expected-error @+1 {{'linea.wkv4' op operand 0 ('tensor<?xf32>') has a dynamic size in dimension 0; the CPU lowering takes dynamic batch and sequence dimensions only (head counts and sizes fix its register blocking)}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<?xf32>, tensor<?xf32>, tensor<1x8x?xf32>, tensor<1x8x?xf32>
  return %y : tensor<1x8x?xf32>
}

// -----

func.func @dynamic_state_heads(%q: tensor<?x?x2x4xf32>, %s: tensor<?x?x4x4xf32>) -> tensor<?x?x2x4xf32> {
  // expected-error @+1 {{'linea.linear_attention' op operand 3 ('tensor<?x?x4x4xf32>') has a dynamic size in dimension 1; the CPU lowering takes dynamic batch and sequence dimensions only}}
  %o = linea.linear_attention %q, %q, %q initial_state(%s : tensor<?x?x4x4xf32>) : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>
  return %o : tensor<?x?x2x4xf32>
}
