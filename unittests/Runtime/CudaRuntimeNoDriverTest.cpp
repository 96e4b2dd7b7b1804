//===- CudaRuntimeNoDriverTest.cpp - The mgpu* runtime without a driver ---===//
//
// On a machine without the NVIDIA driver every entry point returns at once,
// with a failure that says why, and the failure comes back after each take.
//
//===----------------------------------------------------------------------===//

#include "linea/Runtime/CudaRuntime.h"
#include <gtest/gtest.h>
#include <string>

namespace {

std::string takeError() {
  char buf[1024];
  if (!lineaCudaTakeError(buf, sizeof(buf)))
    return "";
  return buf;
}

TEST(CudaRuntimeNoDriver, EveryCallFailsCleanly) {
  setenv("LINEA_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
  EXPECT_EQ(lineaCudaAvailable(), 0);
  std::string error = takeError();
  EXPECT_NE(error.find("cannot load the CUDA driver /nonexistent/libcuda.so.1"),
            std::string::npos)
      << error;
  char ptx[] = ".version 8.0";
  float host[4] = {};
  // A module load records why it failed in the module (it runs in a
  // library's constructor, for no caller); looking up its kernels reports
  // the driver's absence.
  void *module = mgpuModuleLoad(ptx, sizeof(ptx));
  EXPECT_EQ(takeError(), "");
  EXPECT_EQ(mgpuModuleGetFunction(module, "k"), nullptr);
  EXPECT_EQ(takeError(), error);
  mgpuModuleUnload(module);
  mgpuModuleUnload(mgpuModuleLoadJIT(ptx, 2));
  EXPECT_EQ(takeError(), "");
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "k"), nullptr);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuEventCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(16, nullptr, 0), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  mgpuMemcpy(host, nullptr, sizeof(host), nullptr);
  mgpuMemset32(nullptr, 0, 4, nullptr);
  mgpuMemset16(nullptr, 0, 4, nullptr);
  mgpuMemFree(nullptr, nullptr);
  mgpuStreamSynchronize(nullptr);
  mgpuEventRecord(nullptr, nullptr);
  mgpuEventSynchronize(nullptr);
  mgpuModuleUnload(nullptr);
  EXPECT_EQ(takeError(), error);
  char info[256];
  EXPECT_EQ(lineaCudaDeviceInfo(info, sizeof(info)), 0);
  EXPECT_EQ(takeError(), error);
  EXPECT_EQ(takeError(), "");
  EXPECT_EQ(lineaCudaLastError(), nullptr);
}

} // namespace
