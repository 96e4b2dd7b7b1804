//===- baseline.cpp - Plain C++ loops for the benchmark baseline ----------===//
//
// The straightforward implementation a user would write by hand: the
// recurrences of DESIGN.md, token by token, the independent slices on OpenMP
// threads, libm exp. Compiled by benchmarks/run.py with clang++ -O3
// -march=native, and measured in the same run as Linea's kernels.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

// A slice's state from `s0` at `offset` (zeros without one), and written
// back to `sT` (where there is one): the baselines read a state in and write
// the final state out, as a layer in a model calls them.
static std::vector<float> initialState(const float *s0, int64_t offset,
                                       int64_t n) {
  return s0 ? std::vector<float>(s0 + offset, s0 + offset + n)
            : std::vector<float>(n, 0.0f);
}

static void finalState(const std::vector<float> &s, float *sT, int64_t offset) {
  if (sT)
    std::copy(s.begin(), s.end(), sT + offset);
}

extern "C" {

// Gated linear attention: per-key log-gate g [B,T,H,K], q,k [B,T,H,K],
// v [B,T,H,V]; o_t = scale * q_t S_t, S_t = diag(exp g_t) S_{t-1} + k_t v_t^T.
void gla_baseline(const float *q, const float *k, const float *v,
                  const float *g, const float *s0, float *o, float *sT,
                  int64_t B, int64_t T, int64_t H, int64_t K, int64_t V,
                  float scale) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<float> S = initialState(s0, (b * H + h) * K * V, K * V);
      for (int64_t t = 0; t < T; ++t) {
        const float *qt = q + ((b * T + t) * H + h) * K;
        const float *kt = k + ((b * T + t) * H + h) * K;
        const float *gt = g + ((b * T + t) * H + h) * K;
        const float *vt = v + ((b * T + t) * H + h) * V;
        float *ot = o + ((b * T + t) * H + h) * V;
        for (int64_t j = 0; j < V; ++j)
          ot[j] = 0.0f;
        for (int64_t i = 0; i < K; ++i) {
          float d = std::exp(gt[i]), qi = scale * qt[i];
          for (int64_t j = 0; j < V; ++j) {
            float s = d * S[i * V + j] + kt[i] * vt[j];
            S[i * V + j] = s;
            ot[j] += qi * s;
          }
        }
      }
      finalState(S, sT, (b * H + h) * K * V);
    }
}

// RWKV-6: o_t = sum_i r_i (S_{t-1} + u k v^T)[i, :], S_t = exp(w) S + k v^T.
void wkv6_baseline(const float *r, const float *k, const float *v,
                   const float *w, const float *u, const float *s0, float *o,
                   float *sT, int64_t B, int64_t T, int64_t H, int64_t S) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<float> St = initialState(s0, (b * H + h) * S * S, S * S);
      for (int64_t t = 0; t < T; ++t) {
        int64_t base = ((b * T + t) * H + h) * S;
        float *ot = o + base;
        for (int64_t j = 0; j < S; ++j)
          ot[j] = 0.0f;
        for (int64_t i = 0; i < S; ++i) {
          float ri = r[base + i], ki = k[base + i], d = std::exp(w[base + i]);
          float ru = ri * u[h * S + i] * ki;
          for (int64_t j = 0; j < S; ++j) {
            float kv = ki * v[base + j];
            float s = St[i * S + j];
            ot[j] += ri * s + ru * v[base + j];
            St[i * S + j] = d * s + kv;
          }
        }
      }
      finalState(St, sT, (b * H + h) * S * S);
    }
}

