//===- TargetInfo.h - What each lowering target decides ----------*- C++
//-*-===//
//
// The shared lowerings (the op mappings and the recurrence core) emit the
// same code for every target except where the target decides: how parallel
// loops run, how the slices and chunks of a head-wise op are evaluated, how
// many channels a thread runs as vector lanes. Each target answers these in
// its own library, as Triton's TargetInfoBase does: CPU in LineaToLoops,
// GPU in LineaToGPU; nothing here branches on the kind of target.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEACOMMON_TARGETINFO_H
#define LINEA_LIB_CONVERSION_LINEACOMMON_TARGETINFO_H

#include "RecurrenceCore.h"

namespace mlir::linea::detail {

class TargetInfo {
public:
  virtual ~TargetInfo() = default;

  /// Which of each op's form tables applies.
  virtual TargetKind getKind() const = 0;
  /// The target's name in diagnostics.
  virtual StringRef getName() const = 0;

  /// Runs `body` for every point of `[0, ubs)`, the points on separate
  /// threads.
  virtual void parallel(LoopEmitter &e, ArrayRef<Extent> ubs,
                        LoopEmitter::ParallelBody body) const = 0;

  /// Every slice of a head-wise op of signature `sig`, recurrent (`chunk`
  /// == 0) or in chunks (see emitSlices).
  virtual void emitSlices(LoopEmitter &e, const RecurrenceSignature &sig,
                          const SliceExtents &extents, int64_t chunk,
                          SliceBuilder build) const = 0;

  /// One slice in chunks; by default token by token within each chunk
  /// (emitChunksByTokens).
  virtual void emitChunkedSlice(LoopEmitter &e, const RecurrenceSlice &slice,
                                int64_t chunk) const;

  /// Whether the target lowers dynamic batch and sequence dimensions (the
  /// CPU); the others need static shapes.
  virtual bool lowersDynamicShapes() const { return false; }

  /// Whether prefetch hints are worth emitting (LoopEmitter::prefetchRow).
  virtual bool prefetches() const { return false; }

  /// The most adjacent channels one thread runs as the lanes of one vector
  /// (the channel-wise wkv4).
  virtual int64_t maxChannelLanes() const { return 1; }

  /// Threads that share the `stateSize` state entries of one channel of the
  /// selective scan (1: the entries are one vector in one thread).
  virtual int64_t threadsPerChannel(int64_t stateSize) const { return 1; }

  /// Whether the selective scan's recurrent form runs each channel as a
  /// RecurrenceSlice (state rows in vector registers, prefetches, spans of
  /// outputs summed together) rather than as threadsPerChannel threads.
  virtual bool runsChannelsAsSlices() const { return false; }
};

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEACOMMON_TARGETINFO_H
