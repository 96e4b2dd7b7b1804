//===- linea-fuzz.cpp - libFuzzer target over Linea's passes -----*- C++
//-*-===//
//
// Feeds mutated IR through parsing, verification, every linea pass and
// pipeline, and the C interface generator. Diagnostics are expected and
// swallowed; crashes, sanitizer reports and hangs are findings.
//
//===----------------------------------------------------------------------===//

#include "linea/Compiler/Compiler.h"
#include "linea/InitAll.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace {
const DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *registry = new DialectRegistry();
    linea::registerEverything(*registry);
    return registry;
  }();
  return *r;
}

constexpr const char *kPipelines[] = {
    "builtin.module(canonicalize)",
    "builtin.module(linea-reassociate)",
    "builtin.module(linea-select-form{target=cpu})",
    "builtin.module(linea-select-form{target=nvptx})",
    "builtin.module(linea-approximate-math)",
    "builtin.module(convert-linea-to-loops)",
    "builtin.module(linea-export-functions)",
    "builtin.module(linea-export-functions{device-entry-points=1})",
    "builtin.module(func.func(linea-vectorize-linalg))",
    "builtin.module(linea-cpu-pipeline)",
    "builtin.module(convert-linea-to-gpu)",
    "builtin.module(linea-gpu-residency)",
    "builtin.module(linea-emulate-gpu)",
    "builtin.module(linea-gpu-emulation-pipeline)",
    "builtin.module(linea-nvptx-pipeline{device-entry-points=1})",
};
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  llvm::CrashRecoveryContext::Enable();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler swallow(&context,
                                  [](Diagnostic &) { return success(); });
  // Upstream parser crashes are recovered (and reported) by the driver
  // library, as in the tools; the fuzzer looks for crashes beyond those.
  OwningOpRef<ModuleOp> module = linea::parseBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          StringRef(reinterpret_cast<const char *>(data), size), "fuzz"),
      context);
  if (!module || failed(verify(*module)))
    return 0;
  (void)linea::generateCInterface(*module, "FUZZ_H");
  (void)linea::generateCInterface(*module, "FUZZ_H", /*gpu=*/true);
  for (const char *pipeline : kPipelines) {
    OwningOpRef<ModuleOp> clone = module->clone();
    PassManager pm(&context, ModuleOp::getOperationName());
    if (failed(parsePassPipeline(pipeline, pm)))
      continue;
    (void)pm.run(*clone);
  }
  return 0;
}
