//===- linea-opt.cpp - The opt-style driver of Linea -------------*- C++
//-*-===//
//
// mlir-opt with every upstream dialect, pass, extension and LLVM IR
// translation, plus the linea dialect, its passes and its pipelines. Unlike
// mlir-opt, an empty input file is an error, and a failed run leaves no
// output file behind.
//
//===----------------------------------------------------------------------===//

#include "linea/Compiler/Compiler.h"
#include "linea/InitAll.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::linea::registerEverything(registry);
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "Linea optimizer driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, input, output, registry));

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = mlir::openInputFile(input, &error);
  if (!file) {
    llvm::errs() << input << ":0:0: error: " << error << "\n";
    return 1;
  }
  if (file->getBufferSize() == 0) {
    llvm::errs() << input << ":0:0: error: input file is empty\n";
    return 1;
  }
  if (std::optional<size_t> at =
          mlir::linea::findExcessiveNesting(file->getBuffer())) {
    llvm::StringRef before = file->getBuffer().take_front(*at);
    size_t lineStart = before.rfind('\n');
    llvm::errs() << input << ":" << before.count('\n') + 1 << ":"
                 << (lineStart == llvm::StringRef::npos ? *at
                                                         : *at - lineStart - 1) +
                        1
                 << ": error: nested deeper than "
                 << mlir::linea::kMaxNestingDepth
                 << " levels: refused before parsing (the parser would "
                    "overflow its stack)\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> out =
      mlir::openOutputFile(output, &error);
  if (!out) {
    llvm::errs() << output << ":0:0: error: " << error << "\n";
    return 1;
  }
  // Some upstream parsers crash on malformed input (linalg.transpose on a
  // broken permutation list, in MLIR 22.1.8): an error, not a crash.
  llvm::CrashRecoveryContext::Enable();
  llvm::CrashRecoveryContext crashRecovery;
  mlir::LogicalResult result = mlir::failure();
  if (!crashRecovery.RunSafely([&] {
        result =
            mlir::MlirOptMain(out->os(), std::move(file), registry, config);
      })) {
    llvm::errs() << input
                 << ":0:0: error: linea-opt crashed on this input (an internal "
                    "error, or a bug in an upstream op's parser on malformed "
                    "input)\n";
    // After a crash the heap is not to be trusted: leave without running
    // destructors (or leak checks), removing the output file by hand.
    llvm::errs().flush();
    if (output != "-")
      llvm::sys::fs::remove(output);
    std::_Exit(1);
  }
  if (mlir::failed(result))
    return 1; // `out` is deleted unless kept.
  out->keep();
  return 0;
}
