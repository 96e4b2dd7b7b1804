"""A small IR builder: model functions in the linea dialect plus the linalg,
tensor and arith ops around them, emitted as MLIR text.

Shapes and element types are checked as the graph is built; a mistake raises
ShapeError naming the operation and the argument. Activations are tensors of
any rank; `linear` and the norms act on the last dimension.
"""

import math
import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _caller_location():
    """`loc("file":line:0)` of the innermost frame outside this package."""
    frame = sys._getframe(1)
    while frame and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE:
        frame = frame.f_back
    if frame is None:
        return ""
    name = frame.f_code.co_filename.replace("\\", "\\\\").replace('"', '\\"')
    return 'loc("%s":%d:0)' % (name, frame.f_lineno)


ELEMENT_TYPES = ("f32", "f16", "bf16")


class ShapeError(ValueError):
    """A builder call got an argument of the wrong shape or element type."""


def _float(x):
    """An f32 literal MLIR parses: always with a mantissa dot."""
    return "%.9e" % float(x)


def _f32_literal(x):
    """_float, or the bit pattern of an infinity (MLIR has no inf literal)."""
    if x == float("inf"):
        return "0x7F800000"
    if x == float("-inf"):
        return "0xFF800000"
    return _float(x)


def _type(shape, dtype):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [dtype])


class Value:
    """An SSA value of a function being built."""

    def __init__(self, fn, name, shape, dtype):
        self.fn, self.name, self.shape, self.dtype = fn, name, tuple(shape), dtype

    @property
    def type(self):
        return _type(self.shape, self.dtype)

    def __repr__(self):
        return "%%%s : %s" % (self.name, self.type)

    # Arithmetic sugar, broadcasting like numpy.
    def __add__(self, other):
        return self.fn.add(self, other)

    def __sub__(self, other):
        return self.fn.sub(self, other)

    def __mul__(self, other):
        return self.fn.mul(self, other)

    def __truediv__(self, other):
        return self.fn.div(self, other)

    def __neg__(self):
        return self.fn.neg(self)


