//===- EmulateGPU.cpp - gpu.launch kernels on host threads ----------------===//
//
// See the pass description in Passes.td. A block's threads must all run at
// once for its barriers to mean what they mean on the GPU: OpenMP's team of
// threads is exactly that, and omp.barrier is a team barrier.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/GPU/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::linea {
#define GEN_PASS_DEF_EMULATEGPUPASS
#include "linea/Transforms/GPU/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {

constexpr StringLiteral kThreadNum = "omp_get_thread_num";

/// Declares `int omp_get_thread_num(void)` once.
void declareThreadNum(ModuleOp module) {
  if (module.lookupSymbol(kThreadNum))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto decl = func::FuncOp::create(
      b, module.getLoc(), kThreadNum,
      b.getFunctionType({}, {b.getI32Type()}));
  decl.setPrivate();
}

/// The memref type without its memory space (workgroup memory is host
/// memory here).
MemRefType inHostMemory(MemRefType type) {
  return MemRefType::get(type.getShape(), type.getElementType(),
                         type.getLayout());
}

/// Whether `op` is the one warp-level mma the emulator knows: m16n8k8 on
/// tf32, f32 accumulators.
bool isEmulatedMma(nvgpu::MmaSyncOp op) {
  auto shape = op.getMmaShapeAsArray();
  return shape[0] == 16 && shape[1] == 8 && shape[2] == 8 &&
         op.getTf32Enabled() &&
         op.getMatrixA().getType() ==
             VectorType::get({4, 1}, Float32Type::get(op.getContext())) &&
         op.getMatrixB().getType() ==
             VectorType::get({2, 1}, Float32Type::get(op.getContext())) &&
         op.getMatrixC().getType() ==
             VectorType::get({2, 2}, Float32Type::get(op.getContext()));
}

/// mma.sync m16n8k8 tf32 for the warp of thread `tid`: each thread leaves
/// its A and B fragments in `fragments` (6 slots per thread), and after a
/// team barrier computes its four accumulator entries from the fragments of
/// the lanes that hold their rows and columns, following the PTX ISA's
/// layouts (lane l, g = l / 4, c = l % 4; A holds (g, c), (g + 8, c),
/// (g, c + 4), (g + 8, c + 4); B holds (c, g), (c + 4, g); C and D hold
/// (g, 2c), (g, 2c + 1), (g + 8, 2c), (g + 8, 2c + 1)). The tensor cores
/// read only the tf32 bits of each operand (the low 13 are dropped here
/// too); products of tf32 values are exact in f32.
void emulateMma(nvgpu::MmaSyncOp mma, Value fragments, Value tid) {
  OpBuilder b(mma);
  Location loc = mma.getLoc();
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, int64_t y) -> Value {
    return arith::MulIOp::create(b, loc, x, index(y));
  };
  Value slot0 = mul(tid, 6);
  auto put = [&](Value vec, int64_t count, int64_t first) {
    for (int64_t i = 0; i < count; ++i) {
      Value x = vector::ExtractOp::create(b, loc, vec,
                                          ArrayRef<int64_t>{i, 0});
      memref::StoreOp::create(b, loc, x, fragments,
                              add(slot0, index(first + i)));
    }
  };
  put(mma.getMatrixA(), 4, 0);
  put(mma.getMatrixB(), 2, 4);
  omp::BarrierOp::create(b, loc);
  Value lane = arith::RemUIOp::create(b, loc, tid, index(32));
  Value warp = arith::SubIOp::create(b, loc, tid, lane);
  Value g = arith::DivUIOp::create(b, loc, lane, index(4));
  Value c = arith::RemUIOp::create(b, loc, lane, index(4));
  auto i32 = b.getI32Type();
  Value mask = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(0xffffe000u)));
  // Slot `slot` of lane `l` of this warp, as tf32.
  auto fetch = [&](Value l, int64_t slot) -> Value {
    Value x = memref::LoadOp::create(
        b, loc, fragments, add(mul(add(warp, l), 6), index(slot)));
    Value bits = arith::BitcastOp::create(b, loc, i32, x);
    bits = arith::AndIOp::create(b, loc, bits, mask);
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  };
  SmallVector<Value> entries;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t q = 0; q < 2; ++q) {
      // Entry (g + 8r, 2c + q): row g of A's lanes 4g .. 4g + 3, column
      // 2c + q of B's lanes 4(2c + q) .. 4(2c + q) + 3.
      Value acc = vector::ExtractOp::create(b, loc, mma.getMatrixC(),
                                            ArrayRef<int64_t>{r, q});
      Value col = add(mul(c, 2), index(q));
      for (int64_t k = 0; k < 8; ++k) {
        Value a = fetch(add(mul(g, 4), index(k % 4)), r + 2 * (k / 4));
        Value bv = fetch(add(mul(col, 4), index(k % 4)), 4 + k / 4);
        acc = arith::AddFOp::create(b, loc, acc,
                                    arith::MulFOp::create(b, loc, a, bv));
      }
      entries.push_back(acc);
    }
  omp::BarrierOp::create(b, loc);
  Value d = vector::FromElementsOp::create(b, loc, mma.getRes().getType(),
                                           entries);
  mma.replaceAllUsesWith(d);
  mma.erase();
}

