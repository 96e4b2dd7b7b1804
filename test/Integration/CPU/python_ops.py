# RUN: %python %s
# linea.ops: flash-linear-attention's and mamba_ssm's functions by their names,
# arguments, layouts and conventions, against float64 references written
# here from the peers' equations (fla's naive recurrences, mamba_ssm's
# selective_scan_ref and its [B, H, P, N] states), on numpy arrays and (where
# torch is installed) torch tensors; packed batches through cu_seqlens equal
# one call per sequence; options Linea lacks raise NotImplementedError.

import numpy as np

import linea
from linea import ops
from linea.testing import Checker

rng = np.random.default_rng(21)
checker = Checker()
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
logsig = lambda x: -np.log1p(np.exp(-x))


def l2n(x):
    return x / np.sqrt((x * x).sum(-1, keepdims=True) + 1e-6)


def softplus(x):
    return np.log1p(np.exp(x))


def start(h0, shape):
    """The state a naive recurrence starts from: h0 in float64, or zeros."""
    return np.zeros(shape) if h0 is None else np.array(h0, np.float64)


def naive_gla(q, k, v, g, scale, h0):
    """fla's naive recurrent GLA: S = exp(g) S + k v^T, o = scale q^T S."""
    q, k, v, g = (np.asarray(a, np.float64) for a in (q, k, v, g))
    B, T, H, K = q.shape
    S = start(h0, (B, H, K, v.shape[-1]))
    o = np.zeros(v.shape)
    for t in range(T):
        gt = g[:, t] if g.ndim == 4 else g[:, t, :, None]
        S = np.exp(gt)[..., None] * S + k[:, t, :, :, None] * v[:, t, :, None, :]
        o[:, t] = np.einsum("bhk,bhkv->bhv", q[:, t] * scale, S)
    return o, S


def naive_rwkv6(r, k, v, w, u, scale, h0):
    r, k, v, w = (np.asarray(a, np.float64) for a in (r, k, v, w))
    B, T, H, K = r.shape
    S = start(h0, (B, H, K, v.shape[-1]))
    o = np.zeros(v.shape)
    for t in range(T):
        kv = k[:, t, :, :, None] * v[:, t, :, None, :]
        o[:, t] = np.einsum("bhk,bhkv->bhv", r[:, t] * scale, S + u[None, :, :, None] * kv)
        S = np.exp(w[:, t])[..., None] * S + kv
    return o, S


def naive_dplr(q, w, k, v, a, b, scale, h0):
    """fla's naive DPLR delta rule (chunk_rwkv7): S = exp(w) S + b (a^T S)
    + k v^T with a^T S of the state before the step."""
    q, w, k, v, a, b = (np.asarray(x, np.float64) for x in (q, w, k, v, a, b))
    B, T, H, K = q.shape
    S = start(h0, (B, H, K, v.shape[-1]))
    o = np.zeros(v.shape)
    for t in range(T):
        aS = np.einsum("bhk,bhkv->bhv", a[:, t], S)
        S = np.exp(w[:, t])[..., None] * S + b[:, t, :, :, None] * aS[:, :, None, :] + \
            k[:, t, :, :, None] * v[:, t, :, None, :]
        o[:, t] = scale * np.einsum("bhk,bhkv->bhv", q[:, t], S)
    return o, S


