// The 6×16 microkernels, private to this target. Each computes, for one full register tile,
//   C[0..<6, 0..<16] = alpha · Σ_p a[6p + i] · b[16p + j] + beta · C   (C not read when beta == 0)
// where `a` and `b` are one packed micro-panel each (see CLinalgKernels.h).
#ifndef CLINALGKERNELS_MICROKERNELS_H
#define CLINALGKERNELS_MICROKERNELS_H

#include <stdint.h>

/// Plain C; the compiler vectorises it for whatever baseline it targets (SSE2, NEON).
void dni_gemm_microkernel_portable(int64_t depth, float alpha, const float *a, const float *b,
                                   float beta, float *c, int64_t ldc);

#if defined(__x86_64__) || defined(__i386__)
/// AVX2 + FMA: 12 ymm accumulators (6 rows × 2 vectors of 8), 2 ymm for the B row, 1 broadcast.
void dni_gemm_microkernel_avx2_fma(int64_t depth, float alpha, const float *a, const float *b,
                                   float beta, float *c, int64_t ldc);
/// AVX-512F: 6 zmm accumulators (one 16-wide vector per row); bit-identical to the AVX2 kernel.
void dni_gemm_microkernel_avx512(int64_t depth, float alpha, const float *a, const float *b,
                                 float beta, float *c, int64_t ldc);
/// AVX2 + FMA on the left 6×8 half of a tile (B panel still 16 wide); writes 8 columns of C.
void dni_gemm_microkernel_avx2_fma_6x8(int64_t depth, float alpha, const float *a, const float *b,
                                       float beta, float *c, int64_t ldc);
/// AVX2 + FMA reading A unpacked: tile row i, depth p is `rows[i][p * depth_stride]`. Writes
/// 16 columns of C when `wide`, else 8 (B panel 16 wide either way).
void dni_gemm_microkernel_avx2_fma_strided(int64_t depth, float alpha, const float *const rows[6],
                                           int64_t depth_stride, const float *b, int wide,
                                           float beta, float *c, int64_t ldc);
#endif

#endif
