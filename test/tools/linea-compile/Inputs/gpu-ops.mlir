// Every op and form, for the NVPTX tests: f32, bf16 and f16 activations.
func.func @la_rec(%q: tensor<1x40x2x16xf32>, %v: tensor<1x40x4x48xf32>, %g: tensor<1x40x4x16xf32>) -> tensor<1x40x4x48xf32> {
  %o = linea.linear_attention %q, %q, %v gate(%g : tensor<1x40x4x16xf32>) {causal, normalize, form = #linea.form<recurrent>} : tensor<1x40x2x16xf32>, tensor<1x40x2x16xf32>, tensor<1x40x4x48xf32>
  return %o : tensor<1x40x4x48xf32>
}
func.func @la_chunk(%q: tensor<1x40x2x16xf32>, %v: tensor<1x40x2x16xf32>) -> tensor<1x40x2x16xf32> {
  %o = linea.linear_attention %q, %q, %v {causal, decay = array<f32: -0.5, -0.1>, form = #linea.form<chunked>, chunk_size = 16} : tensor<1x40x2x16xf32>, tensor<1x40x2x16xf32>, tensor<1x40x2x16xf32>
  return %o : tensor<1x40x2x16xf32>
}
func.func @la_quad_bf16(%q: tensor<1x40x2x16xbf16>) -> tensor<1x40x2x16xbf16> {
  %o = linea.linear_attention %q, %q, %q {causal, form = #linea.form<quadratic>} : tensor<1x40x2x16xbf16>, tensor<1x40x2x16xbf16>, tensor<1x40x2x16xbf16>
  return %o : tensor<1x40x2x16xbf16>
}
func.func @la_noncausal(%q: tensor<1x40x2x16xf32>) -> tensor<1x40x2x16xf32> {
  %o = linea.linear_attention %q, %q, %q : tensor<1x40x2x16xf32>, tensor<1x40x2x16xf32>, tensor<1x40x2x16xf32>
  return %o : tensor<1x40x2x16xf32>
}
func.func @ss(%u: tensor<2x8x18xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x18xf32>, %D: tensor<8xf32>) -> (tensor<2x8x18xf32>, tensor<2x8x4xf32>) {
  %y, %s = linea.selective_scan %u, %u, %A, %B, %B D_skip(%D : tensor<8xf32>) z(%u : tensor<2x8x18xf32>) final_state {delta_softplus, form = #linea.form<recurrent>} : tensor<2x8x18xf32>, tensor<2x8x18xf32>, tensor<8x4xf32>, tensor<2x2x4x18xf32>, tensor<2x2x4x18xf32>
  return %y, %s : tensor<2x8x18xf32>, tensor<2x8x4xf32>
}
func.func @ss_scan(%u: tensor<2x8x18xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x18xf32>) -> tensor<2x8x18xf32> {
  %y = linea.selective_scan %u, %u, %A, %B, %B {form = #linea.form<scan>, chunk_size = 4} : tensor<2x8x18xf32>, tensor<2x8x18xf32>, tensor<8x4xf32>, tensor<2x2x4x18xf32>, tensor<2x2x4x18xf32>
  return %y : tensor<2x8x18xf32>
}
func.func @wkv4(%w: tensor<16xf32>, %k: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}
func.func @wkv4_scan(%w: tensor<16xf32>, %k: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k {form = #linea.form<scan>, chunk_size = 3} : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}
func.func @wkv6c(%r: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv6 %r, %r, %r, %r, %u {form = #linea.form<chunked>, chunk_size = 4} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}
func.func @wkv7(%r: tensor<1x8x2x64xf16>) -> tensor<1x8x2x64xf16> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r : tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>, tensor<1x8x2x64xf16>
  return %o : tensor<1x8x2x64xf16>
}
func.func @wkv7c(%r: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r {form = #linea.form<chunked>, chunk_size = 4} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}
func.func @wkv7tc(%r: tensor<1x20x2x32xf32>) -> tensor<1x20x2x32xf32> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r {form = #linea.form<chunked>, chunk_size = 16} : tensor<1x20x2x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2x32xf32>
  return %o : tensor<1x20x2x32xf32>
}
func.func @gd_rec(%q: tensor<1x20x1x32xbf16>, %v: tensor<1x20x2x32xbf16>, %beta: tensor<1x20x2xbf16>, %alog: tensor<2xf32>) -> tensor<1x20x2x32xbf16> {
  %o = linea.gated_delta %q, %q, %v, %beta gate(%beta : tensor<1x20x2xbf16>) A_log(%alog : tensor<2xf32>) dt_bias(%alog : tensor<2xf32>) {use_qk_l2norm, form = #linea.form<recurrent>} : tensor<1x20x1x32xbf16>, tensor<1x20x1x32xbf16>, tensor<1x20x2x32xbf16>, tensor<1x20x2xbf16>
  return %o : tensor<1x20x2x32xbf16>
}
func.func @gd_tc(%q: tensor<1x20x1x32xf32>, %v: tensor<1x20x2x32xf32>, %beta: tensor<1x20x2xf32>, %g: tensor<1x20x2x32xf32>) -> tensor<1x20x2x32xf32> {
  %o = linea.gated_delta %q, %q, %v, %beta gate(%g : tensor<1x20x2x32xf32>) {form = #linea.form<chunked>, chunk_size = 16} : tensor<1x20x1x32xf32>, tensor<1x20x1x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2xf32>
  return %o : tensor<1x20x2x32xf32>
}
func.func @ssd_rec(%x: tensor<1x20x4x24xbf16>, %dt: tensor<1x20x4xbf16>, %A: tensor<4xf32>, %b: tensor<1x20x2x16xbf16>, %z: tensor<1x20x4x24xbf16>) -> tensor<1x20x4x24xbf16> {
  %y = linea.ssd %x, %dt, %A, %b, %b D(%A : tensor<4xf32>) z(%z : tensor<1x20x4x24xbf16>) dt_bias(%A : tensor<4xf32>) {dt_softplus, dt_limit = array<f32: 0.0, 4.0>, form = #linea.form<recurrent>} : tensor<1x20x4x24xbf16>, tensor<1x20x4xbf16>, tensor<4xf32>, tensor<1x20x2x16xbf16>, tensor<1x20x2x16xbf16>
  return %y : tensor<1x20x4x24xbf16>
}
func.func @ssd_tc(%x: tensor<1x20x2x32xf32>, %dt: tensor<1x20x2xf32>, %A: tensor<2xf32>, %b: tensor<1x20x1x32xf32>) -> tensor<1x20x2x32xf32> {
  %y = linea.ssd %x, %dt, %A, %b, %b D(%A : tensor<2xf32>) {form = #linea.form<chunked>, chunk_size = 16} : tensor<1x20x2x32xf32>, tensor<1x20x2xf32>, tensor<2xf32>, tensor<1x20x1x32xf32>, tensor<1x20x1x32xf32>
  return %y : tensor<1x20x2x32xf32>
}
func.func @conv(%x: tensor<2x9x40xbf16>, %w: tensor<40x4xbf16>, %s0: tensor<2x40x3xf32>) -> (tensor<2x9x40xbf16>, tensor<2x40x3xf32>) {
  %y, %s = linea.causal_conv1d %x, %w initial_state(%s0 : tensor<2x40x3xf32>) final_state {activation = #linea.activation<silu>} : tensor<2x9x40xbf16>, tensor<40x4xbf16>
  return %y, %s : tensor<2x9x40xbf16>, tensor<2x40x3xf32>
}
