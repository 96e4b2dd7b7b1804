# RUN: %python %s
# Compiled entry points check every memref descriptor at run time, inputs and
# outputs: a wrong size, stride, offset or a null pointer comes back as an
# error code and a message, and the kernel never runs on it.

import ctypes

import numpy as np

import linea
from linea.builder import Function
from linea.runtime import descriptor_type
from linea.testing import Checker

checker = Checker()
f = Function("wkv6")
r = f.arg("r", (1, 4, 2, 8))
u = f.arg("u", (2, 8))
f.ret(f.wkv6(r, r, r, r, u))
fn = linea.compile(f)
rng = np.random.default_rng(0)
ra = np.ascontiguousarray(-rng.random((1, 4, 2, 8)), dtype=np.float32)
ua = np.ascontiguousarray(rng.random((2, 8)), dtype=np.float32)


def descriptor(array, sizes=None, strides=None, offset=0, data=True):
    d = descriptor_type(array.ndim)()
    d.allocated = d.aligned = array.ctypes.data if data else None
    d.offset = offset
    d.sizes[:] = sizes or array.shape
    d.strides[:] = strides or [s // array.itemsize for s in array.strides]
    return d


out = np.empty((1, 4, 2, 8), dtype=np.float32)


def call(args):
    try:
        fn.call_descriptors(*[ctypes.byref(a) if a is not None else None for a in args])
        return "ok"
    except ValueError as e:
        return str(e)


good = [descriptor(ra), descriptor(ua), descriptor(out)]
got = call(good)
checker.check_true("good descriptors run", got == "ok", got)
cases = [
    ("wrong size", 0, descriptor(ra, sizes=[1, 4, 2, 9]),
     "wkv6: r has size 9 in dimension 3, expected 8"),
    ("wrong leading size", 0, descriptor(ra, sizes=[2, 4, 2, 8]),
     "wkv6: r has size 2 in dimension 0, expected 1"),
    ("strided view", 0, descriptor(ra, strides=[64, 16, 8, 2]),
     "wkv6: r has stride 2 in dimension 3, expected 1 (dense row-major)"),
    ("offset", 1, descriptor(ua, offset=3), "wkv6: u has offset 3, expected 0"),
    ("no data", 0, descriptor(ra, data=False), "wkv6: r has no data"),
    ("null descriptor", 1, None, "wkv6: u is null"),
    ("output of the wrong size", 2, descriptor(np.empty((1, 4, 2, 4), np.float32)),
     "wkv6: out0 has size 4 in dimension 3, expected 8"),
    ("null output", 2, None, "wkv6: out0 is null"),
]
for name, index, bad, message in cases:
    args = list(good)
    args[index] = bad
    got = call(args)
    checker.check_true("rejected: " + name, got == message, repr(got))
# The good call filled the caller's output buffer.
import linea.reference as reference  # noqa: E402
rr, ur = ra.astype(np.float64), ua.astype(np.float64)
checker.check("output buffer filled", out, reference.wkv6(rr, rr, rr, rr, ur)[0], 1e-5)
checker.finish()
