//===- Compiler.cpp - The steps of linea-compile ----------------*- C++ -*-===//
//
// Parse, lower, translate, optimize, emit and link; every output is written
// to a temporary file and moved into place only when everything succeeded.
//
//===----------------------------------------------------------------------===//

#include "linea/Compiler/Compiler.h"
#include "linea/Pipelines/Pipelines.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#endif
#endif

#ifndef LINEA_CLANG
#define LINEA_CLANG "clang"
#endif
#ifndef LINEA_BUILTINS
#define LINEA_BUILTINS ""
#endif

using namespace mlir;
using namespace mlir::linea;

namespace {

Location fileLoc(MLIRContext &context, StringRef path) {
  return FileLineColLoc::get(&context, path, 0, 0);
}

// LeakSanitizer, where the build has it: a parse that crashed and was
// recovered leaves its allocations behind, which are not leaks of ours.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LINEA_HAS_LSAN 1
#endif
#endif
#ifdef LINEA_HAS_LSAN
void suspendLeakChecks() { __lsan_disable(); }
void resumeLeakChecks() { __lsan_enable(); }
#else
void suspendLeakChecks() {}
void resumeLeakChecks() {}
#endif

/// Gives each argument of a public function the name it has in the source
/// (`%q` names `q`) as a NameLoc around its location, for the generated
/// header and manifest: the parser keeps no SSA names in the IR.
void nameArguments(ModuleOp module, const AsmParserState &state) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    Block &entry = func.getBody().front();
    const AsmParserState::BlockDefinition *def = state.getBlockDef(&entry);
    if (!def)
      continue;
    for (auto [arg, use] : llvm::zip(entry.getArguments(), def->arguments)) {
      StringRef text(use.loc.Start.getPointer(),
                     use.loc.End.getPointer() - use.loc.Start.getPointer());
      if (!text.consume_front("%") || text.empty() || isa<NameLoc>(arg.getLoc()))
        continue;
      arg.setLoc(NameLoc::get(StringAttr::get(module.getContext(), text),
                              arg.getLoc()));
    }
  }
}

/// Where errors in command-line options are reported.
Location optionLoc(MLIRContext &context) {
  return fileLoc(context, "<command line>");
}

/// An output file that appears, whole, only when `commit` is reached. A
/// regular (or new) file is written next to its final path and renamed over
/// it; a device, FIFO, symbolic link or other non-regular file is written
/// through at commit, never replaced (as root, renaming over /dev/null
/// would break the machine). Scratch files (the intermediate object and C
/// source) live in the temporary folder.
class AtomicOutput {
public:
  enum class Kind { Final, Scratch };
  AtomicOutput(StringRef path, Kind kind = Kind::Final)
      : path(path.str()), kind(kind) {}
  ~AtomicOutput() {
    if (!tempPath.empty())
      llvm::sys::fs::remove(tempPath);
  }

  /// Creates the temporary file; fails (with a diagnostic) where the final
  /// path cannot be written: a directory, a missing folder.
  LogicalResult open(MLIRContext &context) {
    if (path == "-")
      return success();
    namespace fs = llvm::sys::fs;
    int fd;
    std::error_code ec;
    if (kind == Kind::Scratch) {
      ec = fs::createTemporaryFile("linea", llvm::sys::path::extension(path)
                                                .drop_front(),
                                   fd, tempPath);
    } else {
      fs::file_status status, link;
      bool exists = !fs::status(path, status);
      if (exists && status.type() == fs::file_type::directory_file) {
        emitError(fileLoc(context, path))
            << "cannot write output file: it is a directory";
        return failure();
      }
      bool symlink = !fs::status(path, link, /*follow=*/false) &&
                     link.type() == fs::file_type::symlink_file;
      direct =
          symlink || (exists && status.type() != fs::file_type::regular_file);
      if (direct) {
        ec = fs::createTemporaryFile("linea-output", "", fd, tempPath);
      } else {
        SmallString<128> model(path);
        model += ".tmp-%%%%%%";
        ec = fs::createUniqueFile(model, fd, tempPath);
      }
    }
    if (ec) {
      emitError(fileLoc(context, path))
          << "cannot open output file: " << ec.message();
      return failure();
    }
    stream = std::make_unique<llvm::raw_fd_ostream>(fd, /*shouldClose=*/true);
    return success();
  }

