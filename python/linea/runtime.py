"""Calling compiled Linea libraries on numpy arrays.

Every entry point is called through its checked C entry point
`linea_<name>(error, error_size, args..., outs...)`: memrefs go as pointers to
descriptors {allocated, aligned, offset, sizes, strides}, and the caller
(this module) allocates the output buffers the kernel fills.
"""

import ctypes
import json
import os
import threading

import numpy as np

from . import dtypes

_descriptor_cache = {}


def descriptor_type(rank):
    """The ctypes struct of a rank-`rank` memref descriptor."""
    if rank not in _descriptor_cache:
        fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                  ("offset", ctypes.c_int64)]
        if rank > 0:
            fields += [("sizes", ctypes.c_int64 * rank),
                       ("strides", ctypes.c_int64 * rank)]
        _descriptor_cache[rank] = type("MemRef%dD" % rank, (ctypes.Structure,),
                                       {"_fields_": fields})
    return _descriptor_cache[rank]


def dense_strides(shape):
    """The element strides of a dense row-major array of `shape` (one
    entry, 1, for a scalar's shape ())."""
    return [int(x) for x in np.cumprod((1,) + tuple(shape)[:0:-1])[::-1]]


def _describe(array):
    """The memref descriptor of a C-contiguous numpy array."""
    desc = descriptor_type(array.ndim)()
    desc.allocated = desc.aligned = array.ctypes.data
    desc.offset = 0
    if array.ndim:
        desc.sizes[:] = array.shape
        desc.strides[:] = [s // array.itemsize for s in array.strides]
    return desc


class TensorType:
    """A tensor type: shape (None for a dynamic size), element type name
    (f32, f16, bf16...), the buffer's name in the library's manifest and, for
    a result, where its dynamic sizes come from: (dim, argument, its dim[,
    offset]): that argument's size plus the offset (-1: the sequences of a
    packed batch's offsets)."""

    def __init__(self, shape, element, name=None, sizes_from=()):
        self.shape = tuple(None if d is None or d < 0 else d for d in shape)
        self.element = element
        self.name = name
        self.sizes_from = tuple(tuple(x) for x in sizes_from)
        self.dynamic = None in self.shape

    def matches(self, shape):
        """Whether an array of `shape` fits: every static size equal."""
        return len(shape) == len(self.shape) and all(
            want is None or want == got for want, got in zip(self.shape, shape))

    def resolve(self, arg_shapes):
        """The shape of this result for arguments of `arg_shapes`."""
        shape = list(self.shape)
        for dim, arg, arg_dim, *offset in self.sizes_from:
            shape[dim] = arg_shapes[arg][arg_dim] + sum(offset)
        return tuple(shape)

    def __repr__(self):
        return "tensor<%s>" % "x".join(["?" if d is None else str(d) for d in self.shape] +
                                       [self.element])


def manifest_path(library_path):
    """Where linea-compile writes a library's manifest: beside it, `.json`."""
    return os.path.splitext(library_path)[0] + ".json"


def read_manifest(path):
    """{name: (argument types, result types)} of the public functions, from
    the JSON manifest linea-compile writes beside each library."""
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != 1:
        raise ValueError("%s: manifest format %r, expected 1" % (path, manifest.get("format")))

    def types(buffers, what, fn):
        out = []
        for b in buffers:
            if b.get("scalar"):
                raise ValueError("%s: %s %s of %s is a scalar; the Python runtime passes "
                                 "tensors only" % (path, what, b["name"], fn))
            out.append(TensorType(b["shape"], b["dtype"], b["name"], b.get("sizes_from", ())))
        return out

    return {f["name"]: (types(f["arguments"], "argument", f["name"]),
                        types(f["results"], "result", f["name"]))
            for f in manifest["functions"]}


class GPUError(RuntimeError):
    """The GPU runtime failed (no driver or device, a failed launch)."""


def _torch_of(obj):
    """The torch module when `obj` is a torch tensor, else None. torch is
    imported only here, when a caller already holds one of its tensors:
    nothing else in Linea needs it."""
    if type(obj).__module__.split(".")[0] != "torch":
        return None
    import torch
    return torch if isinstance(obj, torch.Tensor) else None


_TORCH_DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16", "f64": "float64",
                 "i32": "int32", "i64": "int64"}


def _torch_dtype(torch, element):
    return getattr(torch, _TORCH_DTYPES[element])


