"""A small IR builder: model functions in the linea dialect plus the linalg,
tensor and arith ops around them, emitted as MLIR text.

Shapes and element types are checked as the graph is built; a mistake raises
ShapeError naming the operation and the argument. Activations are tensors of
any rank; `linear` and the norms act on the last dimension.
"""

import math
import os
import sys

import numpy as np

from . import dtypes

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _user_frame():
    """(file, line) of the innermost frame outside this package: the user's
    call that built the op."""
    frame = sys._getframe(1)
    while frame and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE:
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame else None


def _caller_location():
    """`loc("file":line:0)` of the user's call."""
    where = _user_frame()
    if where is None:
        return ""
    name = where[0].replace("\\", "\\\\").replace('"', '\\"')
    return 'loc("%s":%d:0)' % (name, where[1])


# Activations and weights; arguments may also be integer tensors (token ids,
# indices), and comparisons make boolean (i1) tensors for `where`.
ELEMENT_TYPES = ("f32", "f16", "bf16")
INTEGER_TYPES = ("i32", "i64")
ARGUMENT_TYPES = ELEMENT_TYPES + INTEGER_TYPES


class ShapeError(ValueError):
    """A builder call got an argument of the wrong shape or element type.
    The message names the op and ends with the user's line that called it."""

    def __init__(self, message):
        where = _user_frame()
        super().__init__(message + (" (at %s:%d)" % where if where else ""))


def _float(x):
    """An f32 literal MLIR parses: always with a mantissa dot."""
    return "%.9e" % float(x)


def _f32_literal(x):
    """_float, or the bit pattern of an infinity or NaN (MLIR has no
    literal for them)."""
    if x != x:
        return "0x7FC00000"
    if x == float("inf"):
        return "0x7F800000"
    if x == float("-inf"):
        return "0xFF800000"
    return _float(x)


def _type(shape, dtype):
    return "tensor<%s>" % "x".join(["?" if d is None else str(d) for d in shape] + [dtype])


class Value:
    """An SSA value of a function being built. Operators work as on numpy
    arrays, with Python numbers on either side: `+ - * / ** @`, unary `-`,
    `< <= > >=` (boolean tensors, for `Function.where`), and `x[...]`
    (integers, step-1 slices, `None`, `...`). `==` stays identity: use
    `Function.equal` for the elementwise test."""

    # numpy defers to the reflected operators below (`2.0 * x` with a numpy
    # scalar) instead of broadcasting the Value as an object array.
    __array_ufunc__ = None

    def __init__(self, fn, name, shape, dtype):
        self.fn, self.name, self.shape, self.dtype = fn, name, tuple(shape), dtype

    @property
    def type(self):
        return _type(self.shape, self.dtype)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def T(self):
        return self.fn.transpose(self, tuple(reversed(range(self.ndim))))

    def __repr__(self):
        return "%%%s : %s" % (self.name, self.type)

    __hash__ = object.__hash__

    def __add__(self, other):
        return self.fn.add(self, other)

    def __radd__(self, other):
        return self.fn.add(other, self)

    def __sub__(self, other):
        return self.fn.sub(self, other)

    def __rsub__(self, other):
        return self.fn.sub(other, self)

    def __mul__(self, other):
        return self.fn.mul(self, other)

    def __rmul__(self, other):
        return self.fn.mul(other, self)

    def __truediv__(self, other):
        return self.fn.div(self, other)

    def __rtruediv__(self, other):
        return self.fn.div(other, self)

    def __pow__(self, other):
        return self.fn.pow(self, other)

    def __rpow__(self, other):
        return self.fn.pow(other, self)

    def __matmul__(self, other):
        return self.fn.matmul(self, other)

    def __rmatmul__(self, other):
        return self.fn.matmul(other, self)

    def __neg__(self):
        return self.fn.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.fn.abs(self)

    def __lt__(self, other):
        return self.fn.less(self, other)

    def __le__(self, other):
        return self.fn.less_equal(self, other)

    def __gt__(self, other):
        return self.fn.greater(self, other)

    def __ge__(self, other):
        return self.fn.greater_equal(self, other)

    def __getitem__(self, key):
        return self.fn.getitem(self, key)

    def reshape(self, *shape):
        return self.fn.reshape(self, shape[0] if len(shape) == 1 and
                               isinstance(shape[0], (tuple, list)) else shape)

    def transpose(self, *perm):
        perm = perm[0] if len(perm) == 1 and isinstance(perm[0], (tuple, list)) else perm
        return self.fn.transpose(self, perm or tuple(reversed(range(self.ndim))))

    def astype(self, dtype):
        return self.fn.astype(self, dtype)

    def sum(self, axis=None, keepdims=False):
        return self.fn.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return self.fn.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return self.fn.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return self.fn.min(self, axis, keepdims)

    def argmax(self, axis=-1, keepdims=False):
        return self.fn.argmax(self, axis, keepdims)


