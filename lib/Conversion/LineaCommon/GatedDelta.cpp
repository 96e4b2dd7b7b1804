//===- GatedDelta.cpp - The gated delta rule on the shared core -----------===//
//
// (I - beta_t k_t k_t^T) D_t S_{t-1} + beta_t k_t v_t^T is the core's
// rank-one transition (D_t + b_t a_t^T) S_{t-1} + k'_t v_t^T with
// a_t = D_t k_t, b_t = -beta_t k_t and k'_t = beta_t k_t; o_t = scale q_t S_t.
// Every form and target comes from the core; this file holds the op's
// maths: the L2 norms of q and k, the gate prologue, the terms above,
// computed per token before the recurrence. The slice also names k^ and
// beta: the CPU's chunks solve the delta rule by the WY representation.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"
#include "TargetInfo.h"

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

/// fla's l2norm: x / sqrt(sum(x^2) + eps).
constexpr double kL2NormEps = 1e-6;

struct GatedDeltaLowering : public Lowering<GatedDeltaOp> {
  GatedDeltaLowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(GatedDeltaOp op, Form form, LoopEmitter &e) const override {
    ArrayRef<int64_t> qs = shapeOf(op.getQ()), vs = shapeOf(op.getV());
    int64_t H = qs[2], K = qs[3], HV = vs[2], V = vs[3];
    Value q = e.toBuffer(op.getQ()), k = e.toBuffer(op.getK());
    Extent B = e.dim(q, 0), T = e.dim(q, 1);
    Value offsets = bufferOrNull(e, op.getCuSeqlens());
    Extent N = stateBatch(e, B, offsets);
    Value v = e.toBuffer(op.getV()), beta = e.toBuffer(op.getBeta());
    Value gate = bufferOrNull(e, op.getGate());
    Value aLog = bufferOrNull(e, op.getALog());
    Value dtBias = bufferOrNull(e, op.getDtBias());
    Value init = bufferOrNull(e, op.getInitialState());
    bool perKeyGate = gate && shapeOf(op.getGate()).size() == 4;
    bool perKeyBias = dtBias && shapeOf(op.getDtBias()).size() == 2;
    float scale = op.getScaleOrDefault();
    Type f32 = e.builder().getF32Type();
    Value output = e.alloc({B, T, HV, V}, getElementTypeOrSelf(v.getType()));
    Value state = e.alloc({N, HV, K, V}, f32);

    // The op's maths runs once per token, before the recurrence, into f32
    // rows the core reads as plain layouts (every form reads each entry more
    // than once per token, and the CPU's recurrent form then keeps its
    // per-key work to loads):
    //   q^ = scale q / |q|            [B, T, H, K]   (|q| = 1 without the norm)
    //   k' = beta k^, a = D k^, b = -beta k^   [B, T, HV, K]
    //   the log-decay through the gate prologue  [B, T, HV(, K)]
    Value qHat = e.alloc({B, T, H, K}, f32);
    // k^ = k / |k| (k without the norm) [B, T, H, K]: the WY chunks' keys.
    Value kHat = e.alloc({B, T, H, K}, f32);
    Value keyRows = e.alloc({B, T, HV, K}, f32);
    Value aRows = e.alloc({B, T, HV, K}, f32);
    Value bRows = e.alloc({B, T, HV, K}, f32);
    Value logDecay = gate;
    if (aLog)
      logDecay = perKeyGate ? e.alloc({B, T, HV, K}, f32)
                            : e.alloc({B, T, HV}, f32);
    bool l2norm = op.getUseQkL2norm();
    // 1 / sqrt(sum(x^2) + eps) of row (b, t, h) of x, or null.
    auto inverseNorm = [&](LoopEmitter &x, Value buf, Value b, Value t,
                           Value h) -> Value {
      if (!l2norm)
        return nullptr;
      Value sum = x.loop(K, {x.f32(0.0)},
                         [&](LoopEmitter &ei, Value i,
                             ValueRange c) -> SmallVector<Value> {
                           Value xi = ei.load(buf, {b, t, h, i});
                           return {ei.fma(xi, xi, c[0])};
                         })[0];
      return x.rsqrt(x.add(sum, x.f32(kL2NormEps)));
    };
    e.parallel({B, T, H}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], t = ivs[1], h = ivs[2];
      Value norm = inverseNorm(pe, q, b, t, h);
      Value factor = norm ? pe.mul(pe.f32(scale), norm) : pe.f32(scale);
      Value keyNorm = inverseNorm(pe, k, b, t, h);
      pe.loop(K, [&](LoopEmitter &ei, Value i) {
        SmallVector<Value> at{b, t, h, i};
        ei.store(ei.mul(factor, ei.load(q, at)), qHat, at);
        Value ki = ei.load(k, at);
        ei.store(keyNorm ? ei.mul(ki, keyNorm) : ki, kHat, at);
      });
    });
    // -exp(A_log) softplus(g + dt_bias).
    auto prologue = [&](LoopEmitter &y, Value g, Value hv, Value i) {
      Value x = y.add(g, perKeyBias ? y.load(dtBias, {hv, i})
                                    : y.load(dtBias, {hv}));
      return y.mul(y.neg(y.exp(y.load(aLog, {hv}))), y.softplus(x));
    };
    e.parallel({B, T, HV}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value b = ivs[0], t = ivs[1], hv = ivs[2];
      Value h = pe.indexDiv(hv, HV / H);
      Value bt = pe.load(beta, {b, t, hv});
      Value tokenDecay;
      if (gate && !perKeyGate) {
        Value g = pe.load(gate, {b, t, hv});
        if (aLog) {
          g = prologue(pe, g, hv, Value());
          pe.store(g, logDecay, {b, t, hv});
        }
        tokenDecay = pe.exp(g);
      }
      pe.loop(K, [&](LoopEmitter &ei, Value i) {
        SmallVector<Value> at{b, t, hv, i};
        Value ki = ei.load(kHat, {b, t, h, i});
        Value key = ei.mul(bt, ki);
        ei.store(key, keyRows, at);
        ei.store(ei.neg(key), bRows, at);
        Value d = tokenDecay;
        if (perKeyGate) {
          Value g = ei.load(gate, at);
          if (aLog) {
            g = prologue(ei, g, hv, i);
            ei.store(g, logDecay, at);
          }
          d = ei.exp(g);
        }
        ei.store(d ? ei.mul(d, ki) : ki, aRows, at);
      });
    });

    auto build = [&](LoopEmitter &pe, ValueRange ivs, RecurrenceSlice &s) {
      Value b = ivs[0], hv = ivs[1];
      Value h = pe.indexDiv(hv, HV / H);
      s.query = TokenOperand::entries(qHat, {b}, {h});
      s.key = TokenOperand::entries(keyRows, {b}, {hv});
      s.value = TokenOperand::entries(v, {b}, {hv});
      if (gate)
        s.logDecay = perKeyGate
                         ? TokenOperand::entries(logDecay, {b}, {hv})
                         : TokenOperand::perToken(logDecay, {b}, {hv});
      s.rankOneA = TokenOperand::entries(aRows, {b}, {hv});
      s.rankOneB = TokenOperand::entries(bRows, {b}, {hv});
      s.deltaKey = TokenOperand::entries(kHat, {b}, {h});
      s.deltaBeta = TokenOperand::perToken(beta, {b}, {hv});
      s.storeOutput = TokenResult::entries(output, {b}, {hv});
      s.state = state;
      s.initialState = init;
      s.stateLead = {b, hv};
    };
    emitSlices(e, op.getRecurrenceSignature(), {{N, HV}, T, offsets},
               chunkFor(op, form), build);
    return {output, state};
  }
};

} // namespace

void mlir::linea::populateGatedDeltaPatterns(RewritePatternSet &patterns,
                                             const TargetInfo &target) {
  patterns.add<GatedDeltaLowering>(patterns.getContext(), target);
}
