//===- LineaOps.cpp - Verification and type inference of linea ops -*- C++
//-*-===//
//
// Every constraint of every op (C1, C2, ... in LineaOps.td) is checked here,
// once, during result type inference: the same code runs when an op is
// parsed, built or verified, and each diagnostic carries its constraint tag,
// the operand's name and the expected shape.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/IR/LineaOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include <cmath>

using namespace mlir;
using namespace mlir::linea;

namespace {

/// Checks operand types against symbolic shapes such as `[B, T, H, V]`. The
/// first operand that mentions a dimension binds it; later operands must
/// agree. Dynamic sizes agree with anything.
class ShapeChecker {
public:
  explicit ShapeChecker(std::optional<Location> loc) : loc(loc) {}

  LogicalResult fail(StringRef tag, const Twine &message) {
    return emitOptionalError(loc, tag, ": ", message);
  }

  /// Binds a dimension to a constant (for example the 3 of wkv4's state).
  void bind(StringRef name, int64_t size) { dims.push_back({name, size}); }

  int64_t get(StringRef name) const {
    for (auto &[n, size] : dims)
      if (n == name)
        return size;
    return ShapedType::kDynamic;
  }

  /// Checks that `value` is a ranked tensor of shape `names`.
  LogicalResult shape(StringRef tag, StringRef operand, Value value,
                      ArrayRef<StringRef> names) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || type.getRank() != static_cast<int64_t>(names.size()))
      return mismatch(tag, operand, value, names);
    for (auto [name, size] : llvm::zip(names, type.getShape())) {
      int64_t bound = get(name);
      if (bound == ShapedType::kDynamic) {
        if (!ShapedType::isDynamic(size))
          bindOrUpdate(name, size);
        continue;
      }
      if (!ShapedType::isDynamic(size) && size != bound)
        return mismatch(tag, operand, value, names);
    }
    return success();
  }

  /// Checks that the bound dimensions `names` (the head dimensions, which
  /// size kernels and registers) are positive; `value` is the operand that
  /// bound them, named in the message.
  LogicalResult positive(StringRef tag, StringRef operand,
                         ArrayRef<StringRef> names) {
    for (StringRef name : names) {
      int64_t size = get(name);
      if (!ShapedType::isDynamic(size) && size <= 0)
        return fail(tag, Twine("'") + operand + "' has " + name + " = " +
                             Twine(size) + ", but " +
                             llvm::join(names, ", ") +
                             " must be positive (only batch and sequence "
                             "dimensions may be 0)");
    }
    return success();
  }

  /// Checks that `a % b == 0` for two bound dimensions.
  LogicalResult divides(StringRef tag, StringRef operand, StringRef big,
                        StringRef small) {
    int64_t a = get(big), b = get(small);
    if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
      return success();
    if (b > 0 && a % b == 0)
      return success();
    return fail(tag, Twine("'") + operand + "' needs " + big + " (" + Twine(a) +
                         ") divisible by " + small + " (" + Twine(b) + ")");
  }

  /// Checks that the operands share one activation type: f32, f16 or bf16.
  LogicalResult activations(StringRef tag,
                            ArrayRef<std::pair<StringRef, Value>> operands) {
    Type first;
    StringRef firstName;
    for (auto [name, value] : operands) {
      if (!value)
        continue;
      Type elt = cast<ShapedType>(value.getType()).getElementType();
      if (!elt.isF32() && !elt.isF16() && !elt.isBF16())
        return fail(tag, Twine("'") + name +
                             "' must have element type f32, f16 or bf16, got " +
                             toString(elt));
      if (!first) {
        first = elt;
        firstName = name;
      } else if (elt != first) {
        return fail(tag, Twine("'") + name +
                             "' must have the element type of '" + firstName +
                             "' (" + toString(first) + "), got " +
                             toString(elt));
      }
    }
    return success();
  }

  /// Checks that `value` has element type f32 (states and parameters).
  LogicalResult f32(StringRef tag, StringRef operand, Value value) {
    Type elt = cast<ShapedType>(value.getType()).getElementType();
    if (elt.isF32())
      return success();
    return fail(tag, Twine("'") + operand +
                         "' must have element type f32, got " + toString(elt));
  }

  /// Checks that `value` has element type f32 or `like`, the element type
  /// of operand `likeName` (weights kept in f32 or in the activations' type).
  LogicalResult f32OrType(StringRef tag, StringRef operand, Value value,
                          Type like, StringRef likeName) {
    Type elt = cast<ShapedType>(value.getType()).getElementType();
    if (elt.isF32() || elt == like)
      return success();
    return fail(tag, Twine("'") + operand + "' must have element type f32 or "
                         "that of '" + likeName + "' (" + toString(like) +
                         "), got " + toString(elt));
  }

  /// The tensor type `[names...] x f32` from the bound dimensions.
  RankedTensorType stateType(MLIRContext *ctx, ArrayRef<StringRef> names) {
    SmallVector<int64_t> shape;
    for (StringRef name : names)
      shape.push_back(get(name));
    return RankedTensorType::get(shape, Float32Type::get(ctx));
  }

