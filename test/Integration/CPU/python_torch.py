# RUN: %python %s
# Compiled functions take torch CPU tensors without a copy (they read and
# write the tensors' memory) and return torch tensors when given them; bf16
# travels as torch.bfloat16; dtype, shape, device and contiguity errors name
# the argument. Without torch the test says so and passes nothing else.

import sys

import numpy as np

import linea
from linea.testing import Checker

try:
    import torch
except ImportError:
    print("SKIP torch is not installed (apt-get install python3-torch)")
    print("0 passed, 0 failed")
    sys.exit(0)

checker = Checker()
g = torch.Generator().manual_seed(3)

f = linea.Function("mix")
x = f.arg("x", (2, 8, 16))
w = f.arg("w", (16, 16))
ids = f.arg("ids", (2, 8), "i64")
f.ret(f.silu(x @ w) + f.embedding(ids, w), x.sum(-1))
fn = linea.compile(f)

xt = torch.randn(2, 8, 16, generator=g)
wt = torch.randn(16, 16, generator=g)
it = torch.randint(0, 16, (2, 8), generator=g)
y, s = fn(xt, wt, it)
X, W = xt.double(), wt.double()
want = torch.nn.functional.silu(X @ W) + torch.nn.functional.embedding(it, W)
checker.check_true("torch in, torch out", isinstance(y, torch.Tensor) and
                   isinstance(s, torch.Tensor) and y.dtype == torch.float32, type(y).__name__)
checker.check("torch values", y.numpy(), want.numpy(), 1e-5)
checker.check("torch sum", s.numpy(), X.sum(-1).numpy(), 1e-5)

# Mixed with numpy, numpy results only when no argument is a tensor.
y2, _ = fn(xt.numpy(), wt, it.numpy())
checker.check_true("mixed: torch out", isinstance(y2, torch.Tensor), type(y2).__name__)
y3, _ = fn(xt.numpy(), wt.numpy(), it.numpy())
checker.check_true("numpy only: numpy out", isinstance(y3, np.ndarray), type(y3).__name__)

# No copy: `out=` tensors are written in place, and the inputs are read in
# place (a tensor that requires grad is read through its detached view).
out = (torch.zeros(2, 8, 16), torch.zeros(2, 8))
got = fn(xt.requires_grad_(True), wt, it, out=out)
checker.check_true("out= written in place", got[0] is out[0] and torch.equal(out[0], y), "")
checker.check_true("inputs shared", np.shares_memory(fn._array(0, xt, fn.arg_types[0],
                                                               "argument"), xt.detach().numpy()),
                   "")
xt.requires_grad_(False)

# bf16 as torch.bfloat16.
fb = linea.Function("bf")
a = fb.arg("a", (4, 32), "bf16")
fb.ret(fb.softmax(a) * 2.0)
ab = torch.randn(4, 32, generator=g).bfloat16()
yb = linea.compile(fb)(ab)
checker.check_true("bf16 out", yb.dtype == torch.bfloat16, str(yb.dtype))
checker.check("bf16 values", yb.float().numpy(),
              (torch.softmax(ab.double(), -1) * 2).numpy(), 1e-2)

raises = checker.raises

raises("dtype", lambda: fn(xt.double(), wt, it), TypeError,
       "mix: argument 0 (x) has dtype torch.float64, expected torch.float32")
raises("shape", lambda: fn(xt, wt.t()[:8], it), ValueError,
       "mix: argument 1 (w) has shape (8, 16), expected (16, 16)")
raises("contiguous", lambda: fn(xt, wt.t(), it), ValueError,
       "mix: argument 1 (w) must be contiguous (call .contiguous() on it)")
raises("int dtype", lambda: fn(xt, wt, it.int()), TypeError,
       "mix: argument 2 (ids) has dtype torch.int32, expected torch.int64")
raises("out dtype", lambda: fn(xt, wt, it, out=(torch.zeros(2, 8, 16).half(), torch.zeros(2, 8))),
       TypeError, "mix: output 0 (out0) has dtype torch.float16, expected torch.float32")
raises("not a tensor", lambda: fn(xt, [[0.0]], it), TypeError,
       "mix: argument 1 (w) must be a numpy array or a torch tensor, got list")

checker.finish()
