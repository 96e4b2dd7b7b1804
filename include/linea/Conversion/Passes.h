//===- Passes.h - Conversions out of the linea dialect -----------*- C++
//-*-===//
//
// Pass declarations and registration, generated from Passes.td, and the
// pattern entry points of each conversion.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_CONVERSION_PASSES_H
#define LINEA_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
class RewritePatternSet;
namespace linea {

#define GEN_PASS_DECL
#include "linea/Conversion/Passes.h.inc"

/// Patterns that lower every linea op to scf loops over buffers.
void populateLineaToLoopsPatterns(RewritePatternSet &patterns);

/// Patterns that lower every linea op to gpu.launch kernels over buffers
/// (the chunked forms on tensor cores where `tensorCores`).
void populateLineaToGPUPatterns(RewritePatternSet &patterns,
                                bool tensorCores = true);

/// gpu.barrier declares no memory effects in MLIR 22, and buffer
/// deallocation refuses ops with unknown effects: this declares what a
/// barrier does (orders every read and write of the block's threads).
void registerGPUBarrierEffects(DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "linea/Conversion/Passes.h.inc"

} // namespace linea
} // namespace mlir

#endif // LINEA_CONVERSION_PASSES_H
