//===- FakeCudaDriver.cpp - A CUDA driver stand-in for runtime tests ------===//
//
// Enough of the driver API to run compiled NVPTX libraries without a GPU and
// check everything they ask of the driver: memory is host memory; modules
// are PTX text or cubin (ELF), whose kernels (names, parameters, required
// block size, static shared memory) are read from the image; launches are
// checked against them and recorded but not run. Every inconsistency is a
// violation, listed by `fakeReport`. For the runtime's own unit tests, a
// module "FAKE..." holds one kernel, "add_one", which does run.
// `fakeFailCall` makes the named entry point fail with `fakeFailResult`.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include <cstdarg>

extern "C" {

const char *fakeFailCall = "";
int fakeFailResult = 0;
int fakeDeviceCount = 1;
unsigned fakeLastGrid[3], fakeLastBlock[3], fakeLastSharedBytes;
unsigned fakeLastParamCount;
int fakeSharedAttribute;
int fakeLiveAllocations;
int fakeModuleLoads, fakeModuleUnloads, fakeLookups, fakeLaunches, fakeCopies;
int fakeViolationCount;

} // extern "C"

namespace {

constexpr int kInvalidValue = 1, kInvalidImage = 200,
              kNotFound = 500, kInvalidHandle = 400;
// sm_90: the most shared memory a block may have (static + dynamic) and
// the most without the kernel's opt-in.
constexpr unsigned kMaxSharedBytes = 227 * 1024, kDefaultSharedBytes = 48 * 1024;

struct Kernel {
  std::string name;
  std::vector<unsigned> paramSizes;
  unsigned requiredBlock[3] = {0, 0, 0}; // 0: not required
  unsigned maxThreads = 0;                // 0: no bound declared
  unsigned staticShared = 0;
  int sharedOptIn = 0;
  bool addOne = false;
};

struct Module {
  const void *image;
  std::vector<std::unique_ptr<Kernel>> kernels;
};

std::mutex mutex;
std::vector<std::unique_ptr<Module>> modules;
std::map<uintptr_t, size_t> allocations; // device pointer -> bytes
std::string violations;
int moduleTag;

void violation(const char *format, ...) __attribute__((format(printf, 1, 2)));
void violation(const char *format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  violations += buf;
  violations += "\n";
  ++fakeViolationCount;
}

} // namespace

