//===- CInterface.cpp - C declarations and checked entry points -*- C++ -*-===//
//
// Callers of a compiled model need the `_mlir_ciface_` signatures and the
// memref descriptor layout; this writes them from the functions' types, and
// the checked entry points `linea_<name>` that validate every descriptor
// before the kernel trusts it.
//
//===----------------------------------------------------------------------===//

#include "DynamicSizes.h"
#include "linea/Compiler/Compiler.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {

/// The C spelling of a scalar or element type; empty if C cannot take it.
std::string cType(Type type) {
  if (type.isF32())
    return "float";
  if (type.isF64())
    return "double";
  if (type.isF16() || type.isBF16())
    return "uint16_t";
  if (type.isIndex() || type.isInteger(64))
    return "int64_t";
  if (type.isInteger(32))
    return "int32_t";
  if (type.isInteger(16))
    return "int16_t";
  if (type.isInteger(8))
    return "int8_t";
  return "";
}

/// C keywords and the names the entry points use themselves: no argument
/// may take them.
bool isReservedName(StringRef name) {
  static const char *const kReserved[] = {
      "auto",     "break",    "case",     "char",   "const",    "continue",
      "default",  "do",       "double",   "else",   "enum",     "extern",
      "float",    "for",      "goto",     "if",     "inline",   "int",
      "long",     "register", "restrict", "return", "short",    "signed",
      "sizeof",   "static",   "struct",   "switch", "typedef",  "union",
      "unsigned", "void",     "volatile", "while",  "bool",     "true",
      "false",    "error",    "error_size", "shape", "class",   "template",
      "this",     "new",      "delete",   "private", "public",  "protected",
      "namespace", "operator", "virtual", "friend"};
  return llvm::is_contained(kReserved, name) || name.starts_with("linea_") ||
         name.starts_with("_");
}

bool isCIdentifier(StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// The name argument `index` has in the source (see nameArguments in
/// Compiler.cpp), or `fallback`.
std::string argumentName(func::FuncOp func, unsigned index,
                         const std::string &fallback) {
  auto loc = dyn_cast<NameLoc>(func.getArgument(index).getLoc());
  if (!loc)
    return fallback;
  StringRef name = loc.getName().getValue();
  if (!isCIdentifier(name) || isReservedName(name))
    return fallback;
  return name.str();
}

/// "[2, 8, 16] bf16", the comment of a parameter.
std::string shapeComment(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    os << "[";
    llvm::interleaveComma(shaped.getShape(), os, [&](int64_t d) {
      if (ShapedType::isDynamic(d))
        os << "?";
      else
        os << d;
    });
    os << "] ";
    type = shaped.getElementType();
  }
  type.print(os);
  return s;
}

