// The element-wise halves of an LSTM step (Hochreiter and Schmidhuber 1997, with the forget
// gate of Gers et al. 2000), one pass over each row of the fused gate matrix.
//
// Notation: B rows (the batch), H hidden units; a row of `gates` holds the four gate blocks
// [i | f | o | g], 4H values. Forward, for a row:
//   i = σ(aᵢ + bᵢ), f = σ(a_f + b_f), o = σ(a_o + b_o), g = tanh(a_g + b_g)
//   c = f ⊙ c₋ + i ⊙ g,  h = o ⊙ tanh(c)
// Backward, given dh (the total ∂ℓ/∂h) and dc′ (∂ℓ/∂c from the step after):
//   dc = dc′ + dh ⊙ o ⊙ (1 − tanh²c)
//   daᵢ = dc ⊙ g ⊙ i(1 − i),  da_f = dc ⊙ c₋ ⊙ f(1 − f),  da_o = dh ⊙ tanh c ⊙ o(1 − o),
//   da_g = dc ⊙ i ⊙ (1 − g²),  dc₋ = dc ⊙ f
// tanh(x) = 2σ(2x) − 1 on the AVX2 path (σ from the 8-lane exp of Activations.c's formulas).
#include "CLinalgKernels.h"
#include <math.h>

static inline float sigmoid1(float x) { return 1.0f / (1.0f + expf(-x)); }

/// Forward of units start..<hidden of one row (the gate blocks keep their stride `hidden`).
static void lstm_forward_units_portable(int64_t start, int64_t hidden, float *gates, const float *bias,
                                        const float *previous_cell, float *cell, float *tanh_cell,
                                        float *hidden_out, float *output) {
    for (int64_t j = start; j < hidden; j++) {
        const float i = sigmoid1(gates[j] + bias[j]);
        const float f = sigmoid1(gates[hidden + j] + bias[hidden + j]);
        const float o = sigmoid1(gates[2 * hidden + j] + bias[2 * hidden + j]);
        const float g = tanhf(gates[3 * hidden + j] + bias[3 * hidden + j]);
        const float c = f * previous_cell[j] + i * g;
        const float t = tanhf(c);
        gates[j] = i; gates[hidden + j] = f; gates[2 * hidden + j] = o; gates[3 * hidden + j] = g;
        cell[j] = c; tanh_cell[j] = t;
        hidden_out[j] = o * t;
        if (output) output[j] = o * t;
    }
}

/// Backward of units start..<hidden of one row.
static void lstm_backward_units_portable(int64_t start, int64_t hidden, const float *gates, const float *tanh_cell,
                                         const float *previous_cell, const float *output_gradient,
                                         const float *hidden_gradient, const float *cell_gradient,
                                         float *gate_gradient, float *previous_cell_gradient) {
    for (int64_t j = start; j < hidden; j++) {
        const float i = gates[j], f = gates[hidden + j], o = gates[2 * hidden + j], g = gates[3 * hidden + j];
        const float t = tanh_cell[j];
        float dh = hidden_gradient[j];
        if (output_gradient) dh += output_gradient[j];
        const float dc = cell_gradient[j] + dh * o * (1.0f - t * t);
        gate_gradient[j] = dc * g * i * (1.0f - i);
        gate_gradient[hidden + j] = dc * previous_cell[j] * f * (1.0f - f);
        gate_gradient[2 * hidden + j] = dh * t * o * (1.0f - o);
        gate_gradient[3 * hidden + j] = dc * i * (1.0f - g * g);
        previous_cell_gradient[j] = dc * f;
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define DNI_EXP_MAX 88.8f
#define DNI_EXP_MIN -104.0f
#define DNI_LOG2E 1.44269504088896341f
#define DNI_LN2_HIGH 0.693359375f
#define DNI_LN2_LOW -2.12194440e-4f

/// exp of 8 lanes (the polynomial of Activations.c), for the gate nonlinearities.
__attribute__((target("avx2,fma")))
static inline __m256 lstm_exp8(__m256 x) {
    __m256 clamped = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(DNI_EXP_MIN)), _mm256_set1_ps(DNI_EXP_MAX));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(DNI_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(DNI_LN2_HIGH), clamped);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(DNI_LN2_LOW), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i exponent = _mm256_cvtps_epi32(n);
    const __m256i half = _mm256_srai_epi32(exponent, 1);
    const __m256i rest = _mm256_sub_epi32(exponent, half);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 scaleHalf = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
    const __m256 scaleRest = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, scaleHalf), scaleRest);
}

