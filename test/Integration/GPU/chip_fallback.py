# RUN: %python %s
# The kernels a chip without tf32 tensor cores gets (--chip=sm_75: the
# chunked forms on the CUDA cores, a thread per value column), run on the
# GPU emulator, against float64 references: the chunked forms of linear
# attention (per-key and scalar gates), wkv6 and wkv7 at head sizes the
# tensor-core kernel would take on sm_80 and later.

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "device_check"))
import cases  # noqa: E402
import linea  # noqa: E402
from linea import dtypes  # noqa: E402
from linea.testing import Checker  # noqa: E402

rng = np.random.default_rng(75)
chunked = [
    cases.la("la chunked key gate K=V=16", rng, T=37, K=16, V=16, form="chunked"),
    cases.la("la chunked scalar gate K=32 V=16", rng, T=20, K=32, V=16, form="chunked",
             gate="scalar"),
    cases.wkv6("wkv6 chunked S=16", rng, T=19, S=16, form="chunked"),
    cases.wkv7("wkv7 chunked S=16", rng, T=21, S=16, form="chunked"),
]
checker = Checker()
for chip in ("sm_75", "sm_90"):
    lib = linea.compile_text("\n".join(c.text for c in chunked), target="gpu-emulator",
                             extra_args=["--chip=" + chip])
    for c in chunked:
        got = dtypes.decode(lib[c.fn](*c.inputs), c.dtype)
        checker.check("%s %s" % (chip, c.name), got, c.want[0], c.tol)
checker.finish()
