//===- GPUResidency.cpp - Buffers of GPU kernels in device memory ---------===//
//
// See the pass description in Passes.td. Buffers are followed through
// views to their root (an allocation, a function argument or a global), and
// placed by root: every view a launch captures is rebuilt on the root's
// device copy just before the launch.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/GPU/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::linea {
#define GEN_PASS_DEF_COPIESTOLINALGPASS
#define GEN_PASS_DEF_GPURESIDENCYPASS
#include "linea/Transforms/GPU/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {

/// The buffer a view reads, through any chain of views.
Value rootOf(Value buffer) {
  while (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
    buffer = view.getViewSource();
  return buffer;
}

/// Every use of `root` and of views of it, outside views themselves.
void collectUses(Value root, SmallVectorImpl<OpOperand *> &uses) {
  for (OpOperand &use : root.getUses()) {
    auto view = dyn_cast<ViewLikeOpInterface>(use.getOwner());
    if (view && view.getViewSource() == root) {
      for (Value result : use.getOwner()->getResults())
        collectUses(result, uses);
      continue;
    }
    uses.push_back(&use);
  }
}

/// Whether the body of `launch` may write `root` (through a view).
bool launchWrites(gpu::LaunchOp launch, Value root) {
  bool writes = false;
  launch.getBody().walk([&](MemoryEffectOpInterface op) {
    SmallVector<MemoryEffects::EffectInstance> effects;
    op.getEffects(effects);
    for (auto &effect : effects)
      if (isa<MemoryEffects::Write>(effect.getEffect()) && effect.getValue() &&
          rootOf(effect.getValue()) == root)
        writes = true;
  });
  return writes;
}

struct Residency {
  func::FuncOp func;
  bool devicePointers;
  /// Captured buffers of each launch, grouped by root.
  llvm::MapVector<Value, SmallVector<gpu::LaunchOp>> launchesOf;

  LogicalResult run() {
    func.walk([&](gpu::LaunchOp launch) {
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(launch.getBody(), captured);
      for (Value value : captured)
        if (isa<MemRefType>(value.getType())) {
          auto &launches = launchesOf[rootOf(value)];
          if (launches.empty() || launches.back() != launch)
            launches.push_back(launch);
        }
    });
    for (auto &[root, launches] : launchesOf)
      if (failed(place(root, launches)))
        return failure();
    return success();
  }

  /// Rebuilds inside-launch uses of `root`'s views on `device`.
  void redirect(gpu::LaunchOp launch, Value root, Value device) {
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(launch.getBody(), captured);
    OpBuilder b(launch);
    for (Value value : captured) {
      if (!isa<MemRefType>(value.getType()) || rootOf(value) != root)
        continue;
      // The chain of views from the root down to `value`, rebuilt.
      SmallVector<Operation *> chain;
      for (Value v = value; v != root;) {
        Operation *op = v.getDefiningOp();
        chain.push_back(op);
        v = cast<ViewLikeOpInterface>(op).getViewSource();
      }
      IRMapping map;
      map.map(root, device);
      for (Operation *op : llvm::reverse(chain))
        b.clone(*op, map);
      replaceAllUsesInRegionWith(value, map.lookup(value), launch.getBody());
    }
  }

  LogicalResult place(Value root, ArrayRef<gpu::LaunchOp> launches) {
    auto type = dyn_cast<MemRefType>(root.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return emitError(root.getLoc())
             << "a GPU kernel reads a buffer of type " << root.getType()
             << "; only static buffers with the identity layout are placed";
    SmallVector<OpOperand *> uses;
    collectUses(root, uses);
    bool hostUse = llvm::any_of(uses, [](OpOperand *use) {
      return !use->getOwner()->getParentOfType<gpu::LaunchOp>() &&
             !isa<memref::DeallocOp>(use->getOwner());
    });
    auto alloc = root.getDefiningOp<memref::AllocOp>();
    if (alloc && !hostUse) {
      OpBuilder b(alloc);
      auto device = gpu::AllocOp::create(b, alloc.getLoc(), type, Type(),
                                         ValueRange(), ValueRange(),
                                         ValueRange());
      for (OpOperand *use : uses)
        if (auto dealloc = dyn_cast<memref::DeallocOp>(use->getOwner())) {
          OpBuilder db(dealloc);
          gpu::DeallocOp::create(db, dealloc.getLoc(), TypeRange(),
                                 ValueRange(), dealloc.getMemref());
          dealloc.erase();
        }
      alloc.getResult().replaceAllUsesWith(device.getMemref());
      alloc.erase();
      return success();
    }
    bool argument = isa<BlockArgument>(root) &&
                    cast<BlockArgument>(root).getOwner()->isEntryBlock() &&
                    cast<BlockArgument>(root).getOwner()->getParentOp() == func;
    bool global = root.getDefiningOp<memref::GetGlobalOp>() != nullptr;
    if (devicePointers && !(global && !hostUse)) {
      if (argument && !hostUse)
        return success();
      return emitError(root.getLoc())
             << "in a device-pointer entry point, a buffer GPU kernels use "
                "is also used on the host";
    }
    // Constants (globals) are copied in like arguments.
    if (!hostUse && (argument || global))
      return mirrorForCall(root, type, launches);
    for (gpu::LaunchOp launch : launches)
      mirrorForLaunch(root, type, launch);
    return success();
  }

  /// One device copy for the whole call.
  LogicalResult mirrorForCall(Value root, MemRefType type,
                              ArrayRef<gpu::LaunchOp> launches) {
    OpBuilder b(func.getContext());
    b.setInsertionPointAfterValue(root);
    Location loc = root.getLoc();
    Value device = gpu::AllocOp::create(b, loc, type, Type(), ValueRange(),
                                        ValueRange(), ValueRange())
                       .getMemref();
    gpu::MemcpyOp::create(b, loc, TypeRange(), ValueRange(), device, root);
    bool written = llvm::any_of(launches, [&](gpu::LaunchOp launch) {
      return launchWrites(launch, root);
    });
    for (gpu::LaunchOp launch : launches)
      redirect(launch, root, device);
    func.walk([&](func::ReturnOp ret) {
      OpBuilder rb(ret);
      if (written)
        gpu::MemcpyOp::create(rb, loc, TypeRange(), ValueRange(), root,
                              device);
      gpu::DeallocOp::create(rb, loc, TypeRange(), ValueRange(), device);
    });
    return success();
  }

  /// A device copy around one launch.
  void mirrorForLaunch(Value root, MemRefType type, gpu::LaunchOp launch) {
    OpBuilder b(launch);
    Location loc = launch.getLoc();
    Value device = gpu::AllocOp::create(b, loc, type, Type(), ValueRange(),
                                        ValueRange(), ValueRange())
                       .getMemref();
    gpu::MemcpyOp::create(b, loc, TypeRange(), ValueRange(), device, root);
    bool written = launchWrites(launch, root);
    redirect(launch, root, device);
    b.setInsertionPointAfter(launch);
    if (written)
      gpu::MemcpyOp::create(b, loc, TypeRange(), ValueRange(), root, device);
    gpu::DeallocOp::create(b, loc, TypeRange(), ValueRange(), device);
  }
};

struct CopiesToLinalgPass
    : public linea::impl::CopiesToLinalgPassBase<CopiesToLinalgPass> {
  void runOnOperation() override {
    getOperation()->walk([](memref::CopyOp copy) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }
};

struct GPUResidencyPass
    : public linea::impl::GPUResidencyPassBase<GPUResidencyPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      Residency residency{func, func->hasAttr(linea::kDevicePointersAttr), {}};
      if (failed(residency.run()))
        return signalPassFailure();
    }
  }
};

} // namespace
