// RUN: linea-opt %s | linea-opt | FileCheck %s
// RUN: linea-opt %s --mlir-print-op-generic | linea-opt | FileCheck %s

// CHECK-LABEL: func @linear_attention_minimal
func.func @linear_attention_minimal(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x6xf32>) -> tensor<1x8x2x6xf32> {
  // CHECK: %[[O:.+]] = linea.linear_attention %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x6xf32>
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x6xf32>
  // CHECK: return %[[O]]
  return %o : tensor<1x8x2x6xf32>
}

// CHECK-LABEL: func @linear_attention_full
func.func @linear_attention_full(%q: tensor<2x16x2x8xbf16>, %k: tensor<2x16x2x8xbf16>, %v: tensor<2x16x4x8xbf16>, %g: tensor<2x16x4x8xbf16>, %s0: tensor<2x4x8x8xf32>) -> (tensor<2x16x4x8xbf16>, tensor<2x4x8x8xf32>) {
  // CHECK: %{{.+}}, %{{.+}} = linea.linear_attention %{{.+}}, %{{.+}}, %{{.+}} gate(%{{.+}} : tensor<2x16x4x8xbf16>) initial_state(%{{.+}} : tensor<2x4x8x8xf32>) final_state
  // CHECK-SAME: causal
  // CHECK-SAME: chunk_size = 32 : i64
  // CHECK-SAME: decay = array<f32: -1.000000e-01, -2.000000e-01, -3.000000e-01, -4.000000e-01>
  // CHECK-SAME: feature_map = #linea.feature_map<elu_plus_one>
  // CHECK-SAME: form = #linea.form<chunked>
  // CHECK-SAME: scale = 5.000000e-01 : f32
  %o, %s = linea.linear_attention %q, %k, %v gate(%g : tensor<2x16x4x8xbf16>) initial_state(%s0 : tensor<2x4x8x8xf32>) final_state
      {causal, feature_map = #linea.feature_map<elu_plus_one>, form = #linea.form<chunked>, chunk_size = 32 : i64,
       decay = array<f32: -0.1, -0.2, -0.3, -0.4>, scale = 0.5 : f32}
      : tensor<2x16x2x8xbf16>, tensor<2x16x2x8xbf16>, tensor<2x16x4x8xbf16>
  return %o, %s : tensor<2x16x4x8xbf16>, tensor<2x4x8x8xf32>
}

