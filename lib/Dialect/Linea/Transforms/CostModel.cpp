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
/// A rank-one term (RWKV-7, the delta rules) against the calibration's
/// plain update: its token reads the state twice (a^T S, then the update
/// and q^T S): 1.5x with a state in L1 (wkv7 at K = V = 64), 3.8x with one
/// that is not (K = V = 128, 64 KiB: every pass streams it from L2). The
/// matrix forms against their MAC counts at the calibration's constants:
/// the general transform (four score walks) 2.5x, the delta rule's WY
/// chunks 1.2x. A rank-one slice also pays per state entry, whatever its
/// length, for staging and writing back its state: 2.6e-10 s recurrent,
/// 4.5e-10 s in matrices (what T = 1 costs beyond one token). Measured on
/// the build machine, one thread: gated_delta at Qwen3-Next's shape (HV =
/// 32, K = V = 128), T = 1 ... 2048, recurrent and in chunks of 16 and 64
/// (docs/Performance.md), and wkv7 at H = 32, K = V = 64.
constexpr double kRankOneRecurrent = 1.5, kRankOneRecurrentOutOfL1 = 3.8;
constexpr double kL1StateFloats = 8192;
constexpr double kRankOneMatrix = 2.5, kDeltaRuleMatrix = 1.2;
constexpr double kRankOneRecurrentPerEntry = 2.6e-10,
                 kRankOneMatrixPerEntry = 4.5e-10;

/// The static sizes every estimate needs.
struct Shape {
  double slices, tokens, keyDim, valueDim;
  explicit Shape(const RecurrenceSignature &sig)
      : slices(static_cast<double>(sig.numSlices())),
        tokens(static_cast<double>(sig.tokens)),
        keyDim(static_cast<double>(sig.keyDim)),
        valueDim(static_cast<double>(sig.valueDim)) {}
};

CpuConstants constantsFor(const RecurrenceSignature &sig) {
  switch (sig.decay) {
  case DecayKind::none:
    return kNoGate;
  case DecayKind::constant:
  case DecayKind::perToken:
    return kScalarGate;
  case DecayKind::perKey:
    return kPerKeyGate;
  }
  llvm_unreachable("unknown decay kind");
}

/// Appends the CPU estimate of `form`, if the form has one.
void estimateCpu(Form form, const RecurrenceSignature &sig,
                 const TargetDescription &t,
                 SmallVectorImpl<FormEstimate> &out) {
  CpuConstants c = constantsFor(sig);
  Shape s(sig);
  double parallel = std::max(
      1.0, std::min(static_cast<double>(t.cores), s.slices));
  double perSlice = s.slices / parallel;
  double state = s.keyDim * s.valueDim;
  double rankOneStep =
      state > kL1StateFloats ? kRankOneRecurrentOutOfL1 : kRankOneRecurrent;
  double updates = perSlice * s.tokens * state * c.recurrentPerUpdate *
                   (sig.rankOne ? rankOneStep : 1.0);
  if (sig.rankOne)
    updates += perSlice * state * kRankOneRecurrentPerEntry;
  // Chunks of up to kMaxMatrixChunk tokens are matrices: C^2 (K + V) score
  // multiply-adds and 2 C K V for the state per chunk (a rank-one term:
  // four score matrices and two state products). Longer quadratic windows
  // are walked token by token.
  double macs = s.keyDim + s.valueDim;
  bool wy = sig.deltaRule && sig.decay != DecayKind::perKey;
  auto matrices = [&](double chunk) {
    double chunks = std::ceil(s.tokens / chunk), terms = sig.rankOne ? 2 : 1;
    double scoreMacs = terms * chunk * chunk * macs,
           stateMacs = terms * 2 * chunk * state, factor = 1;
    if (wy) {
      // Two score matrices, the forward substitution, three state products.
      scoreMacs = chunk * chunk * (2 * s.keyDim + 1.5 * s.valueDim);
      stateMacs = 3 * chunk * state;
      factor = kDeltaRuleMatrix;
    } else if (sig.rankOne) {
      factor = kRankOneMatrix;
    }
    double staging = sig.rankOne ? state * kRankOneMatrixPerEntry : 0.0;
    return kQuadraticOverhead +
           perSlice * (staging + chunks * factor *
                                     (scoreMacs * c.matrixPerScoreMac +
                                      stateMacs * c.matrixPerStateMac));
  };
  switch (form) {
  case Form::recurrent:
    out.push_back({form, kRecurrentOverhead + updates, std::nullopt});
    return;
  case Form::quadratic: {
    double seconds;
    if (s.tokens <= kMaxMatrixChunk) {
      seconds = matrices(s.tokens);
    } else {
      double pairs = sig.causal() ? s.tokens * (s.tokens + 1) / 2
                                  : s.tokens * s.tokens;
      seconds =
          kQuadraticOverhead + perSlice * pairs * macs * c.quadraticPerScoreMac;
    }
    out.push_back({form, seconds, std::nullopt});
    return;
  }
  case Form::scan:
    out.push_back({form, kRecurrentOverhead + kScanOverRecurrent * updates,
                   kDefaultChunkSize});
    return;
  case Form::chunked:
    // Without causality the chunked form is one chunk: the recurrent form.
    if (sig.causal())
      for (int64_t chunk : {16, 64})
        out.push_back({form,
                       matrices(std::min(s.tokens, static_cast<double>(chunk))),
                       chunk});
    return;
  case Form::auto_:
    return;
  }
}

