# RUN: %python %s
# Ready layers (Mamba-1, Mamba-2, RWKV-6 time mix, linear-attention layer,
# Gated DeltaNet, Kimi Delta Attention): compiled
# output and state against each layer's float64 numpy reference; feeding a
# sequence in pieces (and token by token) equals feeding it at once; weights
# load from .npz.

import os
import tempfile

import numpy as np

import linea
from linea.testing import Checker

rng = np.random.default_rng(3)
checker = Checker()
layers = [
    ("mamba", linea.MambaBlock(linea.MambaBlock.random_weights(rng, d_model=32, d_inner=48,
                                                               d_state=8, dt_rank=3))),
    # Nemotron-H's structure at a small size: 8 heads of 16 in 2 groups.
    ("mamba2", linea.Mamba2Block(linea.Mamba2Block.random_weights(rng, d_model=32, d_inner=128,
                                                                 head_dim=16, n_groups=2,
                                                                 d_state=16),
                                 head_dim=16, n_groups=2)),
    ("rwkv6", linea.RWKV6TimeMix(linea.RWKV6TimeMix.random_weights(rng, d_model=64, n_heads=2,
                                                                   lora=8))),
    ("linear_attention", linea.LinearAttentionLayer(
        linea.LinearAttentionLayer.random_weights(rng, d_model=64, d_ff=128), n_heads=4)),
    # Qwen3-Next's grouping (two value heads per query/key head), K != V.
    ("gated_deltanet", linea.GatedDeltaNet(
        linea.GatedDeltaNet.random_weights(rng, d_model=48, n_heads=2, n_value_heads=4,
                                           head_k=16, head_v=24), n_heads=2, n_value_heads=4)),
    ("kimi_delta_attention", linea.KimiDeltaAttention(
        linea.KimiDeltaAttention.random_weights(rng, d_model=48, n_heads=2, head_k=16,
                                                head_v=16, rank=8), n_heads=2)),
]
for name, layer in layers:
    x = rng.standard_normal((2, 9, layer.d_model)).astype(np.float32)
    y, state = layer(x)
    y_ref, state_ref = layer.reference(x)
    checker.check(name + " output", y, y_ref, 1e-5)
    for k in state:
        checker.check(name + " state " + k, state[k], state_ref[k], 1e-5)
    # 4 + 5 tokens with the state passed on.
    y1, s1 = layer(x[:, :4])
    y2, s2 = layer(x[:, 4:], s1)
    checker.check(name + " in two pieces", np.concatenate([y1, y2], axis=1), y, 1e-5)
    # Token-by-token decoding after a prompt of 6.
    _, s = layer(x[:, :6])
    steps = []
    for t in range(6, 9):
        yt, s = layer(x[:, t:t + 1], s)
        steps.append(yt)
    checker.check(name + " decoding T = 1", np.concatenate(steps, axis=1), y[:, 6:], 1e-5)

# Weights from an .npz file.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "w.npz")
    np.savez(path, **layers[0][1].weights)
    loaded = linea.MambaBlock(path)
    x = rng.standard_normal((1, 5, 32)).astype(np.float32)
    checker.check("npz weights", loaded(x)[0], layers[0][1](x)[0], 0.0)

try:
    linea.MambaBlock({"in_proj": np.zeros((4, 8))})
    checker.check_true("missing weights raise", False)
except KeyError as e:
    checker.check_true("missing weights raise", "missing weights" in str(e), str(e))
try:
    layers[0][1](np.zeros((1, 5, 7), dtype=np.float32))
    checker.check_true("wrong width raises", False)
except ValueError as e:
    checker.check_true("wrong width raises", "x must have shape (B, T, 32)" in str(e), str(e))
try:
    linea.GatedDeltaNet(linea.GatedDeltaNet.random_weights(rng, n_heads=2, n_value_heads=4),
                        n_heads=3, n_value_heads=4)
    checker.check_true("delta-rule weights that do not fit the heads raise", False)
except linea.ShapeError as e:
    checker.check_true("delta-rule weights that do not fit the heads raise",
                       "weights do not fit" in str(e), str(e))
checker.finish()
