// Numeric pass options out of range are errors that name the pass and the
// option, never silent defaults.
// RUN: not linea-opt %s --linea-select-form=cores=-3 2>&1 | FileCheck %s --check-prefix=CORES
// RUN: not linea-opt %s "--linea-select-form=target=nvptx sm-count=0" 2>&1 | FileCheck %s --check-prefix=SMS
// RUN: not linea-opt %s --pass-pipeline="builtin.module(func.func(linea-vectorize-linalg{vector-width=-1}))" 2>&1 | FileCheck %s --check-prefix=WIDTH
// RUN: not linea-opt %s --pass-pipeline="builtin.module(func.func(linea-vectorize-linalg{rows=0}))" 2>&1 | FileCheck %s --check-prefix=ROWS
// In range, they run.
// RUN: linea-opt %s --pass-pipeline="builtin.module(linea-select-form{cores=2}, func.func(linea-vectorize-linalg{vector-width=8 rows=4}))" -o /dev/null

// CORES: error: linea-select-form: option 'cores' must be in [0, 4096], got -3
// SMS: error: linea-select-form: option 'sm-count' must be in [1, 1024], got 0
// WIDTH: error: linea-vectorize-linalg: option 'vector-width' must be in [1, 64], got -1
// ROWS: error: linea-vectorize-linalg: option 'rows' must be in [1, 64], got 0

func.func @f(%a: memref<16x16xf32>, %b: memref<16x16xf32>, %c: memref<16x16xf32>) {
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x16xf32>) outs(%c : memref<16x16xf32>)
  return
}