private:
  void bindOrUpdate(StringRef name, int64_t size) {
    for (auto &[n, s] : dims)
      if (n == name) {
        s = size;
        return;
      }
    dims.push_back({name, size});
  }

  static std::string toString(Type type) {
    std::string s;
    llvm::raw_string_ostream os(s);
    type.print(os);
    return s;
  }

  LogicalResult mismatch(StringRef tag, StringRef operand, Value value,
                         ArrayRef<StringRef> names) {
    SmallVector<std::string> expected;
    for (StringRef name : names) {
      int64_t size = get(name);
      expected.push_back(ShapedType::isDynamic(size) ? "?"
                                                     : std::to_string(size));
    }
    return fail(tag, Twine("'") + operand + "' must have shape [" +
                         llvm::join(names, ", ") + "] = [" +
                         llvm::join(expected, ", ") + "], got " +
                         toString(value.getType()));
  }

  std::optional<Location> loc;
  SmallVector<std::pair<StringRef, int64_t>> dims;
};

std::string formNames(bool (*supports)(Form)) {
  SmallVector<std::string> names;
  for (Form form : {Form::auto_, Form::quadratic, Form::chunked,
                    Form::recurrent, Form::scan})
    if (supports(form))
      names.push_back(stringifyForm(form).str());
  return llvm::join(names, ", ");
}

/// Checks `form` (tag `formTag`) and `chunk_size` (tag `chunkTag`): a chunk
/// size is positive and only goes with a form that has chunks.
LogicalResult checkForm(ShapeChecker &check, StringRef formTag,
                        StringRef chunkTag, Form form,
                        std::optional<uint64_t> chunkSize,
                        bool (*supports)(Form)) {
  if (!supports(form))
    return check.fail(formTag, "'form' must be one of " + formNames(supports) +
                                   ", got " + stringifyForm(form));
  if (!chunkSize)
    return success();
  if (static_cast<int64_t>(*chunkSize) <= 0)
    return check.fail(chunkTag, "'chunk_size' must be positive, got " +
                                    Twine(static_cast<int64_t>(*chunkSize)));
  if (form != Form::auto_ && form != Form::chunked && form != Form::scan)
    return check.fail(chunkTag, "'chunk_size' goes with form auto, chunked or "
                                "scan, got " +
                                    stringifyForm(form));
  return success();
}

/// Checks a query scale (tag `tag`): finite and positive.
LogicalResult checkScale(ShapeChecker &check, StringRef tag,
                         std::optional<APFloat> scale) {
  if (!scale)
    return success();
  float s = scale->convertToFloat();
  if (std::isfinite(s) && s > 0.0f)
    return success();
  return check.fail(tag, "'scale' must be finite and positive, got " +
                             std::to_string(s));
}

/// Checks a read-out scale that may be of either sign (tag `tag`): finite.
LogicalResult checkFiniteScale(ShapeChecker &check, StringRef tag,
                               std::optional<APFloat> scale) {
  if (scale && !std::isfinite(scale->convertToFloat()))
    return check.fail(tag, "'scale' must be finite");
  return success();
}

/// The query scale: `scale`, or K^-1/2 for queries `q` of shape [..., K].
float scaleOrDefault(std::optional<APFloat> scale, Value q) {
  if (scale)
    return scale->convertToFloat();
  auto type = cast<ShapedType>(q.getType());
  return 1.0f / std::sqrt(static_cast<float>(type.getDimSize(3)));
}

/// Appends the result types: the output, then the state if it is returned.
LogicalResult results(SmallVectorImpl<Type> &types, Value like, bool withState,
                      Type state) {
  types.push_back(like.getType());
  if (withState)
    types.push_back(state);
  return success();
}

/// Runs `infer` on an adaptor whose properties also hold the inherent
/// attributes of `attrs`: while an op is parsed, those still sit in the
/// attribute dictionary and not yet in its properties.
template <typename OpTy, typename InferFn>
LogicalResult
inferWithMergedAttrs(MLIRContext *ctx, std::optional<Location> loc,
                     ValueRange operands, DictionaryAttr attrs,
                     OpaqueProperties props, RegionRange regions,
                     SmallVectorImpl<Type> &types, InferFn infer) {
  typename OpTy::Properties merged;
  if (props)
    merged = *props.as<typename OpTy::Properties *>();
  if (attrs && failed(OpTy::setPropertiesFromAttr(merged, attrs, [&] {
        return emitError(loc ? *loc : UnknownLoc::get(ctx));
      })))
    return failure();
  OpTy::populateDefaultProperties(OperationName(OpTy::getOperationName(), ctx),
                                  merged);
  typename OpTy::Adaptor adaptor(operands, attrs, merged, regions);
  return infer(ctx, loc, adaptor, types);
}

