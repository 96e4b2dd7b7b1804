//===- RecurrenceCore.h - The one recurrence behind every linea op -*- C++
//-*-===//
//
// Linear attention, GLA, Mamba-1, RWKV-6 and RWKV-7 are all
//
//     S_t = (diag(exp(g_t)) + b_t a_t^T) S_{t-1} + k_t v_t^T,  o_t = q_t S_t
//
// over a key-major f32 state S : [K, V]. The named ops only say how their
// operands map onto q, k, v, g (and a, b, the bonus, the output); this file
// emits the evaluation itself, once, for every op.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEACOMMON_RECURRENCECORE_H
#define LINEA_LIB_CONVERSION_LINEACOMMON_RECURRENCECORE_H

#include "LoopEmitter.h"
#include "linea/Dialect/Linea/IR/RecurrenceSignature.h"
#include <functional>

namespace mlir::linea::detail {

/// Reads entry `i` (a key index) or `j` (a value index) of one token.
using TokenRead = std::function<Value(LoopEmitter &, Value t, Value index)>;

/// One slice (a batch and head, or a batch and channel) of a recurrence.
struct RecurrenceSlice {
  int64_t tokens = 0, keyDim = 0, valueDim = 0;
  /// o_t reads S_t (causal), or the state after the last token (not causal).
  bool causal = true;
  /// o_t = q_t S_t / (q_t . z_t + eps), z_t = exp(g_t) z_{t-1} + k_t.
  bool normalize = false;
  float normalizeEps = 1e-6f;

  /// Runs first at every token, for values the reads below share.
  std::function<void(LoopEmitter &, Value t)> beginToken;
  TokenRead query, key, value;
  /// Log-decay per key entry; with `decayPerKey` false it is read once per
  /// token with index 0. Null: no decay.
  TokenRead logDecay;
  bool decayPerKey = true;
  /// Rank-one transition term b_t (a_t^T S_{t-1}) (RWKV-7). Null: none.
  TokenRead rankOneA, rankOneB;
  /// Bonus u (RWKV-6): o_t = q_t (S_{t-1} + diag(u) k_t v_t^T). Null: o_t
  /// reads S_t as usual.
  std::function<Value(LoopEmitter &, Value i)> bonus;
  /// Receives o_t[j] in f32.
  std::function<void(LoopEmitter &, Value t, Value j, Value o)> storeOutput;

  /// Optional whole-row access, for the vectorized evaluations: v_t as a
  /// vector<V> and o_t received as one; for V == 1, q_t, k_t and log a_t as
  /// vector<K>. With them the state rows (or, for V == 1, the whole state)
  /// live in vector registers.
  std::function<Value(LoopEmitter &, Value t)> valueRow, queryRow, keyRow,
      logDecayRow;
  std::function<void(LoopEmitter &, Value t, Value o)> storeOutputRow;
  /// For V == 1: the outputs of tokens t .. t + n - 1 as one vector<n>
  /// (optional; lets n tokens' read-outs be summed together).
  std::function<void(LoopEmitter &, Value t, Value o)> storeOutputSpan;
  /// Prefetches what token t reads and writes. Token rows of [B, T, H, S]
  /// operands sit H * S elements apart, too far for the hardware prefetcher
  /// to follow from one token to the next.
  std::function<void(LoopEmitter &, Value t)> prefetchToken;

  /// The f32 state buffer, the initial state buffer (null: zeros) and where
  /// entry (i, j) of this slice's state sits in both.
  Value state, initialState;
  std::function<SmallVector<Value>(Value i, Value j)> stateIndex;

  /// Entry (i, j) of the initial state, in f32 (zero without one).
  Value initialEntry(LoopEmitter &e, Value i, Value j) const {
    return initialState ? e.load(initialState, stateIndex(i, j)) : e.f32(0.0);
  }
  /// Log-decays per token: K of them with a per-key decay, else one.
  int64_t decayWidth() const { return logDecay && decayPerKey ? keyDim : 1; }

  /// A slice with the static fields of `sig` (sizes, causality,
  /// normalization, the decay's width) and no accessors yet.
  static RecurrenceSlice of(const RecurrenceSignature &sig);
};

/// Emits the recurrent (token by token) evaluation of one slice.
void emitRecurrentSlice(LoopEmitter &e, const RecurrenceSlice &slice);

/// Emits the chunked evaluation of one slice: within each chunk of `chunk`
/// tokens every output is a sum over the chunk's earlier tokens weighted by
/// their decay window, plus the previous chunks' state read through the
/// window's decay; the state is carried from chunk to chunk. A rank-one
/// term is solved within the chunk by the UT transform (see ChunkedForm.cpp).
/// With `chunk` >= T this is the quadratic form; without `causal` it
/// requires `chunk` >= T. The target chooses how
/// (TargetInfo::emitChunkedSlice): the CPU evaluates chunks whose matrices
/// fit as matrices, everything else is walked token by token
/// (emitChunksByTokens).
void emitChunkedSlice(LoopEmitter &e, const RecurrenceSlice &slice,
                      int64_t chunk);
void emitChunksByTokens(LoopEmitter &e, const RecurrenceSlice &slice,
                        int64_t chunk);

/// The recurrent (`chunk` == 0) or chunked evaluation of one slice.
void emitSlice(LoopEmitter &e, const RecurrenceSlice &slice, int64_t chunk);

/// Fills in slice `s` of an op for the slice indices `ivs`.
using SliceBuilder =
    function_ref<void(LoopEmitter &, ValueRange ivs, RecurrenceSlice &s)>;

/// Slice `ivs` of an op of signature `sig`: RecurrenceSlice::of(sig) with
/// the accessors `build` adds, which must be those the signature names (a
/// decay, a rank-one term, a bonus exactly where it has them).
RecurrenceSlice buildSlice(LoopEmitter &e, const RecurrenceSignature &sig,
                           ValueRange ivs, SliceBuilder build);

/// Every slice of a head-wise op with signature `sig` (its `slices`, K x V
/// states): recurrent (`chunk` == 0) or chunked. `build` adds the accessors
/// to a slice that RecurrenceSlice::of(sig) made. The target lays the
/// slices out (TargetInfo::emitSlices): on the CPU they are parallel loop
/// iterations; on the GPU see LineaToGPU/Kernels.h.
void emitSlices(LoopEmitter &e, const RecurrenceSignature &sig, int64_t chunk,
                SliceBuilder build);

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEACOMMON_RECURRENCECORE_H
