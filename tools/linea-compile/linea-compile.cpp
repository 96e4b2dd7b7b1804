//===- linea-compile.cpp - Model IR to binaries ------------------*- C++
//-*-===//
//
// Parses flags and hands them to the driver library (linea/Compiler).
// MLIR's usual instrumentation flags (--mlir-print-ir-after-all,
// --mlir-print-ir-after-failure, --mlir-timing, --mlir-pass-statistics, ...)
// apply to the pipeline it runs; --print-pipeline shows that pipeline and
// --pass-pipeline replaces it.
//
//===----------------------------------------------------------------------===//

#include "linea/Compiler/Compiler.h"
#include "linea/InitAll.h"
#include "linea/Target/NVPTXChip.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "linea/Version.inc"
#include "llvm/Config/llvm-config.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;
using namespace mlir::linea;

namespace {

cl::OptionCategory category("linea-compile options");
cl::opt<std::string> input(cl::Positional, cl::desc("<input .mlir>"),
                           cl::init("-"), cl::cat(category));
cl::opt<std::string> output("o", cl::desc("Output file"),
                            cl::value_desc("path"),
                            cl::cat(category));
cl::opt<std::string> header("header",
                            cl::desc("C header path (default: output with .h)"),
                            cl::value_desc("path"), cl::cat(category));
cl::opt<std::string>
    manifest("manifest",
             cl::desc("JSON manifest path (default: output with .json)"),
             cl::value_desc("path"), cl::cat(category));
cl::opt<EmitKind>
    emit("emit", cl::desc("What to emit"), cl::init(EmitKind::Shared),
         cl::values(clEnumValN(EmitKind::MLIR, "mlir", "LLVM-dialect MLIR"),
                    clEnumValN(EmitKind::LLVM, "llvm", "LLVM IR"),
                    clEnumValN(EmitKind::Asm, "asm", "assembly"),
                    clEnumValN(EmitKind::Obj, "obj", "object file"),
                    clEnumValN(EmitKind::Shared, "shared", "shared library"),
                    clEnumValN(EmitKind::PTX, "ptx",
                               "PTX of the GPU kernels (--target=nvptx)")),
         cl::cat(category));
cl::opt<CompileTarget> target(
    "target", cl::desc("Target"), cl::init(CompileTarget::CPU),
    cl::values(clEnumValN(CompileTarget::CPU, "cpu", "host CPU"),
               clEnumValN(CompileTarget::NVPTX, "nvptx",
                          "NVIDIA GPU (kernels in PTX or cubin, host code "
                          "for this machine)"),
               clEnumValN(CompileTarget::GPUEmulator, "gpu-emulator",
                          "the NVPTX kernels run on this CPU, a block at a "
                          "time, an OpenMP thread per GPU thread (checks "
                          "them without a GPU; slow)")),
    cl::cat(category));
cl::opt<std::string> chip("chip", cl::desc("GPU architecture (nvptx)"),
                          cl::init("sm_90"), cl::cat(category));
cl::opt<std::string>
    gpuFormat("gpu-format",
              cl::desc("Embedded GPU code: isa (PTX, compiled by the driver), "
                       "bin (cubin) or fatbin; bin and fatbin need ptxas"),
              cl::init("isa"), cl::cat(category));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level (0-3)"),
                           cl::Prefix, cl::init(2), cl::cat(category));
cl::opt<std::string> mcpu("mcpu", cl::desc("Target CPU (default: host)"),
                          cl::cat(category));
cl::opt<std::string> mattr("mattr",
                           cl::desc("Target features, e.g. +avx512f,-fma"),
                           cl::cat(category));
cl::opt<bool> noOpenMP("no-openmp",
                       cl::desc("Run every slice on the calling thread"),
                       cl::cat(category));
cl::opt<bool> noBlas(
    "no-blas",
    cl::desc("Run every matmul as generated code, none through BLIS"),
    cl::cat(category));
cl::opt<std::string> passPipeline(
    "pass-pipeline",
    cl::desc("Run this pass pipeline (builtin.module(...), ending in the "
             "LLVM dialect) instead of the target's"),
    cl::value_desc("pipeline"), cl::cat(category));
cl::opt<bool> printPipeline(
    "print-pipeline",
    cl::desc("Print the pass pipeline the other flags select, and exit"),
    cl::cat(category));

void printVersion(raw_ostream &os) {
  os << "Linea " LINEA_VERSION " (git " LINEA_REVISION ")\n"
     << "  LLVM/MLIR " LLVM_VERSION_STRING "\n"
     << "  default target: " << sys::getDefaultTargetTriple() << "\n"
     << "  host CPU: " << sys::getHostCPUName() << "\n";
}

/// MLIR's instrumentation flags, shown in --help beside linea-compile's own.
void registerInstrumentationOptions() {
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  for (auto &[name, option] : cl::getRegisteredOptions())
    if (name.starts_with("mlir-print-ir") || name.starts_with("mlir-timing") ||
        name == "mlir-pass-statistics" ||
        name == "mlir-pass-statistics-display" ||
        name == "mlir-disable-threading" ||
        name == "mlir-print-op-generic" || name == "mlir-elide-elementsattrs-if-larger")
      option->addCategory(category);
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  registerInstrumentationOptions();
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Linea compiler: model IR to binaries\n");
  if (output.empty() && !printPipeline) {
    errs() << "linea-compile: error: no output file: give one with -o\n";
    return 1;
  }
  if (optLevel > 3) {
    errs() << "linea-compile: error: -O" << optLevel
           << " is not an optimization level (use -O0 to -O3)\n";
    return 1;
  }
  if (emit == EmitKind::Shared && output == "-") {
    errs() << "linea-compile: error: a shared library needs an output path\n";
    return 1;
  }

  std::string chipError;
  if (!NVPTXChip::parse(chip, chipError)) {
    errs() << "linea-compile: error: " << chipError << "\n";
    return 1;
  }
  if (gpuFormat != "isa" && gpuFormat != "bin" && gpuFormat != "fatbin") {
    errs() << "linea-compile: error: --gpu-format=" << gpuFormat
           << " is not one of isa, bin, fatbin\n";
    return 1;
  }

  mlir::DialectRegistry registry;
  registerEverything(registry);
  mlir::MLIRContext context(registry);
  // Errors carry their place in the user's file; a dump of the whole op in
  // generic form (a function, a model) would bury it.
  context.printOpOnDiagnostic(false);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);

  CompileOptions options;
  options.inputPath = input;
  options.outputPath = output;
  options.headerPath = header;
  options.manifestPath = manifest;
  options.emit = emit;
  options.optLevel = optLevel;
  options.cpu = mcpu;
  options.features = mattr;
  options.openmp = !noOpenMP;
  options.blas = !noBlas;
  options.target = target;
  options.chip = chip;
  options.gpuFormat = gpuFormat;
  options.passPipeline = passPipeline;
  options.instrument = [](mlir::PassManager &pm) {
    if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
      return mlir::failure();
    mlir::applyDefaultTimingPassManagerCLOptions(pm);
    return mlir::success();
  };
  if (printPipeline) {
    mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
    if (mlir::failed(buildPipeline(pm, options, context)))
      return 1;
    pm.printAsTextualPipeline(outs());
    outs() << "\n";
    return 0;
  }
  return mlir::failed(compile(options, context)) ? 1 : 0;
}