def naive_delta(q, k, v, g, beta, scale, h0, l2=False):
    """fla's naive gated delta rule: S = exp(g) S; v' = beta (v - k^T S);
    S = S + k v'^T; o = scale q^T S. q, k have H heads, v HV."""
    q, k, v, beta = (np.asarray(x, np.float64) for x in (q, k, v, beta))
    if l2:
        q, k = l2n(q), l2n(k)
    B, T, H, K = q.shape
    HV = v.shape[2]
    q, k = np.repeat(q, HV // H, 2), np.repeat(k, HV // H, 2)
    S = start(h0, (B, HV, K, v.shape[-1]))
    o = np.zeros(v.shape)
    for t in range(T):
        if g is not None:
            gt = np.asarray(g[:, t], np.float64)
            S = S * np.exp(gt if gt.ndim == 3 else gt[..., None])[..., None]
        pred = np.einsum("bhk,bhkv->bhv", k[:, t], S)
        S = S + k[:, t, :, :, None] * (beta[:, t, :, None] * (v[:, t] - pred))[:, :, None, :]
        o[:, t] = scale * np.einsum("bhk,bhkv->bhv", q[:, t], S)
    return o, S


def selective_scan_ref(u, delta, A, B, C, D, z, delta_bias, softplus_):
    """mamba_ssm's selective_scan_ref, B and C [B, N, L] or [B, G, N, L]."""
    u, delta, A, B, C = (np.asarray(x, np.float64) for x in (u, delta, A, B, C))
    if delta_bias is not None:
        delta = delta + delta_bias[None, :, None]
    if softplus_:
        delta = softplus(delta)
    Bsz, Dd, L = u.shape
    if B.ndim == 3:
        B, C = B[:, None], C[:, None]
    B, C = np.repeat(B, Dd // B.shape[1], 1), np.repeat(C, Dd // C.shape[1], 1)
    x = np.zeros((Bsz, Dd, A.shape[1]))
    ys = []
    for i in range(L):
        x = np.exp(delta[:, :, i, None] * A) * x + (delta[:, :, i] * u[:, :, i])[..., None] * \
            B[:, :, :, i]
        ys.append(np.einsum("bdn,bdn->bd", x, C[:, :, :, i]))
    y = np.stack(ys, -1)
    if D is not None:
        y = y + u * D[None, :, None]
    if z is not None:
        y = y * (z / (1 + np.exp(-z)))
    return y, x


def ssd_ref(x, dt, A, B, C, D, z, dt_bias, softplus_, limit, h0):
    """Mamba-2 as its recurrence in mamba_ssm's layout: h [B, H, P, N],
    h = exp(dt A) h + dt x B^T, y = h C + D x, times silu(z)."""
    x, dt, B, C = (np.asarray(a, np.float64) for a in (x, dt, B, C))
    if dt_bias is not None:
        dt = dt + dt_bias
    if softplus_:
        dt = softplus(dt)
    dt = np.clip(dt, limit[0], limit[1])
    Bt, T, H, P = x.shape
    G = B.shape[2]
    B, C = np.repeat(B, H // G, 2), np.repeat(C, H // G, 2)
    h = start(h0, (Bt, H, P, B.shape[-1]))
    y = np.zeros(x.shape)
    for t in range(T):
        h = np.exp(dt[:, t] * A)[..., None, None] * h + \
            (dt[:, t, :, None] * x[:, t])[..., None] * B[:, t, :, None, :]
        y[:, t] = np.einsum("bhpn,bhn->bhp", h, C[:, t])
    if D is not None:
        y = y + x * (D[:, None] if D.ndim == 1 else D)
    if z is not None:
        y = y * (z / (1 + np.exp(-z)))
    return y, h


B, T, H, K, V = 2, 11, 2, 16, 24
q, k = f32(B, T, H, K), f32(B, T, H, K)
v = f32(B, T, H, V)
g = logsig(f32(B, T, H, K)).astype(np.float32)
gh = logsig(f32(B, T, H)).astype(np.float32)
h0 = f32(B, H, K, V)

o, s = ops.chunk_gla(q, k, v, g, initial_state=h0, output_final_state=True)
ro, rs = naive_gla(q, k, v, g, K ** -0.5, h0)
checker.check("chunk_gla o", o, ro, 1e-5)
checker.check("chunk_gla state", s, rs, 1e-5)
o, s = ops.chunk_gla(q, k, v, g)
checker.check_true("chunk_gla without output_final_state: None", s is None, repr(s))
o, _ = ops.fused_recurrent_gla(q, k, v, gk=g, scale=0.3)
checker.check("fused_recurrent_gla", o, naive_gla(q, k, v, g, 0.3, None)[0], 1e-5)
gamma = [-0.1, -0.7]
o, s = ops.chunk_simple_gla(q, k, v, g=gh, g_gamma=gamma, output_final_state=True)
ro, rs = naive_gla(q, k, v, gh + np.array(gamma)[None, None], K ** -0.5, None)
checker.check("chunk_simple_gla o", o, ro, 1e-5)
checker.check("chunk_simple_gla state", s, rs, 1e-5)

# RWKV: square heads.
S_ = 16
r6, k6, v6 = f32(B, T, H, S_), f32(B, T, H, S_), f32(B, T, H, S_)
w6 = (-np.exp(f32(B, T, H, S_))).astype(np.float32)
u6 = f32(H, S_)
h6 = f32(B, H, S_, S_)
o, s = ops.chunk_rwkv6(r6, k6, v6, w6, u6, initial_state=h6, output_final_state=True)
ro, rs = naive_rwkv6(r6, k6, v6, w6, u6, S_ ** -0.5, h6)
checker.check("chunk_rwkv6 o", o, ro, 1e-5)
checker.check("chunk_rwkv6 state", s, rs, 1e-5)
kk = l2n(f32(B, T, H, S_))
a7, b7 = (-kk).astype(np.float32), (kk * rng.random((B, T, H, 1))).astype(np.float32)
o, s = ops.chunk_rwkv7(r6, w6, k6, v6, a7, b7, initial_state=h6)
ro, rs = naive_dplr(r6, w6, k6, v6, a7, b7, 1.0, h6)
checker.check("chunk_rwkv7 o", o, ro, 1e-5)
checker.check("chunk_rwkv7 state (output_final_state defaults to True)", s, rs, 1e-5)

# Delta rules, grouped value heads (HV = 2 H).
HV = 4
vd = f32(B, T, HV, V)
beta = rng.random((B, T, HV)).astype(np.float32)
gd = logsig(f32(B, T, HV)).astype(np.float32)
hd = f32(B, HV, K, V)
o, s = ops.chunk_gated_delta_rule(q, k, vd, gd, beta, initial_state=hd, output_final_state=True,
                                  use_qk_l2norm_in_kernel=True)
ro, rs = naive_delta(q, k, vd, gd, beta, K ** -0.5, hd, l2=True)
checker.check("chunk_gated_delta_rule o", o, ro, 1e-5)
checker.check("chunk_gated_delta_rule state", s, rs, 1e-5)
qn, kn = l2n(q).astype(np.float32), l2n(k).astype(np.float32)
o, _ = ops.fused_recurrent_gated_delta_rule(qn, kn, vd, beta=None, scale=0.5)
checker.check("fused_recurrent_gated_delta_rule (no gate, beta 1)", o,
              naive_delta(qn, kn, vd, None, np.ones(beta.shape), 0.5, None)[0], 1e-5)
graw = f32(B, T, HV, K)
A_log = rng.standard_normal(HV).astype(np.float32) * 0.5
dt_bias = f32(HV * K)
braw = f32(B, T, HV)
o, s = ops.chunk_kda(qn, kn, vd, graw, braw, output_final_state=True, use_gate_in_kernel=True,
                     use_beta_sigmoid_in_kernel=True, A_log=A_log, dt_bias=dt_bias)
gk = -np.exp(A_log.astype(np.float64))[:, None] * softplus(graw + dt_bias.reshape(HV, K))
ro, rs = naive_delta(qn, kn, vd, gk, 1 / (1 + np.exp(-braw.astype(np.float64))), K ** -0.5, None)
checker.check("chunk_kda o (gate and beta sigmoid in kernel)", o, ro, 1e-5)
checker.check("chunk_kda state", s, rs, 1e-5)

# Mamba-1.
D_, N, L = 8, 4, 9
u = f32(2, D_, L)
delta = f32(2, D_, L)
A = -np.exp(f32(D_, N))
Bv, Cv = f32(2, N, L), f32(2, N, L)
Dk, z, db = f32(D_), f32(2, D_, L), f32(D_)
out, last = ops.selective_scan_fn(u, delta, A, Bv, Cv, Dk, z, db, delta_softplus=True,
                                  return_last_state=True)
ry, rx = selective_scan_ref(u, delta, A, Bv, Cv, Dk, z, db, True)
checker.check("selective_scan_fn out (B, C [B, N, L])", out, ry, 1e-5)
checker.check("selective_scan_fn last state", last, rx, 1e-5)
Bg, Cg = f32(2, 2, N, L), f32(2, 2, N, L)
out = ops.selective_scan_fn(u, delta, A, Bg, Cg)
checker.check("selective_scan_fn out (groups, nothing optional)", out,
              selective_scan_ref(u, delta, A, Bg, Cg, None, None, None, False)[0], 1e-5)

# Mamba-2, mamba_ssm's state layout [B, H, P, N].
Hm, P, G, Nm = 4, 8, 2, 16
x = f32(2, T, Hm, P)
dtm = f32(2, T, Hm)
Am = -np.exp(f32(Hm))
Bm, Cm = f32(2, T, G, Nm), f32(2, T, G, Nm)
Dm, zm, dbm = f32(Hm), f32(2, T, Hm, P), f32(Hm)
hm = f32(2, Hm, P, Nm)
y, fs = ops.mamba_chunk_scan_combined(x, dtm, Am, Bm, Cm, 64, D=Dm, z=zm, dt_bias=dbm,
                                      initial_states=hm, dt_softplus=True, dt_limit=(0.0, 3.0),
                                      return_final_states=True)
ry, rh = ssd_ref(x, dtm, Am, Bm, Cm, Dm, zm, dbm, True, (0.0, 3.0), hm)
checker.check("mamba_chunk_scan_combined out", y, ry, 1e-5)
checker.check("mamba_chunk_scan_combined final states [B, H, P, N]", fs, rh, 1e-5)

# Packed variable-length batches: one call per sequence, each with its state.
cu = [0, 3, 4, 11]
qp, kp, vp, gp = q[:1], k[:1], v[:1], g[:1]
h3 = f32(3, H, K, V)
o, s = ops.chunk_gla(qp, kp, vp, gp, initial_state=h3, output_final_state=True, cu_seqlens=cu)
for i in range(3):
    sl = slice(cu[i], cu[i + 1])
    ro, rs = naive_gla(qp[:, sl], kp[:, sl], vp[:, sl], gp[:, sl], K ** -0.5, h3[i:i + 1])
    checker.check("cu_seqlens sequence %d o" % i, o[:, sl], ro, 1e-5)
    checker.check("cu_seqlens sequence %d state" % i, s[i:i + 1], rs, 1e-5)

try:
    import torch
except ImportError:
    torch = None
    print("SKIP torch tensors (torch is not installed)")
if torch is not None:
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, vd))
    o, s = ops.chunk_gated_delta_rule(tq.bfloat16(), tk.bfloat16(), tv.bfloat16(),
                                      torch.from_numpy(gd), torch.from_numpy(beta),
                                      output_final_state=True, use_qk_l2norm_in_kernel=True)
    checker.check_true("torch bf16 in, torch bf16 out, f32 state",
                       o.dtype == torch.bfloat16 and s.dtype == torch.float32,
                       "%s %s" % (o.dtype, s.dtype))
    rb = lambda a: torch.from_numpy(a).bfloat16().double().numpy()
    ro, rs = naive_delta(rb(q), rb(k), rb(vd), rb(gd), rb(beta), K ** -0.5, None, l2=True)
    checker.check("torch bf16 chunk_gated_delta_rule", o.double().numpy(), ro, 1e-2)
    o, s = ops.chunk_gla(torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(v),
                         torch.from_numpy(g), output_final_state=True)
    checker.check("torch chunk_gla", o.numpy(), naive_gla(q, k, v, g, K ** -0.5, None)[0], 1e-5)

raises = checker.raises

raises("gv", lambda: ops.fused_recurrent_gla(q, k, v, gk=g, gv=g), NotImplementedError,
       "fused_recurrent_gla: gv is not supported")
raises("seq_idx", lambda: ops.mamba_chunk_scan_combined(x, dtm, Am, Bm, Cm, 64, seq_idx=x),
       NotImplementedError, "mamba_chunk_scan_combined: seq_idx is not supported")
raises("cu_seqlens end", lambda: ops.chunk_gla(qp, kp, vp, gp, cu_seqlens=[0, 5]), ValueError,
       "chunk_gla: cu_seqlens must rise from 0 to T = 11, got [0, 5]")
raises("rwkv6 V != K", lambda: ops.chunk_rwkv6(q, k, v, g, f32(H, K)), NotImplementedError,
       "Linea's wkv6 takes V = K")
raises("int input", lambda: ops.chunk_gla(q.astype(np.int32), k, v, g), TypeError,
       "chunk_gla: 'q': dtype int32 is not a float type Linea takes")

checker.finish()
