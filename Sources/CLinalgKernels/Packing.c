// Packing of GEMM operands into the micro-panel layouts described in CLinalgKernels.h.
//
// Packing is where the four transpose cases are absorbed: after it, the macro-kernel sees the
// same contiguous panels whatever the storage order of A and B. Each loop reads its source along
// contiguous memory; rows or columns past the edge of the block are written as zeros, so the
// microkernel always runs on full tiles.
//
// The portable loops below are the reference. The AVX2 path writes the same bytes (it only
// moves floats, never computes), faster: full tiles whose source is read along the depth are
// transposed in registers instead of written one float at a time with a stride; edge tiles
// go through the portable loops.
#include "CLinalgKernels.h"
#include <string.h>

enum { TILE_ROWS = DNI_GEMM_TILE_ROWS, TILE_COLUMNS = DNI_GEMM_TILE_COLUMNS };

/// One A micro-panel of `used` ≤ 6 rows, zero-padded to 6.
static void pack_a_panel_portable(int transpose, int64_t used, int64_t depth,
                                  const float *a, int64_t lda, float *packed) {
    if (!transpose) {
        // Element (i, p) at a[i * lda + p]: read each row contiguously, write with stride 6.
        for (int64_t i = 0; i < used; i++) {
            const float *source = a + i * lda;
            for (int64_t p = 0; p < depth; p++) packed[p * TILE_ROWS + i] = source[p];
        }
    } else {
        // Element (i, p) at a[p * lda + i]: the 6 values of one p are contiguous.
        for (int64_t p = 0; p < depth; p++) {
            const float *source = a + p * lda;
            for (int64_t i = 0; i < used; i++) packed[p * TILE_ROWS + i] = source[i];
        }
    }
    for (int64_t i = used; i < TILE_ROWS; i++) {
        for (int64_t p = 0; p < depth; p++) packed[p * TILE_ROWS + i] = 0;
    }
}

