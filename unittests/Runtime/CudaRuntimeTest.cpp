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
#include <thread>

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
  // The violations the tests provoke on purpose are counted there; the
  // others must not happen.
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
  void *module = mgpuModuleLoad(image, sizeof(image));
  void *kernel = mgpuModuleGetFunction(module, "add_one");
  mgpuLaunchKernel(kernel, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_EQ(takeError(), "cuLaunchKernel failed: CUDA_ERROR_NO_DEVICE (100): "
                         "no CUDA-capable device is detected");
  mgpuModuleUnload(module);
}

TEST_F(CudaRuntime, FailedModuleFailsOnlyItsKernels) {
  char bad[] = "not a module";
  void *broken = mgpuModuleLoad(bad, sizeof(bad));
  // A load failure is the module's, not the caller's: nothing is pending.
  EXPECT_EQ(takeError(), "");
  char good[] = "FAKE";
  void *module = mgpuModuleLoad(good, sizeof(good));
  EXPECT_NE(mgpuModuleGetFunction(module, "add_one"), nullptr);
  EXPECT_EQ(takeError(), "");
  EXPECT_EQ(mgpuModuleGetFunction(broken, "add_one"), nullptr);
  std::string error = takeError();
  EXPECT_NE(error.find("kernel add_one: its GPU module did not load: "
                       "cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE"),
            std::string::npos)
      << error;
  mgpuModuleUnload(broken);
  mgpuModuleUnload(module);
}

TEST_F(CudaRuntime, JitLogIsInTheMessage) {
  fake.get<const char *>("fakeFailCall") = "cuModuleLoadDataEx";
  fake.get<int>("fakeFailResult") = 218;
  char ptx[] = ".version 8.0";
  void *module = mgpuModuleLoadJIT(ptx, 2);
  EXPECT_EQ(mgpuModuleGetFunction(module, "k"), nullptr);
  std::string error = takeError();
  EXPECT_NE(error.find("CUDA_ERROR_INVALID_PTX (218)"), std::string::npos)
      << error;
  EXPECT_NE(error.find("JIT log: ptxas fatal: fake compile error"),
            std::string::npos)
      << error;
  mgpuModuleUnload(module);
}

TEST_F(CudaRuntime, PendingFailureSkipsWorkButNotReleases) {
  void *stream = mgpuStreamCreate();
  void *device = mgpuMemAlloc(16, stream, 0);
  fake.get<const char *>("fakeFailCall") = "cuMemcpyAsync";
  fake.get<int>("fakeFailResult") = 100;
  float host[4] = {};
  mgpuMemcpy(device, host, sizeof(host), stream);
  fake.get<const char *>("fakeFailCall") = "";
  // Skipped while the failure is pending: it would work on what failed.
  EXPECT_EQ(mgpuMemAlloc(16, stream, 0), nullptr);
  // Run all the same: nothing leaks.
  mgpuMemFree(device, stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(fake.get<int>("fakeLiveAllocations"), 0);
  std::string error = takeError();
  EXPECT_NE(error.find("cuMemcpyAsync failed"), std::string::npos) << error;
  EXPECT_EQ(takeError(), "");
  // Once taken, a call on a missing module reports that.
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "add_one"), nullptr);
  EXPECT_NE(takeError().find("kernel add_one: its GPU module did not load"),
            std::string::npos);
}

TEST_F(CudaRuntime, FailuresArePerThread) {
  fake.get<const char *>("fakeFailCall") = "cuStreamCreate";
  fake.get<int>("fakeFailResult") = 100;
  mgpuStreamCreate();
  fake.get<const char *>("fakeFailCall") = "";
  std::string other;
  std::thread([&] {
    void *p = mgpuMemAlloc(16, nullptr, 0);
    EXPECT_NE(p, nullptr);
    mgpuMemFree(p, nullptr);
    other = takeError();
  }).join();
  EXPECT_EQ(other, "");
  EXPECT_NE(takeError().find("cuStreamCreate failed"), std::string::npos);
}

TEST_F(CudaRuntime, LaunchParameterCountIsChecked) {
  char ptx[] = ".version 8.0\n.target sm_90\n.address_size 64\n"
               ".visible .entry k(\n  .param .u64 k_param_0,\n"
               "  .param .u32 k_param_1\n)\n.reqntid 32, 1, 1\n{\n  ret;\n}\n";
  void *module = mgpuModuleLoadJIT(ptx, 2);
  void *kernel = mgpuModuleGetFunction(module, "k");
  ASSERT_NE(kernel, nullptr) << takeError();
  uint64_t a = 0;
  uint32_t b = 0;
  void *params[] = {&a, &b, &a};
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr, 3);
  EXPECT_NE(takeError().find("3 parameters, but the kernel takes fewer"),
            std::string::npos);
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr, 1);
  EXPECT_NE(takeError().find("1 parameters, but the kernel takes more"),
            std::string::npos);
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr, 2);
  EXPECT_EQ(takeError(), "");
  // A block the kernel does not declare (.reqntid) is a violation.
  int before = fake.get<int>("fakeViolationCount");
  mgpuLaunchKernel(kernel, 1, 1, 1, 64, 1, 1, 0, nullptr, params, nullptr, 2);
  EXPECT_NE(takeError().find("cuLaunchKernel failed"), std::string::npos);
  EXPECT_EQ(fake.get<int>("fakeViolationCount"), before + 1);
  mgpuModuleUnload(module);
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