// CHECK-LABEL: func @linear_attention_scalar_gate_normalize
func.func @linear_attention_scalar_gate_normalize(%q: tensor<1x8x1x4xf16>, %k: tensor<1x8x1x4xf16>, %v: tensor<1x8x2x4xf16>, %g: tensor<1x8x2xf16>) -> tensor<1x8x2x4xf16> {
  // CHECK: linea.linear_attention %{{.+}}, %{{.+}}, %{{.+}} gate(%{{.+}} : tensor<1x8x2xf16>) {causal, feature_map = #linea.feature_map<relu>, form = #linea.form<recurrent>, normalize}
  %o = linea.linear_attention %q, %k, %v gate(%g : tensor<1x8x2xf16>) {causal, normalize, feature_map = #linea.feature_map<relu>, form = #linea.form<recurrent>} : tensor<1x8x1x4xf16>, tensor<1x8x1x4xf16>, tensor<1x8x2x4xf16>
  return %o : tensor<1x8x2x4xf16>
}

// CHECK-LABEL: func @selective_scan_minimal
func.func @selective_scan_minimal(%u: tensor<1x8x32xf32>, %dt: tensor<1x8x32xf32>, %A: tensor<8x4xf32>, %B: tensor<1x1x4x32xf32>, %C: tensor<1x1x4x32xf32>) -> tensor<1x8x32xf32> {
  // CHECK: linea.selective_scan %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<8x4xf32>, tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<8x4xf32>, tensor<1x1x4x32xf32>, tensor<1x1x4x32xf32>
  return %y : tensor<1x8x32xf32>
}

// CHECK-LABEL: func @selective_scan_full
func.func @selective_scan_full(%u: tensor<2x8x32xbf16>, %dt: tensor<2x8x32xbf16>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x32xbf16>, %C: tensor<2x2x4x32xbf16>, %D: tensor<8xf32>, %z: tensor<2x8x32xbf16>, %db: tensor<8xf32>, %s0: tensor<2x8x4xf32>) -> (tensor<2x8x32xbf16>, tensor<2x8x4xf32>) {
  // CHECK: linea.selective_scan %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} D_skip(%{{.+}} : tensor<8xf32>) z(%{{.+}} : tensor<2x8x32xbf16>) delta_bias(%{{.+}} : tensor<8xf32>) initial_state(%{{.+}} : tensor<2x8x4xf32>) final_state {chunk_size = 16 : i64, delta_softplus, form = #linea.form<scan>}
  %y, %s = linea.selective_scan %u, %dt, %A, %B, %C D_skip(%D : tensor<8xf32>) z(%z : tensor<2x8x32xbf16>) delta_bias(%db : tensor<8xf32>) initial_state(%s0 : tensor<2x8x4xf32>) final_state {delta_softplus, form = #linea.form<scan>, chunk_size = 16 : i64}
      : tensor<2x8x32xbf16>, tensor<2x8x32xbf16>, tensor<8x4xf32>, tensor<2x2x4x32xbf16>, tensor<2x2x4x32xbf16>
  return %y, %s : tensor<2x8x32xbf16>, tensor<2x8x4xf32>
}

// CHECK-LABEL: func @wkv4_minimal
func.func @wkv4_minimal(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) -> tensor<1x8x16xf32> {
  // CHECK: linea.wkv4 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// CHECK-LABEL: func @wkv4_full
func.func @wkv4_full(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<2x8x16xf16>, %v: tensor<2x8x16xf16>, %s0: tensor<2x3x16xf32>) -> (tensor<2x8x16xf16>, tensor<2x3x16xf32>) {
  // CHECK: linea.wkv4 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} initial_state(%{{.+}} : tensor<2x3x16xf32>) final_state {form = #linea.form<recurrent>}
  %y, %s = linea.wkv4 %w, %u, %k, %v initial_state(%s0 : tensor<2x3x16xf32>) final_state {form = #linea.form<recurrent>} : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf16>, tensor<2x8x16xf16>
  return %y, %s : tensor<2x8x16xf16>, tensor<2x3x16xf32>
}

// CHECK-LABEL: func @wkv6_minimal
func.func @wkv6_minimal(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  // CHECK: linea.wkv6 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  %o = linea.wkv6 %r, %k, %v, %w, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// CHECK-LABEL: func @wkv6_full
func.func @wkv6_full(%r: tensor<1x8x2x4xbf16>, %k: tensor<1x8x2x4xbf16>, %v: tensor<1x8x2x4xbf16>, %w: tensor<1x8x2x4xbf16>, %u: tensor<2x4xf32>, %s0: tensor<1x2x4x4xf32>) -> (tensor<1x8x2x4xbf16>, tensor<1x2x4x4xf32>) {
  // CHECK: linea.wkv6 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} initial_state(%{{.+}} : tensor<1x2x4x4xf32>) final_state {chunk_size = 4 : i64, form = #linea.form<chunked>, scale = 2.500000e-01 : f32}
  %o, %s = linea.wkv6 %r, %k, %v, %w, %u initial_state(%s0 : tensor<1x2x4x4xf32>) final_state {scale = 0.25 : f32, form = #linea.form<chunked>, chunk_size = 4 : i64} : tensor<1x8x2x4xbf16>, tensor<1x8x2x4xbf16>, tensor<1x8x2x4xbf16>, tensor<1x8x2x4xbf16>, tensor<2x4xf32>
  return %o, %s : tensor<1x8x2x4xbf16>, tensor<1x2x4x4xf32>
}

// CHECK-LABEL: func @wkv7_minimal
func.func @wkv7_minimal(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xf32>, %b: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  // CHECK: linea.wkv7 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// CHECK-LABEL: func @wkv7_full
func.func @wkv7_full(%r: tensor<2x8x2x4xf16>, %w: tensor<2x8x2x4xf16>, %k: tensor<2x8x2x4xf16>, %v: tensor<2x8x2x4xf16>, %a: tensor<2x8x2x4xf16>, %b: tensor<2x8x2x4xf16>, %s0: tensor<2x2x4x4xf32>) -> (tensor<2x8x2x4xf16>, tensor<2x2x4x4xf32>) {
  // CHECK: linea.wkv7 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} initial_state(%{{.+}} : tensor<2x2x4x4xf32>) final_state {form = #linea.form<recurrent>}
  %o, %s = linea.wkv7 %r, %w, %k, %v, %a, %b initial_state(%s0 : tensor<2x2x4x4xf32>) final_state {form = #linea.form<recurrent>} : tensor<2x8x2x4xf16>, tensor<2x8x2x4xf16>, tensor<2x8x2x4xf16>, tensor<2x8x2x4xf16>, tensor<2x8x2x4xf16>, tensor<2x8x2x4xf16>
  return %o, %s : tensor<2x8x2x4xf16>, tensor<2x2x4x4xf32>
}

// Dynamic sizes are accepted by the verifier; the result types follow them.
// CHECK-LABEL: func @linear_attention_dynamic
func.func @linear_attention_dynamic(%q: tensor<?x?x2x4xf32>, %k: tensor<?x?x2x4xf32>, %v: tensor<?x?x2x6xf32>) -> tensor<?x2x4x6xf32> {
  // CHECK: final_state {causal} : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x6xf32>
  %o, %s = linea.linear_attention %q, %k, %v final_state {causal} : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x6xf32>
  return %s : tensor<?x2x4x6xf32>
}

// CHECK-LABEL: func @gated_delta_full
func.func @gated_delta_full(%q: tensor<1x8x2x16xbf16>, %k: tensor<1x8x2x16xbf16>, %v: tensor<1x8x4x32xbf16>, %beta: tensor<1x8x4xbf16>, %g: tensor<1x8x4xbf16>, %alog: tensor<4xf32>, %dtb: tensor<4xf32>, %s0: tensor<1x4x16x32xf32>) -> (tensor<1x8x4x32xbf16>, tensor<1x4x16x32xf32>) {
  // CHECK: linea.gated_delta %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} gate(%{{.+}} : tensor<1x8x4xbf16>) A_log(%{{.+}} : tensor<4xf32>) dt_bias(%{{.+}} : tensor<4xf32>) initial_state(%{{.+}} : tensor<1x4x16x32xf32>) final_state {chunk_size = 32 : i64, form = #linea.form<chunked>, scale = 2.500000e-01 : f32, use_qk_l2norm}
  %o, %s = linea.gated_delta %q, %k, %v, %beta gate(%g : tensor<1x8x4xbf16>) A_log(%alog : tensor<4xf32>) dt_bias(%dtb : tensor<4xf32>) initial_state(%s0 : tensor<1x4x16x32xf32>) final_state {use_qk_l2norm, scale = 0.25 : f32, form = #linea.form<chunked>, chunk_size = 32 : i64} : tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x4x32xbf16>, tensor<1x8x4xbf16>
  return %o, %s : tensor<1x8x4x32xbf16>, tensor<1x4x16x32xf32>
}

// CHECK-LABEL: func @delta_net
func.func @delta_net(%q: tensor<2x5x1x8xf32>, %v: tensor<2x5x1x8xf32>, %beta: tensor<2x5x1xf32>, %g: tensor<2x5x1x8xf32>) -> tensor<2x5x1x8xf32> {
  // CHECK: linea.gated_delta %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} gate(%{{.+}} : tensor<2x5x1x8xf32>) : tensor<2x5x1x8xf32>
  %o = linea.gated_delta %q, %q, %v, %beta gate(%g : tensor<2x5x1x8xf32>) : tensor<2x5x1x8xf32>, tensor<2x5x1x8xf32>, tensor<2x5x1x8xf32>, tensor<2x5x1xf32>
  return %o : tensor<2x5x1x8xf32>
}


// CHECK-LABEL: func @ssd_full
func.func @ssd_full(%x: tensor<1x8x4x16xbf16>, %dt: tensor<1x8x4xbf16>, %A: tensor<4xf32>, %b: tensor<1x8x2x32xbf16>, %c: tensor<1x8x2x32xbf16>, %D: tensor<4x16xf32>, %z: tensor<1x8x4x16xbf16>, %dtb: tensor<4xf32>, %s0: tensor<1x4x32x16xf32>) -> (tensor<1x8x4x16xbf16>, tensor<1x4x32x16xf32>) {
  // CHECK: linea.ssd %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} D(%{{.+}} : tensor<4x16xf32>) z(%{{.+}} : tensor<1x8x4x16xbf16>) dt_bias(%{{.+}} : tensor<4xf32>) initial_state(%{{.+}} : tensor<1x4x32x16xf32>) final_state {chunk_size = 128 : i64, dt_limit = array<f32: 0.000000e+00, 0x7F800000>, dt_softplus, form = #linea.form<chunked>}
  %y, %s = linea.ssd %x, %dt, %A, %b, %c D(%D : tensor<4x16xf32>) z(%z : tensor<1x8x4x16xbf16>) dt_bias(%dtb : tensor<4xf32>) initial_state(%s0 : tensor<1x4x32x16xf32>) final_state {dt_softplus, dt_limit = array<f32: 0.0, 0x7F800000>, form = #linea.form<chunked>, chunk_size = 128 : i64} : tensor<1x8x4x16xbf16>, tensor<1x8x4xbf16>, tensor<4xf32>, tensor<1x8x2x32xbf16>, tensor<1x8x2x32xbf16>
  return %y, %s : tensor<1x8x4x16xbf16>, tensor<1x4x32x16xf32>
}

// CHECK-LABEL: func @ssd_minimal
func.func @ssd_minimal(%x: tensor<2x5x2x1xf32>, %dt: tensor<2x5x2xf32>, %A: tensor<2xf32>, %b: tensor<2x5x1x8xf32>) -> tensor<2x5x2x1xf32> {
  // CHECK: linea.ssd %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x5x2x1xf32>, tensor<2x5x2xf32>, tensor<2xf32>, tensor<2x5x1x8xf32>, tensor<2x5x1x8xf32>
  %y = linea.ssd %x, %dt, %A, %b, %b : tensor<2x5x2x1xf32>, tensor<2x5x2xf32>, tensor<2xf32>, tensor<2x5x1x8xf32>, tensor<2x5x1x8xf32>
  return %y : tensor<2x5x2x1xf32>
}

// CHECK-LABEL: func @causal_conv1d_full
func.func @causal_conv1d_full(%x: tensor<2x8x32xbf16>, %w: tensor<32x4xbf16>, %b: tensor<32xf32>, %s0: tensor<2x32x3xf32>) -> (tensor<2x8x32xbf16>, tensor<2x32x3xf32>) {
  // CHECK: linea.causal_conv1d %{{.+}}, %{{.+}} bias(%{{.+}} : tensor<32xf32>) initial_state(%{{.+}} : tensor<2x32x3xf32>) final_state {activation = #linea.activation<silu>} : tensor<2x8x32xbf16>, tensor<32x4xbf16>
  %y, %s = linea.causal_conv1d %x, %w bias(%b : tensor<32xf32>) initial_state(%s0 : tensor<2x32x3xf32>) final_state {activation = #linea.activation<silu>} : tensor<2x8x32xbf16>, tensor<32x4xbf16>
  return %y, %s : tensor<2x8x32xbf16>, tensor<2x32x3xf32>
}

// CHECK-LABEL: func @causal_conv1d_minimal
func.func @causal_conv1d_minimal(%x: tensor<1x0x5xf32>, %w: tensor<5x1xf32>) -> tensor<1x0x5xf32> {
  // CHECK: linea.causal_conv1d %{{.+}}, %{{.+}} : tensor<1x0x5xf32>, tensor<5x1xf32>
  %y = linea.causal_conv1d %x, %w : tensor<1x0x5xf32>, tensor<5x1xf32>
  return %y : tensor<1x0x5xf32>
}

// CHECK-LABEL: func @wkv7_grouped
func.func @wkv7_grouped(%r: tensor<1x8x1x16xf32>, %w: tensor<1x8x4x16xf32>) -> tensor<1x8x4x16xf32> {
  // CHECK: linea.wkv7 %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {scale = 2.500000e-01 : f32} : tensor<1x8x1x16xf32>, tensor<1x8x4x16xf32>
  %o = linea.wkv7 %r, %w, %w, %w, %w, %w {scale = 0.25 : f32} : tensor<1x8x1x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// A packed batch: the final state has one entry per sequence.
// CHECK-LABEL: func @gated_delta_packed
// CHECK: linea.gated_delta %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} initial_state(%{{.+}} : tensor<?x2x4x4xf32>) cu_seqlens(%{{.+}} : tensor<?xi32>) final_state {form = #linea.form<chunked>}
func.func @gated_delta_packed(%q: tensor<1x?x2x4xf32>, %b: tensor<1x?x2xf32>, %s: tensor<?x2x4x4xf32>, %cu: tensor<?xi32>) -> tensor<?x2x4x4xf32> {
  %o, %f = linea.gated_delta %q, %q, %q, %b initial_state(%s : tensor<?x2x4x4xf32>) cu_seqlens(%cu : tensor<?xi32>) final_state {form = #linea.form<chunked>} : tensor<1x?x2x4xf32>, tensor<1x?x2x4xf32>, tensor<1x?x2x4xf32>, tensor<1x?x2xf32>
  return %f : tensor<?x2x4x4xf32>
}
