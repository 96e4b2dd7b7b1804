// Mamba-2's SSD mixer (B = 1, T = 256, H = 8 heads of P = 32 channels,
// G = 2 groups, state N = 16) as grouped linear attention with a scalar
// gate: q = C, k = B, v = dt * x, gate = dt * A (log space), scale 1; then
// the D skip. Heads h read the B and C of group h / (H / G).

#row3 = affine_map<(t, h, p) -> (t, h, p)>
#head = affine_map<(t, h, p) -> (t, h)>

func.func @mamba2_ssd(%x: tensor<1x256x8x32xf32>, %dt_raw: tensor<1x256x8xf32>,
                      %a_log: tensor<8xf32>, %b: tensor<1x256x2x16xf32>,
                      %c: tensor<1x256x2x16xf32>, %dt_bias: tensor<8xf32>,
                      %d: tensor<8xf32>) -> tensor<1x256x8x32xf32> {
  // dt = softplus(dt_raw + dt_bias); gate = dt * A with A = -exp(A_log).
  %e_dt = tensor.empty() : tensor<1x256x8xf32>
  %dt, %gate = linalg.generic {
      indexing_maps = [affine_map<(b, t, h) -> (b, t, h)>, affine_map<(b, t, h) -> (h)>,
                       affine_map<(b, t, h) -> (h)>, affine_map<(b, t, h) -> (b, t, h)>,
                       affine_map<(b, t, h) -> (b, t, h)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%dt_raw, %dt_bias, %a_log : tensor<1x256x8xf32>, tensor<8xf32>, tensor<8xf32>)
      outs(%e_dt, %e_dt : tensor<1x256x8xf32>, tensor<1x256x8xf32>) {
  ^bb0(%r: f32, %bias: f32, %al: f32, %o0: f32, %o1: f32):
    %s = arith.addf %r, %bias : f32
    %ex = math.exp %s : f32
    %sp = math.log1p %ex : f32
    %twenty = arith.constant 20.0 : f32
    %big = arith.cmpf ogt, %s, %twenty : f32
    %dtv = arith.select %big, %s, %sp : f32
    %ea = math.exp %al : f32
    %na = arith.negf %ea : f32
    %g = arith.mulf %dtv, %na : f32
    linalg.yield %dtv, %g : f32, f32
  } -> (tensor<1x256x8xf32>, tensor<1x256x8xf32>)
  // v = dt * x
  %e_v = tensor.empty() : tensor<1x256x8x32xf32>
  %v = linalg.generic {
      indexing_maps = [affine_map<(b, t, h, p) -> (b, t, h, p)>, affine_map<(b, t, h, p) -> (b, t, h)>,
                       affine_map<(b, t, h, p) -> (b, t, h, p)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %dt : tensor<1x256x8x32xf32>, tensor<1x256x8xf32>) outs(%e_v : tensor<1x256x8x32xf32>) {
  ^bb0(%xv: f32, %dtv: f32, %o: f32):
    %m = arith.mulf %xv, %dtv : f32
    linalg.yield %m : f32
  } -> tensor<1x256x8x32xf32>
  %y0 = linea.linear_attention %c, %b, %v gate(%gate : tensor<1x256x8xf32>)
      {causal, scale = 1.0 : f32}
      : tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>, tensor<1x256x8x32xf32>
  // y = y0 + D * x
  %y = linalg.generic {
      indexing_maps = [affine_map<(b, t, h, p) -> (b, t, h, p)>, affine_map<(b, t, h, p) -> (b, t, h, p)>,
                       affine_map<(b, t, h, p) -> (h)>, affine_map<(b, t, h, p) -> (b, t, h, p)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y0, %x, %d : tensor<1x256x8x32xf32>, tensor<1x256x8x32xf32>, tensor<8xf32>)
      outs(%e_v : tensor<1x256x8x32xf32>) {
  ^bb0(%yv: f32, %xv: f32, %dv: f32, %o: f32):
    %m = arith.mulf %dv, %xv : f32
    %s = arith.addf %yv, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x256x8x32xf32>
  return %y : tensor<1x256x8x32xf32>
}
