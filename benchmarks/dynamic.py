#!/usr/bin/env python3
"""One library for every length against one per length: each op of
benchmarks/run.py at its anchor shapes compiled twice, with static B and T
and with both dynamic (`?`), timed in interleaved rounds in one process (the
same inputs, one thread and two), medians. `--decode`: T = 1 per call, in
microseconds, at B = 1 and B = 32, with the cost of the call itself: the
same checked entry point called on prepared ctypes descriptors (no Python
argument handling), and the ratio of the two.

Not a test; prints the CPU and a table (JSON with --json).
"""

import argparse
import ctypes
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import linea  # noqa: E402
from linea.runtime import _describe  # noqa: E402
import run  # noqa: E402


def prepared(fn, arrays):
    """A call of `fn`'s checked entry point on descriptors made once."""
    descs = [_describe(a) for a in arrays]
    refs = [ctypes.byref(d) for d in descs]
    return lambda: fn.call_descriptors(*refs)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--tokens", default="2048")
    parser.add_argument("--ops", default="gla,wkv6,wkv7,selective_scan")
    parser.add_argument("--decode", action="store_true")
    args = parser.parse_args()
    omp = run.openmp()
    model, isa, cores = run.machine()
    configs = ([(1, B) for B in (1, 32)] if args.decode else
               [(T, 1) for T in map(int, args.tokens.split(","))])
    rows = []
    for op in args.ops.split(","):
        for T, B in configs:
            static = run.CASES[op](T, B=B)
            dynamic = run.CASES[op](T, B=B, dynamic=True)
            fs = linea.compile_text(static.mlir, opt_level=3, quiet=True)[static.op]
            fd = linea.compile_text(dynamic.mlir, opt_level=3, quiet=True)[dynamic.op]
            outs_s, outs_d = static.outputs(), static.outputs()
            for threads in map(int, args.threads.split(",")):
                omp.omp_set_num_threads(threads)
                calls = {"static": lambda: fs(*static.inputs, out=outs_s),
                         "dynamic": lambda: fd(*static.inputs, out=outs_d)}
                if args.decode:
                    calls["static_c"] = prepared(fs, static.inputs + outs_s)
                    calls["dynamic_c"] = prepared(fd, static.inputs + outs_d)
                ms = run.interleaved(calls, args.repeat)
                row = {"op": op, "T": T, "B": B, "threads": threads,
                       "static_ms": ms["static"], "dynamic_ms": ms["dynamic"],
                       "dynamic_over_static": ms["dynamic"] / ms["static"],
                       "max_abs_diff": max(float(np.max(np.abs(a - b)))
                                           for a, b in zip(outs_s, outs_d))}
                if args.decode:
                    row.update(static_c_ms=ms["static_c"], dynamic_c_ms=ms["dynamic_c"])
                rows.append(row)
    if args.json:
        print(json.dumps({"cpu": model, "isa": isa, "hardware_threads": cores,
                          "rows": rows}, indent=1))
        return
    print("CPU: %s (%s, %d hardware threads); medians of %d interleaved rounds" %
          (model, isa, cores, args.repeat))
    if args.decode:
        print("%-15s %3s %3s %10s %10s %8s %12s %12s" % (
            "op", "B", "thr", "static us", "dynamic us", "dyn/stat", "static C us",
            "dynamic C us"))
        for r in rows:
            print("%-15s %3d %3d %10.1f %10.1f %8.3f %12.1f %12.1f" % (
                r["op"], r["B"], r["threads"], 1e3 * r["static_ms"], 1e3 * r["dynamic_ms"],
                r["dynamic_over_static"], 1e3 * r["static_c_ms"], 1e3 * r["dynamic_c_ms"]))
        return
    print("%-15s %5s %3s %10s %11s %8s %12s" % ("op", "T", "thr", "static ms", "dynamic ms",
                                               "dyn/stat", "max |diff|"))
    for r in rows:
        print("%-15s %5d %3d %10.2f %11.2f %8.3f %12.1e" % (
            r["op"], r["T"], r["threads"], r["static_ms"], r["dynamic_ms"],
            r["dynamic_over_static"], r["max_abs_diff"]))


if __name__ == "__main__":
    main()
