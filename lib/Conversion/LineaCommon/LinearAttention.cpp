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
    B = qs[0], T = qs[1], Hk = qs[2], K = qs[3], H = vs[2], V = vs[3];
    q = e.toBuffer(op.getQ());
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
    state = e.alloc({B, H, K, V}, e.builder().getF32Type());
  }

  bool decayed() const { return gate || decay; }

  /// Reads for slice (b, h); `hk` is the query/key head of h.
  Value query(LoopEmitter &e, Value b, Value hk, Value t, Value i) const {
    return e.mul(e.f32(scale),
                 featureMap(e, op.getFeatureMap(), e.load(q, {b, t, hk, i})));
  }
  Value key(LoopEmitter &e, Value b, Value hk, Value t, Value i) const {
    return featureMap(e, op.getFeatureMap(), e.load(k, {b, t, hk, i}));
  }
  Value value(LoopEmitter &e, Value b, Value h, Value t, Value j) const {
    return e.load(v, {b, t, h, j});
  }
  /// log a_t for key i (i is ignored unless the gate is per key).
  Value logDecay(LoopEmitter &e, Value b, Value h, Value t, Value i) const {
    Value g;
    if (gate)
      g = perKeyGate ? e.load(gate, {b, t, h, i}) : e.load(gate, {b, t, h});
    if (decay) {
      Value d = e.load(decay, {h});
      g = g ? e.add(g, d) : d;
    }
    return g;
  }

  mutable LinearAttentionOp op;
  int64_t B, T, Hk, K, H, V;
  Value q, k, v, gate, init, decay, output, state;
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
    s.query = [&, b, hk](LoopEmitter &x, Value t, Value i) {
      return la.query(x, b, hk, t, i);
    };
    s.key = [&, b, hk](LoopEmitter &x, Value t, Value i) {
      return la.key(x, b, hk, t, i);
    };
    s.value = [&, b, h](LoopEmitter &x, Value t, Value j) {
      return la.value(x, b, h, t, j);
    };
    if (la.decayed()) {
      s.logDecay = [&, b, h](LoopEmitter &x, Value t, Value i) {
        return la.logDecay(x, b, h, t, i);
      };
    }
    s.storeOutput = [&, b, h](LoopEmitter &x, Value t, Value j, Value o) {
      x.store(o, la.output, {b, t, h, j});
    };
    s.valueRow = [&, b, h](LoopEmitter &x, Value t) {
      return x.loadRow(la.v, {b, t, h, x.index(0)}, la.V);
    };
    s.storeOutputRow = [&, b, h](LoopEmitter &x, Value t, Value o) {
      x.storeRow(o, la.output, {b, t, h, x.index(0)});
    };
    s.prefetchToken = [&, b, h, hk](LoopEmitter &x, Value t) {
      Value zero = x.index(0);
      x.prefetchRow(la.q, {b, t, hk, zero}, la.K);
      x.prefetchRow(la.k, {b, t, hk, zero}, la.K);
      x.prefetchRow(la.v, {b, t, h, zero}, la.V);
      if (la.perKeyGate)
        x.prefetchRow(la.gate, {b, t, h, zero}, la.K);
      x.prefetchRow(la.output, {b, t, h, zero}, la.V, /*forWrite=*/true);
    };
    s.state = la.state;
    s.initialState = la.init;
    s.stateIndex = [b, h](Value i, Value j) {
      return SmallVector<Value>{b, h, i, j};
    };
  };
  bool causal = la.op.getCausal();
  // Without causality there is one chunk: the recurrent form serves it.
  if (form == Form::recurrent || (form == Form::chunked && !causal))
    chunk = 0;
  else if (form == Form::quadratic)
    chunk = la.T;
  emitSlices(e, la.op.getRecurrenceSignature(), chunk, build);
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