void emulate(gpu::LaunchOp launch) {
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value zero = index(0), one = index(1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value threads = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block.x, block.y), block.z);
  Value bytes = launch.getDynamicSharedMemorySize();

  // for bz, by, bx: one team per block.
  SmallVector<Value> blockIds;
  for (Value size : {grid.z, grid.y, grid.x}) {
    auto loop = scf::ForOp::create(b, loc, zero, size, one);
    blockIds.insert(blockIds.begin(), loop.getInductionVar());
    b.setInsertionPointToStart(loop.getBody());
  }
  Value shared;
  if (bytes) {
    Value size = arith::IndexCastOp::create(b, loc, b.getIndexType(), bytes);
    shared = memref::AllocOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
        ValueRange{size});
  }
  // Shuffles exchange values through a buffer with a slot per thread.
  Value lanes;
  if (launch.getBody()
          .walk([](gpu::ShuffleOp) { return WalkResult::interrupt(); })
          .wasInterrupted())
    lanes = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, b.getF32Type()),
        ValueRange{threads});
  // mma.sync fragments, 6 slots per thread.
  Value fragments;
  if (launch.getBody()
          .walk([](nvgpu::MmaSyncOp) { return WalkResult::interrupt(); })
          .wasInterrupted()) {
    Value slots = arith::MulIOp::create(b, loc, threads, index(6));
    fragments = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, b.getF32Type()),
        ValueRange{slots});
  }
  omp::ParallelOperands clauses;
  clauses.numThreads = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                                  threads);
  auto team = omp::ParallelOp::create(b, loc, clauses);
  if (shared)
    memref::DeallocOp::create(b, loc, shared);
  if (lanes)
    memref::DeallocOp::create(b, loc, lanes);
  if (fragments)
    memref::DeallocOp::create(b, loc, fragments);
  Block *body = b.createBlock(&team.getRegion());
  b.setInsertionPointToStart(body);
  Value tid = arith::IndexCastOp::create(
      b, loc, b.getIndexType(),
      func::CallOp::create(b, loc, kThreadNum, TypeRange{b.getI32Type()},
                           ValueRange())
          .getResult(0));
  Value tx = arith::RemUIOp::create(b, loc, tid, block.x);
  Value rest = arith::DivUIOp::create(b, loc, tid, block.x);
  Value ty = arith::RemUIOp::create(b, loc, rest, block.y);
  Value tz = arith::DivUIOp::create(b, loc, rest, block.y);

  IRMapping map;
  gpu::KernelDim3 blockArgs = launch.getBlockIds();
  gpu::KernelDim3 threadArgs = launch.getThreadIds();
  gpu::KernelDim3 gridArgs = launch.getGridSize();
  gpu::KernelDim3 sizeArgs = launch.getBlockSize();
  map.map(blockArgs.x, blockIds[0]);
  map.map(blockArgs.y, blockIds[1]);
  map.map(blockArgs.z, blockIds[2]);
  map.map(threadArgs.x, tx);
  map.map(threadArgs.y, ty);
  map.map(threadArgs.z, tz);
  map.map(gridArgs.x, grid.x);
  map.map(gridArgs.y, grid.y);
  map.map(gridArgs.z, grid.z);
  map.map(sizeArgs.x, block.x);
  map.map(sizeArgs.y, block.y);
  map.map(sizeArgs.z, block.z);
  for (Operation &op : launch.getBody().front().without_terminator())
    b.clone(op, map);
  omp::TerminatorOp::create(b, loc);

  // Shared memory and barriers, in host terms.
  SmallVector<nvgpu::MmaSyncOp> mmas;
  team.walk([&](nvgpu::MmaSyncOp mma) { mmas.push_back(mma); });
  for (nvgpu::MmaSyncOp mma : mmas)
    emulateMma(mma, fragments, tid);
  team.walk([&](Operation *op) {
    OpBuilder rb(op);
    if (isa<gpu::DynamicSharedMemoryOp>(op)) {
      op->getResult(0).replaceAllUsesWith(shared);
      op->erase();
    } else if (auto view = dyn_cast<memref::ViewOp>(op)) {
      if (view.getSource() != shared)
        return;
      auto hostView = memref::ViewOp::create(
          rb, view.getLoc(), inHostMemory(view.getType()), shared,
          view.getByteShift(), view.getSizes());
      view.replaceAllUsesWith(hostView.getResult());
      view.erase();
    } else if (isa<gpu::BarrierOp>(op)) {
      omp::BarrierOp::create(rb, op->getLoc());
      op->erase();
    } else if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
      // Every thread of the block runs the same shuffles (uniform control
      // flow), so a team barrier stands for the warp's exchange.
      Location l = shuffle.getLoc();
      memref::StoreOp::create(rb, l, shuffle.getValue(), lanes, tid);
      omp::BarrierOp::create(rb, l);
      Value offset = arith::IndexCastOp::create(rb, l, rb.getIndexType(),
                                                shuffle.getOffset());
      Value partner = arith::XOrIOp::create(rb, l, tid, offset);
      Value got = memref::LoadOp::create(rb, l, lanes, partner);
      omp::BarrierOp::create(rb, l);
      Value valid = arith::ConstantOp::create(rb, l, rb.getBoolAttr(true));
      shuffle.replaceAllUsesWith(ValueRange{got, valid});
      shuffle.erase();
    }
  });
  launch.erase();
}

