//===- Patterns.h - The lowerings of the linea ops, for any target -*- C++
//-*-===//
//
// Shared by convert-linea-to-loops and convert-linea-to-gpu: each passes
// its TargetInfo, which must outlive the patterns.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEACOMMON_PATTERNS_H
#define LINEA_LIB_CONVERSION_LINEACOMMON_PATTERNS_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class Operation;
class RewritePatternSet;
namespace linea {
namespace detail {
class TargetInfo;
} // namespace detail

void populateLinearAttentionPatterns(RewritePatternSet &patterns,
                                     const detail::TargetInfo &target);
void populateSelectiveScanPatterns(RewritePatternSet &patterns,
                                   const detail::TargetInfo &target);
void populateWkvPatterns(RewritePatternSet &patterns,
                         const detail::TargetInfo &target);
void populateGatedDeltaPatterns(RewritePatternSet &patterns,
                                const detail::TargetInfo &target);
void populateSsdPatterns(RewritePatternSet &patterns,
                         const detail::TargetInfo &target);
void populateCausalConv1dPatterns(RewritePatternSet &patterns,
                                  const detail::TargetInfo &target);
/// All of them.
void populateLineaPatterns(RewritePatternSet &patterns,
                           const detail::TargetInfo &target);

/// Lowers every linea op in `root` for `target`; an op left over is an
/// error at the op that says why.
LogicalResult lowerLineaOps(Operation *root, const detail::TargetInfo &target);
} // namespace linea
} // namespace mlir

#endif // LINEA_LIB_CONVERSION_LINEACOMMON_PATTERNS_H