ArrayRef<int64_t> dims(Value tensor) {
  return cast<RankedTensorType>(tensor.getType()).getShape();
}

int64_t divideOrDynamic(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || b <= 0)
    return ShapedType::kDynamic;
  return a / b;
}

/// The name of the states' first dimension: B, or, for a packed batch
/// (`cu` the offsets, checked here under tag `tag`: [N + 1] of i32 or i64,
/// with B = 1), its sequences N.
FailureOr<StringRef> checkPacked(ShapeChecker &check, StringRef tag, Value cu) {
  if (!cu)
    return StringRef("B");
  auto type = cast<RankedTensorType>(cu.getType());
  Type elt = type.getElementType();
  if (type.getRank() != 1 || !(elt.isInteger(32) || elt.isInteger(64)))
    return check.fail(
        tag, "'cu_seqlens' must be a 1-D tensor of i32 or i64, "
             "got " +
                 [&] {
                   std::string str;
                   llvm::raw_string_ostream os(str);
                   type.print(os);
                   return str;
                 }());
  int64_t b = check.get("B");
  if (!ShapedType::isDynamic(b) && b != 1)
    return check.fail(tag, "with 'cu_seqlens' the sequences are packed along "
                           "T, so B must be 1, got " +
                               Twine(b));
  if (!type.isDynamicDim(0)) {
    if (type.getDimSize(0) < 1)
      return check.fail(tag, "'cu_seqlens' must have N + 1 >= 1 entries");
    check.bind("sequences", type.getDimSize(0) - 1);
  }
  return StringRef("sequences");
}

/// The sequences of a packed batch's states (from `cu_seqlens`, [N + 1]),
/// or `batch`.
int64_t packedBatch(Value cu, int64_t batch) {
  if (!cu)
    return batch;
  int64_t n = dims(cu)[0];
  return ShapedType::isDynamic(n) ? n : n - 1;
}

/// The signature of `batch` x `heads` slices of `keyDim` x `valueDim`
/// states over `tokens` tokens, with `activation`'s element type.
RecurrenceSignature headWise(int64_t batch, int64_t heads, int64_t tokens,
                             int64_t keyDim, int64_t valueDim,
                             Value activation) {
  RecurrenceSignature sig;
  sig.slices = {batch, heads};
  sig.tokens = tokens;
  sig.keyDim = keyDim;
  sig.valueDim = valueDim;
  sig.activation = getElementTypeOrSelf(activation.getType());
  return sig;
}

} // namespace

//===----------------------------------------------------------------------===//
// RecurrenceSignature
//===----------------------------------------------------------------------===//

int64_t RecurrenceSignature::numSlices() const {
  int64_t n = 1;
  for (int64_t size : slices) {
    if (ShapedType::isDynamic(size))
      return ShapedType::kDynamic;
    n *= size;
  }
  return n;
}