std::string typeSuffix(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

/// The descriptor struct name of a shaped type, e.g. linea_memref_f32_4d.
std::string descriptorName(ShapedType type) {
  return "linea_memref_" + typeSuffix(type.getElementType()) + "_" +
         std::to_string(type.getRank()) + "d";
}

/// C helpers of the checked entry points.
const char *kCheckHelpers = R"c(
#include <stdarg.h>
#include <stdio.h>

static void linea_report(char *error, int64_t size, const char *format, ...) {
  if (!error || size <= 0)
    return;
  va_list args;
  va_start(args, format);
  vsnprintf(error, (size_t)size, format, args);
  va_end(args);
}

/* 0 if the descriptor describes a dense row-major buffer of `shape` (-1:
   any size in that dimension) of elements of `bytes` bytes. */
static int linea_check_descriptor(char *error, int64_t size, const char *fn,
                                  const char *name, const void *data,
                                  int64_t offset,
                                  const int64_t *sizes, const int64_t *strides,
                                  const int64_t *shape, int rank,
                                  int64_t bytes) {
  int64_t stride = 1, elements = 1, total = bytes;
  int overflow = 0;
  for (int d = 0; d < rank; ++d) {
    if (sizes[d] <= 0) {
      elements = 0;
      break;
    }
    elements = sizes[d];
  }
  if (elements > 0) {
    elements = 1;
    for (int d = 0; d < rank; ++d)
      overflow |= __builtin_mul_overflow(elements, sizes[d], &elements);
    overflow |= __builtin_mul_overflow(total, elements, &total);
  }
  if (!data && elements > 0) {
    linea_report(error, size, "%s: %s has no data", fn, name);
    return 1;
  }
  if (offset != 0 && elements > 0) {
    linea_report(error, size, "%s: %s has offset %lld, expected 0", fn, name,
                 (long long)offset);
    return 1;
  }
  for (int d = rank - 1; d >= 0; --d) {
    if (shape[d] >= 0 && sizes[d] != shape[d]) {
      linea_report(error, size,
                   "%s: %s has size %lld in dimension %d, expected %lld", fn,
                   name, (long long)sizes[d], d, (long long)shape[d]);
      return 1;
    }
    if (sizes[d] < 0) {
      linea_report(error, size, "%s: %s has size %lld in dimension %d", fn,
                   name, (long long)sizes[d], d);
      return 1;
    }
    /* The strides of an empty buffer, and of dimensions of size 1, address
       nothing: numpy gives them any value. */
    if (sizes[d] > 1 && elements > 0 && strides[d] != stride) {
      linea_report(error, size,
                   "%s: %s has stride %lld in dimension %d, expected %lld "
                   "(dense row-major)",
                   fn, name, (long long)strides[d], d, (long long)stride);
      return 1;
    }
    stride *= sizes[d];
  }
  if (overflow) {
    linea_report(error, size, "%s: %s has more bytes than an int64_t counts",
                 fn, name);
    return 1;
  }
  return 0;
}

/* 0 if dimension `d` of `name` has the size of the sequences whose
   `count` offsets (N + 1) `offsets` holds. */
static int linea_check_sequences(char *error, int64_t size, const char *fn,
                                 const char *name, const int64_t *sizes, int d,
                                 const char *offsets, int64_t count) {
  if (sizes[d] == count - 1)
    return 0;
  linea_report(error, size,
               "%s: %s has size %lld in dimension %d, but %s holds the "
               "offsets of %lld sequences",
               fn, name, (long long)sizes[d], d, offsets,
               (long long)(count - 1));
  return 1;
}

/* 0 if the `count` offsets at `data` (of `bytes` bytes each) of a packed
   batch of `tokens` tokens start at 0, never decrease and end at `tokens`. */
static int linea_check_offsets(char *error, int64_t size, const char *fn,
                               const char *name, const void *data, int bytes,
                               int64_t count, int64_t tokens) {
  int64_t previous = 0;
  if (count < 1) {
    linea_report(error, size, "%s: %s needs N + 1 >= 1 offsets, got none", fn,
                 name);
    return 1;
  }
  for (int64_t i = 0; i < count; ++i) {
    int64_t x = bytes == 4 ? ((const int32_t *)data)[i]
                           : ((const int64_t *)data)[i];
    if ((i == 0 && x != 0) || x < previous || x > tokens ||
        (i == count - 1 && x != tokens)) {
      linea_report(error, size,
                   "%s: %s[%lld] = %lld: the offsets of a packed batch start "
                   "at 0, never decrease and end at T = %lld",
                   fn, name, (long long)i, (long long)x, (long long)tokens);
      return 1;
    }
    previous = x;
  }
  return 0;
}

/* 0 if dimension `d` of descriptor `name` has the size `expected`, which
   dimension `ed` of `other` has (`other` null: a size the function fixes). */
static int linea_check_size(char *error, int64_t size, const char *fn,
                            const char *name, const int64_t *sizes, int d,
                            int64_t expected, const char *other, int ed) {
  if (sizes[d] == expected)
    return 0;
  if (other)
    linea_report(error, size,
                 "%s: %s has size %lld in dimension %d, but %s has size %lld "
                 "in dimension %d; the function needs them equal",
                 fn, name, (long long)sizes[d], d, other, (long long)expected,
                 ed);
  else
    linea_report(error, size,
                 "%s: %s has size %lld in dimension %d, expected %lld", fn,
                 name, (long long)sizes[d], d, (long long)expected);
  return 1;
}

)c";

