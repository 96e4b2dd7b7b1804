# RUN: %python %s %linea_src/README.md
# The Python examples of the README run as written: the numpy one, the packed
# batch through one library for every length, then (where torch is installed)
# the one with bound weights, torch tensors and linea.ops, in the same scope.

import re
import sys

import numpy as np

text = open(sys.argv[1]).read()


def block(after):
    found = re.search(re.escape(after) + r"\n\n((?:    .*\n)+)", text)
    assert found, "README lost its Python example after %r" % after
    return "\n".join(line[4:] for line in found.group(1).splitlines())


scope = {}
exec(compile(block("Build a model, compile it, run it on\nnumpy arrays:"), "README.md", "exec"),
     scope)
y = scope["y"]
assert y.shape == (1, 64, 128) and np.isfinite(y).all(), y.shape
print("README example ok")
exec(compile(block("from its own state to its own final state:"), "README.md", "exec"), scope)
o, states = scope["o"], scope["states"]
assert o.shape == (1, 200, 4, 32) and states.shape == (4, 4, 32, 32), (o.shape, states.shape)
assert np.isfinite(o).all() and np.isfinite(states).all()
print("README packed-batch example ok")
try:
    import torch
except ImportError:
    torch = None
    print("SKIP the torch example (torch is not installed)")
if torch is not None:
    exec(compile(block("compiled on first use per signature:"), "README.md", "exec"), scope)
    y, o, state = scope["y"], scope["o"], scope["state"]
    assert isinstance(y, torch.Tensor) and y.shape == (1, 64, 128), type(y)
    assert isinstance(o, torch.Tensor) and o.shape == (1, 64, 4, 32), type(o)
    assert state.shape == (1, 4, 32, 32) and torch.isfinite(o).all()
    print("README torch example ok")
linea = scope["linea"]
print("compiler: %s" % linea.compiler._find_tool("linea-compile"))
print("package: %s" % linea.__file__)
