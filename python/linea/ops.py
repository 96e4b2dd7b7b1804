"""flash-linear-attention's and mamba_ssm's functions, named and argued as
theirs, so that swapping an import moves a model onto Linea:

    from linea.ops import chunk_gla       # for fla.ops.gla.chunk_gla
    o, state = chunk_gla(q, k, v, g, output_final_state=True)

Arguments are torch tensors (CPU or CUDA) or numpy arrays (bf16 as uint16
bit patterns), in the peers' layouts ([B, T, H, K]; mamba_ssm's [B, D, L] and
its [B, H, P, N] states) and conventions (log-space gates, RWKV-6's `w` a log
decay, the peers' `scale` defaults); results come back in the arguments'
kind. Each call compiles, on first use per static signature (shapes, element
types, options), one function around the Linea op and keeps it for the
process (the library also stays in the on-disk cache). The form (recurrent,
chunked) is Linea's choice, whichever name is called; `chunk_size` is
accepted and left to the compiler.

`cu_seqlens` (packed variable-length batches, B = 1) runs each sequence as
its own call with its own initial state: one compile per distinct length
until the ops take dynamic lengths. Options the ops do not have raise
NotImplementedError naming them.
"""

import numpy as np

from . import dtypes
from .builder import ELEMENT_TYPES, Function
from .compiler import compile as _compile
from .runtime import _torch_dtype, _torch_of

_compiled = {}


def _element(x, what):
    """The Linea element type of a tensor or array (bf16 numpy arrays are
    uint16 bit patterns, as everywhere in Linea)."""
    torch = _torch_of(x)
    for element in ELEMENT_TYPES:
        if (x.dtype == _torch_dtype(torch, element) if torch is not None else
                np.asarray(x).dtype == np.dtype(dtypes.numpy_dtype(element))):
            return element
    raise TypeError("%s: dtype %s is not a float type Linea takes" % (what, x.dtype))


def _as_f32_array(x):
    """float64 inputs (numpy's default) go in as f32, the widest Linea takes."""
    torch = _torch_of(x)
    if torch is not None:
        return x.float() if x.dtype == torch.float64 else x
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype == np.float64 else x


class _Call:
    """One call: its tensors (name -> array or tensor, None when absent),
    their element types, and the signature that keys the compiled
    function."""

    def __init__(self, name, tensors):
        self.name = name
        self.tensors = {k: _as_f32_array(v) for k, v in tensors.items() if v is not None}
        self.types = {k: _element(v, "%s: '%s'" % (name, k)) for k, v in self.tensors.items()}

    def shape(self, k):
        return tuple(self.tensors[k].shape)

    def run(self, options, build):
        """Compiles (once per signature) and runs `build(f, args)`, where
        args maps each tensor's name to its builder value."""
        key = (self.name, tuple((k, self.shape(k), t) for k, t in sorted(self.types.items())),
               tuple(sorted(options.items())))
        if key not in _compiled:
            f = Function(self.name)
            args = {k: f.arg(k, self.shape(k), self.types[k]) for k in self.tensors}
            results = build(f, args)
            f.ret(*(results if isinstance(results, tuple) else (results,)))
            _compiled[key] = _compile(f, quiet=True)
        return _compiled[key](*self.tensors.values())


def _cast(f, v, dtype):
    return v if v is None or v.dtype == dtype else f.astype(v, dtype)


def _unsupported(name, **options):
    for option, value in options.items():
        if value is not None and value is not False:
            raise NotImplementedError("%s: %s is not supported by Linea's op" % (name, option))


def _contiguous(x):
    return x.contiguous() if _torch_of(x) else np.ascontiguousarray(x)


