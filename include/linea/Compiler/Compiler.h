//===- Compiler.h - The steps of linea-compile -------------------*- C++
//-*-===//
//
// Model IR in, binaries out. The tool only parses flags; tests and the
// Python frontend call these steps directly.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_COMPILER_COMPILER_H
#define LINEA_COMPILER_COMPILER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include <functional>
#include <optional>
#include <string>

namespace llvm {
class LLVMContext;
class MemoryBuffer;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class MLIRContext;
namespace linea {

enum class EmitKind { MLIR, LLVM, Asm, Obj, Shared, PTX };
/// CPU; NVPTX (kernels for an NVIDIA GPU); GPUEmulator (the NVPTX kernels
/// run on this CPU, for checking them without a GPU).
enum class CompileTarget { CPU, NVPTX, GPUEmulator };

struct CompileOptions {
  std::string inputPath = "-";
  std::string outputPath;
  /// Where the C header goes; empty: next to the output (`.h`), written for
  /// `obj` and `shared` only.
  std::string headerPath;
  /// Where the JSON manifest goes; empty: next to the output (`.json`),
  /// written with the header.
  std::string manifestPath;
  EmitKind emit = EmitKind::Shared;
  unsigned optLevel = 2;
  /// Empty: the host CPU and its features.
  std::string cpu, features;
  bool openmp = true;
  /// CPU: large f32 matmuls as BLIS calls, where Linea was built with BLIS.
  bool blas = true;
  CompileTarget target = CompileTarget::CPU;
  /// NVPTX: the GPU architecture, and what is embedded (isa: PTX, bin:
  /// cubin, fatbin; bin and fatbin need ptxas).
  std::string chip = "sm_90";
  std::string gpuFormat = "isa";
  /// A textual pass pipeline on the module that replaces the target's
  /// pipeline (it must end in the LLVM dialect); empty: the target's.
  std::string passPipeline;
  /// Called on the pass manager before it runs (the tool's
  /// --mlir-print-ir-*, --mlir-timing and --mlir-pass-statistics).
  std::function<LogicalResult(PassManager &)> instrument;
};

/// How deep brackets, braces, parentheses and angle brackets may nest in an
/// input (regions, attributes, types): far past any model, well short of
/// where MLIR's recursive parser and walks overflow their stack.
constexpr unsigned kMaxNestingDepth = 512;

/// The offset in `text` where nesting first passes `limit` levels (string
/// literals and comments aside), or nullopt.
std::optional<size_t> findExcessiveNesting(StringRef text,
                                           unsigned limit = kMaxNestingDepth);

/// The 1-based line and column where `text` nests past kMaxNestingDepth,
/// or nullopt; kNestingError says why such input is refused.
std::optional<std::pair<unsigned, unsigned>>
excessiveNestingPosition(StringRef text);
constexpr const char *kNestingError =
    "nested deeper than 512 levels: refused before parsing (the parser would "
    "overflow its stack)";
static_assert(kMaxNestingDepth == 512, "kNestingError names the limit");

/// Runs `fn`; a crash inside it (an upstream op's parser on malformed input,
/// in MLIR 22.1.8 linalg.transpose) returns false instead of ending the
/// process, and what the crashed code leaves behind is not reported as a
/// leak. The one place the tools recover from crashes: parseBuffer and
/// linea-opt run through it.
bool runRecoveringCrash(function_ref<void()> fn);

/// Parses and verifies `buffer`. Input nested past kMaxNestingDepth is
/// refused, with its place, before parsing. An upstream parser that crashes on
/// malformed input (linalg.transpose in MLIR 22.1.8) is reported as an error
/// at the buffer, and what the crashed parse leaves behind is not reported as
/// a leak.
OwningOpRef<ModuleOp> parseBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
                                  MLIRContext &context);

/// Parses and verifies `path` ("-": stdin), which must define a function.
/// Errors go to the context's diagnostic handler, located where possible.
OwningOpRef<ModuleOp> parseInput(StringRef path, MLIRContext &context);

/// The C side of a compiled module.
struct CInterface {
  /// Declares the memref descriptors, and per public function its
  /// `_mlir_ciface_` entry point and the checked entry point `linea_<name>`.
  std::string header;
  /// C source of the checked entry points (compiled into the library).
  std::string wrappers;
  /// The JSON manifest: per public function its symbols and, per argument
  /// and result, the name, shape and element type (what the header states,
  /// for tools that call the library without parsing C or MLIR).
  std::string manifest;
};

/// The C interface of every public function of `module` (still on tensors).
/// Fails (with a diagnostic at the function) on a type C cannot take. With
/// `gpu`, every function also has its `<name>_device` variant, and the
/// checked entry points report GPU runtime failures.
FailureOr<CInterface> generateCInterface(ModuleOp module, StringRef guardName,
                                         bool gpu = false);

/// Adds to `pm` the passes that take a module to the LLVM dialect: the
/// pipeline of `options.target` (for NVPTX, with the kernels embedded), or
/// `options.passPipeline`. Errors (a pipeline that does not parse) go to
/// the context. The CPU pipeline sizes its register blocks for `machine`
/// (created from `options` when null).
LogicalResult buildPipeline(OpPassManager &pm, const CompileOptions &options,
                            MLIRContext &context,
                            const llvm::TargetMachine *machine = nullptr);

/// Runs buildPipeline's passes on `module`, instrumented as
/// `options.instrument` says.
LogicalResult lowerToLLVMDialect(ModuleOp module, const CompileOptions &options,
                                 const llvm::TargetMachine *machine = nullptr);

/// The target machine for `options` (host CPU unless set).
FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CompileOptions &options, MLIRContext &context);

/// Whether `machine` has AVX-512 (512-bit vector registers).
bool hasAvx512(const llvm::TargetMachine &machine);

/// Translates an LLVM-dialect module and optimizes it at `options.optLevel`.
std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &llvmContext,
                     llvm::TargetMachine &machine,
                     const CompileOptions &options);

/// Every step, from `options.inputPath` to `options.outputPath` (and the
/// header). On failure no output file is left behind.
LogicalResult compile(const CompileOptions &options, MLIRContext &context);

} // namespace linea
} // namespace mlir

#endif // LINEA_COMPILER_COMPILER_H
