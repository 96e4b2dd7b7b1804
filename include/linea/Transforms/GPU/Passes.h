//===- Passes.h - Transformations of GPU code --------------------*- C++
//-*-===//
//
// Pass declarations and registration, generated from Passes.td, and the
// pieces of GPU IR they share with the rest of the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_TRANSFORMS_GPU_PASSES_H
#define LINEA_TRANSFORMS_GPU_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
namespace linea {

/// Marks a function whose memref arguments are device memory (the
/// `<name>_device` entry points of GPU libraries).
constexpr StringLiteral kDevicePointersAttr = "linea.device_pointers";

/// gpu.barrier declares no memory effects in MLIR 22, and buffer
/// deallocation refuses ops with unknown effects: this declares what a
/// barrier does (orders every read and write of the block's threads).
void registerGPUBarrierEffects(DialectRegistry &registry);

#define GEN_PASS_DECL
#include "linea/Transforms/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "linea/Transforms/GPU/Passes.h.inc"

} // namespace linea
} // namespace mlir

#endif // LINEA_TRANSFORMS_GPU_PASSES_H