namespace {

int result(const char *call) {
  return strcmp(fakeFailCall, call) == 0 ? fakeFailResult : 0;
}

void addOne(void **params) {
  // A memref<?xf32> passed expanded: allocated, aligned, offset, size,
  // stride.
  float *data = *static_cast<float **>(params[1]);
  int64_t offset = *static_cast<int64_t *>(params[2]);
  int64_t size = *static_cast<int64_t *>(params[3]);
  for (int64_t i = 0; i < size; ++i)
    data[offset + i] += 1.0f;
}

//===----------------------------------------------------------------------===//
// PTX: `.entry name(.param .u64 a, ...) .reqntid x, y, z { ... }`
//===----------------------------------------------------------------------===//

unsigned ptxTypeBytes(const std::string &decl) {
  // `.param .align 8 .b8 name[24]`: an aggregate of its array size.
  size_t bracket = decl.find('[');
  if (bracket != std::string::npos)
    return static_cast<unsigned>(atoi(decl.c_str() + bracket + 1));
  for (const char *t : {".u64", ".s64", ".b64", ".f64"})
    if (decl.find(t) != std::string::npos)
      return 8;
  for (const char *t : {".u16", ".s16", ".b16", ".f16"})
    if (decl.find(t) != std::string::npos)
      return 2;
  for (const char *t : {".u8", ".s8", ".b8"})
    if (decl.find(t) != std::string::npos)
      return 1;
  return 4;
}

/// The bytes of the static `.shared` arrays declared in `text`.
unsigned ptxSharedBytes(const std::string &text) {
  unsigned bytes = 0;
  for (size_t at = text.find(".shared"); at != std::string::npos;
       at = text.find(".shared", at + 1)) {
    size_t lineStart = text.rfind('\n', at);
    lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
    size_t end = text.find(';', at);
    std::string decl = text.substr(lineStart, end - lineStart);
    // Only declarations (not ld.shared/st.shared) with a size; dynamic
    // shared memory is `.extern .shared ... name[]`.
    if (decl.find(".extern") != std::string::npos ||
        decl.find("ld.") != std::string::npos ||
        decl.find("st.") != std::string::npos ||
        decl.find("cvta") != std::string::npos ||
        decl.find("atom") != std::string::npos)
      continue;
    // `name[N]` is N elements; a plain `name` one (the NVPTX back end
    // prints MLIR's zero-size dynamic shared array, demoted into its
    // kernel, that way).
    size_t bracket = decl.find('[');
    unsigned count =
        bracket == std::string::npos
            ? 1
            : static_cast<unsigned>(atoi(decl.c_str() + bracket + 1));
    bytes += count * ptxTypeBytes(decl.substr(0, bracket) + " ");
  }
  return bytes;
}

bool parsePTX(const char *text, Module &module) {
  std::string ptx(text);
  if (ptx.find(".version") == std::string::npos)
    return false;
  // Module-level shared arrays count against every kernel of the module.
  size_t firstFunc = ptx.find(".entry");
  unsigned moduleShared = ptxSharedBytes(
      ptx.substr(0, firstFunc == std::string::npos ? ptx.size() : firstFunc));
  for (size_t at = ptx.find(".entry"); at != std::string::npos;
       at = ptx.find(".entry", at + 1)) {
    auto kernel = std::make_unique<Kernel>();
    size_t nameStart = ptx.find_first_not_of(" \t", at + 6);
    size_t nameEnd = ptx.find_first_of("( \t\n", nameStart);
    kernel->name = ptx.substr(nameStart, nameEnd - nameStart);
    size_t open = ptx.find('(', nameEnd), close = ptx.find(')', open);
    std::string params = ptx.substr(open + 1, close - open - 1);
    for (size_t p = params.find(".param"); p != std::string::npos;
         p = params.find(".param", p + 1)) {
      size_t end = params.find(',', p);
      kernel->paramSizes.push_back(ptxTypeBytes(params.substr(p, end - p)));
    }
    size_t body = ptx.find('{', close);
    std::string directives = ptx.substr(close, body - close);
    size_t req = directives.find(".reqntid");
    if (req != std::string::npos)
      sscanf(directives.c_str() + req + 8, " %u , %u , %u",
             &kernel->requiredBlock[0], &kernel->requiredBlock[1],
             &kernel->requiredBlock[2]);
    for (unsigned &d : kernel->requiredBlock)
      if (req != std::string::npos && d == 0)
        d = 1;
    size_t max = directives.find(".maxntid");
    if (max != std::string::npos) {
      unsigned dims[3] = {1, 1, 1};
      sscanf(directives.c_str() + max + 8, " %u , %u , %u", &dims[0], &dims[1],
             &dims[2]);
      kernel->maxThreads = dims[0] * dims[1] * dims[2];
    }
    // The body ends at the matching brace.
    int depth = 0;
    size_t end = body;
    for (; end < ptx.size(); ++end) {
      depth += ptx[end] == '{';
      depth -= ptx[end] == '}';
      if (depth == 0)
        break;
    }
    kernel->staticShared =
        moduleShared + ptxSharedBytes(ptx.substr(body, end - body));
    module.kernels.push_back(std::move(kernel));
  }
  return !module.kernels.empty();
}

//===----------------------------------------------------------------------===//
// cubin: kernels are `.text.<name>` sections; `.nv.info.<name>` holds their
// attributes (one KPARAM_INFO record per parameter, REQNTID);
// `.nv.shared.<name>` is the static shared memory.
//===----------------------------------------------------------------------===//

struct ElfHeader {
  unsigned char ident[16];
  uint16_t type, machine;
  uint32_t version;
  uint64_t entry, phoff, shoff;
  uint32_t flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct ElfSection {
  uint32_t name, type;
  uint64_t flags, addr, offset, size;
  uint32_t link, info;
  uint64_t addralign, entsize;
};

bool parseCubin(const unsigned char *image, Module &module) {
  if (memcmp(image, "\x7f" "ELF", 4) != 0 || image[4] != 2)
    return false;
  const auto *header = reinterpret_cast<const ElfHeader *>(image);
  const auto *sections =
      reinterpret_cast<const ElfSection *>(image + header->shoff);
  const char *names =
      reinterpret_cast<const char *>(image + sections[header->shstrndx].offset);
  std::map<std::string, Kernel *> byName;
  for (unsigned i = 0; i < header->shnum; ++i) {
    std::string name = names + sections[i].name;
    if (name.rfind(".text.", 0) == 0) {
      auto kernel = std::make_unique<Kernel>();
      kernel->name = name.substr(6);
      byName[kernel->name] = kernel.get();
      module.kernels.push_back(std::move(kernel));
    }
  }
  for (unsigned i = 0; i < header->shnum; ++i) {
    std::string name = names + sections[i].name;
    if (name.rfind(".nv.shared.", 0) == 0 && byName.count(name.substr(11)))
      byName[name.substr(11)]->staticShared =
          static_cast<unsigned>(sections[i].size);
    if (name.rfind(".nv.info.", 0) != 0 || !byName.count(name.substr(9)))
      continue;
    Kernel *kernel = byName[name.substr(9)];
    const unsigned char *p = image + sections[i].offset,
                        *end = p + sections[i].size;
    while (p + 4 <= end) {
      unsigned format = p[0], attribute = p[1];
      unsigned size = format == 4 ? p[2] | p[3] << 8 : 0;
      const unsigned char *data = p + 4;
      if (attribute == 0x17 && size >= 12) { // EIATTR_KPARAM_INFO
        uint32_t word;
        memcpy(&word, data + 8, 4);
        kernel->paramSizes.push_back((word >> 18) & 0x3fff);
      }
      if (attribute == 0x10 && size >= 12) // EIATTR_REQNTID
        memcpy(kernel->requiredBlock, data, 12);
      if (attribute == 0x05 && size >= 12) { // EIATTR_MAX_THREADS
        uint32_t dims[3];
        memcpy(dims, data, 12);
        kernel->maxThreads = dims[0] * dims[1] * dims[2];
      }
      p = data + size;
    }
  }
  return !module.kernels.empty();
}

Kernel *findKernel(void *function) {
  for (auto &module : modules)
    for (auto &kernel : module->kernels)
      if (kernel.get() == function)
        return kernel.get();
  return nullptr;
}

/// Checks that [ptr, ptr + bytes) is inside one allocation or outside all.
void checkRange(uintptr_t ptr, size_t bytes, const char *what) {
  if (bytes == 0)
    return;
  auto next = allocations.upper_bound(ptr);
  if (next != allocations.begin()) {
    auto at = std::prev(next);
    if (ptr < at->first + at->second) {
      if (ptr + bytes > at->first + at->second)
        violation("%s of %zu bytes at %#lx runs past its allocation of %zu "
                  "bytes",
                  what, bytes, static_cast<unsigned long>(ptr), at->second);
      return;
    }
  }
  if (next != allocations.end() && ptr + bytes > next->first)
    violation("%s of %zu bytes at %#lx runs into an allocation", what, bytes,
              static_cast<unsigned long>(ptr));
}

} // namespace

extern "C" {

/// Counts and violations since the start, one violation a line.
const char *fakeReport(void) {
  static std::string report;
  std::lock_guard<std::mutex> lock(mutex);
  char buf[256];
  snprintf(buf, sizeof(buf),
           "modules loaded %d, unloaded %d; lookups %d; launches %d; copies "
           "%d; live allocations %d; violations %d\n",
           fakeModuleLoads, fakeModuleUnloads, fakeLookups, fakeLaunches,
           fakeCopies, fakeLiveAllocations, fakeViolationCount);
  report = buf + violations;
  return report.c_str();
}

int cuInit(unsigned) { return result("cuInit"); }
int cuDriverGetVersion(int *version) {
  *version = 12080;
  return 0;
}
int cuDeviceGetCount(int *count) {
  *count = fakeDeviceCount;
  return result("cuDeviceGetCount");
}
int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return result("cuDeviceGet");
}
int cuDeviceGetName(char *name, int size, int) {
  snprintf(name, size, "Fake CUDA device (no kernels run)");
  return 0;
}
int cuDeviceGetAttribute(int *value, int attribute, int) {
  // Compute capability 9.0, 132 SMs.
  *value = attribute == 75 ? 9 : attribute == 76 ? 0 : 132;
  return 0;
}
int cuDevicePrimaryCtxRetain(void **context, int) {
  *context = &moduleTag;
  return result("cuDevicePrimaryCtxRetain");
}
int cuCtxSetCurrent(void *) { return result("cuCtxSetCurrent"); }
int cuGetErrorName(int code, const char **name) {
  *name = code == 100   ? "CUDA_ERROR_NO_DEVICE"
          : code == 200 ? "CUDA_ERROR_INVALID_IMAGE"
          : code == 218 ? "CUDA_ERROR_INVALID_PTX"
          : code == 500 ? "CUDA_ERROR_NOT_FOUND"
                        : "CUDA_ERROR_UNKNOWN";
  return 0;
}
int cuGetErrorString(int code, const char **text) {
  *text = code == 100 ? "no CUDA-capable device is detected" : "unknown error";
  return 0;
}
int cuModuleLoadData(void **out, const void *image) {
  std::lock_guard<std::mutex> lock(mutex);
  if (int r = result("cuModuleLoadData"))
    return r;
  for (auto &loaded : modules)
    if (loaded->image == image)
      violation("module image %p loaded twice", image);
  auto module = std::make_unique<Module>();
  module->image = image;
  const char *text = static_cast<const char *>(image);
  if (strncmp(text, "FAKE", 4) == 0) {
    auto kernel = std::make_unique<Kernel>();
    kernel->name = "add_one";
    kernel->paramSizes.assign(5, 8);
    kernel->addOne = true;
    module->kernels.push_back(std::move(kernel));
  } else if (!parseCubin(static_cast<const unsigned char *>(image), *module) &&
             !parsePTX(text, *module)) {
    return kInvalidImage;
  }
  ++fakeModuleLoads;
  *out = module.get();
  modules.push_back(std::move(module));
  return 0;
}
int cuModuleLoadDataEx(void **module, const void *image, unsigned count,
                       int *options, void **values) {
  if (int r = result("cuModuleLoadDataEx")) {
    // The JIT's error log, as the driver writes it.
    for (unsigned i = 0; i < count; ++i)
      if (options[i] == 5)
        snprintf(static_cast<char *>(values[i]), 64,
                 "ptxas fatal: fake compile error");
    return r;
  }
  return cuModuleLoadData(module, image);
}
int cuModuleUnload(void *handle) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = modules.begin(); it != modules.end(); ++it)
    if (it->get() == handle) {
      modules.erase(it);
      ++fakeModuleUnloads;
      return result("cuModuleUnload");
    }
  violation("unload of an unknown module %p", handle);
  return kInvalidHandle;
}
int cuModuleGetFunction(void **function, void *handle, const char *name) {
  std::lock_guard<std::mutex> lock(mutex);
  ++fakeLookups;
  for (auto &module : modules) {
    if (module.get() != handle)
      continue;
    for (auto &kernel : module->kernels)
      if (kernel->name == name) {
        *function = kernel.get();
        return result("cuModuleGetFunction");
      }
    if (module->kernels.size() == 1 && module->kernels[0]->addOne)
      return kNotFound; // the unit tests' module: a plain miss
    violation("kernel %s is not in the module it is looked up in", name);
    return kNotFound;
  }
  violation("kernel %s looked up in an unknown module",
                                  name);
  return kInvalidHandle;
}
int cuFuncGetParamInfo(void *function, size_t index, size_t *offset,
                       size_t *size) {
  std::lock_guard<std::mutex> lock(mutex);
  Kernel *kernel = findKernel(function);
  if (!kernel)
    return kInvalidHandle;
  if (index >= kernel->paramSizes.size())
    return kInvalidValue;
  size_t at = 0;
  for (size_t i = 0; i < index; ++i)
    at += kernel->paramSizes[i];
  *offset = at;
  *size = kernel->paramSizes[index];
  return 0;
}
int cuFuncSetAttribute(void *function, int attribute, int value) {
  std::lock_guard<std::mutex> lock(mutex);
  if (attribute == 8) {
    fakeSharedAttribute = value;
    if (Kernel *kernel = findKernel(function))
      kernel->sharedOptIn = value;
  }
  return result("cuFuncSetAttribute");
}
int cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                   unsigned bx, unsigned by, unsigned bz, unsigned smem,
                   void *, void **params, void **extra) {
  std::unique_lock<std::mutex> lock(mutex);
  if (int r = result("cuLaunchKernel"))
    return r;
  Kernel *kernel = findKernel(function);
  if (!kernel) {
    violation("launch of an unknown function");
    return kInvalidHandle;
  }
  ++fakeLaunches;
  fakeLastGrid[0] = gx, fakeLastGrid[1] = gy, fakeLastGrid[2] = gz;
  fakeLastBlock[0] = bx, fakeLastBlock[1] = by, fakeLastBlock[2] = bz;
  fakeLastSharedBytes = smem;
  fakeLastParamCount = static_cast<unsigned>(kernel->paramSizes.size());
  const char *name = kernel->name.c_str();
  int before = fakeViolationCount;
  auto bad = [&](const char *what) {
    violation("launch of %s (grid %u x %u x %u, block %u x %u x %u, %u bytes "
              "of shared memory): %s",
              name, gx, gy, gz, bx, by, bz, smem, what);
  };
  if (!gx || !gy || !gz || gy > 65535 || gz > 65535 || gx > 0x7fffffffu)
    bad("grid out of range");
  if (!bx || !by || !bz || bz > 64 || uint64_t(bx) * by * bz > 1024)
    bad("block out of range");
  if (kernel->requiredBlock[0] &&
      (bx != kernel->requiredBlock[0] || by != kernel->requiredBlock[1] ||
       bz != kernel->requiredBlock[2]))
    bad("the kernel requires another block size (.reqntid)");
  if (kernel->maxThreads && uint64_t(bx) * by * bz > kernel->maxThreads)
    bad("more threads than the kernel's .maxntid");
  if (smem + kernel->staticShared > kMaxSharedBytes)
    bad("static and dynamic shared memory over the chip's 227 KiB");
  if (smem > kDefaultSharedBytes && kernel->sharedOptIn < int(smem))
    bad("over 48 KiB of dynamic shared memory without the kernel's opt-in");
  if (extra)
    bad("parameters passed through `extra`");
  if (!kernel->paramSizes.empty() && !params)
    bad("no parameters");
  else
    for (size_t i = 0; i < kernel->paramSizes.size(); ++i)
      if (!params[i])
        bad("a null parameter pointer");
  if (fakeViolationCount != before)
    return kInvalidValue;
  lock.unlock();
  if (kernel->addOne)
    addOne(params);
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
  std::lock_guard<std::mutex> lock(mutex);
  void *p = calloc(1, bytes ? bytes : 1);
  *ptr = reinterpret_cast<unsigned long long>(p);
  allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
  ++fakeLiveAllocations;
  return 0;
}
int cuMemAllocManaged(unsigned long long *ptr, size_t bytes, unsigned) {
  return cuMemAlloc_v2(ptr, bytes);
}
int cuMemFree_v2(unsigned long long ptr) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!allocations.erase(ptr)) {
    violation("free of an unknown pointer %#llx", ptr);
    return kInvalidValue;
  }
  free(reinterpret_cast<void *>(ptr));
  --fakeLiveAllocations;
  return 0;
}
int cuMemcpyAsync(unsigned long long dst, unsigned long long src, size_t bytes,
                  void *) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    int before = fakeViolationCount;
    checkRange(dst, bytes, "copy destination");
    checkRange(src, bytes, "copy source");
    ++fakeCopies;
    if (fakeViolationCount != before)
      return kInvalidValue;
  }
  memcpy(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src), bytes);
  return result("cuMemcpyAsync");
}
int cuMemsetD32Async(unsigned long long dst, unsigned value, size_t count,
                     void *) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    int before = fakeViolationCount;
    checkRange(dst, 4 * count, "memset");
    if (fakeViolationCount != before)
      return kInvalidValue;
  }
  for (size_t i = 0; i < count; ++i)
    reinterpret_cast<unsigned *>(dst)[i] = value;
  return 0;
}
int cuMemsetD16Async(unsigned long long dst, unsigned short value,
                     size_t count, void *) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    int before = fakeViolationCount;
    checkRange(dst, 2 * count, "memset");
    if (fakeViolationCount != before)
      return kInvalidValue;
  }
  for (size_t i = 0; i < count; ++i)
    reinterpret_cast<unsigned short *>(dst)[i] = value;
  return 0;
}
int cuMemHostRegister_v2(void *, size_t, unsigned) { return 0; }
int cuMemHostUnregister(void *) { return 0; }

} // extern "C"