def _varlen(name, cu_seqlens, tensors, initial_state, run_one, output_final_state):
    """Runs `run_one(tensors of one sequence, its initial state)` per
    sequence of a packed batch and joins the outputs (along T) and the
    final states (one per sequence)."""
    cu = [int(c) for c in (cu_seqlens.tolist() if hasattr(cu_seqlens, "tolist") else cu_seqlens)]
    first = next(v for v in tensors.values() if v is not None)
    if len(cu) < 2 or cu[0] != 0 or any(b < a for a, b in zip(cu, cu[1:])) or \
            cu[-1] != first.shape[1]:
        raise ValueError("%s: cu_seqlens must rise from 0 to T = %d, got %s" %
                         (name, first.shape[1], cu))
    if first.shape[0] != 1:
        raise ValueError("%s: cu_seqlens takes a packed batch (B = 1), got B = %d" %
                         (name, first.shape[0]))
    n = len(cu) - 1
    if initial_state is not None and initial_state.shape[0] != n:
        raise ValueError("%s: initial_state must hold %d states (one per sequence), got %d" %
                         (name, n, initial_state.shape[0]))
    outs, states = [], []
    for i in range(n):
        piece = {k: None if v is None else _contiguous(v[:, cu[i]:cu[i + 1]])
                 for k, v in tensors.items()}
        o, s = run_one(piece, None if initial_state is None else
                       _contiguous(initial_state[i:i + 1]))
        outs.append(o)
        states.append(s)
    torch = _torch_of(outs[0])
    cat = torch.cat if torch else np.concatenate
    o = cat(outs, 1)
    return o, (cat(states, 0) if output_final_state else None)


def _packed(name, cu_seqlens, tensors, initial_state, output_final_state, single):
    """`single(tensors, initial_state, output_final_state)` on the batch, or
    per sequence of a packed one."""
    if cu_seqlens is None:
        return single(tensors, initial_state, output_final_state)
    return _varlen(name, cu_seqlens, tensors, initial_state,
                   lambda t, s: single(t, s, True), output_final_state)


def _state_result(res, output_final_state):
    return (res[0], res[1]) if output_final_state else (res, None)


# -- gated linear attention -----------------------------------------------------
def _gla(name, q, k, v, g, g_gamma, scale, initial_state, output_final_state, cu_seqlens):
    def single(t, s, final):
        call = _Call(name, dict(t, initial_state=s))
        dt = call.types["q"]

        def build(f, a):
            return f.linear_attention(
                a["q"], _cast(f, a["k"], dt), _cast(f, a["v"], dt), gate=_cast(f, a.get("g"), dt),
                initial_state=_cast(f, a.get("initial_state"), "f32"), scale=scale,
                decay=None if g_gamma is None else [float(x) for x in np.asarray(g_gamma)],
                return_state=final)
        return _state_result(call.run({"scale": scale, "final": final,
                                       "g_gamma": None if g_gamma is None else tuple(
                                           float(x) for x in np.asarray(g_gamma))}, build), final)
    return _packed(name, cu_seqlens, {"q": q, "k": k, "v": v, "g": g}, initial_state,
                   output_final_state, single)


def chunk_gla(q, k, v, g, scale=None, initial_state=None, output_final_state=False,
              cu_seqlens=None, chunk_size=None, head_first=False):
    """fla's chunk_gla: q, k [B, T, H, K], v [B, T, H, V], g [B, T, H, K]
    log-space forget gates; o_t = scale q_t^T S_t, S_t = diag(exp(g_t))
    S_{t-1} + k_t v_t^T, scale K^-1/2 by default. Returns (o, final state
    [B, H, K, V] or None)."""
    _unsupported("chunk_gla", head_first=head_first)
    return _gla("chunk_gla", q, k, v, g, None, scale, initial_state, output_final_state,
                cu_seqlens)


def fused_recurrent_gla(q, k, v, gk=None, gv=None, scale=None, initial_state=None,
                        output_final_state=False, reverse=False, cu_seqlens=None):
    """fla's fused_recurrent_gla (gk per key channel; gv and reverse are not
    supported)."""
    _unsupported("fused_recurrent_gla", gv=gv, reverse=reverse)
    return _gla("fused_recurrent_gla", q, k, v, gk, None, scale, initial_state,
                output_final_state, cu_seqlens)


