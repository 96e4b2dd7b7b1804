//===- EmulateGPU.cpp - gpu.launch kernels on host threads ----------------===//
//
// See the pass description in Passes.td. A block's threads must all run at
// once for its barriers to mean what they mean on the GPU: OpenMP's team of
// threads is exactly that, and omp.barrier is a team barrier.
//
//===----------------------------------------------------------------------===//

#include "linea/Dialect/Linea/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::linea {
#define GEN_PASS_DEF_EMULATEGPUPASS
#include "linea/Dialect/Linea/Transforms/Passes.h.inc"
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
  omp::ParallelOperands clauses;
  clauses.numThreads = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                                  threads);
  auto team = omp::ParallelOp::create(b, loc, clauses);
  if (shared)
    memref::DeallocOp::create(b, loc, shared);
  if (lanes)
    memref::DeallocOp::create(b, loc, lanes);
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
    }
    declareThreadNum(getOperation());
    for (gpu::LaunchOp launch : launches)
      emulate(launch);
  }
};

} // namespace
