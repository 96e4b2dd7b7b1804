//===- Patterns.h - Per-op pattern sets of convert-linea-to-loops -*- C++
//-*-===//
//
// Private to the conversion: the public entry point is
// populateLineaToLoopsPatterns in linea/Conversion/LineaToLoops.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEATOLOOPS_PATTERNS_H
#define LINEA_LIB_CONVERSION_LINEATOLOOPS_PATTERNS_H

#include "LoopEmitter.h"

namespace mlir {
class RewritePatternSet;
namespace linea {
void populateLinearAttentionToLoopsPatterns(RewritePatternSet &patterns,
                                            detail::TargetInfo target);
void populateSelectiveScanToLoopsPatterns(RewritePatternSet &patterns,
                                          detail::TargetInfo target);
void populateWkvToLoopsPatterns(RewritePatternSet &patterns,
                                detail::TargetInfo target);
} // namespace linea
} // namespace mlir

#endif // LINEA_LIB_CONVERSION_LINEATOLOOPS_PATTERNS_H
