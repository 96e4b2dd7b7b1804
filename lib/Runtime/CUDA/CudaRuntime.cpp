//===- CudaRuntime.cpp - mgpu* over the CUDA driver API, via dlopen -------===//
//
// The signatures are the ones MLIR 22's GPU-to-LLVM lowering calls. The
// driver is libcuda.so.1, or the file LINEA_CUDA_DRIVER names (tests load a
// fake one). One context: the primary context of device 0 (or the one
// mgpuSetDefaultDevice picks), made current on every thread that calls in.
//
//===----------------------------------------------------------------------===//

#include "linea/Runtime/CudaRuntime.h"

#include <dlfcn.h>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

// The few driver API types the runtime needs, by their ABI.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;
constexpr CUresult kSuccess = 0;
constexpr int kJitOptimizationLevel = 7;          // CU_JIT_OPTIMIZATION_LEVEL
constexpr int kJitErrorLogBuffer = 5;             // CU_JIT_ERROR_LOG_BUFFER
constexpr int kJitErrorLogBufferBytes = 6;        // ..._SIZE_BYTES
constexpr int kMaxDynamicSharedBytes = 8;         // CU_FUNC_ATTRIBUTE_...
constexpr unsigned kMemAttachGlobal = 1;          // CU_MEM_ATTACH_GLOBAL
constexpr unsigned kHostRegisterPortable = 1;     // CU_MEMHOSTREGISTER_PORTABLE
constexpr int kDefaultSharedLimit = 48 * 1024;

/// Every driver entry point used, resolved once.
struct Driver {
#define LINEA_CU_FUNCTIONS(X)                                                  \
  X(cuInit, CUresult (*)(unsigned))                                            \
  X(cuDeviceGetCount, CUresult (*)(int *))                                     \
  X(cuDeviceGet, CUresult (*)(CUdevice *, int))                                \
  X(cuDevicePrimaryCtxRetain, CUresult (*)(CUcontext *, CUdevice))             \
  X(cuCtxSetCurrent, CUresult (*)(CUcontext))                                  \
  X(cuGetErrorName, CUresult (*)(CUresult, const char **))                     \
  X(cuGetErrorString, CUresult (*)(CUresult, const char **))                   \
  X(cuModuleLoadData, CUresult (*)(CUmodule *, const void *))                  \
  X(cuModuleLoadDataEx,                                                        \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))          \
  X(cuModuleUnload, CUresult (*)(CUmodule))                                    \
  X(cuModuleGetFunction, CUresult (*)(CUfunction *, CUmodule, const char *))   \
  X(cuFuncSetAttribute, CUresult (*)(CUfunction, int, int))                    \
  X(cuLaunchKernel,                                                            \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned,           \
                 unsigned, unsigned, unsigned, CUstream, void **, void **))    \
  X(cuStreamCreate, CUresult (*)(CUstream *, unsigned))                        \
  X(cuStreamDestroy_v2, CUresult (*)(CUstream))                                \
  X(cuStreamSynchronize, CUresult (*)(CUstream))                               \
  X(cuStreamWaitEvent, CUresult (*)(CUstream, CUevent, unsigned))              \
  X(cuEventCreate, CUresult (*)(CUevent *, unsigned))                          \
  X(cuEventDestroy_v2, CUresult (*)(CUevent))                                  \
  X(cuEventSynchronize, CUresult (*)(CUevent))                                 \
  X(cuEventRecord, CUresult (*)(CUevent, CUstream))                            \
  X(cuMemAlloc_v2, CUresult (*)(CUdeviceptr *, size_t))                        \
  X(cuMemAllocManaged, CUresult (*)(CUdeviceptr *, size_t, unsigned))          \
  X(cuMemFree_v2, CUresult (*)(CUdeviceptr))                                   \
  X(cuMemcpyAsync, CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, CUstream))   \
  X(cuMemsetD32Async, CUresult (*)(CUdeviceptr, unsigned, size_t, CUstream))   \
  X(cuMemsetD16Async,                                                          \
    CUresult (*)(CUdeviceptr, unsigned short, size_t, CUstream))               \
  X(cuMemHostRegister_v2, CUresult (*)(void *, size_t, unsigned))              \
  X(cuMemHostUnregister, CUresult (*)(void *))
#define LINEA_CU_MEMBER(name, type)                                            \
  using name##Fn = type;                                                       \
  name##Fn name = nullptr;
  LINEA_CU_FUNCTIONS(LINEA_CU_MEMBER)
