// RUN: linea-opt %s -linea-export-functions | FileCheck %s

// Public definitions get the C wrapper and read-only tensor arguments;
// scalars keep no attribute.
// CHECK-LABEL: func.func @public(
// CHECK-SAME:    %{{.+}}: tensor<4xf32> {bufferization.writable = false}
// CHECK-SAME:    %{{.+}}: f32)
// CHECK-SAME:    attributes {llvm.emit_c_interface}
func.func @public(%a: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// Private functions and declarations are left alone.
// CHECK-LABEL: func.func private @helper(
// CHECK-SAME:    %{{.+}}: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-LABEL: func.func private @external(tensor<4xf32>)
// CHECK-NOT:   emit_c_interface
func.func private @helper(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
func.func private @external(tensor<4xf32>)
