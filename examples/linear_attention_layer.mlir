// A linear-attention transformer layer (B = 1, T = 256, d = 128, H = 4 heads
// of 32, MLP 512): q/k/v projections, causal linear attention with the elu+1
// feature map and normalization, output projection and residual, RMSNorm,
// ReLU MLP and residual.

#row = affine_map<(t, c) -> (t, c)>
#col = affine_map<(t, c) -> (c)>
#tok = affine_map<(t, c) -> (t)>

func.func @linear_attention_layer(%x: tensor<256x128xf32>, %w_q: tensor<128x128xf32>,
                                  %w_k: tensor<128x128xf32>, %w_v: tensor<128x128xf32>,
                                  %w_o: tensor<128x128xf32>, %gamma: tensor<128xf32>,
                                  %w_1: tensor<128x512xf32>, %w_2: tensor<512x128xf32>)
    -> tensor<256x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x128xf32>) -> tensor<256x128xf32>
  %q = linalg.matmul ins(%x, %w_q : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %k = linalg.matmul ins(%x, %w_k : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %v = linalg.matmul ins(%x, %w_v : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %q4 = tensor.expand_shape %q [[0, 1], [2, 3]] output_shape [1, 256, 4, 32] : tensor<256x128xf32> into tensor<1x256x4x32xf32>
  %k4 = tensor.expand_shape %k [[0, 1], [2, 3]] output_shape [1, 256, 4, 32] : tensor<256x128xf32> into tensor<1x256x4x32xf32>
  %v4 = tensor.expand_shape %v [[0, 1], [2, 3]] output_shape [1, 256, 4, 32] : tensor<256x128xf32> into tensor<1x256x4x32xf32>
  %a4 = linea.linear_attention %q4, %k4, %v4
      {causal, normalize, feature_map = #linea.feature_map<elu_plus_one>}
      : tensor<1x256x4x32xf32>, tensor<1x256x4x32xf32>, tensor<1x256x4x32xf32>
  %a = tensor.collapse_shape %a4 [[0, 1], [2, 3]] : tensor<1x256x4x32xf32> into tensor<256x128xf32>
  // h = x + a W_o
  %proj = linalg.matmul ins(%a, %w_o : tensor<256x128xf32>, tensor<128x128xf32>) outs(%x : tensor<256x128xf32>) -> tensor<256x128xf32>

  // RMSNorm
  %e1 = tensor.empty() : tensor<256xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<256xf32>) -> tensor<256xf32>
  %ss = linalg.generic {indexing_maps = [#row, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%proj : tensor<256x128xf32>) outs(%f1 : tensor<256xf32>) {
  ^bb0(%a0: f32, %acc: f32):
    %sq = arith.mulf %a0, %a0 : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  } -> tensor<256xf32>
  %n = linalg.generic {indexing_maps = [#row, #tok, #col, #row], iterator_types = ["parallel", "parallel"]}
      ins(%proj, %ss, %gamma : tensor<256x128xf32>, tensor<256xf32>, tensor<128xf32>) outs(%e : tensor<256x128xf32>) {
  ^bb0(%a0: f32, %s: f32, %g: f32, %o: f32):
    %d = arith.constant 128.0 : f32
    %eps = arith.constant 1.0e-6 : f32
    %m = arith.divf %s, %d : f32
    %me = arith.addf %m, %eps : f32
    %r = math.rsqrt %me : f32
    %y = arith.mulf %a0, %r : f32
    %yg = arith.mulf %y, %g : f32
    linalg.yield %yg : f32
  } -> tensor<256x128xf32>

  // MLP with ReLU, added to the residual.
  %e4 = tensor.empty() : tensor<256x512xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<256x512xf32>) -> tensor<256x512xf32>
  %h1 = linalg.matmul ins(%n, %w_1 : tensor<256x128xf32>, tensor<128x512xf32>) outs(%f4 : tensor<256x512xf32>) -> tensor<256x512xf32>
  %h2 = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%h1 : tensor<256x512xf32>) outs(%e4 : tensor<256x512xf32>) {
  ^bb0(%a0: f32, %o: f32):
    %r = arith.maximumf %a0, %zero : f32
    linalg.yield %r : f32
  } -> tensor<256x512xf32>
  %out = linalg.matmul ins(%h2, %w_2 : tensor<256x512xf32>, tensor<512x128xf32>) outs(%proj : tensor<256x128xf32>) -> tensor<256x128xf32>
  return %out : tensor<256x128xf32>
}
