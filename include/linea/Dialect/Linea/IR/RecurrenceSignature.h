//===- RecurrenceSignature.h - What a linea op's recurrence is ---*- C++
//-*-===//
//
// Every linea op evaluates, per slice (a batch and head, or a batch and
// channel),
//
//     S_t = (diag(exp(g_t)) + b_t a_t^T) S_{t-1} + k_t v_t^T,  o_t = q_t S_t
//
// over a K x V state. The signature states the static facts of that mapping
// once, on the op: the verifier, the cost model and the lowerings read them
// instead of re-deriving them from the op's operands.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_RECURRENCESIGNATURE_H
#define LINEA_DIALECT_LINEA_IR_RECURRENCESIGNATURE_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include <cstdint>

namespace mlir::linea {

/// Where a form is lowered: the host CPU or an NVIDIA GPU.
enum class TargetKind { CPU, GPU };

/// The chunk size of the chunked and scan forms when neither the op nor the
/// cost model sets one.
constexpr int64_t kDefaultChunkSize = 64;

/// How the transition decays the state.
enum class DecayKind {
  /// No decay: S_t = S_{t-1} + k_t v_t^T.
  none,
  /// One log-decay per slice, the same at every token.
  constant,
  /// One log-decay per slice and token.
  perToken,
  /// One log-decay per key entry and token.
  perKey,
};

/// What o_t reads.
enum class Readout {
  /// S_t, after the token's update (linear attention, Mamba, RWKV-7).
  afterUpdate,
  /// S_{t-1} plus the token's own term weighted by the bonus u (RWKV-4 and
  /// RWKV-6: o_t = q_t (S_{t-1} + diag(u) k_t v_t^T)).
  beforeUpdateWithBonus,
  /// The state after the last token (non-causal linear attention).
  final,
};

struct RecurrenceSignature {
  /// The independent slices, outermost first: {B, heads} or {B, channels}.
  /// Sizes may be ShapedType::kDynamic.
  llvm::SmallVector<int64_t, 2> slices;
  int64_t tokens = 0;
  /// The state of a slice is keyDim x valueDim.
  int64_t keyDim = 0, valueDim = 0;
  /// Slices (heads) that share one query/key head (grouped heads: H / Hk).
  int64_t groups = 1;
  DecayKind decay = DecayKind::none;
  Readout readout = Readout::afterUpdate;
  /// The rank-one transition term b_t a_t^T (RWKV-7).
  bool rankOne = false;
  /// The rank-one term is a delta rule's, (I - beta_t k_t k_t^T) D_t: with
  /// one decay per token (or none) its chunks are solved by the WY
  /// representation, one intra-chunk matrix instead of four.
  bool deltaRule = false;
  /// o_t is divided by q_t . z_t, z_t the decayed sum of the keys (a
  /// normalized linear attention; RWKV-4's ratio).
  bool normalized = false;
  /// The state is kept scaled by a running maximum (RWKV-4's log-sum-exp
  /// form), not as the plain sum.
  bool runningMax = false;
  /// The activations' element type (f32, f16 or bf16); states are f32.
  Type activation;

  bool causal() const { return readout != Readout::final; }
  bool hasBonus() const { return readout == Readout::beforeUpdateWithBonus; }
  /// Log-decays per token: K with a per-key decay, else one.
  int64_t decayWidth() const { return decay == DecayKind::perKey ? keyDim : 1; }
  /// The number of slices, or kDynamic.
  int64_t numSlices() const;
  bool hasStaticShape() const;
};

} // namespace mlir::linea

#endif // LINEA_DIALECT_LINEA_IR_RECURRENCESIGNATURE_H