/// MLIR's `memref.copy` of non-contiguous memrefs calls `memrefCopy` (a
/// function of libmlir_c_runner_utils): defined here, so that a library
/// needs nothing from the LLVM installation. Weak and hidden: objects of
/// several models link together.
const char *kMemrefCopy = R"c(
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} linea_unranked_memref;

__attribute__((weak, visibility("hidden"))) void
memrefCopy(int64_t elt, linea_unranked_memref *src,
           linea_unranked_memref *dst) {
  /* {allocated, aligned, offset, sizes[rank], strides[rank]} */
  int64_t rank = src->rank;
  char *s = ((char **)src->descriptor)[1], *d = ((char **)dst->descriptor)[1];
  const int64_t *sm = (const int64_t *)src->descriptor + 2;
  const int64_t *dm = (const int64_t *)dst->descriptor + 2;
  int64_t index[rank > 0 ? rank : 1];
  s += sm[0] * elt;
  d += dm[0] * elt;
  for (int64_t r = 0; r < rank; ++r) {
    if (sm[1 + r] == 0)
      return;
    index[r] = 0;
  }
  for (;;) {
    int64_t so = 0, dof = 0;
    for (int64_t r = 0; r < rank; ++r) {
      so += index[r] * sm[1 + rank + r];
      dof += index[r] * dm[1 + rank + r];
    }
    memcpy(d + dof * elt, s + so * elt, (size_t)elt);
    int64_t r = rank - 1;
    while (r >= 0 && ++index[r] == sm[1 + r])
      index[r--] = 0;
    if (r < 0)
      return;
  }
}

)c";

/// C helpers of the checked entry points of GPU libraries: the CUDA
/// runtime (lib/Runtime/CUDA) records the first failure of a call.
const char *kGpuHelpers = R"c(
int lineaCudaTakeError(char *buf, unsigned long size);

static int linea_gpu_failed(char *error, int64_t size, const char *fn) {
  char message[1024];
  if (!lineaCudaTakeError(message, sizeof(message)))
    return 0;
  linea_report(error, size, "%s: %s", fn, message);
  return 1;
}

)c";

} // namespace

