# RUN: %python %s
# Packed variable-length batches (cu_seqlens, FlashAttention's convention):
# sequences of lengths {1, 5, 64, 130} in one call, each from its own initial
# state to its own final state, in every form of linear_attention, wkv4,
# wkv6, wkv7, gated_delta and ssd, and the causal convolution, against the float64
# reference run on each sequence alone; i32 and i64 offsets; one library for every
# packing (T, N and the offsets all dynamic). Offsets that do not start at 0,
# decrease, end before or after T, or number other than the states are
# rejected by the checked entry point, naming the entry.

import numpy as np

import linea
from linea import reference as ref
from linea.testing import Checker

rng = np.random.default_rng(182)
checker = Checker()
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
LENGTHS = [1, 5, 64, 130]
H, K, V = 2, 16, 16


def logsig(x):
    return (-np.log1p(np.exp(-x))).astype(np.float32)


def offsets(lengths, dtype=np.int32):
    return np.concatenate([[0], np.cumsum(lengths)]).astype(dtype)


def run(name, form, build, tokens, others, state_shape, reference, tol=5e-5,
        dtype="i32", make_state=None):
    """`tokens(T)`: the per-token arguments of T tokens ([1, T, ...]);
    `others`: the rest; `reference(tokens of one sequence, state)`."""
    f = linea.Function("%s_%s_%s" % (name, form, dtype))
    cu = f.arg("cu", (None,), dtype)
    build(f, form, cu)
    fn = linea.compile(f)
    cu_np = offsets(LENGTHS, np.int32 if dtype == "i32" else np.int64)
    T = int(cu_np[-1])
    per_token = tokens(T)
    s0 = make_state(len(LENGTHS)) if make_state else f32(len(LENGTHS), *state_shape)
    o, s = fn(cu_np, *per_token, *others, s0)
    for i, (a, b) in enumerate(zip(cu_np[:-1], cu_np[1:])):
        seq = [x[:, a:b] for x in per_token]
        want_o, want_s = reference(seq, others, s0[i:i + 1])
        checker.check("%s %s %s sequence %d (%d tokens) output" % (name, form, dtype, i, b - a),
                      o[:, a:b], want_o, tol)
        checker.check("%s %s %s sequence %d final state" % (name, form, dtype, i),
                      s[i:i + 1], want_s, tol)
    return fn, per_token, others, s0, cu_np


def la_build(f, form, cu):
    q, k = f.arg("q", (1, None, H, K)), f.arg("k", (1, None, H, K))
    v, g = f.arg("v", (1, None, H, V)), f.arg("g", (1, None, H))
    s0 = f.arg("s0", (None, H, K, V))
    f.ret(*f.linear_attention(q, k, v, gate=g, initial_state=s0, cu_seqlens=cu, form=form,
                              chunk_size=16 if form == "chunked" else None, return_state=True))


la_tokens = lambda T: (f32(1, T, H, K), f32(1, T, H, K), f32(1, T, H, V),
                       logsig(f32(1, T, H) + 3))
la_ref = lambda seq, others, s0: ref.linear_attention(*seq[:3], gate=seq[3], initial_state=s0)
for form in ("recurrent", "chunked", "quadratic", "auto"):
    la = run("linear_attention", form, la_build, la_tokens, (), (H, K, V), la_ref)[0]
run("linear_attention", "chunked", la_build, la_tokens, (), (H, K, V), la_ref, dtype="i64")


def wkv6_build(f, form, cu):
    r, k, v, w = (f.arg(n, (1, None, H, K)) for n in "rkvw")
    u, s0 = f.arg("u", (H, K)), f.arg("s0", (None, H, K, K))
    f.ret(*f.wkv6(r, k, v, w, u, initial_state=s0, cu_seqlens=cu, form=form,
                  chunk_size=16 if form == "chunked" else None, return_state=True))


for form in ("recurrent", "chunked"):
    run("wkv6", form, wkv6_build,
        lambda T: (f32(1, T, H, K), f32(1, T, H, K), f32(1, T, H, K),
                   logsig(f32(1, T, H, K) + 3)),
        (f32(H, K),), (H, K, K),
        lambda seq, others, s0: ref.wkv6(*seq, others[0], initial_state=s0))


def wkv7_build(f, form, cu):
    r, w, k, v, a, b = (f.arg(n, (1, None, H, K)) for n in "rwkvab")
    s0 = f.arg("s0", (None, H, K, K))
    f.ret(*f.wkv7(r, w, k, v, a, b, initial_state=s0, cu_seqlens=cu, form=form,
                  chunk_size=16 if form == "chunked" else None, return_state=True))


def wkv7_tokens(T):
    kk = f32(1, T, H, K)
    kk /= np.linalg.norm(kk, axis=-1, keepdims=True)
    a = 0.5 * rng.random((1, T, H, 1)).astype(np.float32)
    return (f32(1, T, H, K), logsig(f32(1, T, H, K) + 3), f32(1, T, H, K), f32(1, T, H, K),
            -kk, (kk * a).astype(np.float32))


