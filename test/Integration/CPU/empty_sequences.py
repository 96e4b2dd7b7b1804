# RUN: %python %s
# Empty batches and sequences (the op docs' semantics): every op (the
# convolution among them) in every form with T = 0 returns an empty output and its initial state as the final
# state (zeros, or wkv4's empty state (0, 0, -1e38), without one); with B = 0
# both are empty. numpy's empty arrays (whose strides address nothing) pass
# the checked entry points.

import numpy as np

import linea
from linea.testing import Checker, Operand, op_function

checker = Checker()
rng = np.random.default_rng(14)


def la(B, T):
    return ("linea.linear_attention",
            [("q", (B, T, 2, 8)), ("k", (B, T, 2, 8)), ("v", (B, T, 2, 4))],
            "causal", (B, T, 2, 4), (B, 2, 8, 4), ["recurrent", "quadratic", "chunked", "auto"])


def ss(B, T):
    return ("linea.selective_scan",
            [("u", (B, 4, T)), ("dt", (B, 4, T)), ("A", (4, 8)), ("Bm", (B, 1, 8, T)),
             ("Cm", (B, 1, 8, T))],
            "", (B, 4, T), (B, 4, 8), ["recurrent", "scan", "auto"])


def wkv4(B, T):
    return ("linea.wkv4", [("w", (16,)), ("u", (16,)), ("k", (B, T, 16)), ("v", (B, T, 16))],
            "", (B, T, 16), (B, 3, 16), ["recurrent", "scan", "auto"])


def wkv6(B, T):
    return ("linea.wkv6", [(n, (B, T, 2, 8)) for n in "rkvw"] + [("u", (2, 8))],
            "", (B, T, 2, 8), (B, 2, 8, 8), ["recurrent", "chunked", "auto"])


def wkv7(B, T):
    return ("linea.wkv7", [(n, (B, T, 2, 8)) for n in "rwkvab"],
            "", (B, T, 2, 8), (B, 2, 8, 8), ["recurrent", "chunked", "auto"])


def gated_delta(B, T):
    return ("linea.gated_delta",
            [("q", (B, T, 1, 8)), ("k", (B, T, 1, 8)), ("v", (B, T, 2, 4)), ("beta", (B, T, 2))],
            "", (B, T, 2, 4), (B, 2, 8, 4), ["recurrent", "chunked", "auto"])


def ssd(B, T):
    return ("linea.ssd",
            [("x", (B, T, 4, 8)), ("dt", (B, T, 4)), ("A", (4,)), ("bm", (B, T, 2, 16)),
             ("cm", (B, T, 2, 16))],
            "dt_softplus", (B, T, 4, 8), (B, 4, 16, 8),
            ["recurrent", "quadratic", "chunked", "auto"])


def causal_conv1d(B, T):
    # No forms: one lowering.
    return ("linea.causal_conv1d", [("x", (B, T, 24)), ("w", (24, 4))],
            "", (B, T, 24), (B, 24, 3), [None])


def empty_state(op, shape):
    state = np.zeros(shape, np.float32)
    if op == "linea.wkv4":
        state[:, 2, :] = -1e38
    return state


for make in (la, ss, wkv4, wkv6, wkv7, gated_delta, ssd, causal_conv1d):
    for B, T in ((2, 0), (0, 5), (0, 0)):
        op, operands, attrs, out_shape, state_shape, forms = make(B, T)
        for form in forms:
            form_attr = "form = #linea.form<%s>" % form if form else ""
            full_attrs = ", ".join(a for a in (attrs, form_attr) if a)
            name = "%s %s B=%d T=%d" % (op.split(".")[1], form or "", B, T)
            ops = [Operand(n, rng.standard_normal(s), "f32") for n, s in operands]
            init = Operand("s0", rng.standard_normal(state_shape), "f32", "initial_state")
            results = [(out_shape, "f32"), (state_shape, "f32")]
            text = (op_function("with_state", op, ops + [init], full_attrs, results) +
                    op_function("without_state", op, ops, full_attrs, results))
            try:
                lib = linea.compile_text(text)
                out, state = lib.with_state(*[o.array for o in ops + [init]])
                out0, state0 = lib.without_state(*[o.array for o in ops])
            except Exception as e:
                checker.check_true(name, False, "%s: %s" % (type(e).__name__, e))
                continue
            ok = (out.shape == out_shape and out0.shape == out_shape and
                  np.array_equal(state, init.array) and
                  np.array_equal(state0, empty_state(op, state_shape)))
            checker.check_true(name, ok, "output %s, final state %s" % (
                out.shape, "passed through" if ok else "wrong"))
checker.finish()
