#!/usr/bin/env python3
"""A/B timing of two linea-compile binaries on the benchmark shapes of
run.py: both libraries are loaded in one process and called in interleaved
rounds, so that the machine's slow and fast moments fall on both alike.

    /usr/bin/python3 benchmarks/compare.py OLD_LINEA_COMPILE NEW_LINEA_COMPILE \\
        [--ops gla,wkv6] [--tokens 2048] [--heads 32] [--rounds 11]

Prints, per op, the median and minimum time of each (one thread) and the
largest difference between their outputs. Not a test.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import run  # noqa: E402
from linea.runtime import Library, manifest_path  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--ops", default="gla,wkv6,wkv7,selective_scan")
    parser.add_argument("--tokens", type=int, default=2048)
    parser.add_argument("--heads", type=int, default=32,
                        help="H of the head-wise ops (D of the selective scan stays 1536)")
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()

    omp = run.openmp()
    omp.omp_set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        for op in args.ops.split(","):
            case = (run.CASES[op](args.tokens) if op == "selective_scan"
                    else run.CASES[op](args.tokens, H=args.heads))
            src = os.path.join(tmp, op + ".mlir")
            with open(src, "w") as f:
                f.write(case.mlir)
            kernels, outs, times = {}, {}, {}
            # New first: a compiler older than the manifest (the JSON
            # beside each library) gets the new one's, the same signature.
            for label, tool in (("new", args.new), ("old", args.old)):
                lib = os.path.join(tmp, "%s-%s.so" % (op, label))
                subprocess.run([tool, src, "-o", lib, "-O3"], check=True)
                if not os.path.exists(manifest_path(lib)):
                    shutil.copy(manifest_path(os.path.join(tmp, "%s-new.so" % op)),
                                manifest_path(lib))
                kernels[label] = Library(lib)[case.op]
                outs[label] = case.outputs()
                times[label] = []
            for _ in range(args.rounds):
                for label, kernel in kernels.items():
                    kernel(*case.inputs, out=outs[label])  # warm-up
                    start = time.perf_counter()
                    kernel(*case.inputs, out=outs[label])
                    times[label].append(time.perf_counter() - start)
            print("%-15s %s  max |old - new| %.2g" % (
                op, "  ".join("%s %8.2f ms (min %.2f)" % (label, 1e3 * statistics.median(t),
                                                        1e3 * min(t))
                              for label, t in times.items()),
                max(float(np.abs(a - b).max()) for a, b in zip(outs["old"], outs["new"]))))


if __name__ == "__main__":
    main()