/// NVPTX: analytic (no GPU measured this model), over the kernels that
/// convert-linea-to-gpu emits. A token step of one thread is latency bound
/// (~1 us with its loads); a wave holds ~2048 threads per SM.
/// - recurrent: head-wise ops run a thread per value column; ops with one
///   value column (the selective scan, wkv4) a thread per key entry (one
///   state entry each); T steps per wave.
/// - scan: those threads per (slice, chunk of C tokens) in two passes of C
///   steps, and a carry pass of T / C steps per slice.
/// - chunked, where the tensor-core kernel applies (causal slices,
///   tensorCoreColumnTile): a warp per (slice, value tile) walks T / 16
///   chunks, each ~2 us of staging and score steps plus its dependent
///   mma.sync (3 per product of f32 pairs: (2 + K / 8) per 8 output
///   columns, K / 8 per 8 state columns) at ~20 ns each; 32 resident blocks
///   per SM. Elsewhere chunked and quadratic run a thread per value column
///   that redoes the chunk's key-side work: not estimated, so never chosen.
void estimateNvptx(Form form, const RecurrenceSignature &sig,
                   const TargetDescription &t,
                   SmallVectorImpl<FormEstimate> &out) {
  constexpr double kStepLatency = 1e-6, kThreadsPerSm = 2048;
  Shape s(sig);
  double capacity = kThreadsPerSm * static_cast<double>(t.smCount);
  auto waves = [&](double threads) {
    return std::max(1.0, std::ceil(threads / capacity));
  };
  double lanes = sig.valueDim == 1 ? s.keyDim : s.valueDim;
  double threads = s.slices * lanes;
  switch (form) {
  case Form::recurrent:
    out.push_back({form, waves(threads) * s.tokens * kStepLatency,
                   std::nullopt});
    return;
  case Form::scan: {
    double chunk = std::min(s.tokens, static_cast<double>(kDefaultChunkSize));
    double chunks = std::ceil(s.tokens / chunk);
    out.push_back(
        {form, (2 * waves(threads * chunks) * chunk + chunks) * kStepLatency,
         kDefaultChunkSize});
    return;
  }
  case Form::chunked: {
    constexpr double kChunkFixed = 2e-6, kMmaLatency = 2e-8,
                     kBlocksPerSm = 32;
    if (!t.tensorCores || !sig.causal())
      return;
    int64_t tile = tensorCoreColumnTile(sig.keyDim, sig.valueDim,
                                        sig.decayWidth(), sig.rankOne);
    if (!tile)
      return;
    double blocks = s.slices * (s.valueDim / static_cast<double>(tile));
    double waveCount = std::max(
        1.0,
        std::ceil(blocks / (kBlocksPerSm * static_cast<double>(t.smCount))));
    double columnTiles = static_cast<double>(tile / 8);
    // A rank-one term adds SA (K / 8 + 2 per 8 columns), A_qb SA (2) and
    // B^T SA (2 per 16 keys), and ~3 us of three more score walks and the
    // solve.
    double k8 = s.keyDim / 8;
    double mmas =
        3 * columnTiles * (sig.rankOne ? 2 * k8 + 6 + 2 * k8 : 2 + k8 + k8);
    double fixed = kChunkFixed * (sig.rankOne ? 2.5 : 1.0);
    double chunks = std::ceil(s.tokens / kTensorCoreChunk);
    out.push_back({form, waveCount * chunks * (fixed + mmas * kMmaLatency),
                   kTensorCoreChunk});
    return;
  }
  case Form::quadratic:
  case Form::auto_:
    return;
  }
}

