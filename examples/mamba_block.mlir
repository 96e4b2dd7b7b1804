// A Mamba-1 block (B = 1, T = 256, d_model = 64, d_inner = 128, N = 16,
// dt_rank = 4, d_conv = 4): in-projection, causal depthwise conv1d, SiLU,
// x/dt projections, selective scan with D and the z gate, out-projection.

#map_row = affine_map<(t, c) -> (t, c)>
#map_col = affine_map<(t, c) -> (c)>

func.func @mamba_block(%x: tensor<256x64xf32>, %w_in: tensor<64x256xf32>,
                       %conv_w: tensor<128x4xf32>, %conv_b: tensor<128xf32>,
                       %w_x: tensor<128x36xf32>, %w_dt: tensor<4x128xf32>,
                       %dt_bias: tensor<128xf32>, %a_log: tensor<128x16xf32>,
                       %d_skip: tensor<128xf32>, %w_out: tensor<128x64xf32>)
    -> tensor<256x64xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32

  // in_proj: [x, z] = x W_in
  %e_xz = tensor.empty() : tensor<256x256xf32>
  %f_xz = linalg.fill ins(%zero : f32) outs(%e_xz : tensor<256x256xf32>) -> tensor<256x256xf32>
  %xz = linalg.matmul ins(%x, %w_in : tensor<256x64xf32>, tensor<64x256xf32>)
                      outs(%f_xz : tensor<256x256xf32>) -> tensor<256x256xf32>
  %xin = tensor.extract_slice %xz[0, 0] [256, 128] [1, 1] : tensor<256x256xf32> to tensor<256x128xf32>
  %z = tensor.extract_slice %xz[0, 128] [256, 128] [1, 1] : tensor<256x256xf32> to tensor<256x128xf32>

  // Causal depthwise conv1d: three zero rows in front, then a 4-tap
  // reduction per channel, plus bias.
  %pad = tensor.pad %xin low[3, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<256x128xf32> to tensor<259x128xf32>
  %e_c = tensor.empty() : tensor<256x128xf32>
  %bias = linalg.generic {indexing_maps = [#map_col, #map_row], iterator_types = ["parallel", "parallel"]}
      ins(%conv_b : tensor<128xf32>) outs(%e_c : tensor<256x128xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<256x128xf32>
  %conv = linalg.generic {
      indexing_maps = [affine_map<(t, c, j) -> (t + j, c)>, affine_map<(t, c, j) -> (c, j)>,
                       affine_map<(t, c, j) -> (t, c)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%pad, %conv_w : tensor<259x128xf32>, tensor<128x4xf32>) outs(%bias : tensor<256x128xf32>) {
  ^bb0(%a: f32, %w: f32, %acc: f32):
    %m = arith.mulf %a, %w : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<256x128xf32>
  // SiLU
  %xc = linalg.generic {indexing_maps = [#map_row, #map_row], iterator_types = ["parallel", "parallel"]}
      ins(%conv : tensor<256x128xf32>) outs(%e_c : tensor<256x128xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %a, %d : f32
    linalg.yield %r : f32
  } -> tensor<256x128xf32>

  // x_proj: [dt_in, B, C] = xc W_x; dt = dt_in W_dt.
  %e_dbl = tensor.empty() : tensor<256x36xf32>
  %f_dbl = linalg.fill ins(%zero : f32) outs(%e_dbl : tensor<256x36xf32>) -> tensor<256x36xf32>
  %dbl = linalg.matmul ins(%xc, %w_x : tensor<256x128xf32>, tensor<128x36xf32>)
                       outs(%f_dbl : tensor<256x36xf32>) -> tensor<256x36xf32>
  %dt_in = tensor.extract_slice %dbl[0, 0] [256, 4] [1, 1] : tensor<256x36xf32> to tensor<256x4xf32>
  %bm = tensor.extract_slice %dbl[0, 4] [256, 16] [1, 1] : tensor<256x36xf32> to tensor<256x16xf32>
  %cm = tensor.extract_slice %dbl[0, 20] [256, 16] [1, 1] : tensor<256x36xf32> to tensor<256x16xf32>
  %f_dt = linalg.fill ins(%zero : f32) outs(%e_c : tensor<256x128xf32>) -> tensor<256x128xf32>
  %dt = linalg.matmul ins(%dt_in, %w_dt : tensor<256x4xf32>, tensor<4x128xf32>)
                      outs(%f_dt : tensor<256x128xf32>) -> tensor<256x128xf32>

  // A = -exp(A_log)
  %e_a = tensor.empty() : tensor<128x16xf32>
  %a = linalg.generic {indexing_maps = [#map_row, #map_row], iterator_types = ["parallel", "parallel"]}
      ins(%a_log : tensor<128x16xf32>) outs(%e_a : tensor<128x16xf32>) {
  ^bb0(%l: f32, %o: f32):
    %e = math.exp %l : f32
    %n = arith.negf %e : f32
    linalg.yield %n : f32
  } -> tensor<128x16xf32>

  // The scan takes channel-major [B, D, L] and [B, G, N, L].
  %e_t = tensor.empty() : tensor<128x256xf32>
  %u_t = linalg.transpose ins(%xc : tensor<256x128xf32>) outs(%e_t : tensor<128x256xf32>) permutation = [1, 0]
  %dt_t = linalg.transpose ins(%dt : tensor<256x128xf32>) outs(%e_t : tensor<128x256xf32>) permutation = [1, 0]
  %z_t = linalg.transpose ins(%z : tensor<256x128xf32>) outs(%e_t : tensor<128x256xf32>) permutation = [1, 0]
  %e_n = tensor.empty() : tensor<16x256xf32>
  %b_t = linalg.transpose ins(%bm : tensor<256x16xf32>) outs(%e_n : tensor<16x256xf32>) permutation = [1, 0]
  %c_t = linalg.transpose ins(%cm : tensor<256x16xf32>) outs(%e_n : tensor<16x256xf32>) permutation = [1, 0]
  %u3 = tensor.expand_shape %u_t [[0, 1], [2]] output_shape [1, 128, 256] : tensor<128x256xf32> into tensor<1x128x256xf32>
  %dt3 = tensor.expand_shape %dt_t [[0, 1], [2]] output_shape [1, 128, 256] : tensor<128x256xf32> into tensor<1x128x256xf32>
  %z3 = tensor.expand_shape %z_t [[0, 1], [2]] output_shape [1, 128, 256] : tensor<128x256xf32> into tensor<1x128x256xf32>
  %b4 = tensor.expand_shape %b_t [[0, 1, 2], [3]] output_shape [1, 1, 16, 256] : tensor<16x256xf32> into tensor<1x1x16x256xf32>
  %c4 = tensor.expand_shape %c_t [[0, 1, 2], [3]] output_shape [1, 1, 16, 256] : tensor<16x256xf32> into tensor<1x1x16x256xf32>

  %y3 = linea.selective_scan %u3, %dt3, %a, %b4, %c4
      D_skip(%d_skip : tensor<128xf32>) z(%z3 : tensor<1x128x256xf32>)
      delta_bias(%dt_bias : tensor<128xf32>) {delta_softplus}
      : tensor<1x128x256xf32>, tensor<1x128x256xf32>, tensor<128x16xf32>,
        tensor<1x1x16x256xf32>, tensor<1x1x16x256xf32>

  // out_proj
  %y2 = tensor.collapse_shape %y3 [[0, 1], [2]] : tensor<1x128x256xf32> into tensor<128x256xf32>
  %y = linalg.transpose ins(%y2 : tensor<128x256xf32>) outs(%e_c : tensor<256x128xf32>) permutation = [1, 0]
  %e_o = tensor.empty() : tensor<256x64xf32>
  %f_o = linalg.fill ins(%zero : f32) outs(%e_o : tensor<256x64xf32>) -> tensor<256x64xf32>
  %out = linalg.matmul ins(%y, %w_out : tensor<256x128xf32>, tensor<128x64xf32>)
                       outs(%f_o : tensor<256x64xf32>) -> tensor<256x64xf32>
  return %out : tensor<256x64xf32>
}
