//===- CostModel.cpp - Which form of a linea op is fastest --------*- C++
//-*-===//
//
// Time = fixed overhead + work / parallel slices * time per unit of work.
// Work is counted per head: state updates (T K V) for the recurrent form;
// for chunks (and quadratic windows) evaluated as matrices, per chunk of C
// tokens C^2 (K + V) score and score-times-value multiply-adds and 2 C K V
// state multiply-adds (twice both for RWKV-7's rank-one term); for windows
// too long for matrices, score multiply-adds (T (T + 1) / 2 (K + V) causal,
// T^2 (K + V) otherwise) evaluated token by token.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/CostModel.h"
#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::linea;

namespace {

/// Calibrated on the build machine by benchmarks/forms.py (one thread,
/// linear_attention, H = 8, K = V = 64, T = 1 ... 1024; relative least
/// squares), recorded in docs/FormSelection.md. Seconds per unit of work.
/// The matrix constants: linear_attention with T = 16 ... 16384 in chunks of
/// 16 and quadratic windows of 16 and 64, wkv6 in chunks of 16 and 64.
struct CpuConstants {
  double recurrentPerUpdate, quadraticPerScoreMac;
  double matrixPerScoreMac, matrixPerStateMac;
};
constexpr CpuConstants kNoGate{3.24e-11, 3.71e-10, 1.93e-11, 2.57e-11};
constexpr CpuConstants kScalarGate{4.60e-11, 3.99e-10, 1.32e-11, 3.14e-11};
constexpr CpuConstants kPerKeyGate{4.99e-11, 2.12e-9, 6.30e-11, 4.40e-11};
constexpr double kRecurrentOverhead = 1.6e-5, kQuadraticOverhead = 1.2e-5;
/// The scan form (chunks of 64) against the recurrent form: two passes over
/// the tokens, each with an exp (selective scan: measured 1.3x - 1.7x; the
/// same structure for wkv4).
constexpr double kScanOverRecurrent = 1.6;

/// The dimensions every op's estimate needs.
struct Shape {
  int64_t slices, tokens, keyDim, valueDim;
};

std::optional<Shape> shapeOf(Operation *op) {
  auto dims = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  for (Type t : op->getOperandTypes())
    if (!cast<RankedTensorType>(t).hasStaticShape())
      return std::nullopt;
  if (auto la = dyn_cast<LinearAttentionOp>(op)) {
    auto q = dims(la.getQ()), v = dims(la.getV());
    return Shape{v[0] * v[2], q[1], q[3], v[3]};
  }
  if (auto ss = dyn_cast<SelectiveScanOp>(op)) {
    auto u = dims(ss.getU()), a = dims(ss.getA());
    return Shape{u[0] * u[1], u[2], a[1], 1};
  }
  if (auto w = dyn_cast<Wkv4Op>(op)) {
    auto k = dims(w.getK());
    return Shape{k[0] * k[2], k[1], 1, 1};
  }
  auto r = dims(op->getOperand(0));
  return Shape{r[0] * r[2], r[1], r[3], r[3]};
}

/// Whether the op decays each key on its own: linear attention with a
/// per-key gate, and every other op.
bool perKeyDecay(Operation *op) {
  auto la = dyn_cast<LinearAttentionOp>(op);
  return !la || (la.getGate() &&
                 cast<RankedTensorType>(la.getGate().getType()).getRank() == 4);
}

CpuConstants constantsFor(Operation *op) {
  if (perKeyDecay(op))
    return kPerKeyGate;
  auto la = cast<LinearAttentionOp>(op);
  return la.getGate() || la.getDecay() ? kScalarGate : kNoGate;
}

void estimateCpu(Operation *op, const Shape &s, const TargetDescription &t,
                 SmallVectorImpl<FormEstimate> &out) {
  CpuConstants c = constantsFor(op);
  double parallel = static_cast<double>(
      std::max<int64_t>(1, std::min<int64_t>(t.cores, s.slices)));
  double perSlice = static_cast<double>(s.slices) / parallel;
  double tokens = static_cast<double>(s.tokens);
  double state = static_cast<double>(s.keyDim * s.valueDim);
  out.push_back(
      {Form::recurrent,
       kRecurrentOverhead + perSlice * tokens * state * c.recurrentPerUpdate,
       std::nullopt});
  // Chunks of up to kMaxMatrixChunk tokens are matrices: C^2 (K + V) score
  // multiply-adds and 2 C K V for the state per chunk (RWKV-7: four score
  // matrices and two state products). Longer quadratic windows are walked
  // token by token.
  auto la = dyn_cast<LinearAttentionOp>(op);
  bool rankOne = isa<Wkv7Op>(op);
  double macs = static_cast<double>(s.keyDim + s.valueDim);
  auto matrices = [&](double chunk) {
    double chunks = std::ceil(tokens / chunk), terms = rankOne ? 2 : 1;
    return kQuadraticOverhead +
           perSlice * chunks * terms *
               (chunk * chunk * macs * c.matrixPerScoreMac +
                2 * chunk * state * c.matrixPerStateMac);
  };
  if (la) {
    double seconds;
    if (tokens <= kMaxMatrixChunk) {
      seconds = matrices(tokens);
    } else {
      double pairs =
          la.getCausal() ? tokens * (tokens + 1) / 2 : tokens * tokens;
      seconds =
          kQuadraticOverhead + perSlice * pairs * macs * c.quadraticPerScoreMac;
    }
    out.push_back({Form::quadratic, seconds, std::nullopt});
  }
  if (isa<SelectiveScanOp, Wkv4Op>(op))
    out.push_back({Form::scan,
                   kRecurrentOverhead + kScanOverRecurrent * perSlice * tokens *
                                            state * c.recurrentPerUpdate,
                   int64_t(64)});
  if ((la && la.getCausal()) || isa<Wkv6Op>(op) || rankOne)
    for (int64_t chunk : {16, 64})
      out.push_back({Form::chunked,
                     matrices(std::min(tokens, static_cast<double>(chunk))),
                     chunk});
}

/// NVPTX: analytic (no GPU measured this model), over the kernels that
/// convert-linea-to-gpu emits. A token step of one thread is latency bound
/// (~1 us with its loads); a wave holds ~2048 threads per SM.
/// - recurrent: head-wise ops run a thread per value column, the selective
///   scan N threads per channel (one state entry each), wkv4 a thread per
///   channel; T steps per wave.
/// - scan (selective scan, wkv4): N threads (wkv4: one) per (channel,
///   chunk of C tokens) in two passes of C steps, and a carry pass of
///   T / C steps per channel.
/// - chunked, where the tensor-core kernel applies (causal linear attention,
///   wkv6, wkv7; tensorCoreColumnTile): a warp per
///   (slice, value tile) walks T / 16 chunks, each ~2 us of staging and
///   score steps plus its dependent mma.sync (3 per product of f32 pairs:
///   (2 + K / 8) per 8 output columns, K / 8 per 8 state columns) at
///   ~20 ns each; 32 resident blocks per SM. Elsewhere chunked and
///   quadratic run a thread per value column that redoes the chunk's
///   key-side work: not estimated, so never chosen.
void estimateNvptxChunks(Operation *op, const Shape &s,
                         const TargetDescription &t,
                         SmallVectorImpl<FormEstimate> &out) {
  constexpr double kChunkFixed = 2e-6, kMmaLatency = 2e-8, kBlocksPerSm = 32;
  auto la = dyn_cast<LinearAttentionOp>(op);
  bool rankOne = isa<Wkv7Op>(op);
  if (!t.tensorCores ||
      !((la && la.getCausal()) || isa<Wkv6Op>(op) || rankOne))
    return;
  int64_t tile = tensorCoreColumnTile(s.keyDim, s.valueDim,
                                      perKeyDecay(op) ? s.keyDim : 1, rankOne);
  if (!tile)
    return;
  double blocks = static_cast<double>(s.slices * (s.valueDim / tile));
  double waves = std::max(
      1.0, std::ceil(blocks / (kBlocksPerSm * static_cast<double>(t.smCount))));
  double columnTiles = static_cast<double>(tile / 8);
  // RWKV-7 adds SA (K / 8 + 2 per 8 columns), A_qb SA (2) and B^T SA
  // (2 per 16 keys), and ~3 us of three more score walks and the solve.
  double k8 = static_cast<double>(s.keyDim) / 8;
  double mmas = 3 * columnTiles *
                (rankOne ? 2 * k8 + 6 + 2 * k8 : 2 + k8 + k8);
  double fixed = kChunkFixed * (rankOne ? 2.5 : 1.0);
  double chunks = std::ceil(static_cast<double>(s.tokens) / kTensorCoreChunk);
  out.push_back({Form::chunked,
                 waves * chunks * (fixed + mmas * kMmaLatency),
                 kTensorCoreChunk});
}

void estimateNvptx(Operation *op, const Shape &s, const TargetDescription &t,
                   SmallVectorImpl<FormEstimate> &out) {
  constexpr double kStepLatency = 1e-6, kThreadsPerSm = 2048;
  double tokens = static_cast<double>(s.tokens);
  double capacity = kThreadsPerSm * static_cast<double>(t.smCount);
  auto waves = [&](double threads) {
    return std::max(1.0, std::ceil(threads / capacity));
  };
  bool scan = isa<SelectiveScanOp, Wkv4Op>(op);
  double lanes = static_cast<double>(isa<SelectiveScanOp>(op)
                                         ? s.keyDim
                                         : std::max<int64_t>(s.valueDim, 1));
  double threads = static_cast<double>(s.slices) * lanes;
  out.push_back(
      {Form::recurrent, waves(threads) * tokens * kStepLatency, std::nullopt});
  if (scan) {
    constexpr int64_t kChunk = 64;
    double chunk = std::min(tokens, static_cast<double>(kChunk));
    double chunks = std::ceil(tokens / chunk);
    out.push_back(
        {Form::scan,
         (2 * waves(threads * chunks) * chunk + chunks) * kStepLatency,
         kChunk});
  }
  estimateNvptxChunks(op, s, t, out);
}

} // namespace

SmallVector<FormEstimate>
mlir::linea::estimateForms(RecurrenceOpInterface op,
                           const TargetDescription &target) {
  SmallVector<FormEstimate> out;
  std::optional<Shape> shape = shapeOf(op);
  if (!shape)
    return out;
  if (target.kind == TargetDescription::Kind::CPU)
    estimateCpu(op, *shape, target, out);
  else
    estimateNvptx(op, *shape, target, out);
  return out;
}

std::optional<FormEstimate>
mlir::linea::chooseForm(RecurrenceOpInterface op,
                        const TargetDescription &target) {
  SmallVector<FormEstimate> forms = estimateForms(op, target);
  if (forms.empty())
    return std::nullopt;
  return *llvm::min_element(forms,
                            [](const FormEstimate &a, const FormEstimate &b) {
                              return a.seconds < b.seconds;
                            });
}