// RWKV-7 (key-major): S_t = (diag(exp w) + b a^T) S + k v^T, o_t = r^T S_t.
void wkv7_baseline(const float *r, const float *w, const float *k,
                   const float *v, const float *a, const float *bb,
                   const float *s0, float *o, float *sT, int64_t B, int64_t T,
                   int64_t H, int64_t S) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<float> St = initialState(s0, (b * H + h) * S * S, S * S);
      std::vector<float> sa(S);
      for (int64_t t = 0; t < T; ++t) {
        int64_t base = ((b * T + t) * H + h) * S;
        float *ot = o + base;
        for (int64_t j = 0; j < S; ++j) {
          sa[j] = 0.0f;
          ot[j] = 0.0f;
        }
        for (int64_t i = 0; i < S; ++i)
          for (int64_t j = 0; j < S; ++j)
            sa[j] += a[base + i] * St[i * S + j];
        for (int64_t i = 0; i < S; ++i) {
          float d = std::exp(w[base + i]), ki = k[base + i], bi = bb[base + i];
          float ri = r[base + i];
          for (int64_t j = 0; j < S; ++j) {
            float s = d * St[i * S + j] + bi * sa[j] + ki * v[base + j];
            St[i * S + j] = s;
            ot[j] += ri * s;
          }
        }
      }
      finalState(St, sT, (b * H + h) * S * S);
    }
}

// The gated delta rule with one gate per value head and the L2 norm of q
// and k: S <- (I - beta k k^T) exp(g) S + beta k v^T, o = scale q^T S, for
// q, k [B, T, H, K], v [B, T, HV, V], beta, g [B, T, HV].
void gated_delta_baseline(const float *q, const float *k, const float *v,
                          const float *beta, const float *g, float *o,
                          int64_t B, int64_t T, int64_t H, int64_t HV,
                          int64_t K, int64_t V, float scale) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t hv = 0; hv < HV; ++hv) {
      int64_t h = hv / (HV / H);
      std::vector<float> St(K * V, 0.0f), kS(V), qh(K), kh(K);
      for (int64_t t = 0; t < T; ++t) {
        const float *qt = q + ((b * T + t) * H + h) * K;
        const float *kt = k + ((b * T + t) * H + h) * K;
        const float *vt = v + ((b * T + t) * HV + hv) * V;
        float bt = beta[(b * T + t) * HV + hv];
        float d = std::exp(g[(b * T + t) * HV + hv]);
        float qq = 0.0f, kk = 0.0f;
        for (int64_t i = 0; i < K; ++i) {
          qq += qt[i] * qt[i];
          kk += kt[i] * kt[i];
        }
        float qn = scale / std::sqrt(qq + 1e-6f), kn = 1.0f / std::sqrt(kk + 1e-6f);
        for (int64_t i = 0; i < K; ++i) {
          qh[i] = qt[i] * qn;
          kh[i] = kt[i] * kn;
        }
        // k^T (D S), then the rank-one update and the read-out in one pass.
        for (int64_t j = 0; j < V; ++j)
          kS[j] = 0.0f;
        for (int64_t i = 0; i < K; ++i)
          for (int64_t j = 0; j < V; ++j)
            kS[j] += kh[i] * d * St[i * V + j];
        float *ot = o + ((b * T + t) * HV + hv) * V;
        for (int64_t j = 0; j < V; ++j)
          ot[j] = 0.0f;
        for (int64_t i = 0; i < K; ++i) {
          float bk = bt * kh[i];
          for (int64_t j = 0; j < V; ++j) {
            float s = d * St[i * V + j] + bk * (vt[j] - kS[j]);
            St[i * V + j] = s;
            ot[j] += qh[i] * s;
          }
        }
      }
    }
}

// Mamba-2's SSD with dt = softplus(dt + dt_bias), D per head and the z
// gate: h <- exp(dt A) h + B (dt x)^T (N x P per head), y = C^T h + D x,
// y *= silu(z), for x, z [B, T, H, P], dt [B, T, H], Bm, Cm [B, T, G, N];
// state [B, H, N, P] in and out.
void ssd_baseline(const float *x, const float *dt, const float *A,
                  const float *Bm, const float *Cm, const float *D,
                  const float *z, const float *dtBias, float *state, float *y,
                  int64_t B, int64_t T, int64_t H, int64_t P, int64_t G,
                  int64_t N) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      int64_t g = h / (H / G);
      float *S = state + (b * H + h) * N * P;
      for (int64_t t = 0; t < T; ++t) {
        float d = dt[(b * T + t) * H + h] + dtBias[h];
        d = d > 20.0f ? d : std::log1p(std::exp(d));
        float decay = std::exp(d * A[h]);
        const float *xt = x + ((b * T + t) * H + h) * P;
        const float *bt = Bm + ((b * T + t) * G + g) * N;
        const float *ct = Cm + ((b * T + t) * G + g) * N;
        const float *zt = z + ((b * T + t) * H + h) * P;
        float *yt = y + ((b * T + t) * H + h) * P;
        for (int64_t p = 0; p < P; ++p)
          yt[p] = D[h] * xt[p];
        for (int64_t n = 0; n < N; ++n) {
          float bn = bt[n] * d, cn = ct[n];
          for (int64_t p = 0; p < P; ++p) {
            float s = decay * S[n * P + p] + bn * xt[p];
            S[n * P + p] = s;
            yt[p] += cn * s;
          }
        }
        for (int64_t p = 0; p < P; ++p)
          yt[p] *= zt[p] / (1.0f + std::exp(-zt[p]));
      }
    }
}

