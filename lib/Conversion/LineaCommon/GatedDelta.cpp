//===- GatedDelta.cpp - The gated delta rule on the shared core -----------===//
//
// (I - beta_t k_t k_t^T) D_t S_{t-1} + beta_t k_t v_t^T is the core's
// rank-one transition (D_t + b_t a_t^T) S_{t-1} + k'_t v_t^T with
// a_t = D_t k_t, b_t = -beta_t k_t and k'_t = beta_t k_t; o_t = scale q_t S_t.
// Every form and target comes from the core; this file holds the op's
// maths: the L2 norms of q and k, the gate prologue, the terms above.
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
    int64_t B = qs[0], T = qs[1], H = qs[2], K = qs[3], HV = vs[2],
            V = vs[3];
    Value q = e.toBuffer(op.getQ()), k = e.toBuffer(op.getK());
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
    Value state = e.alloc({B, HV, K, V}, f32);

    // With use_qk_l2norm: 1 / |q_t| and 1 / |k_t| per (batch, token, head),
    // computed once before the recurrence (every form reads q and k more
    // than once per token).
    Value qNorm, kNorm;
    if (op.getUseQkL2norm()) {
      qNorm = e.alloc({B, T, H}, f32);
      kNorm = e.alloc({B, T, H}, f32);
      e.parallel({B, T, H}, [&](LoopEmitter &pe, ValueRange ivs) {
        for (std::pair<Value, Value> rows :
             {std::pair{q, qNorm}, std::pair{k, kNorm}}) {
          Value x = rows.first, norm = rows.second;
          Value sum = pe.loop(K, {pe.f32(0.0)},
                              [&](LoopEmitter &ei, Value i,
                                  ValueRange c) -> SmallVector<Value> {
                                Value xi =
                                    ei.load(x, {ivs[0], ivs[1], ivs[2], i});
                                return {ei.fma(xi, xi, c[0])};
                              })[0];
          pe.store(pe.rsqrt(pe.add(sum, pe.f32(kL2NormEps))), norm, ivs);
        }
      });
    }

    auto build = [&, qNorm, kNorm](LoopEmitter &pe, ValueRange ivs,
                                   RecurrenceSlice &s) {
      Value b = ivs[0], hv = ivs[1];
      Value h = pe.indexDiv(hv, HV / H);
      // q and k of token t, normalized where asked.
      auto unit = [b, h](Value x, Value norm) {
        return [x, norm, b, h](LoopEmitter &y, Value t, Value i) {
          Value xi = y.load(x, {b, t, h, i});
          return norm ? y.mul(xi, y.load(norm, {b, t, h})) : xi;
        };
      };
      auto qHat = unit(q, qNorm), kHat = unit(k, kNorm);
      auto betaAt = [beta, b, hv](LoopEmitter &y, Value t) {
        return y.load(beta, {b, t, hv});
      };
      // The log-decay of key i at token t (i ignored for a per-head gate),
      // through the gate prologue where A_log and dt_bias are given.
      auto logDecay = [=](LoopEmitter &y, Value t, Value i) {
        Value g = perKeyGate ? y.load(gate, {b, t, hv, i})
                             : y.load(gate, {b, t, hv});
        if (!aLog)
          return g;
        Value x = y.add(g, perKeyBias ? y.load(dtBias, {hv, i})
                                      : y.load(dtBias, {hv}));
        Value softplus =
            y.select(y.greater(x, y.f32(20.0)), x, y.log1p(y.exp(x)));
        return y.mul(y.neg(y.exp(y.load(aLog, {hv}))), softplus);
      };
      s.query = TokenOperand::computed(
          [qHat, scale](LoopEmitter &y, Value t, Value i) {
            return y.mul(y.f32(scale), qHat(y, t, i));
          });
      s.key = TokenOperand::computed(
          [kHat, betaAt](LoopEmitter &y, Value t, Value i) {
            return y.mul(betaAt(y, t), kHat(y, t, i));
          });
      s.value = TokenOperand::entries(v, {b}, {hv});
      if (gate)
        s.logDecay = TokenOperand::computed(logDecay);
      s.rankOneA = TokenOperand::computed(
          [=](LoopEmitter &y, Value t, Value i) {
            Value ki = kHat(y, t, i);
            return gate ? y.mul(y.exp(logDecay(y, t, i)), ki) : ki;
          });
      s.rankOneB = TokenOperand::computed(
          [kHat, betaAt](LoopEmitter &y, Value t, Value i) {
            return y.neg(y.mul(betaAt(y, t), kHat(y, t, i)));
          });
      s.storeOutput = TokenResult::entries(output, {b}, {hv});
      s.state = state;
      s.initialState = init;
      s.stateLead = {b, hv};
    };
    emitSlices(e, op.getRecurrenceSignature(), chunkFor(op, form), build);
    return {output, state};
  }
};

} // namespace

void mlir::linea::populateGatedDeltaPatterns(RewritePatternSet &patterns,
                                             const TargetInfo &target) {
  patterns.add<GatedDeltaLowering>(patterns.getContext(), target);
}