#undef LINEA_CU_MEMBER
  void *handle = nullptr;
  CUcontext context = nullptr;
  int device = 0;
  bool ready = false;
};

std::mutex mutex;
Driver driver;
bool loadTried = false;
std::string pendingError;
bool failed = false;
/// Why the driver could not be started: every later call reports it again.
std::string startError;

void fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

/// Records the first failure since the last take; later ones are only
/// consequences of it.
void fail(const char *format, ...) {
  if (failed)
    return;
  char buf[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  pendingError = buf;
  failed = true;
}

/// Checks a driver call's result; records a failure naming the call.
bool check(CUresult result, const char *call) {
  if (result == kSuccess)
    return true;
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName)
    driver.cuGetErrorName(result, &name);
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &text);
  fail("%s failed: %s (%d)%s%s", call, name ? name : "CUDA error", result,
       text ? ": " : "", text ? text : "");
  return false;
}

/// Loads the driver and retains the device's primary context.
bool start() {
  const char *path = getenv("LINEA_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  driver.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!driver.handle) {
    const char *why = dlerror();
    fail("cannot load the CUDA driver %s (%s); a GPU and the NVIDIA driver "
         "are needed to run NVPTX code",
         path, why ? why : "unknown reason");
    return false;
  }
#define LINEA_CU_RESOLVE(name, type)                                           \
  driver.name = reinterpret_cast<type>(dlsym(driver.handle, #name));           \
  if (!driver.name) {                                                          \
    fail("the CUDA driver %s has no %s", path, #name);                         \
    return false;                                                              \
  }
  LINEA_CU_FUNCTIONS(LINEA_CU_RESOLVE)
#undef LINEA_CU_RESOLVE
  int count = 0;
  if (!check(driver.cuInit(0), "cuInit") ||
      !check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return false;
  if (count <= driver.device) {
    fail("no CUDA device %d (the driver reports %d)", driver.device, count);
    return false;
  }
  CUdevice device;
  return check(driver.cuDeviceGet(&device, driver.device), "cuDeviceGet") &&
         check(driver.cuDevicePrimaryCtxRetain(&driver.context, device),
               "cuDevicePrimaryCtxRetain");
}

/// Starts the driver once and makes the context current on this thread;
/// false (with a failure recorded) when that is not possible or an earlier
/// failure has not been taken yet. Called with `mutex` held.
bool ready() {
  if (failed)
    return false;
  if (!loadTried) {
    loadTried = true;
    driver.ready = start();
    if (!driver.ready)
      startError = pendingError;
  }
  if (!driver.ready) {
    // Every later caller learns the same cause.
    fail("%s", startError.c_str());
    return false;
  }
  return check(driver.cuCtxSetCurrent(driver.context), "cuCtxSetCurrent");
}

/// The lock and readiness check every entry point starts with.
#define LINEA_ENTER(failValue)                                                 \
  std::lock_guard<std::mutex> lock(mutex);                                     \
  if (!ready())                                                                \
    return failValue;

/// A ranked memref descriptor: allocated, aligned, offset, sizes, strides.
struct Descriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
};

/// The first byte and the extent in bytes of a memref (dense or not).
void memrefExtent(int64_t rank, void *desc, int64_t eltSize, char *&begin,
                  size_t &bytes) {
  auto *d = static_cast<Descriptor *>(desc);
  begin = d->aligned + d->offset * eltSize;
  int64_t last = 0;
  for (int64_t r = 0; r < rank; ++r) {
    int64_t size = d->sizesAndStrides[r], stride = d->sizesAndStrides[rank + r];
    if (size == 0) {
      bytes = 0;
      return;
    }
    last += (size - 1) * stride;
  }
  bytes = static_cast<size_t>(last + 1) * eltSize;
}

} // namespace

extern "C" {

const char *lineaCudaLastError(void) {
  std::lock_guard<std::mutex> lock(mutex);
  return failed ? pendingError.c_str() : nullptr;
}

int lineaCudaTakeError(char *buf, unsigned long size) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!failed)
    return 0;
  if (buf && size) {
    strncpy(buf, pendingError.c_str(), size - 1);
    buf[size - 1] = '\0';
  }
  failed = false;
  pendingError.clear();
  return 1;
}

int lineaCudaAvailable(void) {
  LINEA_ENTER(0);
  return 1;
}

void mgpuSetDefaultDevice(int32_t device) {
  std::lock_guard<std::mutex> lock(mutex);
  if (loadTried && driver.device != device)
    fail("mgpuSetDefaultDevice(%d) after the runtime started on device %d",
         device, driver.device);
  else
    driver.device = device;
}

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  LINEA_ENTER(nullptr);
  CUmodule module = nullptr;
  if (!check(driver.cuModuleLoadData(&module, data), "cuModuleLoadData"))
    return nullptr;
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  LINEA_ENTER(nullptr);
  char log[4096] = "";
  int options[] = {kJitOptimizationLevel, kJitErrorLogBuffer,
                   kJitErrorLogBufferBytes};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  CUmodule module = nullptr;
  CUresult result =
      driver.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != kSuccess) {
    check(result, "cuModuleLoadDataEx (PTX JIT)");
    if (*log)
      pendingError += std::string("; JIT log: ") + log;
    return nullptr;
  }
  return module;
}