def chunk_simple_gla(q, k, v, g=None, g_gamma=None, scale=None, initial_state=None,
                     output_final_state=False, cu_seqlens=None, chunk_size=None):
    """fla's chunk_simple_gla: a log gate per head and token, g [B, T, H],
    and/or a constant log decay per head, g_gamma [H] (numbers: they are
    compiled in)."""
    return _gla("chunk_simple_gla", q, k, v, g, g_gamma, scale, initial_state,
                output_final_state, cu_seqlens)


# -- RWKV ------------------------------------------------------------------------
def chunk_rwkv6(r, k, v, w, u, scale=None, initial_state=None, output_final_state=False,
                cu_seqlens=None, head_first=False):
    """fla's chunk_rwkv6: r, k, v, w [B, T, H, K] (w the log decay), u [H, K]
    the bonus; o_t = scale r_t^T (S_{t-1} + diag(u) k_t v_t^T), S_t =
    diag(exp(w_t)) S_{t-1} + k_t v_t^T, scale K^-1/2 by default. Linea's
    wkv6 takes V = K."""
    _unsupported("chunk_rwkv6", head_first=head_first)
    name = "chunk_rwkv6"

    def single(t, s, final):
        call = _Call(name, dict(t, u=u, initial_state=s))
        K = call.shape("r")[-1]
        if call.shape("v")[-1] != K:
            raise NotImplementedError("%s: V = %d differs from K = %d; Linea's wkv6 takes V = K"
                                      % (name, call.shape("v")[-1], K))
        sc = K ** -0.5 if scale is None else scale
        dt = call.types["r"]

        def build(f, a):
            return f.wkv6(a["r"], _cast(f, a["k"], dt), _cast(f, a["v"], dt),
                          _cast(f, a["w"], dt), _cast(f, a["u"], "f32"),
                          initial_state=_cast(f, a.get("initial_state"), "f32"), scale=sc,
                          return_state=final)
        return _state_result(call.run({"scale": sc, "final": final}, build), final)
    return _packed(name, cu_seqlens, {"r": r, "k": k, "v": v, "w": w}, initial_state,
                   output_final_state, single)


def chunk_rwkv7(r, w, k, v, a, b, scale=1.0, initial_state=None, output_final_state=True,
                cu_seqlens=None, head_first=False):
    """fla's chunk_rwkv7 (its diagonal-plus-low-rank delta rule): r, w, k, a,
    b [B, T, H, K] (w the log decay), v [B, T, H, V]; S_t = diag(exp(w_t))
    S_{t-1} + b_t (a_t^T S_{t-1}) + k_t v_t^T, o_t = scale r_t^T S_t.
    Linea's wkv7 takes V = K."""
    _unsupported("chunk_rwkv7", head_first=head_first)
    name = "chunk_rwkv7"

    def single(t, s, final):
        call = _Call(name, dict(t, initial_state=s))
        if call.shape("v")[-1] != call.shape("k")[-1]:
            raise NotImplementedError("%s: V differs from K; Linea's wkv7 takes V = K" % name)
        dt = call.types["r"]

        def build(f, x):
            return f.wkv7(x["r"], *(_cast(f, x[n], dt) for n in ("w", "k", "v", "a", "b")),
                          initial_state=_cast(f, x.get("initial_state"), "f32"), scale=scale,
                          return_state=final)
        return _state_result(call.run({"scale": scale, "final": final}, build), final)
    return _packed(name, cu_seqlens, {"r": r, "w": w, "k": k, "v": v, "a": a, "b": b},
                   initial_state, output_final_state, single)


