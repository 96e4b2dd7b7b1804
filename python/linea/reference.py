"""float64 reference implementations of every linea op, from DESIGN.md's
equations, token by token. They share no code with the compiler.

Shapes follow the ops: linear attention q, k [B, T, Hk, K], v [B, T, H, V];
states are key-major [.., K, V].
"""

import numpy as np


def _phi(x, feature_map):
    if feature_map == "identity":
        return x
    if feature_map == "relu":
        return np.maximum(x, 0.0)
    if feature_map == "elu_plus_one":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    raise ValueError(feature_map)


def linear_attention(q, k, v, gate=None, initial_state=None, causal=True,
                     normalize=False, feature_map="identity", scale=None,
                     decay=None, eps=1e-6):
    """Returns (o [B, T, H, V], final_state [B, H, K, V])."""
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    B, T, Hk, K = q.shape
    H, V = v.shape[2], v.shape[3]
    if scale is None:
        scale = K ** -0.5
    group = H // Hk
    qh = scale * _phi(np.repeat(q, group, axis=2), feature_map)  # [B,T,H,K]
    kh = _phi(np.repeat(k, group, axis=2), feature_map)
    logd = np.zeros((B, T, H, K))
    if gate is not None:
        g = np.asarray(gate, np.float64)
        logd += g[..., None] if g.ndim == 3 else g
    if decay is not None:
        logd += np.asarray(decay, np.float64)[None, None, :, None]
    S = np.zeros((B, H, K, V)) if initial_state is None else \
        np.array(initial_state, np.float64)
    z = np.zeros((B, H, K))
    o = np.zeros((B, T, H, V))
    for t in range(T):
        a = np.exp(logd[:, t])                                   # [B,H,K]
        S = a[..., None] * S + kh[:, t, :, :, None] * v[:, t, :, None, :]
        z = a * z + kh[:, t]
        if causal:
            o[:, t] = np.einsum("bhk,bhkv->bhv", qh[:, t], S)
            if normalize:
                o[:, t] /= (np.einsum("bhk,bhk->bh", qh[:, t], z) + eps)[..., None]
    if not causal:
        o = np.einsum("bthk,bhkv->bthv", qh, S)
        if normalize:
            o /= (np.einsum("bthk,bhk->bth", qh, z) + eps)[..., None]
    return o, S


def _softplus(x):
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


