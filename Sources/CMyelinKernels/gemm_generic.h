// Plain-C pieces of a GEMM family, written once and compiled into each family's file, so that the
// compiler vectorises them for that family's instruction set (they are always inlined into functions
// that carry the family's target attribute). MR and NR are the including file's constants.
#ifndef CMYELIN_GEMM_GENERIC_H
#define CMYELIN_GEMM_GENERIC_H

#include "internal.h"

// Packs an MR-row panel (h ≤ MR real rows) of A with any strides; rows past h are zero.
MYELIN_INLINE void generic_pack_a_panel(int mr, int h, int64_t kc, const float *a, int64_t rs, int64_t cs,
                                        float alpha, float *dst) {
    if (rs == 1) {
        for (int64_t p = 0; p < kc; p++)
            for (int r = 0; r < mr; r++) dst[p * mr + r] = r < h ? alpha * a[p * cs + r] : 0.0f;
    } else {
        for (int64_t p = 0; p < kc; p++)
            for (int r = 0; r < mr; r++) dst[p * mr + r] = r < h ? alpha * a[r * rs + p * cs] : 0.0f;
    }
}

// Packs a kc×NR panel (w ≤ NR real columns) of B with any strides; columns past w are zero.
MYELIN_INLINE void generic_pack_b_panel(int nr, int w, int64_t kc, const float *b, int64_t rs, int64_t cs,
                                        float *dst) {
    if (cs == 1 && w == nr) {
        for (int64_t p = 0; p < kc; p++)
            for (int c = 0; c < nr; c++) dst[p * nr + c] = b[p * rs + c];
    } else {
        for (int64_t p = 0; p < kc; p++)
            for (int c = 0; c < nr; c++) dst[p * nr + c] = c < w ? b[p * rs + c * cs] : 0.0f;
    }
}

// y[j] = Σ_p W[j*ldw + p]·x[p]. Sixteen partial sums per row, kept as an array so the compiler
// vectorises across them without having to reorder a reduction.
MYELIN_INLINE void generic_gemv_dot(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    enum { L = 16 };
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        float s[4][L] = {{0}};
        const float *w = W + j * ldw;
        int64_t p = 0;
        for (; p + L <= k; p += L)
            for (int r = 0; r < 4; r++)
                for (int l = 0; l < L; l++) s[r][l] += w[r * ldw + p + l] * x[p + l];
        for (int r = 0; r < 4; r++) {
            float t = 0;
            for (int64_t q = p; q < k; q++) t += w[r * ldw + q] * x[q];
            for (int l = 0; l < L; l++) t += s[r][l];
            y[j + r] = t;
        }
    }
    for (; j < n; j++) {
        float s[L] = {0};
        const float *w = W + j * ldw;
        int64_t p = 0;
        for (; p + L <= k; p += L)
            for (int l = 0; l < L; l++) s[l] += w[p + l] * x[p + l];
        float t = 0;
        for (; p < k; p++) t += w[p] * x[p];
        for (int l = 0; l < L; l++) t += s[l];
        y[j] = t;
    }
}

// y[j] = Σ_p W[p*ldw + j]·x[p], in column blocks that stay in registers.
MYELIN_INLINE void generic_gemv_axpy(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    enum { B = 64 };
    int64_t j0 = 0;
    for (; j0 + B <= n; j0 += B) {
        float acc[B] = {0};
        for (int64_t p = 0; p < k; p++)
            for (int c = 0; c < B; c++) acc[c] += x[p] * W[p * ldw + j0 + c];
        for (int c = 0; c < B; c++) y[j0 + c] = acc[c];
    }
    if (j0 < n) {
        const int w = (int)(n - j0);
        float acc[B] = {0};
        for (int64_t p = 0; p < k; p++)
            for (int c = 0; c < w; c++) acc[c] += x[p] * W[p * ldw + j0 + c];
        for (int c = 0; c < w; c++) y[j0 + c] = acc[c];
    }
}

// The m×n corner of an accumulated tile (row stride ld) goes to C through the epilogue.
MYELIN_INLINE void generic_store_tile(const float *acc, int ld, float *C, int64_t ldc, int m, int n,
                                      const myelin_epilogue *ep) {
    for (int r = 0; r < m; r++) {
        float *c = C + r * ldc;
        for (int j = 0; j < n; j++) {
            float x = ep->alpha * acc[r * ld + j];
            if (ep->beta != 0) x += ep->beta * c[j];
            if (ep->bias) x += ep->bias[j];
            if (ep->relu) x = x < 0 ? 0.0f : x; // NaN stays NaN
            c[j] = x;
        }
    }
}

#endif
