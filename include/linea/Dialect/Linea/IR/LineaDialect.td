//===- LineaDialect.td - The linea dialect definition ------*- tablegen -*-===//
//
// The dialect of sub-quadratic sequence mixers: linear attention, Mamba's
// selective scan and RWKV's WKV, as ops with one precise semantics each.
//
//===----------------------------------------------------------------------===//

#ifndef LINEA_DIALECT_LINEA_IR_LINEADIALECT_TD
#define LINEA_DIALECT_LINEA_IR_LINEADIALECT_TD

include "mlir/IR/OpBase.td"

def Linea_Dialect : Dialect {
  let name = "linea";
  let cppNamespace = "::mlir::linea";
  let summary = "Sub-quadratic sequence mixers: linear attention, selective scan, WKV";
  let description = [{
    The `linea` dialect holds the sequence-mixing ops of sub-quadratic models.
    All of them are instances of one recurrence over a key-major state,

        S_t = G_t S_{t-1} + k_t v_t^T,

    with `G_t` diagonal (linear attention, GLA, Mamba, RWKV-5/6) or diagonal
    plus rank one (RWKV-7). Every op can be evaluated in several equivalent
    forms (quadratic, chunked, recurrent, scan); the `form` attribute records
    the choice, and `linea-select-form` makes it where the user left it
    `auto`. Decays are given in log space; the state is always f32.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Linea_Op<string mnemonic, list<Trait> traits = []>
    : Op<Linea_Dialect, mnemonic, traits>;

#endif // LINEA_DIALECT_LINEA_IR_LINEADIALECT_TD
