//===- Passes.h - Conversions out of the linea dialect -----------*- C++
//-*-===//
//
// Pass declarations and registration, generated from Passes.td, and the
// pattern entry points of each conversion.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_CONVERSION_PASSES_H
#define LINEA_CONVERSION_PASSES_H

#include "linea/Conversion/LineaToGPU/LineaToGPU.h"
#include "linea/Conversion/LineaToLoops/LineaToLoops.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace linea {

#define GEN_PASS_DECL
#include "linea/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "linea/Conversion/Passes.h.inc"

} // namespace linea
} // namespace mlir

#endif // LINEA_CONVERSION_PASSES_H
