func.func @f(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<2x0x16xf32>, %v: tensor<2x0x16xf32>) -> tensor<2x0x16xf32> {
  %y = linea.wkv4 %w, %u, %k, %v {form = #linea.form<scan>} : tensor<16xf32>, tensor<16xf32>, tensor<2x0x16xf32>, tensor<2x0x16xf32>
  return %y : tensor<2x0x16xf32>
}