/// One B micro-panel of `used` ≤ 16 columns, zero-padded to 16.
static void pack_b_panel_portable(int transpose, int64_t depth, int64_t used,
                                  const float *b, int64_t ldb, float *packed) {
    if (!transpose) {
        // Element (p, j) at b[p * ldb + j]: 16 contiguous values per p.
        for (int64_t p = 0; p < depth; p++) {
            float *target = packed + p * TILE_COLUMNS;
            memcpy(target, b + p * ldb, (size_t)used * sizeof(float));
            for (int64_t j = used; j < TILE_COLUMNS; j++) target[j] = 0;
        }
    } else {
        // Element (p, j) at b[j * ldb + p]: read each stored row contiguously, write with stride 16.
        for (int64_t j = 0; j < used; j++) {
            const float *source = b + j * ldb;
            for (int64_t p = 0; p < depth; p++) packed[p * TILE_COLUMNS + j] = source[p];
        }
        for (int64_t j = used; j < TILE_COLUMNS; j++) {
            for (int64_t p = 0; p < depth; p++) packed[p * TILE_COLUMNS + j] = 0;
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// The register transpose (both AVX2 paths). Four source rows r0…r3 give 4 consecutive values
// each; loading rows r and r + 4 into the two 128-bit lanes of one register, the same two
// in-lane steps transpose both 4×4 blocks at once:
//   x_k = [r_k[0..3] | r_{k+4}[0..3]]                              (k = 0…3)
//   t0 = unpacklo(x0, x1) = [r0[0] r1[0] r0[1] r1[1] | r4[0] r5[0] r4[1] r5[1]]
//   t1 = unpackhi(x0, x1) = [r0[2] r1[2] r0[3] r1[3] | …], t2, t3 likewise from x2, x3
//   y0 = shuffle(t0, t2, 0x44) = [r0[0] r1[0] r2[0] r3[0] | r4[0] r5[0] r6[0] r7[0]]
//   y1 = shuffle(t0, t2, 0xEE) = column 1, y2 = shuffle(t1, t3, 0x44), y3 = shuffle(t1, t3, 0xEE)
// so y_p holds the 8 rows' values at p: 8 unpacks/shuffles per 4×8 block, no lane crossing.

/// The 4 values at `p`…`p + 3` of rows `rows[0…7]` as 4 vectors of the 8 rows (see above).
__attribute__((target("avx2,fma")))
static inline void transpose_8x4(const float *const rows[8], int64_t p, __m256 y[4]) {
    __m256 x[4];
    for (int k = 0; k < 4; k++) {
        x[k] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(rows[k] + p)),
                                    _mm_loadu_ps(rows[k + 4] + p), 1);
    }
    const __m256 t0 = _mm256_unpacklo_ps(x[0], x[1]), t1 = _mm256_unpackhi_ps(x[0], x[1]);
    const __m256 t2 = _mm256_unpacklo_ps(x[2], x[3]), t3 = _mm256_unpackhi_ps(x[2], x[3]);
    y[0] = _mm256_shuffle_ps(t0, t2, 0x44);
    y[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
    y[2] = _mm256_shuffle_ps(t1, t3, 0x44);
    y[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

/// Stores the first 6 floats of `v` (16 + 8 bytes), nothing after them.
__attribute__((target("avx2,fma")))
static inline void store6(float *target, __m256 v) {
    _mm_storeu_ps(target, _mm256_castps256_ps128(v));
    _mm_storel_pi((__m64 *)(void *)(target + 4), _mm256_extractf128_ps(v, 1));
}

/// A full 6-row A micro-panel, element (i, p) at a[i * lda + p].
///
/// Rows 6 and 7 of the transpose repeat rows 2 and 3: the 8-float store of p puts their two
/// values where p + 1 starts, and the store of p + 1 (made after it) overwrites them. The last
/// store of the panel writes exactly 6 floats, so nothing past the panel is touched.
__attribute__((target("avx2,fma")))
static void pack_a_rows_avx2(int64_t depth, const float *a, int64_t lda, float *packed) {
    const float *const rows[8] = {a, a + lda, a + 2 * lda, a + 3 * lda,
                                  a + 4 * lda, a + 5 * lda, a + 2 * lda, a + 3 * lda};
    int64_t p = 0;
    for (; p + 4 <= depth; p += 4) {
        __m256 y[4];
        transpose_8x4(rows, p, y);
        float *target = packed + p * TILE_ROWS;
        _mm256_storeu_ps(target, y[0]);
        _mm256_storeu_ps(target + TILE_ROWS, y[1]);
        _mm256_storeu_ps(target + 2 * TILE_ROWS, y[2]);
        if (p + 4 < depth) _mm256_storeu_ps(target + 3 * TILE_ROWS, y[3]);
        else store6(target + 3 * TILE_ROWS, y[3]);
    }
    for (; p < depth; p++) {
        for (int i = 0; i < TILE_ROWS; i++) packed[p * TILE_ROWS + i] = rows[i][p];
    }
}

/// A full 16-column B micro-panel, element (p, j) at b[j * ldb + p]: two 8-column transposes.
__attribute__((target("avx2,fma")))
static void pack_b_columns_avx2(int64_t depth, const float *b, int64_t ldb, float *packed) {
    const float *rows[TILE_COLUMNS];
    for (int j = 0; j < TILE_COLUMNS; j++) rows[j] = b + j * ldb;
    int64_t p = 0;
    for (; p + 4 <= depth; p += 4) {
        for (int half = 0; half < 2; half++) {
            __m256 y[4];
            transpose_8x4(rows + 8 * half, p, y);
            for (int k = 0; k < 4; k++) _mm256_storeu_ps(packed + (p + k) * TILE_COLUMNS + 8 * half, y[k]);
        }
    }
    for (; p < depth; p++) {
        for (int j = 0; j < TILE_COLUMNS; j++) packed[p * TILE_COLUMNS + j] = rows[j][p];
    }
}

__attribute__((target("avx2,fma")))
static void pack_a_avx2(int transpose, int64_t rows, int64_t depth,
                        const float *a, int64_t lda, float *packed) {
    for (int64_t row0 = 0; row0 < rows; row0 += TILE_ROWS) {
        const int64_t used = rows - row0 < TILE_ROWS ? rows - row0 : TILE_ROWS;
        if (used < TILE_ROWS) {
            pack_a_panel_portable(transpose, used, depth, transpose ? a + row0 : a + row0 * lda, lda, packed);
        } else if (!transpose) {
            pack_a_rows_avx2(depth, a + row0 * lda, lda, packed);
        } else {
            // 6 contiguous values per p: a fixed 24-byte copy (one 16- and one 8-byte move).
            for (int64_t p = 0; p < depth; p++) {
                memcpy(packed + p * TILE_ROWS, a + p * lda + row0, TILE_ROWS * sizeof(float));
            }
        }
        packed += TILE_ROWS * depth;
    }
}

__attribute__((target("avx2,fma")))
static void pack_b_avx2(int transpose, int64_t depth, int64_t columns,
                        const float *b, int64_t ldb, float *packed) {
    for (int64_t column0 = 0; column0 < columns; column0 += TILE_COLUMNS) {
        const int64_t used = columns - column0 < TILE_COLUMNS ? columns - column0 : TILE_COLUMNS;
        const float *block = transpose ? b + column0 * ldb : b + column0;
        if (used < TILE_COLUMNS) {
            pack_b_panel_portable(transpose, depth, used, block, ldb, packed);
        } else if (transpose) {
            pack_b_columns_avx2(depth, block, ldb, packed);
        } else {
            // 16 contiguous values per p: a fixed 64-byte copy (two 32-byte moves).
            for (int64_t p = 0; p < depth; p++) {
                memcpy(packed + p * TILE_COLUMNS, block + p * ldb, TILE_COLUMNS * sizeof(float));
            }
        }
        packed += TILE_COLUMNS * depth;
    }
}
#endif

void dni_gemm_pack_a(DNIGEMMInstructionSet instruction_set, int transpose, int64_t rows, int64_t depth,
                     const float *a, int64_t lda, float *packed) {
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set == DNIGEMMInstructionSetAVX2FMA) { pack_a_avx2(transpose, rows, depth, a, lda, packed); return; }
#endif
    (void)instruction_set;
    for (int64_t row0 = 0; row0 < rows; row0 += TILE_ROWS) {
        const int64_t used = rows - row0 < TILE_ROWS ? rows - row0 : TILE_ROWS;
        pack_a_panel_portable(transpose, used, depth, transpose ? a + row0 : a + row0 * lda, lda, packed);
        packed += TILE_ROWS * depth;
    }
}

void dni_gemm_pack_b(DNIGEMMInstructionSet instruction_set, int transpose, int64_t depth, int64_t columns,
                     const float *b, int64_t ldb, float *packed) {
#if defined(__x86_64__) || defined(__i386__)
    if (instruction_set == DNIGEMMInstructionSetAVX2FMA) { pack_b_avx2(transpose, depth, columns, b, ldb, packed); return; }
#endif
    (void)instruction_set;
    for (int64_t column0 = 0; column0 < columns; column0 += TILE_COLUMNS) {
        const int64_t used = columns - column0 < TILE_COLUMNS ? columns - column0 : TILE_COLUMNS;
        pack_b_panel_portable(transpose, depth, used, transpose ? b + column0 * ldb : b + column0, ldb, packed);
        packed += TILE_COLUMNS * depth;
    }
}
