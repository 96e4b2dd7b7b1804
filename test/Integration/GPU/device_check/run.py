"""Runs the device check in its folder: every small case against its stored
float64 reference, the benchmark shapes against references computed here,
with times, and PyTorch implementations of the same ops timed in the same
run. Prints the driver and device first, one PASS/FAIL line per case, and
always ends with `N passed, M failed in S s`; exits non-zero on a failure.

    python3 run.py [--repeat 5] [--case-timeout 120] [--total-timeout 840]

The cases run in a worker process that this one watches: a case that takes
longer than --case-timeout, or that kills its process (a crash, a CUDA
error that leaves the context unusable), is a FAIL line, and a fresh worker
goes on with the next case. Nothing that goes wrong ends the run without
its summary.
"""

import argparse
import json
import os
import platform
import queue
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402

# A worker's exit status when the CUDA context is unusable after an error.
CONTEXT_LOST = 4
NO_DEVICE = 3
# Errors after which a CUDA context is poisoned: the process must go.
STICKY = ("ILLEGAL_ADDRESS", "LAUNCH_FAILED", "MISALIGNED_ADDRESS", "ILLEGAL_INSTRUCTION",
          "HARDWARE_STACK_ERROR", "ASSERT", "CONTEXT_IS_DESTROYED", "ECC_UNCORRECTABLE")


def read_manifest():
    with open(os.path.join(HERE, "manifest.json")) as f:
        return json.load(f)


def library_path(name, gpu_format):
    return os.path.join(HERE, "lib", "%s.%s.so" % (name, gpu_format))


def item_names(manifest):
    """Every case of the run, small ones first, then the benchmark shapes."""
    return ([c["name"] for c in manifest["coverage"]] +
            [c.name for c in cases.main_shapes(compute=False, **manifest["main"])])


# --------------------------------------------------------------------------
# The worker: runs cases from one index on, prints `@@ start I` before each.
# --------------------------------------------------------------------------

