//===- NVPTXChip.cpp - What the NVPTX path knows of a GPU architecture ----===//
//
// See NVPTXChip.h.
//
//===----------------------------------------------------------------------===//

#include "linea/Target/NVPTXChip.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir::linea;

std::optional<NVPTXChip> NVPTXChip::parse(llvm::StringRef name,
                                          std::string &error) {
  llvm::StringRef digits = name;
  unsigned cc = 0;
  if (!digits.consume_front("sm_") || digits.consumeInteger(10, cc) ||
      !(digits.empty() || digits == "a") || cc < 50 || cc > 129) {
    error = "--chip=" + name.str() +
            " is not a GPU architecture (expected sm_XY from sm_50 on, e.g. "
            "sm_90)";
    return std::nullopt;
  }
  NVPTXChip chip;
  chip.name = name.str();
  chip.computeCapability = cc;
  chip.tf32TensorCores = cc >= 80;
  // A typical part of each architecture: V100, T4, A100, A10, L4/4090,
  // H100 SXM, B200, RTX 5090.
  chip.smCount = cc >= 120   ? 170
                 : cc >= 100 ? 148
                 : cc >= 90  ? 132
                 : cc >= 89  ? 128
                 : cc >= 86  ? 72
                 : cc >= 80  ? 108
                 : cc >= 75  ? 40
                 : cc >= 70  ? 80
                             : 24;
  chip.ptxFeature = cc >= 120 ? "+ptx87" : cc >= 100 ? "+ptx86" : "+ptx80";
  return chip;
}