bool RecurrenceSignature::hasStaticShape() const {
  return !ShapedType::isDynamic(numSlices()) &&
         !ShapedType::isDynamic(tokens) && !ShapedType::isDynamic(keyDim) &&
         !ShapedType::isDynamic(valueDim);
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

RecurrenceSignature LinearAttentionOp::getRecurrenceSignature() {
  auto q = dims(getQ()), v = dims(getV());
  RecurrenceSignature sig = headWise(packedBatch(getCuSeqlens(), v[0]), v[2],
                                     q[1], q[3], v[3], getV());
  sig.groups = divideOrDynamic(v[2], q[2]);
  if (Value gate = getGate())
    sig.decay = dims(gate).size() == 4 ? DecayKind::perKey : DecayKind::perToken;
  else if (getDecay())
    sig.decay = DecayKind::constant;
  sig.readout = getCausal() ? Readout::afterUpdate : Readout::final;
  sig.normalized = getNormalize();
  return sig;
}

float LinearAttentionOp::getScaleOrDefault() {
  return scaleOrDefault(getScale(), getQ());
}

static LogicalResult inferLinearAttention(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          LinearAttentionOp::Adaptor op,
                                          SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "q", op.getQ(), {"B", "T", "Hk", "K"})) ||
      failed(check.positive("C13", "q", {"Hk", "K"})) ||
      failed(check.shape("C2", "k", op.getK(), {"B", "T", "Hk", "K"})) ||
      failed(check.shape("C3", "v", op.getV(), {"B", "T", "H", "V"})) ||
      failed(check.positive("C13", "v", {"H", "V"})) ||
      failed(check.divides("C3", "v", "H", "Hk")))
    return failure();
  if (Value gate = op.getGate()) {
    auto type = dyn_cast<RankedTensorType>(gate.getType());
    bool perKey = type && type.getRank() == 4;
    if (failed(check.shape("C4", "gate", gate,
                           perKey ? ArrayRef<StringRef>{"B", "T", "H", "K"}
                                  : ArrayRef<StringRef>{"B", "T", "H"})))
      return failure();
  }
  FailureOr<StringRef> batch = checkPacked(check, "C14", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C5", "initial_state", init,
                           {*batch, "H", "K", "V"})) ||
        failed(check.f32("C5", "initial_state", init)))
      return failure();
  if (failed(check.activations("C6", {{"q", op.getQ()},
                                      {"k", op.getK()},
                                      {"v", op.getV()},
                                      {"gate", op.getGate()}})))
    return failure();
  if (!op.getCausal() && op.getGate())
    return check.fail("C7", "'gate' requires 'causal'");
  if (!op.getCausal() && op.getDecay())
    return check.fail("C7", "'decay' requires 'causal'");
  if (op.getNormalize() && op.getInitialState())
    return check.fail("C8", "'normalize' excludes 'initial_state'");
  if (op.getNormalize() && op.getWithFinalState())
    return check.fail("C8", "'normalize' excludes 'with_final_state'");
  if (std::optional<ArrayRef<float>> decay = op.getDecay()) {
    int64_t h = check.get("H");
    if (!ShapedType::isDynamic(h) && static_cast<int64_t>(decay->size()) != h)
      return check.fail("C9", "'decay' must have H = " + Twine(h) +
                                  " entries, got " + Twine(decay->size()));
    if (llvm::any_of(*decay, [](float d) { return !std::isfinite(d); }))
      return check.fail("C9", "'decay' entries must be finite");
  }
  if (failed(checkScale(check, "C10", op.getScale())))
    return failure();
  if (failed(checkForm(check, "C11", "C12", op.getForm(), op.getChunkSize(),
                       &LinearAttentionOp::supportsForm)))
    return failure();
  return results(types, op.getV(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "H", "K", "V"}));
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

RecurrenceSignature SelectiveScanOp::getRecurrenceSignature() {
  // A slice is a channel d of a batch: its state x[d, :] is N x 1.
  auto u = dims(getU()), a = dims(getA()), bm = dims(getBm());
  RecurrenceSignature sig = headWise(u[0], u[1], u[2], a[1], 1, getU());
  sig.groups = divideOrDynamic(u[1], bm[1]);
  sig.decay = DecayKind::perKey;
  return sig;
}

static LogicalResult inferSelectiveScan(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        SelectiveScanOp::Adaptor op,
                                        SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "u", op.getU(), {"B", "D", "L"})) ||
      failed(check.positive("C11", "u", {"D"})) ||
      failed(check.shape("C2", "delta", op.getDelta(), {"B", "D", "L"})) ||
      failed(check.shape("C3", "A", op.getA(), {"D", "N"})) ||
      failed(check.positive("C11", "A", {"D", "N"})) ||
      failed(check.f32("C3", "A", op.getA())) ||
      failed(check.shape("C4", "Bm", op.getBm(), {"B", "G", "N", "L"})) ||
      failed(check.positive("C11", "Bm", {"G"})) ||
      failed(check.shape("C4", "Cm", op.getCm(), {"B", "G", "N", "L"})) ||
      failed(check.divides("C4", "Bm", "D", "G")))
    return failure();
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"D_skip", op.getDSkip()},
        {"delta_bias", op.getDeltaBias()}})
    if (value && (failed(check.shape("C5", name, value, {"D"})) ||
                  failed(check.f32("C5", name, value))))
      return failure();
  if (Value z = op.getZ())
    if (failed(check.shape("C6", "z", z, {"B", "D", "L"})))
      return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C7", "initial_state", init, {"B", "D", "N"})) ||
        failed(check.f32("C7", "initial_state", init)))
      return failure();
  if (failed(check.activations("C8", {{"u", op.getU()},
                                      {"delta", op.getDelta()},
                                      {"Bm", op.getBm()},
                                      {"Cm", op.getCm()},
                                      {"z", op.getZ()}})) ||
      failed(checkForm(check, "C9", "C10", op.getForm(), op.getChunkSize(),
                       &SelectiveScanOp::supportsForm)))
    return failure();
  return results(types, op.getU(), op.getWithFinalState(),
                 check.stateType(ctx, {"B", "D", "N"}));
}

