// Batch-normalisation kernels over a row-major `rows × columns` matrix (one example per row,
// one feature per column), with the same run-time dispatch as GEMM.
//
// Swift compiles the equivalent loops to scalar code (the buffers may alias and every index
// carries an overflow check), which made batch norm ~13% of an MNIST training step. The AVX2
// paths work on eight features per register: the reductions run down the rows of a block of
// 32 (then 8) columns with the partial sums in registers, the element-wise passes along each
// row. Columns past the last multiple of 8 take the portable path.
//
// A fused ReLU ("rectify") clamps the output at zero in the forward pass and, in the backward
// pass, zeroes the incoming gradient wherever the saved output is not positive: the pair
// BatchNorm → ReLU in one pass over memory instead of two.
#include "CLinalgKernels.h"

// ---- portable C ---------------------------------------------------------------------------

static void statistics_portable(int64_t rows, int64_t columns, int64_t stride, const float *x,
                                float *mean, float *squares) {
    for (int64_t c = 0; c < columns; c++) { mean[c] = 0; squares[c] = 0; }
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * stride;
        for (int64_t c = 0; c < columns; c++) mean[c] += row[c];
    }
    const float inverseRows = 1.0f / (float)rows;
    for (int64_t c = 0; c < columns; c++) mean[c] *= inverseRows;
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * stride;
        for (int64_t c = 0; c < columns; c++) {
            const float deviation = row[c] - mean[c];
            squares[c] += deviation * deviation;
        }
    }
}

static void normalize_portable(int64_t rows, int64_t columns, int64_t stride, const float *x,
                               const float *mean, const float *inverse, const float *gamma,
                               const float *beta, int rectify, float *normalized, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        const float *in = x + r * stride;
        float *out = y + r * stride;
        float *hat = normalized ? normalized + r * stride : 0;
        for (int64_t c = 0; c < columns; c++) {
            const float value = (in[c] - mean[c]) * inverse[c];
            if (hat) hat[c] = value;
            const float result = gamma[c] * value + beta[c];
            out[c] = rectify && !(result > 0) ? 0 : result;
        }
    }
}

static void backward_sums_portable(int64_t rows, int64_t columns, int64_t stride, const float *g,
                                   const float *normalized, const float *output,
                                   float *sum, float *dot) {
    for (int64_t c = 0; c < columns; c++) { sum[c] = 0; dot[c] = 0; }
    for (int64_t r = 0; r < rows; r++) {
        const float *gradient = g + r * stride, *hat = normalized + r * stride;
        const float *y = output ? output + r * stride : 0;
        for (int64_t c = 0; c < columns; c++) {
            const float value = y && !(y[c] > 0) ? 0 : gradient[c];
            sum[c] += value;
            dot[c] += value * hat[c];
        }
    }
}

static void input_gradient_portable(int64_t rows, int64_t columns, int64_t stride, const float *g,
                                    const float *normalized, const float *output, const float *scale,
                                    const float *shift, const float *slope, float *dx) {
    for (int64_t r = 0; r < rows; r++) {
        const float *gradient = g + r * stride, *hat = normalized + r * stride;
        const float *y = output ? output + r * stride : 0;
        float *result = dx + r * stride;
        for (int64_t c = 0; c < columns; c++) {
            const float value = y && !(y[c] > 0) ? 0 : gradient[c];
            result[c] = scale[c] * value - shift[c] - hat[c] * slope[c];
        }
    }
}

// ---- AVX2 ---------------------------------------------------------------------------------

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/// Column sums of `rows` rows for the 8·`width` columns starting at `x`, into `sum`.
/// `width` ≤ 4 accumulators stay in registers across the rows.
__attribute__((target("avx2,fma")))
static inline void column_sums8(int64_t rows, int64_t stride, const float *x, int width, float *sum) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * stride;
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(row));
        if (width > 1) s1 = _mm256_add_ps(s1, _mm256_loadu_ps(row + 8));
        if (width > 2) s2 = _mm256_add_ps(s2, _mm256_loadu_ps(row + 16));
        if (width > 3) s3 = _mm256_add_ps(s3, _mm256_loadu_ps(row + 24));
    }
    _mm256_storeu_ps(sum, s0);
    if (width > 1) _mm256_storeu_ps(sum + 8, s1);
    if (width > 2) _mm256_storeu_ps(sum + 16, s2);
    if (width > 3) _mm256_storeu_ps(sum + 24, s3);
}

