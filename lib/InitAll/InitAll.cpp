//===- InitAll.cpp - Register everything a Linea tool needs ------*- C++
//-*-===//
//
// Upstream registration plus Linea's dialect, passes and pipelines.
//
//===----------------------------------------------------------------------===//

#include "linea/InitAll.h"
#include "linea/Conversion/Passes.h"
#include "linea/Dialect/Linea/IR/LineaDialect.h"
#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "linea/Transforms/GPU/Passes.h"
#include "linea/Transforms/Passes.h"
#include "linea/Pipelines/Pipelines.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::linea::registerEverything(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<LineaDialect>();
  registerGPUBarrierEffects(registry);
  registerAllPasses();
  registerLineaPasses();
  registerLineaTransformsPasses();
  registerLineaGPUPasses();
  registerLineaConversionPasses();
  registerPipelines();
}
