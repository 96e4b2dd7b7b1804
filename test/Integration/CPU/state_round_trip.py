# RUN: %python %s
# For every op: running T tokens in one call equals running them in two calls
# that pass the final state of the first as the initial state of the second.

import numpy as np

import linea
from linea.testing import Checker, Operand, op_function

rng = np.random.default_rng(5)
checker = Checker()


def run_split(name, op, make, time_axis, split, state_shape, out_shape, attrs=""):
    """`make(T)` returns [(name, value, element, keyword)] for T tokens; the
    time axis of each activation is given by `time_axis[name]`."""
    T = out_shape[time_axis["__out__"]]
    full = make()
    def operands(lo, hi, init):
        ops = []
        for n, value, elt, kw in full:
            if n in time_axis:
                value = np.take(value, range(lo, hi), axis=time_axis[n])
            ops.append(Operand(n, value, elt, kw))
        if init:
            ops.append(Operand("s0", np.zeros(state_shape), "f32", "initial_state"))
        return ops
    shape = lambda t: tuple(t if i == time_axis["__out__"] else d for i, d in enumerate(out_shape))
    texts = [op_function("whole", op, operands(0, T, False), attrs, [(out_shape, "f32"), (state_shape, "f32")]),
             op_function("first", op, operands(0, split, False), attrs, [(shape(split), "f32"), (state_shape, "f32")]),
             op_function("second", op, operands(split, T, True), attrs, [(shape(T - split), "f32"), (state_shape, "f32")])]
    lib = linea.compile_text("\n".join(texts))
    o, s = lib.whole(*[x.array for x in operands(0, T, False)])
    o1, s1 = lib.first(*[x.array for x in operands(0, split, False)])
    second = operands(split, T, True)
    second[-1].array = s1
    o2, s2 = lib.second(*[x.array for x in second])
    checker.check(name + " split output", np.concatenate([o1, o2], axis=time_axis["__out__"]), o, 1e-6)
    checker.check(name + " split state", s2, s, 1e-6)


B, T, H, S = 2, 10, 2, 8
heads = lambda: rng.standard_normal((B, T, H, S))
decay = lambda: -np.exp(rng.standard_normal((B, T, H, S)) - 1)
run_split("wkv6", "linea.wkv6",
          lambda: [("r", heads(), "f32", None), ("k", heads(), "f32", None),
                   ("v", heads(), "f32", None), ("w", decay(), "f32", None),
                   ("u", rng.standard_normal((H, S)), "f32", None)],
          {"r": 1, "k": 1, "v": 1, "w": 1, "__out__": 1}, 3, (B, H, S, S), (B, T, H, S))
run_split("wkv7", "linea.wkv7",
          lambda: [("r", heads(), "f32", None), ("w", decay(), "f32", None),
                   ("k", heads(), "f32", None), ("v", heads(), "f32", None),
                   ("a", 0.2 * heads(), "f32", None), ("b", 0.2 * heads(), "f32", None)],
          {n: 1 for n in ["r", "w", "k", "v", "a", "b", "__out__"]}, 6, (B, H, S, S), (B, T, H, S))
C = 16
run_split("wkv4", "linea.wkv4",
          lambda: [("w", rng.standard_normal(C), "f32", None), ("u", rng.standard_normal(C), "f32", None),
                   ("k", 5 * rng.standard_normal((B, T, C)), "f32", None),
                   ("v", rng.standard_normal((B, T, C)), "f32", None)],
          {"k": 1, "v": 1, "__out__": 1}, 4, (B, 3, C), (B, T, C))
D, N, G = 8, 4, 2
run_split("selective_scan", "linea.selective_scan",
          lambda: [("u", rng.standard_normal((B, D, T)), "f32", None),
                   ("dt", rng.random((B, D, T)), "f32", None),
                   ("A", -np.exp(rng.standard_normal((D, N))), "f32", None),
                   ("Bm", rng.standard_normal((B, G, N, T)), "f32", None),
                   ("Cm", rng.standard_normal((B, G, N, T)), "f32", None),
                   ("Ds", rng.standard_normal(D), "f32", "D_skip"),
                   ("z", rng.standard_normal((B, D, T)), "f32", "z")],
          {"u": 2, "dt": 2, "Bm": 3, "Cm": 3, "z": 2, "__out__": 2}, 5, (B, D, N), (B, D, T),
          attrs="delta_softplus")
checker.finish()
