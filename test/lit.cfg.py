# -*- Python -*-
# lit configuration of the Linea test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "LINEA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "lit.local.cfg", "Inputs", "device_check"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.linea_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%linea_src", config.linea_src_root))
config.substitutions.append(("%linea_obj_root", config.linea_obj_root))
config.environment["PYTHONPATH"] = os.path.join(config.linea_src_root, "python")
config.environment["LINEA_BUILD_DIR"] = config.linea_obj_root

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.linea_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    [ToolSubst("linea-opt", unresolved="fatal"),
     ToolSubst("linea-compile", unresolved="ignore")], tool_dirs)
llvm_config.with_environment("PATH", config.linea_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# ptxas (from a CUDA toolkit) assembles the PTX tests produce: on PATH, or
# in the usual install prefix.
import shutil
ptxas = shutil.which("ptxas") or next(
    (p for p in ["/usr/local/cuda/bin/ptxas"] if os.access(p, os.X_OK)), None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# The fake CUDA driver (unittests/Runtime) runs compiled GPU libraries
# without a GPU, checking what they ask of the driver.
config.substitutions.append(("%fake_cuda_driver", os.path.join(
    config.linea_obj_root, "unittests", "libFakeCudaDriver.so")))
config.substitutions.append(("%llvm_lib_dir", config.llvm_lib_dir))

# A private mount namespace hides folders from one test's processes (as a
# machine without LLVM would have them).
import subprocess
if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0:
    config.available_features.add("mount-namespace")

# GPU execution tests need the NVIDIA driver and a device.
def _cuda_device_present():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0

if _cuda_device_present():
    config.available_features.add("cuda-gpu")
