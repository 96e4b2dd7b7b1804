//===- CudaRuntime.cpp - mgpu* over the CUDA driver API, via dlopen -------===//
//
// The signatures are the ones MLIR 22's GPU-to-LLVM lowering calls. The
// driver is libcuda.so.1, or the file LINEA_CUDA_DRIVER names (tests load a
// fake one). One context: the primary context of device 0 (or the one
// mgpuSetDefaultDevice picks), made current on every thread that calls in.
//
// All state is plain, constant-initialized storage: the module-load
// constructors of a compiled library run before any dynamic initializer of
// this file would, so nothing here may depend on one (a std::string would be
// reset after the load had written its error into it). No C++ runtime
// either: a GPU library needs libc and the driver, nothing else.
//
//===----------------------------------------------------------------------===//

#include "linea/Runtime/CudaRuntime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define LINEA_EXPORT __attribute__((visibility("default")))

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
constexpr CUresult kInvalidValue = 1;             // CUDA_ERROR_INVALID_VALUE
constexpr int kJitOptimizationLevel = 7;          // CU_JIT_OPTIMIZATION_LEVEL
constexpr int kJitErrorLogBuffer = 5;             // CU_JIT_ERROR_LOG_BUFFER
constexpr int kJitErrorLogBufferBytes = 6;        // ..._SIZE_BYTES
constexpr int kMaxDynamicSharedBytes = 8;         // CU_FUNC_ATTRIBUTE_...
constexpr int kAttrMultiprocessors = 16;          // CU_DEVICE_ATTRIBUTE_...
constexpr int kAttrComputeMajor = 75;
constexpr int kAttrComputeMinor = 76;
constexpr unsigned kMemAttachGlobal = 1;          // CU_MEM_ATTACH_GLOBAL
constexpr unsigned kHostRegisterPortable = 1;     // CU_MEMHOSTREGISTER_PORTABLE
constexpr int kDefaultSharedLimit = 48 * 1024;
constexpr size_t kMessageBytes = 4096;

/// Every driver entry point used, resolved once.
struct Driver {
#define LINEA_CU_FUNCTIONS(X)                                                  \
  X(cuInit, CUresult (*)(unsigned))                                            \
  X(cuDriverGetVersion, CUresult (*)(int *))                                   \
  X(cuDeviceGetCount, CUresult (*)(int *))                                     \
  X(cuDeviceGet, CUresult (*)(CUdevice *, int))                                \
  X(cuDeviceGetName, CUresult (*)(char *, int, CUdevice))                      \
  X(cuDeviceGetAttribute, CUresult (*)(int *, int, CUdevice))                  \
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
  /// CUDA 12.4 and later: lets a launch check its parameter count against
  /// the kernel's. Optional; older drivers skip the check.
  CUresult (*cuFuncGetParamInfo)(CUfunction, size_t, size_t *,
                                 size_t *) = nullptr;
  void *handle = nullptr;
  CUcontext context = nullptr;
  CUdevice deviceHandle = 0;
  int device = 0;
  bool tried = false;
  bool ready = false;
};

pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
Driver driver;
/// Why the driver could not be started: every later call reports it again.
char startError[kMessageBytes];
/// The first failure of this thread since its last take. Per thread: each
/// caller's calls are its own, and one caller's failure blocks no other.
thread_local char pendingError[kMessageBytes];
thread_local bool failed;

/// A loaded GPU module, or the reason it did not load: a failed module
/// fails its own kernels (with the reason), and nothing else.
struct Module {
  CUmodule handle;
  char error[kMessageBytes];
};

struct Lock {
  Lock() { pthread_mutex_lock(&mutex); }
  ~Lock() { pthread_mutex_unlock(&mutex); }
  Lock(const Lock &) = delete;
  Lock &operator=(const Lock &) = delete;
};

void format(char *buf, const char *fmt, va_list args) {
  vsnprintf(buf, kMessageBytes, fmt, args);
}

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/// Records the first failure since the last take; later ones are only
/// consequences of it.
void fail(const char *fmt, ...) {
  if (failed)
    return;
  va_list args;
  va_start(args, fmt);
  format(pendingError, fmt, args);
  va_end(args);
  failed = true;
}

/// The driver's words for a result, "NAME (code): text".
void describe(CUresult result, const char *call, char *buf) {
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName)
    driver.cuGetErrorName(result, &name);
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &text);
  snprintf(buf, kMessageBytes, "%s failed: %s (%d)%s%s", call,
           name ? name : "CUDA error", result, text ? ": " : "",
           text ? text : "");
}

/// Checks a driver call's result; records a failure naming the call.
bool check(CUresult result, const char *call) {
  if (result == kSuccess)
    return true;
  char buf[kMessageBytes];
  describe(result, call, buf);
  fail("%s", buf);
  return false;
}

