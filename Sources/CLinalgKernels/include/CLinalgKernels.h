// The few C kernels of Linalg that need per-function CPU targets (AVX2/FMA), chosen at run time.
//
// Layout of the packed panels (BLIS/GotoBLAS style, see PackedGEMM.swift for the blocking):
// - packed A: ceil(mc / 6) micro-panels; panel r holds, for p = 0..<kc, the 6 values
//   op(A)[6r + 0...5, p] (rows past mc are zero), so 6·kc floats per panel.
// - packed B: ceil(nc / 16) micro-panels; panel s holds, for p = 0..<kc, the 16 values
//   op(B)[p, 16s + 0...15] (columns past nc are zero), so 16·kc floats per panel.
#ifndef CLINALGKERNELS_H
#define CLINALGKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows of the register tile of the GEMM microkernel (and of a packed A micro-panel).
#define DNI_GEMM_TILE_ROWS 6
/// Columns of the register tile of the GEMM microkernel (and of a packed B micro-panel).
#define DNI_GEMM_TILE_COLUMNS 16

/// Which microkernel a macro-kernel call uses.
typedef enum {
    /// Plain C, compiled for the baseline instruction set (auto-vectorised where the compiler can).
    DNIGEMMInstructionSetPortable = 0,
    /// AVX2 + FMA intrinsics; call only when `dni_cpu_supports_avx2_fma()` returned 1.
    DNIGEMMInstructionSetAVX2FMA = 1,
} DNIGEMMInstructionSet;

/// 1 when the CPU running this process has AVX2 and FMA (x86-64 only), else 0.
int dni_cpu_supports_avx2_fma(void);

/// 1 when the CPU also has AVX-512F (x86-64 only), else 0. Then the AVX2/FMA instruction set
/// computes its full register tiles with a 512-bit microkernel that gives bit-identical results.
int dni_cpu_supports_avx512f(void);

/// One full 6×16 register tile, C = alpha · Σ_p a[6p + i]·b[16p + j] + beta · C, with the AVX2
/// microkernel (`wide` 0) or the AVX-512 one (`wide` 1; only when `dni_cpu_supports_avx512f()`).
/// For tests that the two agree bit for bit; returns 0 when the kernel cannot run here.
int dni_gemm_tile(int wide, int64_t depth, float alpha, const float *a, const float *b, float beta,
                  float *c, int64_t ldc);

/// Packs the `rows × depth` block of op(A) starting at `a` into 6-row micro-panels.
/// When `transpose` is 0, element (i, p) is `a[i * lda + p]`; otherwise `a[p * lda + i]`.
/// Writes exactly the ceil(rows / 6)·6·depth floats of the panels; reads only the block's
/// elements; allocates nothing. Both instruction sets write bit-identical panels.
void dni_gemm_pack_a(DNIGEMMInstructionSet instruction_set, int transpose, int64_t rows, int64_t depth,
                     const float *a, int64_t lda, float *packed);

/// Packs the `depth × columns` block of op(B) starting at `b` into 16-column micro-panels.
/// When `transpose` is 0, element (p, j) is `b[p * ldb + j]`; otherwise `b[j * ldb + p]`.
/// Writes exactly the ceil(columns / 16)·16·depth floats of the panels; reads only the block's
/// elements; allocates nothing. Both instruction sets write bit-identical panels.
void dni_gemm_pack_b(DNIGEMMInstructionSet instruction_set, int transpose, int64_t depth, int64_t columns,
                     const float *b, int64_t ldb, float *packed);

/// C[0..<rows, 0..<columns] = alpha · Ap·Bp + beta · C, for packed panels of one cache block.
///
/// `packed_a` holds ceil(rows / 6) panels of depth `depth`, `packed_b` ceil(columns / 16)
/// panels. When `beta == 0`, C is only written, never read (a NaN in C does not propagate).
/// Allocates nothing: edge tiles go through a tile on the stack.
void dni_gemm_macro_kernel(DNIGEMMInstructionSet instruction_set,
                           int64_t rows, int64_t columns, int64_t depth,
                           float alpha, const float *packed_a, const float *packed_b,
                           float beta, float *c, int64_t ldc);

/// Like `dni_gemm_macro_kernel` for a block of at most 16 columns (one B panel), reading A in
/// place instead of packed: element (i, p) of the block is `a[i * row_stride + p * depth_stride]`.
/// Returns 0 (and does nothing) when the instruction set has no such kernel: pack A instead.
int dni_gemm_macro_kernel_unpacked_a(DNIGEMMInstructionSet instruction_set,
                                     int64_t rows, int64_t columns, int64_t depth, float alpha,
                                     const float *a, int64_t row_stride, int64_t depth_stride,
                                     const float *packed_b, float beta, float *c, int64_t ldc);

