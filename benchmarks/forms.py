#!/usr/bin/env python3
"""Sweep of evaluation forms against T: linear_attention (B = 1, H = 8,
K = V = 64, causal) with no gate, a scalar gate and a per-key gate, in the
recurrent and quadratic forms, one thread. Prints a table (or JSON), fits the
cost-model constants of linea-select-form, and with --plot writes
docs/forms.png (python3-matplotlib)."""

import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import linea  # noqa: E402
from linea.builder import Function  # noqa: E402

H, K = 8, 64
GATES = ("none", "scalar", "per_key")
TOKENS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)
QUADRATIC_MAX_T = 4096


def measure(T, gate, form, repeat):
    rng = np.random.default_rng(0)
    f = Function("la")
    q = f.arg("q", (1, T, H, K))
    g = None
    if gate == "scalar":
        g = f.arg("g", (1, T, H))
    elif gate == "per_key":
        g = f.arg("g", (1, T, H, K))
    f.ret(f.linear_attention(q, q, q, gate=g, form=form))
    fn = linea.compile(f, opt_level=3)
    args = [np.ascontiguousarray(rng.standard_normal((1, T, H, K)) * 0.1, dtype=np.float32)]
    if g is not None:
        args.append(np.ascontiguousarray(-rng.random(g.shape) * 0.1, dtype=np.float32))
    out = [fn(*args)]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, out=out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fit(rows, form, work):
    """seconds = a * work + b, least squares of the relative error (so that
    the short sequences, where the choice is made, weigh as much as the long
    ones), over the points with T <= 1024."""
    pts = [(work(r), r["seconds"]) for r in rows if r["form"] == form and r["T"] <= 1024]
    xs, ys = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    a, b = np.linalg.lstsq(np.stack([xs / ys, 1 / ys], 1), np.ones_like(ys), rcond=None)[0]
    return float(a), float(b)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--plot", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ctypes.CDLL("/usr/lib/llvm-22/lib/libomp.so").omp_set_num_threads(1)
    rows = []
    for gate in GATES:
        for T in TOKENS:
            for form in ("recurrent", "quadratic"):
                if form == "quadratic" and T > QUADRATIC_MAX_T:
                    continue
                rows.append({"gate": gate, "T": T, "form": form,
                             "seconds": measure(T, gate, form, args.repeat)})
    # Work units of the cost model (per head): recurrent T*K*V state
    # updates; quadratic T*(T+1)/2 scores of K+V multiply-adds each.
    fits = {}
    for gate in GATES:
        sub = [r for r in rows if r["gate"] == gate]
        fits[gate] = {
            "recurrent": fit(sub, "recurrent", lambda r: H * r["T"] * K * K),
            "quadratic": fit(sub, "quadratic",
                             lambda r: H * r["T"] * (r["T"] + 1) / 2 * (2 * K)),
        }
    if args.json:
        print(json.dumps({"rows": rows, "fits": fits}, indent=1))
    else:
        print("%-8s %6s %12s %12s %s" % ("gate", "T", "recurrent", "quadratic", "fastest"))
        for gate in GATES:
            for T in TOKENS:
                t = {r["form"]: r["seconds"] for r in rows if r["gate"] == gate and r["T"] == T}
                q = t.get("quadratic")
                print("%-8s %6d %10.3f ms %10s %s" % (
                    gate, T, 1e3 * t["recurrent"], "%.3f ms" % (1e3 * q) if q else "-",
                    min(t, key=t.get)))
        print("fits (seconds = a * work + b):")
        for gate, f in fits.items():
            for form, (a, b) in f.items():
                print("  %-8s %-10s a = %.3e s  b = %.3e s" % (gate, form, a, b))
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, len(GATES), figsize=(13, 4), sharey=True)
        for ax, gate in zip(axes, GATES):
            for form in ("recurrent", "quadratic"):
                pts = [(r["T"], r["seconds"]) for r in rows if r["gate"] == gate and r["form"] == form]
                ax.loglog(*zip(*pts), "o-", label=form)
            ax.set_title("linear_attention, gate: %s" % gate)
            ax.set_xlabel("T (tokens)")
            ax.grid(True, which="both", alpha=0.3)
        axes[0].set_ylabel("seconds (1 thread, H=8, K=V=64)")
        axes[0].legend()
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "..", "docs", "forms.png"), dpi=90)


if __name__ == "__main__":
    main()