# -- delta rules -----------------------------------------------------------------
def _delta(name, q, k, v, g, beta, scale, initial_state, output_final_state,
           use_qk_l2norm_in_kernel, cu_seqlens, A_log=None, dt_bias=None,
           beta_sigmoid=False):
    def single(t, s, final):
        call = _Call(name, dict(t, initial_state=s, A_log=A_log, dt_bias=dt_bias))
        dt = call.types["q"]
        HV, K = call.shape("v")[2], call.shape("q")[3]

        def build(f, a):
            beta_ = a.get("beta")
            if beta_ is None:  # fla: beta of ones when absent
                beta_ = f.full(a["v"].shape[:3], 1.0)
            elif beta_sigmoid:
                beta_ = f.sigmoid(beta_)
            bias = a.get("dt_bias")
            if bias is not None and bias.shape == (HV * K,):  # fla's flattened [H K]
                bias = f.reshape(bias, (HV, K))
            return f.gated_delta(
                a["q"], _cast(f, a["k"], dt), _cast(f, a["v"], dt), _cast(f, beta_, dt),
                gate=_cast(f, a.get("g"), dt), initial_state=_cast(f, a.get("initial_state"),
                                                                   "f32"),
                scale=scale, use_qk_l2norm=use_qk_l2norm_in_kernel,
                A_log=_cast(f, a.get("A_log"), "f32"), dt_bias=_cast(f, bias, "f32"),
                return_state=final)
        return _state_result(call.run({"scale": scale, "final": final,
                                       "l2": use_qk_l2norm_in_kernel,
                                       "beta_sigmoid": beta_sigmoid}, build), final)
    return _packed(name, cu_seqlens, {"q": q, "k": k, "v": v, "g": g, "beta": beta},
                   initial_state, output_final_state, single)


def chunk_gated_delta_rule(q, k, v, g, beta, scale=None, initial_state=None,
                           output_final_state=False, use_qk_l2norm_in_kernel=False,
                           cu_seqlens=None, head_first=False):
    """fla's chunk_gated_delta_rule (Gated DeltaNet): q, k [B, T, H, K], v [B,
    T, HV, V] (HV a multiple of H), g [B, T, HV] log decays, beta [B, T, HV];
    S_t = (I - beta_t k_t k_t^T) exp(g_t) S_{t-1} + beta_t k_t v_t^T, o_t =
    scale q_t^T S_t, scale K^-1/2 by default."""
    _unsupported("chunk_gated_delta_rule", head_first=head_first)
    return _delta("chunk_gated_delta_rule", q, k, v, g, beta, scale, initial_state,
                  output_final_state, use_qk_l2norm_in_kernel, cu_seqlens)


def fused_recurrent_gated_delta_rule(q, k, v, g=None, beta=None, scale=None,
                                     initial_state=None, output_final_state=False,
                                     use_qk_l2norm_in_kernel=False, cu_seqlens=None):
    """fla's fused_recurrent_gated_delta_rule (beta of ones when absent)."""
    return _delta("fused_recurrent_gated_delta_rule", q, k, v, g, beta, scale, initial_state,
                  output_final_state, use_qk_l2norm_in_kernel, cu_seqlens)


def chunk_kda(q, k, v, g, beta, scale=None, initial_state=None, output_final_state=False,
              use_qk_l2norm_in_kernel=False, use_gate_in_kernel=False,
              use_beta_sigmoid_in_kernel=False, cu_seqlens=None, A_log=None, dt_bias=None,
              safe_gate=False, lower_bound=None, allow_neg_eigval=False, **kwargs):
    """fla's chunk_kda (Kimi Delta Attention): the gated delta rule with a
    log decay per key channel, g [B, T, HV, K]; with use_gate_in_kernel, g is
    the raw gate and the decay -exp(A_log [HV]) softplus(g + dt_bias [HV K]);
    with use_beta_sigmoid_in_kernel, beta is sigmoid(beta)."""
    _unsupported("chunk_kda", safe_gate=safe_gate, lower_bound=lower_bound,
                 allow_neg_eigval=allow_neg_eigval, **{k: v for k, v in kwargs.items()
                                                       if k not in ("chunk_size",)})
    if use_gate_in_kernel and (A_log is None or dt_bias is None):
        raise ValueError("chunk_kda: use_gate_in_kernel needs A_log and dt_bias")
    return _delta("chunk_kda", q, k, v, g, beta, scale, initial_state, output_final_state,
                  use_qk_l2norm_in_kernel, cu_seqlens,
                  A_log if use_gate_in_kernel else None, dt_bias if use_gate_in_kernel else None,
                  use_beta_sigmoid_in_kernel)


