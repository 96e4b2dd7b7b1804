func.func @gd(%q: tensor<1x8x2x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x4x24xf32>, %beta: tensor<1x8x4xf32>, %g: tensor<1x8x4xf32>, %alog: tensor<4xf32>, %dtb: tensor<4xf32>) -> (tensor<1x8x4x24xf32>, tensor<1x4x16x24xf32>) {
  %o, %s = linea.gated_delta %q, %k, %v, %beta gate(%g : tensor<1x8x4xf32>) A_log(%alog : tensor<4xf32>) dt_bias(%dtb : tensor<4xf32>) final_state {use_qk_l2norm} : tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x4x24xf32>, tensor<1x8x4xf32>
  return %o, %s : tensor<1x8x4x24xf32>, tensor<1x4x16x24xf32>
}
