// RUN: linea-opt %s -convert-linea-to-gpu -split-input-file | FileCheck %s

// RWKV-6, recurrent: one block per (batch, head) and tile of 32 value
// columns (grid 2 x 2 for H = 2, V = 64), four threads per column (128),
// each holding 16 of the column's 64 entries. The block stages u once, then
// q, k and exp(w) of up to 32 tokens per barrier into dynamic shared memory;
// each thread carries its part of S[:, j] as a vector<16> through the token
// loop; dot products over the keys are summed across the four threads by
// xor shuffles; the bonus read-out uses S_{t-1}.
// CHECK-LABEL: func @wkv6
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c2{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c128, {{.*}}) dynamic_shared_memory_size %c24832_i32
// CHECK:           %[[BYTES:.+]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:           memref.view %[[BYTES]]{{.*}} to memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK:           gpu.barrier
// CHECK:           scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}) -> (vector<16xf32>)
// CHECK:             scf.for
// CHECK:               math.exp
// CHECK:             gpu.barrier
// CHECK:             scf.for {{.*}} -> (vector<16xf32>)
// CHECK:               vector.load {{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>, vector<16xf32>
// CHECK:               math.fma {{.*}} : vector<16xf32>
// CHECK:               vector.reduction <add>
// CHECK:               gpu.shuffle  xor %{{.+}}, %c2_i32, %c32_i32
// CHECK:               gpu.shuffle  xor %{{.+}}, %c1_i32, %c32_i32
// CHECK:             gpu.barrier
// CHECK:           vector.extract
func.func @wkv6(%r: tensor<1x100x2x64xf32>, %w: tensor<1x100x2x64xf32>, %u: tensor<2x64xf32>) -> tensor<1x100x2x64xf32> {
  %o = linea.wkv6 %r, %r, %r, %w, %u : tensor<1x100x2x64xf32>, tensor<1x100x2x64xf32>, tensor<1x100x2x64xf32>, tensor<1x100x2x64xf32>, tensor<2x64xf32>
  return %o : tensor<1x100x2x64xf32>
}

// -----

// RWKV-7: a and b rows staged too; a^T S from the column before the update.
// A value dimension that tiles unevenly (V = 40: tiles of 32) guards the
// stores of the threads past column 39; K = 40 splits into four parts of 10.
// CHECK-LABEL: func @wkv7
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c128,
// CHECK-COUNT-5:   memref.view
// CHECK:           scf.for {{.*}} -> (vector<10xf32>)
// CHECK:             scf.for {{.*}} -> (vector<10xf32>)
// CHECK:               vector.reduction <add>
// CHECK:               gpu.shuffle
// CHECK:               scf.if
// CHECK:                 memref.store
func.func @wkv7(%r: tensor<1x8x1x40xf32>) -> tensor<1x8x1x40xf32> {
  %o = linea.wkv7 %r, %r, %r, %r, %r, %r : tensor<1x8x1x40xf32>, tensor<1x8x1x40xf32>, tensor<1x8x1x40xf32>, tensor<1x8x1x40xf32>, tensor<1x8x1x40xf32>, tensor<1x8x1x40xf32>
  return %o : tensor<1x8x1x40xf32>
}

// -----

// Small heads keep one thread per column (K = 4 < 2 x 8 keys).
// CHECK-LABEL: func @small_head
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c4,
// CHECK-NOT:     gpu.shuffle
// CHECK:         return
func.func @small_head(%r: tensor<1x8x2x4xf32>, %u: tensor<2x4xf32>) -> tensor<1x8x2x4xf32> {
  %o = linea.wkv6 %r, %r, %r, %r, %u : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<2x4xf32>
  return %o : tensor<1x8x2x4xf32>
}

// -----