//===----------------------------------------------------------------------===//
// Wkv4Op
//===----------------------------------------------------------------------===//

RecurrenceSignature Wkv4Op::getRecurrenceSignature() {
  // A slice is a channel of a batch: a scalar ratio of two recurrences.
  auto k = dims(getK());
  RecurrenceSignature sig =
      headWise(packedBatch(getCuSeqlens(), k[0]), k[2], k[1], 1, 1, getV());
  sig.decay = DecayKind::constant;
  sig.readout = Readout::beforeUpdateWithBonus;
  sig.normalized = true;
  sig.runningMax = true;
  return sig;
}

static LogicalResult inferWkv4(MLIRContext *ctx, std::optional<Location> loc,
                               Wkv4Op::Adaptor op,
                               SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  check.bind("3", 3);
  if (failed(check.shape("C1", "k", op.getK(), {"B", "T", "C"})) ||
      failed(check.positive("C8", "k", {"C"})) ||
      failed(check.shape("C2", "v", op.getV(), {"B", "T", "C"})) ||
      failed(check.shape("C3", "w", op.getW(), {"C"})) ||
      failed(check.f32("C3", "w", op.getW())) ||
      failed(check.shape("C3", "u", op.getU(), {"C"})) ||
      failed(check.f32("C3", "u", op.getU())))
    return failure();
  FailureOr<StringRef> batch = checkPacked(check, "C9", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C4", "initial_state", init, {*batch, "3", "C"})) ||
        failed(check.f32("C4", "initial_state", init)))
      return failure();
  if (failed(check.activations("C5", {{"k", op.getK()}, {"v", op.getV()}})) ||
      failed(checkForm(check, "C6", "C7", op.getForm(), op.getChunkSize(),
                       &Wkv4Op::supportsForm)))
    return failure();
  return results(types, op.getV(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "3", "C"}));
}

DenseElementsAttr Wkv4Op::getEmptyState(RankedTensorType type) {
  // (aa, bb, pp) = (0, 0, -1e38) for every batch and channel.
  SmallVector<float> values;
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t b = 0; b < shape[0]; ++b)
    for (float row : {0.0f, 0.0f, -1e38f})
      values.append(shape[2], row);
  return DenseElementsAttr::get(type, ArrayRef<float>(values));
}

//===----------------------------------------------------------------------===//
// Wkv6Op
//===----------------------------------------------------------------------===//

RecurrenceSignature Wkv6Op::getRecurrenceSignature() {
  auto r = dims(getR());
  RecurrenceSignature sig = headWise(packedBatch(getCuSeqlens(), r[0]), r[2],
                                     r[1], r[3], r[3], getV());
  sig.decay = DecayKind::perKey;
  sig.readout = Readout::beforeUpdateWithBonus;
  return sig;
}

static LogicalResult inferWkv6(MLIRContext *ctx, std::optional<Location> loc,
                               Wkv6Op::Adaptor op,
                               SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "r", op.getR(), {"B", "T", "H", "S"})) ||
      failed(check.positive("C9", "r", {"H", "S"})) ||
      failed(check.shape("C2", "k", op.getK(), {"B", "T", "H", "S"})) ||
      failed(check.shape("C2", "v", op.getV(), {"B", "T", "H", "S"})) ||
      failed(check.shape("C2", "w", op.getW(), {"B", "T", "H", "S"})) ||
      failed(check.shape("C3", "u", op.getU(), {"H", "S"})) ||
      failed(check.f32("C3", "u", op.getU())))
    return failure();
  FailureOr<StringRef> batch = checkPacked(check, "C10", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C4", "initial_state", init,
                           {*batch, "H", "S", "S"})) ||
        failed(check.f32("C4", "initial_state", init)))
      return failure();
  if (failed(check.activations("C5", {{"r", op.getR()},
                                      {"k", op.getK()},
                                      {"v", op.getV()},
                                      {"w", op.getW()}})))
    return failure();
  if (failed(checkFiniteScale(check, "C6", op.getScale())))
    return failure();
  if (failed(checkForm(check, "C7", "C8", op.getForm(), op.getChunkSize(),
                       &Wkv6Op::supportsForm)))
    return failure();
  return results(types, op.getV(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "H", "S", "S"}));
}

//===----------------------------------------------------------------------===//
// Wkv7Op
//===----------------------------------------------------------------------===//

