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
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

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

// Pipelines of a PassManager anchored on builtin.module: written without
// the builtin.module(...) wrapper, which such a pass manager does not take
// (with it, every pipeline failed to parse and no pass ever ran).
constexpr const char *kPipelines[] = {
    "canonicalize",
    "linea-reassociate",
    "linea-select-form{target=cpu}",
    "linea-select-form{target=nvptx}",
    "linea-approximate-math",
    "convert-linea-to-loops",
    "linea-export-functions",
    "linea-export-functions{device-entry-points=1}",
    "func.func(linea-vectorize-linalg)",
    "linea-cpu-pipeline",
    "convert-linea-to-gpu",
    "linea-gpu-residency",
    "linea-emulate-gpu",
    "linea-gpu-emulation-pipeline",
    "linea-nvptx-pipeline{device-entry-points=1}",
};
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  llvm::CrashRecoveryContext::Enable();
  // A pipeline that does not parse would test nothing: fail at once.
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  for (const char *pipeline : kPipelines) {
    PassManager pm(&context, ModuleOp::getOperationName());
    if (failed(parsePassPipeline(pipeline, pm, llvm::errs()))) {
      llvm::errs() << "linea-fuzz: pipeline '" << pipeline
                   << "' does not parse\n";
      std::abort();
    }
  }
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
    (void)parsePassPipeline(pipeline, pm); // checked at initialization
    (void)pm.run(*clone);
  }
  return 0;
}
