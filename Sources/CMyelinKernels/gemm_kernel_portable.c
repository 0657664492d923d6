// The portable GEMM family: plain C that any compiler vectorises for its baseline (SSE2 on x86-64,
// NEON on Arm). A 4×16 tile keeps 64 partial sums: 16 NEON registers, so Arm has room for B too.
#include "gemm_generic.h"

enum { MR = 4, NR = 16 };

static void pack_a(int64_t mc, int64_t kc, const float *A, int64_t rs, int64_t cs, float alpha, float *dst) {
    for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc)
        generic_pack_a_panel(MR, mc - i0 < MR ? (int)(mc - i0) : MR, kc, A + i0 * rs, rs, cs, alpha, dst);
}

static void pack_b(int64_t kc, int64_t nc, const float *B, int64_t rs, int64_t cs, float *dst) {
    for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc)
        generic_pack_b_panel(NR, nc - j0 < NR ? (int)(nc - j0) : NR, kc, B + j0 * cs, rs, cs, dst);
}

static void kernel(int64_t kc, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc,
                   int m, int n, const myelin_epilogue *ep) {
    (void)lda; // panels are interleaved by k
    float acc[MR][NR] = {{0}};
    for (int64_t p = 0; p < kc; p++, A += MR, B += ldb)
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++) acc[r][c] += A[r] * B[c];
    generic_store_tile(&acc[0][0], NR, C, ldc, m, n, ep);
}

static void gemv_dot(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    generic_gemv_dot(n, k, W, ldw, x, y);
}

static void gemv_axpy(int64_t n, int64_t k, const float *W, int64_t ldw, const float *x, float *y) {
    generic_gemv_axpy(n, k, W, ldw, x, y);
}

const myelin_gemm_family myelin_gemm_family_portable = {
    .mr = MR,
    .nr = NR,
    .n_granule = NR,
    .pack_a = pack_a,
    .pack_b = pack_b,
    .kernel = kernel,
    .gemv_dot = gemv_dot,
    .gemv_axpy = gemv_axpy,
    .direct_a = 0,
    .direct_b = 0,
};