RecurrenceSignature Wkv7Op::getRecurrenceSignature() {
  auto r = dims(getR()), v = dims(getV());
  RecurrenceSignature sig = headWise(packedBatch(getCuSeqlens(), v[0]), v[2],
                                     v[1], v[3], v[3], getV());
  sig.groups = divideOrDynamic(v[2], r[2]);
  sig.decay = DecayKind::perKey;
  sig.rankOne = true;
  return sig;
}

static LogicalResult inferWkv7(MLIRContext *ctx, std::optional<Location> loc,
                               Wkv7Op::Adaptor op,
                               SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "r", op.getR(), {"B", "T", "Hk", "S"})) ||
      failed(check.positive("C7", "r", {"Hk", "S"})))
    return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"w", op.getW()},
                             {"k", op.getK()},
                             {"v", op.getV()},
                             {"a", op.getA()},
                             {"b", op.getB()}})
    if (failed(check.shape("C2", name, value, {"B", "T", "H", "S"})))
      return failure();
  if (failed(check.positive("C7", "w", {"H"})) ||
      failed(check.divides("C2", "w", "H", "Hk")))
    return failure();
  FailureOr<StringRef> batch = checkPacked(check, "C9", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C3", "initial_state", init,
                           {*batch, "H", "S", "S"})) ||
        failed(check.f32("C3", "initial_state", init)))
      return failure();
  if (failed(check.activations("C4", {{"r", op.getR()},
                                      {"w", op.getW()},
                                      {"k", op.getK()},
                                      {"v", op.getV()},
                                      {"a", op.getA()},
                                      {"b", op.getB()}})) ||
      failed(checkForm(check, "C5", "C6", op.getForm(), op.getChunkSize(),
                       &Wkv7Op::supportsForm)))
    return failure();
  if (failed(checkFiniteScale(check, "C8", op.getScale())))
    return failure();
  return results(types, op.getV(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "H", "S", "S"}));
}

//===----------------------------------------------------------------------===//
// GatedDeltaOp
//===----------------------------------------------------------------------===//

RecurrenceSignature GatedDeltaOp::getRecurrenceSignature() {
  // (I - beta k k^T) D S = D S + b (a^T S) with a = D k, b = -beta k.
  auto q = dims(getQ()), v = dims(getV());
  RecurrenceSignature sig = headWise(packedBatch(getCuSeqlens(), v[0]), v[2],
                                     q[1], q[3], v[3], getV());
  sig.groups = divideOrDynamic(v[2], q[2]);
  if (Value gate = getGate())
    sig.decay = dims(gate).size() == 4 ? DecayKind::perKey : DecayKind::perToken;
  sig.rankOne = true;
  sig.deltaRule = true;
  return sig;
}

float GatedDeltaOp::getScaleOrDefault() {
  return scaleOrDefault(getScale(), getQ());
}

static LogicalResult inferGatedDelta(MLIRContext *ctx,
                                     std::optional<Location> loc,
                                     GatedDeltaOp::Adaptor op,
                                     SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "q", op.getQ(), {"B", "T", "H", "K"})) ||
      failed(check.positive("C12", "q", {"H", "K"})) ||
      failed(check.shape("C2", "k", op.getK(), {"B", "T", "H", "K"})) ||
      failed(check.shape("C3", "v", op.getV(), {"B", "T", "HV", "V"})) ||
      failed(check.positive("C12", "v", {"HV", "V"})) ||
      failed(check.divides("C3", "v", "HV", "H")) ||
      failed(check.shape("C4", "beta", op.getBeta(), {"B", "T", "HV"})))
    return failure();
  Value gate = op.getGate();
  bool perKeyGate = false;
  if (gate) {
    perKeyGate = cast<ShapedType>(gate.getType()).getRank() == 4;
    if (failed(check.shape("C5", "gate", gate,
                           perKeyGate ? ArrayRef<StringRef>{"B", "T", "HV", "K"}
                                      : ArrayRef<StringRef>{"B", "T", "HV"})))
      return failure();
  }
  Value aLog = op.getALog(), dtBias = op.getDtBias();
  if (static_cast<bool>(aLog) != static_cast<bool>(dtBias))
    return check.fail("C6", "'A_log' and 'dt_bias' come together");
  if (aLog) {
    if (!gate)
      return check.fail("C6", "'A_log' and 'dt_bias' need 'gate'");
    bool perKeyBias = cast<ShapedType>(dtBias.getType()).getRank() == 2;
    if (failed(check.shape("C6", "A_log", aLog, {"HV"})) ||
        failed(check.f32("C6", "A_log", aLog)) ||
        failed(check.shape("C6", "dt_bias", dtBias,
                           perKeyGate && perKeyBias
                               ? ArrayRef<StringRef>{"HV", "K"}
                               : ArrayRef<StringRef>{"HV"})) ||
        failed(check.f32("C6", "dt_bias", dtBias)))
      return failure();
  }
  FailureOr<StringRef> batch = checkPacked(check, "C13", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C7", "initial_state", init,
                           {*batch, "HV", "K", "V"})) ||
        failed(check.f32("C7", "initial_state", init)))
      return failure();
  if (failed(check.activations("C8", {{"q", op.getQ()},
                                      {"k", op.getK()},
                                      {"v", op.getV()},
                                      {"beta", op.getBeta()},
                                      {"gate", gate}})))
    return failure();
  if (failed(checkScale(check, "C9", op.getScale())))
    return failure();
  if (failed(checkForm(check, "C10", "C11", op.getForm(), op.getChunkSize(),
                       &GatedDeltaOp::supportsForm)))
    return failure();
  return results(types, op.getV(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "HV", "K", "V"}));
}

