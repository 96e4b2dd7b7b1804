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
class RewritePatternSet;
namespace linea {

#define GEN_PASS_DECL
#include "linea/Conversion/Passes.h.inc"

/// Patterns that lower every linea op to scf loops over buffers.
void populateLineaToLoopsPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "linea/Conversion/Passes.h.inc"

} // namespace linea
} // namespace mlir

#endif // LINEA_CONVERSION_PASSES_H
