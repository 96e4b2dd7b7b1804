//===- MathToNVPTXIntrinsics.cpp - Kernel math without libdevice ----------===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "linea/Transforms/GPU/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::linea {
#define GEN_PASS_DEF_MATHTONVPTXINTRINSICSPASS
#include "linea/Transforms/GPU/Passes.h.inc"
} // namespace mlir::linea

using namespace mlir;

namespace {

/// The overload suffix of an intrinsic on `type`: f32, f64, v16f32, ...
std::string suffix(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto vec = dyn_cast<VectorType>(type)) {
    os << "v" << vec.getNumElements();
    type = vec.getElementType();
  }
  os << "f" << type.getIntOrFloatBitWidth();
  return s;
}

Value intrinsic(OpBuilder &b, Location loc, StringRef name,
                ValueRange args) {
  Type type = args.front().getType();
  std::string full = ("llvm." + name + "." + suffix(type)).str();
  return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(full),
                                       args)
      .getResult(0);
}

struct MathToNVPTXIntrinsicsPass
    : public linea::impl::MathToNVPTXIntrinsicsPassBase<
          MathToNVPTXIntrinsicsPass> {
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      if (op->getNumResults() != 1)
        return;
      Type type = op->getResult(0).getType();
      Type element = getElementTypeOrSelf(type);
      if (!element.isF32() && !element.isF64())
        return;
      OpBuilder b(op);
      Location loc = op->getLoc();
      Value result =
          llvm::TypeSwitch<Operation *, Value>(op)
              .Case([&](math::SqrtOp) {
                return intrinsic(b, loc, "sqrt", op->getOperands());
              })
              .Case([&](math::RsqrtOp) {
                Attribute one = b.getFloatAttr(element, 1.0);
                if (auto vec = dyn_cast<VectorType>(type))
                  one = DenseElementsAttr::get(vec, one);
                Value c = arith::ConstantOp::create(b, loc, type,
                                                    cast<TypedAttr>(one));
                return arith::DivFOp::create(
                           b, loc, c,
                           intrinsic(b, loc, "sqrt", op->getOperands()))
                    .getResult();
              })
              .Case([&](math::AbsFOp) {
                return intrinsic(b, loc, "fabs", op->getOperands());
              })
              .Case([&](math::FloorOp) {
                return intrinsic(b, loc, "floor", op->getOperands());
              })
              .Case([&](math::CeilOp) {
                return intrinsic(b, loc, "ceil", op->getOperands());
              })
              .Case([&](math::FmaOp) {
                return intrinsic(b, loc, "fma", op->getOperands());
              })
              .Default([](Operation *) { return Value(); });
      if (!result)
        return;
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
    });
  }
};

} // namespace