def _torch_cpu_view(torch, tensor, expected, where):
    """A numpy array sharing the memory of a CPU torch tensor (no copy;
    bf16 as its 16-bit patterns), after the checks that name the argument."""
    want = _torch_dtype(torch, expected.element)
    if tensor.dtype != want:
        raise TypeError("%s has dtype %s, expected %s (%s)" % (where, tensor.dtype, want,
                                                                expected))
    if not expected.matches(tuple(tensor.shape)):
        raise ValueError("%s has shape %s, expected %s" % (where, tuple(tensor.shape),
                                                           _shape_text(expected)))
    if not tensor.is_contiguous():
        raise ValueError("%s must be contiguous (call .contiguous() on it)" % where)
    t = tensor.detach()
    if expected.element == "bf16":
        return t.view(torch.int16).numpy().view(np.uint16)
    return t.numpy()


def _shape_text(t):
    if not t.dynamic:
        return str(t.shape)
    return "(%s)" % ", ".join("?" if d is None else str(d) for d in t.shape)


def _torch_empty(torch, t, shape, device):
    return torch.empty(shape, dtype=_torch_dtype(torch, t.element), device=device)


def _is_cuda(obj):
    torch = _torch_of(obj)
    if torch is not None:
        return obj.is_cuda
    return hasattr(obj, "__cuda_array_interface__")


def _describe_cuda(obj, expected, name, index):
    """The memref descriptor of a dense GPU array: a CUDA torch tensor (any
    dtype, bf16 included), or anything with `__cuda_array_interface__`."""
    torch = _torch_of(obj)
    if torch is not None:
        if not obj.is_cuda:
            raise TypeError("%s: buffer %d must be a CUDA tensor, got one on %s" %
                            (name, index, obj.device))
        want = _torch_dtype(torch, expected.element)
        if obj.dtype != want:
            raise TypeError("%s: buffer %d has dtype %s, expected %s" %
                            (name, index, obj.dtype, want))
        if not expected.matches(tuple(obj.shape)):
            raise ValueError("%s: buffer %d has shape %s, expected %s" %
                             (name, index, tuple(obj.shape), _shape_text(expected)))
        if not obj.is_contiguous():
            raise ValueError("%s: buffer %d must be contiguous" % (name, index))
        desc = descriptor_type(obj.dim())()
        desc.allocated = desc.aligned = obj.data_ptr()
        desc.offset = 0
        if obj.dim():
            desc.sizes[:] = tuple(obj.shape)
            desc.strides[:] = tuple(obj.stride())
        return desc
    iface = getattr(obj, "__cuda_array_interface__", None)
    if iface is None:
        raise TypeError("%s: buffer %d must be a GPU array (with "
                        "__cuda_array_interface__)" % (name, index))
    shape = tuple(iface["shape"])
    dtype = np.dtype(iface["typestr"])
    want = np.dtype(dtypes.numpy_dtype(expected.element))
    # bf16 travels as 16-bit patterns: only the element size is comparable.
    if dtype.itemsize != want.itemsize:
        raise TypeError("%s: buffer %d has dtype %s, expected %s" %
                        (name, index, dtype, expected))
    if not expected.matches(shape):
        raise ValueError("%s: buffer %d has shape %s, expected %s" %
                         (name, index, shape, _shape_text(expected)))
    if iface.get("strides") is not None:
        if tuple(iface["strides"]) != tuple(dtype.itemsize * x for x in dense_strides(shape)):
            raise ValueError("%s: buffer %d must be dense row-major" % (name, index))
    desc = descriptor_type(len(shape))()
    desc.allocated = desc.aligned = iface["data"][0]
    desc.offset = 0
    if shape:
        desc.sizes[:] = shape
        desc.strides[:] = dense_strides(shape)
    return desc


