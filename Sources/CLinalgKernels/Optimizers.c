// The Adam update over one parameter buffer, with the same run-time dispatch as GEMM:
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − step · m / (√(v · c₂) + ε)
// where step = η / (1 − β₁ᵗ) and c₂ = 1 / (1 − β₂ᵗ) are computed by the caller.
// In Swift the square root of a SIMD vector lowers to a scalar sqrtss (plus a libm call for
// negative inputs) per lane on x86-64's baseline; here it is one vsqrtps for eight lanes.
#include "CLinalgKernels.h"
#include <math.h>

static void adam_portable(int64_t count, const float *g, float *m, float *v, float *theta,
                          float beta1, float beta2, float step, float correction2, float epsilon) {
    for (int64_t i = 0; i < count; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        theta[i] -= step * m[i] / (sqrtf(v[i] * correction2) + epsilon);
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static void adam_avx2(int64_t count, const float *g, float *m, float *v, float *theta,
                      float beta1, float beta2, float step, float correction2, float epsilon) {
    const __m256 b1 = _mm256_set1_ps(beta1), c1 = _mm256_set1_ps(1.0f - beta1);
    const __m256 b2 = _mm256_set1_ps(beta2), c2 = _mm256_set1_ps(1.0f - beta2);
    const __m256 stepSize = _mm256_set1_ps(step), correction = _mm256_set1_ps(correction2);
    const __m256 eps = _mm256_set1_ps(epsilon);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 gradient = _mm256_loadu_ps(g + i);
        // Multiply-then-add as in the scalar path (no fused rounding), so both paths agree.
        const __m256 first = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, gradient));
        const __m256 second = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)),
                                            _mm256_mul_ps(_mm256_mul_ps(c2, gradient), gradient));
        const __m256 denominator = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(second, correction)), eps);
        const __m256 update = _mm256_div_ps(_mm256_mul_ps(stepSize, first), denominator);
        _mm256_storeu_ps(m + i, first);
        _mm256_storeu_ps(v + i, second);
        _mm256_storeu_ps(theta + i, _mm256_sub_ps(_mm256_loadu_ps(theta + i), update));
    }
    adam_portable(count - i, g + i, m + i, v + i, theta + i, beta1, beta2, step, correction2, epsilon);
}
#endif

void dni_adam_update(DNIGEMMInstructionSet instruction_set, int64_t count, const float *gradient,
                     float *first_moment, float *second_moment, float *value, float beta1, float beta2,
                     float step, float correction2, float epsilon) {
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set == DNIGEMMInstructionSetAVX2FMA) {
        adam_avx2(count, gradient, first_moment, second_moment, value, beta1, beta2, step, correction2, epsilon);
        return;
    }
#endif
    (void)instruction_set;
    adam_portable(count, gradient, first_moment, second_moment, value, beta1, beta2, step, correction2, epsilon);
}
