//===- NVPTXPipeline.cpp - linea-nvptx-pipeline -----------------*- C++ -*-===//
//
// From model IR on tensors to host code in the LLVM dialect that launches
// NVPTX kernels embedded in it (gpu.binary).
//
//===----------------------------------------------------------------------===//

#include "linea/Conversion/Passes.h"
#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "linea/Transforms/GPU/Passes.h"
#include "linea/Transforms/Passes.h"
#include "linea/Pipelines/Pipelines.h"
#include "linea/Target/NVPTXChip.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// The chip `name` describes, or nullopt for a name that does not parse:
/// that one reaches the form selection (its `chip` option), which reports
/// it.
std::optional<linea::NVPTXChip> parseChip(StringRef name) {
  std::string error;
  return linea::NVPTXChip::parse(name, error);
}

/// Model IR to bufferized functions whose work is gpu.launch kernels for
/// the chip `chipName` (`chip`, where it parses).
void addKernels(OpPassManager &pm, StringRef chipName,
                const std::optional<linea::NVPTXChip> &chip, int64_t smCount,
                bool deviceEntryPoints) {
  linea::SelectFormPassOptions select;
  select.target = "nvptx";
  select.chip = chipName.str(); // tensor cores follow from it
  select.smCount = smCount > 0 ? smCount : chip ? chip->smCount : 132;
  linea::addFormSelection(pm, select);
  linea::ConvertLineaToGPUPassOptions lowering;
  lowering.tensorCores = !chip || chip->tf32TensorCores;
  pm.addPass(linea::createConvertLineaToGPUPass(lowering));
  // Polynomials for every math function MLIR has one for: kernels call no
  // libdevice.
  linea::ApproximateMathPassOptions approximate;
  approximate.allFunctions = true;
  pm.addPass(linea::createApproximateMathPass(approximate));
  linea::ExportFunctionsPassOptions exportOptions;
  exportOptions.deviceEntryPoints = deviceEntryPoints;
  pm.addPass(linea::createExportFunctionsPass(exportOptions));
  linea::addBufferization(pm);
  // What the model computes besides linea ops (projections, norms, gates,
  // copies) runs on the GPU as well: parallel loops mapped to blocks and
  // threads.
  pm.addPass(linea::createCopiesToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
}
} // namespace

void mlir::linea::buildGPUEmulationPipeline(
    OpPassManager &pm, const GPUEmulationPipelineOptions &options) {
  addKernels(pm, options.chip, parseChip(options.chip), /*smCount=*/0,
             /*deviceEntryPoints=*/false);
  pm.addPass(linea::createEmulateGPUPass());
  addHostLowering(pm, /*openmp=*/true);
}

void mlir::linea::buildNVPTXPipeline(OpPassManager &pm,
                                     const NVPTXPipelineOptions &options) {
  std::optional<NVPTXChip> chip = parseChip(options.chip);
  addKernels(pm, options.chip, chip, options.smCount,
             options.deviceEntryPoints);
  pm.addPass(linea::createGPUResidencyPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  // sqrt, fma, floor and friends in the kernels as LLVM intrinsics, which
  // NVPTX selects to instructions; left to the NVVM lowering they would
  // become libdevice calls, which we do not link.
  pm.addNestedPass<gpu::GPUModuleOp>(linea::createMathToNVPTXIntrinsicsPass());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = !options.features.empty() ? options.features.getValue()
                       : chip                    ? chip->ptxFeature
                                                 : "+ptx80";
  nvvm.cubinFormat = options.format;
  nvvm.optLevel = options.optLevel;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