struct EmulateGPUPass : public linea::impl::EmulateGPUPassBase<EmulateGPUPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    if (launches.empty())
      return;
    for (gpu::LaunchOp launch : launches) {
      if (launch.getAsyncToken() || !launch.getBody().hasOneBlock()) {
        launch.emitOpError("is not emulated: it is async or has several "
                           "blocks");
        return signalPassFailure();
      }
      WalkResult unsupported = launch.walk([](gpu::ShuffleOp shuffle) {
        if (shuffle.getMode() == gpu::ShuffleMode::XOR &&
            shuffle.getValue().getType().isF32())
          return WalkResult::advance();
        shuffle.emitOpError("is not emulated (only f32 xor shuffles are)");
        return WalkResult::interrupt();
      });
      if (unsupported.wasInterrupted())
        return signalPassFailure();
      unsupported = launch.walk([](nvgpu::MmaSyncOp mma) {
        if (isEmulatedMma(mma))
          return WalkResult::advance();
        mma.emitOpError("is not emulated (only m16n8k8 on tf32 is)");
        return WalkResult::interrupt();
      });
      if (unsupported.wasInterrupted())
        return signalPassFailure();
    }
    declareThreadNum(getOperation());
    for (gpu::LaunchOp launch : launches)
      emulate(launch);
  }
};

} // namespace
