// AVX2/FMA microkernels that read A in place (strided) instead of from a packed panel.
//
// For a product with a single column panel (n ≤ 16, e.g. an output layer of 8 units), each
// element of A is used by exactly one tile, so packing A would cost as much memory traffic as the
// multiply itself; these kernels broadcast A straight from its storage. Row i of the tile reads
// `rows[i][p * depth_stride]`; callers point unused rows of an edge tile at a valid row and drop
// their results.
#include "Microkernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
void dni_gemm_microkernel_avx2_fma_strided(int64_t depth, float alpha, const float *const rows[6],
                                           int64_t depth_stride, const float *b, int wide,
                                           float beta, float *c, int64_t ldc) {
    const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2];
    const float *a3 = rows[3], *a4 = rows[4], *a5 = rows[5];
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    if (wide) {
        for (int64_t p = 0, offset = 0; p < depth; p++, offset += depth_stride) {
            const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
            __m256 value = _mm256_broadcast_ss(a0 + offset);
            c00 = _mm256_fmadd_ps(value, b0, c00); c01 = _mm256_fmadd_ps(value, b1, c01);
            value = _mm256_broadcast_ss(a1 + offset);
            c10 = _mm256_fmadd_ps(value, b0, c10); c11 = _mm256_fmadd_ps(value, b1, c11);
            value = _mm256_broadcast_ss(a2 + offset);
            c20 = _mm256_fmadd_ps(value, b0, c20); c21 = _mm256_fmadd_ps(value, b1, c21);
            value = _mm256_broadcast_ss(a3 + offset);
            c30 = _mm256_fmadd_ps(value, b0, c30); c31 = _mm256_fmadd_ps(value, b1, c31);
            value = _mm256_broadcast_ss(a4 + offset);
            c40 = _mm256_fmadd_ps(value, b0, c40); c41 = _mm256_fmadd_ps(value, b1, c41);
            value = _mm256_broadcast_ss(a5 + offset);
            c50 = _mm256_fmadd_ps(value, b0, c50); c51 = _mm256_fmadd_ps(value, b1, c51);
            b += 16;
        }
    } else {
        for (int64_t p = 0, offset = 0; p < depth; p++, offset += depth_stride) {
            const __m256 b0 = _mm256_loadu_ps(b);
            c00 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + offset), b0, c00);
            c10 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + offset), b0, c10);
            c20 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + offset), b0, c20);
            c30 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + offset), b0, c30);
            c40 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + offset), b0, c40);
            c50 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + offset), b0, c50);
            b += 16;
        }
    }
    const __m256 alphaVector = _mm256_set1_ps(alpha);
    const __m256 betaVector = _mm256_set1_ps(beta);
    const __m256 low[6] = {c00, c10, c20, c30, c40, c50};
    const __m256 high[6] = {c01, c11, c21, c31, c41, c51};
    for (int i = 0; i < 6; i++) {
        float *target = c + i * ldc;
        if (beta == 0) {
            _mm256_storeu_ps(target, _mm256_mul_ps(alphaVector, low[i]));
            if (wide) _mm256_storeu_ps(target + 8, _mm256_mul_ps(alphaVector, high[i]));
        } else {
            _mm256_storeu_ps(target, _mm256_fmadd_ps(alphaVector, low[i],
                _mm256_mul_ps(betaVector, _mm256_loadu_ps(target))));
            if (wide) {
                _mm256_storeu_ps(target + 8, _mm256_fmadd_ps(alphaVector, high[i],
                    _mm256_mul_ps(betaVector, _mm256_loadu_ps(target + 8))));
            }
        }
    }
}
#endif