void mgpuModuleUnload(void *module) {
  LINEA_ENTER();
  if (module)
    check(driver.cuModuleUnload(module), "cuModuleUnload");
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  LINEA_ENTER(nullptr);
  if (!module) {
    fail("kernel %s: its GPU module did not load", name ? name : "?");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (!check(driver.cuModuleGetFunction(&function, module, name),
             "cuModuleGetFunction"))
    return nullptr;
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  LINEA_ENTER();
  if (!function) {
    fail("kernel launch without a kernel (its module did not load)");
    return;
  }
  if (smem > kDefaultSharedLimit &&
      !check(driver.cuFuncSetAttribute(function, kMaxDynamicSharedBytes, smem),
             "cuFuncSetAttribute (dynamic shared memory)"))
    return;
  check(driver.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                              blockZ, smem, stream, params, extra),
        "cuLaunchKernel");
}

void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra, size_t paramsCount) {
  if (clusterX * clusterY * clusterZ != 1) {
    std::lock_guard<std::mutex> lock(mutex);
    fail("thread-block clusters (%ld x %ld x %ld) are not supported by this "
         "runtime",
         static_cast<long>(clusterX), static_cast<long>(clusterY),
         static_cast<long>(clusterZ));
    return;
  }
  mgpuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ, smem,
                   stream, params, extra, paramsCount);
}

void *mgpuStreamCreate(void) {
  LINEA_ENTER(nullptr);
  CUstream stream = nullptr;
  check(driver.cuStreamCreate(&stream, 0), "cuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  LINEA_ENTER();
  if (stream)
    check(driver.cuStreamDestroy_v2(stream), "cuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  LINEA_ENTER();
  check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  LINEA_ENTER();
  if (event)
    check(driver.cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  LINEA_ENTER(nullptr);
  CUevent event = nullptr;
  // CU_EVENT_DISABLE_TIMING: these events only order work.
  check(driver.cuEventCreate(&event, 2), "cuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  LINEA_ENTER();
  if (event)
    check(driver.cuEventDestroy_v2(event), "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  LINEA_ENTER();
  if (event)
    check(driver.cuEventSynchronize(event), "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  LINEA_ENTER();
  if (event)
    check(driver.cuEventRecord(event, stream), "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/, bool isHostShared) {
  LINEA_ENTER(nullptr);
  if (bytes == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  if (isHostShared)
    check(driver.cuMemAllocManaged(&ptr, bytes, kMemAttachGlobal),
          "cuMemAllocManaged");
  else
    check(driver.cuMemAlloc_v2(&ptr, bytes), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  LINEA_ENTER();
  if (ptr)
    check(driver.cuMemFree_v2(reinterpret_cast<CUdeviceptr>(ptr)),
          "cuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  LINEA_ENTER();
  if (bytes == 0)
    return;
  check(driver.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                             reinterpret_cast<CUdeviceptr>(src), bytes, stream),
        "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream) {
  LINEA_ENTER();
  check(driver.cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                count, stream),
        "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  void *stream) {
  LINEA_ENTER();
  check(driver.cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                count, stream),
        "cuMemsetD16Async");
}

void mgpuMemHostRegisterMemRef(int64_t rank, void *desc, int64_t eltSize) {
  LINEA_ENTER();
  char *begin;
  size_t bytes;
  memrefExtent(rank, desc, eltSize, begin, bytes);
  if (bytes)
    check(driver.cuMemHostRegister_v2(begin, bytes, kHostRegisterPortable),
          "cuMemHostRegister");
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *desc, int64_t eltSize) {
  LINEA_ENTER();
  char *begin;
  size_t bytes;
  memrefExtent(rank, desc, eltSize, begin, bytes);
  if (bytes)
    check(driver.cuMemHostUnregister(begin), "cuMemHostUnregister");
}

} // extern "C"
