// Every option of linea-select-form changes a pick somewhere.
// RUN: linea-opt %s -linea-select-form="cores=1" -split-input-file | FileCheck %s --check-prefix=ONE
// RUN: linea-opt %s -linea-select-form="cores=64" -split-input-file | FileCheck %s --check-prefix=MANY
// RUN: linea-opt %s -linea-select-form="target=nvptx" -split-input-file | FileCheck %s --check-prefix=GPU
// RUN: linea-opt %s -linea-select-form="target=nvptx tensor-cores=false" -split-input-file | FileCheck %s --check-prefix=NOTC
// RUN: linea-opt %s -linea-select-form="target=nvptx sm-count=1" -split-input-file | FileCheck %s --check-prefix=ONESM

// cores: 64 slices of 8 tokens. On one core the slices' work decides, and
// the recurrent form does least; on 64 each core runs one slice, and the
// fixed costs decide (the quadratic form's is the smaller).
// ONE-LABEL:  func @slices
// ONE:          form = #linea.form<recurrent>
// MANY-LABEL: func @slices
// MANY:         form = #linea.form<quadratic>
// tensor-cores: without them the chunked kernel is not priced. sm-count:
// on one SM, 64 heads of 8 tokens take more waves of the chunked kernel
// than of the recurrent one.
// GPU-LABEL:   func @slices
// GPU:           form = #linea.form<chunked>
// NOTC-LABEL:  func @slices
// NOTC:          form = #linea.form<recurrent>
// ONESM-LABEL: func @slices
// ONESM:         form = #linea.form<recurrent>
func.func @slices(%q: tensor<1x8x64x64xf32>) -> tensor<1x8x64x64xf32> {
  %o = linea.linear_attention %q, %q, %q {causal} : tensor<1x8x64x64xf32>, tensor<1x8x64x64xf32>, tensor<1x8x64x64xf32>
  return %o : tensor<1x8x64x64xf32>
}
