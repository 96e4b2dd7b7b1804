// Mamba-2's SSD mixer (B = 1, T = 256, H = 8 heads of P = 32 channels,
// G = 2 groups, state N = 16): linea.ssd with dt = softplus(dt_raw +
// dt_bias), A = -exp(A_log), the D skip and the z gate, all applied in f32
// inside the kernel. Heads h read the B and C of group h / (H / G).

func.func @mamba2_ssd(%x: tensor<1x256x8x32xf32>, %dt_raw: tensor<1x256x8xf32>,
                      %a_log: tensor<8xf32>, %b: tensor<1x256x2x16xf32>,
                      %c: tensor<1x256x2x16xf32>, %dt_bias: tensor<8xf32>,
                      %d: tensor<8xf32>, %z: tensor<1x256x8x32xf32>)
    -> tensor<1x256x8x32xf32> {
  // A = -exp(A_log)
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {
      indexing_maps = [affine_map<(h) -> (h)>, affine_map<(h) -> (h)>],
      iterator_types = ["parallel"]}
      ins(%a_log : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%al: f32, %o: f32):
    %ea = math.exp %al : f32
    %na = arith.negf %ea : f32
    linalg.yield %na : f32
  } -> tensor<8xf32>
  %y = linea.ssd %x, %dt_raw, %a, %b, %c D(%d : tensor<8xf32>)
      z(%z : tensor<1x256x8x32xf32>) dt_bias(%dt_bias : tensor<8xf32>)
      {dt_softplus}
      : tensor<1x256x8x32xf32>, tensor<1x256x8xf32>, tensor<8xf32>,
        tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>
  return %y : tensor<1x256x8x32xf32>
}