  llvm::raw_pwrite_stream &os() {
    return stream ? static_cast<llvm::raw_pwrite_stream &>(*stream)
                  : llvm::outs();
  }
  StringRef temp() const { return tempPath; }

  LogicalResult commit(MLIRContext &context) {
    if (path == "-")
      return success();
    stream->close();
    bool failedWrite = stream->has_error();
    if (!failedWrite && direct) {
      // Through to the file, as it is: its bytes, never its inode.
      auto bytes = llvm::MemoryBuffer::getFile(tempPath, /*IsText=*/false,
                                               /*RequiresNullTerminator=*/false);
      std::error_code ec;
      llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
      if (!bytes || ec) {
        failedWrite = true;
      } else {
        out << (*bytes)->getBuffer();
        out.close();
        failedWrite = out.has_error();
      }
      if (out.has_error())
        out.clear_error();
    } else if (!failedWrite) {
      failedWrite = static_cast<bool>(llvm::sys::fs::rename(tempPath, path));
    }
    if (failedWrite) {
      emitError(fileLoc(context, path)) << "cannot write output file";
      return failure();
    }
    if (direct)
      llvm::sys::fs::remove(tempPath);
    tempPath.clear();
    return success();
  }

private:
  std::string path;
  Kind kind;
  bool direct = false;
  SmallString<128> tempPath;
  std::unique_ptr<llvm::raw_fd_ostream> stream;
};

/// Refuses an output path that names the input file or another output.
LogicalResult checkDistinctOutputs(StringRef input,
                                   ArrayRef<std::pair<StringRef, StringRef>> outputs,
                                   MLIRContext &context) {
  for (auto [i, entry] : llvm::enumerate(outputs)) {
    auto [what, path] = entry;
    if (path.empty() || path == "-")
      continue;
    bool same = false;
    if (input != "-" && !llvm::sys::fs::equivalent(input, path, same) && same)
      return emitError(fileLoc(context, path))
             << "the " << what << " file is the input file: refusing to "
             << "overwrite it";
    // Two outputs into one regular file would leave one of them; into one
    // device (/dev/null), both go through.
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(path, status) &&
        status.type() != llvm::sys::fs::file_type::regular_file &&
        status.type() != llvm::sys::fs::file_type::file_not_found)
      continue;
    for (auto [otherWhat, other] : outputs.take_front(i))
      if (other == path ||
          (!llvm::sys::fs::equivalent(other, path, same) && same))
        return emitError(fileLoc(context, path))
               << "the " << what << " file is also the " << otherWhat
               << " file";
  }
  return success();
}

std::string headerGuard(StringRef path) {
  std::string guard = "LINEA_";
  for (char c : llvm::sys::path::filename(path))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  return guard;
}

/// The PTX of every kernel module as one module that ptxas takes: one
/// header (`.version`, `.target`, `.address_size`, the same in every
/// module), then each module's body. Kernel names repeat across modules (a
/// library looks each up in its own module), so an entry whose name is
/// taken is renamed `<module>__<entry>` here.
LogicalResult writePTX(ModuleOp module, raw_ostream &os) {
  std::string header, bodies;
  llvm::StringSet<> entries;
  bool agree = true;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      StringRef ptx = cast<gpu::ObjectAttr>(attr).getObject().getValue();
      std::string moduleHeader;
      bodies += "// kernels of " + binary.getSymName().str() + "\n";
      for (StringRef line : llvm::split(ptx, '\n')) {
        StringRef code = line.trim();
        if (code.starts_with(".version") || code.starts_with(".target") ||
            code.starts_with(".address_size")) {
          moduleHeader += code.str() + "\n";
          continue;
        }
        size_t at = line.find(".entry ");
        if (at != StringRef::npos && !code.starts_with("//")) {
          StringRef rest = line.drop_front(at + 7);
          StringRef name =
              rest.take_until([](char c) { return c == '(' || c == ' '; });
          if (!entries.insert(name).second) {
            std::string renamed = (binary.getSymName() + "__" + name).str();
            entries.insert(renamed);
            bodies += (line.take_front(at + 7) + renamed +
                       rest.drop_front(name.size()) + "\n")
                          .str();
            continue;
          }
        }
        bodies += line.str() + "\n";
      }
      if (header.empty())
        header = moduleHeader;
      agree &= header == moduleHeader;
    }
  });
  if (header.empty())
    return emitError(module.getLoc())
           << "the module has no GPU kernels to emit as PTX";
  if (!agree)
    return emitError(module.getLoc())
           << "the GPU modules disagree on their PTX version or target";
  os << header << "\n" << bodies;
  return success();
}

