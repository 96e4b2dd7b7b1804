//===- LinearAttention.cpp - linear_attention on the shared core ----------===//
//
// Maps linear attention onto the shared recurrence: the recurrent, chunked
// and quadratic forms all come from the core.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

Value featureMap(LoopEmitter &e, FeatureMap map, Value x) {
  switch (map) {
  case FeatureMap::identity:
    return x;
  case FeatureMap::relu:
    return e.max(x, e.f32(0.0));
  case FeatureMap::elu_plus_one:
    // elu(x) + 1 = x + 1 for x > 0, exp(x) otherwise (exp of a clamped
    // argument, so the unselected branch never overflows).
    return e.select(
        e.greater(x, e.f32(0.0)), e.add(x, e.f32(1.0)),
        e.exp(arith::MinimumFOp::create(e.builder(), x, e.f32(0.0))));
  }
  llvm_unreachable("unknown feature map");
}

/// Buffers and sizes of one linear_attention op, and its operand reads.
struct LinearAttention {
  LinearAttention(LinearAttentionOp op, LoopEmitter &e) : op(op) {
    ArrayRef<int64_t> qs = shapeOf(op.getQ()), vs = shapeOf(op.getV());
    Hk = qs[2], K = qs[3], H = vs[2], V = vs[3];
    q = e.toBuffer(op.getQ());
    B = e.dim(q, 0), T = e.dim(q, 1);
    offsets = bufferOrNull(e, op.getCuSeqlens());
    N = stateBatch(e, B, offsets);
    k = e.toBuffer(op.getK());
    v = e.toBuffer(op.getV());
    gate = bufferOrNull(e, op.getGate());
    init = bufferOrNull(e, op.getInitialState());
    perKeyGate = gate && shapeOf(op.getGate()).size() == 4;
    if (std::optional<ArrayRef<float>> d = op.getDecay()) {
      auto type = RankedTensorType::get({H}, e.builder().getF32Type());
      Value cst = arith::ConstantOp::create(e.builder(),
                                            DenseElementsAttr::get(type, *d));
      decay = e.toBuffer(cst);
    }
    scale = op.getScaleOrDefault();
    output =
        e.alloc({B, T, H, V}, cast<ShapedType>(v.getType()).getElementType());
    state = e.alloc({N, H, K, V}, e.builder().getF32Type());
  }

  mutable LinearAttentionOp op;
  /// N: the states' batch (B, or a packed batch's sequences).
  Extent B = 0, T = 0, N = 0;
  int64_t Hk, K, H, V;
  Value q, k, v, gate, init, decay, output, state, offsets;
  bool perKeyGate = false;
  float scale;
};

/// Every form of linear attention on the shared core: one slice per
/// (batch, head); the chunked form with `chunk` tokens per chunk (the
/// quadratic form is one chunk of T).
void emitSlices(LoopEmitter &e, const LinearAttention &la, Form form,
                int64_t chunk) {
  auto build = [&](LoopEmitter &pe, ValueRange ivs, RecurrenceSlice &s) {
    Value b = ivs[0], h = ivs[1];
    Value hk = pe.indexDiv(h, la.H / la.Hk);
    FeatureMap map = la.op.getFeatureMap();
    float scale = la.scale;
    // q^ = scale * phi(q), k^ = phi(k).
    s.query = TokenOperand::entries(la.q, {b}, {hk},
                                    [map, scale](LoopEmitter &x, Value q) {
                                      return x.mul(x.f32(scale),
                                                   featureMap(x, map, q));
                                    });
    s.key = TokenOperand::entries(
        la.k, {b}, {hk},
        map == FeatureMap::identity
            ? ValueMap()
            : ValueMap([map](LoopEmitter &x, Value k) {
                return featureMap(x, map, k);
              }));
    s.value = TokenOperand::entries(la.v, {b}, {h});
    // log a_t = gate_t (per head or per key) + decay[h].
    Value decay = la.decay;
    ValueMap plusDecay;
    if (decay)
      plusDecay = [decay, h](LoopEmitter &x, Value g) {
        return x.add(g, x.load(decay, {h}));
      };
    if (la.gate && la.perKeyGate)
      s.logDecay = TokenOperand::entries(la.gate, {b}, {h}, plusDecay);
    else if (la.gate)
      s.logDecay = TokenOperand::perToken(la.gate, {b}, {h}, plusDecay);
    else if (decay)
      s.logDecay = TokenOperand::computed(
          [decay, h](LoopEmitter &x, Value, Value) {
            return x.load(decay, {h});
          });
    s.storeOutput = TokenResult::entries(la.output, {b}, {h});
    s.state = la.state;
    s.initialState = la.init;
    s.stateLead = {b, h};
  };
  bool causal = la.op.getCausal();
  // Without causality there is one chunk: the recurrent form serves it.
  if (form == Form::recurrent || (form == Form::chunked && !causal))
    chunk = 0;
  else if (form == Form::quadratic)
    chunk = quadraticChunk(la.T);
  emitSlices(e, la.op.getRecurrenceSignature(),
             {{la.N, la.H}, la.T, la.offsets}, chunk, build);
}

struct LinearAttentionLowering : public Lowering<LinearAttentionOp> {
  LinearAttentionLowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(LinearAttentionOp op, Form form,
                LoopEmitter &e) const override {
    LinearAttention la(op, e);
    emitSlices(e, la, form, chunkFor(op, form));
    return {la.output, la.state};
  }
};

} // namespace

void mlir::linea::populateLinearAttentionPatterns(
    RewritePatternSet &patterns, const TargetInfo &target) {
  patterns.add<LinearAttentionLowering>(patterns.getContext(), target);
}
