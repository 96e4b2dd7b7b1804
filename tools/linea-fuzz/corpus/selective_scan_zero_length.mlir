func.func @f(%u: tensor<1x4x0xf32>, %dt: tensor<1x4x0xf32>, %A: tensor<4x8xf32>, %B: tensor<1x1x8x0xf32>, %C: tensor<1x1x8x0xf32>) -> tensor<1x4x0xf32> {
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x4x0xf32>, tensor<1x4x0xf32>, tensor<4x8xf32>, tensor<1x1x8x0xf32>, tensor<1x1x8x0xf32>
  return %y : tensor<1x4x0xf32>
}
