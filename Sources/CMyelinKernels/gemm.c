// SGEMM driver, shared by every kernel family: path selection, cache blocking, packing, threading,
// and the cheap paths for GEMV and small products.
//
// Loop order (BLIS-style, with the roles that suit a row-major C whose vectors run along N):
//   ic: rows of A in blocks of MC       packed A block (MC×KC) is shared by the team (L3)
//   pc: K in blocks of ≈KC                one barrier per block: the team packs A together
//   jc: this thread's columns by NC       packed B block (KC×NC) is private, in this core's L2
//   ir: MR-row panels of packed A          an A panel (MR×KC) stays in L1 ...
//   jr: NR-column panels of packed B       ... while B panels stream from L2 through the kernel
// Threads split the columns (each packs and keeps its own B block; C columns never overlap) or,
// for narrow products, the rows.
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "internal.h"

// Cache blocking. KC·MR·4 bytes (the A panel, 23 KiB at KC = 480) sits in the 48 KiB L1 next to the
// B panel being streamed; KC·NC·4 (the B block, 960 KiB at NC = 512) fills most of the 1 MiB L2.
enum {
    KC_MAX = 480,
    NC_MAX = 512,
    MC_MAX = 3072,
    // Below this many multiply-adds the product runs on the calling thread.
    PARALLEL_MIN_MACS = 1 << 20,
    // Below this many multiply-adds per row of B, B is read in place rather than packed.
    DIRECT_B_MAX_MACS = 1 << 16,
};

// MARK: - Path selection