for form in ("recurrent", "chunked"):
    run("wkv7", form, wkv7_build, wkv7_tokens, (), (H, K, K),
        lambda seq, others, s0: ref.wkv7(*seq, initial_state=s0))


def gd_build(f, form, cu):
    q, k = f.arg("q", (1, None, H, K)), f.arg("k", (1, None, H, K))
    v = f.arg("v", (1, None, H, V))
    beta, g = f.arg("beta", (1, None, H)), f.arg("g", (1, None, H))
    s0 = f.arg("s0", (None, H, K, V))
    f.ret(*f.gated_delta(q, k, v, beta, gate=g, initial_state=s0, use_qk_l2norm=True,
                         cu_seqlens=cu, form=form,
                         chunk_size=16 if form == "chunked" else None, return_state=True))


for form in ("recurrent", "chunked"):
    run("gated_delta", form, gd_build,
        lambda T: (f32(1, T, H, K), f32(1, T, H, K), f32(1, T, H, V),
                   rng.random((1, T, H)).astype(np.float32), logsig(f32(1, T, H) + 3)),
        (), (H, K, V),
        lambda seq, others, s0: ref.gated_delta(*seq[:4], gate=seq[4], initial_state=s0,
                                                use_qk_l2norm=True))

P, G, N = 8, 1, 16


def ssd_build(f, form, cu):
    x, dt = f.arg("x", (1, None, H, P)), f.arg("dt", (1, None, H))
    Bm, Cm = f.arg("Bm", (1, None, G, N)), f.arg("Cm", (1, None, G, N))
    A, s0 = f.arg("A", (H,)), f.arg("s0", (None, H, N, P))
    f.ret(*f.ssd(x, dt, A, Bm, Cm, dt_softplus=True, initial_state=s0, cu_seqlens=cu,
                 form=form, chunk_size=16 if form == "chunked" else None, return_state=True))


for form in ("recurrent", "chunked", "quadratic"):
    run("ssd", form, ssd_build,
        lambda T: (f32(1, T, H, P), f32(1, T, H) - 1, f32(1, T, G, N), f32(1, T, G, N)),
        (-np.exp(f32(H)),), (H, N, P),
        lambda seq, others, s0: ref.ssd(seq[0], seq[1], others[0], seq[2], seq[3],
                                        dt_softplus=True, initial_state=s0, return_state=True))


C = 32


def conv_build(f, form, cu):
    x, weight = f.arg("x", (1, None, C)), f.arg("weight", (C, 4))
    s0 = f.arg("s0", (None, C, 3))
    f.ret(*f.causal_conv1d(x, weight, initial_state=s0, activation="silu", cu_seqlens=cu,
                           return_state=True))


for dtype in ("i32", "i64"):
    run("causal_conv1d", "direct", conv_build, lambda T: (f32(1, T, C),), (f32(C, 4),), (C, 3),
        lambda seq, others, s0: ref.causal_conv1d(seq[0], others[0], initial_state=s0,
                                                  activation="silu"), dtype=dtype)


def wkv4_build(f, form, cu):
    k, v = f.arg("k", (1, None, C)), f.arg("v", (1, None, C))
    w, u = f.arg("w", (C,)), f.arg("u", (C,))
    s0 = f.arg("s0", (None, 3, C))
    f.ret(*f.wkv4(w, u, k, v, initial_state=s0, cu_seqlens=cu, form=form,
                  chunk_size=16 if form == "scan" else None, return_state=True))


def wkv4_s0(n):
    """RWKV-4 states (aa, bb, pp) a sequence could have left: bb > 0."""
    s = f32(n, 3, C)
    s[:, 1] = np.abs(s[:, 1]) + 0.5
    return s


for form in ("recurrent", "scan"):
    run("wkv4", form, wkv4_build, lambda T: (f32(1, T, C), f32(1, T, C)),
        (f32(C), f32(C)), (3, C),
        lambda seq, others, s0: ref.wkv4(others[0], others[1], *seq, initial_state=s0),
        make_state=wkv4_s0)


# -- offsets the entry point rejects ------------------------------------------
def rejects(name, cu, s0, words):
    try:
        la(np.asarray(cu, np.int32), *tokens, s0)
    except ValueError as e:
        checker.check_true(name, all(w in str(e) for w in words), str(e))
        return
    checker.check_true(name, False, "no error")


tokens = la_tokens(200)
s3 = f32(3, H, K, V)
rejects("offsets not from 0", [1, 50, 100, 200], s3, ["cu[0] = 1", "start at 0"])
rejects("decreasing offsets", [0, 120, 100, 200], s3, ["cu[2] = 100", "never decrease"])
rejects("offsets past T", [0, 50, 100, 201], s3, ["cu[3] = 201", "end at T = 200"])
rejects("offsets short of T", [0, 50, 100, 199], s3, ["cu[3] = 199", "end at T = 200"])
rejects("more states than sequences", [0, 100, 200], s3,
        ["s0 has size 3 in dimension 0", "cu holds the offsets of 2 sequences"])
checker.finish()