__attribute__((target("avx2,fma")))
static inline __m256 lstm_sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, lstm_exp8(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)))));
}

/// tanh x = 2σ(2x) − 1.
__attribute__((target("avx2,fma")))
static inline __m256 lstm_tanh8(__m256 x) {
    const __m256 s = lstm_sigmoid8(_mm256_add_ps(x, x));
    return _mm256_sub_ps(_mm256_add_ps(s, s), _mm256_set1_ps(1.0f));
}

__attribute__((target("avx2,fma")))
static void lstm_forward_row_avx2(int64_t hidden, float *gates, const float *bias,
                                  const float *previous_cell, float *cell, float *tanh_cell,
                                  float *hidden_out, float *output) {
    int64_t j = 0;
    for (; j + 8 <= hidden; j += 8) {
        const __m256 i = lstm_sigmoid8(_mm256_add_ps(_mm256_loadu_ps(gates + j), _mm256_loadu_ps(bias + j)));
        const __m256 f = lstm_sigmoid8(_mm256_add_ps(_mm256_loadu_ps(gates + hidden + j), _mm256_loadu_ps(bias + hidden + j)));
        const __m256 o = lstm_sigmoid8(_mm256_add_ps(_mm256_loadu_ps(gates + 2 * hidden + j), _mm256_loadu_ps(bias + 2 * hidden + j)));
        const __m256 g = lstm_tanh8(_mm256_add_ps(_mm256_loadu_ps(gates + 3 * hidden + j), _mm256_loadu_ps(bias + 3 * hidden + j)));
        const __m256 c = _mm256_fmadd_ps(f, _mm256_loadu_ps(previous_cell + j), _mm256_mul_ps(i, g));
        const __m256 t = lstm_tanh8(c);
        const __m256 h = _mm256_mul_ps(o, t);
        _mm256_storeu_ps(gates + j, i);
        _mm256_storeu_ps(gates + hidden + j, f);
        _mm256_storeu_ps(gates + 2 * hidden + j, o);
        _mm256_storeu_ps(gates + 3 * hidden + j, g);
        _mm256_storeu_ps(cell + j, c);
        _mm256_storeu_ps(tanh_cell + j, t);
        _mm256_storeu_ps(hidden_out + j, h);
        if (output) _mm256_storeu_ps(output + j, h);
    }
    lstm_forward_units_portable(j, hidden, gates, bias, previous_cell, cell, tanh_cell, hidden_out, output);
}