class Worker:
    def __init__(self, manifest, repeat):
        from linea.runtime import Library
        self.manifest, self.repeat, self.Library = manifest, repeat, Library
        self.formats = list(manifest["gpu_formats"])
        self.libs = {}
        try:
            import torch
            import torch_baselines
            self.torch, self.baselines = torch, torch_baselines
            self.cuda = torch.cuda.is_available()
        except ImportError:
            self.torch, self.baselines, self.cuda = None, None, False
        if os.environ.get("LINEA_DEVICE_CHECK_NO_TORCH"):
            self.torch, self.baselines, self.cuda = None, None, False
        # Device arrays over host memory, for the fake driver (whose device
        # memory is host memory): runs the device-pointer path without a GPU.
        self.fake_device = bool(os.environ.get("LINEA_DEVICE_CHECK_FAKE_DEVICE"))

    def lib(self, name):
        """The library of `name` in the current GPU code format (cubin
        first where it was built, PTX for the driver to compile otherwise)."""
        key = (name, self.formats[0])
        if key not in self.libs:
            self.libs[key] = self.Library(library_path(name, self.formats[0]))
        return self.libs[key]

    def call(self, name, fn_name, *args):
        """Calls a function; a module that does not load in cubin form falls
        back to the PTX build of the same library."""
        from linea.runtime import GPUError
        while True:
            fn = self.lib(name)[fn_name]
            try:
                return fn, fn(*args)
            except GPUError as e:
                if "did not load" not in str(e) or len(self.formats) < 2:
                    raise
                print("note: the %s build of %s did not load (%s); using %s" %
                      (self.formats[0], name, e, self.formats[1]))
                self.formats.pop(0)

    def median_ms(self, fn):
        fn()  # warm-up: module load, JIT, first touch
        times = []
        for _ in range(self.repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return 1e3 * float(np.median(times))

    def check(self, lib, fn_name, inputs, want, dtype, tol):
        from linea import dtypes
        from linea.testing import rel_rms
        fn, got = self.call(lib, fn_name, *inputs)
        err = rel_rms(dtypes.decode(got, dtype), want)
        ms = self.median_ms(lambda: fn(*inputs))
        return err <= tol, "rel_rms=%.2e (tol %.0e) %9.3f ms" % (err, tol, ms), ms, fn

    def device_buffers(self, inputs, result_shape):
        """Inputs and an output on the device: CUDA torch tensors, or host
        arrays posing as device arrays under the fake driver."""
        if self.cuda:
            torch = self.torch
            bufs = [torch.from_numpy(np.ascontiguousarray(a)).cuda() for a in inputs]
            out = torch.empty(result_shape, dtype=torch.float32, device="cuda")
            return bufs, out, lambda: torch.cuda.synchronize(), lambda: out.cpu().numpy()
        from linea.testing import HostDeviceArray
        bufs = [HostDeviceArray(np.ascontiguousarray(a)) for a in inputs]
        out = HostDeviceArray(np.zeros(result_shape, np.float32))
        return bufs, out, lambda: None, lambda: out.array.copy()

    def run_item(self, index, report):
        from linea.testing import rel_rms
        coverage = self.manifest["coverage"]
        if index < len(coverage):
            c = coverage[index]
            data = np.load(os.path.join(HERE, c["file"]))
            inputs = [data["in%d" % i] for i in range(c["inputs"])]
            ok, detail, _, _ = self.check(c["lib"], c["fn"], inputs, data["want"], c["dtype"],
                                          c["tol"])
            report(ok, c["name"], detail)
            return
        c = cases.main_shapes(compute=True, **self.manifest["main"])[index - len(coverage)]
        ok, detail, host, fn = self.check("main", c.fn, c.inputs, c.want[0], c.dtype, c.tol)
        report(ok, c.name, detail)
        linea_ms, which = host, "host call"
        if self.cuda or self.fake_device:
            bufs, out, sync, result = self.device_buffers(c.inputs, c.want[0].shape)

            def call():
                fn.on_device(*bufs, out)
                sync()
            linea_ms = self.median_ms(call)
            err = rel_rms(result(), c.want[0])
            report(err <= c.tol, c.name + " (device call)",
                   "rel_rms=%.2e %9.3f ms" % (err, linea_ms))
            which = "device call"
        if self.torch is None or not ok:
            return
        for label, run in self.baselines.implementations(c).items():
            name = "torch %s %s" % (self.baselines.DEVICE, label)
            try:
                got_t, ms = run(self.repeat)
            except Exception as e:  # a baseline's failure is noted, not ours
                print("     %-48s error: %s: %s" % (name, type(e).__name__, e))
                continue
            print("     %-48s rel_rms=%.2e %9.3f ms  (torch / linea %s = %.2f)" %
                  (name, rel_rms(got_t, c.want[0]), ms, which, ms / linea_ms))


def device_info(manifest):
    """One line naming the driver and device, or None (and why) if there is
    none. The emulator needs neither."""
    if manifest["target"] != "nvptx":
        return "%s (the kernels run on this CPU)" % manifest["target"], None
    import ctypes
    from linea.runtime import GPUError  # noqa: F401  (the package loads)
    lib = ctypes.CDLL(library_path("coverage", manifest["gpu_formats"][0]))
    buf = ctypes.create_string_buffer(1024)
    if lib.lineaCudaDeviceInfo(buf, ctypes.c_ulong(len(buf))):
        return buf.value.decode(), None
    lib.lineaCudaTakeError(buf, ctypes.c_ulong(len(buf)))
    return None, buf.value.decode()


def worker_main(args):
    manifest = read_manifest()
    if args.start == 0:
        info, why = device_info(manifest)
        if info is None:
            print("@@ nodevice %s" % why)
            sys.stdout.flush()
            sys.exit(NO_DEVICE)
        print("@@ device %s" % info)
    worker = Worker(manifest, args.repeat)
    names = item_names(manifest)[:args.first]
    inject = dict(p.split(":")[::-1] for p in
                  os.environ.get("LINEA_DEVICE_CHECK_INJECT", "").split(",") if p)

    def report(ok, name, detail):
        print("%s %-48s %s" % ("PASS" if ok else "FAIL", name, detail))
        sys.stdout.flush()

    for index in range(args.start, len(names)):
        print("@@ start %d" % index)
        sys.stdout.flush()
        # Test hooks: a hanging and a crashing case, to check the watchdog.
        what = inject.get(str(index))
        if what == "hang":
            time.sleep(1e6)
        if what == "crash":
            os.abort()
        try:
            worker.run_item(index, report)
        except Exception as e:
            message = "%s: %s" % (type(e).__name__, e)
            report(False, names[index], message.splitlines()[0] if message else "")
            if any(s in message for s in STICKY):
                sys.exit(CONTEXT_LOST)
        sys.stdout.flush()
    print("@@ done")


# --------------------------------------------------------------------------
# The supervisor: starts workers, enforces the limits, counts, summarizes.
# --------------------------------------------------------------------------

def supervise(args):
    manifest = read_manifest()
    names = item_names(manifest)[:args.first]
    start = time.time()
    print("device check: target %s (%s), %d cases, python %s, numpy %s" %
          (manifest["target"], manifest["chip"], len(names), platform.python_version(),
           np.__version__))
    sys.stdout.flush()
    counts = {"PASS": 0, "FAIL": 0}
    started = set()
    index, in_case, case_start, stopped = 0, None, None, None

    def emit(line):
        if line[:4] in counts:
            counts[line[:4]] += 1
        print(line)
        sys.stdout.flush()

    while index < len(names) and stopped is None:
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker",
                                 "--start", str(index), "--repeat", str(args.repeat)] +
                                (["--first", str(args.first)] if args.first else []),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                bufsize=1)
        lines = queue.Queue()

        def pump(stream=proc.stdout, sink=lines):  # this worker's own pipe and queue
            for line in stream:
                sink.put(line)
            sink.put(None)
        threading.Thread(target=pump, daemon=True).start()
        in_case, case_start, finished = None, time.time(), False
        while True:
            now = time.time()
            if now - start > args.total_timeout:
                stopped = "the run's limit of %d s" % args.total_timeout
                break
            if in_case is not None and now - case_start > args.case_timeout:
                emit("FAIL %-48s timed out after %d s" % (names[in_case], args.case_timeout))
                break
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            line = line.rstrip("\n")
            if line.startswith("@@ start "):
                in_case, case_start = int(line.split()[2]), time.time()
                index = in_case
                started.add(in_case)
            elif line.startswith("@@ device "):
                print("driver and device: " + line[len("@@ device "):])
            elif line.startswith("@@ nodevice "):
                print("device check: no usable CUDA driver or device: " +
                      line[len("@@ nodevice "):])
                stopped = "no device"
            elif line == "@@ done":
                finished = True
            else:
                emit(line)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if stopped or finished:
            break
        if in_case is None:
            # Died before its first case: nothing to skip past; give up.
            emit("FAIL %-48s the worker died before it started (exit %s)" %
                 ("(start-up)", proc.returncode))
            break
        if proc.returncode not in (0, -9, CONTEXT_LOST):
            emit("FAIL %-48s the worker died (exit %s)" % (names[in_case], proc.returncode))
        index = in_case + 1
    not_run = len(names) - len(started)
    if stopped and stopped != "no device":
        print("stopped at %s" % stopped)
    tail = ", %d not run" % not_run if not_run > 0 else ""
    print("\n%d passed, %d failed in %.0f s%s" % (counts["PASS"], counts["FAIL"],
                                                 time.time() - start, tail))
    sys.exit(1 if counts["FAIL"] or not_run > 0 else 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--case-timeout", type=float, default=120)
    parser.add_argument("--total-timeout", type=float, default=840)
    parser.add_argument("--first", type=int, default=None,
                        help="run only the first N cases (to check the driver itself)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, HERE)
        worker_main(args)
    else:
        supervise(args)


if __name__ == "__main__":
    main()
