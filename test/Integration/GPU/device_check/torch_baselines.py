"""PyTorch implementations of the benchmark ops, timed next to Linea's
kernels: the plain recurrence (a Python loop of tensor ops per token) and,
where the op has one, the chunked form on torch matmuls (chunks of 64 or 16,
decays in log space relative to the chunk start, as flash-linear-attention's
simplest kernels do). Float32, on the GPU
(on the CPU where there is none)."""

import time

import numpy as np
import torch

CHUNK = 64
# The GPU where there is one; the CPU otherwise (to check this file).
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def _sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _timed(fn, repeat):
    out = fn()  # warm-up
    _sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - start)
    return out.float().cpu().numpy(), 1e3 * float(np.median(times))


def _cuda(values, names):
    return [torch.tensor(values[n], dtype=torch.float32, device=DEVICE) for n in names]


def gla_recurrent(q, k, v, g):
    B, T, H, K = q.shape
    q = q * K ** -0.5
    S = q.new_zeros(B, H, K, v.shape[-1])
    out = []
    for t in range(T):
        S = torch.exp(g[:, t])[..., None] * S + k[:, t, :, :, None] * v[:, t, :, None, :]
        out.append(torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    return torch.stack(out, 1)


def _chunked(q, k, v, g, bonus=None, chunk=CHUNK):
    """o_t = sum_s q_t (prod of decays after s up to t, or up to t - 1 with
    a bonus) k_s v_s + the carried state; the bonus adds q_t (u * k_t) v_t."""
    B, T, H, K = q.shape
    q, k, v, g = (x.transpose(1, 2) for x in (q, k, v, g))  # [B, H, T, .]
    S = q.new_zeros(B, H, K, v.shape[-1])
    out = []
    for t0 in range(0, T, chunk):
        qc, kc, vc, gc = (x[:, :, t0:t0 + chunk] for x in (q, k, v, g))
        C = qc.shape[2]
        G = torch.cumsum(gc, dim=2)                    # inclusive
        Gq = G - gc if bonus is not None else G        # exclusive with a bonus
        qg, kg = qc * torch.exp(Gq), kc * torch.exp(-G)
        mask = torch.ones(C, C, device=q.device).tril(-1 if bonus is not None else 0)
        A = (qg @ kg.transpose(-1, -2)) * mask
        o = A @ vc + qg @ S
        if bonus is not None:
            o = o + (qc * bonus[None, :, None, :] * kc).sum(-1, keepdim=True) * vc
        out.append(o)
        last = G[:, :, -1:]
        S = torch.exp(last[:, :, 0])[..., None] * S + \
            (kc * torch.exp(last - G)).transpose(-1, -2) @ vc
    return torch.cat(out, 2).transpose(1, 2)


def wkv6_recurrent(r, k, v, w, u):
    B, T, H, S_ = r.shape
    S = r.new_zeros(B, H, S_, S_)
    out = []
    for t in range(T):
        kv = k[:, t, :, :, None] * v[:, t, :, None, :]
        out.append(torch.einsum("bhi,bhij->bhj", r[:, t], S + u[None, :, :, None] * kv))
        S = torch.exp(w[:, t])[..., None] * S + kv
    return torch.stack(out, 1)


def wkv7_recurrent(r, w, k, v, a, b):
    B, T, H, S_ = r.shape
    S = r.new_zeros(B, H, S_, S_)
    out = []
    for t in range(T):
        aS = torch.einsum("bhj,bhjv->bhv", a[:, t], S)
        S = torch.exp(w[:, t])[..., None] * S + b[:, t, :, :, None] * aS[:, :, None, :] + \
            k[:, t, :, :, None] * v[:, t, :, None, :]
        out.append(torch.einsum("bhi,bhij->bhj", r[:, t], S))
    return torch.stack(out, 1)


def selective_scan_recurrent(u, dt, A, Bm, Cm, Ds, z, db):
    dt = torch.nn.functional.softplus(dt + db[None, :, None])
    x = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    ys = []
    for t in range(u.shape[2]):
        x = torch.exp(dt[:, :, t, None] * A[None]) * x + \
            (dt[:, :, t] * u[:, :, t])[..., None] * Bm[:, :, :, t]
        ys.append((x * Cm[:, :, :, t]).sum(-1))
    y = torch.stack(ys, -1) + Ds[None, :, None] * u
    return y * z * torch.sigmoid(z)


def implementations(case):
    """{label: run(repeat) -> (output, ms)} for a benchmark case."""
    vals = case.values
    if case.kind == "gla":
        q, k, v, g = _cuda(vals, ["q", "k", "v", "g"])
        return {"recurrence": lambda n: _timed(lambda: gla_recurrent(q, k, v, g), n),
                "chunked (matmuls, C=64)": lambda n: _timed(
                    lambda: _chunked(q * q.shape[-1] ** -0.5, k, v, g), n)}
    if case.kind == "wkv6":
        r, k, v, w, u = _cuda(vals, ["r", "k", "v", "w", "u"])
        return {"recurrence": lambda n: _timed(lambda: wkv6_recurrent(r, k, v, w, u), n),
                # RWKV-6 decays sum to more than exp's range over 64 tokens
                # (exp(-G) overflows): chunks of 16.
                "chunked (matmuls, C=16)": lambda n: _timed(
                    lambda: _chunked(r, k, v, w, bonus=u, chunk=16), n)}
    if case.kind == "wkv7":
        ts = _cuda(vals, ["r", "w", "k", "v", "a", "b"])
        return {"recurrence": lambda n: _timed(lambda: wkv7_recurrent(*ts), n)}
    if case.kind == "ss":
        ts = _cuda(vals, ["u", "dt", "A", "Bm", "Cm", "Ds", "z", "db"])
        # Bm, Cm are [B, G, N, L] with G = 1: broadcast over channels.
        return {"recurrence": lambda n: _timed(lambda: selective_scan_recurrent(*ts), n)}
    return {}
