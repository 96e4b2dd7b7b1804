"""Compiling MLIR text with linea-compile, cached by content hash."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

from .runtime import BoundFunction, Library, manifest_path


class CompileError(RuntimeError):
    """linea-compile rejected the module; the message holds its diagnostics."""


def _find_tool(name):
    build = os.environ.get("LINEA_BUILD_DIR")
    candidates = []
    if build:
        candidates.append(os.path.join(build, "bin", name))
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "build", "bin", name))
    for c in candidates:
        if os.access(c, os.X_OK):
            return os.path.abspath(c)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError("cannot find %s (set LINEA_BUILD_DIR)" % name)


def cache_dir():
    d = os.environ.get("LINEA_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "linea")
    os.makedirs(d, exist_ok=True)
    return d


def target_args(target, chip="sm_90"):
    """linea-compile's flags for `target`: "cpu", "nvptx" or "gpu-emulator"
    (the NVPTX kernels run on this CPU). None: $LINEA_TARGET, else "cpu"."""
    target = target or os.environ.get("LINEA_TARGET") or "cpu"
    if target == "cpu":
        return []
    if target == "nvptx":
        return ["--target=nvptx", "--chip=" + chip]
    if target == "gpu-emulator":
        return ["--target=gpu-emulator"]
    raise ValueError("compile: target %r is not supported (use 'cpu', 'nvptx' or "
                     "'gpu-emulator')" % target)


_LOC = re.compile(r'loc\("((?:[^"\\]|\\.)*)":(\d+):(\d+)\)')


def _at_call_sites(stderr, src, kept, module_text):
    """linea-compile's diagnostics, each at the Python line that built the
    op where the module's line carries one (the parser reports errors found
    while it builds an op at the op's place in the text, before it reads
    the op's location), with the module's own place after it."""
    lines = module_text.splitlines()
    out = []
    for line in stderr.splitlines():
        m = re.match(re.escape(src) + r":(\d+):(\d+): (.*)", line)
        if m:
            n = int(m.group(1))
            loc = _LOC.search(lines[n - 1]) if 0 < n <= len(lines) else None
            where = "%s:%s:%s" % (kept, m.group(1), m.group(2))
            line = ("%s:%s:%s: %s (%s)" % (loc.group(1), loc.group(2), loc.group(3),
                                           m.group(3), where) if loc else
                    where + ": " + m.group(3))
        out.append(line.replace(src, kept))
    return "\n".join(out)


def _digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _cached(lib):
    """The cached library at `lib`, or None (and why) when it is missing or
    not the file that was written: the size and hash of the library and of
    its manifest are kept beside them, so a truncated or overwritten one is
    recompiled, not loaded."""
    stamp = lib[:-3] + ".sha256"
    if not os.path.exists(lib):
        return None, None
    try:
        with open(stamp) as f:
            lines = f.read().splitlines()
        files = (lib, manifest_path(lib))
        if len(lines) != len(files):
            return None, "its stamp is not the one written"
        for path, line in zip(files, lines):
            size, digest = line.split()
            if os.path.getsize(path) != int(size) or _digest(path) != digest:
                return None, "the size or hash of %s is not the one written" % path
        return Library(lib), None
    except (OSError, ValueError) as e:
        return None, str(e)


def compile_text(module_text, opt_level=2, openmp=True, extra_args=(), target=None):
    """Compiles `module_text` to a shared library and loads it.

    The library is cached under `cache_dir()` by a hash of the text, the
    options and the compiler binary, so recompiling an unchanged model is
    free; a cached library that is not the file written (truncated, corrupt)
    is recompiled, with a line on stderr that says so. A module that fails
    to compile is kept in `cache_dir()/failed/`, and the message says where.
    """
    tool = _find_tool("linea-compile")
    args = (["-O%d" % opt_level] + ([] if openmp else ["--no-openmp"]) + target_args(target)
            + list(extra_args))
    stat = os.stat(tool)
    # Source locations (the builder's call sites) do not change the code.
    code = re.sub(r' loc\("(?:[^"\\]|\\.)*":\d+:\d+\)', "", module_text)
    key = hashlib.sha256("\0".join(
        [code, " ".join(args), tool, str(stat.st_mtime_ns), str(stat.st_size)]
    ).encode()).hexdigest()[:24]
    lib = os.path.join(cache_dir(), key + ".so")
    loaded, why = _cached(lib)
    if loaded:
        return loaded
    if why:
        sys.stderr.write("linea: the cached library %s is unusable (%s); recompiling\n" %
                         (lib, why))
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        src = os.path.join(tmp, "model.mlir")
        with open(src, "w") as f:
            f.write(module_text)
        out = os.path.join(tmp, "model.so")
        proc = subprocess.run([tool, src, "-o", out] + args, capture_output=True, text=True)
        if proc.returncode != 0:
            failed_dir = os.path.join(cache_dir(), "failed")
            os.makedirs(failed_dir, exist_ok=True)
            kept = os.path.join(failed_dir, key + ".mlir")
            os.replace(src, kept)
            raise CompileError(_at_call_sites(proc.stderr.strip(), src, kept, module_text) +
                               "\n(the module that failed is kept at %s)" % kept)
        manifest = manifest_path(out)
        with open(os.path.join(tmp, "model.sha256"), "w") as f:
            for path in (out, manifest):
                f.write("%d %s\n" % (os.path.getsize(path), _digest(path)))
        # The stamp goes first: a library is never without its stamp.
        os.replace(os.path.join(tmp, "model.sha256"), lib[:-3] + ".sha256")
        os.replace(manifest, manifest_path(lib))
        os.replace(out, lib)
    return Library(lib)


def compile(fn_or_module, target=None, opt_level=2, openmp=True, chip="sm_90", params=None):
    """Compiles a builder Function (returns its callable), a builder Module
    or MLIR text (returns the Library). `target`: "cpu" (default, or
    $LINEA_TARGET), "nvptx" (GPU kernels for `chip`; the callables copy numpy
    arrays to the GPU and back, `.on_device(...)` runs on GPU arrays in
    place) or "gpu-emulator" (those kernels run on this CPU).

    `params` ({argument name: array}, Functions only) binds those arguments
    once: the callable holds them (converted to the argument's type once)
    and a call passes only the others. They stay buffers rather than
    constants compiled into the library: a library does not carry (and
    its cache key does not hash) the weights, one compile serves every
    checkpoint of a shape, and compile time does not grow with the weights;
    constants were measured 0-10% faster per call at T = 256 and 1.1-1.5x at
    T = 1, for twice the compile time and a library as large as the weights
    per shape (benchmarks/bound_weights.py, docs/Performance.md)."""
    from .builder import Function, Module
    extra = target_args(target, chip)
    if params is not None and not isinstance(fn_or_module, Function):
        raise TypeError("compile: params binds arguments of a builder Function, not of a %s" %
                        type(fn_or_module).__name__)
    if isinstance(fn_or_module, Function):
        run = compile_text(fn_or_module.text(), opt_level, openmp, extra, "cpu")[fn_or_module.name]
        return run if params is None else BoundFunction(run, params)
    if isinstance(fn_or_module, Module):
        return compile_text(fn_or_module.text(), opt_level, openmp, extra, "cpu")
    if isinstance(fn_or_module, str):
        return compile_text(fn_or_module, opt_level, openmp, extra, "cpu")
    raise TypeError("compile: expected a Function, a Module or MLIR text, got %s" %
                    type(fn_or_module).__name__)
