func.func @wkv4(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<2x8x16xbf16>, %v: tensor<2x8x16xbf16>) -> (tensor<2x8x16xbf16>, tensor<2x3x16xf32>) {
  %y, %s = linea.wkv4 %w, %u, %k, %v final_state : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xbf16>, tensor<2x8x16xbf16>
  return %y, %s : tensor<2x8x16xbf16>, tensor<2x3x16xf32>
}