FailureOr<linea::CInterface>
mlir::linea::generateCInterface(ModuleOp module, StringRef guardName,
                                bool gpu) {
  // One descriptor struct per element type and rank.
  llvm::MapVector<StringRef, ShapedType, llvm::StringMap<unsigned>> descriptors;
  llvm::StringSet<> names;
  std::string decls, checked;
  llvm::raw_string_ostream os(decls), cs(checked);
  // Every public function becomes C symbols: its name must be a C
  // identifier, and no two symbols of the library may be one.
  llvm::StringMap<func::FuncOp> symbols;
  auto claim = [&](func::FuncOp func, const std::string &symbol) {
    auto [it, inserted] = symbols.insert({symbol, func});
    if (inserted)
      return success();
    InFlightDiagnostic diag = func.emitError("symbol '")
                              << symbol << "' of function '" << func.getName()
                              << "' clashes with one of function '"
                              << it->second.getName() << "'";
    if (it->second != func)
      diag.attachNote(it->second.getLoc()) << "that function is here";
    return failure();
  };
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    StringRef fnName = func.getName();
    if (fnName.empty() || llvm::isDigit(fnName.front()) ||
        !llvm::all_of(fnName,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; })) {
      std::string escaped;
      llvm::raw_string_ostream es(escaped);
      llvm::printEscapedString(fnName, es);
      return func.emitError("function name \"")
                 << escaped
                 << "\" is not a C identifier ([A-Za-z_][A-Za-z0-9_]*): its "
                    "entry points are C functions of that name",
             failure();
    }
    if (fnName.starts_with("lineaCuda") || fnName.starts_with("mgpu") ||
        fnName == "memrefCopy")
      return func.emitError("function name '")
                 << fnName << "' is reserved for the library's runtime",
             failure();
    SmallVector<std::string> variants{func.getName().str()};
    if (gpu)
      variants.push_back(func.getName().str() + "_device");
    for (const std::string &variant : variants)
      for (const char *prefix : {"", "_mlir_ciface_", "linea_"})
        if (failed(claim(func, prefix + variant)))
          return failure();
  }
  llvm::json::Array functions;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    FunctionType type = func.getFunctionType();
    FailureOr<DynamicSizes> related = relateDynamicSizes(func);
    if (failed(related))
      return failure();
    const std::map<std::pair<unsigned, unsigned>, DynamicSize> *dynamicSizes =
        &related->sizes;
    auto describe = [&](Type t) -> std::string {
      if (auto shaped = dyn_cast<ShapedType>(t)) {
        if (!isa<RankedTensorType, MemRefType>(t) ||
            cType(shaped.getElementType()).empty())
          return "";
        std::string name = descriptorName(shaped);
        descriptors.insert({names.insert(name).first->getKey(), shaped});
        return name;
      }
      return cType(t);
    };
    // Arguments first, then one output buffer per result: the caller
    // allocates every buffer, the kernel writes its results into them.
    // The arguments take their source names where those are C identifiers
    // that no other parameter has; else argN. Results are outN.
    SmallVector<std::string> params, args, checks;
    SmallVector<std::pair<Type, std::string>> all;
    llvm::StringSet<> taken;
    for (unsigned i = 0; i < type.getNumResults(); ++i)
      taken.insert("out" + std::to_string(i));
    for (auto [i, t] : llvm::enumerate(type.getInputs()))
      taken.insert("arg" + std::to_string(i));
    for (auto [i, t] : llvm::enumerate(type.getInputs())) {
      std::string fallback = "arg" + std::to_string(i);
      std::string name = argumentName(func, i, fallback);
      if (name != fallback && !taken.insert(name).second)
        name = fallback;
      all.push_back({t, name});
    }
    for (auto [i, t] : llvm::enumerate(type.getResults())) {
      if (!isa<ShapedType>(t))
        return func.emitError("result type ")
                   << t
                   << " has no C-interface declaration (results are tensors)",
               failure();
      all.push_back({t, "out" + std::to_string(i)});
    }
    // The size of dimension d of parameter p where the entry point knows
    // it, else -1.
    auto fixedSize = [&](unsigned p, unsigned d) -> int64_t {
      auto shaped = cast<ShapedType>(all[p].first);
      if (!shaped.isDynamicDim(d))
        return shaped.getDimSize(d);
      std::optional<int64_t> known = dynamicSizes->at({p, d}).known;
      return known ? *known : -1;
    };
    for (auto [index, entry] : llvm::enumerate(all)) {
      auto [t, name] = entry;
      std::string c = describe(t);
      if (c.empty())
        return func.emitError(index < type.getNumInputs() ? "argument type "
                                                          : "result type ")
                   << t << " has no C-interface declaration",
               failure();
      params.push_back((isa<ShapedType>(t) ? c + " *" + name : c + " " + name) +
                       " /* " + shapeComment(t) + " */");
      args.push_back(name);
      auto shaped = dyn_cast<ShapedType>(t);
      if (!shaped)
        continue;
      std::string what = (index < type.getNumInputs() ? "argument " : "result ") +
                         std::to_string(index < type.getNumInputs()
                                            ? index
                                            : index - type.getNumInputs());
      // The checked entry point counts elements and bytes in int64_t (the
      // dynamic sizes it checks at run time).
      int64_t elementBytes = (shaped.getElementTypeBitWidth() + 7) / 8;
      int64_t bytes = elementBytes;
      for (int64_t dim : shaped.getShape()) {
        if (ShapedType::isDynamic(dim))
          continue;
        std::optional<int64_t> next = llvm::checkedMul(bytes, dim);
        if (!next)
          return func.emitError(what) << " (" << t
                                      << ") has more bytes than an int64_t "
                                         "counts",
                 failure();
        bytes = *next;
      }
      std::string check;
      llvm::raw_string_ostream cs2(check);
      std::string fn = func.getName().str();
      cs2 << "  {\n    static const int64_t shape[] = {";
      if (shaped.getRank() == 0)
        cs2 << "0";
      unsigned param = index;
      llvm::interleaveComma(llvm::seq<unsigned>(0, shaped.getRank()), cs2,
                            [&](unsigned d) { cs2 << fixedSize(param, d); });
      cs2 << "};\n    if (!" << name
          << ") {\n      linea_report(error, error_size, \"" << fn << ": "
          << name << " is null\");\n      return " << index + 1
          << ";\n    }\n    if (linea_check_descriptor(error, error_size, \""
          << fn << "\", \"" << name << "\", " << name << "->aligned, " << name
          << "->offset, ";
      if (shaped.getRank() > 0)
        cs2 << name << "->sizes, " << name << "->strides";
      else
        cs2 << "0, 0";
      cs2 << ", shape, " << shaped.getRank() << ", " << elementBytes
          << "))\n      return " << index + 1 << ";\n  }\n";
      checks.push_back(check);
    }
    // Then the dynamic sizes against the argument sizes they must equal.
    for (auto &[at, size] : *dynamicSizes) {
      auto [p, d] = at;
      if (!size.source || (size.source->param == p && size.source->dim == d))
        continue;
      const std::string &name = all[p].second;
      const std::string &other = all[size.source->param].second;
      std::string check;
      llvm::raw_string_ostream cs2(check);
      if (size.offset)
        // The sequences of a packed batch: one fewer than its offsets.
        cs2 << "  if (linea_check_sequences(error, error_size, \""
            << func.getName() << "\", \"" << name << "\", " << name
            << "->sizes, " << d << ", \"" << other << "\", " << other
            << "->sizes[0]))\n    return " << p + 1 << ";\n";
      else
        cs2 << "  if (linea_check_size(error, error_size, \"" << func.getName()
            << "\", \"" << name << "\", " << name << "->sizes, " << d << ", "
            << other << "->sizes[" << size.source->dim << "], \"" << other
            << "\", " << size.source->dim << "))\n    return " << p + 1
            << ";\n";
      checks.push_back(check);
    }
    // Then the values of a packed batch's offsets.
    for (const OffsetsCheck &offsets : related->offsets) {
      const std::string &name = all[offsets.param].second;
      std::string tokens =
          offsets.tokens ? all[offsets.tokens->param].second + "->sizes[" +
                               std::to_string(offsets.tokens->dim) + "]"
                         : std::to_string(*offsets.knownTokens);
      auto elt = cast<ShapedType>(all[offsets.param].first).getElementType();
      std::string check;
      llvm::raw_string_ostream cs2(check);
      cs2 << "  if (linea_check_offsets(error, error_size, \"" << func.getName()
          << "\", \"" << name << "\", " << name << "->aligned, "
          << (elt.isInteger(32) ? 4 : 8) << ", " << name << "->sizes[0], "
          << tokens << "))\n    return " << offsets.param + 1 << ";\n";
      checks.push_back(check);
    }
    auto buffers = [&](size_t from, size_t to) {
      llvm::json::Array list;
      for (size_t i = from; i < to; ++i) {
        Type t = all[i].first;
        llvm::json::Array shape, sizesFrom;
        auto shaped = dyn_cast<ShapedType>(t);
        if (shaped)
          for (unsigned d = 0; d < shaped.getRank(); ++d) {
            shape.push_back(fixedSize(i, d));
            // A dynamic size: the argument dimension it equals.
            if (shaped.isDynamicDim(d))
              if (std::optional<ParamDim> from =
                      dynamicSizes->at({unsigned(i), d}).source)
                sizesFrom.push_back(
                    dynamicSizes->at({unsigned(i), d}).offset
                        ? llvm::json::Array{d, from->param, from->dim,
                                            dynamicSizes->at({unsigned(i), d})
                                                .offset}
                        : llvm::json::Array{d, from->param, from->dim});
          }
        llvm::json::Object entry{
            {"name", all[i].second},
            {"shape", std::move(shape)},
            {"dtype", typeSuffix(shaped ? shaped.getElementType() : t)},
            {"scalar", !shaped}};
        if (!sizesFrom.empty())
          entry["sizes_from"] = std::move(sizesFrom);
        list.push_back(std::move(entry));
      }
      return list;
    };
    llvm::json::Object entry{
        {"name", func.getName()},
        {"symbol", "linea_" + func.getName().str()},
        {"arguments", buffers(0, type.getNumInputs())},
        {"results", buffers(type.getNumInputs(), all.size())}};
    if (gpu)
      entry["device_symbol"] = "linea_" + func.getName().str() + "_device";
    functions.push_back(std::move(entry));
    // On the GPU, also the variant on device memory.
    SmallVector<std::string> variants{func.getName().str()};
    if (gpu)
      variants.push_back(func.getName().str() + "_device");
    std::string paramList = llvm::join(params, ",\n    ");
    for (const std::string &fn : variants) {
      os << "void _mlir_ciface_" << fn << "(\n    " << paramList << ");\n";
      // The checked entry point: same arguments after an error buffer.
      os << "int32_t linea_" << fn << "(\n    char *error, int64_t error_size,\n    "
         << paramList << ");\n\n";
      cs << "int32_t linea_" << fn
         << "(\n    char *error, int64_t error_size,\n    " << paramList
         << ") {\n";
      for (const std::string &check : checks)
        cs << check;
      // A failure left by an earlier unchecked call is not this call's.
      if (gpu)
        cs << "  lineaCudaTakeError(0, 0);\n";
      cs << "  _mlir_ciface_" << fn << "(" << llvm::join(args, ", ")
         << ");\n";
      if (gpu)
        cs << "  if (linea_gpu_failed(error, error_size, \"" << fn
           << "\"))\n    return -1;\n";
      cs << "  if (error && error_size > 0)\n    error[0] = 0;\n  return "
            "0;\n}\n\n";
    }
  }

  std::string header;
  llvm::raw_string_ostream out(header);
  out << "/* Generated by linea-compile. Entry points follow the MLIR C\n"
         " * interface: memrefs are passed as pointers to descriptors (f16 "
         "and\n"
         " * bf16 elements as their bit patterns, uint16_t). The caller owns "
         "every\n"
         " * buffer: the arguments (named as in the source, else argN), then "
         "one\n"
         " * output buffer outN per result, which the kernel fills; each "
         "comment\n"
         " * gives the buffer's shape and element type.\n"
         " *\n"
         " * _mlir_ciface_<name> trusts its descriptors. linea_<name> first "
         "checks\n"
         " * every descriptor (data pointer, zero offset, the static sizes, "
         "dense\n"
         " * row-major strides); on a mismatch it returns the 1-based position "
         "of\n"
         " * the descriptor, writes a message to `error` and runs nothing; on\n"
         " * success it returns 0. */\n";
  if (gpu)
    out << "/* GPU library: <name> takes host memory (copied to the device "
           "and\n"
           " * back), <name>_device takes device memory (CUDA device "
           "pointers). Both\n"
           " * return when the results are written. linea_<name> returns -1 "
           "and a\n"
           " * message when the GPU runtime fails (no driver, no device, a "
           "failed\n"
           " * launch). */\n";
  out << "#ifndef " << guardName << "\n#define " << guardName << "\n\n";
  out << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" "
         "{\n#endif\n\n";
  for (auto &[name, t] : descriptors) {
    std::string elt = cType(t.getElementType());
    // Guarded, so that headers of several models can be included together.
    out << "#ifndef " << name << "_defined\n#define " << name << "_defined\n";
    out << "typedef struct {\n  " << elt << " *allocated;\n  " << elt
        << " *aligned;\n  int64_t offset;\n";
    if (t.getRank() > 0)
      out << "  int64_t sizes[" << t.getRank() << "];\n  int64_t strides["
          << t.getRank() << "];\n";
    out << "} " << name << ";\n#endif\n\n";
  }
  out << decls;
  out << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guardName << " */\n";

  std::string manifest;
  llvm::raw_string_ostream ms(manifest);
  ms << llvm::formatv("{0:2}",
                      llvm::json::Value(llvm::json::Object{
                          {"format", 1},
                          {"gpu", gpu},
                          {"functions", std::move(functions)}}))
     << "\n";

  CInterface result;
  result.header = header;
  result.manifest = manifest;
  result.wrappers =
      header + kCheckHelpers + kMemrefCopy + (gpu ? kGpuHelpers : "") + checked;
  return result;
}
