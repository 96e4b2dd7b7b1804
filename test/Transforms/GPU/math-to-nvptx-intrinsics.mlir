// RUN: linea-opt %s -linea-math-to-nvptx-intrinsics | FileCheck %s

// Kernel math the NVVM lowering would send to libdevice becomes intrinsics
// NVPTX selects to instructions; rsqrt divides by the square root.
// CHECK-LABEL: func @math
// CHECK:         llvm.call_intrinsic "llvm.sqrt.f32"(%{{.+}}) : (f32) -> f32
// CHECK:         %[[S:.+]] = llvm.call_intrinsic "llvm.sqrt.v4f32"
// CHECK:         arith.divf %{{.+}}, %[[S]] : vector<4xf32>
// CHECK:         llvm.call_intrinsic "llvm.fabs.f64"
// CHECK:         llvm.call_intrinsic "llvm.floor.f32"
// CHECK:         llvm.call_intrinsic "llvm.fma.v4f32"
// CHECK:         math.tanh
func.func @math(%x: f32, %v: vector<4xf32>, %d: f64) -> (f32, vector<4xf32>, f64, f32, vector<4xf32>, f32) {
  %a = math.sqrt %x : f32
  %b = math.rsqrt %v : vector<4xf32>
  %c = math.absf %d : f64
  %e = math.floor %x : f32
  %f = math.fma %v, %v, %v : vector<4xf32>
  %g = math.tanh %x : f32
  return %a, %b, %c, %e, %f, %g : f32, vector<4xf32>, f64, f32, vector<4xf32>, f32
}
