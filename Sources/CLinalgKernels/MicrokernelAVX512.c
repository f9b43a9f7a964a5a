// The AVX-512 6×16 GEMM microkernel: the AVX2 kernel's tile, one 16-wide zmm vector per row
// instead of two 8-wide halves. Every element of C gets the same fused multiply-adds in the
// same order of p as in the AVX2 kernel, so the two give bit-identical results; on a core with
// full-width 512-bit FMA units it issues half the instructions. Compiled for AVX-512F through
// the `target` attribute only, and called only after `dni_cpu_supports_avx512f()` said yes.
#include "Microkernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// One step of the k loop: broadcast each of the 6 values of A and multiply-add it into the
/// 16 values of B.
#define DNI_STEP512(offset)                                                       \
    do {                                                                          \
        const __m512 b0 = _mm512_loadu_ps(b + 16 * (offset));                      \
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * (offset) + 0]), b0, c0);         \
        c1 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * (offset) + 1]), b0, c1);         \
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * (offset) + 2]), b0, c2);         \
        c3 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * (offset) + 3]), b0, c3);         \
        c4 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * (offset) + 4]), b0, c4);         \
        c5 = _mm512_fmadd_ps(_mm512_set1_ps(a[6 * (offset) + 5]), b0, c5);         \
    } while (0)

/// Stores one row of the tile: C = alpha·acc (beta == 0, C not read) or alpha·acc + beta·C,
/// with the AVX2 kernel's operations (alpha·acc, then fma(alpha, acc, beta·C)).
#define DNI_STORE_ROW512(row, accumulator)                                        \
    do {                                                                          \
        float *target = c + (row) * ldc;                                          \
        if (beta == 0) {                                                          \
            _mm512_storeu_ps(target, _mm512_mul_ps(alphaVector, accumulator));    \
        } else {                                                                  \
            _mm512_storeu_ps(target, _mm512_fmadd_ps(alphaVector, accumulator,    \
                _mm512_mul_ps(betaVector, _mm512_loadu_ps(target))));             \
        }                                                                         \
    } while (0)

__attribute__((target("avx512f")))
void dni_gemm_microkernel_avx512(int64_t depth, float alpha, const float *a, const float *b,
                                 float beta, float *c, int64_t ldc) {
    __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
    __m512 c3 = _mm512_setzero_ps(), c4 = _mm512_setzero_ps(), c5 = _mm512_setzero_ps();
    for (int i = 0; i < 6; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    int64_t p = 0;
    for (; p + 4 <= depth; p += 4) {
        _mm_prefetch((const char *)(b + 16 * 8), _MM_HINT_T0);
        DNI_STEP512(0); DNI_STEP512(1); DNI_STEP512(2); DNI_STEP512(3);
        a += 24;
        b += 64;
    }
    for (; p < depth; p++) {
        DNI_STEP512(0);
        a += 6;
        b += 16;
    }
    const __m512 alphaVector = _mm512_set1_ps(alpha);
    const __m512 betaVector = _mm512_set1_ps(beta);
    DNI_STORE_ROW512(0, c0);
    DNI_STORE_ROW512(1, c1);
    DNI_STORE_ROW512(2, c2);
    DNI_STORE_ROW512(3, c3);
    DNI_STORE_ROW512(4, c4);
    DNI_STORE_ROW512(5, c5);
}
#endif
