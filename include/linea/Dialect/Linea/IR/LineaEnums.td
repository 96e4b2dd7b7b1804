//===- LineaEnums.td - Enum attributes of the linea dialect -*- tablegen -*-===//
//
// The feature map of linear attention, the evaluation form of every
// recurrence and the activation of the short convolution.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_LINEAENUMS_TD
#define LINEA_DIALECT_LINEA_IR_LINEAENUMS_TD

include "linea/Dialect/Linea/IR/LineaDialect.td"
include "mlir/IR/EnumAttr.td"

def Linea_FeatureMap : I32EnumAttr<"FeatureMap",
    "feature map applied to queries and keys", [
      I32EnumAttrCase<"identity", 0>,
      I32EnumAttrCase<"elu_plus_one", 1>,
      I32EnumAttrCase<"relu", 2>]> {
  let cppNamespace = "::mlir::linea";
  let genSpecializedAttr = 0;
}

def Linea_FeatureMapAttr : EnumAttr<Linea_Dialect, Linea_FeatureMap,
                                    "feature_map"> {
  let assemblyFormat = "`<` $value `>`";
}

def Linea_Form : I32EnumAttr<"Form", "evaluation form of a recurrence", [
      I32EnumAttrCase<"auto_", 0, "auto">,
      I32EnumAttrCase<"quadratic", 1>,
      I32EnumAttrCase<"chunked", 2>,
      I32EnumAttrCase<"recurrent", 3>,
      I32EnumAttrCase<"scan", 4>]> {
  let cppNamespace = "::mlir::linea";
  let genSpecializedAttr = 0;
}

def Linea_FormAttr : EnumAttr<Linea_Dialect, Linea_Form, "form"> {
  let assemblyFormat = "`<` $value `>`";
}

def Linea_Activation : I32EnumAttr<"Activation",
    "activation applied to a convolution's output", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"silu", 1>]> {
  let cppNamespace = "::mlir::linea";
  let genSpecializedAttr = 0;
}

def Linea_ActivationAttr : EnumAttr<Linea_Dialect, Linea_Activation,
                                    "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // LINEA_DIALECT_LINEA_IR_LINEAENUMS_TD
