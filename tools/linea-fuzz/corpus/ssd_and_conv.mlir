func.func @ssd_conv(%xbc: tensor<1x8x48xf32>, %w: tensor<48x4xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %s0: tensor<1x48x3xf32>, %cb: tensor<48xf32>) -> (tensor<1x8x4x8xf32>, tensor<1x4x8x8xf32>, tensor<1x48x3xf32>) {
  %c, %cs = linea.causal_conv1d %xbc, %w bias(%cb : tensor<48xf32>) initial_state(%s0 : tensor<1x48x3xf32>) final_state {activation = #linea.activation<silu>} : tensor<1x8x48xf32>, tensor<48x4xf32>
  %x = tensor.extract_slice %c[0, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<1x8x48xf32> to tensor<1x8x32xf32>
  %x4 = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<1x8x32xf32> into tensor<1x8x4x8xf32>
  %b = tensor.extract_slice %c[0, 0, 32] [1, 8, 8] [1, 1, 1] : tensor<1x8x48xf32> to tensor<1x8x8xf32>
  %b4 = tensor.expand_shape %b [[0], [1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<1x8x8xf32> into tensor<1x8x1x8xf32>
  %y, %s = linea.ssd %x4, %dt, %A, %b4, %b4 D(%A : tensor<4xf32>) z(%x4 : tensor<1x8x4x8xf32>) dt_bias(%A : tensor<4xf32>) final_state {dt_softplus, dt_limit = array<f32: 0.0, 4.0>} : tensor<1x8x4x8xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x8xf32>, tensor<1x8x1x8xf32>
  return %y, %s, %cs : tensor<1x8x4x8xf32>, tensor<1x4x8x8xf32>, tensor<1x48x3xf32>
}
