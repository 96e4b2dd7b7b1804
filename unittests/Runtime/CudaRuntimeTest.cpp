//===- CudaRuntimeTest.cpp - The mgpu* runtime against a fake driver ------===//
//
// FakeCudaDriver.cpp stands in for libcuda.so.1: these tests check what
// the runtime does with the driver API (dispatch, parameters, shared memory,
// error recording), everything but the GPU itself.
//
//===----------------------------------------------------------------------===//

#include "linea/Runtime/CudaRuntime.h"
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <string>

namespace {

/// The fake driver's state, through the same library the runtime loads.
struct Fake {
  Fake() {
    handle = dlopen(LINEA_FAKE_CUDA_DRIVER, RTLD_NOW);
    EXPECT_NE(handle, nullptr) << dlerror();
  }
  template <typename T> T &get(const char *name) {
    return *static_cast<T *>(dlsym(handle, name));
  }
  void *handle;
};

std::string takeError() {
  char buf[1024];
  if (!lineaCudaTakeError(buf, sizeof(buf)))
    return "";
  return buf;
}

class CudaRuntime : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    setenv("LINEA_CUDA_DRIVER", LINEA_FAKE_CUDA_DRIVER, 1);
  }
  void SetUp() override { ASSERT_EQ(takeError(), ""); }
  void TearDown() override {
    fake.get<const char *>("fakeFailCall") = "";
    takeError();
  }
  Fake fake;
};

TEST_F(CudaRuntime, LaunchesWithExpandedMemrefParams) {
  ASSERT_EQ(lineaCudaAvailable(), 1) << takeError();
  char image[] = "FAKE module";
  void *module = mgpuModuleLoad(image, sizeof(image));
  void *kernel = mgpuModuleGetFunction(module, "add_one");
  void *stream = mgpuStreamCreate();
  float host[4] = {1, 2, 3, 4};
  auto *device = static_cast<float *>(mgpuMemAlloc(sizeof(host), stream, 0));
  mgpuMemcpy(device, host, sizeof(host), stream);
  int64_t offset = 1, size = 3, stride = 1;
  void *params[] = {&device, &device, &offset, &size, &stride};
  mgpuLaunchKernel(kernel, 2, 3, 4, 32, 1, 1, 64 * 1024, stream, params,
                   nullptr, 5);
  mgpuMemcpy(host, device, sizeof(host), stream);
  mgpuStreamSynchronize(stream);
  mgpuMemFree(device, stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  EXPECT_EQ(takeError(), "");
  EXPECT_EQ(host[0], 1.0f);
  EXPECT_EQ(host[1], 3.0f);
  EXPECT_EQ(host[3], 5.0f);
  EXPECT_EQ(fake.get<unsigned[3]>("fakeLastGrid")[2], 4u);
  EXPECT_EQ(fake.get<unsigned[3]>("fakeLastBlock")[0], 32u);
  // Over 48 KiB of dynamic shared memory needs the kernel's opt-in.
  EXPECT_EQ(fake.get<int>("fakeSharedAttribute"), 64 * 1024);
  EXPECT_EQ(fake.get<int>("fakeLiveAllocations"), 0);
}

TEST_F(CudaRuntime, DriverFailureIsRecordedWithItsName) {
  fake.get<const char *>("fakeFailCall") = "cuLaunchKernel";
  fake.get<int>("fakeFailResult") = 100;
  char image[] = "FAKE";
  void *kernel =
      mgpuModuleGetFunction(mgpuModuleLoad(image, sizeof(image)), "add_one");
  mgpuLaunchKernel(kernel, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_EQ(takeError(), "cuLaunchKernel failed: CUDA_ERROR_NO_DEVICE (100): "
                         "no CUDA-capable device is detected");
}

TEST_F(CudaRuntime, FirstFailureBlocksLaterCallsUntilTaken) {
  char bad[] = "not a module";
  void *module = mgpuModuleLoad(bad, sizeof(bad));
  EXPECT_EQ(module, nullptr);
  // Skipped: the failure is still pending, so nothing runs on its result.
  EXPECT_EQ(mgpuModuleGetFunction(module, "add_one"), nullptr);
  EXPECT_EQ(mgpuMemAlloc(16, nullptr, 0), nullptr);
  std::string error = takeError();
  EXPECT_NE(error.find("cuModuleLoadData failed"), std::string::npos) << error;
  EXPECT_EQ(takeError(), "");
  // Once taken, a call on the missing module reports that.
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "add_one"), nullptr);
  EXPECT_NE(takeError().find("kernel add_one: its GPU module did not load"),
            std::string::npos);
}

TEST_F(CudaRuntime, ClustersAreRefused) {
  mgpuLaunchClusterKernel(nullptr, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, nullptr,
                          nullptr, nullptr, 0);
  EXPECT_NE(takeError().find("thread-block clusters (2 x 1 x 1)"),
            std::string::npos);
}

TEST_F(CudaRuntime, HostRegisterCoversTheMemref) {
  float data[8];
  struct {
    float *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } desc{data, data, 0, {2, 4}, {4, 1}};
  mgpuMemHostRegisterMemRef(2, &desc, sizeof(float));
  mgpuMemHostUnregisterMemRef(2, &desc, sizeof(float));
  EXPECT_EQ(takeError(), "");
}

} // namespace