//===----------------------------------------------------------------------===//
// SsdOp
//===----------------------------------------------------------------------===//

RecurrenceSignature SsdOp::getRecurrenceSignature() {
  // q = Cm, k = Bm, v = dt' x, one log-decay dt' A per head and token.
  auto x = dims(getX()), bm = dims(getBm());
  RecurrenceSignature sig = headWise(packedBatch(getCuSeqlens(), x[0]), x[2],
                                     x[1], bm[3], x[3], getX());
  sig.groups = divideOrDynamic(x[2], bm[2]);
  sig.decay = DecayKind::perToken;
  return sig;
}

static LogicalResult inferSsd(MLIRContext *ctx, std::optional<Location> loc,
                              SsdOp::Adaptor op, SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "x", op.getX(), {"B", "T", "H", "P"})) ||
      failed(check.positive("C13", "x", {"H", "P"})) ||
      failed(check.shape("C2", "dt", op.getDt(), {"B", "T", "H"})) ||
      failed(check.shape("C3", "A", op.getA(), {"H"})) ||
      failed(check.f32("C3", "A", op.getA())) ||
      failed(check.shape("C4", "Bm", op.getBm(), {"B", "T", "G", "N"})) ||
      failed(check.positive("C13", "Bm", {"G", "N"})) ||
      failed(check.shape("C4", "Cm", op.getCm(), {"B", "T", "G", "N"})) ||
      failed(check.divides("C4", "Bm", "H", "G")))
    return failure();
  if (Value d = op.getD()) {
    bool perChannel = cast<ShapedType>(d.getType()).getRank() == 2;
    if (failed(check.shape("C5", "D", d,
                           perChannel ? ArrayRef<StringRef>{"H", "P"}
                                      : ArrayRef<StringRef>{"H"})) ||
        failed(check.f32("C5", "D", d)))
      return failure();
  }
  if (Value z = op.getZ())
    if (failed(check.shape("C6", "z", z, {"B", "T", "H", "P"})))
      return failure();
  if (Value bias = op.getDtBias())
    if (failed(check.shape("C7", "dt_bias", bias, {"H"})) ||
        failed(check.f32("C7", "dt_bias", bias)))
      return failure();
  FailureOr<StringRef> batch = checkPacked(check, "C14", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(check.shape("C8", "initial_state", init,
                           {*batch, "H", "N", "P"})) ||
        failed(check.f32("C8", "initial_state", init)))
      return failure();
  if (failed(check.activations("C9", {{"x", op.getX()},
                                      {"dt", op.getDt()},
                                      {"Bm", op.getBm()},
                                      {"Cm", op.getCm()},
                                      {"z", op.getZ()}})))
    return failure();
  if (std::optional<ArrayRef<float>> limit = op.getDtLimit()) {
    if (limit->size() != 2)
      return check.fail("C10", "'dt_limit' must have 2 entries [lo, hi], got " +
                                   Twine(limit->size()));
    float lo = (*limit)[0], hi = (*limit)[1];
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
      return check.fail("C10", "'dt_limit' must be [lo, hi] with lo <= hi, "
                               "got [" +
                                   std::to_string(lo) + ", " +
                                   std::to_string(hi) + "]");
  }
  if (failed(checkForm(check, "C11", "C12", op.getForm(), op.getChunkSize(),
                       &SsdOp::supportsForm)))
    return failure();
  return results(types, op.getX(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "H", "N", "P"}));
}

//===----------------------------------------------------------------------===//
// CausalConv1dOp
//===----------------------------------------------------------------------===//