/// Loads the driver and retains the device's primary context; on failure,
/// writes why into `startError`.
bool start() {
  const char *path = getenv("LINEA_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  driver.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!driver.handle) {
    const char *why = dlerror();
    snprintf(startError, kMessageBytes,
             "cannot load the CUDA driver %s (%s); a GPU and the NVIDIA "
             "driver are needed to run NVPTX code",
             path, why ? why : "unknown reason");
    return false;
  }
#define LINEA_CU_RESOLVE(name, type)                                           \
  driver.name = reinterpret_cast<type>(dlsym(driver.handle, #name));           \
  if (!driver.name) {                                                          \
    snprintf(startError, kMessageBytes, "the CUDA driver %s has no %s", path,  \
             #name);                                                           \
    return false;                                                              \
  }
  LINEA_CU_FUNCTIONS(LINEA_CU_RESOLVE)
#undef LINEA_CU_RESOLVE
  driver.cuFuncGetParamInfo = reinterpret_cast<decltype(
      driver.cuFuncGetParamInfo)>(dlsym(driver.handle, "cuFuncGetParamInfo"));
  int count = 0;
  CUresult result = driver.cuInit(0);
  if (result == kSuccess)
    result = driver.cuDeviceGetCount(&count);
  if (result != kSuccess) {
    describe(result, "cuInit", startError);
    return false;
  }
  if (count <= driver.device) {
    snprintf(startError, kMessageBytes,
             "no CUDA device %d (the driver reports %d)", driver.device,
             count);
    return false;
  }
  result = driver.cuDeviceGet(&driver.deviceHandle, driver.device);
  if (result == kSuccess)
    result =
        driver.cuDevicePrimaryCtxRetain(&driver.context, driver.deviceHandle);
  if (result != kSuccess) {
    describe(result, "cuDevicePrimaryCtxRetain", startError);
    return false;
  }
  return true;
}

/// Starts the driver once. Called with `mutex` held.
bool started() {
  if (!driver.tried) {
    driver.tried = true;
    driver.ready = start();
  }
  return driver.ready;
}

/// Starts the driver once and makes the context current on this thread.
/// `acting` calls (allocations, copies, launches) are refused while a
/// failure of this thread is pending, since they would work on what failed;
/// releasing calls (frees, destroys, unloads, synchronizations) always run,
/// so that a failure leaks nothing. Called with `mutex` held.
bool enter(bool acting) {
  if (acting && failed)
    return false;
  if (!started()) {
    // Every caller learns the same cause.
    fail("%s", startError);
    return false;
  }
  return check(driver.cuCtxSetCurrent(driver.context), "cuCtxSetCurrent");
}

#define LINEA_ENTER(failValue)                                                 \
  Lock lock;                                                                   \
  if (!enter(/*acting=*/true))                                                 \
    return failValue;
#define LINEA_ENTER_RELEASING(failValue)                                       \
  Lock lock;                                                                   \
  if (!enter(/*acting=*/false))                                                \
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

/// Loads a module image; the result is never null unless memory ran out,
/// and carries the reason when the load failed.
Module *loadModule(const void *data, int optLevel, bool jit) {
  auto *module = static_cast<Module *>(calloc(1, sizeof(Module)));
  if (!module)
    return nullptr;
  Lock lock;
  if (!started()) {
    snprintf(module->error, kMessageBytes, "%s", startError);
    return module;
  }
  if (driver.cuCtxSetCurrent(driver.context) != kSuccess) {
    snprintf(module->error, kMessageBytes, "cuCtxSetCurrent failed");
    return module;
  }
  CUresult result;
  char log[kMessageBytes / 2] = "";
  if (jit) {
    int options[] = {kJitOptimizationLevel, kJitErrorLogBuffer,
                     kJitErrorLogBufferBytes};
    void *values[] = {
        reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)), log,
        reinterpret_cast<void *>(sizeof(log))};
    result = driver.cuModuleLoadDataEx(&module->handle, data, 3, options,
                                       values);
  } else {
    result = driver.cuModuleLoadData(&module->handle, data);
  }
  if (result != kSuccess) {
    module->handle = nullptr;
    describe(result,
             jit ? "cuModuleLoadDataEx (PTX JIT)" : "cuModuleLoadData",
             module->error);
    if (*log) {
      size_t used = strlen(module->error);
      snprintf(module->error + used, kMessageBytes - used, "; JIT log: %s",
               log);
    }
  }
  return module;
}

/// Whether a launch passes the parameters the kernel declares, where the
/// driver can tell (cuFuncGetParamInfo); records a failure if not.
bool checkParamCount(CUfunction function, size_t count) {
  if (!driver.cuFuncGetParamInfo || count == 0)
    return true;
  size_t offset, size;
  CUresult last = driver.cuFuncGetParamInfo(function, count - 1, &offset, &size);
  CUresult past = driver.cuFuncGetParamInfo(function, count, &offset, &size);
  if (last == kInvalidValue) {
    fail("kernel launch with %zu parameters, but the kernel takes fewer",
         count);
    return false;
  }
  if (last == kSuccess && past == kSuccess) {
    fail("kernel launch with %zu parameters, but the kernel takes more",
         count);
    return false;
  }
  return true; // any other answer: the driver cannot tell
}

} // namespace