class Function:
    """A compiled entry point, called on numpy arrays or torch tensors: CPU
    tensors are read and written in place (no copy) and the results come
    back as torch tensors; CUDA tensors run the GPU library's device entry
    point (as `on_device`) on results allocated on their device."""

    def __init__(self, lib, name, arg_types, result_types, symbol=None):
        self.name = name
        self.arg_types = arg_types
        self.result_types = result_types
        # The checked entry point validates every descriptor again in C.
        self._lib = lib
        self._fn = getattr(lib, "linea_" + (symbol or name))
        self._fn.restype = ctypes.c_int32
        # Some size is known only at the call: the general path, which
        # sizes the results from the arguments.
        self.dynamic = any(t.dynamic for t in arg_types + result_types)

    def result_shapes(self, arg_shapes):
        """The results' shapes for arguments of `arg_shapes`."""
        return [t.resolve(arg_shapes) for t in self.result_types]

    @staticmethod
    def _where(index, expected, what):
        # "argument 2 (k)": the position, and the name the library gives it.
        return "%s %d%s" % (what, index, " (%s)" % expected.name if expected.name else "")

    def _array(self, index, obj, expected, what):
        """`obj` as the numpy array the kernel reads or writes: itself, or
        the memory of a CPU torch tensor."""
        torch = _torch_of(obj)
        if torch is not None:
            where = "%s: %s" % (self.name, self._where(index, expected, what))
            if obj.is_cuda:
                raise TypeError("%s is a CUDA tensor among CPU buffers" % where)
            obj = _torch_cpu_view(torch, obj, expected, where)
        self._check(index, obj, expected, what)
        return obj

    def _check(self, index, array, expected, what):
        dtype = dtypes.numpy_dtype(expected.element)
        where = self._where(index, expected, what)
        if not isinstance(array, np.ndarray):
            raise TypeError("%s: %s must be a numpy array or a torch tensor, got %s" %
                            (self.name, where, type(array).__name__))
        if array.dtype != dtype:
            raise TypeError("%s: %s has dtype %s, expected %s (%s)" %
                            (self.name, where, array.dtype, np.dtype(dtype), expected))
        if not expected.matches(array.shape):
            raise ValueError("%s: %s has shape %s, expected %s" %
                             (self.name, where, array.shape, _shape_text(expected)))
        if not array.flags["C_CONTIGUOUS"]:
            raise ValueError("%s: %s must be C-contiguous" % (self.name, where))
        if what == "output" and not array.flags["WRITEABLE"]:
            raise ValueError("%s: %s must be writeable" % (self.name, where))

    def _descriptors(self):
        """This thread's descriptors of every buffer (inputs, then outputs)
        and pointers to them: shapes and strides are the signature's, fixed
        once; a call only sets the data pointers. Per thread, because the
        call releases the GIL and another thread may call the same function."""
        local = self.__dict__.setdefault("_local", threading.local())
        if not hasattr(local, "descs"):
            local.descs = []
            for t in self.arg_types + self.result_types:
                d = descriptor_type(len(t.shape))()
                d.offset = 0
                # Dynamic sizes are set per call (_fast).
                if t.shape and not t.dynamic:
                    d.sizes[:] = t.shape
                    d.strides[:] = dense_strides(t.shape)
                local.descs.append(d)
            local.refs = [ctypes.byref(d) for d in local.descs]
        return local.descs, local.refs

    def _fast(self, arrays, out):
        """The call on numpy arrays that already are what the signature says:
        a check per array and nothing else (the decode step's path); None
        where one is not, for the general path to say why. Dynamic sizes
        are set in the descriptors per call (the entry point checks them
        against each other)."""
        if not hasattr(self, "_expected"):
            self._expected = [(np.dtype(dtypes.numpy_dtype(t.element)), t.shape, t.dynamic)
                              for t in self.arg_types + self.result_types]
        n = len(arrays)
        if out is not None and len(out) != len(self.result_types):
            return None
        # The outputs are allocated only once the arguments (and out) pass.
        given = list(arrays) + (list(out) if out is not None else [])
        for i, (a, (dtype, shape, dynamic)) in enumerate(zip(given, self._expected)):
            if type(a) is not np.ndarray or a.dtype != dtype or \
                    (not dynamic and a.shape != shape) or \
                    not a.flags.c_contiguous or (i >= n and not a.flags.writeable):
                return None
        sizes = None
        if self.dynamic:
            sizes = self._dynamic_sizes(tuple(a.shape for a in arrays))
            if sizes is None or (out is not None and any(
                    o.shape != r for o, r in zip(out, sizes[0]))):
                return None
        if out is None:
            shapes = sizes[0] if sizes else [shape for _, shape, _ in self._expected[n:]]
            out = [np.empty(shape, dtype)
                   for (dtype, _, _), shape in zip(self._expected[n:], shapes)]
        buffers = list(arrays) + list(out)
        descs, refs = self._descriptors()
        for d, a in zip(descs, buffers):
            d.allocated = d.aligned = a.ctypes.data
        if sizes:
            for i, shape, strides in sizes[1]:
                descs[i].sizes[:] = shape
                descs[i].strides[:] = strides
        self.call_descriptors(*refs)
        return out[0] if len(out) == 1 else tuple(out)

    def _dynamic_sizes(self, arg_shapes):
        """For arguments of `arg_shapes`: the results' shapes and, per buffer
        of a dynamic type, (index, sizes, dense strides); None where the
        shapes do not fit the signature. Kept per distinct shapes: a decode
        loop calls with the same ones every step."""
        cache = self.__dict__.setdefault("_sizes_cache", {})
        if arg_shapes in cache:
            return cache[arg_shapes]
        types = self.arg_types + self.result_types
        if len(cache) > 256:
            cache.clear()
        if not all(t.matches(shape) for t, shape in zip(self.arg_types, arg_shapes)):
            return None
        results = self.result_shapes(arg_shapes)
        shapes = list(arg_shapes) + results
        cache[arg_shapes] = (results, [(i, tuple(shape), tuple(dense_strides(shape)))
                                       for i, (t, shape) in enumerate(zip(types, shapes))
                                       if t.dynamic])
        return cache[arg_shapes]

    def __call__(self, *arrays, out=None):
        """Runs the kernel on `arrays`; the results go to new arrays (torch
        tensors when an argument is one), or to `out` (a sequence of arrays
        or tensors of the result types, written in place)."""
        if len(arrays) != len(self.arg_types):
            raise TypeError("%s takes %d arguments, got %d" %
                            (self.name, len(self.arg_types), len(arrays)))
        fast = self._fast(arrays, out)
        if fast is not None:
            return fast
        if any(_is_cuda(a) for a in arrays):
            return self._call_cuda(arrays, out)
        torch = next((t for t in map(_torch_of, arrays) if t is not None), None)
        inputs = [self._array(i, a, t, "argument")
                  for i, (a, t) in enumerate(zip(arrays, self.arg_types))]
        if out is None:
            shapes = self.result_shapes([a.shape for a in inputs])
            results = [_torch_empty(torch, t, shape, "cpu") if torch else
                       np.empty(shape, dtype=dtypes.numpy_dtype(t.element))
                       for t, shape in zip(self.result_types, shapes)]
        else:
            results = list(out)
            if len(results) != len(self.result_types):
                raise TypeError("%s: out must hold %d arrays, got %d" %
                                (self.name, len(self.result_types), len(results)))
        outputs = [self._array(i, o, t, "output")
                   for i, (o, t) in enumerate(zip(results, self.result_types))]
        descs = [_describe(a) for a in inputs + outputs]
        self.call_descriptors(*[ctypes.byref(d) for d in descs])
        return results[0] if len(results) == 1 else tuple(results)

    def _call_cuda(self, arrays, out):
        """CUDA arguments: the device entry point, on results allocated on
        the arguments' device (CUDA torch tensors) or given in `out`."""
        where = [i for i, a in enumerate(arrays) if not _is_cuda(a)]
        if where:
            raise TypeError("%s: argument %d is not on the GPU, and the others are" %
                            (self.name, where[0]))
        if out is None:
            torch = _torch_of(arrays[0])
            if torch is None:
                raise TypeError("%s: CUDA arguments other than torch tensors need out=" %
                                self.name)
            shapes = self.result_shapes([tuple(a.shape) for a in arrays])
            out = [_torch_empty(torch, t, shape, arrays[0].device)
                   for t, shape in zip(self.result_types, shapes)]
        out = list(out)
        self.on_device(*arrays, *out)
        return out[0] if len(out) == 1 else tuple(out)

    def call_descriptors(self, *args):
        """Calls the checked entry point on raw ctypes arguments (inputs,
        then outputs); raises ValueError with its message if it rejects them."""
        error = ctypes.create_string_buffer(1024)
        rc = self._fn(error, ctypes.c_int64(len(error)), *args)
        if rc < 0:
            raise GPUError(error.value.decode())
        if rc != 0:
            raise ValueError(error.value.decode() or "%s: rejected descriptor %d" % (self.name, rc))

    def on_device(self, *buffers):
        """GPU libraries: runs `<name>_device` on GPU arrays (inputs, then
        one output per result), which it reads and writes in place."""
        if len(buffers) != len(self.arg_types) + len(self.result_types):
            raise TypeError("%s: on_device takes %d buffers (inputs and outputs), got %d" %
                            (self.name, len(self.arg_types) + len(self.result_types), len(buffers)))
        types = self.arg_types + self.result_types
        descs = [_describe_cuda(b, t, self.name, i) for i, (b, t) in enumerate(zip(buffers, types))]
        self._device().call_descriptors(*[ctypes.byref(d) for d in descs])

    def _device(self):
        if not hasattr(self, "_device_fn"):
            try:
                self._device_fn = Function(self._lib, self.name, self.arg_types,
                                           self.result_types, self.name + "_device")
            except AttributeError:
                raise TypeError("%s: not a GPU library (no %s_device)" % (self.name, self.name)) from None
        return self._device_fn