__attribute__((target("avx2,fma")))
static void lstm_backward_row_avx2(int64_t hidden, const float *gates, const float *tanh_cell,
                                   const float *previous_cell, const float *output_gradient,
                                   const float *hidden_gradient, const float *cell_gradient,
                                   float *gate_gradient, float *previous_cell_gradient) {
    const __m256 one = _mm256_set1_ps(1.0f);
    int64_t j = 0;
    for (; j + 8 <= hidden; j += 8) {
        const __m256 i = _mm256_loadu_ps(gates + j), f = _mm256_loadu_ps(gates + hidden + j);
        const __m256 o = _mm256_loadu_ps(gates + 2 * hidden + j), g = _mm256_loadu_ps(gates + 3 * hidden + j);
        const __m256 t = _mm256_loadu_ps(tanh_cell + j);
        __m256 dh = _mm256_loadu_ps(hidden_gradient + j);
        if (output_gradient) dh = _mm256_add_ps(dh, _mm256_loadu_ps(output_gradient + j));
        const __m256 dc = _mm256_fmadd_ps(_mm256_mul_ps(dh, o), _mm256_fnmadd_ps(t, t, one), _mm256_loadu_ps(cell_gradient + j));
        _mm256_storeu_ps(gate_gradient + j, _mm256_mul_ps(_mm256_mul_ps(dc, g), _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
        _mm256_storeu_ps(gate_gradient + hidden + j,
                         _mm256_mul_ps(_mm256_mul_ps(dc, _mm256_loadu_ps(previous_cell + j)), _mm256_mul_ps(f, _mm256_sub_ps(one, f))));
        _mm256_storeu_ps(gate_gradient + 2 * hidden + j, _mm256_mul_ps(_mm256_mul_ps(dh, t), _mm256_mul_ps(o, _mm256_sub_ps(one, o))));
        _mm256_storeu_ps(gate_gradient + 3 * hidden + j, _mm256_mul_ps(_mm256_mul_ps(dc, i), _mm256_fnmadd_ps(g, g, one)));
        _mm256_storeu_ps(previous_cell_gradient + j, _mm256_mul_ps(dc, f));
    }
    lstm_backward_units_portable(j, hidden, gates, tanh_cell, previous_cell, output_gradient, hidden_gradient,
                                 cell_gradient, gate_gradient, previous_cell_gradient);
}
#endif

void dni_lstm_forward(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t hidden,
                      float *gates, const float *bias,
                      const float *previous_cell, int64_t previous_cell_stride,
                      float *cell, int64_t cell_stride, float *tanh_cell,
                      float *hidden_out, int64_t hidden_stride,
                      float *output, int64_t output_stride) {
    for (int64_t r = 0; r < rows; r++) {
        float *g = gates + r * 4 * hidden;
        const float *cp = previous_cell + r * previous_cell_stride;
        float *c = cell + r * cell_stride;
        float *t = tanh_cell + r * hidden;
        float *h = hidden_out + r * hidden_stride;
        float *y = output ? output + r * output_stride : 0;
#if defined(__x86_64__) || defined(__i386__)
        if (instruction_set == DNIGEMMInstructionSetAVX2FMA) {
            lstm_forward_row_avx2(hidden, g, bias, cp, c, t, h, y);
            continue;
        }
#endif
        lstm_forward_units_portable(0, hidden, g, bias, cp, c, t, h, y);
    }
    (void)instruction_set;
}

void dni_lstm_backward(DNIGEMMInstructionSet instruction_set, int64_t rows, int64_t hidden,
                       const float *gates, const float *tanh_cell,
                       const float *previous_cell, int64_t previous_cell_stride,
                       const float *output_gradient, int64_t output_gradient_stride,
                       const float *hidden_gradient, int64_t hidden_gradient_stride,
                       const float *cell_gradient, int64_t cell_gradient_stride,
                       float *gate_gradient,
                       float *previous_cell_gradient, int64_t previous_cell_gradient_stride) {
    for (int64_t r = 0; r < rows; r++) {
        const float *g = gates + r * 4 * hidden;
        const float *t = tanh_cell + r * hidden;
        const float *cp = previous_cell + r * previous_cell_stride;
        const float *dy = output_gradient ? output_gradient + r * output_gradient_stride : 0;
        const float *dh = hidden_gradient + r * hidden_gradient_stride;
        const float *dc = cell_gradient + r * cell_gradient_stride;
        float *da = gate_gradient + r * 4 * hidden;
        float *dcp = previous_cell_gradient + r * previous_cell_gradient_stride;
#if defined(__x86_64__) || defined(__i386__)
        if (instruction_set == DNIGEMMInstructionSetAVX2FMA) {
            lstm_backward_row_avx2(hidden, g, t, cp, dy, dh, dc, da, dcp);
            continue;
        }
#endif
        lstm_backward_units_portable(0, hidden, g, t, cp, dy, dh, dc, da, dcp);
    }
    (void)instruction_set;
}
