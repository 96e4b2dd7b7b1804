// RUN: not linea-opt %s -linea-select-form=target=tpu 2>&1 | FileCheck %s

// CHECK: error: linea-select-form: unknown target 'tpu' (expected cpu or nvptx)
func.func @f(%k: tensor<1x4x16xf32>, %w: tensor<16xf32>) -> tensor<1x4x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>
  return %y : tensor<1x4x16xf32>
}
