//===- LinearAttentionToLoops.cpp - linear_attention on the CPU -----------===//
//
// Maps linear attention onto the shared recurrence (recurrent form) and
// emits its quadratic form: scores q_t . k_s weighted by the decay between
// s and t, then times V.
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

void emitRecurrent(LoopEmitter &e, const LinearAttention &la) {
  e.parallel({la.B, la.H}, [&](LoopEmitter &pe, ValueRange ivs) {
    Value b = ivs[0], h = ivs[1];
    Value hk = pe.indexDiv(h, la.H / la.Hk);
    RecurrenceSlice s;
    s.tokens = la.T, s.keyDim = la.K, s.valueDim = la.V;
    s.causal = la.op.getCausal();
    s.normalize = la.op.getNormalize();
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
      s.decayPerKey = la.perKeyGate;
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
    emitRecurrentSlice(pe, s);
  });
}

/// The quadratic form, per slice: o_t = sum_{s<=t} (q_t . (k_s * D(s, t)))
/// v_s + (q_t * D(-1, t)) S_0, with the decay D(s, t) = exp(sum_{s<r<=t}
/// log a_r). The sum is kept running while s walks down from t, so it is
/// exact however large the gates: a cumulative sum from the sequence start
/// would subtract two huge numbers and lose the small difference.
void emitQuadratic(LoopEmitter &e, const LinearAttention &la) {
  bool causal = la.op.getCausal(), normalize = la.op.getNormalize();
  bool decayed = la.decayed();
  int64_t kg = la.perKeyGate ? la.K : 1;
  e.parallel({la.B, la.H}, [&](LoopEmitter &pe, ValueRange ivs) {
    Value b = ivs[0], h = ivs[1];
    Value hk = pe.indexDiv(h, la.H / la.Hk);
    Value acc = pe.alloca({la.V});
    Value logDecay = pe.alloca({kg});
    auto decayOf = [&](LoopEmitter &x, Value i) {
      return x.exp(x.load(logDecay, {la.perKeyGate ? i : x.index(0)}));
    };
    // Moves the decay window past token s: log D += log a_s.
    auto extend = [&](LoopEmitter &x, Value s) {
      x.loop(kg, [&](LoopEmitter &xi, Value i) {
        Value sum = xi.add(xi.load(logDecay, {i}), la.logDecay(xi, b, h, s, i));
        xi.store(sum, logDecay, {i});
      });
    };
    pe.loop(la.T, [&](LoopEmitter &et, Value t) {
      et.fill(acc, {la.V}, et.f32(0.0));
      et.fill(logDecay, {kg}, et.f32(0.0));
      Value count =
          causal
              ? arith::AddIOp::create(et.builder(), t, et.index(1)).getResult()
              : et.index(la.T);
      SmallVector<Value> den = et.loop(
          et.index(0), count, {et.f32(0.0)},
          [&](LoopEmitter &es, Value r,
              ValueRange carried) -> SmallVector<Value> {
            Value s =
                causal ? arith::SubIOp::create(es.builder(), t, r).getResult()
                       : r;
            SmallVector<Value> dot =
                es.loop(la.K, {es.f32(0.0)},
                        [&](LoopEmitter &ei, Value i,
                            ValueRange d) -> SmallVector<Value> {
                          Value term = ei.mul(la.query(ei, b, hk, t, i),
                                              la.key(ei, b, hk, s, i));
                          if (decayed && la.perKeyGate)
                            term = ei.mul(term, decayOf(ei, i));
                          return {ei.add(d[0], term)};
                        });
            Value score = dot[0];
            if (decayed && !la.perKeyGate)
              score = es.mul(score, decayOf(es, Value()));
            es.loop(la.V, [&](LoopEmitter &ej, Value j) {
              Value a = ej.load(acc, {j});
              ej.store(ej.add(a, ej.mul(score, la.value(ej, b, h, s, j))), acc,
                       {j});
            });
            if (decayed)
              extend(es, s);
            return {es.add(carried[0], score)};
          });
      // The window now covers tokens 0..t: the initial state's decay.
      if (la.init)
        et.loop(la.K, [&](LoopEmitter &ei, Value i) {
          Value w = la.query(ei, b, hk, t, i);
          if (decayed)
            w = ei.mul(w, decayOf(ei, i));
          ei.loop(la.V, [&](LoopEmitter &ej, Value j) {
            Value s0 = ej.load(la.init, {b, h, i, j});
            ej.store(ej.add(ej.load(acc, {j}), ej.mul(w, s0)), acc, {j});
          });
        });
      Value denom = normalize ? et.add(den[0], et.f32(1e-6)) : Value();
      et.loop(la.V, [&](LoopEmitter &ej, Value j) {
        Value o = ej.load(acc, {j});
        ej.store(denom ? ej.div(o, denom) : o, la.output, {b, t, h, j});
      });
    });
    if (!la.op.getWithFinalState())
      return;
    // S_T = sum_s D(s, T-1) k_s v_s^T + D(-1, T-1) S_0, s from T-1 down.
    pe.fill(logDecay, {kg}, pe.f32(0.0));
    pe.loop(la.K, [&](LoopEmitter &ei, Value i) {
      ei.loop(la.V, [&](LoopEmitter &ej, Value j) {
        ej.store(ej.f32(0.0), la.state, {b, h, i, j});
      });
    });
    pe.loop(la.T, [&](LoopEmitter &er, Value r) {
      Value s = arith::SubIOp::create(er.builder(), er.index(la.T - 1), r);
      er.loop(la.K, [&](LoopEmitter &ei, Value i) {
        Value ki = la.key(ei, b, hk, s, i);
        if (decayed)
          ki = ei.mul(ki, decayOf(ei, i));
        ei.loop(la.V, [&](LoopEmitter &ej, Value j) {
          Value sij = ej.load(la.state, {b, h, i, j});
          ej.store(ej.add(sij, ej.mul(ki, la.value(ej, b, h, s, j))), la.state,
                   {b, h, i, j});
        });
      });
      if (decayed)
        extend(er, s);
    });
    if (la.init)
      pe.loop(la.K, [&](LoopEmitter &ei, Value i) {
        Value d = decayed ? decayOf(ei, i) : ei.f32(1.0);
        ei.loop(la.V, [&](LoopEmitter &ej, Value j) {
          Value sij = ej.load(la.state, {b, h, i, j});
          Value s0 = ej.load(la.init, {b, h, i, j});
          ej.store(ej.add(sij, ej.mul(d, s0)), la.state, {b, h, i, j});
        });
      });
  });
}

struct LinearAttentionToLoops : public OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<Form> form =
        loweredForm(op, rewriter, {Form::recurrent, Form::quadratic});
    if (failed(form))
      return failure();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    LoopEmitter e(b);
    LinearAttention la(op, e);
    if (*form == Form::quadratic)
      emitQuadratic(e, la);
    else
      emitRecurrent(e, la);
    replaceWithBuffers(op, rewriter, e, la.output, la.state);
    return success();
  }
};

} // namespace

void mlir::linea::populateLinearAttentionToLoopsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearAttentionToLoops>(patterns.getContext());
}