def _host_array(obj, expected, where):
    """`obj` (a numpy array, a torch tensor, nested lists) as a C-contiguous
    numpy array of `expected`'s element type, converted (one copy) where it
    is not one already: bound parameters are converted once, at binding."""
    torch = _torch_of(obj)
    if torch is not None:
        t = obj.detach().cpu().to(_torch_dtype(torch, expected.element)).contiguous()
        obj = t.view(torch.int16).numpy().view(np.uint16) if expected.element == "bf16" \
            else t.numpy()
    else:
        a = np.asarray(obj)
        want = np.dtype(dtypes.numpy_dtype(expected.element))
        # bf16 given as floats is rounded; as uint16 it is bit patterns already.
        obj = a if a.dtype == want else dtypes.encode(a, expected.element)
    if not expected.matches(tuple(obj.shape)):
        raise ValueError("%s has shape %s, expected %s" % (where, tuple(obj.shape),
                                                           _shape_text(expected)))
    return np.ascontiguousarray(obj)


class BoundFunction:
    """A compiled function with some arguments bound once, by name (the
    weights): a call passes the others, in their order or by name, and the
    bound ones go to the kernel as they are held, without a copy. On CUDA
    arguments the bound ones are copied to the device once and kept there."""

    def __init__(self, fn, params):
        names = [t.name for t in fn.arg_types]
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise KeyError("%s: no argument named %s (its arguments: %s)" %
                           (fn.name, ", ".join(map(repr, unknown)), ", ".join(names)))
        self.function = fn
        self.name = fn.name
        self._bound = {i: _host_array(params[t.name], t, "%s: parameter %r" % (fn.name, t.name))
                       for i, t in enumerate(fn.arg_types) if t.name in params}
        self._free = [i for i in range(len(fn.arg_types)) if i not in self._bound]
        self.arg_types = [fn.arg_types[i] for i in self._free]
        self.result_types = fn.result_types
        self._on_device = {}

    def _bound_on(self, obj):
        """The bound arrays where `obj` lives: the host, or its CUDA device."""
        if not _is_cuda(obj):
            return self._bound
        torch = _torch_of(obj)
        if torch is None:
            raise TypeError("%s: bound parameters go to the GPU with CUDA torch tensors only" %
                            self.name)
        key = str(obj.device)
        if key not in self._on_device:
            self._on_device[key] = {
                i: (torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
                    if self.function.arg_types[i].element == "bf16" else torch.from_numpy(a)
                    ).to(obj.device) for i, a in self._bound.items()}
        return self._on_device[key]

    def __call__(self, *args, out=None, **kwargs):
        free = [self.function.arg_types[i].name for i in self._free]
        if len(args) > len(free):
            raise TypeError("%s takes %d arguments (%s), got %d" %
                            (self.name, len(free), ", ".join(free), len(args)))
        given = dict(zip(free, args))
        for k, v in kwargs.items():
            if k not in free or k in given:
                raise TypeError("%s: %s argument %r" % (
                    self.name, "repeated" if k in given else "unexpected, or bound,", k))
            given[k] = v
        missing = [n for n in free if n not in given]
        if missing:
            raise TypeError("%s: missing argument %s" % (self.name, ", ".join(missing)))
        first = given[free[0]] if free else None
        bound = self._bound_on(first) if free else self._bound
        full, it = [], iter(free)
        for i in range(len(self.function.arg_types)):
            full.append(bound[i] if i in bound else given[next(it)])
        return self.function(*full, out=out)


class Library:
    """A loaded shared library with the signatures of its manifest (the
    `.json` beside it)."""

    def __init__(self, path):
        self.path = path
        sigs = read_manifest(manifest_path(path))
        self._lib = ctypes.CDLL(path)
        self.functions = {name: Function(self._lib, name, *sig)
                          for name, sig in sigs.items()}

    def __getattr__(self, name):
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self.functions[name]