/// Column sums of squared deviations from `mean` for 8·`width` columns (as `column_sums8`).
__attribute__((target("avx2,fma")))
static inline void column_squares8(int64_t rows, int64_t stride, const float *x, const float *mean,
                                   int width, float *squares) {
    const __m256 m0 = _mm256_loadu_ps(mean);
    const __m256 m1 = width > 1 ? _mm256_loadu_ps(mean + 8) : m0;
    const __m256 m2 = width > 2 ? _mm256_loadu_ps(mean + 16) : m0;
    const __m256 m3 = width > 3 ? _mm256_loadu_ps(mean + 24) : m0;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t r = 0; r < rows; r++) {
        const float *row = x + r * stride;
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row), m0);
        s0 = _mm256_fmadd_ps(d, d, s0);
        if (width > 1) { d = _mm256_sub_ps(_mm256_loadu_ps(row + 8), m1); s1 = _mm256_fmadd_ps(d, d, s1); }
        if (width > 2) { d = _mm256_sub_ps(_mm256_loadu_ps(row + 16), m2); s2 = _mm256_fmadd_ps(d, d, s2); }
        if (width > 3) { d = _mm256_sub_ps(_mm256_loadu_ps(row + 24), m3); s3 = _mm256_fmadd_ps(d, d, s3); }
    }
    _mm256_storeu_ps(squares, s0);
    if (width > 1) _mm256_storeu_ps(squares + 8, s1);
    if (width > 2) _mm256_storeu_ps(squares + 16, s2);
    if (width > 3) _mm256_storeu_ps(squares + 24, s3);
}

__attribute__((target("avx2,fma")))
static int64_t statistics_avx2(int64_t rows, int64_t columns, int64_t stride, const float *x,
                               float *mean, float *squares) {
    const __m256 inverseRows = _mm256_set1_ps(1.0f / (float)rows);
    int64_t c = 0;
    while (c + 8 <= columns) {
        const int width = columns - c >= 32 ? 4 : (int)((columns - c) / 8);
        column_sums8(rows, stride, x + c, width, mean + c);
        for (int w = 0; w < width; w++) {
            _mm256_storeu_ps(mean + c + 8 * w, _mm256_mul_ps(_mm256_loadu_ps(mean + c + 8 * w), inverseRows));
        }
        column_squares8(rows, stride, x + c, mean + c, width, squares + c);
        c += 8 * width;
    }
    return c;
}

/// Σ g′ and Σ g′⊙x̂ over the rows for 8·`width` columns, g′ = g masked by output > 0 if given.
__attribute__((target("avx2,fma")))
static inline void backward_sums8(int64_t rows, int64_t stride, const float *g, const float *normalized,
                                  const float *output, int width, float *sum, float *dot) {
    __m256 s[4], d[4];
    for (int w = 0; w < 4; w++) { s[w] = _mm256_setzero_ps(); d[w] = s[w]; }
    const __m256 zero = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; r++) {
        const int64_t offset = r * stride;
        for (int w = 0; w < width; w++) {
            __m256 value = _mm256_loadu_ps(g + offset + 8 * w);
            if (output) {
                value = _mm256_and_ps(value, _mm256_cmp_ps(_mm256_loadu_ps(output + offset + 8 * w), zero, _CMP_GT_OQ));
            }
            s[w] = _mm256_add_ps(s[w], value);
            d[w] = _mm256_fmadd_ps(value, _mm256_loadu_ps(normalized + offset + 8 * w), d[w]);
        }
    }
    for (int w = 0; w < width; w++) {
        _mm256_storeu_ps(sum + 8 * w, s[w]);
        _mm256_storeu_ps(dot + 8 * w, d[w]);
    }
}

__attribute__((target("avx2,fma")))
static int64_t backward_sums_avx2(int64_t rows, int64_t columns, int64_t stride, const float *g,
                                  const float *normalized, const float *output, float *sum, float *dot) {
    int64_t c = 0;
    while (c + 8 <= columns) {
        const int width = columns - c >= 32 ? 4 : (int)((columns - c) / 8);
        backward_sums8(rows, stride, g + c, normalized + c, output ? output + c : 0, width, sum + c, dot + c);
        c += 8 * width;
    }
    return c;
}

