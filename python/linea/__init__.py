"""Linea's Python frontend: build, compile and run models on numpy arrays
and torch tensors."""

__version__ = "0.1.0"

from . import dtypes, ops, reference
from .builder import Function, Module, ShapeError
from .compiler import CompileError, compile, compile_text
from .layers import (GatedDeltaNet, KimiDeltaAttention, LinearAttentionLayer, Mamba2Block,
                     MambaBlock, RWKV6TimeMix)
from .runtime import GPUError, Library

__all__ = ["CompileError", "Function", "GPUError", "GatedDeltaNet", "KimiDeltaAttention", "Library",
           "LinearAttentionLayer", "Mamba2Block", "MambaBlock",
           "Module", "RWKV6TimeMix", "ShapeError", "compile", "compile_text", "dtypes",
           "ops", "reference"]
