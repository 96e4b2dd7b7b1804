# RUN: %python %s
# The cache says what it does: `linea cache --info` names the directory and
# counts its libraries and failed modules, `--clear` removes exactly the
# files the cache made (a foreign file in the same directory stays), and a
# compile slower than $LINEA_PROGRESS_AFTER seconds prints one progress line
# unless quiet.

import contextlib
import io
import os
import tempfile

import linea
from linea import __main__ as cli
from linea.testing import Checker

checker = Checker()

with tempfile.TemporaryDirectory() as d:
    os.environ["LINEA_CACHE_DIR"] = d
    foreign = os.path.join(d, "notes.txt")
    with open(foreign, "w") as f:
        f.write("not the cache's")
    f = linea.Function("twice")
    x = f.arg("x", (4,))
    f.ret(x * 2.0)
    os.environ["LINEA_PROGRESS_AFTER"] = "0"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        linea.compile(f)
    line = err.getvalue()
    checker.check_true("progress line", line.startswith("linea: compiling ") and
                       " done in " in line and line.count("\n") == 1, repr(line))
    g = linea.Function("thrice")
    y = g.arg("y", (4,))
    g.ret(y * 3.0)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        linea.compile(g, quiet=True)
    checker.check_true("quiet: no line", err.getvalue() == "", repr(err.getvalue()))
    try:
        linea.compile_text("func.func @bad() {", quiet=True)
    except linea.CompileError:
        pass
    del os.environ["LINEA_PROGRESS_AFTER"]

    info = linea.compiler.cache_info()
    checker.check_true("info counts", info["dir"] == d and info["libraries"] == 2 and
                       info["failed"] == 1 and info["bytes"] > 0, repr(info))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = cli.main(["cache", "--info"])
    text = out.getvalue()
    checker.check_true("linea cache --info", rc == 0 and ("cache directory: " + d) in text and
                       "libraries:       2" in text and "failed modules:  1" in text, text)
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(["cache", "--clear"])
    left = sorted(os.listdir(d))
    checker.check_true("--clear keeps what is not the cache's", os.path.exists(foreign) and
                       linea.compiler.cache_info()["libraries"] == 0 and
                       linea.compiler.cache_info()["failed"] == 0, repr(left))

checker.finish()
