"""Compiling MLIR text with linea-compile, cached by content hash."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from .runtime import BoundFunction, Library, manifest_path


class CompileError(RuntimeError):
    """linea-compile rejected the module; the message holds its diagnostics."""


def compiler_dirs():
    """Where linea-compile is looked for, in order: $LINEA_BUILD_DIR/bin (an
    override); the prefix this package is installed in (`cmake --install`
    puts it in <prefix>/lib/pythonX.Y/site-packages, the tools in
    <prefix>/bin); the build tree beside this source tree; the build tree
    recorded when the package was pip-installed; then $PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = []
    build = os.environ.get("LINEA_BUILD_DIR")
    if build:
        dirs.append(os.path.join(build, "bin"))
    dirs.append(os.path.join(here, "..", "..", "..", "..", "bin"))
    dirs.append(os.path.join(here, "..", "..", "build", "bin"))
    try:
        from ._install import COMPILER_DIRS
        dirs += COMPILER_DIRS
    except ImportError:
        pass
    return [os.path.abspath(d) for d in dirs]


def _find_tool(name):
    for d in compiler_dirs():
        c = os.path.join(d, name)
        if os.access(c, os.X_OK):
            return c
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError("cannot find %s in %s or on PATH (set LINEA_BUILD_DIR to a build "
                            "tree)" % (name, ", ".join(compiler_dirs())))


def cache_dir(create=True):
    """Where compiled libraries are kept: $LINEA_CACHE_DIR, else
    ~/.cache/linea."""
    d = os.environ.get("LINEA_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "linea")
    if create:
        os.makedirs(d, exist_ok=True)
    return d


# What the cache holds: per library <key>.so, its manifest <key>.json and its
# stamp <key>.sha256; failed/<key>.mlir for modules that did not compile.
_CACHE_FILE = re.compile(r"^[0-9a-f]{24}\.(so|json|sha256)$")
_FAILED_FILE = re.compile(r"^[0-9a-f]{24}\.mlir$")


def _cache_files(d):
    """(path, size) of every file the cache made under `d`, nothing else."""
    out = []
    for folder, pattern in ((d, _CACHE_FILE), (os.path.join(d, "failed"), _FAILED_FILE)):
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                if pattern.match(name) and os.path.isfile(path):
                    out.append((path, os.path.getsize(path)))
    return out


def cache_info():
    """{"dir", "libraries", "failed", "bytes"} of the cache."""
    d = cache_dir(create=False)
    files = _cache_files(d)
    return {"dir": d, "libraries": sum(p.endswith(".so") for p, _ in files),
            "failed": sum(p.endswith(".mlir") for p, _ in files),
            "bytes": sum(size for _, size in files)}


def clear_cache():
    """Removes the cache's libraries and failed modules (only files it made:
    a cache directory shared with anything else keeps the rest); returns
    the number of bytes freed."""
    freed = 0
    for path, size in _cache_files(cache_dir(create=False)):
        os.remove(path)
        freed += size
    return freed


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


class _Progress:
    """One line on stderr for a compile that takes longer than
    $LINEA_PROGRESS_AFTER seconds (1 by default): the stage when the line
    starts, then the elapsed time when it ends."""

    def __init__(self, what, quiet):
        self.what, self.start, self.shown = what, time.monotonic(), False
        self.quiet = quiet if quiet is not None else bool(os.environ.get("LINEA_QUIET"))
        self.after = float(os.environ.get("LINEA_PROGRESS_AFTER", "1"))

    def tick(self):
        if not self.quiet and not self.shown and time.monotonic() - self.start >= self.after:
            sys.stderr.write("linea: compiling %s: linea-compile (lowering, code generation, "
                             "linking)..." % self.what)
            sys.stderr.flush()
            self.shown = True

    def done(self, ok):
        if self.shown:
            sys.stderr.write(" %s in %.1f s\n" % ("done" if ok else "failed",
                                                 time.monotonic() - self.start))


def _run_compiler(cmd, module_text, quiet):
    """Runs linea-compile, with the progress line where it takes a while."""
    names = re.findall(r"func\.func @([\w$.]+)", module_text)
    what = ", ".join("@" + n for n in names[:3]) + (" and %d more" % (len(names) - 3)
                                                     if len(names) > 3 else "")
    progress = _Progress("%s [%s]" % (what or "a module", " ".join(cmd[4:])), quiet)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        while True:
            try:
                stdout, stderr = p.communicate(timeout=max(0.05, progress.after -
                                                            (time.monotonic() - progress.start)))
                break
            except subprocess.TimeoutExpired:
                progress.tick()
    progress.done(p.returncode == 0)
    return subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr)


def compile_text(module_text, opt_level=2, openmp=True, extra_args=(), target=None, quiet=None):
    """Compiles `module_text` to a shared library and loads it.

    The library is cached under `cache_dir()` by a hash of the text, the
    options and the compiler binary, so recompiling an unchanged model is
    free; a cached library that is not the file written (truncated, corrupt)
    is recompiled, with a line on stderr that says so. A module that fails
    to compile is kept in `cache_dir()/failed/`, and the message says where.
    A compile that takes over a second prints one progress line on stderr
    unless `quiet` (or $LINEA_QUIET) says not to.
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
        proc = _run_compiler([tool, src, "-o", out] + args, module_text, quiet)
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


def compile(fn_or_module, target=None, opt_level=2, openmp=True, chip="sm_90", params=None,
            quiet=None):
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
        run = compile_text(fn_or_module.text(), opt_level, openmp, extra, "cpu",
                           quiet)[fn_or_module.name]
        return run if params is None else BoundFunction(run, params)
    if isinstance(fn_or_module, Module):
        return compile_text(fn_or_module.text(), opt_level, openmp, extra, "cpu", quiet)
    if isinstance(fn_or_module, str):
        return compile_text(fn_or_module, opt_level, openmp, extra, "cpu", quiet)
    raise TypeError("compile: expected a Function, a Module or MLIR text, got %s" %
                    type(fn_or_module).__name__)