def _broadcast(op, values):
    rank = max(len(v.shape) for v in values)
    out = []
    for i in range(rank):
        dims = {v.shape[i - rank + len(v.shape)] for v in values
                if i - rank + len(v.shape) >= 0} - {1}
        if len(dims) > 1:
            raise ShapeError("%s: shapes %s do not broadcast" %
                             (op, ", ".join(str(v.shape) for v in values)))
        out.append(dims.pop() if dims else 1)
    return tuple(out)


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
        name = self._fresh("e")
        self._emit("%%%s = tensor.empty() : %s" % (name, _type(shape, dtype)))
        return name

    def _zeros(self, shape, dtype="f32"):
        e = self._empty(shape, dtype)
        z = self._const(0.0)
        out = self._new(shape, dtype, "z")
        if dtype != "f32":
            zz = self._fresh("c")
            self._emit("%%%s = arith.truncf %%%s : f32 to %s" % (zz, z, dtype))
            z = zz
        self._emit("%%%s = linalg.fill ins(%%%s : %s) outs(%%%s : %s) -> %s" %
                   (out.name, z, dtype, e, out.type, out.type))
        return out

    # -- arguments and results ----------------------------------------------
    def arg(self, name, shape, dtype="f32"):
        if dtype not in ELEMENT_TYPES:
            raise ShapeError("arg: element type of '%s' must be one of %s, got %r" %
                             (name, ", ".join(ELEMENT_TYPES), dtype))
        if not all(isinstance(d, int) and d > 0 for d in shape):
            raise ShapeError("arg: '%s' needs a static shape of positive sizes, got %s" %
                             (name, shape))
        if any(a.name == name for a in self.args) or not name.isidentifier() or \
                name.startswith("_"):
            raise ValueError("arg: bad or repeated argument name %r" % name)
        v = Value(self, name, shape, dtype)
        self.args.append(v)
        return v

    def ret(self, *values):
        for i, v in enumerate(values):
            self._check("ret", "result %d" % i, v)
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
    def elementwise(self, op, values, body, dtype=None):
        """A linalg.generic over the broadcast shape of `values`. `body` gets
        the f32 block arguments' names and an `emit(expr_line) -> name`
        helper and returns the name of the f32 result."""
        values = [self._check(op, "operand %d" % i, v) for i, v in enumerate(values)]
        shape = _broadcast(op, values)
        dtype = dtype or values[0].dtype
        rank = len(shape)
        e = self._empty(shape, dtype)
        out = self._new(shape, dtype)
        identity = "affine_map<(%s) -> (%s)>" % ((", ".join("d%d" % i for i in range(rank)),) * 2)
        maps = [_map(rank, v.shape) for v in values] + [identity]
        block, f32_args, lines, emit = self._block(values)
        result = body(f32_args, emit)
        if dtype != "f32":
            result = emit("arith.truncf %%%s : f32 to %s" % (result, dtype))
        self._emit("%%%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]} "
                   "ins(%s : %s) outs(%%%s : %s) {" % (
                       out.name, ", ".join(maps), ", ".join(['"parallel"'] * rank),
                       ", ".join("%" + v.name for v in values), ", ".join(v.type for v in values),
                       e, out.type))
        self.lines.append("  ^bb0(%s, %%_out: %s):" % (block, dtype))
        self.lines.extend(lines)
        self.lines.append("    linalg.yield %%%s : %s" % (result, dtype))
        self._emit("} -> %s" % out.type)
        return out

    def _block(self, values):
        """A generic's block over `values`: its arguments' declaration, their
        names in f32 (extended where they are not), the body's lines, and
        `emit(expr_line) -> name`, which appends to them."""
        lines = []

        def emit(expr):
            name = self._fresh("s")
            lines.append("    %%%s = %s" % (name, expr))
            return name

        args = [self._fresh("a") for _ in values]
        f32_args = [a if v.dtype == "f32" else emit("arith.extf %%%s : %s to f32" % (a, v.dtype))
                    for a, v in zip(args, values)]
        block = ", ".join("%%%s: %s" % (a, v.dtype) for a, v in zip(args, values))
        return block, f32_args, lines, emit

    def _binary(self, op, arith, a, b):
        if not isinstance(b, Value):
            c = b
            return self.elementwise(op, [a], lambda x, emit: emit(
                "%s %%%s, %%%s : f32" % (arith, x[0], self._const_in_body(emit, c))))
        return self.elementwise(op, [a, b], lambda x, emit: emit(
            "%s %%%s, %%%s : f32" % (arith, x[0], x[1])))

    @staticmethod
    def _const_in_body(emit, c):
        return emit("arith.constant %s : f32" % _float(c))

    def add(self, a, b):
        return self._binary("add", "arith.addf", a, b)

    def sub(self, a, b):
        return self._binary("sub", "arith.subf", a, b)

    def mul(self, a, b):
        return self._binary("mul", "arith.mulf", a, b)

    def div(self, a, b):
        return self._binary("div", "arith.divf", a, b)

    def _unary(self, op, fn, x):
        return self.elementwise(op, [x], lambda a, emit: fn(a[0], emit))

    def neg(self, x):
        return self._unary("neg", lambda a, e: e("arith.negf %%%s : f32" % a), x)

    def exp(self, x):
        return self._unary("exp", lambda a, e: e("math.exp %%%s : f32" % a), x)

    def tanh(self, x):
        return self._unary("tanh", lambda a, e: e("math.tanh %%%s : f32" % a), x)

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
        groups, j = [], 0
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
        """[M, K] x [K, N] -> [M, N] in a's element type, accumulated in f32
        and rounded once."""
        return self._rounded(self._matmul_f32("matmul", a, b), a.dtype)

    def _matmul_f32(self, op, a, b):
        """The f32 product of a and b (bf16 and f16 operands extended as
        they are read): a sum of K terms kept in bf16 would lose about
        sqrt(K) roundings (7% rel. RMS at K = 4096)."""
        self._check(op, "a", a, rank=2)
        self._check(op, "b", b, rank=2, dtype=a.dtype)
        if a.shape[1] != b.shape[0]:
            raise ShapeError("%s: 'b' must have %d rows to match 'a' %s, got %s" %
                             (op, a.shape[1], a.shape, b.shape))
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
        """x [..., Cin] W [Cin, Cout] (+ b [Cout]), accumulated in f32 with
        the bias added before the one rounding to x's element type."""
        self._check("linear", "x", x)
        self._check("linear", "w", w, rank=2, dtype=x.dtype)
        if w.shape[0] != x.shape[-1]:
            raise ShapeError("linear: 'w' must have shape (%d, ?) to match x %s, got %s" %
                             (x.shape[-1], x.shape, w.shape))
        lead = x.shape[:-1]
        flat = self.reshape(x, (math.prod(lead), x.shape[-1])) if len(x.shape) != 2 else x
        y = self._matmul_f32("linear", flat, w)
        if b is not None:
            self._check("linear", "b", b, shape=(w.shape[1],))
            y = self.elementwise("linear", [y, b], lambda a, emit: emit(
                "arith.addf %%%s, %%%s : f32" % (a[0], a[1])), dtype=x.dtype)
        else:
            y = self._rounded(y, x.dtype)
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
                      return_state=False):
        """The depthwise causal convolution (linea.causal_conv1d): x [B, T,
        C], weight [C, W], bias [C] (both f32 or x's type), initial_state
        [B, C, W-1] (the W-1 inputs before x, oldest first; zeros if
        absent), activation None or "silu". Returns y [B, T, C] and, with
        return_state, the last W-1 inputs [B, C, W-1] (f32): the next call's
        initial_state. See linea.reference.causal_conv1d."""
        op = "causal_conv1d"
        self._act(op, "x", x, 3)
        B, T, C = x.shape
        self._check(op, "weight", weight, shape=(C, None))
        W = weight.shape[1]
        for name, p in (("weight", weight), ("bias", bias)):
            if p is not None and p.dtype not in ("f32", x.dtype):
                raise ShapeError("%s: '%s' must be f32 or %s, got %s" % (op, name, x.dtype, p.dtype))
        if bias is not None:
            self._check(op, "bias", bias, shape=(C,))
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(B, C, W - 1), dtype="f32")
        if activation not in (None, "none", "silu"):
            raise ShapeError("%s: activation must be None or 'silu', got %r" % (op, activation))
        attrs = ["activation = #linea.activation<silu>"] if activation == "silu" else []
        return self._linea(op, [("x", x), ("weight", weight)],
                           [("bias", bias), ("initial_state", initial_state)], attrs,
                           x.shape, x.dtype, (B, C, W - 1) if return_state else None)

    # -- norms -------------------------------------------------------------------
    def _sum_last(self, op, x, square=False):
        """sum(x) (or sum(x^2)) over the last axis, in f32."""
        if square:
            return self._reduce_last(op, [x], lambda a, emit: emit(
                "arith.mulf %%%s, %%%s : f32" % (a[0], a[0])))
        return self._reduce_last(op, [x], lambda a, emit: a[0])

    def _reduce_last(self, op, values, body):
        """The f32 sum over the last axis of `body`, an expression of the
        same-shaped `values` (f32 block arguments' names and `emit`, as in
        elementwise): one linalg.generic, nothing materialized per element."""
        shape = values[0].shape[:-1]
        init = self._zeros(shape, "f32")
        out = self._new(shape, "f32")
        rank = len(values[0].shape)
        dims = ", ".join("d%d" % i for i in range(rank))
        full = "affine_map<(%s) -> (%s)>" % (dims, dims)
        reduced = "affine_map<(%s) -> (%s)>" % (dims, ", ".join("d%d" % i for i in range(rank - 1)))
        block, f32_args, lines, emit = self._block(values)
        term = body(f32_args, emit)
        total = emit("arith.addf %%_acc, %%%s : f32" % term)
        self._emit("%%%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]} "
                   "ins(%s : %s) outs(%%%s : %s) {" % (
                       out.name, ", ".join([full] * len(values) + [reduced]),
                       ", ".join(['"parallel"'] * (rank - 1) + ['"reduction"']),
                       ", ".join("%" + v.name for v in values), ", ".join(v.type for v in values),
                       init.name, init.type))
        self.lines.append("  ^bb0(%s, %%_acc: f32):" % block)
        self.lines.extend(lines)
        self.lines.append("    linalg.yield %%%s : f32" % total)
        self._emit("} -> %s" % out.type)
        return out

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

    def linear_attention(self, q, k, v, gate=None, initial_state=None, causal=True,
                         normalize=False, feature_map="identity", scale=None, decay=None,
                         form="auto", chunk_size=None, return_state=False):
        """q, k [B, T, Hk, K]; v [B, T, H, V]; see linea.reference."""
        op = "linear_attention"
        self._act(op, "q", q, 4)
        B, T, Hk, K = q.shape
        self._check(op, "k", k, shape=q.shape, dtype=q.dtype)
        self._check(op, "v", v, shape=(B, T, None, None), dtype=q.dtype)
        H, V = v.shape[2], v.shape[3]
        if H % Hk:
            raise ShapeError("%s: 'v' has H = %d heads, not a multiple of Hk = %d" % (op, H, Hk))
        if gate is not None:
            self._check(op, "gate", gate, dtype=q.dtype,
                        shape=(B, T, H) if len(gate.shape) == 3 else (B, T, H, K))
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(B, H, K, V), dtype="f32")
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
                           [("gate", gate), ("initial_state", initial_state)], attrs,
                           v.shape, v.dtype, (B, H, K, V) if return_state else None)

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
             return_state=False):
        op = "wkv4"
        self._act(op, "k", k, 3)
        B, T, C = k.shape
        self._check(op, "v", v, shape=k.shape, dtype=k.dtype)
        self._check(op, "w", w, shape=(C,), dtype="f32")
        self._check(op, "u", u, shape=(C,), dtype="f32")
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(B, 3, C), dtype="f32")
        return self._linea(op, [("w", w), ("u", u), ("k", k), ("v", v)],
                           [("initial_state", initial_state)],
                           self._form_attrs(form, chunk_size), k.shape, k.dtype,
                           (B, 3, C) if return_state else None)

    def wkv6(self, r, k, v, w, u, initial_state=None, scale=None, form="auto",
             chunk_size=None, return_state=False):
        op = "wkv6"
        self._act(op, "r", r, 4)
        B, T, H, S = r.shape
        for name, x in (("k", k), ("v", v), ("w", w)):
            self._check(op, name, x, shape=r.shape, dtype=r.dtype)
        self._check(op, "u", u, shape=(H, S), dtype="f32")
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(B, H, S, S), dtype="f32")
        attrs = (["scale = %s : f32" % _float(scale)] if scale is not None else []) + \
            self._form_attrs(form, chunk_size)
        return self._linea(op, [("r", r), ("k", k), ("v", v), ("w", w), ("u", u)],
                           [("initial_state", initial_state)], attrs, r.shape, r.dtype,
                           (B, H, S, S) if return_state else None)

    def wkv7(self, r, w, k, v, a, b, initial_state=None, scale=None, form="auto",
             chunk_size=None, return_state=False):
        """r [B, T, Hk, S] (its heads shared by H / Hk heads each); w, k, v, a,
        b [B, T, H, S]; o = scale * r^T S (scale 1 by default)."""
        op = "wkv7"
        self._act(op, "r", r, 4)
        B, T, Hk, S = r.shape
        self._check(op, "w", w, shape=(B, T, None, S), dtype=r.dtype)
        H = w.shape[2]
        if H % Hk:
            raise ShapeError("%s: 'w' has H = %d heads, not a multiple of Hk = %d" % (op, H, Hk))
        for name, x in (("k", k), ("v", v), ("a", a), ("b", b)):
            self._check(op, name, x, shape=w.shape, dtype=r.dtype)
        if initial_state is not None:
            self._check(op, "initial_state", initial_state, shape=(B, H, S, S), dtype="f32")
        attrs = (["scale = %s : f32" % _float(scale)] if scale is not None else []) + \
            self._form_attrs(form, chunk_size)
        return self._linea(op, [("r", r), ("w", w), ("k", k), ("v", v), ("a", a), ("b", b)],
                           [("initial_state", initial_state)], attrs,
                           w.shape, r.dtype, (B, H, S, S) if return_state else None)

    def gated_delta(self, q, k, v, beta, gate=None, initial_state=None, scale=None,
                    use_qk_l2norm=False, A_log=None, dt_bias=None, form="auto",
                    chunk_size=None, return_state=False):
        """The gated delta rule (Gated DeltaNet, Kimi Delta Attention,
        DeltaNet): q, k [B, T, H, K]; v [B, T, HV, V]; beta [B, T, HV]; gate
        [B, T, HV] or [B, T, HV, K] (log-decays, or the raw gate with A_log
        [HV] and dt_bias [HV] or [HV, K]); see linea.reference.gated_delta."""
        op = "gated_delta"
        self._act(op, "q", q, 4)
        B, T, H, K = q.shape
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
            self._check(op, "initial_state", initial_state, shape=(B, HV, K, V), dtype="f32")
        attrs = ["use_qk_l2norm"] if use_qk_l2norm else []
        if scale is not None:
            attrs.append("scale = %s : f32" % _float(scale))
        attrs += self._form_attrs(form, chunk_size)
        return self._linea(op, [("q", q), ("k", k), ("v", v), ("beta", beta)],
                           [("gate", gate), ("A_log", A_log), ("dt_bias", dt_bias),
                            ("initial_state", initial_state)], attrs,
                           v.shape, v.dtype, (B, HV, K, V) if return_state else None)

    def ssd(self, x, dt, A, Bm, Cm, D=None, z=None, dt_bias=None, dt_softplus=False,
            dt_limit=None, initial_state=None, form="auto", chunk_size=None,
            return_state=False):
        """Mamba-2's SSD, as mamba_ssm's mamba_chunk_scan_combined: x [B, T,
        H, P]; dt [B, T, H]; A [H]; Bm, Cm [B, T, G, N]; D [H] or [H, P]; z
        like x; dt_bias [H]; dt_limit (lo, hi), where (0, inf) is no limit as
        in mamba_ssm; see linea.reference.ssd."""
        op = "ssd"
        self._act(op, "x", x, 4)
        B, T, H, P = x.shape
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
            self._check(op, "initial_state", initial_state, shape=(B, H, N, P), dtype="f32")
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
                            ("initial_state", initial_state)], attrs,
                           x.shape, x.dtype, (B, H, N, P) if return_state else None)


class Module:
    """A set of functions, printed as one MLIR module."""

    def __init__(self, *functions):
        self.functions = list(functions)

    def add(self, fn):
        self.functions.append(fn)
        return fn

    def text(self):
        return "\n".join(f.text() for f in self.functions)
