// The portable 6×16 GEMM microkernel: the fallback on CPUs without AVX2/FMA and on arm64.
#include "Microkernels.h"

void dni_gemm_microkernel_portable(int64_t depth, float alpha, const float *a, const float *b,
                                   float beta, float *c, int64_t ldc) {
    float accumulator[6][16] = {{0}};
    for (int64_t p = 0; p < depth; p++) {
        for (int i = 0; i < 6; i++) {
            const float value = a[i];
            for (int j = 0; j < 16; j++) accumulator[i][j] += value * b[j];
        }
        a += 6;
        b += 16;
    }
    for (int i = 0; i < 6; i++) {
        float *row = c + i * ldc;
        if (beta == 0) {
            for (int j = 0; j < 16; j++) row[j] = alpha * accumulator[i][j];
        } else {
            for (int j = 0; j < 16; j++) row[j] = alpha * accumulator[i][j] + beta * row[j];
        }
    }
}
