"""Compiling MLIR text with linea-compile, cached by content hash."""

import hashlib
import os
import shutil
import subprocess
import tempfile

from .runtime import Library


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


def compile_text(module_text, opt_level=2, openmp=True, extra_args=(), target=None):
    """Compiles `module_text` to a shared library and loads it.

    The library is cached under `cache_dir()` by a hash of the text, the
    options and the compiler binary, so recompiling an unchanged model is free.
    """
    tool = _find_tool("linea-compile")
    args = (["-O%d" % opt_level] + ([] if openmp else ["--no-openmp"]) + target_args(target)
            + list(extra_args))
    stat = os.stat(tool)
    key = hashlib.sha256("\0".join(
        [module_text, " ".join(args), tool, str(stat.st_mtime_ns), str(stat.st_size)]
    ).encode()).hexdigest()[:24]
    lib = os.path.join(cache_dir(), key + ".so")
    if not os.path.exists(lib):
        with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
            src = os.path.join(tmp, "model.mlir")
            with open(src, "w") as f:
                f.write(module_text)
            out = os.path.join(tmp, "model.so")
            proc = subprocess.run([tool, src, "-o", out] + args,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise CompileError(proc.stderr.strip())
            os.replace(out, lib)
    return Library(lib, module_text)


def compile(fn_or_module, target=None, opt_level=2, openmp=True, chip="sm_90"):
    """Compiles a builder Function (returns its callable), a builder Module
    or MLIR text (returns the Library). `target`: "cpu" (default, or
    $LINEA_TARGET), "nvptx" (GPU kernels for `chip`; the callables copy numpy
    arrays to the GPU and back, `.on_device(...)` runs on GPU arrays in
    place) or "gpu-emulator" (those kernels run on this CPU)."""
    from .builder import Function, Module
    extra = target_args(target, chip)
    if isinstance(fn_or_module, Function):
        return compile_text(fn_or_module.text(), opt_level, openmp, extra, "cpu")[fn_or_module.name]
    if isinstance(fn_or_module, Module):
        return compile_text(fn_or_module.text(), opt_level, openmp, extra, "cpu")
    if isinstance(fn_or_module, str):
        return compile_text(fn_or_module, opt_level, openmp, extra, "cpu")
    raise TypeError("compile: expected a Function, a Module or MLIR text, got %s" %
                    type(fn_or_module).__name__)
