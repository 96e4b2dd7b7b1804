//===- ChunkMatrices.h - Chunks as matrices on the CPU -----------*- C++
//-*-===//
//
// Private to convert-linea-to-loops.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_LIB_CONVERSION_LINEATOLOOPS_CHUNKMATRICES_H
#define LINEA_LIB_CONVERSION_LINEATOLOOPS_CHUNKMATRICES_H

#include "../LineaCommon/RecurrenceCore.h"
#include "linea/Conversion/LineaToLoops/LineaToLoops.h"

namespace mlir::linea::detail {

/// The chunked evaluation on the CPU as contractions on the chunk's staged
/// rows (see ChunkMatrices.cpp), for chunks whose matrices fit in a slice's
/// stack frame (chunkMatricesFit): at most kMaxMatrixChunk tokens and
/// kMaxMatrixBytes of buffers, well inside an OpenMP worker's 4 MiB stack.
void emitChunkMatrices(LoopEmitter &e, const RecurrenceSlice &slice,
                       int64_t chunk);
bool chunkMatricesFit(const RecurrenceSlice &slice, int64_t chunk);
constexpr int64_t kMaxMatrixBytes = 1 << 20;

} // namespace mlir::linea::detail

#endif // LINEA_LIB_CONVERSION_LINEATOLOOPS_CHUNKMATRICES_H