static LogicalResult inferCausalConv1d(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       CausalConv1dOp::Adaptor op,
                                       SmallVectorImpl<Type> &types) {
  ShapeChecker check(loc);
  if (failed(check.shape("C1", "x", op.getX(), {"B", "T", "C"})) ||
      failed(check.positive("C6", "x", {"C"})) ||
      failed(check.shape("C2", "weight", op.getWeight(), {"C", "W"})) ||
      failed(check.positive("C6", "weight", {"W"})))
    return failure();
  Value bias = op.getBias();
  if (bias && failed(check.shape("C3", "bias", bias, {"C"})))
    return failure();
  int64_t W = check.get("W");
  check.bind("W - 1", ShapedType::isDynamic(W) ? W : W - 1);
  FailureOr<StringRef> batch = checkPacked(check, "C7", op.getCuSeqlens());
  if (failed(batch))
    return failure();
  if (Value init = op.getInitialState())
    if (failed(
            check.shape("C4", "initial_state", init, {*batch, "C", "W - 1"})) ||
        failed(check.f32("C4", "initial_state", init)))
      return failure();
  if (failed(check.activations("C5", {{"x", op.getX()}})))
    return failure();
  Type act = getElementTypeOrSelf(op.getX().getType());
  if (failed(check.f32OrType("C5", "weight", op.getWeight(), act, "x")) ||
      (bias && failed(check.f32OrType("C5", "bias", bias, act, "x"))))
    return failure();
  return results(types, op.getX(), op.getWithFinalState(),
                 check.stateType(ctx, {*batch, "C", "W - 1"}));
}

// The interface's entry point of each op forwards to its checker.
#define LINEA_INFER_RETURN_TYPES(OpTy, infer)                                  \
  LogicalResult OpTy::inferReturnTypes(                                        \
      MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,      \
      DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,       \
      SmallVectorImpl<Type> &types) {                                          \
    return inferWithMergedAttrs<OpTy>(ctx, loc, operands, attrs, props,        \
                                      regions, types, infer);                  \
  }
LINEA_INFER_RETURN_TYPES(LinearAttentionOp, inferLinearAttention)
LINEA_INFER_RETURN_TYPES(SelectiveScanOp, inferSelectiveScan)
LINEA_INFER_RETURN_TYPES(Wkv4Op, inferWkv4)
LINEA_INFER_RETURN_TYPES(Wkv6Op, inferWkv6)
LINEA_INFER_RETURN_TYPES(Wkv7Op, inferWkv7)
LINEA_INFER_RETURN_TYPES(GatedDeltaOp, inferGatedDelta)
LINEA_INFER_RETURN_TYPES(SsdOp, inferSsd)
LINEA_INFER_RETURN_TYPES(CausalConv1dOp, inferCausalConv1d)
#undef LINEA_INFER_RETURN_TYPES

#define GET_OP_CLASSES
#include "linea/Dialect/Linea/IR/LineaOps.cpp.inc"

#include "linea/Dialect/Linea/IR/LineaInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Dimension roles
//===----------------------------------------------------------------------===//

Value mlir::linea::getPackedOffsets(Operation *op) {
  if (auto recurrence = dyn_cast<RecurrenceOpInterface>(op))
    return recurrence.getCuSeqlensValue();
  if (auto conv = dyn_cast<CausalConv1dOp>(op))
    return conv.getCuSeqlens();
  return Value();
}

DimRole mlir::linea::getDimRole(Operation *op, Value tensor, unsigned dim) {
  Value initial, final, offsets = getPackedOffsets(op);
  if (auto recurrence = dyn_cast<RecurrenceOpInterface>(op)) {
    initial = recurrence.getInitialStateValue();
    final = recurrence.getFinalStateValue();
  } else if (auto conv = dyn_cast<CausalConv1dOp>(op)) {
    initial = conv.getInitialState();
    final = conv.getWithFinalState() ? conv->getResult(1) : Value();
  }
  if (tensor && (tensor == initial || tensor == final))
    return dim == 0 ? DimRole::batch : DimRole::other;
  if (tensor && tensor == offsets)
    return DimRole::offsets;
  unsigned rank = cast<RankedTensorType>(tensor.getType()).getRank();
  if (rank < 3)
    return DimRole::other;
  unsigned tokenDim = isa<SelectiveScanOp>(op) ? rank - 1 : 1;
  if (dim == 0)
    return offsets ? DimRole::other : DimRole::batch;
  return dim == tokenDim ? DimRole::sequence : DimRole::other;
}

Value LinearAttentionOp::getCuSeqlensValue() { return getCuSeqlens(); }
Value Wkv6Op::getCuSeqlensValue() { return getCuSeqlens(); }
Value Wkv7Op::getCuSeqlensValue() { return getCuSeqlens(); }
Value GatedDeltaOp::getCuSeqlensValue() { return getCuSeqlens(); }
Value SsdOp::getCuSeqlensValue() { return getCuSeqlens(); }
Value Wkv4Op::getCuSeqlensValue() { return getCuSeqlens(); }
