//===- CPUPipeline.cpp - linea-cpu-pipeline ---------------------*- C++ -*-===//
//
// From model IR on tensors down to the LLVM dialect, for the host CPU; and
// the steps every pipeline shares.
//
//===----------------------------------------------------------------------===//

#include "linea/Conversion/Passes.h"
#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "linea/Transforms/GPU/Passes.h"
#include "linea/Transforms/Passes.h"
#include "linea/Pipelines/Pipelines.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::linea::addFormSelection(OpPassManager &pm,
                                   const SelectFormPassOptions &target) {
  // Drop unread final states before lowering, so they are never computed.
  pm.addPass(createCanonicalizerPass());
  // Softmax-free attention to linea ops; (Q K^T) V -> Q (K^T V) and every
  // other cheaper product order.
  pm.addPass(linea::createReassociatePass());
  // Every form left auto gets the one the cost model picks for the target.
  pm.addPass(linea::createSelectFormPass(target));
}

void mlir::linea::addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results become caller-owned output buffers: the kernel writes straight
  // into them (no malloc, page faults or copies per call).
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // And those of dynamic sizes, which the pass above still copies.
  pm.addNestedPass<func::FuncOp>(linea::createForwardOutputBuffersPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  // The deallocation pipeline clones buffers whose ownership it cannot prove.
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::linea::buildCPUPipeline(OpPassManager &pm,
                                   const CPUPipelineOptions &options) {
  linea::SelectFormPassOptions select;
  select.target = "cpu";
  addFormSelection(pm, select);
  pm.addPass(linea::createConvertLineaToLoopsPass());
  // Polynomial exp/log1p: vectorizable, unlike libm calls.
  pm.addPass(linea::createApproximateMathPass());
  pm.addPass(linea::createExportFunctionsPass());
  addBufferization(pm);
  // Large products as BLIS calls; the other contractions and elementwise
  // ops as register-blocked vector code.
  if (options.blas)
    pm.addPass(linea::createLinalgToBlasPass());
  linea::VectorizeLinalgPassOptions blocks;
  blocks.vectorWidth = options.vectorWidth;
  pm.addNestedPass<func::FuncOp>(linea::createVectorizeLinalgPass(blocks));
  addHostLowering(pm, options.openmp);
}

StringRef mlir::linea::blisLibrary() { return LINEA_BLIS_LIBRARY; }

void mlir::linea::addHostLowering(OpPassManager &pm, bool openmp) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (openmp)
    pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass());
  // Views (subviews of register blocks among them) become affine offset
  // arithmetic, lowered next.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Before scf-to-cf: OpenMP regions hold memref.alloca_scope ops that must
  // keep a single block until memrefs are lowered.
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass());
  if (openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  // Vector ops of more than one dimension (what canonicalization makes of
  // register blocks' rows) are unrolled here.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::linea::registerPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "linea-cpu-pipeline",
      "Lower model IR with linea ops to the LLVM dialect for the host CPU",
      buildCPUPipeline);
  PassPipelineRegistration<NVPTXPipelineOptions>(
      "linea-nvptx-pipeline",
      "Lower model IR with linea ops to GPU kernels (NVVM, PTX or cubin "
      "embedded) and host code in the LLVM dialect",
      buildNVPTXPipeline);
  PassPipelineRegistration<GPUEmulationPipelineOptions>(
      "linea-gpu-emulation-pipeline",
      "Lower model IR like linea-nvptx-pipeline, but run the kernels on host "
      "threads (a block at a time, an OpenMP thread per GPU thread)",
      buildGPUEmulationPipeline);
}
