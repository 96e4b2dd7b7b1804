//===- NVPTXChip.h - What the NVPTX path knows of a GPU architecture -*- C++ -*-===//
//
// `--chip=sm_XY` is parsed once, here, into the facts that the tool, the
// form selection and the GPU lowering need: a chip without tf32 mma.sync
// gets the CUDA-core kernels, and PTX of an ISA version it accepts.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_TARGET_NVPTXCHIP_H
#define LINEA_TARGET_NVPTXCHIP_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <string>

namespace mlir::linea {

struct NVPTXChip {
  /// The architecture as written: sm_75, sm_90, sm_90a.
  std::string name;
  /// Compute capability as major * 10 + minor: 75, 90.
  unsigned computeCapability = 0;
  /// Streaming multiprocessors of a typical part of the architecture (the
  /// cost model's wave count; sm-count overrides it).
  int64_t smCount = 0;
  /// mma.sync m16n8k8 on tf32 operands (sm_80 and later): the chunked
  /// forms' tensor-core kernel.
  bool tf32TensorCores = false;
  /// The PTX ISA version to emit, as an NVPTX target feature (LLVM 22
  /// defaults to PTX 6.0, which predates sm_80).
  std::string ptxFeature;

  /// The chip named `name`, or nullopt (with why in `error`) for a name
  /// that is no NVPTX architecture Linea compiles for (sm_50 and later).
  static std::optional<NVPTXChip> parse(llvm::StringRef name,
                                        std::string &error);
};

} // namespace mlir::linea

#endif // LINEA_TARGET_NVPTXCHIP_H