// Per-channel recurrences run a thread per (batch, channel): 2 x 16 = 32
// threads in one block, the RWKV-4 state in registers.
// CHECK-LABEL: func @wkv4
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c32, {{.*}})
// CHECK:           scf.if
// CHECK:             scf.for {{.*}} -> (f32, f32, f32)
func.func @wkv4(%w: tensor<16xf32>, %k: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// RWKV-4's scan form (chunks of 3: 3 chunks of 8 tokens): a thread per
// (batch, channel, chunk) runs its chunk from an empty state, a thread per
// (batch, channel) carries the state across the chunks, then the chunks run
// again from their carried-in state and write the outputs.
// CHECK-LABEL: func @wkv4_scan
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c96{{(_[0-9]+)?}}, {{.*}})
// CHECK:           scf.for {{.*}} -> (f32, f32, f32)
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c32{{(_[0-9]+)?}}, {{.*}})
// CHECK:           scf.for {{.*}} -> (f32, f32, f32)
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c96{{(_[0-9]+)?}}, {{.*}})
// CHECK:           scf.for {{.*}} -> (f32, f32, f32)
// CHECK:             memref.store
func.func @wkv4_scan(%w: tensor<16xf32>, %k: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %y = linea.wkv4 %w, %w, %k, %k {form = #linea.form<scan>, chunk_size = 3} : tensor<16xf32>, tensor<16xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// The selective scan's recurrent form: N = 4 threads per channel (2 x 8
// channels: 64 threads, one block of 128), each carrying one state entry;
// the read-out sums over them by xor shuffles (offsets 2, 1). Before it, per
// token block: the state's start, B and C transposed, dt and the gate.
// CHECK-LABEL: func @recurrent_scan
// CHECK-COUNT-3: gpu.launch
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c128
// CHECK:           scf.for {{.*}} -> (f32)
// CHECK:             gpu.shuffle  xor %{{.+}}, %c2_i32, %c32_i32 : f32
// CHECK:             gpu.shuffle  xor %{{.+}}, %c1_i32, %c32_i32{{(_[0-9]+)?}} : f32
// CHECK:             scf.if
func.func @recurrent_scan(%u: tensor<2x8x18xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x18xf32>) -> tensor<2x8x18xf32> {
  %y = linea.selective_scan %u, %u, %A, %B, %B {form = #linea.form<recurrent>} : tensor<2x8x18xf32>, tensor<2x8x18xf32>, tensor<8x4xf32>, tensor<2x2x4x18xf32>, tensor<2x2x4x18xf32>
  return %y : tensor<2x8x18xf32>
}

// -----

// The scan form: each phase a kernel, N threads per (batch, channel,
// chunk) in phases 1 and 3, every lane running the chunk's full length in
// step (lanes of a shorter last chunk masked), per (batch, channel) in the
// carry phase.
// CHECK-LABEL: func @scan
// CHECK-COUNT-5: gpu.launch
// CHECK-NOT:     scf.parallel
func.func @scan(%u: tensor<2x8x18xf32>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x18xf32>) -> tensor<2x8x18xf32> {
  %y = linea.selective_scan %u, %u, %A, %B, %B {form = #linea.form<scan>, chunk_size = 4} : tensor<2x8x18xf32>, tensor<2x8x18xf32>, tensor<8x4xf32>, tensor<2x2x4x18xf32>, tensor<2x2x4x18xf32>
  return %y : tensor<2x8x18xf32>
}

// -----

// Chunked gated linear attention with K = 32, V = 16: the tensor-core kernel,
// a warp per (batch, head) and tile of 16 value columns (grid 2 x 1, 32
// threads). A chunk's rows of 16 tokens, the decays' running products, the
// scores and the state tile live in dynamic shared memory; the scores are
// summed across a row's two lanes by one xor shuffle; the contractions are
// mma.sync m16n8k8 on tf32 (three per product: the operands' tails and
// heads), f32 accumulators in vector<2x2xf32>.
// CHECK-LABEL: func @gla_chunked
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c32, {{.*}}) dynamic_shared_memory_size %c{{[0-9]+}}_i32
// CHECK:           gpu.dynamic_shared_memory
// CHECK:           memref.view {{.*}} to memref<32x16xf32, #gpu.address_space<workgroup>>
// CHECK:           gpu.barrier
// CHECK:           scf.for
// CHECK:             math.exp
// CHECK:             gpu.barrier
// CHECK:             gpu.shuffle  xor %{{.+}}, %c1_i32, %c32_i32
// CHECK:             arith.andi {{.*}} : vector<4x1xi32>
// CHECK:             nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:             gpu.barrier
func.func @gla_chunked(%q: tensor<1x40x2x32xf32>, %g: tensor<1x40x2x32xf32>, %v: tensor<1x40x2x16xf32>) -> tensor<1x40x2x16xf32> {
  %o = linea.linear_attention %q, %q, %v gate(%g : tensor<1x40x2x32xf32>) {causal, form = #linea.form<chunked>, chunk_size = 16 : i64} : tensor<1x40x2x32xf32>, tensor<1x40x2x32xf32>, tensor<1x40x2x16xf32>
  return %o : tensor<1x40x2x16xf32>
}
