// Packing of GEMM operands into the micro-panel layouts described in CLinalgKernels.h.
//
// Packing is where the four transpose cases are absorbed: after it, the macro-kernel sees the
// same contiguous panels whatever the storage order of A and B. Each loop reads its source along
// contiguous memory; rows or columns past the edge of the block are written as zeros, so the
// microkernel always runs on full tiles.
#include "CLinalgKernels.h"
#include <string.h>

enum { TILE_ROWS = DNI_GEMM_TILE_ROWS, TILE_COLUMNS = DNI_GEMM_TILE_COLUMNS };

void dni_gemm_pack_a(int transpose, int64_t rows, int64_t depth,
                     const float *a, int64_t lda, float *packed) {
    for (int64_t row0 = 0; row0 < rows; row0 += TILE_ROWS) {
        const int64_t used = rows - row0 < TILE_ROWS ? rows - row0 : TILE_ROWS;
        if (!transpose) {
            // Element (i, p) at a[i * lda + p]: read each row contiguously, write with stride 6.
            for (int64_t i = 0; i < used; i++) {
                const float *source = a + (row0 + i) * lda;
                for (int64_t p = 0; p < depth; p++) packed[p * TILE_ROWS + i] = source[p];
            }
        } else {
            // Element (i, p) at a[p * lda + i]: the 6 values of one p are contiguous.
            for (int64_t p = 0; p < depth; p++) {
                const float *source = a + p * lda + row0;
                for (int64_t i = 0; i < used; i++) packed[p * TILE_ROWS + i] = source[i];
            }
        }
        for (int64_t i = used; i < TILE_ROWS; i++) {
            for (int64_t p = 0; p < depth; p++) packed[p * TILE_ROWS + i] = 0;
        }
        packed += TILE_ROWS * depth;
    }
}

void dni_gemm_pack_b(int transpose, int64_t depth, int64_t columns,
                     const float *b, int64_t ldb, float *packed) {
    for (int64_t column0 = 0; column0 < columns; column0 += TILE_COLUMNS) {
        const int64_t used = columns - column0 < TILE_COLUMNS ? columns - column0 : TILE_COLUMNS;
        if (!transpose) {
            // Element (p, j) at b[p * ldb + j]: 16 contiguous values per p.
            for (int64_t p = 0; p < depth; p++) {
                float *target = packed + p * TILE_COLUMNS;
                memcpy(target, b + p * ldb + column0, (size_t)used * sizeof(float));
                for (int64_t j = used; j < TILE_COLUMNS; j++) target[j] = 0;
            }
        } else {
            // Element (p, j) at b[j * ldb + p]: read each stored row contiguously, write with stride 16.
            for (int64_t j = 0; j < used; j++) {
                const float *source = b + (column0 + j) * ldb;
                for (int64_t p = 0; p < depth; p++) packed[p * TILE_COLUMNS + j] = source[p];
            }
            for (int64_t j = used; j < TILE_COLUMNS; j++) {
                for (int64_t p = 0; p < depth; p++) packed[p * TILE_COLUMNS + j] = 0;
            }
        }
        packed += TILE_COLUMNS * depth;
    }
}
