//===- Pipelines.h - Linea's pass pipelines ----------------------*- C++
//-*-===//
//
// The pipelines that take model IR (linea + func/linalg/arith/tensor) to the
// LLVM dialect. Registered with linea-opt; linea-compile builds the same ones.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_PIPELINES_PIPELINES_H
#define LINEA_PIPELINES_PIPELINES_H

#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace linea {

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run the independent slices of each op on OpenMP threads"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> blas{
      *this, "blas",
      llvm::cl::desc("Run large f32 matmuls as BLIS calls "
                     "(linea-linalg-to-blas); the library must then link "
                     "BLIS, as linea-compile does"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes of the linalg ops' register blocks: 16 for "
                     "AVX-512's 512-bit registers, 8 for AVX2's 256"),
      llvm::cl::init(16)};
};

/// The BLIS library linea-compile links where a library calls it (the
/// path CMake found), or empty where Linea was built without BLIS.
StringRef blisLibrary();

/// The first steps of every pipeline: canonicalize, raise attention and
/// reorder products (linea-reassociate), choose forms for `target`.
void addFormSelection(OpPassManager &pm, const SelectFormPassOptions &target);

/// One-shot bufferization of the whole module with results in caller-owned
/// buffers, and deallocation of the temporaries.
void addBufferization(OpPassManager &pm);

/// Bufferized IR to the LLVM dialect for the host: linalg to loops, parallel
/// loops on OpenMP threads (`openmp`), everything to LLVM.
void addHostLowering(OpPassManager &pm, bool openmp);

/// linea + func/linalg/arith/tensor on tensors -> the LLVM dialect: raise
/// attention and reorder product chains, choose forms, lower linea ops, bufferize (results into caller-owned
/// buffers), free temporaries, lower loops (OpenMP for parallel ones) and
/// convert everything to LLVM with C-interface wrappers.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

struct NVPTXPipelineOptions
    : public PassPipelineOptions<NVPTXPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture (sm_XY)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features (the PTX ISA version; default: the "
                     "chip's)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What is embedded: isa (PTX, compiled by the driver at "
                     "load), bin (cubin) or fatbin; bin and fatbin need "
                     "ptxas"),
      llvm::cl::init("isa")};
  PassOptions::Option<int64_t> smCount{
      *this, "sm-count",
      llvm::cl::desc("Streaming multiprocessors, for the cost model (0: a "
                     "typical part of the chip's architecture)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> deviceEntryPoints{
      *this, "device-entry-points",
      llvm::cl::desc("Also export `<name>_device` entry points that take "
                     "device memory"),
      llvm::cl::init(false)};
  PassOptions::Option<int> optLevel{
      *this, "opt-level", llvm::cl::desc("Optimization level of the kernels"),
      llvm::cl::init(2)};
};

/// linea + func/linalg/arith/tensor on tensors -> the LLVM dialect with the
/// kernels compiled to PTX (or cubin) and embedded: like the CPU pipeline up
/// to bufferization, then every linea op a gpu kernel (and every remaining
/// linalg op a kernel through parallel loops), buffers placed in device
/// memory, kernels outlined and lowered through NVVM; the host side calls
/// the mgpu* runtime (lib/Runtime/CUDA).
void buildNVPTXPipeline(OpPassManager &pm,
                        const NVPTXPipelineOptions &options);

/// The NVPTX pipeline's kernels, run on this machine instead: each
/// gpu.launch a loop over blocks, each block a team of OpenMP threads (one
/// per GPU thread) with OpenMP barriers. For checking the kernels' results
/// where there is no GPU; `chip` picks the kernels (sm_75: no tensor
/// cores).
struct GPUEmulationPipelineOptions
    : public PassPipelineOptions<GPUEmulationPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("The GPU architecture whose kernels are emulated"),
      llvm::cl::init("sm_90")};
};
void buildGPUEmulationPipeline(OpPassManager &pm,
                               const GPUEmulationPipelineOptions &options);

/// Registers `linea-cpu-pipeline`, `linea-nvptx-pipeline` and
/// `linea-gpu-emulation-pipeline`.
void registerPipelines();

} // namespace linea
} // namespace mlir

#endif // LINEA_PIPELINES_PIPELINES_H