extern "C" {

LINEA_EXPORT const char *lineaCudaLastError(void) {
  return failed ? pendingError : nullptr;
}

LINEA_EXPORT int lineaCudaTakeError(char *buf, unsigned long size) {
  if (!failed)
    return 0;
  if (buf && size)
    snprintf(buf, size, "%s", pendingError);
  failed = false;
  pendingError[0] = '\0';
  return 1;
}

LINEA_EXPORT int lineaCudaAvailable(void) {
  LINEA_ENTER(0);
  return 1;
}

LINEA_EXPORT int lineaCudaDeviceInfo(char *buf, unsigned long size) {
  LINEA_ENTER(0);
  char name[256] = "";
  int version = 0, major = 0, minor = 0, sms = 0;
  if (!check(driver.cuDeviceGetName(name, sizeof(name), driver.deviceHandle),
             "cuDeviceGetName") ||
      !check(driver.cuDriverGetVersion(&version), "cuDriverGetVersion") ||
      !check(driver.cuDeviceGetAttribute(&major, kAttrComputeMajor,
                                         driver.deviceHandle),
             "cuDeviceGetAttribute") ||
      !check(driver.cuDeviceGetAttribute(&minor, kAttrComputeMinor,
                                         driver.deviceHandle),
             "cuDeviceGetAttribute") ||
      !check(driver.cuDeviceGetAttribute(&sms, kAttrMultiprocessors,
                                         driver.deviceHandle),
             "cuDeviceGetAttribute"))
    return 0;
  if (buf && size)
    snprintf(buf, size,
             "device %d: %s, compute capability %d.%d, %d SMs; CUDA driver "
             "API %d.%d",
             driver.device, name, major, minor, sms, version / 1000,
             version % 1000 / 10);
  return 1;
}

void mgpuSetDefaultDevice(int32_t device) {
  Lock lock;
  if (driver.tried && driver.device != device)
    fail("mgpuSetDefaultDevice(%d) after the runtime started on device %d",
         device, driver.device);
  else
    driver.device = device;
}

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  return loadModule(data, 0, /*jit=*/false);
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  return loadModule(data, optLevel, /*jit=*/true);
}

void mgpuModuleUnload(void *opaque) {
  auto *module = static_cast<Module *>(opaque);
  if (!module)
    return;
  if (module->handle) {
    Lock lock;
    if (enter(/*acting=*/false))
      check(driver.cuModuleUnload(module->handle), "cuModuleUnload");
  }
  free(module);
}

void *mgpuModuleGetFunction(void *opaque, const char *name) {
  LINEA_ENTER(nullptr);
  auto *module = static_cast<Module *>(opaque);
  if (!module || !module->handle) {
    fail("kernel %s: its GPU module did not load%s%s", name ? name : "?",
         module ? ": " : "", module ? module->error : "");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (!check(driver.cuModuleGetFunction(&function, module->handle, name),
             "cuModuleGetFunction"))
    return nullptr;
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  LINEA_ENTER();
  if (!function) {
    fail("kernel launch without a kernel (its module did not load)");
    return;
  }
  if (!checkParamCount(function, paramsCount))
    return;
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
  LINEA_ENTER_RELEASING();
  if (stream)
    check(driver.cuStreamDestroy_v2(stream), "cuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  LINEA_ENTER_RELEASING();
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
  LINEA_ENTER_RELEASING();
  if (event)
    check(driver.cuEventDestroy_v2(event), "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  LINEA_ENTER_RELEASING();
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
  LINEA_ENTER_RELEASING();
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
  if (count == 0)
    return;
  check(driver.cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                count, stream),
        "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  void *stream) {
  LINEA_ENTER();
  if (count == 0)
    return;
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
  LINEA_ENTER_RELEASING();
  char *begin;
  size_t bytes;
  memrefExtent(rank, desc, eltSize, begin, bytes);
  if (bytes)
    check(driver.cuMemHostUnregister(begin), "cuMemHostUnregister");
}

} // extern "C"