def selective_scan(u, delta, A, Bm, Cm, D_skip=None, z=None, delta_bias=None,
                   initial_state=None, delta_softplus=False):
    """mamba_ssm's selective_scan_fn. Returns (y [B, D, L], state [B, D, N])."""
    u, delta, A, Bm, Cm = (np.asarray(a, np.float64) for a in (u, delta, A, Bm, Cm))
    Bsz, D, L = u.shape
    G, N = Bm.shape[1], Bm.shape[2]
    Bd = np.repeat(Bm, D // G, axis=1)  # [B, D, N, L]
    Cd = np.repeat(Cm, D // G, axis=1)
    dt = delta + (0.0 if delta_bias is None else np.asarray(delta_bias, np.float64)[None, :, None])
    if delta_softplus:
        dt = _softplus(dt)
    x = np.zeros((Bsz, D, N)) if initial_state is None else \
        np.array(initial_state, np.float64)
    y = np.zeros((Bsz, D, L))
    for t in range(L):
        x = np.exp(dt[:, :, t, None] * A[None]) * x + \
            (dt[:, :, t] * u[:, :, t])[..., None] * Bd[:, :, :, t]
        y[:, :, t] = np.einsum("bdn,bdn->bd", Cd[:, :, :, t], x)
    if D_skip is not None:
        y += np.asarray(D_skip, np.float64)[None, :, None] * u
    if z is not None:
        z = np.asarray(z, np.float64)
        y *= z / (1.0 + np.exp(-z))
    return y, x


def wkv4(w, u, k, v, initial_state=None):
    """RWKV-4 in float64, with the sums kept relative to a running maximum
    exponent (the state layout of the op: aa, bb, pp). Returns
    (y [B, T, C], state [B, 3, C]); `wkv4_direct` checks it from the sum."""
    w, u, k, v = (np.asarray(a, np.float64) for a in (w, u, k, v))
    Bsz, T, C = k.shape
    decay = -np.exp(w)
    if initial_state is None:
        aa = np.zeros((Bsz, C)); bb = np.zeros((Bsz, C)); pp = np.full((Bsz, C), -1e38)
    else:
        s = np.asarray(initial_state, np.float64)
        aa, bb, pp = s[:, 0].copy(), s[:, 1].copy(), s[:, 2].copy()
    y = np.zeros((Bsz, T, C))
    for t in range(T):
        kk, vv = k[:, t], v[:, t]
        # y_t = (e^pp aa + e^(u+k) v) / (e^pp bb + e^(u+k))
        m = np.maximum(pp, u + kk)
        num = np.exp(pp - m) * aa + np.exp(u + kk - m) * vv
        den = np.exp(pp - m) * bb + np.exp(u + kk - m)
        y[:, t] = num / den
        # state_t = e^decay state_{t-1} + e^k (v, 1)
        m = np.maximum(pp + decay, kk)
        aa = np.exp(pp + decay - m) * aa + np.exp(kk - m) * vv
        bb = np.exp(pp + decay - m) * bb + np.exp(kk - m)
        pp = m
    return y, np.stack([aa, bb, pp], axis=1)


def wkv4_direct(w, u, k, v):
    """RWKV-4 straight from the sum in DESIGN.md (float64, no state), for
    inputs whose exponentials stay finite in float64."""
    w, u, k, v = (np.asarray(a, np.float64) for a in (w, u, k, v))
    Bsz, T, C = k.shape
    y = np.zeros((Bsz, T, C))
    for t in range(T):
        i = np.arange(t)
        ex = -(t - 1 - i)[None, :, None] * np.exp(w)[None, None, :] + k[:, :t]
        num = np.sum(np.exp(ex) * v[:, :t], axis=1) + np.exp(u + k[:, t]) * v[:, t]
        den = np.sum(np.exp(ex), axis=1) + np.exp(u + k[:, t])
        y[:, t] = num / den
    return y


def wkv6(r, k, v, w, u, initial_state=None, scale=1.0):
    """Returns (o [B, T, H, S], state [B, H, S, S])."""
    r, k, v, w, u = (np.asarray(a, np.float64) for a in (r, k, v, w, u))
    Bsz, T, H, S = r.shape
    St = np.zeros((Bsz, H, S, S)) if initial_state is None else \
        np.array(initial_state, np.float64)
    o = np.zeros((Bsz, T, H, S))
    for t in range(T):
        kv = k[:, t, :, :, None] * v[:, t, :, None, :]           # [B,H,S,S]
        o[:, t] = scale * np.einsum("bhi,bhij->bhj", r[:, t], St + u[None, :, :, None] * kv)
        St = np.exp(w[:, t])[..., None] * St + kv
    return o, St


def wkv7(r, w, k, v, a, b, initial_state=None, scale=1.0):
    """Key-major RWKV-7, o = scale * r^T S; r may have fewer heads than w
    (each shared by H / Hk heads). Returns (o [B, T, H, S], state [B, H, S, S])."""
    r, w, k, v, a, b = (np.asarray(x, np.float64) for x in (r, w, k, v, a, b))
    Bsz, T, H, S = w.shape
    r = scale * np.repeat(r, H // r.shape[2], axis=2)
    St = np.zeros((Bsz, H, S, S)) if initial_state is None else \
        np.array(initial_state, np.float64)
    o = np.zeros((Bsz, T, H, S))
    for t in range(T):
        # (diag(e^w) + b a^T) S, without forming the S x S transition.
        aS = np.einsum("bhj,bhjv->bhv", a[:, t], St)
        St = (np.exp(w[:, t])[..., None] * St + b[:, t, :, :, None] * aS[:, :, None, :]
              + k[:, t, :, :, None] * v[:, t, :, None, :])
        o[:, t] = np.einsum("bhi,bhij->bhj", r[:, t], St)
    return o, St


def gated_delta(q, k, v, beta, gate=None, initial_state=None, scale=None, use_qk_l2norm=False,
                A_log=None, dt_bias=None):
    """The gated delta rule, from its equation with the K x K transition
    formed: per batch and value head h (query/key head h // (HV // H)),
    S_t = (I - beta_t k_t k_t^T) diag(exp(gate_t)) S_{t-1} + beta_t k_t v_t^T,
    o_t = scale q_t^T S_t. Returns (o [B, T, HV, V], state [B, HV, K, V])."""
    q, k, v, beta = (np.asarray(x, np.float64) for x in (q, k, v, beta))
    Bsz, T, H, K = q.shape
    HV, V = v.shape[2], v.shape[3]
    if use_qk_l2norm:
        q = q / np.sqrt(np.sum(q * q, axis=-1, keepdims=True) + 1e-6)
        k = k / np.sqrt(np.sum(k * k, axis=-1, keepdims=True) + 1e-6)
    q, k = np.repeat(q, HV // H, axis=2), np.repeat(k, HV // H, axis=2)
    g = None if gate is None else np.asarray(gate, np.float64)
    if A_log is not None:
        bias = np.asarray(dt_bias, np.float64)
        decay = -np.exp(np.asarray(A_log, np.float64))
        if g.ndim == 4:
            g = decay[:, None] * _softplus(g + (bias if bias.ndim == 2 else bias[:, None]))
        else:
            g = decay * _softplus(g + bias)
    scale = K ** -0.5 if scale is None else scale
    St = np.zeros((Bsz, HV, K, V)) if initial_state is None else \
        np.array(initial_state, np.float64)
    o = np.zeros((Bsz, T, HV, V))
    eye = np.eye(K)
    for t in range(T):
        kt = k[:, t]
        if g is not None:
            D = np.exp(g[:, t])
            St = St * (D[..., None] if g.ndim == 4 else D[..., None, None])
        M = eye - beta[:, t, :, None, None] * kt[..., :, None] * kt[..., None, :]
        St = np.einsum("bhij,bhjv->bhiv", M, St) + \
            beta[:, t, :, None, None] * kt[..., :, None] * v[:, t, :, None, :]
        o[:, t] = scale * np.einsum("bhk,bhkv->bhv", q[:, t], St)
    return o, St


def wkv7_value_major(r, w, k, v, a, b):
    """RWKV-7's own (value-major) formulation: S <- S diag(exp w) + (S a) b^T
    + v k^T, y = S r. Used to check that the key-major op is its transpose."""
    r, w, k, v, a, b = (np.asarray(x, np.float64) for x in (r, w, k, v, a, b))
    Bsz, T, H, S = r.shape
    St = np.zeros((Bsz, H, S, S))
    o = np.zeros((Bsz, T, H, S))
    for t in range(T):
        Sa = np.einsum("bhvk,bhk->bhv", St, a[:, t])
        St = St * np.exp(w[:, t])[:, :, None, :] + Sa[..., None] * b[:, t, :, None, :] + \
            v[:, t, :, :, None] * k[:, t, :, None, :]
        o[:, t] = np.einsum("bhvk,bhk->bhv", St, r[:, t])
    return o


def ssd(x, dt, A, B, C, D=None, z=None, dt_bias=None, dt_softplus=False, dt_limit=None,
        initial_state=None, return_state=False):
    """Mamba-2's SSD (mamba_ssm's mamba_chunk_scan_combined) in its matrix
    ("dual") form, independent of the recurrence: per head h (group
    g = h / (H / G)), with dt' = clamp(softplus?(dt + dt_bias), dt_limit) and
    cum_t = sum_{r<=t} dt'_r A_h,
    y_t = sum_{s<=t} (C_t . B_s) exp(cum_t - cum_s) dt'_s x_s
          + C_t^T exp(cum_t) h_0 + D x_t,   times silu(z_t) if z is given.
    x [Bt, T, H, P], dt [Bt, T, H], A [H] (negative), B, C [Bt, T, G, N],
    D [H] or [H, P], initial_state [Bt, H, N, P]. Returns y [Bt, T, H, P]
    (and the final state [Bt, H, N, P] with return_state)."""
    x, dt, A, B, C = (np.asarray(a, np.float64) for a in (x, dt, A, B, C))
    Bt, T, H, P = x.shape
    G, N = B.shape[2], B.shape[3]
    if dt_bias is not None:
        dt = dt + np.asarray(dt_bias, np.float64)[None, None, :]
    if dt_softplus:
        dt = _softplus(dt)
    if dt_limit is not None:
        dt = np.clip(dt, dt_limit[0], dt_limit[1])
    h0 = np.zeros((Bt, H, N, P)) if initial_state is None else \
        np.asarray(initial_state, np.float64)
    y = np.zeros_like(x)
    state = np.zeros((Bt, H, N, P))
    cum = np.cumsum(dt * A[None, None, :], axis=1)              # [Bt, T, H]
    causal = np.tril(np.ones((T, T), dtype=bool))
    for h in range(H):
        g = h // (H // G)
        scores = np.einsum("btn,bsn->bts", C[:, :, g], B[:, :, g])
        # exp of a sum of non-positive terms, taken as a difference only
        # where s <= t (so <= 0 and finite).
        seg = cum[:, :, None, h] - cum[:, None, :, h]
        decay = np.where(causal[None], np.exp(np.where(causal[None], seg, 0.0)), 0.0)
        dx = dt[:, :, h, None] * x[:, :, h]                       # [Bt, T, P]
        y[:, :, h] = np.einsum("bts,bsp->btp", scores * decay, dx)
        y[:, :, h] += np.einsum("btn,bt,bnp->btp", C[:, :, g], np.exp(cum[:, :, h]), h0[:, h])
        if T:
            last = cum[:, -1, h]                                  # [Bt]
            window = np.exp(last[:, None] - cum[:, :, h])          # [Bt, T]
            state[:, h] = np.exp(last)[:, None, None] * h0[:, h] + \
                np.einsum("bs,bsn,bsp->bnp", window, B[:, :, g], dx)
        else:
            state[:, h] = h0[:, h]
    if D is not None:
        D = np.asarray(D, np.float64)
        y += (D[None, None, :, None] if D.ndim == 1 else D[None, None]) * x
    if z is not None:
        z = np.asarray(z, np.float64)
        y *= z / (1.0 + np.exp(-z))
    return (y, state) if return_state else y


def causal_conv1d(x, weight, bias=None, initial_state=None, activation=None):
    """The depthwise causal convolution, x [B, T, C], weight [C, W], bias
    [C], initial_state [B, C, W-1] (the W-1 inputs before x, oldest first):
    y_t[c] = bias[c] + sum_w weight[c, w] x_{t-W+1+w}[c], then silu if
    activation == "silu". Returns (y [B, T, C], final_state [B, C, W-1])."""
    x, weight = np.asarray(x, np.float64), np.asarray(weight, np.float64)
    B, T, C = x.shape
    W = weight.shape[1]
    prev = np.zeros((B, C, W - 1)) if initial_state is None else \
        np.asarray(initial_state, np.float64)
    pad = np.concatenate([prev.transpose(0, 2, 1), x], axis=1)      # [B, W-1+T, C]
    y = sum(pad[:, w:w + T] * weight[:, w] for w in range(W))
    if bias is not None:
        y = y + np.asarray(bias, np.float64)
    if activation == "silu":
        y = y / (1.0 + np.exp(-y))
    elif activation not in (None, "none"):
        raise ValueError(activation)
    return y, pad[:, T:].transpose(0, 2, 1).copy()
