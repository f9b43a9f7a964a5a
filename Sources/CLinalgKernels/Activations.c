// Vectorised element-wise exp and sigmoid over buffers, with the same run-time dispatch as GEMM.
//
// exp(x) = 2^n · e^r with n = round(x / ln 2) and r = x − n·ln 2 (ln 2 split in two parts so
// that n·ln2_high is exact), e^r on [−ln2/2, ln2/2] by the degree-7 Taylor-like polynomial of
// Cephes' expf (≈ 1 ulp), and 2^n applied as two powers of two 2^(n/2)·2^(n − n/2), each a valid
// normal float, so that results near overflow and gradual underflow come out right.
// sigmoid(x) = 1 / (1 + exp(−x)).
#include "CLinalgKernels.h"
#include <math.h>

#define DNI_EXP_MAX 88.8f      /* above log(FLT_MAX) ≈ 88.72: the product overflows to +inf */
#define DNI_EXP_MIN -104.0f    /* below log(smallest subnormal) ≈ −103.28: the product is 0 */
#define DNI_LOG2E 1.44269504088896341f
#define DNI_LN2_HIGH 0.693359375f
#define DNI_LN2_LOW -2.12194440e-4f
#define DNI_P0 1.9875691500e-4f
#define DNI_P1 1.3981999507e-3f
#define DNI_P2 8.3334519073e-3f
#define DNI_P3 4.1665795894e-2f
#define DNI_P4 1.6666665459e-1f
#define DNI_P5 5.0000001201e-1f

static void exp_portable(int64_t count, const float *x, float *y) {
    for (int64_t i = 0; i < count; i++) y[i] = expf(x[i]);
}

static void sigmoid_portable(int64_t count, const float *x, float *y) {
    for (int64_t i = 0; i < count; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// exp of 8 lanes; NaN stays NaN.
__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 x) {
    const __m256 isNaN = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    __m256 clamped = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(DNI_EXP_MIN)), _mm256_set1_ps(DNI_EXP_MAX));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(DNI_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(DNI_LN2_HIGH), clamped);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(DNI_LN2_LOW), r);
    __m256 p = _mm256_set1_ps(DNI_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(DNI_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(DNI_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(DNI_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(DNI_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(DNI_P5));
    const __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // 2^n as 2^half · 2^(n − half): both exponents lie in [−75, 65], inside the normal range.
    const __m256i exponent = _mm256_cvtps_epi32(n);
    const __m256i half = _mm256_srai_epi32(exponent, 1);
    const __m256i rest = _mm256_sub_epi32(exponent, half);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 scaleHalf = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
    const __m256 scaleRest = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, bias), 23));
    const __m256 result = _mm256_mul_ps(_mm256_mul_ps(p, scaleHalf), scaleRest);
    return _mm256_blendv_ps(result, x, isNaN);
}

__attribute__((target("avx2,fma")))
static void exp_avx2(int64_t count, const float *x, float *y) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
    if (i < count) {
        float tail[8] = {0};
        for (int64_t j = i; j < count; j++) tail[j - i] = x[j];
        _mm256_storeu_ps(tail, exp8(_mm256_loadu_ps(tail)));
        for (int64_t j = i; j < count; j++) y[j] = tail[j - i];
    }
}

__attribute__((target("avx2,fma")))
static inline __m256 sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 negated = _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(negated)));
}

__attribute__((target("avx2,fma")))
static void sigmoid_avx2(int64_t count, const float *x, float *y) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, sigmoid8(_mm256_loadu_ps(x + i)));
    if (i < count) {
        float tail[8] = {0};
        for (int64_t j = i; j < count; j++) tail[j - i] = x[j];
        _mm256_storeu_ps(tail, sigmoid8(_mm256_loadu_ps(tail)));
        for (int64_t j = i; j < count; j++) y[j] = tail[j - i];
    }
}
#endif

void dni_exp(DNIGEMMInstructionSet instruction_set, int64_t count, const float *x, float *y) {
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set == DNIGEMMInstructionSetAVX2FMA) { exp_avx2(count, x, y); return; }
#endif
    (void)instruction_set;
    exp_portable(count, x, y);
}

void dni_sigmoid(DNIGEMMInstructionSet instruction_set, int64_t count, const float *x, float *y) {
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set == DNIGEMMInstructionSetAVX2FMA) { sigmoid_avx2(count, x, y); return; }
#endif
    (void)instruction_set;
    sigmoid_portable(count, x, y);
}
