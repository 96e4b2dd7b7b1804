//===- linea-opt.cpp - The opt-style driver of Linea -------------*- C++ -*-===//
//
// mlir-opt with every upstream dialect, pass, extension and LLVM IR
// translation, plus the linea dialect, its passes and its pipelines.
//
//===----------------------------------------------------------------------===//

#include "linea/InitAll.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::linea::registerEverything(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Linea optimizer driver\n", registry));
}
