// The GEMM macro-kernel: runs the microkernel over every register tile of one cache block.
#include "CLinalgKernels.h"
#include "Microkernels.h"
#include <stddef.h>

enum { TILE_ROWS = DNI_GEMM_TILE_ROWS, TILE_COLUMNS = DNI_GEMM_TILE_COLUMNS };

typedef void (*Microkernel)(int64_t, float, const float *, const float *, float, float *, int64_t);

void dni_gemm_macro_kernel(DNIGEMMInstructionSet instruction_set,
                           int64_t rows, int64_t columns, int64_t depth,
                           float alpha, const float *packed_a, const float *packed_b,
                           float beta, float *c, int64_t ldc) {
    Microkernel microkernel = dni_gemm_microkernel_portable;
    // For a last column panel with at most 8 used columns (half a tile), if there is one.
    Microkernel narrowMicrokernel = NULL;
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set == DNIGEMMInstructionSetAVX2FMA) {
        // Full tiles on AVX-512 when the CPU has it (same bits, half the instructions); edge
        // tiles and half-width panels stay on the AVX2 kernels.
        microkernel = dni_cpu_supports_avx512f() ? dni_gemm_microkernel_avx512 : dni_gemm_microkernel_avx2_fma;
        narrowMicrokernel = dni_gemm_microkernel_avx2_fma_6x8;
    }
#else
    (void)instruction_set;
#endif
    // A partial tile is computed into this stack tile (beta = 0), then merged into C.
    float edge[TILE_ROWS * TILE_COLUMNS];
    for (int64_t column0 = 0; column0 < columns; column0 += TILE_COLUMNS) {
        const int64_t usedColumns = columns - column0 < TILE_COLUMNS ? columns - column0 : TILE_COLUMNS;
        const float *panelB = packed_b + column0 * depth;
        const int narrow = narrowMicrokernel != NULL && usedColumns <= TILE_COLUMNS / 2;
        const int64_t fullColumns = narrow ? TILE_COLUMNS / 2 : TILE_COLUMNS;
        const Microkernel kernel = narrow ? narrowMicrokernel : microkernel;
        for (int64_t row0 = 0; row0 < rows; row0 += TILE_ROWS) {
            const int64_t usedRows = rows - row0 < TILE_ROWS ? rows - row0 : TILE_ROWS;
            const float *panelA = packed_a + row0 * depth;
            float *tile = c + row0 * ldc + column0;
            if (usedRows == TILE_ROWS && usedColumns == fullColumns) {
                kernel(depth, alpha, panelA, panelB, beta, tile, ldc);
                continue;
            }
            kernel(depth, alpha, panelA, panelB, 0, edge, TILE_COLUMNS);
            for (int64_t i = 0; i < usedRows; i++) {
                float *row = tile + i * ldc;
                const float *source = edge + i * TILE_COLUMNS;
                if (beta == 0) {
                    for (int64_t j = 0; j < usedColumns; j++) row[j] = source[j];
                } else {
                    for (int64_t j = 0; j < usedColumns; j++) row[j] = source[j] + beta * row[j];
                }
            }
        }
    }
}

int dni_gemm_macro_kernel_unpacked_a(DNIGEMMInstructionSet instruction_set,
                                     int64_t rows, int64_t columns, int64_t depth, float alpha,
                                     const float *a, int64_t row_stride, int64_t depth_stride,
                                     const float *packed_b, float beta, float *c, int64_t ldc) {
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set != DNIGEMMInstructionSetAVX2FMA || columns > TILE_COLUMNS) return 0;
    const int wide = columns > TILE_COLUMNS / 2;
    const int64_t fullColumns = wide ? TILE_COLUMNS : TILE_COLUMNS / 2;
    float edge[TILE_ROWS * TILE_COLUMNS];
    for (int64_t row0 = 0; row0 < rows; row0 += TILE_ROWS) {
        const int64_t usedRows = rows - row0 < TILE_ROWS ? rows - row0 : TILE_ROWS;
        // Rows past the edge repeat the last real row; their results are dropped.
        const float *rowPointers[TILE_ROWS];
        for (int64_t i = 0; i < TILE_ROWS; i++) {
            rowPointers[i] = a + (row0 + (i < usedRows ? i : usedRows - 1)) * row_stride;
        }
        float *tile = c + row0 * ldc;
        if (usedRows == TILE_ROWS && columns == fullColumns) {
            dni_gemm_microkernel_avx2_fma_strided(depth, alpha, rowPointers, depth_stride, packed_b, wide,
                                                  beta, tile, ldc);
            continue;
        }
        dni_gemm_microkernel_avx2_fma_strided(depth, alpha, rowPointers, depth_stride, packed_b, wide,
                                              0, edge, TILE_COLUMNS);
        for (int64_t i = 0; i < usedRows; i++) {
            float *row = tile + i * ldc;
            const float *source = edge + i * TILE_COLUMNS;
            if (beta == 0) {
                for (int64_t j = 0; j < columns; j++) row[j] = source[j];
            } else {
                for (int64_t j = 0; j < columns; j++) row[j] = source[j] + beta * row[j];
            }
        }
    }
    return 1;
#else
    (void)instruction_set; (void)rows; (void)columns; (void)depth; (void)alpha; (void)a;
    (void)row_stride; (void)depth_stride; (void)packed_b; (void)beta; (void)c; (void)ldc;
    return 0;
#endif
}

int dni_gemm_tile(int wide, int64_t depth, float alpha, const float *a, const float *b, float beta,
                  float *c, int64_t ldc) {
#if defined(__x86_64__) || defined(__i386__)
    if (!dni_cpu_supports_avx2_fma() || (wide && !dni_cpu_supports_avx512f())) return 0;
    if (wide) {
        dni_gemm_microkernel_avx512(depth, alpha, a, b, beta, c, ldc);
    } else {
        dni_gemm_microkernel_avx2_fma(depth, alpha, a, b, beta, c, ldc);
    }
    return 1;
#else
    (void)wide; (void)depth; (void)alpha; (void)a; (void)b; (void)beta; (void)c; (void)ldc;
    return 0;
#endif
}
