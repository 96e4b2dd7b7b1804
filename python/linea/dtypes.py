"""Element types: numpy has no bfloat16, so bf16 travels as uint16 bits."""

import numpy as np


def numpy_dtype(element):
    return {"f32": np.float32, "f64": np.float64, "f16": np.float16,
            "bf16": np.uint16, "i32": np.int32, "i64": np.int64}[element]


def to_bf16(x):
    """float array -> bf16 bit patterns (round to nearest even)."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + np.uint32(0x7FFF)
    return ((bits + rounding) >> 16).astype(np.uint16)


def from_bf16(bits):
    """bf16 bit patterns -> float32."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def encode(x, element):
    """A float array as the numpy array a kernel of `element` takes."""
    if element == "bf16":
        return to_bf16(x)
    return np.asarray(x, dtype=numpy_dtype(element))


def decode(x, element):
    """A kernel's array of `element` as float64."""
    if element == "bf16":
        return from_bf16(x).astype(np.float64)
    return np.asarray(x, dtype=np.float64)
