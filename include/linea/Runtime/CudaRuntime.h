/*===- CudaRuntime.h - The mgpu* runtime of Linea's NVPTX code ----*- C -*-===//
 *
 * MLIR's GPU lowering emits calls to mgpu* functions (module load, launch,
 * streams, events, memory). This library defines them over the CUDA driver
 * API, which it loads with dlopen on first use: it links everywhere, and on
 * a machine without a driver or a GPU every call fails cleanly instead.
 *
 * A failure is recorded per thread (the first one since the last take).
 * While it is pending, the calls that would act on what failed (allocations,
 * copies, launches) are skipped, so that no launch runs on memory that was
 * never allocated; the releasing calls (frees, destroys, unloads,
 * synchronizations) always run, so that a failure leaks nothing. Callers
 * (the checked `linea_<name>` entry points) take the error after each call.
 *
 * A module that fails to load (no driver, a PTX compile error) fails only
 * its own kernels: looking one up reports the load's reason, with the
 * driver's JIT log.
 *
 *===----------------------------------------------------------------------===*/

#ifndef LINEA_RUNTIME_CUDARUNTIME_H
#define LINEA_RUNTIME_CUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The message of this thread's recorded failure (NULL: none). Stays valid
 * until its next lineaCudaTakeError. */
const char *lineaCudaLastError(void);

/* Copies the recorded message into buf (at most size bytes, NUL-ended),
 * clears it and returns 1; returns 0 (buf untouched) when there is none. */
int lineaCudaTakeError(char *buf, unsigned long size);

/* 1 when the driver loads and reports at least one device, 0 otherwise (the
 * reason is the recorded error). */
int lineaCudaAvailable(void);

/* Writes "device N: <name>, compute capability X.Y, S SMs; CUDA driver API
 * A.B" into buf and returns 1; 0 with the reason recorded otherwise. */
int lineaCudaDeviceInfo(char *buf, unsigned long size);

/* The entry points MLIR 22's GPU-to-LLVM lowering calls. */
void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra, size_t paramsCount);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate(void);
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream);
void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream);
void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream);
void mgpuMemHostRegisterMemRef(int64_t rank, void *desc, int64_t eltSize);
void mgpuMemHostUnregisterMemRef(int64_t rank, void *desc, int64_t eltSize);
void mgpuSetDefaultDevice(int32_t device);

#ifdef __cplusplus
}
#endif

#endif /* LINEA_RUNTIME_CUDARUNTIME_H */
