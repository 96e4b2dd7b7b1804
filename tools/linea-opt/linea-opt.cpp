//===- linea-opt.cpp - The opt-style driver of Linea -------------*- C++
//-*-===//
//
// mlir-opt with every upstream dialect, pass, extension and LLVM IR
// translation, plus the linea dialect, its passes and its pipelines: the
// registration, then MlirOptMain. Around it only the input checks every
// Linea tool makes (linea/Compiler): an empty input or one nested too deep
// for the parser is an error, and a crash in an upstream parser is an error
// with no output file left behind.
//
//===----------------------------------------------------------------------===//

#include "linea/Compiler/Compiler.h"
#include "linea/InitAll.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace mlir;

namespace {
int fail(llvm::StringRef path, unsigned line, unsigned column,
         const llvm::Twine &message) {
  llvm::errs() << path << ":" << line << ":" << column << ": error: " << message
               << "\n";
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  DialectRegistry registry;
  linea::registerEverything(registry);
  auto [input, output] = registerAndParseCLIOptions(
      argc, argv, "Linea optimizer driver\n", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return asMainReturnCode(MlirOptMain(argc, argv, input, output, registry));

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(input, &error);
  if (!file)
    return fail(input, 0, 0, error);
  if (file->getBufferSize() == 0)
    return fail(input, 0, 0, "input file is empty");
  if (auto at = linea::excessiveNestingPosition(file->getBuffer()))
    return fail(input, at->first, at->second, linea::kNestingError);
  std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(output, &error);
  if (!out)
    return fail(output, 0, 0, error);

  LogicalResult result = failure();
  if (!linea::runRecoveringCrash([&] {
        result = MlirOptMain(out->os(), std::move(file), registry, config);
      })) {
    fail(input, 0, 0,
         "linea-opt crashed on this input (an internal error, or a bug in an "
         "upstream op's parser on malformed input)");
    // After a crash the heap is not to be trusted: leave without running
    // destructors (or leak checks), removing the output file by hand.
    llvm::errs().flush();
    if (output != "-")
      llvm::sys::fs::remove(output);
    std::_Exit(1);
  }
  if (failed(result))
    return 1; // `out` is deleted unless kept.
  out->keep();
  return 0;
}
