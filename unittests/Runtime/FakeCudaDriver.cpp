//===- FakeCudaDriver.cpp - A CUDA driver stand-in for runtime tests ------===//
//
// Just enough of the driver API for the runtime's own logic to be tested
// without a GPU: memory is host memory, modules are the text "FAKE", and
// the one kernel, "add_one", runs on the host when launched. `fakeFailCall`
// makes the named entry point fail with `fakeFailResult`.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" {

const char *fakeFailCall = "";
int fakeFailResult = 0;
int fakeDeviceCount = 1;
unsigned fakeLastGrid[3], fakeLastBlock[3], fakeLastSharedBytes;
int fakeSharedAttribute;
int fakeLiveAllocations;

namespace {
int result(const char *call) {
  return strcmp(fakeFailCall, call) == 0 ? fakeFailResult : 0;
}
int moduleTag;
void addOne(void **params) {
  // A memref<?xf32> passed expanded: allocated, aligned, offset, size,
  // stride.
  float *data = *static_cast<float **>(params[1]);
  int64_t offset = *static_cast<int64_t *>(params[2]);
  int64_t size = *static_cast<int64_t *>(params[3]);
  for (int64_t i = 0; i < size; ++i)
    data[offset + i] += 1.0f;
}
} // namespace

int cuInit(unsigned) { return result("cuInit"); }
int cuDeviceGetCount(int *count) {
  *count = fakeDeviceCount;
  return result("cuDeviceGetCount");
}
int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return result("cuDeviceGet");
}
int cuDevicePrimaryCtxRetain(void **context, int) {
  *context = &moduleTag;
  return result("cuDevicePrimaryCtxRetain");
}
int cuCtxSetCurrent(void *) { return result("cuCtxSetCurrent"); }
int cuGetErrorName(int code, const char **name) {
  *name = code == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN";
  return 0;
}
int cuGetErrorString(int code, const char **text) {
  *text = code == 100 ? "no CUDA-capable device is detected" : "unknown error";
  return 0;
}
int cuModuleLoadData(void **module, const void *image) {
  if (strncmp(static_cast<const char *>(image), "FAKE", 4) != 0)
    return 200; // CUDA_ERROR_INVALID_IMAGE
  *module = &moduleTag;
  return result("cuModuleLoadData");
}
int cuModuleLoadDataEx(void **module, const void *image, unsigned, int *,
                       void **) {
  return cuModuleLoadData(module, image);
}
int cuModuleUnload(void *) { return result("cuModuleUnload"); }
int cuModuleGetFunction(void **function, void *, const char *name) {
  if (strcmp(name, "add_one") != 0)
    return 500; // CUDA_ERROR_NOT_FOUND
  *function = reinterpret_cast<void *>(&addOne);
  return result("cuModuleGetFunction");
}
int cuFuncSetAttribute(void *, int attribute, int value) {
  if (attribute == 8)
    fakeSharedAttribute = value;
  return result("cuFuncSetAttribute");
}
int cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                   unsigned bx, unsigned by, unsigned bz, unsigned smem,
                   void *, void **params, void **) {
  if (int r = result("cuLaunchKernel"))
    return r;
  fakeLastGrid[0] = gx, fakeLastGrid[1] = gy, fakeLastGrid[2] = gz;
  fakeLastBlock[0] = bx, fakeLastBlock[1] = by, fakeLastBlock[2] = bz;
  fakeLastSharedBytes = smem;
  reinterpret_cast<void (*)(void **)>(function)(params);
  return 0;
}
int cuStreamCreate(void **stream, unsigned) {
  *stream = &moduleTag;
  return result("cuStreamCreate");
}
int cuStreamDestroy_v2(void *) { return result("cuStreamDestroy_v2"); }
int cuStreamSynchronize(void *) { return result("cuStreamSynchronize"); }
int cuStreamWaitEvent(void *, void *, unsigned) { return 0; }
int cuEventCreate(void **event, unsigned) {
  *event = &moduleTag;
  return 0;
}
int cuEventDestroy_v2(void *) { return 0; }
int cuEventSynchronize(void *) { return 0; }
int cuEventRecord(void *, void *) { return 0; }
int cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  if (int r = result("cuMemAlloc_v2"))
    return r;
  *ptr = reinterpret_cast<unsigned long long>(malloc(bytes));
  ++fakeLiveAllocations;
  return 0;
}
int cuMemAllocManaged(unsigned long long *ptr, size_t bytes, unsigned) {
  return cuMemAlloc_v2(ptr, bytes);
}
int cuMemFree_v2(unsigned long long ptr) {
  free(reinterpret_cast<void *>(ptr));
  --fakeLiveAllocations;
  return 0;
}
int cuMemcpyAsync(unsigned long long dst, unsigned long long src, size_t bytes,
                  void *) {
  memcpy(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src), bytes);
  return result("cuMemcpyAsync");
}
int cuMemsetD32Async(unsigned long long dst, unsigned value, size_t count,
                     void *) {
  for (size_t i = 0; i < count; ++i)
    reinterpret_cast<unsigned *>(dst)[i] = value;
  return 0;
}
int cuMemsetD16Async(unsigned long long dst, unsigned short value,
                     size_t count, void *) {
  for (size_t i = 0; i < count; ++i)
    reinterpret_cast<unsigned short *>(dst)[i] = value;
  return 0;
}
int cuMemHostRegister_v2(void *, size_t, unsigned) { return 0; }
int cuMemHostUnregister(void *) { return 0; }

} // extern "C"