// Reads `n` floats and writes them elsewhere, on the OpenMP threads: the
// floor of a decode step, which must read its state and write the next one.
void copy_floats(const float *from, float *to, int64_t n) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    to[i] = from[i];
}

// Mamba-1 selective scan with D, z and softplus(delta + bias).
void selective_scan_baseline(const float *u, const float *delta, const float *A,
                             const float *Bm, const float *Cm,
                             const float *Dskip, const float *z,
                             const float *bias, const float *s0, float *y,
                             float *sT, int64_t B, int64_t D, int64_t L,
                             int64_t G, int64_t N) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t d = 0; d < D; ++d) {
      int64_t g = d / (D / G);
      std::vector<float> x = initialState(s0, (b * D + d) * N, N);
      for (int64_t t = 0; t < L; ++t) {
        float dt = delta[(b * D + d) * L + t] + bias[d];
        dt = dt > 20.0f ? dt : std::log1p(std::exp(dt));
        float ut = u[(b * D + d) * L + t], acc = 0.0f;
        for (int64_t n = 0; n < N; ++n) {
          int64_t bn = ((b * G + g) * N + n) * L + t;
          x[n] = std::exp(dt * A[d * N + n]) * x[n] + dt * Bm[bn] * ut;
          acc += Cm[bn] * x[n];
        }
        float zt = z[(b * D + d) * L + t];
        y[(b * D + d) * L + t] =
            (acc + Dskip[d] * ut) * (zt / (1.0f + std::exp(-zt)));
      }
      finalState(x, sT, (b * D + d) * N);
    }
}
}

// The machine's single-core FP32 FMA peak, measured: 12 independent chains
// of 16-lane FMAs. With AVX-512 they are written as 512-bit intrinsics:
// -march=native on recent Intel cores prefers 256-bit vectors and would
// split generic 64-byte vectors into two ymm FMAs, measuring half the peak
// of the zmm code the compiled kernels run.
#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 vec16;
static inline vec16 fmaPeakStep(vec16 acc, vec16 m, vec16 a) {
  return _mm512_fmadd_ps(acc, m, a);
}
static inline vec16 splat16(float x) { return _mm512_set1_ps(x); }
static inline float lane(vec16 v, int i) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  return lanes[i];
}
#else
typedef float vec16 __attribute__((vector_size(64)));
static inline vec16 fmaPeakStep(vec16 acc, vec16 m, vec16 a) {
  return acc * m + a;
}
static inline vec16 splat16(float x) {
  vec16 v;
  for (int i = 0; i < 16; ++i)
    v[i] = x;
  return v;
}
static inline float lane(vec16 v, int i) { return v[i]; }
#endif

extern "C" double fma_peak_flops_per_iteration() { return 12.0 * 16 * 2; }

extern "C" float fma_peak_kernel(int64_t iterations) {
  vec16 acc[12];
  vec16 m = splat16(0.999999f), a = splat16(1e-7f);
  for (int c = 0; c < 12; ++c)
    acc[c] = splat16(static_cast<float>(c));
  for (int64_t it = 0; it < iterations; ++it)
    for (int c = 0; c < 12; ++c)
      acc[c] = fmaPeakStep(acc[c], m, a);
  float sum = 0.0f;
  for (int c = 0; c < 12; ++c)
    for (int i = 0; i < 16; ++i)
      sum += lane(acc[c], i);
  return sum;
}
