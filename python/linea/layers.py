"""Ready layers: a Mamba-1 block, a Mamba-2 block, an RWKV-6 time-mix
block, a linear-attention transformer layer and two delta-rule blocks (Gated
DeltaNet, Kimi Delta Attention). Weights come from numpy arrays or an
.npz file; a call takes x [B, T, C] and an optional state and returns the
output and the state after the last token, so a sequence can be fed in pieces
(T = 1 is incremental decoding). Each layer also has a float64 numpy
`reference` of itself, independent of the compiler.
"""

import numpy as np

from . import reference
from .builder import Function, ShapeError
from .compiler import compile as _compile


def _load(weights):
    if isinstance(weights, (str, bytes)) or hasattr(weights, "__fspath__"):
        with np.load(weights) as npz:
            return {k: np.asarray(npz[k]) for k in npz.files}
    return {k: np.asarray(v) for k, v in weights.items()}


def _silu(x):
    return x / (1.0 + np.exp(-x))


class Layer:
    """Shared plumbing: weights, compiled functions per (B, T), calls."""

    WEIGHTS = ()

    def __init__(self, weights):
        w = _load(weights)
        missing = [n for n in self.WEIGHTS if n not in w]
        if missing:
            raise KeyError("%s: missing weights %s" % (type(self).__name__, ", ".join(missing)))
        self.weights = {n: np.ascontiguousarray(w[n], dtype=np.float32) for n in self.WEIGHTS}
        self._compiled = {}

    def _function(self, B, T):
        key = (B, T)
        if key not in self._compiled:
            fn = Function(type(self).__name__.lower())
            x = fn.arg("x", (B, T, self.d_model))
            params = {n: fn.arg(n, self.weights[n].shape) for n in self.WEIGHTS}
            state = {n: fn.arg(n, shape) for n, shape in self.state_shapes(B).items()}
            outputs = self.build(fn, x, params, state)
            fn.ret(*outputs)
            self._compiled[key] = _compile(fn, params=self.weights)
        return self._compiled[key]

    def init_state(self, B):
        return {n: np.zeros(s, dtype=np.float32) for n, s in self.state_shapes(B).items()}

    def __call__(self, x, state=None):
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 3 or x.shape[2] != self.d_model:
            raise ValueError("%s: x must have shape (B, T, %d), got %s" %
                             (type(self).__name__, self.d_model, x.shape))
        B, T = x.shape[:2]
        state = self.init_state(B) if state is None else state
        names = list(self.state_shapes(B))
        outs = self._function(B, T)(x, *[np.ascontiguousarray(state[n], dtype=np.float32)
                                         for n in names])
        return outs[0], dict(zip(names, outs[1:]))


