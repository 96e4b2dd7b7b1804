"""Builds the one-shot device check folder (here, where MLIR is).

    python3 build.py OUT [--target nvptx|gpu-emulator] [--chip sm_90]
                         [--main-T 2048] [--main-H 32] [--main-D 1536]

OUT receives the compiled libraries (lib/NAME.FORMAT.so with their module
text lib/NAME.mlir: FORMAT is `bin`, cubin assembled here by ptxas where it
is found, so that a PTX error shows on this machine, and `isa`, PTX for the
driver to compile, the fallback; `emu` for the emulator), the
inputs and float64 references of the small cases (cases/*.npz), the pure
numpy part of the linea package (to load the libraries and recompute the
references of the benchmark shapes), and the driver: run.py,
torch_baselines.py, cases.py and run-on-device.sh. `--target gpu-emulator`
builds the same folder with the kernels run on the CPU, to check the
driver itself where there is no GPU.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "python"))

import cases  # noqa: E402
from linea.compiler import _find_tool  # noqa: E402


def find_ptxas():
    return shutil.which("ptxas") or next(
        (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)


def gpu_formats(target):
    """The GPU code formats to build, in the order the driver tries them."""
    if target != "nvptx":
        return ["emu"]
    return ["bin", "isa"] if find_ptxas() else ["isa"]


def compile_module(text, out_dir, name, target, chip, formats):
    src = os.path.join(out_dir, "lib", name + ".mlir")
    with open(src, "w") as f:
        f.write(text)
    env = dict(os.environ)
    ptxas = find_ptxas()
    if ptxas:
        env["PATH"] = os.path.dirname(ptxas) + os.pathsep + env.get("PATH", "")
    for fmt in formats:
        args = [_find_tool("linea-compile"), src, "-o",
                os.path.join(out_dir, "lib", "%s.%s.so" % (name, fmt)), "--target=" + target]
        args.append("--chip=" + chip)
        if target == "nvptx":
            args.append("--gpu-format=" + fmt)
        proc = subprocess.run(args, capture_output=True, text=True, env=env)
        if proc.returncode:
            sys.exit("linea-compile (%s) failed for %s:\n%s" % (fmt, name, proc.stderr))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--target", default="nvptx", choices=["nvptx", "gpu-emulator"])
    parser.add_argument("--chip", default="sm_90")
    parser.add_argument("--main-T", type=int, default=2048)
    parser.add_argument("--main-H", type=int, default=32,
                        help="heads of the benchmark shapes (smaller to check the driver)")
    parser.add_argument("--main-D", type=int, default=1536,
                        help="selective scan channels of the benchmark shapes")
    parser.add_argument("--quick", action="store_true",
                        help="f32 small cases only (to check the driver)")
    args = parser.parse_args()

    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    for d in ("lib", "cases"):
        os.makedirs(os.path.join(out, d))
    shutil.copytree(os.path.join(SOURCE, "python", "linea"), os.path.join(out, "linea"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for f in ("cases.py", "run.py", "torch_baselines.py", "run-on-device.sh"):
        shutil.copy(os.path.join(HERE, f), out)

    formats = gpu_formats(args.target)
    small = [("coverage", args.chip, cases.coverage(args.quick)),
             ("fallback", cases.FALLBACK_CHIP, cases.fallback())]
    manifest = {"target": args.target, "chip": args.chip, "gpu_formats": formats,
                "libs": ["coverage", "fallback", "main"], "coverage": [],
                "main": {"T": args.main_T, "H": args.main_H, "D": args.main_D}}
    for lib, chip, lib_cases in small:
        compile_module("\n".join(c.text for c in lib_cases), out, lib, args.target, chip,
                       formats)
        for c in lib_cases:
            path = os.path.join("cases", c.fn + ".npz")
            np.savez_compressed(os.path.join(out, path), want=c.want[0],
                                **{"in%d" % i: a for i, a in enumerate(c.inputs)})
            manifest["coverage"].append({"name": c.name, "fn": c.fn, "dtype": c.dtype,
                                         "tol": c.tol, "inputs": len(c.inputs), "file": path,
                                         "lib": lib})
    coverage = manifest["coverage"]
    main_cases = cases.main_shapes(compute=False, **manifest["main"])
    compile_module("\n".join(c.text for c in main_cases), out, "main", args.target, args.chip,
                   formats)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print("built %s: %d small cases, %d benchmark shapes, GPU code as %s, %.1f MB" %
          (out, len(coverage), len(main_cases), " and ".join(formats), size / 1e6))


if __name__ == "__main__":
    main()
