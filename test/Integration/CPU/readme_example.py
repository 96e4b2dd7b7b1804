# RUN: %python %s %linea_src/README.md
# The Python example of the README runs as written.

import re
import sys

import numpy as np

text = open(sys.argv[1]).read()
block = re.search(r"Build a model, compile it, run it on numpy arrays:\n\n((?:    .*\n)+)", text)
assert block, "README lost its Python example"
code = "\n".join(line[4:] for line in block.group(1).splitlines())
scope = {}
exec(compile(code, "README.md", "exec"), scope)
y = scope["y"]
assert y.shape == (1, 64, 128) and np.isfinite(y).all(), y.shape
print("README example ok")
