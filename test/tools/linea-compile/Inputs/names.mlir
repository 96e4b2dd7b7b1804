// Argument names the header cannot use: a C keyword, a name the entry
// points use themselves, a number, and a name that is another argument's
// fallback (arg2). They become argN; %gate keeps its name.
func.func @names(%int: tensor<4xf32>, %error: tensor<4xf32>, %arg2: tensor<4xf32>, %0: tensor<4xf32>, %gate: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.add ins(%int, %error : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.add ins(%a, %arg2 : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %c = linalg.add ins(%b, %0 : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %d = linalg.add ins(%c, %gate : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}