/// Whether a compiled module calls, without defining it, a function whose
/// name starts with one of `prefixes`: the libraries it needs beyond libc
/// and libm are read from those calls.
bool callsLibrary(const llvm::Module &module, ArrayRef<StringRef> prefixes) {
  return llvm::any_of(module, [&](const llvm::Function &fn) {
    return fn.isDeclaration() && !fn.isIntrinsic() && !fn.use_empty() &&
           llvm::any_of(prefixes, [&](StringRef prefix) {
             return fn.getName().starts_with(prefix);
           });
  });
}

/// The OpenMP runtime, and BLIS (linea-linalg-to-blas's calls).
bool usesOpenMP(const llvm::Module &module) {
  return callsLibrary(module, {"__kmpc_", "omp_"});
}
bool usesBlis(const llvm::Module &module) {
  return callsLibrary(module, {"bli_"});
}

/// The CUDA runtime archive GPU libraries link: ../lib beside the running
/// executable (a build tree's bin/, or an installed prefix's), else the
/// build tree's path the driver was compiled with.
std::string cudaRuntimeArchive() {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
  SmallString<256> beside(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(beside, "..", "lib", "libLineaCudaRuntime.a");
  if (!exe.empty() && llvm::sys::fs::exists(beside))
    return std::string(beside);
  return LINEA_CUDA_RUNTIME;
}

/// Links `objectPath` and the checked entry points (C source in
/// `wrappersPath`) into `outputPath`: a shared library or a relocatable
/// object. A shared library records only what it uses (libc, libm, the
/// OpenMP runtime where it forks threads; GPU libraries the CUDA runtime,
/// linked in, which loads the driver itself) and no path into the LLVM
/// installation: compiler-rt's builtins (bf16 and f16 conversions) are
/// linked in statically.
LogicalResult link(StringRef objectPath, StringRef wrappersPath,
                   StringRef outputPath, bool shared, bool gpu, bool openmp,
                   bool blis, MLIRContext &context) {
  std::string clang = LINEA_CLANG;
  if (!llvm::sys::fs::can_execute(clang)) {
    auto found = llvm::sys::findProgramByName("clang-22");
    if (!found)
      return emitError(UnknownLoc::get(&context))
             << "cannot find the linker driver (" << clang << " or clang-22)";
    clang = *found;
  }
  std::string runtime;
  SmallVector<StringRef> args{clang, "-fuse-ld=lld", "-O2",      "-fPIC",
                              "-o",  outputPath,     objectPath, "-x",
                              "c",   wrappersPath};
  if (shared) {
    // -Bsymbolic: a library's calls into its own runtime never bind to
    // another library's copy of it in the same process.
    args.append(
        {"-x", "none", "-shared", "-Wl,-Bsymbolic", "-Wl,--as-needed"});
    if (StringRef(LINEA_BUILTINS).size())
      args.push_back(LINEA_BUILTINS);
    if (gpu) {
      runtime = cudaRuntimeArchive();
      if (!llvm::sys::fs::exists(runtime))
        return emitError(UnknownLoc::get(&context))
               << "cannot find the CUDA runtime archive (" << runtime << ")";
      args.push_back(runtime);
    }
    if (openmp)
      args.push_back("-lomp");
    // BLIS by its soname, which the system's library path resolves.
    if (blis)
      args.push_back(blisLibrary());
    args.push_back("-lm");
  } else {
    args.append({"-r", "-nostdlib"});
  }
  std::string message;
  int rc =
      llvm::sys::ExecuteAndWait(clang, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return emitError(UnknownLoc::get(&context))
           << "linking " << outputPath << " failed"
           << (message.empty() ? "" : ": ") << message;
  return success();
}

} // namespace

std::optional<size_t> mlir::linea::findExcessiveNesting(StringRef text,
                                                        unsigned limit) {
  unsigned depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') { // a string literal, with its escapes
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && text.substr(i, 2) == "//") {
      i = std::min(text.find('\n', i), text.size());
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > limit)
        return i;
    } else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0 &&
               !(c == '>' && i > 0 && text[i - 1] == '-')) {
      --depth;
    }
  }
  return std::nullopt;
}

