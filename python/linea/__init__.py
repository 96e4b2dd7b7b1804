"""Linea's Python frontend: build, compile and run models on numpy arrays."""

from .compiler import CompileError, compile_text
from .runtime import Library
from . import dtypes, reference

__all__ = ["CompileError", "Library", "compile_text", "dtypes", "reference"]
