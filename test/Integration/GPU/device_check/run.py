"""Runs the device check in its folder: every small case against its stored
float64 reference, the benchmark shapes against references computed here,
with times, and PyTorch implementations of the same ops timed in the same
run. Prints one PASS/FAIL line per case and exits non-zero on a failure.

    python3 run.py [--repeat 5]
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402
from linea import dtypes  # noqa: E402
from linea.runtime import GPUError, Library  # noqa: E402
from linea.testing import rel_rms  # noqa: E402

try:
    import torch
    import torch_baselines
    CUDA = torch.cuda.is_available()
except ImportError:
    torch, CUDA = None, False
if os.environ.get("LINEA_DEVICE_CHECK_NO_TORCH"):
    torch, CUDA = None, False


def load(name):
    with open(os.path.join(HERE, "lib", name + ".mlir")) as f:
        return Library(os.path.join(HERE, "lib", name + ".so"), f.read())


def median_ms(fn, repeat):
    fn()  # warm-up: module load, JIT, first touch
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


class Report:
    def __init__(self):
        self.failed = self.passed = 0

    def line(self, ok, name, detail):
        self.passed += ok
        self.failed += not ok
        print("%s %-48s %s" % ("PASS" if ok else "FAIL", name, detail))
        sys.stdout.flush()


def run_case(fn, inputs, want, dtype, tol, repeat):
    try:
        got = fn(*inputs)
    except GPUError as e:
        return False, "GPU error: %s" % e, None
    err = rel_rms(dtypes.decode(got, dtype), want)
    ms = median_ms(lambda: fn(*inputs), repeat)
    return err <= tol, "rel_rms=%.2e (tol %.0e) %9.3f ms" % (err, tol, ms), ms


def device_ms(fn, inputs, result_shape, repeat):
    """The _device entry point on torch CUDA tensors (no copies)."""
    buffers = [torch.from_numpy(np.ascontiguousarray(a)).cuda() for a in inputs]
    out = torch.empty(result_shape, dtype=torch.float32, device="cuda")

    def call():
        fn.on_device(*buffers, out)
        torch.cuda.synchronize()
    return median_ms(call, repeat), out.cpu().numpy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    start = time.time()
    gpu = torch.cuda.get_device_name(0) if CUDA else "no torch CUDA device"
    print("device check: target %s (%s), %s, python %s, torch %s" %
          (manifest["target"], manifest["chip"], gpu, platform.python_version(),
           torch.__version__ if torch else "absent"))
    report = Report()

    lib = load("coverage")
    for c in manifest["coverage"]:
        data = np.load(os.path.join(HERE, c["file"]))
        inputs = [data["in%d" % i] for i in range(c["inputs"])]
        ok, detail, _ = run_case(lib[c["fn"]], inputs, data["want"], c["dtype"], c["tol"],
                                 args.repeat)
        report.line(ok, c["name"], detail)

    main_lib = load("main")
    print("\nbenchmark shapes, B=1, T=%d: host call (copies in and out), device call "
          "(CUDA tensors), PyTorch recurrence and chunked form, all in ms" %
          manifest["main"]["T"])
    for c in cases.main_shapes(compute=True, **manifest["main"]):
        fn = main_lib[c.fn]
        ok, detail, host = run_case(fn, c.inputs, c.want[0], c.dtype, c.tol, args.repeat)
        report.line(ok, c.name, detail)
        if not ok or torch is None:
            continue
        linea_ms, which = host, "host call"
        if CUDA:
            linea_ms, got = device_ms(fn, c.inputs, c.want[0].shape, args.repeat)
            err = rel_rms(got, c.want[0])
            report.line(err <= c.tol, c.name + " (device call)",
                        "rel_rms=%.2e %9.3f ms" % (err, linea_ms))
            which = "device call"
        for label, run in torch_baselines.implementations(c).items():
            got_t, ms = run(args.repeat)
            err_t = rel_rms(got_t, c.want[0])
            print("     %-48s rel_rms=%.2e %9.3f ms  (torch / linea %s = %.2f)" %
                  ("torch %s %s" % (torch_baselines.DEVICE, label), err_t, ms, which,
                   ms / linea_ms))
    print("\n%d passed, %d failed in %.0f s" % (report.passed, report.failed,
                                                time.time() - start))
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
