# RUN: %python %s
# Without a GPU a GPU library loads and fails cleanly: the checked entry
# points raise linea.GPUError with the runtime's reason, on host arrays and
# on (described) device arrays alike; bad GPU arrays are rejected first.
# UNSUPPORTED: cuda-gpu

import numpy as np

import linea
from linea.testing import Checker

checker = Checker()
text = """
func.func @wkv4(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}
"""
lib = linea.compile(text, target="nvptx")
w = np.zeros(16, np.float32)
k = np.zeros((2, 8, 16), np.float32)

raises = checker.raises

raises("host arrays: GPUError names the driver", lambda: lib.wkv4(w, w, k, k),
       linea.GPUError, "wkv4: cannot load the CUDA driver")
raises("and again on the next call", lambda: lib.wkv4(w, w, k, k),
       linea.GPUError, "a GPU and the NVIDIA driver are needed")


class DeviceArray:
    """Stands for a GPU array: only its interface is read."""

    def __init__(self, shape, typestr="<f4"):
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr,
                                          "data": (4096, False), "version": 3,
                                          "strides": None}


raises("device arrays: GPUError from the _device entry point",
       lambda: lib.wkv4.on_device(DeviceArray((16,)), DeviceArray((16,)),
                                  DeviceArray((2, 8, 16)), DeviceArray((2, 8, 16)),
                                  DeviceArray((2, 8, 16))),
       linea.GPUError, "wkv4_device: cannot load the CUDA driver")
raises("device arrays: wrong shape", lambda: lib.wkv4.on_device(
    DeviceArray((15,)), DeviceArray((16,)), DeviceArray((2, 8, 16)), DeviceArray((2, 8, 16)),
    DeviceArray((2, 8, 16))), ValueError, "buffer 0 has shape (15,), expected (16,)")
raises("device arrays: wrong element size", lambda: lib.wkv4.on_device(
    DeviceArray((16,), "<f8"), DeviceArray((16,)), DeviceArray((2, 8, 16)),
    DeviceArray((2, 8, 16)), DeviceArray((2, 8, 16))), TypeError, "buffer 0 has dtype float64")
raises("device arrays: count", lambda: lib.wkv4.on_device(DeviceArray((16,))), TypeError,
       "on_device takes 5 buffers")
raises("device arrays: not GPU arrays", lambda: lib.wkv4.on_device(w, w, k, k, k), TypeError,
       "must be a GPU array")
raises("a CPU library has no device entry points",
       lambda: linea.compile(text, target="cpu").wkv4.on_device(
           DeviceArray((16,)), DeviceArray((16,)), DeviceArray((2, 8, 16)),
           DeviceArray((2, 8, 16)), DeviceArray((2, 8, 16))), TypeError, "not a GPU library")
checker.finish()
