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
/// Reads a whole row of one token as a vector.
using RowRead = std::function<Value(LoopEmitter &, Value t)>;
/// The op's maths on a value read from a buffer (f32 in, f32 out).
using ValueMap = std::function<Value(LoopEmitter &, Value x)>;

/// A per-token operand of a slice, as the core reads it. Most are buffer
/// entries: entry `i` of token `t` is `buffer[lead..., t, mid..., i]` (or,
/// for one value per token, `buffer[lead..., t, mid...]`), extended to f32
/// and passed through the op's `map`; the core reads whole rows of those
/// (where there is no map) and prefetches them. Others the op computes
/// (`computed`), with an optional row form.
class TokenOperand {
public:
  TokenOperand() = default;
  static TokenOperand entries(Value buffer, ArrayRef<Value> lead,
                              ArrayRef<Value> mid, ValueMap map = nullptr);
  static TokenOperand perToken(Value buffer, ArrayRef<Value> lead,
                               ArrayRef<Value> mid, ValueMap map = nullptr);
  static TokenOperand computed(TokenRead entry, RowRead row = nullptr);

  explicit operator bool() const { return buffer || compute; }
  /// Entry `i` of token `t`, in f32.
  Value operator()(LoopEmitter &e, Value t, Value i) const;
  /// Whether row() is available.
  bool hasRow() const;
  /// The first `width` entries of token `t` as one vector<width>.
  Value row(LoopEmitter &e, Value t, int64_t width) const;
  /// Whether prefetch() emits anything: buffer entries only.
  bool prefetchable() const { return buffer && indexed && !fixedIndex; }
  /// Prefetches the row of token `t`.
  void prefetch(LoopEmitter &e, Value t, int64_t width) const;
  /// The same operand with every entry index replaced by `j`: one column
  /// of a slice (the GPU's thread per value column).
  TokenOperand atIndex(Value j) const;
  /// The same operand with token t read at token t + first.
  TokenOperand shifted(LoopEmitter &e, Value first) const;

private:
  SmallVector<Value> at(LoopEmitter &e, Value t, Value i) const;
  Value token(LoopEmitter &e, Value t) const;

  /// Added to every token index (a range of tokens; null: none).
  Value offset;

  Value buffer;
  SmallVector<Value, 2> lead, mid;
  bool indexed = true;
  ValueMap map;
  TokenRead compute;
  RowRead computeRow;
  /// Set by atIndex: the entry index every read uses.
  Value fixedIndex;
};

/// Where o_t goes: `buffer[lead..., t, mid..., j]` after the op's `scale`,
/// or a store the op computes, with an optional row form (o_t as one
/// vector<V>) and, for V == 1, an optional span store of the outputs of
/// several tokens as one vector.
class TokenResult {
public:
  using Store = std::function<void(LoopEmitter &, Value t, Value j, Value o)>;
  using RowStore = std::function<void(LoopEmitter &, Value t, Value o)>;

  TokenResult() = default;
  static TokenResult entries(Value buffer, ArrayRef<Value> lead,
                             ArrayRef<Value> mid, float scale = 1.0f);
  static TokenResult computed(Store store, RowStore span = nullptr);
  static TokenResult computedRows(Store store, RowStore row);

  /// Stores o_t[j] (f32).
  void operator()(LoopEmitter &e, Value t, Value j, Value o) const;
  bool hasRow() const { return buffer || storeRow; }
  /// Stores o_t as one vector<V>.
  void row(LoopEmitter &e, Value t, Value o) const;
  bool hasSpan() const { return static_cast<bool>(span); }
  /// Stores the outputs of tokens t .. t + n - 1 as one vector<n>.
  void spanStore(LoopEmitter &e, Value t, Value o) const {
    span(e, token(e, t), o);
  }
  bool prefetchable() const { return buffer && !fixedIndex; }
  void prefetch(LoopEmitter &e, Value t, int64_t width) const;
  TokenResult atIndex(Value j) const;
  TokenResult shifted(LoopEmitter &e, Value first) const;

private:
  Value scaled(LoopEmitter &e, Value o, int64_t width) const;
  Value token(LoopEmitter &e, Value t) const;

  Value offset;

  Value buffer;
  SmallVector<Value, 2> lead, mid;
  float scale = 1.0f;
  Store store;
  RowStore storeRow, span;
  Value fixedIndex;
};

/// A vector per slice (RWKV's bonus u): entry i is `buffer[lead..., i]`.
struct SliceVector {
  Value buffer;
  SmallVector<Value, 2> lead;
  explicit operator bool() const { return static_cast<bool>(buffer); }
  Value operator()(LoopEmitter &e, Value i) const;
};

/// One slice (a batch and head, or a batch and channel) of a recurrence:
/// the static facts of its op's signature and the IR it reads and writes.
struct RecurrenceSlice {
  /// The slice's tokens, static or known at run time.
  Extent tokens = 0;
  int64_t keyDim = 0, valueDim = 0;
  /// o_t reads S_t (causal), or the state after the last token (not causal).
  bool causal = true;
  /// o_t = q_t S_t / (q_t . z_t + eps), z_t = exp(g_t) z_{t-1} + k_t.
  bool normalize = false;
  float normalizeEps = 1e-6f;
  /// Log-decays per key; otherwise one per token (read with index 0).
  bool decayPerKey = true;
  /// Whether the core may read and write whole rows and prefetch them (not
  /// in one column of a slice).
  bool rowAccess = true;

