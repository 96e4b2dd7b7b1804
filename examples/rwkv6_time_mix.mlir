// An RWKV-6 time-mix block (B = 1, T = 256, C = 128, H = 2 heads of S = 64):
// token shift, r/k/v/w/g projections (the decay through a tanh LoRA),
// wkv6, per-head group norm, gated output projection.

#row = affine_map<(t, c) -> (t, c)>
#col = affine_map<(t, c) -> (c)>

func.func @rwkv6_time_mix(%x: tensor<256x128xf32>,
                          %mu_r: tensor<128xf32>, %mu_k: tensor<128xf32>, %mu_v: tensor<128xf32>,
                          %mu_w: tensor<128xf32>, %mu_g: tensor<128xf32>,
                          %w_r: tensor<128x128xf32>, %w_k: tensor<128x128xf32>,
                          %w_v: tensor<128x128xf32>, %w_g: tensor<128x128xf32>,
                          %w0: tensor<128xf32>, %w_a: tensor<128x32xf32>, %w_b: tensor<32x128xf32>,
                          %u: tensor<2x64xf32>, %gn_w: tensor<128xf32>, %gn_b: tensor<128xf32>,
                          %w_o: tensor<128x128xf32>) -> tensor<256x128xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32

  // Token shift: x_prev[t] = x[t - 1], zero at t = 0.
  %pad = tensor.pad %x low[1, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<256x128xf32> to tensor<257x128xf32>
  %x_prev = tensor.extract_slice %pad[0, 0] [256, 128] [1, 1] : tensor<257x128xf32> to tensor<256x128xf32>

  // x_* = x + (x_prev - x) * mu_*
  %e = tensor.empty() : tensor<256x128xf32>
  %xr, %xk, %xv, %xw, %xg = linalg.generic {
      indexing_maps = [#row, #row, #col, #col, #col, #col, #col, #row, #row, #row, #row, #row],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %x_prev, %mu_r, %mu_k, %mu_v, %mu_w, %mu_g
          : tensor<256x128xf32>, tensor<256x128xf32>, tensor<128xf32>, tensor<128xf32>,
            tensor<128xf32>, tensor<128xf32>, tensor<128xf32>)
      outs(%e, %e, %e, %e, %e : tensor<256x128xf32>, tensor<256x128xf32>, tensor<256x128xf32>,
                                tensor<256x128xf32>, tensor<256x128xf32>) {
  ^bb0(%a: f32, %p: f32, %mr: f32, %mk: f32, %mv: f32, %mw: f32, %mg: f32,
       %o0: f32, %o1: f32, %o2: f32, %o3: f32, %o4: f32):
    %xx = arith.subf %p, %a : f32
    %r0 = arith.mulf %xx, %mr : f32
    %r = arith.addf %a, %r0 : f32
    %k0 = arith.mulf %xx, %mk : f32
    %k = arith.addf %a, %k0 : f32
    %v0 = arith.mulf %xx, %mv : f32
    %v = arith.addf %a, %v0 : f32
    %w0_ = arith.mulf %xx, %mw : f32
    %w = arith.addf %a, %w0_ : f32
    %g0 = arith.mulf %xx, %mg : f32
    %g = arith.addf %a, %g0 : f32
    linalg.yield %r, %k, %v, %w, %g : f32, f32, f32, f32, f32
  } -> (tensor<256x128xf32>, tensor<256x128xf32>, tensor<256x128xf32>, tensor<256x128xf32>, tensor<256x128xf32>)

  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x128xf32>) -> tensor<256x128xf32>
  %r = linalg.matmul ins(%xr, %w_r : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %k = linalg.matmul ins(%xk, %w_k : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %v = linalg.matmul ins(%xv, %w_v : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %g_pre = linalg.matmul ins(%xg, %w_g : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>

  // Data-dependent decay: log w = -exp(w0 + tanh(x_w W_a) W_b).
  %e32 = tensor.empty() : tensor<256x32xf32>
  %f32_ = linalg.fill ins(%zero : f32) outs(%e32 : tensor<256x32xf32>) -> tensor<256x32xf32>
  %lora0 = linalg.matmul ins(%xw, %w_a : tensor<256x128xf32>, tensor<128x32xf32>) outs(%f32_ : tensor<256x32xf32>) -> tensor<256x32xf32>
  %lora1 = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel", "parallel"]}
      ins(%lora0 : tensor<256x32xf32>) outs(%e32 : tensor<256x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<256x32xf32>
  %lora2 = linalg.matmul ins(%lora1, %w_b : tensor<256x32xf32>, tensor<32x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  %logw = linalg.generic {indexing_maps = [#row, #col, #row], iterator_types = ["parallel", "parallel"]}
      ins(%lora2, %w0 : tensor<256x128xf32>, tensor<128xf32>) outs(%e : tensor<256x128xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %ex = math.exp %s : f32
    %n = arith.negf %ex : f32
    linalg.yield %n : f32
  } -> tensor<256x128xf32>

  %r4 = tensor.expand_shape %r [[0, 1], [2, 3]] output_shape [1, 256, 2, 64] : tensor<256x128xf32> into tensor<1x256x2x64xf32>
  %k4 = tensor.expand_shape %k [[0, 1], [2, 3]] output_shape [1, 256, 2, 64] : tensor<256x128xf32> into tensor<1x256x2x64xf32>
  %v4 = tensor.expand_shape %v [[0, 1], [2, 3]] output_shape [1, 256, 2, 64] : tensor<256x128xf32> into tensor<1x256x2x64xf32>
  %w4 = tensor.expand_shape %logw [[0, 1], [2, 3]] output_shape [1, 256, 2, 64] : tensor<256x128xf32> into tensor<1x256x2x64xf32>
  %o4 = linea.wkv6 %r4, %k4, %v4, %w4, %u
      : tensor<1x256x2x64xf32>, tensor<1x256x2x64xf32>, tensor<1x256x2x64xf32>,
        tensor<1x256x2x64xf32>, tensor<2x64xf32>

  // Group norm: one group per head, over its 64 channels (eps 64e-5).
  %o3 = tensor.collapse_shape %o4 [[0, 1], [2], [3]] : tensor<1x256x2x64xf32> into tensor<256x2x64xf32>
  %e2 = tensor.empty() : tensor<256x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<256x2xf32>) -> tensor<256x2xf32>
  %sum, %sumsq = linalg.generic {
      indexing_maps = [affine_map<(t, h, s) -> (t, h, s)>, affine_map<(t, h, s) -> (t, h)>,
                       affine_map<(t, h, s) -> (t, h)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%o3 : tensor<256x2x64xf32>) outs(%f2, %f2 : tensor<256x2xf32>, tensor<256x2xf32>) {
  ^bb0(%a: f32, %s: f32, %q: f32):
    %s1 = arith.addf %s, %a : f32
    %sq = arith.mulf %a, %a : f32
    %q1 = arith.addf %q, %sq : f32
    linalg.yield %s1, %q1 : f32, f32
  } -> (tensor<256x2xf32>, tensor<256x2xf32>)
  %gn_w3 = tensor.expand_shape %gn_w [[0, 1]] output_shape [2, 64] : tensor<128xf32> into tensor<2x64xf32>
  %gn_b3 = tensor.expand_shape %gn_b [[0, 1]] output_shape [2, 64] : tensor<128xf32> into tensor<2x64xf32>
  %g3 = tensor.expand_shape %g_pre [[0], [1, 2]] output_shape [256, 2, 64] : tensor<256x128xf32> into tensor<256x2x64xf32>
  %e3 = tensor.empty() : tensor<256x2x64xf32>
  %gated = linalg.generic {
      indexing_maps = [affine_map<(t, h, s) -> (t, h, s)>, affine_map<(t, h, s) -> (t, h)>,
                       affine_map<(t, h, s) -> (t, h)>, affine_map<(t, h, s) -> (h, s)>,
                       affine_map<(t, h, s) -> (h, s)>, affine_map<(t, h, s) -> (t, h, s)>,
                       affine_map<(t, h, s) -> (t, h, s)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%o3, %sum, %sumsq, %gn_w3, %gn_b3, %g3
          : tensor<256x2x64xf32>, tensor<256x2xf32>, tensor<256x2xf32>, tensor<2x64xf32>,
            tensor<2x64xf32>, tensor<256x2x64xf32>)
      outs(%e3 : tensor<256x2x64xf32>) {
  ^bb0(%a: f32, %s: f32, %q: f32, %gw: f32, %gb: f32, %gp: f32, %o: f32):
    %n = arith.constant 64.0 : f32
    %eps = arith.constant 6.4e-4 : f32
    %mean = arith.divf %s, %n : f32
    %ex2 = arith.divf %q, %n : f32
    %m2 = arith.mulf %mean, %mean : f32
    %var = arith.subf %ex2, %m2 : f32
    %ve = arith.addf %var, %eps : f32
    %rs = math.rsqrt %ve : f32
    %c = arith.subf %a, %mean : f32
    %nrm = arith.mulf %c, %rs : f32
    %sc = arith.mulf %nrm, %gw : f32
    %y = arith.addf %sc, %gb : f32
    // silu(g)
    %ng = arith.negf %gp : f32
    %eg = math.exp %ng : f32
    %dg = arith.addf %one, %eg : f32
    %sg = arith.divf %gp, %dg : f32
    %res = arith.mulf %y, %sg : f32
    linalg.yield %res : f32
  } -> tensor<256x2x64xf32>
  %gated2 = tensor.collapse_shape %gated [[0], [1, 2]] : tensor<256x2x64xf32> into tensor<256x128xf32>
  %out = linalg.matmul ins(%gated2, %w_o : tensor<256x128xf32>, tensor<128x128xf32>) outs(%f : tensor<256x128xf32>) -> tensor<256x128xf32>
  return %out : tensor<256x128xf32>
}
