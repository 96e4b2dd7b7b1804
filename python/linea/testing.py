"""Helpers of the execution tests: MLIR text for one op per function, random
inputs in each element type, and the relative RMS error against float64."""

import sys

import numpy as np

from . import dtypes

TOLERANCE = {"f32": 1e-5, "f16": 1e-2, "bf16": 1e-2}


def tensor_type(shape, element):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [element])


def rel_rms(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if not np.all(np.isfinite(got)):
        return np.inf
    denom = np.sqrt(np.mean(want ** 2))
    return np.sqrt(np.mean((got - want) ** 2)) / (denom if denom > 0 else 1.0)


class Operand:
    """An op operand: its name, float64 value and element type; `keyword`
    names an optional operand (`gate`, `initial_state`, ...)."""

    def __init__(self, name, value, element, keyword=None):
        self.name, self.element, self.keyword = name, element, keyword
        # The kernel sees the value rounded to its element type; the reference
        # gets exactly that rounded value.
        self.array = dtypes.encode(value, element)
        self.value = dtypes.decode(self.array, element)
        self.type = tensor_type(np.shape(value), element)


def op_function(fn_name, op_name, operands, attrs, results):
    """A func.func that applies `op_name` to its arguments and returns
    `results` (a list of (shape, element)); with two results the op carries
    `final_state`."""
    params = ", ".join("%%%s: %s" % (o.name, o.type) for o in operands)
    rtypes = [tensor_type(s, e) for s, e in results]
    positional = [o for o in operands if o.keyword is None]
    optional = [o for o in operands if o.keyword is not None]
    text = "func.func @%s(%s) -> (%s) {\n" % (fn_name, params, ", ".join(rtypes))
    names = ", ".join("%%r%d" % i for i in range(len(results)))
    text += "  %s = %s %s" % (names, op_name, ", ".join("%" + o.name for o in positional))
    for o in optional:
        text += " %s(%%%s : %s)" % (o.keyword, o.name, o.type)
    if len(results) == 2:
        text += " final_state"
    if attrs:
        text += " {%s}" % attrs
    text += " : %s\n" % ", ".join(o.type for o in positional)
    text += "  return %s : %s\n}\n" % (names, ", ".join(rtypes))
    return text


class Checker:
    """Collects pass/fail lines and exits non-zero if any case failed."""

    def __init__(self):
        self.failures = 0
        self.count = 0

    def check(self, name, got, want, tol):
        err = rel_rms(got, want)
        ok = err <= tol
        self.count += 1
        self.failures += not ok
        print("%s %-60s rel_rms=%.3g (tol %.0e)" % ("PASS" if ok else "FAIL", name, err, tol))
        sys.stdout.flush()
        return ok

    def check_true(self, name, ok, detail=""):
        self.count += 1
        self.failures += not ok
        print("%s %-60s %s" % ("PASS" if ok else "FAIL", name, detail))

    def raises(self, name, fn, exc, text):
        """Passes when fn() raises `exc` with `text` in its message; returns
        the message (None when nothing was raised)."""
        try:
            fn()
        except exc as e:
            self.check_true(name, text in str(e), repr(str(e)))
            return str(e)
        self.check_true(name, False, "no %s raised" % exc.__name__)
        return None

    def finish(self):
        print("%d passed, %d failed" % (self.count - self.failures, self.failures))
        sys.exit(1 if self.failures else 0)


class HostDeviceArray:
    """A host array described as a GPU array (`__cuda_array_interface__`):
    stands for device memory where the driver's device memory is host
    memory (the project's fake CUDA driver), so that the device-pointer
    entry points run without a GPU."""

    def __init__(self, array):
        self.array = array
        self.__cuda_array_interface__ = {
            "shape": array.shape, "typestr": array.dtype.str, "strides": None,
            "data": (array.ctypes.data, False), "version": 3}
