//===- Pipelines.h - Linea's pass pipelines ----------------------*- C++
//-*-===//
//
// The pipelines that take model IR (linea + func/linalg/arith/tensor) to the
// LLVM dialect. Registered with linea-opt; linea-compile builds the same ones.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_PIPELINES_PIPELINES_H
#define LINEA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace linea {

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run the independent slices of each op on OpenMP threads"),
      llvm::cl::init(true)};
};

/// linea + func/linalg/arith/tensor on tensors -> the LLVM dialect: raise
/// attention and reorder product chains, choose forms, lower linea ops, bufferize (results into caller-owned
/// buffers), free temporaries, lower loops (OpenMP for parallel ones) and
/// convert everything to LLVM with C-interface wrappers.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `linea-cpu-pipeline`.
void registerPipelines();

} // namespace linea
} // namespace mlir

#endif // LINEA_PIPELINES_PIPELINES_H