  TokenOperand query, key, value;
  /// Null: no decay.
  TokenOperand logDecay;
  /// Rank-one transition term b_t (a_t^T S_{t-1}) (RWKV-7). Null: none.
  TokenOperand rankOneA, rankOneB;
  /// A delta rule's own terms, beside the rank-one term they make (a_t =
  /// D_t k^_t, b_t = -beta_t k^_t, k_t = beta_t k^_t): the unit key k^_t
  /// and beta_t (one per token). Forms that know the delta rule solve it
  /// with one intra-chunk matrix (the WY representation) where the general
  /// rank-one term needs four; the others read the rank-one term. Null:
  /// not a delta rule.
  TokenOperand deltaKey, deltaBeta;
  /// Bonus u (RWKV-6): o_t = q_t (S_{t-1} + diag(u) k_t v_t^T). Null: o_t
  /// reads S_t as usual.
  SliceVector bonus;
  TokenResult storeOutput;

  /// The f32 state buffer and the initial state buffer (null: zeros):
  /// entry (i, j) of this slice's state is `state[stateLead..., i, j]`
  /// (without j for a one-column state, `stateHasColumns` false).
  Value state, initialState;
  SmallVector<Value, 2> stateLead;
  bool stateHasColumns = true;
  /// Set for one column of a slice: the value index of every state entry.
  Value stateColumn;

  SmallVector<Value> stateIndex(Value i, Value j) const;
  /// Entry (i, j) of the initial state, in f32 (zero without one).
  Value initialEntry(LoopEmitter &e, Value i, Value j) const {
    return initialState ? e.load(initialState, stateIndex(i, j)) : e.f32(0.0);
  }
  /// Log-decays per token: K of them with a per-key decay, else one.
  int64_t decayWidth() const { return logDecay && decayPerKey ? keyDim : 1; }
  /// Prefetches what token t reads and writes. Token rows of [B, T, H, S]
  /// operands sit H * S elements apart, too far for the hardware prefetcher
  /// to follow from one token to the next.
  void prefetchToken(LoopEmitter &e, Value t) const;
  bool prefetches() const;
  /// The slice's column j as a slice of its own (V = 1).
  RecurrenceSlice column(Value j) const;
  /// Tokens [first, first + count) of the slice as a slice of their own:
  /// its token t is token first + t of this one.
  RecurrenceSlice tokenRange(LoopEmitter &e, Value first, Extent count) const;
  /// The number of tokens as an index value.
  Value length(LoopEmitter &e) const { return e.value(tokens); }

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

/// The sizes of an op's slices and tokens where the lowering emits them:
/// the signature's, with the dynamic ones read from the op's buffers.
struct SliceExtents {
  SmallVector<Extent, 2> slices;
  Extent tokens = 0;
  /// A packed batch's offsets (`cu_seqlens`, [N + 1] of i32 or i64; null:
  /// none): slices[0] is then the N sequences, the tokens are batch 0's T,
  /// and slice (n, ...) is tokens cu[n] .. cu[n + 1] with state n.
  Value offsets;
};

/// The slices of an op with `extents` and the sizes it reads: the state's
/// first dimension is the batch, or a packed batch's sequences.
Extent stateBatch(LoopEmitter &e, Extent batch, Value offsets);

/// Sequence `n`'s tokens [first, last) of a packed batch of `tokens`
/// tokens: its offsets clamped into [0, T], never decreasing, so that no
/// token outside is read whatever they hold.
std::pair<Value, Value> sequenceRange(LoopEmitter &e, Value offsets, Value n,
                                      Extent tokens);

/// Slice `ivs` of an op of signature `sig` as `emitSlices` hands it to the
/// target: built by `build`, and, for a packed batch, built for batch 0,
/// its state that of sequence ivs[0] and its tokens that sequence's (the
/// offsets clamped into [0, T], so no token outside is read).
RecurrenceSlice buildSliceOf(LoopEmitter &e, const RecurrenceSignature &sig,
                             const SliceExtents &extents, ValueRange ivs,
                             SliceBuilder build);

/// Slice `ivs` of an op of signature `sig`: RecurrenceSlice::of(sig) over
/// `tokens` tokens with the accessors `build` adds, which must be those the
/// signature names (a decay, a rank-one term, a bonus exactly where it has
/// them).
RecurrenceSlice buildSlice(LoopEmitter &e, const RecurrenceSignature &sig,
                           Extent tokens, ValueRange ivs, SliceBuilder build);

/// Every slice of a head-wise op with signature `sig` (its `slices`, K x V
/// states, of the sizes `extents`): recurrent (`chunk` == 0) or chunked.
/// `build` adds the accessors to a slice that RecurrenceSlice::of(sig)
/// made. The target lays the slices out (TargetInfo::emitSlices): on the
/// CPU they are parallel loop iterations; on the GPU see
/// LineaToGPU/Kernels.h.
void emitSlices(LoopEmitter &e, const RecurrenceSignature &sig,
                const SliceExtents &extents, int64_t chunk, SliceBuilder build);

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEACOMMON_RECURRENCECORE_H
