//===- LineaInterfaces.td - Interfaces of the linea dialect -*- tablegen -*-===//
//
// What every linea op shares: an output, an optional initial and final state,
// an evaluation form and a chunk size. Passes that choose or lower forms work
// on this interface rather than on each op.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_LINEAINTERFACES_TD
#define LINEA_DIALECT_LINEA_IR_LINEAINTERFACES_TD

include "mlir/IR/OpBase.td"

def Linea_RecurrenceOpInterface : OpInterface<"RecurrenceOpInterface"> {
  let cppNamespace = "::mlir::linea";
  let description = [{
    An op that evaluates a linear recurrence over a sequence and can be
    computed in several equivalent forms.
  }];
  let methods = [
    InterfaceMethod<"The main output of the op.", "::mlir::Value", "getOutput",
      (ins), [{ return $_op->getResult(0); }]>,
    InterfaceMethod<"The returned final state, or null.", "::mlir::Value",
      "getFinalStateValue", (ins), [{
        return $_op->getNumResults() > 1 ? $_op->getResult(1) : ::mlir::Value();
      }]>,
    InterfaceMethod<"The initial state operand, or null.", "::mlir::Value",
      "getInitialStateValue", (ins), [{ return $_op.getInitialState(); }]>,
    InterfaceMethod<[{The offsets of the sequences of a packed batch
      (`cu_seqlens`), or null: the op runs one sequence per batch entry.}],
      "::mlir::Value", "getCuSeqlensValue", (ins), [{}],
      [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"The evaluation form.", "::mlir::linea::Form",
      "getEvaluationForm", (ins), [{ return $_op.getForm(); }]>,
    InterfaceMethod<"Set the evaluation form.", "void", "setEvaluationForm",
      (ins "::mlir::linea::Form":$form), [{ $_op.setForm(form); }]>,
    InterfaceMethod<"The chunk size, if one is set.", "std::optional<int64_t>",
      "getChunkSizeValue", (ins), [{ return $_op.getChunkSize(); }]>,
    InterfaceMethod<[{The static facts of the op's recurrence (see
      RecurrenceSignature.h): slices, head sizes, decay, read-out, terms.}],
      "::mlir::linea::RecurrenceSignature", "getRecurrenceSignature", (ins)>,
    StaticInterfaceMethod<[{The forms `target` lowers, from the op's `forms`
      table in ODS (without `auto`).}],
      "::llvm::ArrayRef<::mlir::linea::Form>", "getImplementedForms",
      (ins "::mlir::linea::TargetKind":$target)>,
    StaticInterfaceMethod<[{Whether the op has this form: `auto`, or a form
      some target lowers.}], "bool", "supportsForm",
      (ins "::mlir::linea::Form":$form), [{}], [{
        return form == ::mlir::linea::Form::auto_ ||
               ::llvm::is_contained(
                   ConcreteOp::getImplementedForms(
                       ::mlir::linea::TargetKind::CPU), form) ||
               ::llvm::is_contained(
                   ConcreteOp::getImplementedForms(
                       ::mlir::linea::TargetKind::GPU), form);
      }]>,
    InterfaceMethod<[{The final state after no tokens, from no initial
      state, as a constant of the final state's type `type` (zeros unless
      the op's state says otherwise).}], "::mlir::DenseElementsAttr",
      "getEmptyState", (ins "::mlir::RankedTensorType":$type), [{}], [{
        return ::mlir::DenseElementsAttr::get(type,
            ::mlir::FloatAttr::get(type.getElementType(), 0.0));
      }]>,
  ];
}

#endif // LINEA_DIALECT_LINEA_IR_LINEAINTERFACES_TD
