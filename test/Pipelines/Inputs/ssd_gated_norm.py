"""Prints a Mamba-2 mixer's core as the builder writes it: linea.ssd, then
the gated RMSNorm over two groups of channels."""

from linea.builder import Function

B, T, H, P, G, N = 1, 32, 4, 16, 2, 16
f = Function("mixer")
x, dt, A = f.arg("x", (B, T, H, P)), f.arg("dt", (B, T, H)), f.arg("A", (H,))
bm, cm = f.arg("bm", (B, T, G, N)), f.arg("cm", (B, T, G, N))
z, w = f.arg("z", (B, T, H * P)), f.arg("w", (H * P,))
y = f.ssd(x, dt, A, bm, cm, dt_softplus=True)
f.ret(f.gated_rms_norm(f.reshape(y, (B, T, H * P)), z, w, group_size=H * P // G))
print(f.text())
