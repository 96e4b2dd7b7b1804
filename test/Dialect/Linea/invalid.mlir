// RUN: linea-opt %s -split-input-file -verify-diagnostics

// One case per numbered constraint (C1, C2, ...) of each op, named after it.

func.func @linear_attention_C1(%q: tensor<1x8x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C1: 'q' must have shape [B, T, Hk, K] = [?, ?, ?, ?], got tensor<1x8x4xf32>}}
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C2(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x5xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C2: 'k' must have shape [B, T, Hk, K] = [1, 8, 2, 4], got tensor<1x8x2x5xf32>}}
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x2x4xf32>, tensor<1x8x2x5xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C3_shape(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x7x2x4xf32>) {
  // expected-error @+1 {{C3: 'v' must have shape [B, T, H, V] = [1, 8, ?, ?], got tensor<1x7x2x4xf32>}}
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x7x2x4xf32>
  return
}

// -----

func.func @linear_attention_C3_groups(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x3x4xf32>) {
  // expected-error @+1 {{C3: 'v' needs H (3) divisible by Hk (2)}}
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x3x4xf32>
  return
}

// -----

func.func @linear_attention_C4(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %g: tensor<1x8x3xf32>) {
  // expected-error @+1 {{C4: 'gate' must have shape [B, T, H] = [1, 8, 2], got tensor<1x8x3xf32>}}
  %o = linea.linear_attention %q, %k, %v gate(%g : tensor<1x8x3xf32>) {causal} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C4_per_key(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %g: tensor<1x8x2x3xf32>) {
  // expected-error @+1 {{C4: 'gate' must have shape [B, T, H, K] = [1, 8, 2, 4], got tensor<1x8x2x3xf32>}}
  %o = linea.linear_attention %q, %k, %v gate(%g : tensor<1x8x2x3xf32>) {causal} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C5_shape(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %s: tensor<1x2x4x5xf32>) {
  // expected-error @+1 {{C5: 'initial_state' must have shape [B, H, K, V] = [1, 2, 4, 4], got tensor<1x2x4x5xf32>}}
  %o = linea.linear_attention %q, %k, %v initial_state(%s : tensor<1x2x4x5xf32>) {causal} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C5_type(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %s: tensor<1x2x4x4xf16>) {
  // expected-error @+1 {{C5: 'initial_state' must have element type f32, got f16}}
  %o = linea.linear_attention %q, %k, %v initial_state(%s : tensor<1x2x4x4xf16>) {causal} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C6_mixed(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xbf16>) {
  // expected-error @+1 {{C6: 'v' must have the element type of 'q' (f32), got bf16}}
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xbf16>
  return
}

// -----

func.func @linear_attention_C6_type(%q: tensor<1x8x2x4xf64>, %k: tensor<1x8x2x4xf64>, %v: tensor<1x8x2x4xf64>) {
  // expected-error @+1 {{C6: 'q' must have element type f32, f16 or bf16, got f64}}
  %o = linea.linear_attention %q, %k, %v : tensor<1x8x2x4xf64>, tensor<1x8x2x4xf64>, tensor<1x8x2x4xf64>
  return
}

// -----

func.func @linear_attention_C7_gate(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %g: tensor<1x8x2xf32>) {
  // expected-error @+1 {{C7: 'gate' requires 'causal'}}
  %o = linea.linear_attention %q, %k, %v gate(%g : tensor<1x8x2xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C7_decay(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C7: 'decay' requires 'causal'}}
  %o = linea.linear_attention %q, %k, %v {decay = array<f32: -0.5, -0.5>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C8_initial(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %s: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{C8: 'normalize' excludes 'initial_state'}}
  %o = linea.linear_attention %q, %k, %v initial_state(%s : tensor<1x2x4x4xf32>) {causal, normalize} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C8_final(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C8: 'normalize' excludes 'with_final_state'}}
  %o, %s = linea.linear_attention %q, %k, %v final_state {causal, normalize} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C9_size(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C9: 'decay' must have H = 2 entries, got 3}}
  %o = linea.linear_attention %q, %k, %v {causal, decay = array<f32: -0.5, -0.5, -0.5>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C9_finite(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C9: 'decay' entries must be finite}}
  %o = linea.linear_attention %q, %k, %v {causal, decay = array<f32: -0.5, 0x7F800000>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C10(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C10: 'scale' must be finite and positive}}
  %o = linea.linear_attention %q, %k, %v {scale = -1.0 : f32} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C11(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C11: 'form' must be one of auto, quadratic, chunked, recurrent, got scan}}
  %o = linea.linear_attention %q, %k, %v {form = #linea.form<scan>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C12_positive(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C12: 'chunk_size' must be positive, got 0}}
  %o = linea.linear_attention %q, %k, %v {form = #linea.form<chunked>, chunk_size = 0 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C12_form(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C12: 'chunk_size' goes with form auto, chunked or scan, got recurrent}}
  %o = linea.linear_attention %q, %k, %v {form = #linea.form<recurrent>, chunk_size = 16 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @selective_scan_C1(%u: tensor<8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C1: 'u' must have shape [B, D, L] = [?, ?, ?], got tensor<8x16xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C2(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x15xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C2: 'delta' must have shape [B, D, L] = [1, 8, 16], got tensor<1x8x15xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x8x16xf32>, tensor<1x8x15xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C3_shape(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<7x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C3: 'A' must have shape [D, N] = [8, ?], got tensor<7x4xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<7x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C3_type(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf16>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C3: 'A' must have element type f32, got f16}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf16>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C4_shape(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x5x16xf32>) {
  // expected-error @+1 {{C4: 'Cm' must have shape [B, G, N, L] = [1, 2, 4, 16], got tensor<1x2x5x16xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x5x16xf32>
  return
}

// -----

func.func @selective_scan_C4_groups(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x3x4x16xf32>, %C: tensor<1x3x4x16xf32>) {
  // expected-error @+1 {{C4: 'Bm' needs D (8) divisible by G (3)}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>
  return
}

// -----

func.func @selective_scan_C5_D_skip(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>, %D: tensor<4xf32>) {
  // expected-error @+1 {{C5: 'D_skip' must have shape [D] = [8], got tensor<4xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C D_skip(%D : tensor<4xf32>) : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C5_delta_bias(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>, %db: tensor<8xbf16>) {
  // expected-error @+1 {{C5: 'delta_bias' must have element type f32, got bf16}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C delta_bias(%db : tensor<8xbf16>) : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C6(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>, %z: tensor<1x8x17xf32>) {
  // expected-error @+1 {{C6: 'z' must have shape [B, D, L] = [1, 8, 16], got tensor<1x8x17xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C z(%z : tensor<1x8x17xf32>) : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C7_shape(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>, %s: tensor<1x8x5xf32>) {
  // expected-error @+1 {{C7: 'initial_state' must have shape [B, D, N] = [1, 8, 4], got tensor<1x8x5xf32>}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C initial_state(%s : tensor<1x8x5xf32>) : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C7_type(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>, %s: tensor<1x8x4xbf16>) {
  // expected-error @+1 {{C7: 'initial_state' must have element type f32, got bf16}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C initial_state(%s : tensor<1x8x4xbf16>) : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C8(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>, %z: tensor<1x8x16xf16>) {
  // expected-error @+1 {{C8: 'z' must have the element type of 'u' (f32), got f16}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C z(%z : tensor<1x8x16xf16>) : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C9(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C9: 'form' must be one of auto, recurrent, scan, got quadratic}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C {form = #linea.form<quadratic>} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C9_chunked(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // No target lowers a chunked selective scan: the verifier says so.
  // expected-error @+1 {{C9: 'form' must be one of auto, recurrent, scan, got chunked}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C {form = #linea.form<chunked>} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C10(%u: tensor<1x8x16xf32>, %dt: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x2x4x16xf32>, %C: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C10: 'chunk_size' must be positive, got -4}}
  %y = linea.selective_scan %u, %dt, %A, %B, %C {form = #linea.form<scan>, chunk_size = -4 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @wkv4_C1(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<8x16xf32>, %v: tensor<1x8x16xf32>) {
  // expected-error @+1 {{C1: 'k' must have shape [B, T, C] = [?, ?, ?], got tensor<8x16xf32>}}
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<1x8x16xf32>
  return
}

// -----

func.func @wkv4_C2(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x15xf32>) {
  // expected-error @+1 {{C2: 'v' must have shape [B, T, C] = [1, 8, 16], got tensor<1x8x15xf32>}}
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x15xf32>
  return
}

// -----

func.func @wkv4_C3_shape(%w: tensor<15xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) {
  // expected-error @+1 {{C3: 'w' must have shape [C] = [16], got tensor<15xf32>}}
  %y = linea.wkv4 %w, %u, %k, %v : tensor<15xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return
}

// -----

func.func @wkv4_C3_type(%w: tensor<16xf32>, %u: tensor<16xf16>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) {
  // expected-error @+1 {{C3: 'u' must have element type f32, got f16}}
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf16>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return
}

// -----

func.func @wkv4_C4(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>, %s: tensor<1x2x16xf32>) {
  // expected-error @+1 {{C4: 'initial_state' must have shape [B, 3, C] = [1, 3, 16], got tensor<1x2x16xf32>}}
  %y = linea.wkv4 %w, %u, %k, %v initial_state(%s : tensor<1x2x16xf32>) : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return
}

// -----

func.func @wkv4_C5(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xbf16>) {
  // expected-error @+1 {{C5: 'v' must have the element type of 'k' (f32), got bf16}}
  %y = linea.wkv4 %w, %u, %k, %v : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xbf16>
  return
}

// -----

func.func @wkv4_C6(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) {
  // expected-error @+1 {{C6: 'form' must be one of auto, recurrent, scan, got chunked}}
  %y = linea.wkv4 %w, %u, %k, %v {form = #linea.form<chunked>} : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return
}

// -----

func.func @wkv4_C7(%w: tensor<16xf32>, %u: tensor<16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x8x16xf32>) {
  // expected-error @+1 {{C7: 'chunk_size' goes with form auto, chunked or scan, got recurrent}}
  %y = linea.wkv4 %w, %u, %k, %v {form = #linea.form<recurrent>, chunk_size = 8 : i64} : tensor<16xf32>, tensor<16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
  return
}

// -----

func.func @wkv6_C1(%r: tensor<8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{C1: 'r' must have shape [B, T, H, S] = [?, ?, ?, ?], got tensor<8x2x4xf32>}}
  %o = linea.wkv6 %r, %k, %v, %w, %u : tensor<8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv6_C2(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x3xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{C2: 'w' must have shape [B, T, H, S] = [1, 8, 2, 4], got tensor<1x8x2x3xf32>}}
  %o = linea.wkv6 %r, %k, %v, %w, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x3xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv6_C3_shape(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<4x2xf32>) {
  // expected-error @+1 {{C3: 'u' must have shape [H, S] = [2, 4], got tensor<4x2xf32>}}
  %o = linea.wkv6 %r, %k, %v, %w, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @wkv6_C3_type(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xbf16>) {
  // expected-error @+1 {{C3: 'u' must have element type f32, got bf16}}
  %o = linea.wkv6 %r, %k, %v, %w, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xbf16>
  return
}

// -----

func.func @wkv6_C4(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>, %s: tensor<1x2x4x3xf32>) {
  // expected-error @+1 {{C4: 'initial_state' must have shape [B, H, S, S] = [1, 2, 4, 4], got tensor<1x2x4x3xf32>}}
  %o = linea.wkv6 %r, %k, %v, %w, %u initial_state(%s : tensor<1x2x4x3xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv6_C5(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf16>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{C5: 'w' must have the element type of 'r' (f32), got f16}}
  %o = linea.wkv6 %r, %k, %v, %w, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf16>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv6_C6(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{C6: 'scale' must be finite}}
  %o = linea.wkv6 %r, %k, %v, %w, %u {scale = 0x7FC00000 : f32} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv6_C7(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{C7: 'form' must be one of auto, chunked, recurrent, got quadratic}}
  %o = linea.wkv6 %r, %k, %v, %w, %u {form = #linea.form<quadratic>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv6_C8(%r: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{C8: 'chunk_size' must be positive, got 0}}
  %o = linea.wkv6 %r, %k, %v, %w, %u {chunk_size = 0 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv7_C1(%r: tensor<1x8x2xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xf32>, %b: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C1: 'r' must have shape [B, T, Hk, S] = [?, ?, ?, ?], got tensor<1x8x2xf32>}}
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b : tensor<1x8x2xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @wkv7_C2(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xf32>, %b: tensor<1x8x1x4xf32>) {
  // expected-error @+1 {{C2: 'b' must have shape [B, T, H, S] = [1, 8, 2, 4], got tensor<1x8x1x4xf32>}}
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x1x4xf32>
  return
}

// -----

func.func @wkv7_C3(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xf32>, %b: tensor<1x8x2x4xf32>, %s: tensor<1x2x4x4xf16>) {
  // expected-error @+1 {{C3: 'initial_state' must have element type f32, got f16}}
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b initial_state(%s : tensor<1x2x4x4xf16>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @wkv7_C4(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xbf16>, %b: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C4: 'a' must have the element type of 'r' (f32), got bf16}}
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xbf16>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @wkv7_C5(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xf32>, %b: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C5: 'form' must be one of auto, chunked, recurrent, got scan}}
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b {form = #linea.form<scan>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @wkv7_C6(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x4xf32>, %a: tensor<1x8x2x4xf32>, %b: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C6: 'chunk_size' goes with form auto, chunked or scan, got recurrent}}
  %o = linea.wkv7 %r, %w, %k, %v, %a, %b {form = #linea.form<recurrent>, chunk_size = 8 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

// Head dimensions are positive (C13 of linear_attention, C11 of
// selective_scan, C8 of wkv4, C9 of wkv6, C7 of wkv7); batch and sequence
// dimensions may be 0.

func.func @linear_attention_C13_K(%q: tensor<1x8x2x0xf32>, %v: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C13: 'q' has K = 0, but Hk, K must be positive (only batch and sequence dimensions may be 0)}}
  %o = linea.linear_attention %q, %q, %v : tensor<1x8x2x0xf32>, tensor<1x8x2x0xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @linear_attention_C13_H(%q: tensor<1x8x0x4xf32>, %v: tensor<1x8x0x4xf32>) {
  // expected-error @+1 {{C13: 'q' has Hk = 0, but Hk, K must be positive}}
  %o = linea.linear_attention %q, %q, %v : tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>
  return
}

// -----

func.func @linear_attention_C13_V(%q: tensor<1x8x2x4xf32>, %v: tensor<1x8x2x0xf32>) {
  // expected-error @+1 {{C13: 'v' has V = 0, but H, V must be positive}}
  %o = linea.linear_attention %q, %q, %v : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x0xf32>
  return
}

// -----

func.func @selective_scan_C11_N(%u: tensor<1x8x16xf32>, %A: tensor<8x0xf32>, %B: tensor<1x2x0x16xf32>) {
  // expected-error @+1 {{C11: 'A' has N = 0, but D, N must be positive}}
  %y = linea.selective_scan %u, %u, %A, %B, %B : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x0xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>
  return
}

// -----

func.func @selective_scan_C11_D(%u: tensor<1x0x16xf32>, %A: tensor<0x4xf32>, %B: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{C11: 'u' has D = 0, but D must be positive}}
  %y = linea.selective_scan %u, %u, %A, %B, %B : tensor<1x0x16xf32>, tensor<1x0x16xf32>, tensor<0x4xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
  return
}

// -----

func.func @selective_scan_C11_G(%u: tensor<1x8x16xf32>, %A: tensor<8x4xf32>, %B: tensor<1x0x4x16xf32>) {
  // expected-error @+1 {{C11: 'Bm' has G = 0, but G must be positive}}
  %y = linea.selective_scan %u, %u, %A, %B, %B : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<8x4xf32>, tensor<1x0x4x16xf32>, tensor<1x0x4x16xf32>
  return
}

// -----

func.func @wkv4_C8(%w: tensor<0xf32>, %k: tensor<1x8x0xf32>) {
  // expected-error @+1 {{C8: 'k' has C = 0, but C must be positive}}
  %y = linea.wkv4 %w, %w, %k, %k : tensor<0xf32>, tensor<0xf32>, tensor<1x8x0xf32>, tensor<1x8x0xf32>
  return
}

// -----

func.func @wkv6_C9(%r: tensor<1x8x2x0xf32>, %u: tensor<2x0xf32>) {
  // expected-error @+1 {{C9: 'r' has S = 0, but H, S must be positive}}
  %o = linea.wkv6 %r, %r, %r, %r, %u : tensor<1x8x2x0xf32>, tensor<1x8x2x0xf32>, tensor<1x8x2x0xf32>, tensor<1x8x2x0xf32>, tensor<2x0xf32>
  return
}

// -----

func.func @wkv7_C7(%r: tensor<1x8x0x4xf32>) {
  // expected-error @+1 {{C7: 'r' has Hk = 0, but Hk, S must be positive}}
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r : tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>, tensor<1x8x0x4xf32>
  return
}

// -----

func.func @gated_delta_C1(%q: tensor<1x8x2xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>) {
  // expected-error @+1 {{C1: 'q' must have shape [B, T, H, K] = [?, ?, ?, ?], got tensor<1x8x2xf32>}}
  %o = linea.gated_delta %q, %k, %v, %beta : tensor<1x8x2xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C2(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x5xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>) {
  // expected-error @+1 {{C2: 'k' must have shape [B, T, H, K] = [1, 8, 2, 4], got tensor<1x8x2x5xf32>}}
  %o = linea.gated_delta %q, %k, %v, %beta : tensor<1x8x2x4xf32>, tensor<1x8x2x5xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C3(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x3x6xf32>, %beta: tensor<1x8x3xf32>) {
  // expected-error @+1 {{C3: 'v' needs HV (3) divisible by H (2)}}
  %o = linea.gated_delta %q, %k, %v, %beta : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x3x6xf32>, tensor<1x8x3xf32>
  return
}

// -----

func.func @gated_delta_C4(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x2xf32>) {
  // expected-error @+1 {{C4: 'beta' must have shape [B, T, HV] = [1, 8, 4], got tensor<1x8x2xf32>}}
  %o = linea.gated_delta %q, %k, %v, %beta : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x2xf32>
  return
}

// -----

func.func @gated_delta_C5(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>, %g: tensor<1x8x4x5xf32>) {
  // expected-error @+1 {{C5: 'gate' must have shape [B, T, HV, K] = [1, 8, 4, 4], got tensor<1x8x4x5xf32>}}
  %o = linea.gated_delta %q, %k, %v, %beta gate(%g : tensor<1x8x4x5xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C6_alone(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>, %g: tensor<1x8x4xf32>, %a: tensor<4xf32>) {
  // expected-error @+1 {{C6: 'A_log' and 'dt_bias' come together}}
  %o = linea.gated_delta %q, %k, %v, %beta gate(%g : tensor<1x8x4xf32>) A_log(%a : tensor<4xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C6_gate(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>, %a: tensor<4xf32>, %d: tensor<4xf32>) {
  // expected-error @+1 {{C6: 'A_log' and 'dt_bias' need 'gate'}}
  %o = linea.gated_delta %q, %k, %v, %beta A_log(%a : tensor<4xf32>) dt_bias(%d : tensor<4xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C6_bias(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>, %g: tensor<1x8x4xf32>, %a: tensor<4xf32>, %d: tensor<4x4xf32>) {
  // expected-error @+1 {{C6: 'dt_bias' must have shape [HV] = [4], got tensor<4x4xf32>}}
  %o = linea.gated_delta %q, %k, %v, %beta gate(%g : tensor<1x8x4xf32>) A_log(%a : tensor<4xf32>) dt_bias(%d : tensor<4x4xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C6_f32(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>, %g: tensor<1x8x4xf32>, %a: tensor<4xbf16>, %d: tensor<4xf32>) {
  // expected-error @+1 {{C6: 'A_log' must have element type f32, got bf16}}
  %o = linea.gated_delta %q, %k, %v, %beta gate(%g : tensor<1x8x4xf32>) A_log(%a : tensor<4xbf16>) dt_bias(%d : tensor<4xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C7(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>, %s: tensor<1x4x4x6xf16>) {
  // expected-error @+1 {{C7: 'initial_state' must have element type f32, got f16}}
  %o = linea.gated_delta %q, %k, %v, %beta initial_state(%s : tensor<1x4x4x6xf16>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C8(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xbf16>) {
  // expected-error @+1 {{C8: 'beta' must have the element type of 'q' (f32), got bf16}}
  %o = linea.gated_delta %q, %k, %v, %beta : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xbf16>
  return
}

// -----

func.func @gated_delta_C9(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>) {
  // expected-error @+1 {{C9: 'scale' must be finite and positive, got -1.000000}}
  %o = linea.gated_delta %q, %k, %v, %beta {scale = -1.0 : f32} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C10(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>) {
  // expected-error @+1 {{C10: 'form' must be one of auto, chunked, recurrent, got scan}}
  %o = linea.gated_delta %q, %k, %v, %beta {form = #linea.form<scan>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C11(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>) {
  // expected-error @+1 {{C11: 'chunk_size' goes with form auto, chunked or scan, got recurrent}}
  %o = linea.gated_delta %q, %k, %v, %beta {form = #linea.form<recurrent>, chunk_size = 8 : i64} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @gated_delta_C12(%q: tensor<1x8x2x0xf32>, %k: tensor<1x8x2x0xf32>, %v: tensor<1x8x4x6xf32>, %beta: tensor<1x8x4xf32>) {
  // expected-error @+1 {{C12: 'q' has K = 0, but H, K must be positive (only batch and sequence dimensions may be 0)}}
  %o = linea.gated_delta %q, %k, %v, %beta : tensor<1x8x2x0xf32>, tensor<1x8x2x0xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4xf32>
  return
}

// -----

func.func @ssd_C1(%x: tensor<1x8x4xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C1: 'x' must have shape [B, T, H, P] = [?, ?, ?, ?], got tensor<1x8x4xf32>}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C2(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x3xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C2: 'dt' must have shape [B, T, H] = [1, 8, 4], got tensor<1x8x3xf32>}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm : tensor<1x8x4x6xf32>, tensor<1x8x3xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C3(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xbf16>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C3: 'A' must have element type f32, got bf16}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xbf16>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C4(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x3x16xf32>, %cm: tensor<1x8x3x16xf32>) {
  // expected-error @+1 {{C4: 'Bm' needs H (4) divisible by G (3)}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x3x16xf32>, tensor<1x8x3x16xf32>
  return
}

// -----

func.func @ssd_C5(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>, %d: tensor<4x5xf32>) {
  // expected-error @+1 {{C5: 'D' must have shape [H, P] = [4, 6], got tensor<4x5xf32>}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm D(%d : tensor<4x5xf32>) : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C6(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>, %z: tensor<1x8x4x5xf32>) {
  // expected-error @+1 {{C6: 'z' must have shape [B, T, H, P] = [1, 8, 4, 6], got tensor<1x8x4x5xf32>}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm z(%z : tensor<1x8x4x5xf32>) : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C7(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>, %dtb: tensor<8xf32>) {
  // expected-error @+1 {{C7: 'dt_bias' must have shape [H] = [4], got tensor<8xf32>}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm dt_bias(%dtb : tensor<8xf32>) : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C8(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>, %s0: tensor<1x4x6x16xf32>) {
  // expected-error @+1 {{C8: 'initial_state' must have shape [B, H, N, P] = [1, 4, 16, 6], got tensor<1x4x6x16xf32>}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm initial_state(%s0 : tensor<1x4x6x16xf32>) : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C9(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xbf16>) {
  // expected-error @+1 {{C9: 'Cm' must have the element type of 'x' (f32), got bf16}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xbf16>
  return
}

// -----

func.func @ssd_C10(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C10: 'dt_limit' must be [lo, hi] with lo <= hi, got [1.000000, 0.500000]}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm {dt_limit = array<f32: 1.0, 0.5>} : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C11(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C11: 'form' must be one of auto, quadratic, chunked, recurrent, got scan}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm {form = #linea.form<scan>} : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C12(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C12: 'chunk_size' goes with form auto, chunked or scan, got quadratic}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm {form = #linea.form<quadratic>, chunk_size = 8 : i64} : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C13(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x0xf32>, %cm: tensor<1x8x2x0xf32>) {
  // expected-error @+1 {{C13: 'Bm' has N = 0, but G, N must be positive (only batch and sequence dimensions may be 0)}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x0xf32>, tensor<1x8x2x0xf32>
  return
}

// -----

func.func @ssd_C10_entries(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{C10: 'dt_limit' must have 2 entries [lo, hi], got 1}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm {dt_limit = array<f32: 1.0>} : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @ssd_C5_type(%x: tensor<1x8x4x6xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>, %bm: tensor<1x8x2x16xf32>, %cm: tensor<1x8x2x16xf32>, %d: tensor<4xf16>) {
  // expected-error @+1 {{C5: 'D' must have element type f32, got f16}}
  %y = linea.ssd %x, %dt, %A, %bm, %cm D(%d : tensor<4xf16>) : tensor<1x8x4x6xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>
  return
}

// -----

func.func @causal_conv1d_C1(%x: tensor<8x6xf32>, %w: tensor<6x4xf32>) {
  // expected-error @+1 {{C1: 'x' must have shape [B, T, C] = [?, ?, ?], got tensor<8x6xf32>}}
  %y = linea.causal_conv1d %x, %w : tensor<8x6xf32>, tensor<6x4xf32>
  return
}

// -----

func.func @causal_conv1d_C2(%x: tensor<1x8x6xf32>, %w: tensor<5x4xf32>) {
  // expected-error @+1 {{C2: 'weight' must have shape [C, W] = [6, ?], got tensor<5x4xf32>}}
  %y = linea.causal_conv1d %x, %w : tensor<1x8x6xf32>, tensor<5x4xf32>
  return
}

// -----

func.func @causal_conv1d_C3(%x: tensor<1x8x6xf32>, %w: tensor<6x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{C3: 'bias' must have shape [C] = [6], got tensor<4xf32>}}
  %y = linea.causal_conv1d %x, %w bias(%b : tensor<4xf32>) : tensor<1x8x6xf32>, tensor<6x4xf32>
  return
}

// -----

func.func @causal_conv1d_C4(%x: tensor<1x8x6xf32>, %w: tensor<6x4xf32>, %s0: tensor<1x6x4xf32>) {
  // expected-error @+1 {{C4: 'initial_state' must have shape [B, C, W - 1] = [1, 6, 3], got tensor<1x6x4xf32>}}
  %y = linea.causal_conv1d %x, %w initial_state(%s0 : tensor<1x6x4xf32>) : tensor<1x8x6xf32>, tensor<6x4xf32>
  return
}

// -----

func.func @causal_conv1d_C4_type(%x: tensor<1x8x6xf32>, %w: tensor<6x4xf32>, %s0: tensor<1x6x3xbf16>) {
  // expected-error @+1 {{C4: 'initial_state' must have element type f32, got bf16}}
  %y = linea.causal_conv1d %x, %w initial_state(%s0 : tensor<1x6x3xbf16>) : tensor<1x8x6xf32>, tensor<6x4xf32>
  return
}

// -----

func.func @causal_conv1d_C5(%x: tensor<1x8x6xf64>, %w: tensor<6x4xf32>) {
  // expected-error @+1 {{C5: 'x' must have element type f32, f16 or bf16, got f64}}
  %y = linea.causal_conv1d %x, %w : tensor<1x8x6xf64>, tensor<6x4xf32>
  return
}

// -----

func.func @causal_conv1d_C5_weight(%x: tensor<1x8x6xbf16>, %w: tensor<6x4xf16>) {
  // expected-error @+1 {{C5: 'weight' must have element type f32 or that of 'x' (bf16), got f16}}
  %y = linea.causal_conv1d %x, %w : tensor<1x8x6xbf16>, tensor<6x4xf16>
  return
}

// -----

func.func @causal_conv1d_C6(%x: tensor<1x8x6xf32>, %w: tensor<6x0xf32>) {
  // expected-error @+1 {{C6: 'weight' has W = 0, but W must be positive (only batch and sequence dimensions may be 0)}}
  %y = linea.causal_conv1d %x, %w : tensor<1x8x6xf32>, tensor<6x0xf32>
  return
}

// -----

func.func @wkv7_C2_groups(%r: tensor<1x8x2x4xf32>, %w: tensor<1x8x3x4xf32>) {
  // expected-error @+1 {{C2: 'w' needs H (3) divisible by Hk (2)}}
  %o = linea.wkv7 %r, %w, %w, %w, %w, %w : tensor<1x8x2x4xf32>, tensor<1x8x3x4xf32>, tensor<1x8x3x4xf32>, tensor<1x8x3x4xf32>, tensor<1x8x3x4xf32>, tensor<1x8x3x4xf32>
  return
}

// -----

func.func @wkv7_C8(%r: tensor<1x8x2x4xf32>) {
  // expected-error @+1 {{C8: 'scale' must be finite}}
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r {scale = 0x7F800000 : f32} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

// Packed batches (cu_seqlens): offsets of i32 or i64, B = 1, states of N.
func.func @linear_attention_C14_type(%q: tensor<1x8x2x4xf32>, %cu: tensor<3xf32>) {
  // expected-error @+1 {{C14: 'cu_seqlens' must be a 1-D tensor of i32 or i64, got tensor<3xf32>}}
  %o = linea.linear_attention %q, %q, %q cu_seqlens(%cu : tensor<3xf32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @wkv6_C10_batch(%r: tensor<2x8x2x4xf32>, %u: tensor<2x4xf32>, %cu: tensor<3xi32>) {
  // expected-error @+1 {{C10: with 'cu_seqlens' the sequences are packed along T, so B must be 1, got 2}}
  %o = linea.wkv6 %r, %r, %r, %r, %u cu_seqlens(%cu : tensor<3xi32>) : tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @wkv7_C9_states(%r: tensor<1x8x2x4xf32>, %s: tensor<3x2x4x4xf32>, %cu: tensor<3xi64>) {
  // expected-error @+1 {{C3: 'initial_state' must have shape [sequences, H, S, S] = [2, 2, 4, 4], got tensor<3x2x4x4xf32>}}
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r initial_state(%s : tensor<3x2x4x4xf32>) cu_seqlens(%cu : tensor<3xi64>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>
  return
}

// -----

func.func @gated_delta_C13_empty(%q: tensor<1x8x2x4xf32>, %b: tensor<1x8x2xf32>, %cu: tensor<0xi32>) {
  // expected-error @+1 {{C13: 'cu_seqlens' must have N + 1 >= 1 entries}}
  %o = linea.gated_delta %q, %q, %q, %b cu_seqlens(%cu : tensor<0xi32>) : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2xf32>
  return
}

// -----

func.func @ssd_C14_rank(%x: tensor<1x8x2x4xf32>, %dt: tensor<1x8x2xf32>, %A: tensor<2xf32>, %bc: tensor<1x8x1x4xf32>, %cu: tensor<3x1xi32>) {
  // expected-error @+1 {{C14: 'cu_seqlens' must be a 1-D tensor of i32 or i64, got tensor<3x1xi32>}}
  %o = linea.ssd %x, %dt, %A, %bc, %bc cu_seqlens(%cu : tensor<3x1xi32>) : tensor<1x8x2x4xf32>, tensor<1x8x2xf32>, tensor<2xf32>, tensor<1x8x1x4xf32>, tensor<1x8x1x4xf32>
  return
}

// -----

func.func @causal_conv1d_C7_states(%x: tensor<1x8x4xf32>, %w: tensor<4x3xf32>, %s: tensor<2x4x2xf32>, %cu: tensor<4xi32>) {
  // expected-error @+1 {{C4: 'initial_state' must have shape [sequences, C, W - 1] = [3, 4, 2], got tensor<2x4x2xf32>}}
  %y = linea.causal_conv1d %x, %w initial_state(%s : tensor<2x4x2xf32>) cu_seqlens(%cu : tensor<4xi32>) : tensor<1x8x4xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @wkv4_C9_batch(%w: tensor<4xf32>, %k: tensor<2x8x4xf32>, %cu: tensor<3xi64>) {
  // expected-error @+1 {{C9: with 'cu_seqlens' the sequences are packed along T, so B must be 1, got 2}}
  %y = linea.wkv4 %w, %w, %k, %k cu_seqlens(%cu : tensor<3xi64>) : tensor<4xf32>, tensor<4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>
  return
}