# -- Mamba -------------------------------------------------------------------------
def selective_scan_fn(u, delta, A, B, C, D=None, z=None, delta_bias=None,
                      delta_softplus=False, return_last_state=False):
    """mamba_ssm's selective_scan_fn: u, delta [B, D, L], A [D, N], B and C
    [B, N, L] or [B, G, N, L] (input-dependent; time-invariant [D, N] is not
    supported), D and delta_bias [D]. Returns out [B, D, L], and with
    return_last_state the state [B, D, N] (f32)."""
    name = "selective_scan_fn"
    call = _Call(name, {"u": u, "delta": delta, "A": A, "B": B, "C": C, "D": D, "z": z,
                        "delta_bias": delta_bias})
    if len(call.shape("B")) == 2:
        raise NotImplementedError("%s: a time-invariant B [D, N] is not supported" % name)
    dt = call.types["u"]

    def build(f, a):
        bm, cm = a["B"], a["C"]
        if len(bm.shape) == 3:
            bm = f.reshape(bm, (bm.shape[0], 1) + bm.shape[1:])
        if len(cm.shape) == 3:
            cm = f.reshape(cm, (cm.shape[0], 1) + cm.shape[1:])
        return f.selective_scan(a["u"], _cast(f, a["delta"], dt), _cast(f, a["A"], "f32"),
                                _cast(f, bm, dt), _cast(f, cm, dt),
                                D_skip=_cast(f, a.get("D"), "f32"), z=_cast(f, a.get("z"), dt),
                                delta_bias=_cast(f, a.get("delta_bias"), "f32"),
                                delta_softplus=delta_softplus, return_state=return_last_state)
    return call.run({"softplus": delta_softplus, "state": return_last_state}, build)


def mamba_chunk_scan_combined(x, dt, A, B, C, chunk_size=256, D=None, z=None, dt_bias=None,
                              initial_states=None, seq_idx=None, cu_seqlens=None,
                              dt_softplus=False, dt_limit=(0.0, float("inf")),
                              return_final_states=False, return_varlen_states=False):
    """mamba_ssm's mamba_chunk_scan_combined (Mamba-2's SSD): x [B, T, H, P],
    dt [B, T, H], A [H], B and C [B, T, G, N], D [H] or [H, P], z like x,
    dt_bias [H], initial_states [B, H, P, N] (mamba_ssm's layout; Linea's op
    keeps [B, H, N, P] and the function transposes). Returns out, and with
    return_final_states the final states [B, H, P, N] (f32)."""
    name = "mamba_chunk_scan_combined"
    _unsupported(name, seq_idx=seq_idx, cu_seqlens=cu_seqlens,
                 return_varlen_states=return_varlen_states)
    if not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("%s: chunk_size must be a positive int, got %r" % (name, chunk_size))
    call = _Call(name, {"x": x, "dt": dt, "A": A, "B": B, "C": C, "D": D, "z": z,
                        "dt_bias": dt_bias, "initial_states": initial_states})
    et = call.types["x"]
    limit = tuple(float(v) for v in dt_limit)

    def build(f, a):
        init = a.get("initial_states")
        if init is not None:
            init = f.transpose(_cast(f, init, "f32"), (0, 1, 3, 2))
        res = f.ssd(a["x"], _cast(f, a["dt"], et), _cast(f, a["A"], "f32"), _cast(f, a["B"], et),
                    _cast(f, a["C"], et), D=_cast(f, a.get("D"), "f32"),
                    z=_cast(f, a.get("z"), et), dt_bias=_cast(f, a.get("dt_bias"), "f32"),
                    dt_softplus=dt_softplus, dt_limit=limit, initial_state=init,
                    return_state=return_final_states)
        if return_final_states:
            return res[0], f.transpose(res[1], (0, 1, 3, 2))
        return res
    return call.run({"softplus": dt_softplus, "limit": limit, "state": return_final_states},
                    build)


__all__ = ["chunk_gated_delta_rule", "chunk_gla", "chunk_kda", "chunk_rwkv6", "chunk_rwkv7",
           "chunk_simple_gla", "fused_recurrent_gated_delta_rule", "fused_recurrent_gla",
           "mamba_chunk_scan_combined", "selective_scan_fn"]