/// y[i] = exp(x[i]) for i in 0..<count (x and y may be the same buffer). The AVX2 path is
/// within 2 ulp of the C library's expf for normal results; NaN stays NaN.
void dni_exp(DNIGEMMInstructionSet instruction_set, int64_t count, const float *x, float *y);

/// y[i] = 1 / (1 + exp(−x[i])) for i in 0..<count (x and y may be the same buffer).
void dni_sigmoid(DNIGEMMInstructionSet instruction_set, int64_t count, const float *x, float *y);

/// One Adam update of `count` parameters: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
/// θ ← θ − step·m / (√(v·correction2) + ε), with step = η/(1−β₁ᵗ), correction2 = 1/(1−β₂ᵗ).
void dni_adam_update(DNIGEMMInstructionSet instruction_set, int64_t count, const float *gradient,
                     float *first_moment, float *second_moment, float *value, float beta1, float beta2,
                     float step, float correction2, float epsilon);

/// Batch-norm statistics of the row-major `rows × columns` matrix x (rows > 0): per column the
/// mean, and the sum of squared deviations from it (two passes, so no cancellation).
void dni_batchnorm_statistics(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                              const float *x, float *mean, float *squared_deviations);

/// x̂ = (x − mean) ⊙ inverse_deviation, y = γ ⊙ x̂ + β, then y = max(y, 0) when `rectify` is 1
/// (per-column vectors broadcast down the rows). `normalized` may be NULL (inference).
void dni_batchnorm_normalize(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                             const float *x, const float *mean, const float *inverse_deviation,
                             const float *gamma, const float *beta, int rectify,
                             float *normalized, float *y);

/// Per column: sum = Σ g′, dot = Σ g′ ⊙ x̂ over the rows, where g′ is `gradient`, zeroed wherever
/// `output` (the saved rectified output, or NULL for none) is not positive.
void dni_batchnorm_backward_sums(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                                 const float *gradient, const float *normalized, const float *output,
                                 float *sum, float *dot);

/// input_gradient = scale ⊙ g′ − shift − x̂ ⊙ slope (per-column vectors; g′ as in
/// `dni_batchnorm_backward_sums`).
void dni_batchnorm_input_gradient(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                                  const float *gradient, const float *normalized, const float *output,
                                  const float *scale, const float *shift, const float *slope,
                                  float *input_gradient);

/// One LSTM step's element-wise forward over `rows` rows of `hidden` units (LSTM.c has the
/// formulas). `gates` (rows × 4H, blocks [i | f | o | g]) holds x·W without bias on entry and the
/// activated gates on return; c₋ is read from `previous_cell`, c and tanh c are written to `cell`
/// and `tanh_cell` (rows × H, contiguous), h = o ⊙ tanh c to `hidden_out` and, when `output` is
/// not NULL, also to `output`. Strides are row strides in floats.
void dni_lstm_forward(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t hidden,
                      float *gates, const float *bias,
                      const float *previous_cell, int64_t previous_cell_stride,
                      float *cell, int64_t cell_stride, float *tanh_cell,
                      float *hidden_out, int64_t hidden_stride,
                      float *output, int64_t output_stride);

/// One LSTM step's element-wise backward: from the saved activated gates, tanh c and c₋, and
/// dh = `hidden_gradient` (+ `output_gradient` when not NULL) and dc′ = `cell_gradient`, writes
/// the pre-activation gradient (rows × 4H) and dc₋ = dc ⊙ f.
void dni_lstm_backward(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t hidden,
                       const float *gates, const float *tanh_cell,
                       const float *previous_cell, int64_t previous_cell_stride,
                       const float *output_gradient, int64_t output_gradient_stride,
                       const float *hidden_gradient, int64_t hidden_gradient_stride,
                       const float *cell_gradient, int64_t cell_gradient_stride,
                       float *gate_gradient,
                       float *previous_cell_gradient, int64_t previous_cell_gradient_stride);

/// Atomic load (acquire) of a 64-bit word, for the GEMM worker pool's spin-waiting (Swift's own
/// `Atomic` needs macOS 15; the package supports macOS 13).
static inline uint64_t dni_atomic_load_u64(const uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_ACQUIRE);
}

/// Atomic store (release) of a 64-bit word.
static inline void dni_atomic_store_u64(uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_RELEASE);
}

/// A hint to the CPU that the caller is in a spin-wait loop (x86 `pause`, ARM `yield`).
static inline void dni_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

/// Writes into `path` (NUL-terminated, at most `capacity` bytes) the file of the loaded library
/// that defines `symbol`; returns 1 on success, 0 when the loader does not know.
int dni_library_path_of_symbol(const void *symbol, char *path, int64_t capacity);

#ifdef __cplusplus
}
#endif

#endif
