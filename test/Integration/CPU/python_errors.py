# RUN: rm -rf %t && env LINEA_CACHE_DIR=%t %python %s
# Messages point at the user's code: an op the compiler rejects is reported
# at the Python line that built it, and the module that failed is kept
# (where the message says). A cached library that is truncated or
# overwritten is recompiled, with a line that says so, not loaded.

import contextlib
import inspect
import io
import os
import subprocess
import sys

import numpy as np

import linea
from linea.compiler import CompileError, cache_dir
from linea.testing import Checker

checker = Checker()

f = linea.Function("bad")
q = f.arg("q", (1, 8, 2, 4))
line = inspect.currentframe().f_lineno + 1  # a chunk size the verifier refuses (C12)
f.ret(f.linear_attention(q, q, q, form="chunked", chunk_size=-4))
try:
    linea.compile(f)
    checker.check_true("a rejected op raises CompileError", False, "it compiled")
except CompileError as e:
    message = str(e)
    checker.check_true("the message names the user's line",
                       "%s:%d:" % (__file__, line) in message, message.splitlines()[0])
    checker.check_true("and the constraint", "C12: 'chunk_size' must be positive" in message,
                       message.splitlines()[0])
    kept = message.rsplit("kept at ", 1)[-1].rstrip(")")
    checker.check_true("the module that failed is kept", os.path.exists(kept), kept)

# A good function, compiled once (in another process: a library this one
# has loaded stays mapped), then its cached library damaged: replaced by a
# truncated or an overwritten copy.
GOOD = """
import linea
g = linea.Function("good")
x = g.arg("x", (4,))
g.ret(x * x)
"""
subprocess.run([sys.executable, "-c", GOOD + "linea.compile(g)"], check=True)
exec(GOOD)
want = np.arange(4, dtype=np.float32) ** 2
libs = [p for p in os.listdir(cache_dir()) if p.endswith(".so")]
checker.check_true("one cached library", len(libs) == 1, str(libs))
path = os.path.join(cache_dir(), libs[0])
for damage in ("truncated", "overwritten"):
    data = open(path, "rb").read()
    with open(path + ".damaged", "wb") as out:
        out.write(data[: len(data) // 2] if damage == "truncated" else data[:-8] + b"garbage!")
    os.replace(path + ".damaged", path)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        again = linea.compile(g)
    checker.check_true("a %s library is recompiled, and it says so" % damage,
                       "is unusable" in err.getvalue() and "recompiling" in err.getvalue(),
                       err.getvalue().strip())
    checker.check("and it runs (%s)" % damage, again(np.arange(4, dtype=np.float32)), want, 0)
checker.finish()
