# RUN: %python %s
# Weights bound once: linea.compile(f, params={...}) holds the named
# arguments and a call passes only the others, in order or by name; bound
# arrays are converted to the argument's type once (floats to bf16), and
# unknown names, wrong shapes, missing and repeated arguments raise errors
# that name them.

import numpy as np

import linea
from linea.testing import Checker

rng = np.random.default_rng(8)
checker = Checker()

f = linea.Function("mlp")
x = f.arg("x", (3, 16))
w1 = f.arg("w1", (16, 32))
b = f.arg("b", (32,))
w2 = f.arg("w2", (32, 16))
s = f.arg("s", (3, 16))
f.ret(f.silu(x @ w1 + b) @ w2 + s)
W1, B, W2 = (rng.standard_normal(sh) for sh in ((16, 32), (32,), (32, 16)))
run = linea.compile(f, params={"w1": W1, "b": B, "w2": W2})
X = rng.standard_normal((3, 16)).astype(np.float32)
S = rng.standard_normal((3, 16)).astype(np.float32)
h = X.astype(np.float64) @ W1.astype(np.float32) + B.astype(np.float32)
want = (h / (1 + np.exp(-h))) @ W2.astype(np.float32) + S
checker.check("positional", run(X, S), want, 1e-5)
checker.check("by name", run(s=S, x=X), want, 1e-5)
checker.check("mixed", run(X, s=S), want, 1e-5)
checker.check_true("free arguments", [t.name for t in run.arg_types] == ["x", "s"],
                   str([t.name for t in run.arg_types]))

# A bf16 function: the float64 weights are rounded to bf16 once.
fb = linea.Function("bf")
xb = fb.arg("x", (4, 8), "bf16")
wb = fb.arg("w", (8, 8), "bf16")
fb.ret(xb @ wb)
Wb = rng.standard_normal((8, 8))
runb = linea.compile(fb, params={"w": Wb})
Xb = linea.dtypes.to_bf16(rng.standard_normal((4, 8)))
wr = linea.dtypes.from_bf16(linea.dtypes.to_bf16(Wb)).astype(np.float64)
checker.check("bf16 bound", linea.dtypes.from_bf16(runb(Xb)),
              linea.dtypes.from_bf16(Xb).astype(np.float64) @ wr, 1e-2)

raises = checker.raises

raises("unknown name", lambda: linea.compile(f, params={"w3": W1}), KeyError,
       "mlp: no argument named 'w3' (its arguments: x, w1, b, w2, s)")
raises("bound shape", lambda: linea.compile(f, params={"w1": W2}), ValueError,
       "mlp: parameter 'w1' has shape (32, 16), expected (16, 32)")
raises("missing", lambda: run(X), TypeError, "mlp: missing argument s")
raises("too many", lambda: run(X, S, S), TypeError, "mlp takes 2 arguments (x, s), got 3")
raises("bound by name", lambda: run(X, S, w1=W1), TypeError,
       "mlp: unexpected, or bound, argument 'w1'")
raises("repeated", lambda: run(X, S, x=X), TypeError, "mlp: repeated argument 'x'")
raises("module", lambda: linea.compile(linea.Module(f), params={"w1": W1}), TypeError,
       "compile: params binds arguments of a builder Function, not of a Module")

try:
    import torch
    t = linea.compile(f, params={"w1": torch.from_numpy(W1), "b": B, "w2": W2})
    got = t(torch.from_numpy(X), torch.from_numpy(S))
    checker.check("torch parameters and arguments", got.numpy(), want, 1e-5)
except ImportError:
    print("SKIP torch parameters (torch is not installed)")

checker.finish()
