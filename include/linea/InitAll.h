//===- InitAll.h - Register everything a Linea tool needs --------*- C++
//-*-===//
//
// One place that registers all upstream dialects, passes, extensions and
// translations together with Linea's own, shared by linea-opt, linea-compile
// and the tests.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_INITALL_H
#define LINEA_INITALL_H

namespace mlir {
class DialectRegistry;
namespace linea {

/// Adds every upstream and Linea dialect, extension and LLVM IR translation
/// interface to `registry`, and registers every pass and pipeline globally.
void registerEverything(DialectRegistry &registry);

} // namespace linea
} // namespace mlir

#endif // LINEA_INITALL_H