/// The estimates of the forms of `op` for the static signature `sig`.
SmallVector<FormEstimate> estimateSignature(RecurrenceOpInterface op,
                                            const RecurrenceSignature &sig,
                                            const TargetDescription &target) {
  SmallVector<FormEstimate> out;
  for (Form form : op.getImplementedForms(target.kind)) {
    if (target.kind == TargetKind::CPU)
      estimateCpu(form, sig, target, out);
    else
      estimateNvptx(form, sig, target, out);
  }
  return out;
}

bool samePick(const FormEstimate &a, const FormEstimate &b) {
  return a.form == b.form && a.chunkSize == b.chunkSize;
}

} // namespace

SmallVector<FormEstimate>
mlir::linea::estimateForms(RecurrenceOpInterface op,
                           const TargetDescription &target) {
  RecurrenceSignature sig = op.getRecurrenceSignature();
  if (!sig.hasStaticShape())
    return {};
  return estimateSignature(op, sig, target);
}

SmallVector<LengthRange>
mlir::linea::formsByLength(RecurrenceOpInterface op,
                           const TargetDescription &target) {
  RecurrenceSignature sig = op.getRecurrenceSignature();
  // Only the batch and the sequence may be unknown; a dynamic batch is
  // priced as one sequence (the decode and single-prompt case).
  if (sig.slices.size() < 2 || ShapedType::isDynamic(sig.slices[1]) ||
      ShapedType::isDynamic(sig.keyDim) || ShapedType::isDynamic(sig.valueDim))
    return {};
  if (ShapedType::isDynamic(sig.slices[0]))
    sig.slices[0] = 1;
  auto pickAt = [&](int64_t tokens) -> std::optional<FormEstimate> {
    sig.tokens = tokens;
    return fastest(estimateSignature(op, sig, target));
  };
  SmallVector<LengthRange> ranges;
  std::optional<FormEstimate> first = pickAt(1);
  if (!first)
    return {};
  ranges.push_back({1, *first});
  // Powers of two up to 2^20 tokens, each change bisected to the first
  // length that picks the new form.
  int64_t lo = 1;
  for (int64_t hi = 2; hi <= (int64_t(1) << 20); hi *= 2, lo *= 2) {
    std::optional<FormEstimate> atHi = pickAt(hi);
    if (!atHi || samePick(*atHi, ranges.back().pick))
      continue;
    int64_t a = lo, b = hi;
    while (b - a > 1) {
      int64_t mid = a + (b - a) / 2;
      std::optional<FormEstimate> atMid = pickAt(mid);
      if (atMid && samePick(*atMid, ranges.back().pick))
        a = mid;
      else
        b = mid;
    }
    std::optional<FormEstimate> atB = pickAt(b);
    if (atB && !samePick(*atB, ranges.back().pick))
      ranges.push_back({b, *atB});
    if (!samePick(ranges.back().pick, *atHi))
      ranges.push_back({hi, *atHi});
  }
  return ranges;
}

std::optional<FormEstimate>
mlir::linea::fastest(ArrayRef<FormEstimate> estimates) {
  if (estimates.empty())
    return std::nullopt;
  return *llvm::min_element(estimates,
                            [](const FormEstimate &a, const FormEstimate &b) {
                              return a.seconds < b.seconds;
                            });
}

std::optional<FormEstimate>
mlir::linea::chooseForm(RecurrenceOpInterface op,
                        const TargetDescription &target) {
  return fastest(estimateForms(op, target));
}
