#!/usr/bin/env python3
"""Sweep of evaluation forms against T, one thread: linear_attention
(B = 1, H = 8, K = V = 64, causal; no gate, a scalar gate, a per-key gate;
recurrent, quadratic, chunked), wkv6 and wkv7 (H = 8, S = 64; recurrent,
chunked), the selective scan (D = 64, N = 16; recurrent, scan) and wkv4
(C = 512 channels; recurrent, scan). For every
point it also asks linea-select-form (target=cpu cores=1) which form `auto`
becomes, and counts how often that form is the fastest measured one (or
within 10% of it). Prints a table (or JSON); --fit prints the least-squares
constants of the CPU cost model (linear attention); --plot writes
docs/forms.png (python3-matplotlib)."""

import argparse
import ctypes
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import linea  # noqa: E402
from linea.builder import Function  # noqa: E402

H, K = 8, 64
TOKENS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)
# Forms whose cost grows with T * chunk or T^2 stop where they take seconds.
LIMITS = {("quadratic", None): 4096, ("chunked", 16): 16384, ("chunked", 64): 4096,
          ("scan", 64): 65536, ("recurrent", None): 65536}
CONFIGS = [("linear_attention", "none"), ("linear_attention", "scalar"),
           ("linear_attention", "per_key"), ("wkv6", None), ("wkv7", None),
           ("selective_scan", None), ("wkv4", None)]
FORMS = {"linear_attention": [("recurrent", None), ("quadratic", None), ("chunked", 16)],
         "wkv6": [("recurrent", None), ("chunked", 16), ("chunked", 64)],
         "wkv7": [("recurrent", None), ("chunked", 16)],
         "selective_scan": [("recurrent", None), ("scan", 64)],
         "wkv4": [("recurrent", None), ("scan", 64)]}


def build(op, gate, T, form, chunk):
    f = Function(op)
    if op == "linear_attention":
        q = f.arg("q", (1, T, H, K))
        g = None
        if gate == "scalar":
            g = f.arg("g", (1, T, H))
        elif gate == "per_key":
            g = f.arg("g", (1, T, H, K))
        f.ret(f.linear_attention(q, q, q, gate=g, form=form, chunk_size=chunk))
    elif op == "wkv6":
        r, w = f.arg("r", (1, T, H, K)), f.arg("w", (1, T, H, K))
        f.ret(f.wkv6(r, r, r, w, f.arg("u", (H, K)), form=form, chunk_size=chunk))
    elif op == "wkv7":
        r, w, kk = (f.arg(n, (1, T, H, K)) for n in ("r", "w", "kk"))
        f.ret(f.wkv7(r, w, r, r, kk, kk, form=form, chunk_size=chunk))
    elif op == "wkv4":
        w, k = f.arg("w", (H * K,)), f.arg("k", (1, T, H * K))
        f.ret(f.wkv4(w, w, k, k, form=form, chunk_size=chunk))
    else:
        u, A, bm = f.arg("u", (1, 64, T)), f.arg("A", (64, 16)), f.arg("bm", (1, 1, 16, T))
        f.ret(f.selective_scan(u, u, A, bm, bm, delta_softplus=True, form=form))
        if chunk:
            f.lines[-1] = f.lines[-1].replace("form = #linea.form<scan>",
                                              "form = #linea.form<scan>, chunk_size = %d : i64" % chunk)
    return f


def inputs(f, rng):
    out = []
    for a in f.args:
        x = rng.standard_normal(a.shape) * 0.1
        if a.name in ("g", "w", "A"):
            x = -np.abs(x)
        if a.name == "kk":
            x = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6) * 0.3
        out.append(np.ascontiguousarray(x, dtype=np.float32))
    return out


