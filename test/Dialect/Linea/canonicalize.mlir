// RUN: linea-opt %s -canonicalize -split-input-file | FileCheck %s

// An unread final state is dropped: the lowering then never materializes it.
// CHECK-LABEL: func @drop_unused_state
func.func @drop_unused_state(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x6xf32>) -> tensor<1x8x2x6xf32> {
  // CHECK: %[[O:.+]] = linea.linear_attention %{{.+}}, %{{.+}}, %{{.+}} {causal} :
  // CHECK-NOT: final_state
  %o, %s = linea.linear_attention %q, %k, %v final_state {causal} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x6xf32>
  // CHECK: return %[[O]]
  return %o : tensor<1x8x2x6xf32>
}

// -----

// A state that is read stays.
// CHECK-LABEL: func @keep_used_state
func.func @keep_used_state(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) -> tensor<1x3x16xf32> {
  // CHECK: %{{.+}}, %[[S:.+]] = linea.wkv4 {{.*}} final_state
  %y, %s = linea.wkv4 %w, %u, %k, %v final_state : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  // CHECK: return %[[S]]
  return %s : tensor<1x3x16xf32>
}

// -----

// The pattern applies to every op of the family, keeping every other operand
// and attribute.
// CHECK-LABEL: func @drop_unused_state_selective_scan
func.func @drop_unused_state_selective_scan(%u: tensor<1x8x32xf32>, %dt: tensor<1x8x32xf32>, %A: tensor<8x4xf32>, %B: tensor<1x1x4x32xf32>, %C: tensor<1x1x4x32xf32>, %s0: tensor<1x8x4xf32>) -> tensor<1x8x32xf32> {
  // CHECK: linea.selective_scan {{.*}} initial_state(%{{.+}} : tensor<1x8x4xf32>) {delta_softplus}
  %y, %s = linea.selective_scan %u, %dt, %A, %B, %C initial_state(%s0 : tensor<1x8x4xf32>) final_state {delta_softplus} : tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<8x4xf32>, tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>
  return %y : tensor<1x8x32xf32>
}

// -----

// An op whose results are all unused is pure and goes away.
// CHECK-LABEL: func @dead_op
func.func @dead_op(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) {
  // CHECK-NOT: linea.wkv6
  %o = linea.wkv6 %r, %r, %r, %w, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

// And to the convolution, which is not a recurrence.
// CHECK-LABEL: func @drop_unused_state_causal_conv1d
func.func @drop_unused_state_causal_conv1d(%x: tensor<1x8x32xbf16>, %w: tensor<32x4xf32>, %s0: tensor<1x32x3xf32>) -> tensor<1x8x32xbf16> {
  // CHECK: linea.causal_conv1d %{{.+}}, %{{.+}} initial_state(%{{.+}} : tensor<1x32x3xf32>) {activation = #linea.activation<silu>} :
  // CHECK-NOT: final_state
  %y, %s = linea.causal_conv1d %x, %w initial_state(%s0 : tensor<1x32x3xf32>) final_state {activation = #linea.activation<silu>} : tensor<1x8x32xbf16>, tensor<32x4xf32>
  return %y : tensor<1x8x32xbf16>
}
