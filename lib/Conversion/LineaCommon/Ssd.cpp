//===- Ssd.cpp - Mamba-2's SSD on the shared core -------------------------===//
//
// h_t = exp(dt'_t A) h_{t-1} + Bm_t (dt'_t x_t)^T, y_t = Cm_t^T h_t is
// grouped linear attention with q = Cm, k = Bm, v = dt' x and one log-decay
// dt' A per head and token; every form and target comes from the core. This
// file holds the op's maths: dt' (bias, softplus, limits), computed once per
// token, and the output's store, which adds the skip D x and applies the
// gate silu(z) in f32 before the one rounding.
//
//===----------------------------------------------------------------------===//

#include "Lowerings.h"
#include "Patterns.h"
#include "RecurrenceCore.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include <cmath>

using namespace mlir;
using namespace mlir::linea;
using namespace mlir::linea::detail;

namespace {

struct SsdLowering : public Lowering<SsdOp> {
  SsdLowering(MLIRContext *context, const TargetInfo &target)
      : Lowering(context, target) {}

  Buffers lower(SsdOp op, Form form, LoopEmitter &e) const override {
    ArrayRef<int64_t> xs = shapeOf(op.getX()), bs = shapeOf(op.getBm());
    int64_t H = xs[2], P = xs[3], G = bs[2], stateSize = bs[3];
    Value x = e.toBuffer(op.getX()), dt = e.toBuffer(op.getDt());
    Extent B = e.dim(x, 0), T = e.dim(x, 1);
    Value offsets = bufferOrNull(e, op.getCuSeqlens());
    Extent N = stateBatch(e, B, offsets);
    Value A = e.toBuffer(op.getA());
    Value bm = e.toBuffer(op.getBm()), cm = e.toBuffer(op.getCm());
    Value skip = bufferOrNull(e, op.getD());
    Value z = bufferOrNull(e, op.getZ());
    Value bias = bufferOrNull(e, op.getDtBias());
    Value init = bufferOrNull(e, op.getInitialState());
    bool perChannelSkip = skip && shapeOf(op.getD()).size() == 2;
    Type f32 = e.builder().getF32Type();
    Value output = e.alloc({B, T, H, P}, getElementTypeOrSelf(x.getType()));
    Value state = e.alloc({N, H, stateSize, P}, f32);

    // dt' and the log-decay dt' A, once per token and head, in f32: every
    // form reads them for each of the P values (and the chunked forms more
    // than once).
    Value dtRows = e.alloc({B, T, H}, f32);
    Value logDecay = e.alloc({B, T, H}, f32);
    bool softplus = op.getDtSoftplus();
    float lo = -INFINITY, hi = INFINITY;
    if (std::optional<ArrayRef<float>> limit = op.getDtLimit())
      lo = (*limit)[0], hi = (*limit)[1];
    e.parallel({B, T, H}, [&](LoopEmitter &pe, ValueRange ivs) {
      Value h = ivs[2];
      Value d = pe.load(dt, ivs);
      if (bias)
        d = pe.add(d, pe.load(bias, {h}));
      if (softplus)
        d = pe.softplus(d);
      if (lo != -INFINITY)
        d = pe.max(d, pe.f32(lo));
      if (hi != INFINITY)
        d = arith::MinimumFOp::create(pe.builder(), d, pe.f32(hi));
      pe.store(d, dtRows, ivs);
      pe.store(pe.mul(d, pe.load(A, {h})), logDecay, ivs);
    });

    auto build = [&](LoopEmitter &pe, ValueRange ivs, RecurrenceSlice &s) {
      Value b = ivs[0], h = ivs[1];
      Value g = pe.indexDiv(h, H / G);
      s.query = TokenOperand::entries(cm, {b}, {g});
      s.key = TokenOperand::entries(bm, {b}, {g});
      // v_t = dt'_t x_t.
      s.value = TokenOperand::computed(
          [=](LoopEmitter &y, Value t, Value j) {
            return y.mul(y.load(dtRows, {b, t, h}), y.load(x, {b, t, h, j}));
          },
          [=](LoopEmitter &y, Value t) {
            return y.mul(y.splat(y.load(dtRows, {b, t, h}), P),
                         y.loadRow(x, {b, t, h, y.index(0)}, P));
          });
      s.logDecay = TokenOperand::perToken(logDecay, {b}, {h});
      // y_t = o_t + D x_t, times silu(z_t); `o` is entry j or, as a vector,
      // the row from j on.
      auto finish = [=](LoopEmitter &y, Value t, Value j, Value o) {
        auto row = dyn_cast<VectorType>(o.getType());
        auto read = [&](Value buf, ArrayRef<Value> at) {
          return row ? y.loadRow(buf, at, row.getNumElements())
                     : y.load(buf, at);
        };
        auto broadcast = [&](Value scalar) {
          return row ? y.splat(scalar, row.getNumElements()) : scalar;
        };
        if (skip) {
          Value d = perChannelSkip ? read(skip, {h, j})
                                   : broadcast(y.load(skip, {h}));
          o = y.fma(d, read(x, {b, t, h, j}), o);
        }
        if (z)
          o = y.mul(o, y.silu(read(z, {b, t, h, j})));
        if (row)
          y.storeRow(o, output, {b, t, h, j});
        else
          y.store(o, output, {b, t, h, j});
      };
      s.storeOutput = TokenResult::computedRows(
          finish, [=](LoopEmitter &y, Value t, Value o) {
            finish(y, t, y.index(0), o);
          });
      s.state = state;
      s.initialState = init;
      s.stateLead = {b, h};
    };
    int64_t chunk = chunkFor(op, form);
    if (form == Form::quadratic)
      chunk = quadraticChunk(T);
    emitSlices(e, op.getRecurrenceSignature(), {{N, H}, T, offsets}, chunk,
               build);
    return {output, state};
  }
};

} // namespace

void mlir::linea::populateSsdPatterns(RewritePatternSet &patterns,
                                      const TargetInfo &target) {
  patterns.add<SsdLowering>(patterns.getContext(), target);
}