__attribute__((target("avx2,fma")))
static int64_t normalize_avx2(int64_t rows, int64_t columns, int64_t stride, const float *x,
                              const float *mean, const float *inverse, const float *gamma,
                              const float *beta, int rectify, float *normalized, float *y) {
    const int64_t vectorColumns = columns / 8 * 8;
    const __m256 zero = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; r++) {
        const int64_t offset = r * stride;
        for (int64_t c = 0; c < vectorColumns; c += 8) {
            const __m256 value = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + offset + c), _mm256_loadu_ps(mean + c)),
                                               _mm256_loadu_ps(inverse + c));
            if (normalized) _mm256_storeu_ps(normalized + offset + c, value);
            __m256 result = _mm256_fmadd_ps(_mm256_loadu_ps(gamma + c), value, _mm256_loadu_ps(beta + c));
            if (rectify) result = _mm256_max_ps(result, zero);
            _mm256_storeu_ps(y + offset + c, result);
        }
    }
    return vectorColumns;
}

__attribute__((target("avx2,fma")))
static int64_t input_gradient_avx2(int64_t rows, int64_t columns, int64_t stride, const float *g,
                                   const float *normalized, const float *output, const float *scale,
                                   const float *shift, const float *slope, float *dx) {
    const int64_t vectorColumns = columns / 8 * 8;
    const __m256 zero = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; r++) {
        const int64_t offset = r * stride;
        for (int64_t c = 0; c < vectorColumns; c += 8) {
            __m256 value = _mm256_loadu_ps(g + offset + c);
            if (output) value = _mm256_and_ps(value, _mm256_cmp_ps(_mm256_loadu_ps(output + offset + c), zero, _CMP_GT_OQ));
            const __m256 partial = _mm256_fmsub_ps(_mm256_loadu_ps(scale + c), value, _mm256_loadu_ps(shift + c));
            _mm256_storeu_ps(dx + offset + c,
                             _mm256_fnmadd_ps(_mm256_loadu_ps(normalized + offset + c), _mm256_loadu_ps(slope + c), partial));
        }
    }
    return vectorColumns;
}
#endif

// ---- dispatch -------------------------------------------------------------------------------
// Each AVX2 path returns how many leading columns it handled; the portable path does the rest
// (same rows, the remaining columns, so the row stride stays `columns`).

#if defined(__x86_64__) || defined(__i386__)
#define DNI_AVX2_COLUMNS(instruction_set, call) \
    ((instruction_set) == DNIGEMMInstructionSetAVX2FMA ? (call) : 0)
#else
#define DNI_AVX2_COLUMNS(instruction_set, call) ((void)(instruction_set), 0)
#endif

void dni_batchnorm_statistics(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                              const float *x, float *mean, float *squared_deviations) {
    const int64_t done = DNI_AVX2_COLUMNS(instruction_set,
        statistics_avx2(rows, columns, columns, x, mean, squared_deviations));
    if (done < columns) {
        statistics_portable(rows, columns - done, columns, x + done, mean + done, squared_deviations + done);
    }
}

void dni_batchnorm_normalize(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                             const float *x, const float *mean, const float *inverse_deviation,
                             const float *gamma, const float *beta, int rectify,
                             float *normalized, float *y) {
    const int64_t done = DNI_AVX2_COLUMNS(instruction_set,
        normalize_avx2(rows, columns, columns, x, mean, inverse_deviation, gamma, beta, rectify, normalized, y));
    if (done < columns) {
        normalize_portable(rows, columns - done, columns, x + done, mean + done, inverse_deviation + done,
                           gamma + done, beta + done, rectify, normalized ? normalized + done : 0, y + done);
    }
}

void dni_batchnorm_backward_sums(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                                 const float *gradient, const float *normalized, const float *output,
                                 float *sum, float *dot) {
    const int64_t done = DNI_AVX2_COLUMNS(instruction_set,
        backward_sums_avx2(rows, columns, columns, gradient, normalized, output, sum, dot));
    if (done < columns) {
        backward_sums_portable(rows, columns - done, columns, gradient + done, normalized + done,
                               output ? output + done : 0, sum + done, dot + done);
    }
}

void dni_batchnorm_input_gradient(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t columns,
                                  const float *gradient, const float *normalized, const float *output,
                                  const float *scale, const float *shift, const float *slope,
                                  float *input_gradient) {
    const int64_t done = DNI_AVX2_COLUMNS(instruction_set,
        input_gradient_avx2(rows, columns, columns, gradient, normalized, output, scale, shift, slope, input_gradient));
    if (done < columns) {
        input_gradient_portable(rows, columns - done, columns, gradient + done, normalized + done,
                                output ? output + done : 0, scale + done, shift + done, slope + done,
                                input_gradient + done);
    }
}
