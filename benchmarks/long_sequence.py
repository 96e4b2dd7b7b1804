#!/usr/bin/env python3
"""Recurrent form over long sequences: time per token and the kernel's own
peak memory, for T = 1K ... 1M tokens (wkv6, B = 1, H = 1, S = 64 and the
selective scan, D = 16, N = 16). Each T runs in a fresh process; the
kernel's extra memory is the peak RSS during the call (VmHWM, reset just
before it) minus the RSS with inputs and outputs allocated and touched."""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak():
    """Resets the kernel's peak-RSS mark (VmHWM) to the current RSS."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def run_one(op, T):
    import linea
    from linea.builder import Function
    rng = np.random.default_rng(0)
    f = Function(op)
    if op == "wkv6":
        shape = (1, T, 1, 64)
        r = f.arg("r", shape); w = f.arg("w", shape); u = f.arg("u", (1, 64))
        f.ret(f.wkv6(r, r, r, w, u, form="recurrent"))
        args = [rng.standard_normal(shape).astype(np.float32) * 0.3,
                -np.exp(rng.standard_normal(shape) - 3).astype(np.float32),
                rng.standard_normal((1, 64)).astype(np.float32)]
    else:
        x = f.arg("x", (1, 16, T)); A = f.arg("A", (16, 16)); bm = f.arg("bm", (1, 1, 16, T))
        f.ret(f.selective_scan(x, x, A, bm, bm, delta_softplus=True, form="recurrent"))
        args = [rng.standard_normal((1, 16, T)).astype(np.float32),
                -np.exp(rng.standard_normal((16, 16))).astype(np.float32),
                rng.standard_normal((1, 1, 16, T)).astype(np.float32)]
    fn = linea.compile(f, opt_level=3)
    out = [fn(*args)]  # warm-up; its output is reused, so no new pages
    before = status_kib("VmRSS")
    reset_peak()
    start = time.perf_counter()
    fn(*args, out=out)
    seconds = time.perf_counter() - start
    peak = status_kib("VmHWM")
    return {"op": op, "T": T, "ms": 1e3 * seconds, "ns_per_token": 1e9 * seconds / T,
            "extra_kib": max(0, peak - before)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return
    rows = []
    for op in ("wkv6", "selective_scan"):
        for T in (1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20):
            out = subprocess.run([sys.executable, __file__, "--one", op, str(T)],
                                 capture_output=True, text=True, check=True,
                                 env=dict(os.environ, OMP_NUM_THREADS="1"))
            rows.append(json.loads(out.stdout))
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print("%-15s %8s %10s %12s %14s" % ("op", "T", "ms", "ns/token", "extra KiB"))
    for r in rows:
        print("%-15s %8d %10.2f %12.1f %14d" % (r["op"], r["T"], r["ms"], r["ns_per_token"],
                                               r["extra_kib"]))


if __name__ == "__main__":
    main()