std::optional<std::pair<unsigned, unsigned>>
mlir::linea::excessiveNestingPosition(StringRef text) {
  std::optional<size_t> at = findExcessiveNesting(text);
  if (!at)
    return std::nullopt;
  StringRef before = text.take_front(*at);
  size_t lineStart = before.rfind('\n');
  unsigned column =
      lineStart == StringRef::npos ? *at + 1 : *at - lineStart;
  return std::make_pair(static_cast<unsigned>(before.count('\n') + 1),
                        column);
}

bool mlir::linea::runRecoveringCrash(function_ref<void()> fn) {
  llvm::CrashRecoveryContext::Enable();
  llvm::CrashRecoveryContext crashRecovery;
  suspendLeakChecks();
  bool survived = crashRecovery.RunSafely(fn);
  resumeLeakChecks();
  return survived;
}

OwningOpRef<ModuleOp>
mlir::linea::parseBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
                         MLIRContext &context) {
  std::string name = buffer->getBufferIdentifier().str();
  if (auto at = excessiveNestingPosition(buffer->getBuffer())) {
    emitError(FileLineColLoc::get(&context, name, at->first, at->second))
        << kNestingError;
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module;
  AsmParserState state;
  if (!runRecoveringCrash([&] {
        Block block;
        if (failed(parseAsmSourceFile(sourceMgr, &block,
                                      ParserConfig(&context), &state)))
          return;
        module = detail::constructContainerOpForParserIfNecessary<ModuleOp>(
            &block, &context, FileLineColLoc::get(&context, name, 0, 0));
      })) {
    emitError(fileLoc(context, name))
        << "the MLIR parser crashed on this malformed input (a bug in an "
           "upstream op's parser)";
    return nullptr;
  }
  if (module)
    nameArguments(*module, state);
  return module;
}

OwningOpRef<ModuleOp> mlir::linea::parseInput(StringRef path,
                                              MLIRContext &context) {
  std::string error;
  auto file = mlir::openInputFile(path, &error);
  if (!file) {
    emitError(fileLoc(context, path)) << error;
    return nullptr;
  }
  if (file->getBufferSize() == 0) {
    emitError(fileLoc(context, path)) << "input file is empty";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = parseBuffer(std::move(file), context);
  if (!module)
    return nullptr;
  if (module->getOps<func::FuncOp>().empty()) {
    emitError(module->getLoc()) << "input defines no function to compile";
    return nullptr;
  }
  return module;
}

LogicalResult mlir::linea::buildPipeline(OpPassManager &pm,
                                         const CompileOptions &options,
                                         MLIRContext &context,
                                         const llvm::TargetMachine *machine) {
  if (!options.passPipeline.empty()) {
    std::string message;
    llvm::raw_string_ostream os(message);
    FailureOr<OpPassManager> parsed = parsePassPipeline(options.passPipeline, os);
    if (failed(parsed))
      return emitError(optionLoc(context))
             << "--pass-pipeline does not parse: " << StringRef(message).trim();
    if (parsed->getOpAnchorName() != pm.getOpAnchorName())
      return emitError(optionLoc(context))
             << "--pass-pipeline must run on " << pm.getOpAnchorName()
             << " (builtin.module(...)), not " << parsed->getOpAnchorName();
    pm = std::move(*parsed);
    return success();
  }
  if (options.target == CompileTarget::NVPTX) {
    NVPTXPipelineOptions pipeline;
    pipeline.chip = options.chip;
    pipeline.format = options.emit == EmitKind::PTX ? "isa" : options.gpuFormat;
    pipeline.deviceEntryPoints = true;
    buildNVPTXPipeline(pm, pipeline);
  } else if (options.target == CompileTarget::GPUEmulator) {
    GPUEmulationPipelineOptions emulation;
    emulation.chip = options.chip;
    buildGPUEmulationPipeline(pm, emulation);
  } else {
    CPUPipelineOptions pipeline;
    pipeline.openmp = options.openmp;
    pipeline.blas = options.blas && !blisLibrary().empty();
    // Register blocks as wide as the target's registers: a block of 16
    // lanes on AVX2 is two ymm per row, eight rows sixteen accumulators,
    // every register, and the loads spill.
    std::unique_ptr<llvm::TargetMachine> created;
    if (!machine) {
      FailureOr<std::unique_ptr<llvm::TargetMachine>> made =
          createTargetMachine(options, context);
      if (failed(made))
        return failure();
      created = std::move(*made);
      machine = created.get();
    }
    pipeline.vectorWidth = hasAvx512(*machine) ? 16 : 8;
    buildCPUPipeline(pm, pipeline);
  }
  return success();
}

LogicalResult
mlir::linea::lowerToLLVMDialect(ModuleOp module, const CompileOptions &options,
                                const llvm::TargetMachine *machine) {
  MLIRContext &context = *module.getContext();
  PassManager pm(&context, ModuleOp::getOperationName());
  if (failed(buildPipeline(pm, options, context, machine)) ||
      (options.instrument && failed(options.instrument(pm))))
    return failure();
  return pm.run(module);
}

FailureOr<std::unique_ptr<llvm::TargetMachine>>
mlir::linea::createTargetMachine(const CompileOptions &options,
                                 MLIRContext &context) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return emitError(optionLoc(context)) << error, failure();
  std::string cpu = options.cpu.empty() || options.cpu == "native"
                        ? llvm::sys::getHostCPUName().str()
                        : options.cpu;
  std::string features = options.features;
  if (options.cpu.empty() || options.cpu == "native") {
    SmallVector<std::string> host;
    for (auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      host.push_back((enabled ? "+" : "-") + name.str());
    if (!features.empty())
      host.push_back(features);
    features = llvm::join(host, ",");
  }
  // An unknown CPU or feature is an error here, not a warning (or a crash)
  // deep inside code generation.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, cpu, ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return emitError(optionLoc(context))
               << "unknown CPU '" << cpu << "' for " << triple.str(),
           failure();
  for (StringRef feature : llvm::split(options.features, ',')) {
    if (feature.empty())
      continue;
    StringRef name = feature.drop_front();
    if ((!feature.starts_with("+") && !feature.starts_with("-")) ||
        llvm::none_of(
            subtarget->getAllProcessorFeatures(),
            [&](const llvm::SubtargetFeatureKV &kv) { return name == kv.Key; }))
      return emitError(optionLoc(context))
                 << "unknown target feature '" << feature
                 << "' (expected +name or -name)",
             failure();
  }
  auto level =
      static_cast<llvm::CodeGenOptLevel>(std::min(options.optLevel, 3u));
  // Constructors (the GPU modules' loads) in .init_array, which the dynamic
  // loader runs; the default .ctors sections are run by nothing on Debian.
  llvm::TargetOptions targetOptions;
  targetOptions.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(
      target->createTargetMachine(triple, cpu, features, targetOptions,
                                  llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return emitError(optionLoc(context))
               << "cannot create a target machine for " << cpu,
           failure();
  return machine;
}

bool mlir::linea::hasAvx512(const llvm::TargetMachine &machine) {
  // The subtarget's resolved features: --mcpu's defaults, then --mattr.
  const llvm::MCSubtargetInfo *subtarget = machine.getMCSubtargetInfo();
  return subtarget && subtarget->checkFeatures("+avx512f");
}

std::unique_ptr<llvm::Module> mlir::linea::translateAndOptimize(
    ModuleOp module, llvm::LLVMContext &llvmContext,
    llvm::TargetMachine &machine, const CompileOptions &options) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return nullptr;
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  // The kernels' vectors are as wide as a state row; where the CPU has
  // AVX-512, let them use all of it (LLVM prefers 256 bits by default).
  if (hasAvx512(machine))
    for (llvm::Function &fn : *llvmModule)
      if (!fn.isDeclaration()) {
        fn.addFnAttr("prefer-vector-width", "512");
        fn.addFnAttr("min-legal-vector-width", "512");
      }
  auto optimize = makeOptimizingTransformer(options.optLevel, 0, &machine);
  if (llvm::Error err = optimize(llvmModule.get())) {
    emitError(module.getLoc())
        << "LLVM optimization failed: " << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

LogicalResult mlir::linea::compile(const CompileOptions &options,
                                   MLIRContext &context) {
  OwningOpRef<ModuleOp> module = parseInput(options.inputPath, context);
  if (!module)
    return failure();
  bool wantsHeader = !options.headerPath.empty() ||
                     options.emit == EmitKind::Obj ||
                     options.emit == EmitKind::Shared;
  // The manifest goes wherever the header goes.
  auto besideOutput = [&](StringRef set, StringRef extension) {
    if (!wantsHeader || !set.empty())
      return set.str();
    SmallString<128> p(options.outputPath);
    llvm::sys::path::replace_extension(p, extension);
    return p.str().str();
  };
  std::string headerPath = besideOutput(options.headerPath, "h");
  std::string manifestPath = besideOutput(options.manifestPath, "json");
  bool gpu = options.target == CompileTarget::NVPTX;
  if (options.emit == EmitKind::PTX && !gpu)
    return emitError(optionLoc(context))
           << "--emit=ptx needs --target=nvptx";
  if (failed(checkDistinctOutputs(
          options.inputPath,
          {{"output", options.outputPath},
           {"header", wantsHeader ? StringRef(headerPath) : StringRef()},
           {"manifest", wantsHeader ? StringRef(manifestPath) : StringRef()}},
          context)))
    return failure();
  FailureOr<CInterface> cInterface =
      generateCInterface(*module, headerGuard(headerPath), gpu);
  if (failed(cInterface))
    return failure();
  // Checked first: a bad --mcpu or --mattr fails before any work or output.
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(options, context);
  if (failed(machine))
    return failure();
  if (failed(lowerToLLVMDialect(*module, options, machine->get())))
    return failure();

  // Every output is opened before the work, so that one that cannot be
  // written fails the run before the others exist.
  AtomicOutput output(options.outputPath);
  AtomicOutput headerOut(headerPath), manifestOut(manifestPath);
  if (failed(output.open(context)) ||
      (wantsHeader && (failed(headerOut.open(context)) ||
                       failed(manifestOut.open(context)))))
    return failure();
  if (options.emit == EmitKind::MLIR) {
    module->print(output.os());
    return output.commit(context);
  }
  if (options.emit == EmitKind::PTX) {
    if (failed(writePTX(*module, output.os())))
      return failure();
    return output.commit(context);
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(*module, llvmContext, **machine, options);
  if (!llvmModule)
    return failure();

  if (options.emit == EmitKind::LLVM) {
    llvmModule->print(output.os(), nullptr);
    return output.commit(context);
  }

  // Assembly goes to the output. Object code goes to an intermediate object
  // next to it, linked with the checked entry points into the output.
  bool linked = options.emit != EmitKind::Asm;
  std::unique_ptr<AtomicOutput> object, wrappers;
  llvm::raw_pwrite_stream *codeStream = &output.os();
  if (linked) {
    object = std::make_unique<AtomicOutput>("object.o",
                                            AtomicOutput::Kind::Scratch);
    wrappers = std::make_unique<AtomicOutput>("wrappers.c",
                                              AtomicOutput::Kind::Scratch);
    if (failed(object->open(context)) || failed(wrappers->open(context)))
      return failure();
    wrappers->os() << cInterface->wrappers;
    wrappers->os().flush();
    codeStream = &object->os();
  }
  {
    // Scoped: the code generator's stream wrappers flush when it dies, which
    // must happen before the file is closed.
    llvm::legacy::PassManager codegen;
    auto fileType = options.emit == EmitKind::Asm
                        ? llvm::CodeGenFileType::AssemblyFile
                        : llvm::CodeGenFileType::ObjectFile;
    if ((*machine)->addPassesToEmitFile(codegen, *codeStream, nullptr,
                                        fileType))
      return emitError(module->getLoc()) << "the target cannot emit this file",
             failure();
    codegen.run(*llvmModule);
  }
  codeStream->flush();
  if (linked && failed(link(object->temp(), wrappers->temp(), output.temp(),
                            options.emit == EmitKind::Shared, gpu,
                            usesOpenMP(*llvmModule), usesBlis(*llvmModule),
                            context)))
    return failure();
  if (wantsHeader) {
    headerOut.os() << cInterface->header;
    manifestOut.os() << cInterface->manifest;
    if (failed(output.commit(context)) || failed(headerOut.commit(context)))
      return failure();
    return manifestOut.commit(context);
  }
  return output.commit(context);
}
