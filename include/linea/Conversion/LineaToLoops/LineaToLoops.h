//===- LineaToLoops.h - Lowering linea ops to CPU loops ----------*- C++
//-*-===//
//
// The patterns of convert-linea-to-loops, and the static facts of its
// kernels that the cost model prices.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_CONVERSION_LINEATOLOOPS_LINEATOLOOPS_H
#define LINEA_CONVERSION_LINEATOLOOPS_LINEATOLOOPS_H

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace linea {

/// Patterns that lower every linea op to scf loops over buffers.
void populateLineaToLoopsPatterns(RewritePatternSet &patterns);

/// Chunks (and quadratic windows) of up to this many tokens are evaluated
/// as matrices on each slice's stack, longer ones token by token; the cost
/// model prices the two differently.
constexpr int64_t kMaxMatrixChunk = 128;

} // namespace linea
} // namespace mlir

#endif // LINEA_CONVERSION_LINEATOLOOPS_LINEATOLOOPS_H