class MambaBlock(Layer):
    """Mamba-1: in_proj, causal depthwise conv1d, SiLU, x/dt projections,
    selective scan with D and the z gate, out_proj. State: the last d_conv-1
    conv inputs and the SSM state."""

    WEIGHTS = ("in_proj", "conv_w", "conv_b", "x_proj", "dt_proj", "dt_bias", "A_log", "D",
               "out_proj")

    def __init__(self, weights):
        super().__init__(weights)
        w = self.weights
        self.d_model, two_inner = w["in_proj"].shape
        self.d_inner = two_inner // 2
        self.d_conv = w["conv_w"].shape[1]
        self.d_state = w["A_log"].shape[1]
        self.dt_rank = w["dt_proj"].shape[0]
        if w["x_proj"].shape != (self.d_inner, self.dt_rank + 2 * self.d_state):
            raise ShapeError("MambaBlock: x_proj must have shape (%d, %d), got %s" % (
                self.d_inner, self.dt_rank + 2 * self.d_state, w["x_proj"].shape))

    def state_shapes(self, B):
        return {"conv_state": (B, self.d_inner, self.d_conv - 1),
                "ssm_state": (B, self.d_inner, self.d_state)}

    def build(self, f, x, p, state):
        B, T, _ = x.shape
        Di, N, R = self.d_inner, self.d_state, self.dt_rank
        xz = f.linear(x, p["in_proj"])
        xin = f.slice(xz, (0, 0, 0), (B, T, Di))
        z = f.slice(xz, (0, 0, Di), (B, T, Di))
        xc, conv_state = f.causal_conv1d(xin, p["conv_w"], p["conv_b"],
                                         initial_state=state["conv_state"], activation="silu",
                                         return_state=True)
        dbl = f.linear(xc, p["x_proj"])
        dt = f.linear(f.slice(dbl, (0, 0, 0), (B, T, R)), p["dt_proj"])
        bm = f.reshape(f.transpose(f.slice(dbl, (0, 0, R), (B, T, N)), (0, 2, 1)), (B, 1, N, T))
        cm = f.reshape(f.transpose(f.slice(dbl, (0, 0, R + N), (B, T, N)), (0, 2, 1)), (B, 1, N, T))
        A = f.neg(f.exp(p["A_log"]))
        y, ssm_state = f.selective_scan(
            f.transpose(xc, (0, 2, 1)), f.transpose(dt, (0, 2, 1)), A, bm, cm, D_skip=p["D"],
            z=f.transpose(z, (0, 2, 1)), delta_bias=p["dt_bias"],
            initial_state=state["ssm_state"], delta_softplus=True, return_state=True)
        out = f.linear(f.transpose(y, (0, 2, 1)), p["out_proj"])
        return out, conv_state, ssm_state

    def reference(self, x, state=None):
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        x = np.asarray(x, np.float64)
        B, T, _ = x.shape
        Di, N, R = self.d_inner, self.d_state, self.dt_rank
        state = state or {k: np.zeros(s) for k, s in self.state_shapes(B).items()}
        xz = x @ w["in_proj"]
        xin, z = xz[..., :Di], xz[..., Di:]
        xc, conv_state = reference.causal_conv1d(xin, w["conv_w"], w["conv_b"],
                                                 state["conv_state"], "silu")
        dbl = xc @ w["x_proj"]
        dt = dbl[..., :R] @ w["dt_proj"]
        bm = dbl[..., R:R + N].transpose(0, 2, 1)[:, None]
        cm = dbl[..., R + N:].transpose(0, 2, 1)[:, None]
        y, s = reference.selective_scan(
            xc.transpose(0, 2, 1), dt.transpose(0, 2, 1), -np.exp(w["A_log"]), bm, cm,
            D_skip=w["D"], z=z.transpose(0, 2, 1), delta_bias=w["dt_bias"],
            initial_state=state["ssm_state"], delta_softplus=True)
        return y.transpose(0, 2, 1) @ w["out_proj"], {"conv_state": conv_state, "ssm_state": s}

    @staticmethod
    def random_weights(rng, d_model=64, d_inner=128, d_state=16, dt_rank=4, d_conv=4):
        s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
        return {"in_proj": s(d_model, 2 * d_inner), "conv_w": rng.standard_normal((d_inner, d_conv)) * 0.5,
                "conv_b": rng.standard_normal(d_inner) * 0.1, "x_proj": s(d_inner, dt_rank + 2 * d_state),
                "dt_proj": s(dt_rank, d_inner), "dt_bias": rng.standard_normal(d_inner) * 0.5 - 2.0,
                "A_log": np.log(np.tile(np.arange(1, d_state + 1, dtype=np.float64), (d_inner, 1))),
                "D": rng.standard_normal(d_inner), "out_proj": s(d_inner, d_model)}