def measure(f, repeat):
    fn = linea.compile(f, opt_level=3)
    args = inputs(f, np.random.default_rng(0))
    out = [fn(*args)]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, out=out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def auto_choice(op, gate, T):
    opt = os.path.join(os.environ.get("LINEA_BUILD_DIR", os.path.join(HERE, "..", "build")),
                       "bin", "linea-opt")
    text = build(op, gate, T, "auto", None).text()
    out = subprocess.run([opt, "-linea-select-form=target=cpu cores=1", "-"], input=text,
                         capture_output=True, text=True, check=True).stdout
    form = re.search(r"form = #linea.form<(\w+)>", out).group(1)
    chunk = re.search(r"chunk_size = (\d+)", out)
    return form, int(chunk.group(1)) if chunk else None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--plot", action="store_true")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ctypes.CDLL("/usr/lib/llvm-22/lib/libomp.so").omp_set_num_threads(1)
    rows, points = [], []
    for op, gate in CONFIGS:
        for T in TOKENS:
            times = {}
            for form, chunk in FORMS[op]:
                if T > LIMITS[(form, chunk)]:
                    continue
                seconds = measure(build(op, gate, T, form, chunk), args.repeat)
                times[(form, chunk)] = seconds
                rows.append({"op": op, "gate": gate, "T": T, "form": form, "chunk": chunk,
                             "seconds": seconds})
            choice = auto_choice(op, gate, T)
            best = min(times, key=times.get)
            chosen = times.get(choice, times.get((choice[0], None)))
            points.append({"op": op, "gate": gate, "T": T, "auto": choice, "fastest": best,
                           "within_10pct": chosen is not None and chosen <= 1.1 * times[best]})
    good = sum(p["within_10pct"] for p in points)
    if args.json:
        print(json.dumps({"rows": rows, "points": points, "auto_within_10pct": good,
                          "points_total": len(points)}, indent=1, default=str))
    else:
        print("%-17s %-8s %6s  %-34s %-14s %s" % ("op", "gate", "T", "ms per form", "fastest", "auto"))
        for p in points:
            t = {("%s%s" % (r["form"], "/%d" % r["chunk"] if r["chunk"] else "")): r["seconds"]
                 for r in rows if r["op"] == p["op"] and r["gate"] == p["gate"] and r["T"] == p["T"]}
            f = lambda c: "%s%s" % (c[0], "/%d" % c[1] if c[1] else "")
            print("%-17s %-8s %6d  %-34s %-14s %s%s" % (
                p["op"], p["gate"] or "-", p["T"],
                " ".join("%s=%.3g" % (k, 1e3 * v) for k, v in t.items()),
                f(p["fastest"]), f(p["auto"]), "" if p["within_10pct"] else "  (miss)"))
        print("auto form within 10%% of the fastest: %d of %d (%.0f%%)" % (
            good, len(points), 100.0 * good / len(points)))
    if args.fit:
        for gate in ("none", "scalar", "per_key"):
            for form, work in (("recurrent", lambda r: H * r["T"] * K * K),
                               ("quadratic", lambda r: H * r["T"] * (r["T"] + 1) / 2 * (2 * K))):
                pts = [(work(r), r["seconds"]) for r in rows if r["op"] == "linear_attention"
                       and r["gate"] == gate and r["form"] == form and r["T"] <= 1024]
                xs, ys = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
                a, b = np.linalg.lstsq(np.stack([xs / ys, 1 / ys], 1), np.ones_like(ys),
                                       rcond=None)[0]
                print("fit %-8s %-10s a = %.3e s per unit, b = %.3e s" % (gate, form, a, b))
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(2, 4, figsize=(18, 7.5), sharey=True)
        for ax, (op, gate) in zip(axes.flat, CONFIGS):
            for form, chunk in FORMS[op]:
                pts = [(r["T"], r["seconds"]) for r in rows if r["op"] == op and r["gate"] == gate
                       and r["form"] == form and r["chunk"] == chunk]
                if pts:
                    ax.loglog(*zip(*pts), "o-", label=form + ("/%d" % chunk if chunk else ""))
            ax.set_title(op + (" (gate: %s)" % gate if gate else ""))
            ax.set_xlabel("T (tokens)")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        for ax in list(axes.flat)[len(CONFIGS):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel("seconds (1 thread)")
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "..", "docs", "forms.png"), dpi=80)


if __name__ == "__main__":
    main()
