// The AVX2/FMA 6×16 GEMM microkernel. Only this function is compiled for AVX2/FMA (through the
// `target` attribute, not a package-wide flag), and it is called only after
// `dni_cpu_supports_avx2_fma()` said yes, so the package still runs on any x86-64.
#include "Microkernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// One step of the k loop: broadcast each of the 6 values of A and multiply-add it into the
/// two 8-wide halves of the 16 values of B.
#define DNI_STEP(offset)                                                          \
    do {                                                                          \
        const __m256 b0 = _mm256_loadu_ps(b + 16 * (offset));                     \
        const __m256 b1 = _mm256_loadu_ps(b + 16 * (offset) + 8);                 \
        __m256 value = _mm256_broadcast_ss(a + 6 * (offset) + 0);                 \
        c00 = _mm256_fmadd_ps(value, b0, c00); c01 = _mm256_fmadd_ps(value, b1, c01); \
        value = _mm256_broadcast_ss(a + 6 * (offset) + 1);                        \
        c10 = _mm256_fmadd_ps(value, b0, c10); c11 = _mm256_fmadd_ps(value, b1, c11); \
        value = _mm256_broadcast_ss(a + 6 * (offset) + 2);                        \
        c20 = _mm256_fmadd_ps(value, b0, c20); c21 = _mm256_fmadd_ps(value, b1, c21); \
        value = _mm256_broadcast_ss(a + 6 * (offset) + 3);                        \
        c30 = _mm256_fmadd_ps(value, b0, c30); c31 = _mm256_fmadd_ps(value, b1, c31); \
        value = _mm256_broadcast_ss(a + 6 * (offset) + 4);                        \
        c40 = _mm256_fmadd_ps(value, b0, c40); c41 = _mm256_fmadd_ps(value, b1, c41); \
        value = _mm256_broadcast_ss(a + 6 * (offset) + 5);                        \
        c50 = _mm256_fmadd_ps(value, b0, c50); c51 = _mm256_fmadd_ps(value, b1, c51); \
    } while (0)

/// Stores one row of the tile: C = alpha·acc (beta == 0, C not read) or alpha·acc + beta·C.
#define DNI_STORE_ROW(row, low, high)                                             \
    do {                                                                          \
        float *target = c + (row) * ldc;                                          \
        if (beta == 0) {                                                          \
            _mm256_storeu_ps(target, _mm256_mul_ps(alphaVector, low));            \
            _mm256_storeu_ps(target + 8, _mm256_mul_ps(alphaVector, high));       \
        } else {                                                                  \
            _mm256_storeu_ps(target, _mm256_fmadd_ps(alphaVector, low,            \
                _mm256_mul_ps(betaVector, _mm256_loadu_ps(target))));             \
            _mm256_storeu_ps(target + 8, _mm256_fmadd_ps(alphaVector, high,       \
                _mm256_mul_ps(betaVector, _mm256_loadu_ps(target + 8))));         \
        }                                                                         \
    } while (0)

__attribute__((target("avx2,fma")))
void dni_gemm_microkernel_avx2_fma(int64_t depth, float alpha, const float *a, const float *b,
                                   float beta, float *c, int64_t ldc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    // Bring the C tile towards the cache while the k loop runs.
    for (int i = 0; i < 6; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 15), _MM_HINT_T0);
    }
    int64_t p = 0;
    for (; p + 4 <= depth; p += 4) {
        _mm_prefetch((const char *)(b + 16 * 8), _MM_HINT_T0);
        DNI_STEP(0); DNI_STEP(1); DNI_STEP(2); DNI_STEP(3);
        a += 24;
        b += 64;
    }
    for (; p < depth; p++) {
        DNI_STEP(0);
        a += 6;
        b += 16;
    }
    const __m256 alphaVector = _mm256_set1_ps(alpha);
    const __m256 betaVector = _mm256_set1_ps(beta);
    DNI_STORE_ROW(0, c00, c01);
    DNI_STORE_ROW(1, c10, c11);
    DNI_STORE_ROW(2, c20, c21);
    DNI_STORE_ROW(3, c30, c31);
    DNI_STORE_ROW(4, c40, c41);
    DNI_STORE_ROW(5, c50, c51);
}
#endif

#if defined(__x86_64__) || defined(__i386__)
/// The left half of the tile, for the last micro-panel of B when at most 8 of its 16 columns
/// are used (e.g. an output layer of 8 units): half the multiply-adds of the full kernel.
__attribute__((target("avx2,fma")))
void dni_gemm_microkernel_avx2_fma_6x8(int64_t depth, float alpha, const float *a, const float *b,
                                       float beta, float *c, int64_t ldc) {
    __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps();
    __m256 c3 = _mm256_setzero_ps(), c4 = _mm256_setzero_ps(), c5 = _mm256_setzero_ps();
    for (int64_t p = 0; p < depth; p++) {
        const __m256 b0 = _mm256_loadu_ps(b);
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 0), b0, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 1), b0, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 2), b0, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 3), b0, c3);
        c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 4), b0, c4);
        c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 5), b0, c5);
        a += 6;
        b += 16;
    }
    const __m256 alphaVector = _mm256_set1_ps(alpha);
    const __m256 betaVector = _mm256_set1_ps(beta);
    __m256 rows[6] = {c0, c1, c2, c3, c4, c5};
    for (int i = 0; i < 6; i++) {
        float *target = c + i * ldc;
        if (beta == 0) {
            _mm256_storeu_ps(target, _mm256_mul_ps(alphaVector, rows[i]));
        } else {
            _mm256_storeu_ps(target, _mm256_fmadd_ps(alphaVector, rows[i],
                _mm256_mul_ps(betaVector, _mm256_loadu_ps(target))));
        }
    }
}
#endif