class RWKV6TimeMix(Layer):
    """RWKV-6 time mixing: token shift, r/k/v/w/g projections (the decay
    through a tanh LoRA), wkv6, per-head group norm, gated output. State: the
    last token and the wkv state."""

    WEIGHTS = ("mu_r", "mu_k", "mu_v", "mu_w", "mu_g", "w_r", "w_k", "w_v", "w_g", "w0",
               "w_a", "w_b", "u", "gn_w", "gn_b", "w_o")

    def __init__(self, weights):
        super().__init__(weights)
        self.d_model = self.weights["w_r"].shape[0]
        self.n_heads, self.head_size = self.weights["u"].shape
        if self.n_heads * self.head_size != self.d_model:
            raise ShapeError("RWKV6TimeMix: u must have shape (H, S) with H*S = %d, got %s" %
                             (self.d_model, self.weights["u"].shape))

    def state_shapes(self, B):
        return {"shift_state": (B, self.d_model),
                "wkv_state": (B, self.n_heads, self.head_size, self.head_size)}

    def build(self, f, x, p, state):
        B, T, C = x.shape
        H, S = self.n_heads, self.head_size
        prev = f.token_shift(x, state["shift_state"])
        xx = f.sub(prev, x)
        mix = {n: f.add(x, f.mul(xx, p["mu_" + n])) for n in "rkvwg"}
        r, k, v = (f.linear(mix[n], p["w_" + n]) for n in "rkv")
        g = f.silu(f.linear(mix["g"], p["w_g"]))
        logw = f.neg(f.exp(f.add(f.linear(f.tanh(f.linear(mix["w"], p["w_a"])), p["w_b"]), p["w0"])))
        heads = lambda a: f.reshape(a, (B, T, H, S))
        o, wkv_state = f.wkv6(heads(r), heads(k), heads(v), heads(logw), p["u"],
                              initial_state=state["wkv_state"], return_state=True)
        o = f.group_norm(f.reshape(o, (B, T, C)), H, p["gn_w"], p["gn_b"], eps=64e-5)
        out = f.linear(f.mul(o, g), p["w_o"])
        shift_state = f.reshape(f.slice(x, (0, T - 1, 0), (B, 1, C)), (B, C))
        return out, shift_state, wkv_state

    def reference(self, x, state=None):
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        x = np.asarray(x, np.float64)
        B, T, C = x.shape
        H, S = self.n_heads, self.head_size
        state = state or {k: np.zeros(s) for k, s in self.state_shapes(B).items()}
        prev = np.concatenate([np.asarray(state["shift_state"], np.float64)[:, None], x[:, :-1]], axis=1)
        xx = prev - x
        mix = {n: x + xx * w["mu_" + n] for n in "rkvwg"}
        r, k, v = (mix[n] @ w["w_" + n] for n in "rkv")
        g = _silu(mix["g"] @ w["w_g"])
        logw = -np.exp(np.tanh(mix["w"] @ w["w_a"]) @ w["w_b"] + w["w0"])
        heads = lambda a: a.reshape(B, T, H, S)
        o, s = reference.wkv6(heads(r), heads(k), heads(v), heads(logw), w["u"],
                              initial_state=state["wkv_state"])
        mean = o.mean(axis=-1, keepdims=True)
        var = o.var(axis=-1, keepdims=True)
        gn = ((o - mean) / np.sqrt(var + 64e-5)).reshape(B, T, C) * w["gn_w"] + w["gn_b"]
        return (gn * g) @ w["w_o"], {"shift_state": x[:, -1], "wkv_state": s}

    @staticmethod
    def random_weights(rng, d_model=128, n_heads=2, lora=32):
        s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
        w = {"mu_" + n: rng.random(d_model) for n in "rkvwg"}
        w.update({"w_" + n: s(d_model, d_model) for n in "rkvgo"})
        w.update({"w0": rng.standard_normal(d_model) * 0.5 - 1.0, "w_a": s(d_model, lora) * 0.1,
                  "w_b": s(lora, d_model) * 0.1,
                  "u": rng.standard_normal((n_heads, d_model // n_heads)) * 0.5,
                  "gn_w": 1.0 + 0.1 * rng.standard_normal(d_model),
                  "gn_b": 0.1 * rng.standard_normal(d_model)})
        return w


class LinearAttentionLayer(Layer):
    """A linear-attention transformer layer: q/k/v projections, causal
    linear attention with the elu+1 feature map, a per-head group norm of its
    output, output projection and residual, RMSNorm, ReLU MLP and residual.
    State: the attention state [B, H, K, V]."""

    WEIGHTS = ("w_q", "w_k", "w_v", "w_o", "gamma", "w_1", "w_2")

    def __init__(self, weights, n_heads):
        super().__init__(weights)
        self.d_model = self.weights["w_q"].shape[0]
        self.n_heads = n_heads
        if self.d_model % n_heads:
            raise ShapeError("LinearAttentionLayer: %d heads do not divide d_model = %d" %
                             (n_heads, self.d_model))
        self.head_size = self.d_model // n_heads

    def state_shapes(self, B):
        H, D = self.n_heads, self.head_size
        return {"attn_state": (B, H, D, D)}

    def build(self, f, x, p, state):
        B, T, C = x.shape
        H, D = self.n_heads, self.head_size
        heads = lambda a: f.reshape(a, (B, T, H, D))
        a, attn_state = f.linear_attention(
            heads(f.linear(x, p["w_q"])), heads(f.linear(x, p["w_k"])), heads(f.linear(x, p["w_v"])),
            initial_state=state["attn_state"], causal=True, feature_map="elu_plus_one",
            return_state=True)
        a = f.group_norm(f.reshape(a, (B, T, C)), H)
        h = f.add(x, f.linear(a, p["w_o"]))
        mlp = f.linear(f.relu(f.linear(f.rms_norm(h, p["gamma"]), p["w_1"])), p["w_2"])
        return f.add(h, mlp), attn_state

    def reference(self, x, state=None):
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        x = np.asarray(x, np.float64)
        B, T, C = x.shape
        H, D = self.n_heads, self.head_size
        state = state or {k: np.zeros(s) for k, s in self.state_shapes(B).items()}
        heads = lambda a: a.reshape(B, T, H, D)
        a, s = reference.linear_attention(heads(x @ w["w_q"]), heads(x @ w["w_k"]),
                                          heads(x @ w["w_v"]), initial_state=state["attn_state"],
                                          causal=True, feature_map="elu_plus_one")
        a = (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + 1e-5)
        h = x + a.reshape(B, T, C) @ w["w_o"]
        n = h / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + 1e-6) * w["gamma"]
        return h + np.maximum(n @ w["w_1"], 0.0) @ w["w_2"], {"attn_state": s}

    @staticmethod
    def random_weights(rng, d_model=128, d_ff=512):
        s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
        return {"w_q": s(d_model, d_model), "w_k": s(d_model, d_model), "w_v": s(d_model, d_model),
                "w_o": s(d_model, d_model), "gamma": 1.0 + 0.1 * rng.standard_normal(d_model),
                "w_1": s(d_model, d_ff), "w_2": s(d_ff, d_model)}


class Mamba2Block(Layer):
    """Mamba-2 (mamba_ssm's Mamba2 mixer), in Linea's own weight layout:
    in_proj [d_model, 2 d_inner + 2 G N + H] gives z, xBC and dt; a causal
    depthwise conv1d of kernel d_conv with a bias and SiLU over xBC (conv_w
    [d_inner + 2 G N, d_conv], conv_b), split into x [B, T, H, P] and B, C
    [B, T, G, N]; linea.ssd with A = -exp(A_log), the D skip [H], dt_bias and
    softplus; the gated RMSNorm RMSNorm(y * silu(z)) per group of d_inner / G
    channels (norm_w [d_inner], eps 1e-5); out_proj [d_inner, d_model].
    State: the conv's last d_conv - 1 inputs [B, conv_dim, d_conv - 1] and
    the SSM state [B, H, N, P]."""

    WEIGHTS = ("in_proj", "conv_w", "conv_b", "dt_bias", "A_log", "D", "norm_w", "out_proj")

    def __init__(self, weights, head_dim, n_groups=1):
        super().__init__(weights)
        w = self.weights
        self.d_inner = w["norm_w"].shape[0]
        self.n_heads = w["A_log"].shape[0]
        self.head_dim, self.n_groups = head_dim, n_groups
        self.d_model, d_proj = w["in_proj"].shape
        self.d_state = (d_proj - 2 * self.d_inner - self.n_heads) // (2 * n_groups)
        self.d_conv = w["conv_w"].shape[1]
        self.conv_dim = self.d_inner + 2 * n_groups * self.d_state
        H, P, G, N = self.n_heads, head_dim, n_groups, self.d_state
        if H * P != self.d_inner or H % G or N <= 0 or \
                d_proj != 2 * self.d_inner + 2 * G * N + H or \
                w["conv_w"].shape[0] != self.conv_dim or w["conv_b"].shape != (self.conv_dim,) or \
                w["dt_bias"].shape != (H,) or w["D"].shape != (H,) or \
                w["out_proj"].shape != (self.d_inner, self.d_model):
            raise ShapeError("Mamba2Block: weights do not fit H = %d heads of %d, G = %d groups "
                             "(in_proj %s, conv_w %s, norm_w %s, out_proj %s)" % (
                                 H, P, G, w["in_proj"].shape, w["conv_w"].shape,
                                 w["norm_w"].shape, w["out_proj"].shape))

    def state_shapes(self, B):
        return {"conv_state": (B, self.conv_dim, self.d_conv - 1),
                "ssm_state": (B, self.n_heads, self.d_state, self.head_dim)}

    def build(self, f, x, p, state):
        B, T, _ = x.shape
        Di, H, P, G, N = self.d_inner, self.n_heads, self.head_dim, self.n_groups, self.d_state
        proj = f.linear(x, p["in_proj"])
        z = f.slice(proj, (0, 0, 0), (B, T, Di))
        xbc = f.slice(proj, (0, 0, Di), (B, T, self.conv_dim))
        dt = f.slice(proj, (0, 0, Di + self.conv_dim), (B, T, H))
        xbc, conv_state = f.causal_conv1d(xbc, p["conv_w"], p["conv_b"],
                                          initial_state=state["conv_state"], activation="silu",
                                          return_state=True)
        xs = f.reshape(f.slice(xbc, (0, 0, 0), (B, T, Di)), (B, T, H, P))
        bm = f.reshape(f.slice(xbc, (0, 0, Di), (B, T, G * N)), (B, T, G, N))
        cm = f.reshape(f.slice(xbc, (0, 0, Di + G * N), (B, T, G * N)), (B, T, G, N))
        y, ssm_state = f.ssd(xs, dt, f.neg(f.exp(p["A_log"])), bm, cm, D=p["D"],
                             dt_bias=p["dt_bias"], dt_softplus=True,
                             initial_state=state["ssm_state"], return_state=True)
        y = f.gated_rms_norm(f.reshape(y, (B, T, Di)), z, p["norm_w"], group_size=Di // G)
        return f.linear(y, p["out_proj"]), conv_state, ssm_state

    def reference(self, x, state=None):
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        x = np.asarray(x, np.float64)
        B, T, _ = x.shape
        Di, H, P, G, N = self.d_inner, self.n_heads, self.head_dim, self.n_groups, self.d_state
        state = state or {k: np.zeros(s) for k, s in self.state_shapes(B).items()}
        proj = x @ w["in_proj"]
        z, xbc, dt = proj[..., :Di], proj[..., Di:Di + self.conv_dim], proj[..., Di + self.conv_dim:]
        xbc, conv_state = reference.causal_conv1d(xbc, w["conv_w"], w["conv_b"],
                                                  state["conv_state"], "silu")
        xs = xbc[..., :Di].reshape(B, T, H, P)
        bm = xbc[..., Di:Di + G * N].reshape(B, T, G, N)
        cm = xbc[..., Di + G * N:].reshape(B, T, G, N)
        y, s = reference.ssd(xs, dt, -np.exp(w["A_log"]), bm, cm, D=w["D"], dt_bias=w["dt_bias"],
                             dt_softplus=True, initial_state=state["ssm_state"],
                             return_state=True)
        g = (y.reshape(B, T, Di) * _silu(z)).reshape(B, T, G, Di // G)
        g = g / np.sqrt(np.mean(g * g, axis=-1, keepdims=True) + 1e-5)
        y = g.reshape(B, T, Di) * w["norm_w"]
        return y @ w["out_proj"], {"conv_state": conv_state, "ssm_state": s}

    @staticmethod
    def random_weights(rng, d_model=64, d_inner=128, head_dim=16, n_groups=2, d_state=16,
                       d_conv=4):
        s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
        H = d_inner // head_dim
        conv_dim = d_inner + 2 * n_groups * d_state
        return {"in_proj": s(d_model, 2 * d_inner + 2 * n_groups * d_state + H),
                "conv_w": rng.standard_normal((conv_dim, d_conv)) * 0.5,
                "conv_b": rng.standard_normal(conv_dim) * 0.1,
                "dt_bias": np.log(np.expm1(rng.uniform(0.001, 0.1, H))),
                "A_log": np.log(rng.uniform(1, 16, H)),
                "D": rng.standard_normal(H),
                "norm_w": 1.0 + 0.1 * rng.standard_normal(d_inner),
                "out_proj": s(d_inner, d_model)}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gated_rms_norm(o, weight, gate, eps=1e-6):
    """RMSNorm over the last axis (per head), times `gate`."""
    return o / np.sqrt(np.mean(o * o, axis=-1, keepdims=True) + eps) * weight * gate


class _DeltaRuleBlock(Layer):
    """What the delta-rule blocks share: fused input projection, causal
    depthwise conv1d of kernel d_conv with SiLU over q, k, v (conv state
    carried), q/k L2 norm in the kernel, linea.gated_delta, a gated RMSNorm
    per head and the output projection. State: the last d_conv - 1 conv
    inputs and the recurrent state [B, HV, K, V]."""

    def _dims(self, n_heads, n_value_heads, d_qkv):
        w = self.weights
        self.d_model = w["in_proj"].shape[0]
        self.n_heads, self.n_value_heads = n_heads, n_value_heads
        self.head_v = w["norm_w"].shape[0]
        self.head_k = (d_qkv - n_value_heads * self.head_v) // (2 * n_heads)
        self.d_conv = w["conv_w"].shape[1]
        H, HV, K, V = n_heads, n_value_heads, self.head_k, self.head_v
        if HV % H or self.head_k <= 0 or 2 * H * K + HV * V != d_qkv or \
                w["conv_w"].shape[0] != d_qkv or w["out_proj"].shape != (HV * V, self.d_model):
            raise ShapeError("%s: weights do not fit H = %d, HV = %d heads (in_proj %s, conv_w %s, "
                             "norm_w %s, out_proj %s)" % (type(self).__name__, H, HV,
                                                          w["in_proj"].shape, w["conv_w"].shape,
                                                          w["norm_w"].shape, w["out_proj"].shape))
        self.d_qkv = d_qkv

    def state_shapes(self, B):
        return {"conv_state": (B, self.d_qkv, self.d_conv - 1),
                "rec_state": (B, self.n_value_heads, self.head_k, self.head_v)}

    def _mixer(self, f, x, p, state, mixed, beta, gate, A_log, dt_bias, out_gate):
        B, T, _ = x.shape
        H, HV, K, V = self.n_heads, self.n_value_heads, self.head_k, self.head_v
        conv, conv_state = f.causal_conv1d(mixed, p["conv_w"], initial_state=state["conv_state"],
                                           activation="silu", return_state=True)
        q = f.reshape(f.slice(conv, (0, 0, 0), (B, T, H * K)), (B, T, H, K))
        k = f.reshape(f.slice(conv, (0, 0, H * K), (B, T, H * K)), (B, T, H, K))
        v = f.reshape(f.slice(conv, (0, 0, 2 * H * K), (B, T, HV * V)), (B, T, HV, V))
        o, rec_state = f.gated_delta(q, k, v, beta, gate=gate, A_log=A_log, dt_bias=dt_bias,
                                     use_qk_l2norm=True, initial_state=state["rec_state"],
                                     return_state=True)
        o = f.mul(f.rms_norm(o, p["norm_w"]), out_gate)
        return f.linear(f.reshape(o, (B, T, HV * V)), p["out_proj"]), conv_state, rec_state

    def _reference_mixer(self, x, w, state, mixed, beta, gate, A_log, dt_bias, out_gate):
        B, T, _ = x.shape
        H, HV, K, V = self.n_heads, self.n_value_heads, self.head_k, self.head_v
        conv, conv_state = reference.causal_conv1d(mixed, w["conv_w"], None, state["conv_state"],
                                                   "silu")
        q = conv[..., :H * K].reshape(B, T, H, K)
        k = conv[..., H * K:2 * H * K].reshape(B, T, H, K)
        v = conv[..., 2 * H * K:].reshape(B, T, HV, V)
        o, s = reference.gated_delta(q, k, v, beta, gate, state["rec_state"], use_qk_l2norm=True,
                                     A_log=A_log, dt_bias=dt_bias)
        o = _gated_rms_norm(o, w["norm_w"], out_gate)
        return o.reshape(B, T, HV * V) @ w["out_proj"], {"conv_state": conv_state,
                                                         "rec_state": s}


class GatedDeltaNet(_DeltaRuleBlock):
    """Qwen3-Next's linear-attention block (Gated DeltaNet), in Linea's own
    weight layout: in_proj [d_model, 2 H K + 2 HV V] gives q, k, v and the
    output gate z; ba_proj [d_model, 2 HV] gives beta = sigmoid(b) and the
    raw gate a, whose log-decay is -exp(A_log) softplus(a + dt_bias) (in the
    kernel); conv_w [2 H K + HV V, d_conv] (no bias); norm_w [V]; out_proj
    [HV V, d_model]. Output: out_proj(RMSNorm(o) * silu(z))."""

    WEIGHTS = ("in_proj", "ba_proj", "conv_w", "A_log", "dt_bias", "norm_w", "out_proj")

    def __init__(self, weights, n_heads, n_value_heads):
        super().__init__(weights)
        w = self.weights
        d_qkv = w["in_proj"].shape[1] - n_value_heads * w["norm_w"].shape[0]
        self._dims(n_heads, n_value_heads, d_qkv)
        if w["ba_proj"].shape != (self.d_model, 2 * n_value_heads):
            raise ShapeError("GatedDeltaNet: ba_proj must have shape (%d, %d), got %s" % (
                self.d_model, 2 * n_value_heads, w["ba_proj"].shape))

    def build(self, f, x, p, state):
        B, T, _ = x.shape
        HV, V, C = self.n_value_heads, self.head_v, self.d_qkv
        proj = f.linear(x, p["in_proj"])
        ba = f.linear(x, p["ba_proj"])
        z = f.reshape(f.slice(proj, (0, 0, C), (B, T, HV * V)), (B, T, HV, V))
        return self._mixer(f, x, p, state, f.slice(proj, (0, 0, 0), (B, T, C)),
                           f.sigmoid(f.slice(ba, (0, 0, 0), (B, T, HV))),
                           f.slice(ba, (0, 0, HV), (B, T, HV)), p["A_log"], p["dt_bias"],
                           f.silu(z))

    def reference(self, x, state=None):
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        x = np.asarray(x, np.float64)
        B, T, _ = x.shape
        HV, V, C = self.n_value_heads, self.head_v, self.d_qkv
        state = state or {k: np.zeros(s) for k, s in self.state_shapes(B).items()}
        proj, ba = x @ w["in_proj"], x @ w["ba_proj"]
        z = proj[..., C:].reshape(B, T, HV, V)
        return self._reference_mixer(x, w, state, proj[..., :C], _sigmoid(ba[..., :HV]),
                                     ba[..., HV:], w["A_log"], w["dt_bias"], _silu(z))

    @staticmethod
    def random_weights(rng, d_model=64, n_heads=2, n_value_heads=4, head_k=16, head_v=16,
                       d_conv=4):
        s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
        d_qkv = 2 * n_heads * head_k + n_value_heads * head_v
        return {"in_proj": s(d_model, d_qkv + n_value_heads * head_v),
                "ba_proj": s(d_model, 2 * n_value_heads),
                "conv_w": rng.standard_normal((d_qkv, d_conv)) * 0.5,
                "A_log": np.log(rng.uniform(1, 16, n_value_heads)),
                "dt_bias": rng.standard_normal(n_value_heads) * 0.5,
                "norm_w": 1.0 + 0.1 * rng.standard_normal(head_v),
                "out_proj": s(n_value_heads * head_v, d_model)}


class KimiDeltaAttention(_DeltaRuleBlock):
    """Kimi Delta Attention (Kimi Linear), in Linea's own weight layout:
    in_proj [d_model, 2 H K + HV V] gives q, k, v (H = HV); a per-key gate
    from a low-rank projection, f_a [d_model, r] then f_b [r, HV K], whose
    log-decay is -exp(A_log) softplus(f + dt_bias) with dt_bias [HV, K] (in
    the kernel); beta = sigmoid(x b_proj), b_proj [d_model, HV]; an output
    gate sigmoid(x g_a g_b) of rank r; conv_w [2 H K + HV V, d_conv];
    norm_w [V]; out_proj [HV V, d_model]."""

    WEIGHTS = ("in_proj", "f_a", "f_b", "b_proj", "g_a", "g_b", "conv_w", "A_log", "dt_bias",
               "norm_w", "out_proj")

    def __init__(self, weights, n_heads):
        super().__init__(weights)
        self._dims(n_heads, n_heads, self.weights["in_proj"].shape[1])
        H, K, V = n_heads, self.head_k, self.head_v
        w = self.weights
        for name, want in (("f_b", (w["f_a"].shape[1], H * K)), ("b_proj", (self.d_model, H)),
                           ("g_b", (w["g_a"].shape[1], H * V)), ("dt_bias", (H, K))):
            if w[name].shape != want:
                raise ShapeError("KimiDeltaAttention: %s must have shape %s, got %s" %
                                 (name, want, w[name].shape))

    def build(self, f, x, p, state):
        B, T, _ = x.shape
        H, K, V = self.n_heads, self.head_k, self.head_v
        gate = f.reshape(f.linear(f.linear(x, p["f_a"]), p["f_b"]), (B, T, H, K))
        out_gate = f.sigmoid(f.reshape(f.linear(f.linear(x, p["g_a"]), p["g_b"]), (B, T, H, V)))
        return self._mixer(f, x, p, state, f.linear(x, p["in_proj"]),
                           f.sigmoid(f.linear(x, p["b_proj"])), gate, p["A_log"], p["dt_bias"],
                           out_gate)

    def reference(self, x, state=None):
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        x = np.asarray(x, np.float64)
        B, T, _ = x.shape
        H, K, V = self.n_heads, self.head_k, self.head_v
        state = state or {k: np.zeros(s) for k, s in self.state_shapes(B).items()}
        gate = (x @ w["f_a"] @ w["f_b"]).reshape(B, T, H, K)
        out_gate = _sigmoid((x @ w["g_a"] @ w["g_b"]).reshape(B, T, H, V))
        return self._reference_mixer(x, w, state, x @ w["in_proj"], _sigmoid(x @ w["b_proj"]),
                                     gate, w["A_log"], w["dt_bias"], out_gate)

    @staticmethod
    def random_weights(rng, d_model=64, n_heads=4, head_k=16, head_v=16, rank=8, d_conv=4):
        s = lambda *shape: rng.standard_normal(shape) / np.sqrt(shape[0])
        d_qkv = 2 * n_heads * head_k + n_heads * head_v
        return {"in_proj": s(d_model, d_qkv), "f_a": s(d_model, rank),
                "f_b": s(rank, n_heads * head_k), "b_proj": s(d_model, n_heads),
                "g_a": s(d_model, rank), "g_b": s(rank, n_heads * head_v),
                "conv_w": rng.standard_normal((d_qkv, d_conv)) * 0.5,
                "A_log": np.log(rng.uniform(1, 16, n_heads)),
                "dt_bias": rng.standard_normal((n_heads, head_k)) * 0.5,
                "norm_w": 1.0 + 0.1 * rng.standard_normal(head_v),
                "out_proj": s(n_heads * head_v, d_model)}