static int cpu_has(myelin_gemm_path path) {
#if MYELIN_X86
    __builtin_cpu_init();
    if (path == MYELIN_GEMM_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("fma");
    if (path == MYELIN_GEMM_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return path == MYELIN_GEMM_PORTABLE;
}

int myelin_gemm_path_supported(myelin_gemm_path path) {
    return path == MYELIN_GEMM_AUTO || cpu_has(path);
}

static const myelin_gemm_family *family_for(myelin_gemm_path path) {
#if MYELIN_X86
    if (path == MYELIN_GEMM_AUTO) path = cpu_has(MYELIN_GEMM_AVX512) ? MYELIN_GEMM_AVX512 : MYELIN_GEMM_AVX2;
    if (path == MYELIN_GEMM_AVX512 && cpu_has(path)) return &myelin_family_avx512;
    if (path != MYELIN_GEMM_PORTABLE && cpu_has(MYELIN_GEMM_AVX2)) return &myelin_family_avx2;
#else
    (void)path;
#endif
    return &myelin_family_portable;
}

static _Atomic(const myelin_gemm_family *) current_family;

static const myelin_gemm_family *family(void) {
    const myelin_gemm_family *f = atomic_load_explicit(&current_family, memory_order_acquire);
    if (f == NULL) {
        f = family_for(MYELIN_GEMM_AUTO);
        atomic_store_explicit(&current_family, f, memory_order_release);
    }
    return f;
}

myelin_gemm_path myelin_gemm_set_path(myelin_gemm_path path) {
    const myelin_gemm_family *f = family_for(path);
    atomic_store(&current_family, f);
    return f->path;
}

myelin_gemm_path myelin_gemm_current_path(void) { return family()->path; }

const char *myelin_gemm_path_name(myelin_gemm_path path) {
    switch (path) {
    case MYELIN_GEMM_AVX512: return "avx512";
    case MYELIN_GEMM_AVX2: return "avx2";
    case MYELIN_GEMM_PORTABLE: return "portable";
    default: return "auto";
    }
}

// MARK: - Epilogue-only products

typedef struct {
    int64_t M, N, K;
    float alpha, beta;
    const float *A, *B;
    int64_t rsA, csA, rsB, csB;
    float *C;
    int64_t ldc;
    const float *bias;
    int relu;
} problem;

// C = beta·C + bias, then the activation: what is left when alpha or K is zero.
static void scale_only(const problem *p) {
    for (int64_t i = 0; i < p->M; i++) {
        float *c = p->C + i * p->ldc;
        for (int64_t j = 0; j < p->N; j++) {
            float x = p->beta == 0 ? 0.0f : p->beta * c[j];
            if (p->bias) x += p->bias[j];
            if (p->relu && x < 0) x = 0;
            c[j] = x;
        }
    }
}

// MARK: - GEMV (M == 1 or N == 1)

typedef struct {
    const myelin_gemm_family *f;
    int64_t n, k;
    const float *W;
    int64_t out_stride, k_stride;
    const float *x;
    float *t;
} gemv_job;

static void gemv_slice(void *context, int64_t begin, int64_t end) {
    const gemv_job *g = context;
    const float *W = g->W + begin * g->out_stride;
    if (g->k_stride == 1)
        g->f->gemv_dot(end - begin, g->k, W, g->out_stride, g->x, g->t + begin);
    else if (g->out_stride == 1)
        g->f->gemv_axpy(end - begin, g->k, W, g->k_stride, g->x, g->t + begin);
    else
        for (int64_t j = begin; j < end; j++) {
            float s = 0;
            for (int64_t p = 0; p < g->k; p++) s += W[(j - begin) * g->out_stride + p * g->k_stride] * g->x[p];
            g->t[j] = s;
        }
}

// out[j·out_inc] = alpha·Σ_p W(j, p)·x[p·x_inc] + beta·out + bias, for j < n.
static void gemv(const myelin_gemm_family *f, const problem *p, int64_t n, const float *W, int64_t out_stride,
                 int64_t k_stride, const float *x, int64_t x_inc, float *out, int64_t out_inc,
                 int bias_per_output) {
    const int64_t k = p->K;
    float *scratch = myelin_scratch(2, (size_t)(k + n + 32));
    float *t = scratch + ((k + 15) & ~(int64_t)15);
    if (x_inc != 1) {
        for (int64_t q = 0; q < k; q++) scratch[q] = x[q * x_inc];
        x = scratch;
    }
    gemv_job job = {f, n, k, W, out_stride, k_stride, x, t};
    // Split the outputs only when the matrix is big enough to pay for waking the other threads.
    int64_t grain = n * k >= (1 << 19) ? (n + 1) / 2 : n;
    if (grain < 16) grain = 16;
    myelin_parallel_for(n, grain, gemv_slice, &job);
    for (int64_t j = 0; j < n; j++) {
        float v = p->alpha * t[j];
        if (p->beta != 0) v += p->beta * out[j * out_inc];
        if (p->bias) v += bias_per_output ? p->bias[j] : p->bias[0];
        if (p->relu && v < 0) v = 0;
        out[j * out_inc] = v;
    }
}

// MARK: - Packed path

typedef struct {
    const problem *p;
    const myelin_gemm_family *f;
    int64_t kc_block, mc_block;
    int split_columns; // else: rows
    int direct_b;
    float *shared_a;   // two A blocks, alternating between K blocks (split_columns only)
} gemm_job;

// Floats in one packed A block for a product over `rows` rows (two of them make the double buffer).
static int64_t a_block_floats(const gemm_job *job, int64_t rows) {
    const int64_t mr = job->f->mr, mc = rows < job->mc_block ? rows : job->mc_block;
    return (mc + mr - 1) / mr * mr * job->kc_block;
}

// Rows [m0, m1) × columns [n0, n1) of C. With a team, the A blocks at shared_a are packed by all
// members together (each packs a share of the panels) and every member must call this with the same
// rows; without one (team == NULL) everything is private.
static void gemm_block(const gemm_job *job, int64_t m0, int64_t m1, int64_t n0, int64_t n1, myelin_team *team,
                       int member, int members, float *a_blocks) {
    const problem *p = job->p;
    const myelin_gemm_family *f = job->f;
    const int mr = f->mr, nr = f->nr;
    const int64_t kcb = job->kc_block, mcb = job->mc_block;
    const int64_t a_floats = a_block_floats(job, m1 - m0);
    int64_t step = 0;
    for (int64_t ic = m0; ic < m1; ic += mcb) {
        const int64_t mc = m1 - ic < mcb ? m1 - ic : mcb;
        const int64_t panels = (mc + mr - 1) / mr;
        for (int64_t pc = 0; pc < p->K; pc += kcb, step++) {
            const int64_t kc = p->K - pc < kcb ? p->K - pc : kcb;
            float *Ap = a_blocks + (step & 1) * a_floats;
            const int64_t q0 = panels * member / members, q1 = panels * (member + 1) / members;
            if (q1 > q0) {
                const int64_t rows = (q1 * mr < mc ? q1 * mr : mc) - q0 * mr;
                f->pack_a(rows, kc, p->A + (ic + q0 * mr) * p->rsA + pc * p->csA, p->rsA, p->csA, p->alpha,
                          Ap + q0 * mr * kc);
            }
            myelin_team_barrier(team);
            const myelin_epilogue first = {pc == 0 ? p->beta : 1.0f, NULL, 0};
            const int last = pc + kc == p->K;
            for (int64_t jc = n0; jc < n1; jc += NC_MAX) {
                const int64_t nc = n1 - jc < NC_MAX ? n1 - jc : NC_MAX;
                const float *Bp;
                int64_t ldb, panel_stride;
                if (job->direct_b) {
                    Bp = p->B + pc * p->rsB + jc;
                    ldb = p->rsB;
                    panel_stride = nr;
                } else {
                    float *packed = myelin_scratch(1, (size_t)(((nc + nr - 1) / nr) * nr * kc));
                    f->pack_b(kc, nc, p->B + pc * p->rsB + jc * p->csB, p->rsB, p->csB, packed);
                    Bp = packed;
                    ldb = nr;
                    panel_stride = (int64_t)nr * kc;
                }
                for (int64_t ir = 0; ir < mc; ir += mr) {
                    const int m = mc - ir < mr ? (int)(mc - ir) : mr;
                    float *Crow = p->C + (ic + ir) * p->ldc + jc;
                    for (int64_t jr = 0, q = 0; jr < nc; jr += nr, q++) {
                        myelin_epilogue ep = first;
                        if (last) {
                            ep.bias = p->bias ? p->bias + jc + jr : NULL;
                            ep.relu = p->relu;
                        }
                        f->kernel(kc, Ap + ir * kc, Bp + q * panel_stride, ldb, Crow + jr, p->ldc, m,
                                  nc - jr < nr ? (int)(nc - jr) : nr, &ep);
                    }
                }
            }
        }
    }
}

static int64_t split_point(int64_t total, int64_t granule, int member, int members) {
    const int64_t units = (total + granule - 1) / granule;
    const int64_t at = units * member / members * granule;
    return at < total ? at : total;
}

static void gemm_member(void *context, myelin_team *team, int member, int members) {
    const gemm_job *job = context;
    const problem *p = job->p;
    if (job->split_columns) {
        const int64_t g = job->f->n_granule;
        gemm_block(job, 0, p->M, split_point(p->N, g, member, members), split_point(p->N, g, member + 1, members),
                   team, member, members, job->shared_a);
    } else {
        const int64_t m0 = split_point(p->M, job->f->mr, member, members);
        const int64_t m1 = split_point(p->M, job->f->mr, member + 1, members);
        if (m1 <= m0) return;
        float *a_blocks = myelin_scratch(0, (size_t)(2 * a_block_floats(job, m1 - m0)));
        gemm_block(job, m0, m1, 0, p->N, NULL, 0, 1, a_blocks);
    }
}

static void gemm_packed(const myelin_gemm_family *f, const problem *p) {
    // Equal K blocks: 784 runs as 2 × 392 rather than 480 + 304.
    const int64_t kblocks = (p->K + KC_MAX - 1) / KC_MAX;
    int64_t kcb = (p->K + kblocks - 1) / kblocks;
    const int64_t mblocks = (p->M + MC_MAX - 1) / MC_MAX;
    int64_t mcb = (p->M + mblocks - 1) / mblocks;
    mcb = (mcb + f->mr - 1) / f->mr * f->mr;

    const double macs = (double)p->M * (double)p->N * (double)p->K;
    int members = myelin_thread_count();
    if (macs < PARALLEL_MIN_MACS) members = 1;
    if ((double)members * PARALLEL_MIN_MACS / 2 > macs) members = (int)(2 * macs / PARALLEL_MIN_MACS);
    if (members < 1) members = 1;

    gemm_job job = {.p = p, .f = f, .kc_block = kcb, .mc_block = mcb};
    // Columns when each thread gets at least two vectors' worth, else rows.
    job.split_columns = members == 1 || p->N >= (int64_t)members * 2 * f->n_granule || p->M < 2 * f->mr * members;
    // Reading B in place saves the packing when each B element is used by only a few rows.
    job.direct_b = f->direct_b && p->csB == 1 &&
                   (p->M <= 2 * f->mr || (double)p->M * p->K * p->N < DIRECT_B_MAX_MACS * 64.0);
    if (job.split_columns) job.shared_a = myelin_scratch(0, (size_t)(2 * a_block_floats(&job, p->M)));
    myelin_team_run(members, gemm_member, &job);
}

// MARK: - Entry point

void myelin_sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                  const float *B, int64_t rsB, int64_t csB, float beta, float *C, int64_t ldc, const float *bias,
                  myelin_activation activation) {
    if (M <= 0 || N <= 0) return;
    problem p = {M, N, K, alpha, beta, A, B, rsA, csA, rsB, csB, C, ldc, bias,
                 activation == MYELIN_ACTIVATION_RELU};
    if (K <= 0 || alpha == 0) {
        scale_only(&p);
        return;
    }
    const myelin_gemm_family *f = family();
    if (M == 1) {
        // One row of C: output j reads column j of B.
        gemv(f, &p, N, B, csB, rsB, A, csA, C, 1, 1);
    } else if (N == 1) {
        // One column of C: output i reads row i of A.
        gemv(f, &p, M, A, rsA, csA, B, rsB, C, ldc, 0);
    } else {
        gemm_packed(f, &p);
    }
}