def _is_number(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _broadcast_shapes(op, shapes):
    """numpy's broadcast of `shapes`, or a ShapeError naming `op`."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0} - {1}
        if len(dims) > 1:
            raise ShapeError("%s: shapes %s do not broadcast" %
                             (op, ", ".join(str(tuple(s)) for s in shapes)))
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def _broadcast(op, values):
    return _broadcast_shapes(op, [v.shape for v in values])


def _map(rank, shape):
    """The indexing map of an operand of `shape` broadcast to `rank` dims."""
    dims = ["d%d" % i for i in range(rank)]
    offset = rank - len(shape)
    results = ["0" if size == 1 and rank > 0 else dims[offset + i]
               for i, size in enumerate(shape)]
    return "affine_map<(%s) -> (%s)>" % (", ".join(dims), ", ".join(results))


class Function:
    """A func.func under construction. Arguments come from `arg`; `ret`
    finishes it."""

    def __init__(self, name):
        if not name.isidentifier():
            raise ValueError("function name %r is not an identifier" % name)
        self.name = name
        self.args = []
        self.lines = []
        self.results = None
        self._count = 0

    # -- plumbing ----------------------------------------------------------
    def _fresh(self, hint="v"):
        # Internal names start with "_", which argument names may not.
        self._count += 1
        return "_%s%d" % (hint, self._count)

    def _emit(self, line):
        # A one-line op carries the user's call site as its location, so
        # that the compiler's diagnostics point at the user's code.
        if not line.rstrip().endswith("{"):
            line += " " + _caller_location()
        self.lines.append("  " + line)

    def _new(self, shape, dtype, hint="v"):
        return Value(self, self._fresh(hint), shape, dtype)

    def _check(self, op, name, value, rank=None, dtype=None, shape=None):
        if not isinstance(value, Value) or value.fn is not self:
            raise ShapeError("%s: '%s' must be a value of function %s" % (op, name, self.name))
        if rank is not None and len(value.shape) != rank:
            raise ShapeError("%s: '%s' must have rank %d, got shape %s" %
                             (op, name, rank, value.shape))
        if dtype is not None and value.dtype != dtype:
            raise ShapeError("%s: '%s' must have element type %s, got %s" %
                             (op, name, dtype, value.dtype))
        if shape is not None:
            for i, (want, got) in enumerate(zip(shape, value.shape)):
                if want is not None and want != got:
                    raise ShapeError("%s: '%s' must have shape %s, got %s" % (
                        op, name, tuple("?" if s is None else s for s in shape), value.shape))
            if len(shape) != len(value.shape):
                raise ShapeError("%s: '%s' must have rank %d, got shape %s" %
                                 (op, name, len(shape), value.shape))
        return value

    def _const(self, x):
        name = self._fresh("c")
        self._emit("%%%s = arith.constant %s : f32" % (name, _float(x)))
        return name

    def _empty(self, shape, dtype):
        if None in shape:
            raise ShapeError("a tensor of dynamic shape %s: dynamic sizes pass through "
                             "the linea ops only so far, not through the elementwise, "
                             "reduction and matmul builders" % (_type(shape, dtype),))
        name = self._fresh("e")
        self._emit("%%%s = tensor.empty() : %s" % (name, _type(shape, dtype)))
        return name

    def _filled(self, shape, dtype, value):
        """A tensor of `shape` filled with `value` (linalg.fill)."""
        e = self._empty(shape, dtype)
        out = self._new(shape, dtype, "z")
        c = self._fresh("c")
        if dtype in INTEGER_TYPES:
            self._emit("%%%s = arith.constant %d : %s" % (c, int(value), dtype))
        else:
            self._emit("%%%s = arith.constant %s : f32" % (c, _f32_literal(value)))
            if dtype != "f32":
                cc = self._fresh("c")
                self._emit("%%%s = arith.truncf %%%s : f32 to %s" % (cc, c, dtype))
                c = cc
        self._emit("%%%s = linalg.fill ins(%%%s : %s) outs(%%%s : %s) -> %s" %
                   (out.name, c, dtype, e, out.type, out.type))
        return out

    def _zeros(self, shape, dtype="f32"):
        return self._filled(shape, dtype, 0.0)

    # -- arguments and results ----------------------------------------------
    def arg(self, name, shape, dtype="f32"):
        if dtype not in ARGUMENT_TYPES:
            raise ShapeError("arg: element type of '%s' must be one of %s, got %r" %
                             (name, ", ".join(ARGUMENT_TYPES), dtype))
        if not all(d is None or (isinstance(d, int) and d > 0) for d in shape):
            raise ShapeError("arg: '%s' needs a shape of positive sizes or None (a size "
                             "given at each call), got %s" % (name, shape))
        if any(a.name == name for a in self.args) or not name.isidentifier() or \
                name.startswith("_"):
            raise ValueError("arg: bad or repeated argument name %r" % name)
        v = Value(self, name, shape, dtype)
        self.args.append(v)
        return v

    def ret(self, *values):
        for i, v in enumerate(values):
            self._check("ret", "result %d" % i, v)
            if v.dtype == "i1":
                raise ShapeError("ret: result %d is a boolean tensor; return "
                                 "where(...) or astype(...) of it" % i)
        self.results = list(values)
        return self

    def text(self):
        if self.results is None:
            raise ValueError("function %s has no results: call ret()" % self.name)
        params = ", ".join("%%%s: %s" % (a.name, a.type) for a in self.args)
        rtypes = ", ".join(v.type for v in self.results)
        body = "\n".join(self.lines)
        rets = ", ".join("%" + v.name for v in self.results)
        return "func.func @%s(%s) -> (%s) {\n%s\n  return %s : %s\n}\n" % (
            self.name, params, rtypes, body, rets, rtypes)

    # -- elementwise ----------------------------------------------------------
    def elementwise(self, op, values, body, dtype=None, floats=True, shape=None):
        """A linalg.generic over the broadcast shape of `values`. `body` gets
        the block arguments' names (floats in f32, extended where they are
        not; integers and booleans as they are) and an `emit(expr_line) ->
        name` helper and returns the name of the result: f32 for a float
        `dtype` (rounded once to it), else of `dtype` itself. `floats`: every
        operand must be a float tensor. `shape`: broadcast the result to it
        as well."""
        values = [self._check(op, "operand %d" % i, v) for i, v in enumerate(values)]
        if floats:
            for i, v in enumerate(values):
                if v.dtype not in ELEMENT_TYPES:
                    raise ShapeError("%s: operand %d has element type %s; it takes float "
                                     "tensors (convert with astype)" % (op, i, v.dtype))
        shape = _broadcast_shapes(op, [v.shape for v in values] + ([shape] if shape else []))
        dtype = dtype or values[0].dtype
        rank = len(shape)
        e = self._empty(shape, dtype)
        out = self._new(shape, dtype)
        identity = "affine_map<(%s) -> (%s)>" % ((", ".join("d%d" % i for i in range(rank)),) * 2)
        maps = [_map(rank, v.shape) for v in values] + [identity]
        block, f32_args, lines, emit = self._block(values)
        result = body(f32_args, emit)
        if dtype in ("f16", "bf16"):
            result = emit("arith.truncf %%%s : f32 to %s" % (result, dtype))
        self._generic(out.name, maps, ["parallel"] * rank, values, [(e, out.type, "_out", dtype)],
                      block, lines, [result])
        return out

    def _generic(self, result, maps, iterators, ins, outs, block, lines, yields):
        """Emits `%result = linalg.generic` and its region: `maps` (the
        inputs', then the outputs'), `iterators` ("parallel" or "reduction"
        per loop), the input Values `ins`, the outputs `outs` ((init name,
        tensor type, block argument, element type) each), the inputs' block
        arguments `block` and the body's `lines` (from _block), and the
        names the body yields, one per output."""
        types = [t for _, t, _, _ in outs]
        self._emit("%%%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]} "
                   "ins(%s : %s) outs(%s : %s) {" % (
                       result, ", ".join(maps), ", ".join('"%s"' % i for i in iterators),
                       ", ".join("%" + v.name for v in ins), ", ".join(v.type for v in ins),
                       ", ".join("%" + init for init, _, _, _ in outs), ", ".join(types)))
        self.lines.append("  ^bb0(%s):" % ", ".join(
            [block] + ["%%%s: %s" % (arg, element) for _, _, arg, element in outs]))
        self.lines.extend(lines)
        self.lines.append("    linalg.yield %s : %s" % (
            ", ".join("%" + y for y in yields), ", ".join(element for _, _, _, element in outs)))
        self._emit("} -> %s" % (types[0] if len(types) == 1 else "(%s)" % ", ".join(types)))

    def _block(self, values):
        """A generic's block over `values`: its arguments' declaration, their
        names (bf16 and f16 extended to f32), the body's lines, and
        `emit(expr_line) -> name`, which appends to them."""
        lines = []

        def emit(expr):
            name = self._fresh("s")
            lines.append("    %%%s = %s" % (name, expr))
            return name

        args = [self._fresh("a") for _ in values]
        f32_args = [emit("arith.extf %%%s : %s to f32" % (a, v.dtype))
                    if v.dtype in ("f16", "bf16") else a for a, v in zip(args, values)]
        block = ", ".join("%%%s: %s" % (a, v.dtype) for a, v in zip(args, values))
        return block, f32_args, lines, emit

    def _operands(self, op, operands, need_tensor=True):
        """The tensors among `operands` (Values or Python numbers) and a
        function of the block's names that yields each operand's f32 name,
        numbers as constants: numpy's scalars on either side."""
        values = []
        for i, x in enumerate(operands):
            if isinstance(x, Value):
                values.append(x)
            elif not _is_number(x):
                raise ShapeError("%s: operand %d must be a value or a number, got %s" %
                                 (op, i, type(x).__name__))
        if not values and need_tensor:
            raise ShapeError("%s: needs at least one tensor operand" % op)

        def names(block_names, emit):
            it = iter(block_names)
            return [next(it) if isinstance(x, Value) else self._const_in_body(emit, x)
                    for x in operands]
        return values, names

    def _nary(self, op, operands, expr, dtype=None):
        """`expr(f32 names, emit) -> name` over operands broadcast like numpy;
        the result has the element type of the first tensor operand."""
        values, names = self._operands(op, operands)
        return self.elementwise(op, values, lambda a, emit: expr(names(a, emit), emit), dtype)

    def _binary(self, op, arith, a, b):
        return self._nary(op, [a, b], lambda x, emit: emit(
            "%s %%%s, %%%s : f32" % (arith, x[0], x[1])))

    @staticmethod
    def _const_in_body(emit, c):
        return emit("arith.constant %s : f32" % _f32_literal(c))

    def add(self, a, b):
        return self._binary("add", "arith.addf", a, b)

    def sub(self, a, b):
        return self._binary("sub", "arith.subf", a, b)

    def mul(self, a, b):
        return self._binary("mul", "arith.mulf", a, b)

    def div(self, a, b):
        return self._binary("div", "arith.divf", a, b)

    def maximum(self, a, b):
        return self._binary("maximum", "arith.maximumf", a, b)

    def minimum(self, a, b):
        return self._binary("minimum", "arith.minimumf", a, b)

    def pow(self, a, b):
        """a ** b. Small integer and half exponents are exact products and
        square roots; others are powf (a < 0 gives NaN, as numpy)."""
        if isinstance(a, Value) and _is_number(b):
            special = {2: lambda x, e: e("arith.mulf %%%s, %%%s : f32" % (x, x)),
                       1: lambda x, e: x,
                       0.5: lambda x, e: e("math.sqrt %%%s : f32" % x),
                       -0.5: lambda x, e: e("math.rsqrt %%%s : f32" % x),
                       -1: lambda x, e: e("arith.divf %%%s, %%%s : f32" % (
                           self._const_in_body(e, 1.0), x))}
            if b in special:
                return self._unary("pow", special[b], a)
        return self._binary("pow", "math.powf", a, b)

    def where(self, cond, a, b):
        """numpy.where: a where `cond` (a boolean tensor) holds, else b; a
        and b tensors or numbers, all broadcast together."""
        self._check("where", "cond", cond)
        if cond.dtype != "i1":
            raise ShapeError("where: 'cond' must be a boolean tensor (a comparison), got %s" %
                             cond.dtype)
        values, names = self._operands("where", [a, b], need_tensor=False)
        dtype = values[0].dtype if values else "f32"
        for v in values:
            if v.dtype not in ELEMENT_TYPES:
                raise ShapeError("where: operands must be float tensors, got %s" % v.dtype)

        def body(x, emit):
            ab = names(x[1:], emit)
            return emit("arith.select %%%s, %%%s, %%%s : f32" % (x[0], ab[0], ab[1]))
        return self.elementwise("where", [cond] + values, body, dtype, floats=False)

    def _compare(self, op, predicate, a, b):
        return self._nary(op, [a, b], lambda n, emit: emit(
            "arith.cmpf %s, %%%s, %%%s : f32" % (predicate, n[0], n[1])), "i1")

    def less(self, a, b):
        return self._compare("less", "olt", a, b)

    def less_equal(self, a, b):
        return self._compare("less_equal", "ole", a, b)

    def greater(self, a, b):
        return self._compare("greater", "ogt", a, b)

    def greater_equal(self, a, b):
        return self._compare("greater_equal", "oge", a, b)

    def equal(self, a, b):
        return self._compare("equal", "oeq", a, b)

    def not_equal(self, a, b):
        return self._compare("not_equal", "une", a, b)

    def astype(self, x, dtype):
        """x converted to `dtype` (f32, f16, bf16, i32, i64): floats round to
        nearest, floats to integers truncate toward zero, booleans are 0/1."""
        self._check("astype", "x", x)
        if dtype not in ARGUMENT_TYPES:
            raise ShapeError("astype: cannot convert to %r (use one of %s)" %
                             (dtype, ", ".join(ARGUMENT_TYPES)))
        if dtype == x.dtype:
            return x
        src = x.dtype

        def body(a, emit):
            v = a[0]
            if src in INTEGER_TYPES + ("i1",):
                if dtype in INTEGER_TYPES:
                    wider = int(dtype[1:]) > int(src[1:])
                    return emit("arith.%s %%%s : %s to %s" % (
                        ("extui" if src == "i1" else "extsi") if wider else "trunci",
                        v, src, dtype))
                return emit("arith.%s %%%s : %s to f32" % (
                    "uitofp" if src == "i1" else "sitofp", v, src))
            if dtype in INTEGER_TYPES:
                return emit("arith.fptosi %%%s : f32 to %s" % (v, dtype))
            return v
        return self.elementwise("astype", [x], body, dtype, floats=False)

    def _unary(self, op, fn, x):
        return self.elementwise(op, [x], lambda a, emit: fn(a[0], emit))

    def _math(self, op, x):
        return self._unary(op, lambda a, e: e("math.%s %%%s : f32" % (op, a)), x)

    def neg(self, x):
        return self._unary("neg", lambda a, e: e("arith.negf %%%s : f32" % a), x)

    def exp(self, x):
        return self._math("exp", x)

    def log(self, x):
        return self._math("log", x)

    def sqrt(self, x):
        return self._math("sqrt", x)

    def rsqrt(self, x):
        return self._math("rsqrt", x)

    def tanh(self, x):
        return self._math("tanh", x)

    def abs(self, x):
        return self._unary("abs", lambda a, e: e("math.absf %%%s : f32" % a), x)

    def relu(self, x):
        return self._unary("relu", lambda a, e: e("arith.maximumf %%%s, %%%s : f32" % (
            a, self._const_in_body(e, 0.0))), x)

    def sigmoid(self, x):
        def body(a, e):
            n = e("arith.negf %%%s : f32" % a)
            ex = e("math.exp %%%s : f32" % n)
            d = e("arith.addf %%%s, %%%s : f32" % (ex, self._const_in_body(e, 1.0)))
            return e("arith.divf %%%s, %%%s : f32" % (self._const_in_body(e, 1.0), d))
        return self._unary("sigmoid", body, x)

    def silu(self, x):
        return self._unary("silu", lambda a, e: self._silu_in_body(e, a), x)

    def softplus(self, x):
        def body(a, e):
            ex = e("math.exp %%%s : f32" % a)
            lp = e("math.log1p %%%s : f32" % ex)
            big = e("arith.cmpf ogt, %%%s, %%%s : f32" % (a, self._const_in_body(e, 20.0)))
            return e("arith.select %%%s, %%%s, %%%s : f32" % (big, a, lp))
        return self._unary("softplus", body, x)

    # -- constants ---------------------------------------------------------------
    def full(self, shape, value, dtype="f32"):
        """numpy.full: a tensor of `shape` holding `value` (no data in the
        module: one fill)."""
        if dtype not in ARGUMENT_TYPES or not _is_number(value):
            raise ShapeError("full: needs a number and one of %s, got %r and %r" %
                             (", ".join(ARGUMENT_TYPES), value, dtype))
        return self._filled(tuple(shape), dtype, value)

    def const(self, array, dtype=None):
        """A constant tensor from a numpy array (or nested lists, numbers):
        f32 for float64/float32 data unless `dtype` says otherwise (f16,
        bf16, i32, i64); integer data keeps its width. Its bytes go into the
        module as one hex literal."""
        a = np.asarray(array)
        if dtype is None:
            dtype = {np.dtype(np.float16): "f16", np.dtype(np.int32): "i32",
                     np.dtype(np.int64): "i64"}.get(a.dtype, "f32" if a.dtype.kind == "f"
                                                     else None)
        if dtype not in ARGUMENT_TYPES:
            raise ShapeError("const: cannot make a %s constant from %s data" % (dtype, a.dtype))
        if a.dtype.kind not in "fiu" or (dtype in INTEGER_TYPES and a.dtype.kind == "f"):
            raise ShapeError("const: %s data does not convert to %s" % (a.dtype, dtype))
        if a.size == 0:
            raise ShapeError("const: an empty array (shape %s)" % (a.shape,))
        data = np.ascontiguousarray(dtypes.encode(a, dtype)).astype(
            np.dtype(dtypes.numpy_dtype(dtype)).newbyteorder("<"), copy=False)
        out = self._new(a.shape, dtype, "k")
        self._emit('%%%s = arith.constant dense<"0x%s"> : %s' % (
            out.name, data.tobytes().hex().upper(), out.type))
        return out

    # -- shapes ------------------------------------------------------------------
    def reshape(self, x, shape):
        """Splits or merges adjacent dimensions (tensor.expand_shape /
        collapse_shape); one of the two must describe the change."""
        self._check("reshape", "x", x)
        shape = tuple(shape)
        if math.prod(shape) != math.prod(x.shape):
            raise ShapeError("reshape: cannot reshape %s to %s" % (x.shape, shape))
        out = self._new(shape, x.dtype)
        if shape == x.shape:
            return x
        small, big = (x.shape, shape) if len(x.shape) < len(shape) else (shape, x.shape)
        # A scalar and a shape of ones: no groups at all.
        groups, j = [], (0 if small else len(big))
        for size in small:
            group, prod = [], 1
            while j < len(big) and (not group or prod != size):
                group.append(j)
                prod *= big[j]
                j += 1
            if prod != size:
                raise ShapeError("reshape: %s and %s do not split/merge adjacent dims" %
                                 (x.shape, shape))
            groups.append(group)
        if j < len(big):  # trailing unit dims join the last group
            if any(big[i] != 1 for i in range(j, len(big))) or not groups:
                raise ShapeError("reshape: %s and %s do not split/merge adjacent dims" %
                                 (x.shape, shape))
            groups[-1].extend(range(j, len(big)))
        reassoc = "[%s]" % ", ".join("[%s]" % ", ".join(map(str, g)) for g in groups)
        if len(shape) > len(x.shape):
            self._emit("%%%s = tensor.expand_shape %%%s %s output_shape [%s] : %s into %s" % (
                out.name, x.name, reassoc, ", ".join(map(str, shape)), x.type, out.type))
        else:
            self._emit("%%%s = tensor.collapse_shape %%%s %s : %s into %s" % (
                out.name, x.name, reassoc, x.type, out.type))
        return out

    def transpose(self, x, perm):
        self._check("transpose", "x", x)
        if sorted(perm) != list(range(len(x.shape))):
            raise ShapeError("transpose: %s is not a permutation of %d dims" % (perm, len(x.shape)))
        shape = tuple(x.shape[p] for p in perm)
        e = self._empty(shape, x.dtype)
        out = self._new(shape, x.dtype)
        self._emit("%%%s = linalg.transpose ins(%%%s : %s) outs(%%%s : %s) permutation = [%s]" % (
            out.name, x.name, x.type, e, out.type, ", ".join(map(str, perm))))
        return out

    def slice(self, x, offsets, sizes):
        self._check("slice", "x", x)
        if len(offsets) != len(x.shape) or len(sizes) != len(x.shape) or any(
                o < 0 or s <= 0 or o + s > d for o, s, d in zip(offsets, sizes, x.shape)):
            raise ShapeError("slice: offsets %s, sizes %s out of bounds for %s" %
                             (offsets, sizes, x.shape))
        out = self._new(sizes, x.dtype)
        self._emit("%%%s = tensor.extract_slice %%%s[%s] [%s] [%s] : %s to %s" % (
            out.name, x.name, ", ".join(map(str, offsets)), ", ".join(map(str, sizes)),
            ", ".join(["1"] * len(sizes)), x.type, out.type))
        return out

    def concat(self, values, axis):
        for i, v in enumerate(values):
            self._check("concat", "operand %d" % i, v, dtype=values[0].dtype)
            if len(v.shape) != len(values[0].shape) or any(
                    a != b for j, (a, b) in enumerate(zip(v.shape, values[0].shape)) if j != axis):
                raise ShapeError("concat: operand %d has shape %s, incompatible with %s on axis %d" %
                                 (i, v.shape, values[0].shape, axis))
        shape = list(values[0].shape)
        shape[axis] = sum(v.shape[axis] for v in values)
        out = self._new(shape, values[0].dtype)
        self._emit("%%%s = tensor.concat dim(%d) %s : (%s) -> %s" % (
            out.name, axis, ", ".join("%" + v.name for v in values),
            ", ".join(v.type for v in values), out.type))
        return out

    # -- contractions ----------------------------------------------------------
    def matmul(self, a, b):
        """numpy.matmul (`a @ b`) in a's element type, accumulated in f32
        and rounded once: [M, K] @ [K, N] is one linalg.matmul (a's leading
        dimensions fold into M where b has none), equal batch dimensions one
        linalg.batch_matmul, broadcast ones a contraction; 1-d operands gain
        and lose a unit dimension as in numpy."""
        op = "matmul"
        self._float_operand(op, "a", a)
        self._float_operand(op, "b", b)
        if not a.shape or not b.shape:
            raise ShapeError("%s: operands must have rank >= 1, got %s and %s" %
                             (op, a.shape, b.shape))
        if a.dtype != b.dtype:
            raise ShapeError("%s: 'b' must have element type %s, got %s" %
                             (op, a.dtype, b.dtype))
        a2 = self.reshape(a, (1,) + a.shape) if len(a.shape) == 1 else a
        b2 = self.reshape(b, b.shape + (1,)) if len(b.shape) == 1 else b
        if a2.shape[-1] != b2.shape[-2]:
            raise ShapeError("%s: 'b' must have %d rows to match 'a' %s, got %s" %
                             (op, a2.shape[-1], a.shape, b.shape))
        M, K, N = a2.shape[-2], a2.shape[-1], b2.shape[-1]
        batch = _broadcast_shapes(op, [a2.shape[:-2], b2.shape[:-2]])
        if math.prod(b2.shape[:-2]) == 1:
            flat = self.reshape(a2, (math.prod(a2.shape[:-1]), K))
            y = self._matmul_f32(op, flat, self.reshape(b2, (K, N)))
            y = self.reshape(self._rounded(y, a.dtype), batch + (M, N))
        elif a2.shape[:-2] == b2.shape[:-2]:
            nb = math.prod(batch)
            y = self._batch_matmul_f32(self.reshape(a2, (nb, M, K)), self.reshape(b2, (nb, K, N)))
            y = self.reshape(self._rounded(y, a.dtype), batch + (M, N))
        else:
            y = self._rounded(self._contract_f32(a2, b2, batch), a.dtype)
        shape = batch + ((M,) if len(a.shape) > 1 else ()) + ((N,) if len(b.shape) > 1 else ())
        return self.reshape(y, shape)

    def _batch_matmul_f32(self, a, b):
        init = self._zeros((a.shape[0], a.shape[1], b.shape[2]), "f32")
        out = self._new(init.shape, "f32")
        self._emit("%%%s = linalg.batch_matmul ins(%%%s, %%%s : %s, %s) outs(%%%s : %s) -> %s" % (
            out.name, a.name, b.name, a.type, b.type, init.name, init.type, out.type))
        return out

    def _contract_f32(self, a, b, batch):
        """a [..., M, K] @ b [..., K, N] with batch dimensions broadcast to
        `batch`: one linalg.generic over (batch..., M, N, K)."""
        nb = len(batch)
        rank = nb + 3
        dims = ["d%d" % i for i in range(rank)]
        m, n, k = dims[nb], dims[nb + 1], dims[nb + 2]

        def operand_map(shape, last):
            lead = shape[:-2]
            off = nb - len(lead)
            res = ["0" if size == 1 and batch[off + i] != 1 else dims[off + i]
                   for i, size in enumerate(lead)]
            return "affine_map<(%s) -> (%s)>" % (", ".join(dims), ", ".join(res + last))
        out_map = "affine_map<(%s) -> (%s)>" % (", ".join(dims), ", ".join(dims[:nb] + [m, n]))
        init = self._zeros(batch + (a.shape[-2], b.shape[-1]), "f32")
        out = self._new(init.shape, "f32")
        block, args, lines, emit = self._block([a, b])
        p = emit("arith.mulf %%%s, %%%s : f32" % (args[0], args[1]))
        total = emit("arith.addf %%_acc, %%%s : f32" % p)
        self._generic(out.name, [operand_map(a.shape, [m, k]), operand_map(b.shape, [k, n]),
                                 out_map], ["parallel"] * (nb + 2) + ["reduction"], [a, b],
                      [(init.name, init.type, "_acc", "f32")], block, lines, [total])
        return out

    def _matmul_f32(self, op, a, b, init=None):
        """The f32 product of a and b (bf16 and f16 operands extended as
        they are read) added to `init` (zeros by default): a sum of K terms
        kept in bf16 would lose about sqrt(K) roundings (7% rel. RMS at K =
        4096)."""
        self._check(op, "a", a, rank=2)
        self._check(op, "b", b, rank=2, dtype=a.dtype)
        if a.shape[1] != b.shape[0]:
            raise ShapeError("%s: 'b' must have %d rows to match 'a' %s, got %s" %
                             (op, a.shape[1], a.shape, b.shape))
        if init is None:
            init = self._zeros((a.shape[0], b.shape[1]), "f32")
        out = self._new(init.shape, "f32")
        self._emit("%%%s = linalg.matmul ins(%%%s, %%%s : %s, %s) outs(%%%s : %s) -> %s" % (
            out.name, a.name, b.name, a.type, b.type, init.name, init.type, out.type))
        return out

    def _rounded(self, x, dtype):
        """x (f32) in `dtype`: one rounding, or x itself for f32."""
        if dtype == "f32":
            return x
        return self.elementwise("round", [x], lambda a, emit: a[0], dtype=dtype)

    def linear(self, x, w, b=None):
        """x [..., Cin] W [Cin, Cout] (+ b [Cout]), accumulated in f32 onto
        the bias, then rounded once to x's element type."""
        self._check("linear", "x", x)
        self._check("linear", "w", w, rank=2, dtype=x.dtype)
        if w.shape[0] != x.shape[-1]:
            raise ShapeError("linear: 'w' must have shape (%d, ?) to match x %s, got %s" %
                             (x.shape[-1], x.shape, w.shape))
        lead = x.shape[:-1]
        flat = self.reshape(x, (math.prod(lead), x.shape[-1])) if len(x.shape) != 2 else x
        init = None
        if b is not None:
            # The product accumulates onto the bias: its rows are the
            # initial value, written where zeros would be (no pass over the
            # output after the product; BLIS takes it as beta = 1).
            self._check("linear", "b", b, shape=(w.shape[1],))
            init = self.elementwise("linear", [b], lambda a, emit: a[0], dtype="f32",
                                    shape=(flat.shape[0], w.shape[1]))
        y = self._rounded(self._matmul_f32("linear", flat, w, init), x.dtype)
        return self.reshape(y, lead + (w.shape[1],)) if len(x.shape) != 2 else y

    # -- sequence ops ----------------------------------------------------------
    def token_shift(self, x, prev=None):
        """x [B, T, C] -> x_prev [B, T, C] with x_prev[:, t] = x[:, t-1] and
        x_prev[:, 0] = prev [B, C] (zero if absent)."""
        self._check("token_shift", "x", x, rank=3)
        B, T, C = x.shape
        if prev is None:
            first = self._zeros((B, 1, C), x.dtype)
        else:
            self._check("token_shift", "prev", prev, shape=(B, C), dtype=x.dtype)
            first = self.reshape(prev, (B, 1, C))
        if T == 1:
            return first
        return self.concat([first, self.slice(x, (0, 0, 0), (B, T - 1, C))], axis=1)

    def causal_conv1d(self, x, weight, bias=None, initial_state=None, activation=None,
                      return_state=False, cu_seqlens=None):
        """The depthwise causal convolution (linea.causal_conv1d): x [B, T,
        C], weight [C, W], bias [C] (both f32 or x's type), initial_state
        [B, C, W-1] (the W-1 inputs before x, oldest first; zeros if
        absent), activation None or "silu". Returns y [B, T, C] and, with
        return_state, the last W-1 inputs [B, C, W-1] (f32): the next call's
        initial_state. See linea.reference.causal_conv1d."""
        op = "causal_conv1d"
        self._act(op, "x", x, 3)
        B, T, C = x.shape
        Bs = self._packed(op, cu_seqlens, B)
        self._check(op, "weight", weight, shape=(C, None))
        W = weight.shape[1]
        for name, p in (("weight", weight), ("bias", bias)):
            if p is not None and p.dtype not in ("f32", x.dtype):
                raise ShapeError("%s: '%s' must be f32 or %s, got %s" % (op, name, x.dtype, p.dtype))
        if bias is not None:
            self._check(op, "bias", bias, shape=(C,))
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, C, W - 1), dtype="f32")
        if activation not in (None, "none", "silu"):
            raise ShapeError("%s: activation must be None or 'silu', got %r" % (op, activation))
        attrs = ["activation = #linea.activation<silu>"] if activation == "silu" else []
        return self._linea(op, [("x", x), ("weight", weight)],
                           [("bias", bias), ("initial_state", initial_state),
                            ("cu_seqlens", cu_seqlens)], attrs,
                           x.shape, x.dtype, (Bs, C, W - 1) if return_state else None)

    # -- reductions ----------------------------------------------------------------
    def _axes(self, op, x, axis):
        """`axis` (None, an int or a sequence, negative from the end) as
        sorted non-negative axes of x."""
        rank = len(x.shape)
        if axis is None:
            return tuple(range(rank))
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        out = []
        for a in axes:
            if not isinstance(a, (int, np.integer)) or not -rank <= a < rank:
                raise ShapeError("%s: axis %r is out of range for shape %s" % (op, a, x.shape))
            out.append(int(a) % rank)
        if len(set(out)) != len(out):
            raise ShapeError("%s: repeated axis in %r" % (op, axis))
        return tuple(sorted(out))

    def _reduce(self, op, values, axes, body, combine="arith.addf", init=0.0):
        """The f32 reduction with `combine` (from `init`) over `axes` of
        `body`, an expression of `values` broadcast together (f32 block
        arguments' names and `emit`, as in elementwise): one linalg.generic,
        nothing materialized per element. The result drops the axes."""
        full = _broadcast(op, values)
        rank = len(full)
        shape = tuple(d for i, d in enumerate(full) if i not in axes)
        init_v = self._filled(shape, "f32", init)
        out = self._new(shape, "f32")
        dims = ", ".join("d%d" % i for i in range(rank))
        kept = ", ".join("d%d" % i for i in range(rank) if i not in axes)
        reduced = "affine_map<(%s) -> (%s)>" % (dims, kept)
        block, f32_args, lines, emit = self._block(values)
        term = body(f32_args, emit)
        total = emit("%s %%_acc, %%%s : f32" % (combine, term))
        self._generic(out.name, [_map(rank, v.shape) for v in values] + [reduced],
                      ["reduction" if i in axes else "parallel" for i in range(rank)], values,
                      [(init_v.name, init_v.type, "_acc", "f32")], block, lines, [total])
        return out

    def _reduce_last(self, op, values, body):
        """The f32 sum over the last axis of `body` over same-shaped values."""
        return self._reduce(op, values, (len(values[0].shape) - 1,), body)

    def _keep(self, y, shape, axes, keepdims):
        """A reduction's result with the reduced axes of `shape` back as
        size 1 (keepdims) or as it is."""
        if not keepdims:
            return y
        return self.reshape(y, tuple(1 if i in axes else d for i, d in enumerate(shape)))

    def _reduction(self, op, x, axis, keepdims, combine, init, finish=None):
        self._check(op, "x", x)
        if x.dtype not in ELEMENT_TYPES:
            raise ShapeError("%s: 'x' must be a float tensor, got %s" % (op, x.dtype))
        axes = self._axes(op, x, axis)
        y = self._reduce(op, [x], axes, lambda a, emit: a[0], combine, init)
        n = math.prod(x.shape[i] for i in axes)
        if finish or x.dtype != "f32":
            y = self.elementwise(op, [y], lambda a, emit: finish(a[0], n, emit) if finish
                                 else a[0], dtype=x.dtype)
        return self._keep(y, x.shape, axes, keepdims)

    def sum(self, x, axis=None, keepdims=False):
        """numpy.sum, accumulated in f32 and rounded once to x's type."""
        return self._reduction("sum", x, axis, keepdims, "arith.addf", 0.0)

    def mean(self, x, axis=None, keepdims=False):
        return self._reduction("mean", x, axis, keepdims, "arith.addf", 0.0,
                               lambda s, n, emit: emit("arith.divf %%%s, %%%s : f32" % (
                                   s, self._const_in_body(emit, n))))

    def max(self, x, axis=None, keepdims=False):
        return self._reduction("max", x, axis, keepdims, "arith.maximumf", float("-inf"))

    def min(self, x, axis=None, keepdims=False):
        return self._reduction("min", x, axis, keepdims, "arith.minimumf", float("inf"))

    def argmax(self, x, axis=-1, keepdims=False):
        """numpy.argmax over one axis: i64 indices of the first maximum."""
        op = "argmax"
        self._check(op, "x", x)
        if x.dtype not in ELEMENT_TYPES:
            raise ShapeError("%s: 'x' must be a float tensor, got %s" % (op, x.dtype))
        if not isinstance(axis, (int, np.integer)):
            raise ShapeError("%s: takes one axis, got %r" % (op, axis))
        (ax,) = self._axes(op, x, axis)
        rank = len(x.shape)
        shape = tuple(d for i, d in enumerate(x.shape) if i != ax)
        best = self._filled(shape, "f32", float("-inf"))
        index = self._filled(shape, "i64", 0)
        name = self._fresh("g")
        out = Value(self, name + "#1", shape, "i64")
        dims = ", ".join("d%d" % i for i in range(rank))
        kept = "affine_map<(%s) -> (%s)>" % (dims, ", ".join(
            "d%d" % i for i in range(rank) if i != ax))
        block, args, lines, emit = self._block([x])
        i = emit("linalg.index %d : index" % ax)
        i64 = emit("arith.index_cast %%%s : index to i64" % i)
        better = emit("arith.cmpf ogt, %%%s, %%_best : f32" % args[0])
        v = emit("arith.select %%%s, %%%s, %%_best : f32" % (better, args[0]))
        j = emit("arith.select %%%s, %%%s, %%_index : i64" % (better, i64))
        self._generic(name + ":2", ["affine_map<(%s) -> (%s)>" % (dims, dims), kept, kept],
                      ["reduction" if d == ax else "parallel" for d in range(rank)], [x],
                      [(best.name, best.type, "_best", "f32"),
                       (index.name, index.type, "_index", "i64")], block, lines, [v, j])
        return self._keep(out, x.shape, (ax,), keepdims)

    def l2_norm(self, x, axis=-1, eps=1e-6):
        """x / sqrt(sum(x^2) + eps) over `axis`, as flash-linear-attention's
        l2norm."""
        op = "l2_norm"
        self._check(op, "x", x)
        axes = self._axes(op, x, axis)
        ss = self._keep(self._reduce(op, [x], axes, lambda a, emit: emit(
            "arith.mulf %%%s, %%%s : f32" % (a[0], a[0]))), x.shape, axes, True)

        def body(a, emit):
            se = emit("arith.addf %%%s, %%%s : f32" % (a[1], self._const_in_body(emit, eps)))
            r = emit("math.rsqrt %%%s : f32" % se)
            return emit("arith.mulf %%%s, %%%s : f32" % (a[0], r))
        return self.elementwise(op, [x, ss], body, dtype=x.dtype)

    def softmax(self, x, axis=-1):
        """exp(x - max) / sum(exp(x - max)) over `axis`: three passes over
        x, the exponentials never stored."""
        op = "softmax"
        self._check(op, "x", x)
        axes = self._axes(op, x, axis)
        m = self._keep(self._reduce(op, [x], axes, lambda a, emit: a[0], "arith.maximumf",
                                    float("-inf")), x.shape, axes, True)

        def shifted(a, emit):
            d = emit("arith.subf %%%s, %%%s : f32" % (a[0], a[1]))
            return emit("math.exp %%%s : f32" % d)
        s = self._keep(self._reduce(op, [x, m], axes, shifted), x.shape, axes, True)
        return self.elementwise(op, [x, m, s], lambda a, emit: emit(
            "arith.divf %%%s, %%%s : f32" % (shifted(a, emit), a[2])), dtype=x.dtype)

    # -- indexing ------------------------------------------------------------------
    def _gather(self, op, x, indices, axis, shape, index_dims, x_dims):
        """out[i] = x[j] over the output `shape`, where j's entry on `axis`
        is indices[i on `index_dims`] and its others are i on `x_dims` (one
        output dim per other axis of x). An index outside [0, n) gives NaN,
        never a read out of bounds."""
        rank = len(shape)
        n = x.shape[axis]
        dims = ["d%d" % i for i in range(rank)]
        imap = "affine_map<(%s) -> (%s)>" % (", ".join(dims), ", ".join(
            dims[d] for d in index_dims))
        identity = "affine_map<(%s) -> (%s)>" % ((", ".join(dims),) * 2)
        e = self._empty(shape, x.dtype)
        out = self._new(shape, x.dtype)
        block, args, lines, emit = self._block([indices])
        it = indices.dtype
        lo = emit("arith.constant 0 : %s" % it)
        hi = emit("arith.constant %d : %s" % (n, it))
        ge = emit("arith.cmpi sge, %%%s, %%%s : %s" % (args[0], lo, it))
        lt = emit("arith.cmpi slt, %%%s, %%%s : %s" % (args[0], hi, it))
        inside = emit("arith.andi %%%s, %%%s : i1" % (ge, lt))
        safe = emit("arith.select %%%s, %%%s, %%%s : %s" % (inside, args[0], lo, it))
        at = emit("arith.index_cast %%%s : %s to index" % (safe, it))
        subs = [emit("linalg.index %d : index" % d) for d in x_dims]
        subs.insert(axis, at)
        v = emit("tensor.extract %%%s[%s] : %s" % (x.name, ", ".join("%" + s for s in subs),
                                                   x.type))
        if x.dtype in ("f16", "bf16"):
            v = emit("arith.extf %%%s : %s to f32" % (v, x.dtype))
        r = emit("arith.select %%%s, %%%s, %%%s : f32" % (
            inside, v, self._const_in_body(emit, float("nan"))))
        if x.dtype != "f32":
            r = emit("arith.truncf %%%s : f32 to %s" % (r, x.dtype))
        self._generic(out.name, [imap, identity], ["parallel"] * rank, [indices],
                      [(e, out.type, "_out", x.dtype)], block, lines, [r])
        return out

    def _indices(self, op, indices):
        self._check(op, "indices", indices)
        if indices.dtype not in INTEGER_TYPES:
            raise ShapeError("%s: 'indices' must be an i32 or i64 tensor, got %s" %
                             (op, indices.dtype))
        return indices

    def _float_operand(self, op, name, x):
        self._check(op, name, x)
        if x.dtype not in ELEMENT_TYPES:
            raise ShapeError("%s: '%s' must be a float tensor, got %s" % (op, name, x.dtype))
        return x

    def take(self, x, indices, axis=0):
        """numpy.take: x's slices at `indices` (i32/i64) along `axis`; the
        result's shape is x.shape[:axis] + indices.shape + x.shape[axis+1:].
        An index outside the axis gives NaN (numpy would raise)."""
        self._float_operand("take", "x", x)
        self._indices("take", indices)
        (axis,) = self._axes("take", x, axis)
        shape = x.shape[:axis] + indices.shape + x.shape[axis + 1:]
        k = len(indices.shape)
        return self._gather("take", x, indices, axis, shape, tuple(range(axis, axis + k)),
                            [d if d < axis else d - 1 + k for d in range(len(x.shape))
                             if d != axis])

    def embedding(self, ids, table):
        """torch.nn.functional.embedding: the rows of table [V, C] at ids."""
        return self.take(table, ids, 0)

    def gather(self, x, axis, indices):
        """torch.gather: out[i, j, ...] = x[..., indices[i, j, ...], ...] at
        `axis`, with indices of x's rank and no larger than x elsewhere."""
        op = "gather"
        self._float_operand(op, "x", x)
        self._indices(op, indices)
        (axis,) = self._axes(op, x, axis)
        if len(indices.shape) != len(x.shape) or any(
                i != axis and s > d for i, (s, d) in enumerate(zip(indices.shape, x.shape))):
            raise ShapeError("%s: 'indices' %s must have x's rank and fit in x %s off axis %d" %
                             (op, indices.shape, x.shape, axis))
        return self._gather(op, x, indices, axis, indices.shape, tuple(range(len(x.shape))),
                            [d for d in range(len(x.shape)) if d != axis])

    def getitem(self, x, key):
        """x[key] with integers, step-1 slices, None and one Ellipsis."""
        op = "getitem"
        self._check(op, "x", x)
        key = key if isinstance(key, tuple) else (key,)
        if sum(k is Ellipsis for k in key) > 1:
            raise ShapeError("%s: more than one '...' in %r" % (op, key))
        named = sum(1 for k in key if k is not None and k is not Ellipsis)
        if named > len(x.shape):
            raise ShapeError("%s: %d indices for shape %s" % (op, named, x.shape))
        if Ellipsis not in key:
            key = key + (Ellipsis,)
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (len(x.shape) - named) + key[at + 1:]
        offsets, sizes, kept, shape, d = [], [], [], [], 0
        for k in key:
            if k is None:
                shape.append(1)
                continue
            n = x.shape[d]
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                if step != 1 or stop <= start:
                    raise ShapeError("%s: slice %r of a dimension of %d must be non-empty "
                                     "with step 1" % (op, k, n))
                offsets.append(start)
                sizes.append(stop - start)
                kept.append(stop - start)
                shape.append(stop - start)
            elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                if not -n <= k < n:
                    raise ShapeError("%s: index %d is out of bounds for a dimension of %d" %
                                     (op, k, n))
                offsets.append(int(k) % n)
                sizes.append(1)
            else:
                raise ShapeError("%s: index %r is not an integer, a slice, None or '...' "
                                 "(use take or gather for tensor indices)" % (op, k))
            d += 1
        y = x if tuple(sizes) == x.shape else self.slice(x, offsets, sizes)
        return self.reshape(self.reshape(y, tuple(kept)), tuple(shape))


    # -- norms -------------------------------------------------------------------
    def _sum_last(self, op, x, square=False):
        """sum(x) (or sum(x^2)) over the last axis, in f32."""
        if square:
            return self._reduce_last(op, [x], lambda a, emit: emit(
                "arith.mulf %%%s, %%%s : f32" % (a[0], a[0])))
        return self._reduce_last(op, [x], lambda a, emit: a[0])

    def _silu_in_body(self, emit, x):
        n = emit("arith.negf %%%s : f32" % x)
        ex = emit("math.exp %%%s : f32" % n)
        d = emit("arith.addf %%%s, %%%s : f32" % (ex, self._const_in_body(emit, 1.0)))
        return emit("arith.divf %%%s, %%%s : f32" % (x, d))

    def gated_rms_norm(self, x, z, weight, group_size=None, eps=1e-5):
        """mamba_ssm's RMSNormGated with norm_before_gate=False: per group of
        `group_size` channels of the last axis (all of them by default),
        g = x * silu(z) and out = g / sqrt(mean(g^2) + eps) * weight. Two
        linalg.generics (the groups' sums of squares, then the output), both
        reading x and z: g is never materialized."""
        op = "gated_rms_norm"
        self._check(op, "x", x)
        C = x.shape[-1]
        self._check(op, "z", z, shape=x.shape, dtype=x.dtype)
        self._check(op, "weight", weight, shape=(C,))
        gs = C if group_size is None else group_size
        if gs <= 0 or C % gs:
            raise ShapeError("%s: group_size %d does not divide the %d channels" % (op, gs, C))
        grouped = x.shape[:-1] + (C // gs, gs)
        xg, zg = self.reshape(x, grouped), self.reshape(z, grouped)

        def gated(a, emit):
            return emit("arith.mulf %%%s, %%%s : f32" % (a[0], self._silu_in_body(emit, a[1])))

        def square(a, emit):
            g = gated(a, emit)
            return emit("arith.mulf %%%s, %%%s : f32" % (g, g))
        ss = self.reshape(self._reduce_last(op, [xg, zg], square), grouped[:-1] + (1,))

        def body(a, emit):
            r = self._inverse_rms(emit, a[2], gs, eps)
            y = emit("arith.mulf %%%s, %%%s : f32" % (gated(a, emit), r))
            return emit("arith.mulf %%%s, %%%s : f32" % (y, a[3]))
        out = self.elementwise(op, [xg, zg, ss, self.reshape(weight, (C // gs, gs))], body,
                               dtype=x.dtype)
        return self.reshape(out, x.shape)

    def _inverse_rms(self, emit, sum_squares, n, eps):
        """1 / sqrt(sum_squares / n + eps), in a generic's body."""
        m = emit("arith.divf %%%s, %%%s : f32" % (sum_squares, self._const_in_body(emit, n)))
        me = emit("arith.addf %%%s, %%%s : f32" % (m, self._const_in_body(emit, eps)))
        return emit("math.rsqrt %%%s : f32" % me)

    def rms_norm(self, x, gamma, eps=1e-6):
        self._check("rms_norm", "gamma", gamma, shape=(x.shape[-1],))
        n = x.shape[-1]
        ss = self.reshape(self._sum_last("rms_norm", x, square=True), x.shape[:-1] + (1,))

        def body(a, emit):
            r = self._inverse_rms(emit, a[1], n, eps)
            y = emit("arith.mulf %%%s, %%%s : f32" % (a[0], r))
            return emit("arith.mulf %%%s, %%%s : f32" % (y, a[2]))
        return self.elementwise("rms_norm", [x, ss, gamma], body, dtype=x.dtype)

    def _normalize(self, op, x, gamma, beta, eps):
        n = x.shape[-1]
        s = self.reshape(self._sum_last(op, x), x.shape[:-1] + (1,))
        q = self.reshape(self._sum_last(op, x, square=True), x.shape[:-1] + (1,))
        values = [x, s, q]
        if gamma is not None:
            values.append(gamma)
        if beta is not None:
            values.append(beta)

        def body(a, emit):
            c = self._const_in_body(emit, n)
            mean = emit("arith.divf %%%s, %%%s : f32" % (a[1], c))
            ex2 = emit("arith.divf %%%s, %%%s : f32" % (a[2], c))
            m2 = emit("arith.mulf %%%s, %%%s : f32" % (mean, mean))
            var = emit("arith.subf %%%s, %%%s : f32" % (ex2, m2))
            ve = emit("arith.addf %%%s, %%%s : f32" % (var, self._const_in_body(emit, eps)))
            r = emit("math.rsqrt %%%s : f32" % ve)
            d = emit("arith.subf %%%s, %%%s : f32" % (a[0], mean))
            y = emit("arith.mulf %%%s, %%%s : f32" % (d, r))
            i = 3
            if gamma is not None:
                y = emit("arith.mulf %%%s, %%%s : f32" % (y, a[i]))
                i += 1
            if beta is not None:
                y = emit("arith.addf %%%s, %%%s : f32" % (y, a[i]))
            return y
        return self.elementwise(op, values, body, dtype=x.dtype)

    def layer_norm(self, x, gamma=None, beta=None, eps=1e-5):
        for name, p in (("gamma", gamma), ("beta", beta)):
            if p is not None:
                self._check("layer_norm", name, p, shape=(x.shape[-1],))
        return self._normalize("layer_norm", x, gamma, beta, eps)

    def group_norm(self, x, groups, gamma=None, beta=None, eps=1e-5):
        """Normalizes each of `groups` equal groups of the last dimension."""
        self._check("group_norm", "x", x)
        C = x.shape[-1]
        if groups <= 0 or C % groups:
            raise ShapeError("group_norm: %d groups do not divide %d channels" % (groups, C))
        for name, p in (("gamma", gamma), ("beta", beta)):
            if p is not None:
                self._check("group_norm", name, p, shape=(C,))
        g = self.reshape(x, x.shape[:-1] + (groups, C // groups))
        y = self._normalize("group_norm", g, None, None, eps)
        y = self.reshape(y, x.shape)
        if gamma is not None:
            y = self.mul(y, gamma)
        if beta is not None:
            y = self.add(y, beta)
        return y

    # -- linea ops -------------------------------------------------------------
    def _linea(self, op, positional, optional, attrs, out_shape, out_dtype, state_shape):
        pos = [v for _, v in positional]
        opt = [(kw, v) for kw, v in optional if v is not None]
        out = self._new(out_shape, out_dtype, "o")
        state = self._new(state_shape, "f32", "s") if state_shape else None
        names = "%" + out.name + (", %" + state.name if state else "")
        line = "%s = linea.%s %s" % (names, op, ", ".join("%" + v.name for v in pos))
        for kw, v in opt:
            line += " %s(%%%s : %s)" % (kw, v.name, v.type)
        if state:
            line += " final_state"
        if attrs:
            line += " {%s}" % ", ".join(attrs)
        line += " : " + ", ".join(v.type for v in pos)
        self._emit(line)
        return (out, state) if state else out

    def _act(self, op, name, v, rank):
        self._check(op, name, v, rank=rank)
        if v.dtype not in ELEMENT_TYPES:
            raise ShapeError("%s: '%s' must be f32, f16 or bf16" % (op, name))
        return v

    def _packed(self, op, cu_seqlens, B):
        """The states' first size: B, or the N sequences of a packed batch
        (`cu_seqlens` [N + 1], i32 or i64, with B = 1)."""
        if cu_seqlens is None:
            return B
        self._check(op, "cu_seqlens", cu_seqlens, rank=1)
        if cu_seqlens.dtype not in ("i32", "i64"):
            raise ShapeError("%s: 'cu_seqlens' must be i32 or i64, got %s" %
                             (op, cu_seqlens.dtype))
        if B != 1:
            raise ShapeError("%s: with 'cu_seqlens' the sequences are packed along T, "
                             "so B must be 1, got %s" % (op, B))
        n = cu_seqlens.shape[0]
        return None if n is None else n - 1

    def linear_attention(self, q, k, v, gate=None, initial_state=None, causal=True,
                         normalize=False, feature_map="identity", scale=None, decay=None,
                         form="auto", chunk_size=None, return_state=False, cu_seqlens=None):
        """q, k [B, T, Hk, K]; v [B, T, H, V]; see linea.reference."""
        op = "linear_attention"
        self._act(op, "q", q, 4)
        B, T, Hk, K = q.shape
        Bs = self._packed(op, cu_seqlens, B)
        self._check(op, "k", k, shape=q.shape, dtype=q.dtype)
        self._check(op, "v", v, shape=(B, T, None, None), dtype=q.dtype)
        H, V = v.shape[2], v.shape[3]
        if H % Hk:
            raise ShapeError("%s: 'v' has H = %d heads, not a multiple of Hk = %d" % (op, H, Hk))
        if gate is not None:
            self._check(op, "gate", gate, dtype=q.dtype,
                        shape=(B, T, H) if len(gate.shape) == 3 else (B, T, H, K))
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, H, K, V), dtype="f32")
        if (gate is not None or decay is not None) and not causal:
            raise ShapeError("%s: 'gate' and 'decay' need causal=True" % op)
        if normalize and (initial_state is not None or return_state):
            raise ShapeError("%s: 'normalize' cannot be combined with a state" % op)
        if feature_map not in ("identity", "elu_plus_one", "relu"):
            raise ShapeError("%s: unknown feature map %r" % (op, feature_map))
        attrs = (["causal"] if causal else []) + (["normalize"] if normalize else [])
        if feature_map != "identity":
            attrs.append("feature_map = #linea.feature_map<%s>" % feature_map)
        if scale is not None:
            attrs.append("scale = %s : f32" % _float(scale))
        if decay is not None:
            if len(decay) != H:
                raise ShapeError("%s: 'decay' must have %d entries, got %d" % (op, H, len(decay)))
            attrs.append("decay = array<f32: %s>" % ", ".join(_float(d) for d in decay))
        attrs += self._form_attrs(form, chunk_size)
        return self._linea(op, [("q", q), ("k", k), ("v", v)],
                           [("gate", gate), ("initial_state", initial_state), ("cu_seqlens", cu_seqlens)], attrs,
                           v.shape, v.dtype, (Bs, H, K, V) if return_state else None)

    @staticmethod
    def _form_attrs(form, chunk_size):
        attrs = []
        if form != "auto":
            attrs.append("form = #linea.form<%s>" % form)
        if chunk_size is not None:
            attrs.append("chunk_size = %d : i64" % chunk_size)
        return attrs

    def selective_scan(self, u, delta, A, Bm, Cm, D_skip=None, z=None, delta_bias=None,
                       initial_state=None, delta_softplus=False, form="auto",
                       return_state=False):
        """u, delta [B, D, L]; A [D, N]; Bm, Cm [B, G, N, L]."""
        op = "selective_scan"
        self._act(op, "u", u, 3)
        B, D, L = u.shape
        self._check(op, "delta", delta, shape=u.shape, dtype=u.dtype)
        self._check(op, "A", A, shape=(D, None), dtype="f32")
        N = A.shape[1]
        self._check(op, "Bm", Bm, shape=(B, None, N, L), dtype=u.dtype)
        self._check(op, "Cm", Cm, shape=Bm.shape, dtype=u.dtype)
        if D % Bm.shape[1]:
            raise ShapeError("%s: 'Bm' has G = %d groups, not dividing D = %d" % (op, Bm.shape[1], D))
        for name, p in (("D_skip", D_skip), ("delta_bias", delta_bias)):
            if p is not None:
                self._check(op, name, p, shape=(D,), dtype="f32")
        if z is not None:
            self._check(op, "z", z, shape=u.shape, dtype=u.dtype)
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(B, D, N), dtype="f32")
        attrs = (["delta_softplus"] if delta_softplus else []) + self._form_attrs(form, None)
        return self._linea(op, [("u", u), ("delta", delta), ("A", A), ("Bm", Bm), ("Cm", Cm)],
                           [("D_skip", D_skip), ("z", z), ("delta_bias", delta_bias),
                            ("initial_state", initial_state)], attrs, u.shape, u.dtype,
                           (B, D, N) if return_state else None)

    def wkv4(self, w, u, k, v, initial_state=None, form="auto", chunk_size=None,
             return_state=False, cu_seqlens=None):
        op = "wkv4"
        self._act(op, "k", k, 3)
        B, T, C = k.shape
        Bs = self._packed(op, cu_seqlens, B)
        self._check(op, "v", v, shape=k.shape, dtype=k.dtype)
        self._check(op, "w", w, shape=(C,), dtype="f32")
        self._check(op, "u", u, shape=(C,), dtype="f32")
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, 3, C), dtype="f32")
        return self._linea(op, [("w", w), ("u", u), ("k", k), ("v", v)],
                           [("initial_state", initial_state), ("cu_seqlens", cu_seqlens)],
                           self._form_attrs(form, chunk_size), k.shape, k.dtype,
                           (Bs, 3, C) if return_state else None)

    def wkv6(self, r, k, v, w, u, initial_state=None, scale=None, form="auto",
             chunk_size=None, return_state=False, cu_seqlens=None):
        op = "wkv6"
        self._act(op, "r", r, 4)
        B, T, H, S = r.shape
        Bs = self._packed(op, cu_seqlens, B)
        for name, x in (("k", k), ("v", v), ("w", w)):
            self._check(op, name, x, shape=r.shape, dtype=r.dtype)
        self._check(op, "u", u, shape=(H, S), dtype="f32")
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, H, S, S), dtype="f32")
        attrs = (["scale = %s : f32" % _float(scale)] if scale is not None else []) + \
            self._form_attrs(form, chunk_size)
        return self._linea(op, [("r", r), ("k", k), ("v", v), ("w", w), ("u", u)],
                           [("initial_state", initial_state), ("cu_seqlens", cu_seqlens)], attrs, r.shape, r.dtype,
                           (Bs, H, S, S) if return_state else None)

    def wkv7(self, r, w, k, v, a, b, initial_state=None, scale=None, form="auto",
             chunk_size=None, return_state=False, cu_seqlens=None):
        """r [B, T, Hk, S] (its heads shared by H / Hk heads each); w, k, v, a,
        b [B, T, H, S]; o = scale * r^T S (scale 1 by default)."""
        op = "wkv7"
        self._act(op, "r", r, 4)
        B, T, Hk, S = r.shape
        Bs = self._packed(op, cu_seqlens, B)
        self._check(op, "w", w, shape=(B, T, None, S), dtype=r.dtype)
        H = w.shape[2]
        if H % Hk:
            raise ShapeError("%s: 'w' has H = %d heads, not a multiple of Hk = %d" % (op, H, Hk))
        for name, x in (("k", k), ("v", v), ("a", a), ("b", b)):
            self._check(op, name, x, shape=w.shape, dtype=r.dtype)
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, H, S, S), dtype="f32")
        attrs = (["scale = %s : f32" % _float(scale)] if scale is not None else []) + \
            self._form_attrs(form, chunk_size)
        return self._linea(op, [("r", r), ("w", w), ("k", k), ("v", v), ("a", a), ("b", b)],
                           [("initial_state", initial_state), ("cu_seqlens", cu_seqlens)], attrs,
                           w.shape, r.dtype, (Bs, H, S, S) if return_state else None)

    def gated_delta(self, q, k, v, beta, gate=None, initial_state=None, scale=None,
                    use_qk_l2norm=False, A_log=None, dt_bias=None, form="auto",
                    chunk_size=None, return_state=False, cu_seqlens=None):
        """The gated delta rule (Gated DeltaNet, Kimi Delta Attention,
        DeltaNet): q, k [B, T, H, K]; v [B, T, HV, V]; beta [B, T, HV]; gate
        [B, T, HV] or [B, T, HV, K] (log-decays, or the raw gate with A_log
        [HV] and dt_bias [HV] or [HV, K]); see linea.reference.gated_delta."""
        op = "gated_delta"
        self._act(op, "q", q, 4)
        B, T, H, K = q.shape
        Bs = self._packed(op, cu_seqlens, B)
        self._check(op, "k", k, shape=q.shape, dtype=q.dtype)
        self._check(op, "v", v, shape=(B, T, None, None), dtype=q.dtype)
        HV, V = v.shape[2], v.shape[3]
        if HV % H:
            raise ShapeError("%s: 'v' has HV = %d heads, not a multiple of H = %d" % (op, HV, H))
        self._check(op, "beta", beta, shape=(B, T, HV), dtype=q.dtype)
        if gate is not None:
            self._check(op, "gate", gate, dtype=q.dtype,
                        shape=(B, T, HV) if len(gate.shape) == 3 else (B, T, HV, K))
        if (A_log is None) != (dt_bias is None):
            raise ShapeError("%s: 'A_log' and 'dt_bias' come together" % op)
        if A_log is not None:
            if gate is None:
                raise ShapeError("%s: 'A_log' and 'dt_bias' need 'gate'" % op)
            self._check(op, "A_log", A_log, shape=(HV,), dtype="f32")
            self._check(op, "dt_bias", dt_bias, dtype="f32",
                        shape=(HV, K) if len(dt_bias.shape) == 2 else (HV,))
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, HV, K, V), dtype="f32")
        attrs = ["use_qk_l2norm"] if use_qk_l2norm else []
        if scale is not None:
            attrs.append("scale = %s : f32" % _float(scale))
        attrs += self._form_attrs(form, chunk_size)
        return self._linea(op, [("q", q), ("k", k), ("v", v), ("beta", beta)],
                           [("gate", gate), ("A_log", A_log), ("dt_bias", dt_bias),
                            ("initial_state", initial_state), ("cu_seqlens", cu_seqlens)], attrs,
                           v.shape, v.dtype, (Bs, HV, K, V) if return_state else None)

    def ssd(self, x, dt, A, Bm, Cm, D=None, z=None, dt_bias=None, dt_softplus=False,
            dt_limit=None, initial_state=None, form="auto", chunk_size=None,
            return_state=False, cu_seqlens=None):
        """Mamba-2's SSD, as mamba_ssm's mamba_chunk_scan_combined: x [B, T,
        H, P]; dt [B, T, H]; A [H]; Bm, Cm [B, T, G, N]; D [H] or [H, P]; z
        like x; dt_bias [H]; dt_limit (lo, hi), where (0, inf) is no limit as
        in mamba_ssm; see linea.reference.ssd."""
        op = "ssd"
        self._act(op, "x", x, 4)
        B, T, H, P = x.shape
        Bs = self._packed(op, cu_seqlens, B)
        self._check(op, "dt", dt, shape=(B, T, H), dtype=x.dtype)
        self._check(op, "A", A, shape=(H,), dtype="f32")
        self._check(op, "Bm", Bm, shape=(B, T, None, None), dtype=x.dtype)
        G, N = Bm.shape[2], Bm.shape[3]
        self._check(op, "Cm", Cm, shape=Bm.shape, dtype=x.dtype)
        if G == 0 or H % G:
            raise ShapeError("%s: 'Bm' has G = %d groups, not dividing H = %d" % (op, G, H))
        if D is not None:
            self._check(op, "D", D, dtype="f32", shape=(H, P) if len(D.shape) == 2 else (H,))
        if z is not None:
            self._check(op, "z", z, shape=x.shape, dtype=x.dtype)
        if dt_bias is not None:
            self._check(op, "dt_bias", dt_bias, shape=(H,), dtype="f32")
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(Bs, H, N, P), dtype="f32")
        attrs = ["dt_softplus"] if dt_softplus else []
        if dt_limit is not None:
            lo, hi = (float(v) for v in dt_limit)
            if not lo <= hi:
                raise ShapeError("%s: 'dt_limit' must be (lo, hi) with lo <= hi, got %r"
                                 % (op, tuple(dt_limit)))
            if (lo, hi) != (0.0, float("inf")):
                attrs.append("dt_limit = array<f32: %s>" % ", ".join(
                    _f32_literal(v) for v in (lo, hi)))
        attrs += self._form_attrs(form, chunk_size)
        return self._linea(op, [("x", x), ("dt", dt), ("A", A), ("Bm", Bm), ("Cm", Cm)],
                           [("D", D), ("z", z), ("dt_bias", dt_bias),
                            ("initial_state", initial_state), ("cu_seqlens", cu_seqlens)], attrs,
                           x.shape, x.dtype, (Bs, H, N, P) if return_state else None)


class Module:
    """A set of functions, printed as one MLIR module."""

    def __init__(self, *functions):
        self.functions = list(functions)

    def add(self, fn):
        self.functions.append(fn)
        return fn

    def text(self):
        return "\n".join(f.text() for f in self.functions)
