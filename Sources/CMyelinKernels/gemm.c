// SGEMM driver, shared by every kernel family: path selection, cache blocking, packing, threading,
// and the cheap paths for GEMV and small products.
//
// The packed path (BLIS-style, with the roles that suit a row-major C whose vectors run along N):
//   1. A is packed, times alpha, into MR-row panels, K block by K block (threads share this work).
//   2. Column chunks of C (≤ NC wide) are claimed one at a time by whichever thread is free; for
//      each, and for each K block (≈KC): pack the KC×chunk block of B (private, in this core's L2),
//      then for each A panel (MR×KC, held in L1) run the micro-kernel over the chunk's NR-wide B
//      panels, streamed from L2.
// Chunks shrink as the work runs out, so two threads finish together, and a thread that is late
// (its vCPU taken by another process) simply takes fewer. Products with fewer columns than rows
// (or as many, while a K block of B fits in half of L2; or too few columns to share) split rows
// instead: the threads read a row-major B in place or pack all of it together, then claim row
// chunks, each packing its own A rows. Each chunk reads all of the operand that is not split, so
// the smaller one is the one read again. Where packing would cost more than it saves (small
// products, batch-sized M or N; for A, one that fits one K block, which packing would only copy;
// for B, a split by rows), a row-major A or B is read in place.
// A B that the caller multiplies many times may come packed already (see B packed once).
// No K sum is ever split between threads, so results do not depend on the thread count.
#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

// Cache blocking, measured on Zen 5 (48 KiB L1, 1 MiB L2 per core). KC·MR·4 bytes (the A panel,
// 24 KiB at KC = 512) sits in L1 next to the B panel being streamed; KC·NC·4 (the B block, 512 KiB
// at NC = 256) takes half of L2, leaving the rest to the A panels and C tiles passing through.
// (NC = 512, filling L2, ran 3-5% slower; larger KC means fewer passes over C.) On a CPU with a
// smaller L2 (Zen 1 and 2: 512 KiB) KC shrinks so that the B block still takes half of it.
enum {
    KC_LARGEST = 512,
    KC_SMALLEST = 128,
    NC_MAX = 256,
    // A is packed in units of at most this many panels.
    PACK_GROUP_PANELS = 8,
    // Row tiles summed at a time before they multiply (see multiply_summing): 48 rows of a K block
    // of 512 on AVX2, 96 KiB, well inside L2.
    SUM_TILES = 8,
    // Below this many multiply-adds the product runs on the calling thread. An MLP's last layer
    // (128 × 10 × 256 and its gradients) still gains from two threads: on Zen 5, AVX2, 7.0 → 4.0 µs
    // for 128 × 256 × 10 (AVX-512: 3.1 → 1.9 µs), which 1 << 20 had kept on one.
    PARALLEL_MIN_MACS = 1 << 18,
    // When operands are read in place rather than packed (see gemm_packed).
    DIRECT_MAX_MACS = 1 << 24,
    DIRECT_A_MAX_N = 256,
    DIRECT_B_MAX_M = 256,
    // Matrix-vector products this large are split over threads.
    GEMV_PARALLEL_MIN_MACS = 1 << 17,
    // An A block up to this size is multiplied B panel by B panel (see multiply_block).
    SMALL_A_BYTES = 24 << 10,
    // Rows a multiple of this many floats (4 KiB) apart fall in the same L1 sets: never read in place.
    ALIASING_STRIDE = 1024,
    // How many rows of B ahead of its own the first tile of a column chunk's block fetches (see
    // kernel_fetching): 64 steps of AVX2's 6 × 16 tile, about 400 cycles, a trip to memory (128
    // ran no faster in W6's step).
    FETCH_AHEAD_ROWS = 64,
};

int64_t myelin_gemm_row_stride(int64_t width) { return width % ALIASING_STRIDE == 0 ? width + 16 : width; }

int64_t myelin_l2_cache_bytes(void) {
    static atomic_long cached;
    long l2 = atomic_load_explicit(&cached, memory_order_relaxed);
    if (l2 == 0) {
#ifdef _SC_LEVEL2_CACHE_SIZE // glibc
        l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
        if (l2 <= 0) l2 = 1 << 20;
        atomic_store_explicit(&cached, l2, memory_order_relaxed);
    }
    return l2;
}

// The largest K block: KC·NC floats fill half of this core's L2.
static int64_t kc_max(void) {
    int64_t kc = myelin_l2_cache_bytes() / 2 / (NC_MAX * (int64_t)sizeof(float)) / 16 * 16;
    return kc > KC_LARGEST ? KC_LARGEST : kc < KC_SMALLEST ? KC_SMALLEST : kc;
}

// The K blocks of a product: equal ones, each at most the largest that keeps a B block in half of
// L2 (784 runs as 2 × 392 rather than 512 + 272). Set by K and the host alone, never by the
// threads, so that B's column sums, added block by block, come out the same on any thread count.
static int64_t k_block_size(int64_t K) {
    const int64_t largest = kc_max(), blocks = (K + largest - 1) / largest;
    return (K + blocks - 1) / blocks;
}

// N rounded up to whole B panels.
static int64_t padded_columns(const myelin_gemm_family *f, int64_t N) { return (N + f->nr - 1) / f->nr * f->nr; }

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
    const float *times;
    int64_t ldt;
    const int64_t *groups; // myelin_sgemm_summing_a: A's columns summed into rows of sums
    float *sums;
    int64_t ld_sums;
    float *b_sums; // myelin_sgemm_summing_b: B's columns summed
    const float *packed_b; // myelin_sgemm_packed_b: B as myelin_gemm_pack_b left it (B itself unused)
} problem;

// The rest of one element's epilogue after alpha·sum + beta·C: the bias, the activation, times.
static float finish(const problem *p, float x, const float *bias, const float *times) {
    if (bias) x += *bias;
    if (p->relu && x < 0) x = 0;
    return times ? x * *times : x;
}

// C = beta·C + bias, then the activation and times: what is left when alpha or K is zero.
static void scale_only(const problem *p) {
    for (int64_t i = 0; i < p->M; i++) {
        float *c = p->C + i * p->ldc;
        for (int64_t j = 0; j < p->N; j++)
            c[j] = finish(p, p->beta == 0 ? 0.0f : p->beta * c[j], p->bias ? p->bias + j : NULL,
                          p->times ? p->times + i * p->ldt + j : NULL);
    }
}

// The sums of myelin_sgemm_summing_a in a pass of their own, for the products that do not pack A by
// rows of C (see gemm_packed).
static void sum_a_columns(const problem *p) {
    if (p->M <= 0 || p->K <= 0) return;
    if (p->rsA == 1) {
        myelin_scatter_add_rows(p->groups, p->K, p->A, p->csA, p->M, p->sums, p->ld_sums, -1);
        return;
    }
    if (p->csA == 1) {
        myelin_scatter_add_columns(p->groups, p->K, p->A, p->rsA, p->M, p->sums, p->ld_sums);
        return;
    }
    for (int64_t k = 0; k < p->K; k++)
        for (int64_t i = 0; i < p->M; i++) p->sums[p->groups[k] * p->ld_sums + i] += p->A[i * p->rsA + k * p->csA];
}

// t[j] = Σ_p W(j, p)·x[p] for j < n, W(j, p) at W[j·out_stride + p·k_stride]: the family's GEMV
// for the layout. Outputs contiguous first: gemv_axpy adds each output's terms in the order of p in
// a lane of its own, so an output comes out the same bits whichever outputs are computed with it
// (gemv_dot sums a group of four differently from a lone one).
static void gemv_any(const myelin_gemm_family *f, int64_t n, int64_t k, const float *W, int64_t out_stride,
                     int64_t k_stride, const float *x, float *t) {
    if (out_stride == 1) {
        f->gemv_axpy(n, k, W, k_stride, x, t);
    } else if (k_stride == 1) {
        f->gemv_dot(n, k, W, out_stride, x, t);
    } else {
        for (int64_t j = 0; j < n; j++) {
            float s = 0;
            for (int64_t p = 0; p < k; p++) s += W[j * out_stride + p * k_stride] * x[p];
            t[j] = s;
        }
    }
}

// myelin_sgemm_summing_b's sums for columns [n0, n0 + nc) of the K block at pc: the block's column
// sums, a GEMV of the block against ones, added into b_sums.
static void sum_b_block(const myelin_gemm_family *f, const problem *p, int64_t pc, int64_t kc, int64_t n0, int64_t nc) {
    float *ones = myelin_scratch(2, (size_t)(kc + nc + 16)), *block = ones + ((kc + 15) & ~(int64_t)15);
    for (int64_t q = 0; q < kc; q++) ones[q] = 1.0f;
    gemv_any(f, nc, kc, p->B + pc * p->rsB + n0 * p->csB, p->csB, p->rsB, ones, block);
    for (int64_t j = 0; j < nc; j++) p->b_sums[n0 + j] += block[j];
}

// All of B's column sums, block after block: for the products that do not sum B as they go (see
// multiply_block).
static void sum_b_columns(const myelin_gemm_family *f, const problem *p) {
    if (p->K <= 0 || p->N <= 0) return;
    const int64_t kcb = k_block_size(p->K);
    for (int64_t pc = 0; pc < p->K; pc += kcb) sum_b_block(f, p, pc, p->K - pc < kcb ? p->K - pc : kcb, 0, p->N);
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

// Outputs are handed out in blocks of GEMV_BLOCK, so where a slice starts never changes how an
// output is summed (the kernels group outputs by four): results do not depend on the thread count.
enum { GEMV_BLOCK = 16 };

static void gemv_slice(void *context, int64_t first_block, int64_t end_block) {
    const gemv_job *g = context;
    const int64_t begin = first_block * GEMV_BLOCK, end = end_block * GEMV_BLOCK < g->n ? end_block * GEMV_BLOCK : g->n;
    gemv_any(g->f, end - begin, g->k, g->W + begin * g->out_stride, g->out_stride, g->k_stride, g->x, g->t + begin);
}

// out[j·out_inc] = alpha·Σ_p W(j, p)·x[p·x_inc] + beta·out + bias, then the activation and
// times[j·times_inc], for j < n.
static void gemv(const myelin_gemm_family *f, const problem *p, int64_t n, const float *W, int64_t out_stride,
                 int64_t k_stride, const float *x, int64_t x_inc, float *out, int64_t out_inc,
                 int bias_per_output, int64_t times_inc) {
    const int64_t k = p->K;
    float *scratch = myelin_scratch(2, (size_t)(k + n + 32));
    float *t = scratch + ((k + 15) & ~(int64_t)15);
    if (x_inc != 1) {
        for (int64_t q = 0; q < k; q++) scratch[q] = x[q * x_inc];
        x = scratch;
    }
    gemv_job job = {f, n, k, W, out_stride, k_stride, x, t};
    // Split the outputs when the matrix (≥ 512 KiB) takes long enough to pay for publishing the job:
    // each thread then streams half of it from its own core's cache.
    const int threads = myelin_threads_here();
    const int64_t blocks = (n + GEMV_BLOCK - 1) / GEMV_BLOCK;
    int64_t grain = n * k >= GEMV_PARALLEL_MIN_MACS ? (blocks + threads - 1) / threads : blocks;
    if (grain < 2) grain = 2;
    myelin_parallel_for(blocks, grain, gemv_slice, &job);
    for (int64_t j = 0; j < n; j++) {
        float v = p->alpha * t[j];
        if (p->beta != 0) v += p->beta * out[j * out_inc];
        const float *bias = p->bias ? p->bias + (bias_per_output ? j : 0) : NULL;
        out[j * out_inc] = finish(p, v, bias, p->times ? p->times + j * times_inc : NULL);
    }
}

// MARK: - Packed path

typedef struct {
    const problem *p;
    const myelin_gemm_family *f;
    int64_t kc_block, k_blocks;
    int64_t m_padded; // M rounded up to whole panels
    int members;
    int by_rows;      // narrow product: chunks are row ranges, each with its own packing
    int direct_a;     // the kernel reads A's rows in place (no packing, alpha in the epilogue)
    int direct_b;     // the kernel reads B's rows in place
    int strips;       // short row tiles take strips of 3 vectors (B in place, as the first tile packed it, or packed beforehand)
    int sum_while_packing; // myelin_sgemm_summing_a's sums made by pack_a (by rows, A stored transposed)
    int sum_in_place;      // ... made row tiles at a time, just before they multiply (by rows, A read in place)
    int sum_b_in_chunks;   // myelin_sgemm_summing_b's sums made chunk by chunk (by columns, B in place)
    int fetch_shared;      // each thread sweeps the shared operand first (see fetch_shared_operand)
    float *packed_a;  // by columns: all of A, K block after K block (block at m_padded·pc)
    float *packed_b;  // by rows, or packed beforehand: all of B, K block after K block (block at n_padded·pc)
    int64_t n_padded; // N rounded up to whole panels
    int64_t pack_rows, pack_units; // packing A (B by rows) is shared out in units of pack_rows rows (columns)
    _Alignas(64) _Atomic(int64_t) pack_next;
    _Alignas(64) _Atomic(int64_t) pack_done;
    _Alignas(64) _Atomic(int64_t) cursor; // next unclaimed column (or row)
} gemm_job;

// One K block's product for C[rows m0..m1) × [n0, n1)): what every tile of it shares.
typedef struct {
    const gemm_job *job;
    const float *Ap;      // packed A panels (row r of the block at Ap + (r − m0)·kc), or NULL: A in place
    const float *Bp;      // the block's B: rows in place (ldb their stride) or packed panels of
                          // NR·kc floats (ldb = NR); column j at b_column(j)
    int64_t ldb, lda, pc, kc, m0, n0;
    myelin_row_tiles row_tiles; // the m1 − m0 rows
    int last;             // the last K block: bias, activation and factors apply
    int64_t fetch_rows;   // > 0: the first row tile fetches this many rows of B FETCH_AHEAD_ROWS ahead
    int b_in_place;       // Bp is B's own rows (else packed panels)
    float *pack_to;       // non-NULL: the first row tile (t = 0), over B in place, packs it here (see multiply_block)
    int fetch_next_a;     // each row tile fetches the next one's packed A panel (see tile_columns)
    myelin_epilogue ep;
} block;

static int tile_height(const myelin_row_tiles *tiles, int64_t t) {
    int64_t first;
    return myelin_row_tile(tiles, t, &first);
}

// Where column j of the block's B starts: j floats on in place; packed, in panel j / NR, where a
// strip may start halfway into one.
static const float *b_column(const block *b, int nr, int64_t j) {
    return b->b_in_place ? b->Bp + j : b->Bp + j / nr * nr * b->kc + j % nr;
}

// Row tile t over columns [j0, j1) of the block: strips of 3 vectors where the tile is short (see
// kernel_wide), then panels of NR. Over packed panels strips come in pairs, three panels, so that
// the columns after them start a panel.
static void tile_columns(block *b, int64_t t, int64_t j0, int64_t j1) {
    const gemm_job *job = b->job;
    const problem *p = job->p;
    const myelin_gemm_family *f = job->f;
    const int nr = f->nr, wide = 3 * nr / 2;
    int64_t ir;
    const int m = myelin_row_tile(&b->row_tiles, t, &ir);
    ir += b->m0;
    const float *Apanel = b->Ap ? b->Ap + (ir - b->m0) * b->kc : p->A + ir * p->rsA + b->pc;
    const int fetching = t == 0 && b->fetch_rows > 0, packing = t == 0 && b->pack_to;
    myelin_kernel_fn kernel = packing ? f->kernel_packing : fetching ? f->kernel_fetching : f->kernel;
    // A packed A block larger than half of L2 streams from L3 panel by panel, and each panel's
    // first call had waited on it: a share of the next row tile's panel (it follows this one) is
    // fetched into L2 with each of this tile's calls. 1,024² and 2,048² on one AVX2 thread ran
    // 101.5 → 103.0 and 99.8 → 103.3 GFLOP/s (medians of 11 and 9 alternating runs). Fetching the
    // next tile's C lines as well gained 0-3 %, inside the noise.
    const int next_m = b->fetch_next_a && t + 1 < b->row_tiles.count ? tile_height(&b->row_tiles, t + 1) : 0;
    const int64_t next_lines = next_m * b->kc * (int64_t)sizeof(float) / 64;
    const char *next_panel = next_lines > 0 ? (const char *)(Apanel + (int64_t)m * b->kc) : NULL;
    const int64_t calls = (j1 - j0 + nr - 1) / nr, lines_per_call = calls > 0 ? (next_lines + calls - 1) / calls : 0;
    for (int64_t jr = j0, line = 0; jr < j1; line += lines_per_call) {
        const int strip = job->strips && m <= f->wide_rows &&
                          (b->b_in_place || jr % nr != 0 ? j1 - jr >= wide : j1 - jr >= 2 * wide);
        const int n = strip ? wide : j1 - jr < nr ? (int)(j1 - jr) : nr;
        const float *B = b_column(b, nr, jr);
        if (strip) {
            b->ep.strip_second = b_column(b, nr, jr + nr / 2) - B;
            b->ep.strip_third = b_column(b, nr, jr + nr) - B;
        }
        for (int64_t q = line; q < line + lines_per_call && q < next_lines; q++) __builtin_prefetch(next_panel + q * 64, 0, 2);
        if (fetching) {
            b->ep.prefetch_b = b->Bp + jr + FETCH_AHEAD_ROWS * b->ldb;
            b->ep.prefetch_rows = b->fetch_rows;
        }
        if (packing) b->ep.pack_to = b->pack_to + jr * b->kc; // jr is a whole panel's first column
        if (b->last && p->bias) b->ep.bias = p->bias + b->n0 + jr;
        if (b->last && p->times) {
            b->ep.times = p->times + ir * p->ldt + b->n0 + jr;
            // The next tile's factors, fetched as this one starts: its K loop hides their trip from
            // memory, where its epilogue would wait for it. (Here, not in the kernel: there clang
            // hoisted the fetches out of their test, and products without factors fetched from address 64.)
            for (int r = 0; r < m; r++)
                for (int line = 0; line < nr; line += 64 / (int)sizeof(float))
                    __builtin_prefetch(b->ep.times + r * p->ldt + n + line);
        }
        (strip ? f->kernel_wide : kernel)(b->kc, Apanel, b->lda, B, b->ldb, p->C + ir * p->ldc + b->n0 + jr, p->ldc,
                                             m, n, &b->ep);
        jr += n;
    }
}

// C[rows m0..m1) × [n0, n1)) for the K block at pc, from packed A panels (Ap: panel q of the rows
// at Ap + q·MR·kc) or, with direct_a, A itself; B read in place or packed here.
static void multiply_block(const gemm_job *job, int64_t pc, int64_t kc, const float *Ap, int64_t m0, int64_t m1,
                           int64_t n0, int64_t n1) {
    const problem *p = job->p;
    const myelin_gemm_family *f = job->f;
    const int mr = f->mr, nr = f->nr;
    const int64_t nc = n1 - n0;
    block b = {.job = job, .Ap = job->direct_a ? NULL : Ap, .pc = pc, .kc = kc, .m0 = m0, .n0 = n0,
               .row_tiles = myelin_row_tiles_make(m1 - m0, mr), .last = pc + kc == p->K, .lda = job->direct_a ? p->rsA : kc};
    if (job->direct_b) {
        b.Bp = p->B + pc * p->rsB + n0;
        b.ldb = p->rsB;
        b.b_in_place = 1;
    } else {
        if (job->packed_b) {
            b.Bp = job->packed_b + job->n_padded * pc + n0 * kc;
        } else {
            float *packed = myelin_scratch(1, (size_t)((nc + nr - 1) / nr * nr * kc));
            f->pack_b(kc, nc, p->B + pc * p->rsB + n0 * p->csB, p->rsB, p->csB, packed);
            b.Bp = packed;
        }
        b.ldb = nr;
    }
    b.ep = (myelin_epilogue){.alpha = job->direct_a ? p->alpha : 1.0f, .beta = pc == 0 ? p->beta : 1.0f,
                             .relu = b.last && p->relu, .ldt = p->ldt};
    const int64_t rows = b.row_tiles.rows, tiles = b.row_tiles.count;
    b.fetch_next_a = b.Ap && rows * kc * (int64_t)sizeof(float) > myelin_l2_cache_bytes() / 2;
    // Where the A block fits in L1 beside a B panel (a few panels, as in a recurrence's per-step
    // product), each B panel is read once and used by every full-height tile while it is in L1
    // (short tiles' strips read their group of panels again, mostly from L2); otherwise each A panel
    // stays in L1 while the B panels stream past it from L2.
    if (rows * kc * (int64_t)sizeof(float) > SMALL_A_BYTES) {
        // A column chunk's B, read in place, is read by this chunk alone: its first tile brings it
        // in from memory or the other core, and fetches the rows ahead of its own as it goes
        // (kernel_fetching, where that tile is a full MR × NR; the rows past this block are the next
        // block's). Only for products shared out over threads: one that runs inline, inside a
        // task, is most likely a per-step product whose B is read every step and is in cache
        // already; there the fetches only evicted lines in use from L1 (W4's 16 × 256 × 1,024, when
        // it read W_hh in place, ran 22-27 % slower).
        if (job->direct_b && !job->by_rows && job->members > 1 && p->K - pc > FETCH_AHEAD_ROWS)
            b.fetch_rows = p->K - pc - FETCH_AHEAD_ROWS < kc ? p->K - pc - FETCH_AHEAD_ROWS : kc;
        assert(pc + FETCH_AHEAD_ROWS + b.fetch_rows <= p->K || b.fetch_rows == 0); // rows of B only
        // Every row tile reads all of the block's B. Rows read in place would be read again tile
        // after tile, each panel's rows a kilobyte or more apart (a few of L1's sets, a new page
        // every row or two); so the first row tile, which must read them anyway, also copies them
        // into packed panels for the others (kernel_packing: two stores a step, where a pass of its
        // own over B had cost about as much as it saved). On two AVX2 threads, operands from
        // memory, alternating: W6's 128 × 512 × 2,048 weight gradient 163 → 172 GFLOP/s, its
        // 2,048 × 512 × 128 and 2,048 × 128 × 384 (split by rows) 160 → 185 and 161 → 182. Not on
        // AVX-512, whose panel rows are two lines: W6's weight gradients ran 3–5 % slower and the
        // step 0.87 of the build without it (the family leaves kernel_packing out there).
        if (job->direct_b && f->kernel_packing && tiles >= 2 && tile_height(&b.row_tiles, 0) == mr)
            b.pack_to = myelin_scratch(1, (size_t)((nc + nr - 1) / nr * nr * kc));
        tile_columns(&b, 0, 0, nc);
        if (b.pack_to) { // the tiles below read the panels the first one packed
            b.Bp = b.pack_to;
            b.ldb = nr;
            b.b_in_place = 0;
        }
        for (int64_t t = 1; t < tiles; t++) tile_columns(&b, t, 0, nc);
    } else {
        // Short tiles, which take strips of 3 vectors where B is read in place or was packed
        // beforehand (see tile_columns), come last (a remainder, or one shared by the last two
        // tiles); 3 panels make 2 of their strips, so they run after each group of 3 panels that
        // the other tiles take panel by panel.
        int64_t first_short = tiles;
        while (job->strips && first_short > 0 && tile_height(&b.row_tiles, first_short - 1) <= f->wide_rows)
            first_short--;
        const int64_t group = first_short < tiles ? 3 * nr : nr;
        for (int64_t g0 = 0; g0 < nc; g0 += group) {
            const int64_t g1 = g0 + group < nc ? g0 + group : nc;
            for (int64_t jr = g0; jr < g1; jr += nr)
                for (int64_t t = 0; t < first_short; t++) tile_columns(&b, t, jr, jr + nr < g1 ? jr + nr : g1);
            for (int64_t t = first_short; t < tiles; t++) tile_columns(&b, t, g0, g1);
        }
    }
    // B's column sums for this chunk and block, while the block is in this core's cache.
    if (job->sum_b_in_chunks) sum_b_block(f, p, pc, kc, n0, nc);
}

// Rows [m0, m1) of a product split by rows that reads A in place and sums its columns (sum_in_place:
// a recurrence's gate-major gradient, its columns summed by token), SUM_TILES row tiles at a time:
// their sums first, which bring their rows of the K block into cache for the multiply after them.
static void multiply_summing(const gemm_job *job, int64_t pc, int64_t kc, int64_t m0, int64_t m1) {
    const problem *p = job->p;
    const int64_t rows = SUM_TILES * job->f->mr;
    for (int64_t r0 = m0; r0 < m1; r0 += rows) {
        const int64_t r1 = m1 - r0 < rows ? m1 : r0 + rows;
        myelin_vector_kernels_current()->scatter_add_columns(r1 - r0, kc, p->A + r0 * p->rsA + pc * p->csA, p->rsA,
                                                             p->groups + pc, p->sums + r0, p->ld_sums);
        multiply_block(job, pc, kc, NULL, r0, r1, 0, p->N);
    }
}

// The operand every chunk multiplies by (A by columns, B by rows), packed once and shared: this
// thread packs units of pack_rows rows (columns) of one K block until none are left, then waits
// for the other threads' units.
static void pack_shared(gemm_job *job) {
    const problem *p = job->p;
    const myelin_gemm_family *f = job->f;
    const int64_t kcb = job->kc_block, extent = job->by_rows ? p->N : p->M;
    const int64_t groups = (extent + job->pack_rows - 1) / job->pack_rows;
    for (int64_t u; (u = atomic_fetch_add_explicit(&job->pack_next, 1, memory_order_relaxed)) < job->pack_units;) {
        const int64_t pc = u / groups * kcb, kc = p->K - pc < kcb ? p->K - pc : kcb;
        const int64_t first = u % groups * job->pack_rows;
        const int64_t count = extent - first < job->pack_rows ? extent - first : job->pack_rows;
        if (job->by_rows)
            f->pack_b(kc, count, p->B + pc * p->rsB + first * p->csB, p->rsB, p->csB,
                      job->packed_b + job->n_padded * pc + first * kc);
        else
            f->pack_a(count, kc, p->A + first * p->rsA + pc * p->csA, p->rsA, p->csA, p->alpha,
                      job->packed_a + job->m_padded * pc + first * kc, NULL, NULL, 0);
        atomic_fetch_add_explicit(&job->pack_done, 1, memory_order_release);
    }
    for (unsigned spins = 0; atomic_load_explicit(&job->pack_done, memory_order_acquire) < job->pack_units; spins++)
        myelin_spin_pause(spins);
}

// The operand every chunk reads all of (A by columns, B by rows), as `rows` rows of `width` floats,
// `stride` apart: its own rows where it is read in place, one contiguous row where it is packed.
typedef struct {
    const float *x;
    int64_t rows, stride, width;
    int packed;
} shared_rows;

static shared_rows shared_operand(const gemm_job *job) {
    const problem *p = job->p;
    if (job->by_rows)
        return job->packed_b ? (shared_rows){job->packed_b, 1, 0, job->n_padded * p->K, 1}
                             : (shared_rows){p->B, p->K, p->rsB, p->N, 0};
    return job->packed_a ? (shared_rows){job->packed_a, 1, 0, job->m_padded * p->K, 1}
                         : (shared_rows){p->A, p->M, p->rsA, p->K, 0};
}

// The bytes a sweep over it loads: a packed operand is contiguous; one read in place costs whole
// lines a row (short rows far apart cost a line each, whatever few floats they hold).
static int64_t shared_bytes(shared_rows o) {
    const int64_t row_bytes = o.width * (int64_t)sizeof(float);
    return o.packed ? row_bytes : o.rows * ((row_bytes + 63) / 64 + 1) * 64;
}

// The operand that every chunk reads all of (A by columns, B by rows), fetched by each thread in
// one sweep before its first chunk. The op before a product has usually just written it, half from
// each core, and the micro-kernel's loads met the other core's lines a few at a time: W1's second
// layer (128 × 256 × 256, reading the first layer's output in place) ran 188–207 GFLOP/s on two
// AVX2 threads after it and 236–247 on an operand it had not written; with the sweep, 219–225 (in
// the training step 202 → 214–218). Only operands up to a quarter of L2: the sweep over W1's
// 400 KiB input batch cost more than it saved. The loads are volatile and independent of each
// other, so that many lines are on their way at once.
static void fetch_shared_operand(const gemm_job *job) {
    const shared_rows o = shared_operand(job);
    const float *x = o.x;
    for (int64_t i = 0; i < o.rows; i++, x += o.stride) {
        const volatile float *row = x;
        for (int64_t q = 0; q < o.width; q += 64 / (int64_t)sizeof(float)) (void)row[q];
        (void)row[o.width - 1]; // a row that does not start on a line ends in one more
    }
}

// What each thread runs: first a share of packing the shared operand (A by columns, B by rows),
// then a sweep over that operand, then chunks until none are left: by columns, column chunks; by
// rows, row chunks, each packing its own A rows.
static void gemm_run(void *context) {
    gemm_job *job = context;
    const problem *p = job->p;
    const myelin_gemm_family *f = job->f;
    const int64_t mr = f->mr, kcb = job->kc_block;
    int64_t start, width;
    if (job->pack_units > 0) pack_shared(job);
    // A worker that joins once every chunk is claimed has nothing to sweep for.
    if (job->fetch_shared && atomic_load_explicit(&job->cursor, memory_order_relaxed) < (job->by_rows ? p->M : p->N))
        fetch_shared_operand(job);
    if (job->by_rows) {
        const int64_t most = ((p->M + job->members - 1) / job->members + mr - 1) / mr * mr;
        while ((width = myelin_claim_chunk(&job->cursor, p->M, job->members, mr, 2 * mr, most, &start)) > 0) {
            float *Ap = job->direct_a ? NULL : myelin_scratch(0, (size_t)((width + mr - 1) / mr * mr * kcb));
            for (int64_t pc = 0; pc < p->K; pc += kcb) {
                const int64_t kc = p->K - pc < kcb ? p->K - pc : kcb;
                if (Ap)
                    f->pack_a(width, kc, p->A + start * p->rsA + pc * p->csA, p->rsA, p->csA, p->alpha, Ap,
                              job->sum_while_packing ? p->groups + pc : NULL,
                              job->sum_while_packing ? p->sums + start : NULL, p->ld_sums);
                if (job->sum_in_place) multiply_summing(job, pc, kc, start, start + width);
                else multiply_block(job, pc, kc, Ap, start, start + width, 0, p->N);
            }
        }
        return;
    }
    // Column chunks go down to one panel: with a weight gradient's few rows and long K, two panels
    // (128 × 32 × 2,048) are 130 µs of work, which the thread without them waited for at the end
    // (W6's qkv gradient, 24 panels, ran 206 → 220 GFLOP/s inside the step). Row chunks keep two
    // tiles: each packs its own rows of A.
    while ((width = myelin_claim_chunk(&job->cursor, p->N, job->members, f->nr, f->nr, NC_MAX, &start)) > 0) {
        for (int64_t pc = 0; pc < p->K; pc += kcb) {
            const int64_t kc = p->K - pc < kcb ? p->K - pc : kcb;
            multiply_block(job, pc, kc, job->direct_a ? NULL : job->packed_a + job->m_padded * pc, 0, p->M, start,
                           start + width);
        }
    }
}

static void gemm_packed(const myelin_gemm_family *f, const problem *p) {
    gemm_job job = {.p = p, .f = f};
    job.kc_block = k_block_size(p->K);
    job.k_blocks = (p->K + job.kc_block - 1) / job.kc_block;
    job.m_padded = (p->M + f->mr - 1) / f->mr * f->mr;

    // Threads only where each gets at least PARALLEL_MIN_MACS / 2 multiply-adds.
    const double macs = (double)p->M * (double)p->N * (double)p->K;
    // Inside a task (a recurrence's per-step products) the product runs inline, on one thread.
    // Planned for two, its columns came in the chunks that share work out (64, 48, 48, 32, 32, 32 of
    // 256), whose ends AVX2's 4-row tile read 8 columns at a time with 4 accumulators: W4's dL/dh
    // product ran 121–124 GFLOP/s a thread that way, 123–133 planned for one.
    int members = myelin_threads_here();
    if ((double)members * PARALLEL_MIN_MACS / 2 > macs) members = (int)(2 * macs / PARALLEL_MIN_MACS);
    if (members < 1) members = 1;
    job.members = members;
    // Split rows when the columns are too few to give each thread two panels' worth, or when B is
    // the smaller operand (N < M): each chunk multiplies by all of one operand, so that one is the
    // one read again chunk after chunk. (A weight gradient, 512 × 128 × 2048, ran 198 → 233 GFLOP/s
    // on two AVX2 threads by rows: its four column chunks each streamed the 4 MiB of A.) Operands
    // of one size split by rows only while a K block of B fits in half of L2: by rows, every row
    // tile reads all of it, and by columns, each chunk's block of B stays in L2 while A streams
    // past (512³ on two threads: AVX2 201 → 210, AVX-512 181 → 198 GFLOP/s, medians of 9 and 7
    // alternating runs; 1,024³ the same either way).
    const int b_block_in_l2 = job.kc_block * p->N * (int64_t)sizeof(float) <= myelin_l2_cache_bytes() / 2;
    job.by_rows = members > 1 && p->M >= (int64_t)members * 2 * f->mr &&
                  (p->N < (int64_t)members * 2 * f->nr || p->N < p->M || (p->N == p->M && b_block_in_l2));
    // Reading an operand in place saves its packing, which costs about as much as a few multiply-
    // adds per element: worth it when each element is used by few rows (B) or columns (A) or the
    // product is small. Not when rows are a multiple of 4 KiB apart: they would all fall in the
    // same L1 set. The family's kernel must be able to (it masks its B loads, and reads A by rows).
    // A row-major A that fits in one K block would be packed into the very same rows (a panel's
    // rows are kept whole, not interleaved): a copy for nothing (a transformer's 128-wide inputs).
    job.direct_a = f->direct_a && p->csA == 1 && p->rsA % ALIASING_STRIDE != 0 &&
                   (p->N <= DIRECT_A_MAX_N || macs <= DIRECT_MAX_MACS || job.k_blocks == 1);
    // Split by rows, every chunk reads all of B: a row-major B is read in place then, its rows
    // streaming past in order, rather than packed and shared, where a B panel's row is one cache
    // line (AVX2, portable: W6's weight gradient 384 × 128 × 2048 232 → 253 GFLOP/s on two AVX2
    // threads, W4 +2 %). Not with AVX-512's 32-float panels, two lines a step from a cold B: W4 ran
    // 0.94, 0.92 and 1.00 of the packed B's speed in three alternating pairs. And only while a K
    // block of B fits in half of L2: every row tile reads all of it, and a larger one streams from
    // L3 each time, where panels whose rows lie a page apart wait on every line (512 × 512 × 512 ran
    // 200–220 GFLOP/s in place against 245–265 packed on two AVX2 threads).
    const int b_row_in_a_line = f->nr * (int)sizeof(float) <= 64;
    job.direct_b = !p->packed_b && f->direct_b && p->csB == 1 && p->rsB % ALIASING_STRIDE != 0 &&
                   (p->M <= DIRECT_B_MAX_M || macs <= DIRECT_MAX_MACS ||
                    (job.by_rows && b_row_in_a_line && b_block_in_l2));
    job.n_padded = padded_columns(f, p->N);
    // Strips over B packed beforehand too: W4's 16-row slices (6 + 6 + 4 on AVX2), whose last tile
    // over packed panels had run 4 × 16 with 8 accumulators, 15.9 % of W4's samples for a quarter
    // of its step products' rows. (Over B packed here in a pass of its own, a remainder's strips are
    // not measured; over B that the first row tile packs, they are what the tile read in place took.)
    job.strips = job.direct_b || p->packed_b;
    // A's columns summed by the thread that multiplies their rows, where it splits rows (the sums'
    // columns are then its own, and each sum takes its k in order, K block after K block): as a
    // transposed A is packed, while in registers, or just before A's rows are read in place, so
    // that the multiply finds them in cache. Otherwise they are made first.
    job.sum_while_packing = p->sums && job.by_rows && !job.direct_a && p->rsA == 1 && p->csA != 1;
    job.sum_in_place = p->sums && job.by_rows && job.direct_a;
    if (p->sums && !job.sum_while_packing && !job.sum_in_place) sum_a_columns(p);
    // B's column sums where each column chunk reads its own block of B from memory; otherwise first.
    job.sum_b_in_chunks = p->b_sums && !job.by_rows && job.direct_b;
    if (p->b_sums && !job.sum_b_in_chunks) sum_b_columns(f, p);
    job.packed_b = (float *)p->packed_b; // packed already (myelin_sgemm_packed_b): read, never written
    if (job.by_rows ? !job.direct_b && !job.packed_b : !job.direct_a) {
        // The shared operand: enough units for every thread to get two per K block, of at most
        // PACK_GROUP_PANELS panels.
        const int64_t unit = job.by_rows ? f->nr : f->mr, extent = job.by_rows ? p->N : p->M;
        const int64_t panels = (extent + unit - 1) / unit;
        int64_t group = (panels + 2 * members - 1) / (2 * members);
        if (group > PACK_GROUP_PANELS) group = PACK_GROUP_PANELS;
        job.pack_rows = group * unit;
        job.pack_units = (extent + job.pack_rows - 1) / job.pack_rows * job.k_blocks;
        if (job.by_rows) job.packed_b = myelin_scratch(1, (size_t)(job.n_padded * p->K));
        else job.packed_a = myelin_scratch(0, (size_t)(job.m_padded * p->K));
    }
    job.fetch_shared = members > 1 && shared_bytes(shared_operand(&job)) <= myelin_l2_cache_bytes() / 4;
    atomic_init(&job.pack_next, 0);
    atomic_init(&job.pack_done, 0);
    atomic_init(&job.cursor, 0);
    myelin_pool_run(members - 1, gemm_run, &job);
}

// MARK: - Entry point

static void multiply(const problem *p) {
    const myelin_gemm_family *f = MYELIN_BY_PATH(myelin_gemm_family);
    if (p->M <= 0 || p->N <= 0 || p->K <= 0 || p->alpha == 0) {
        // Nothing to multiply: the sums, then C = beta·C + bias (and the activation, the factors).
        if (p->sums) sum_a_columns(p);
        if (p->b_sums) sum_b_columns(f, p);
        if (p->M > 0 && p->N > 0) scale_only(p);
        return;
    }
    const double started = myelin_gemm_profile_start();
    const int packed = (p->M > 1 && p->N > 1) || p->packed_b;
    // The packed path makes the sums as it packs A where it can, else first (see gemm_packed).
    if (p->sums && !packed) sum_a_columns(p);
    if (p->b_sums && !packed) sum_b_columns(f, p);
    if (packed) {
        gemm_packed(f, p);
    } else if (p->M == 1) {
        // One row of C: output j reads column j of B.
        gemv(f, p, p->N, p->B, p->csB, p->rsB, p->A, p->csA, p->C, 1, 1, 1);
    } else {
        // One column of C: output i reads row i of A.
        gemv(f, p, p->M, p->A, p->rsA, p->csA, p->B, p->rsB, p->C, p->ldc, 0, p->ldt);
    }
    if (started > 0) myelin_gemm_profile_add(p->M, p->N, p->K, p->rsA, p->csA, p->rsB, p->csB, started);
}

// C = alpha·A·B + beta·C and nothing more; each entry point adds its own epilogue or sums.
static problem product(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                       const float *B, int64_t rsB, int64_t csB, float beta, float *C, int64_t ldc) {
    return (problem){.M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .A = A, .B = B, .rsA = rsA,
                     .csA = csA, .rsB = rsB, .csB = csB, .C = C, .ldc = ldc};
}

void myelin_sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                  const float *B, int64_t rsB, int64_t csB, float beta, float *C, int64_t ldc, const float *bias,
                  myelin_activation activation) {
    myelin_sgemm_times(M, N, K, alpha, A, rsA, csA, B, rsB, csB, beta, C, ldc, bias, activation, NULL, 0);
}

void myelin_sgemm_times(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                        const float *B, int64_t rsB, int64_t csB, float beta, float *C, int64_t ldc,
                        const float *bias, myelin_activation activation, const float *times, int64_t ldt) {
    problem p = product(M, N, K, alpha, A, rsA, csA, B, rsB, csB, beta, C, ldc);
    p.bias = bias;
    p.relu = activation == MYELIN_ACTIVATION_RELU;
    p.times = times;
    p.ldt = ldt;
    multiply(&p);
}

// MARK: - B packed once
//
// A B multiplied many times (a recurrence's W_hh, every time step) is packed once, K block after
// K block, into the very layout a product split by rows shares between its threads: its panels then
// stream in order, where rows read in place lie a page or more apart and wait on L3 line by line.

int64_t myelin_gemm_packed_b_floats(int64_t K, int64_t N) {
    return padded_columns(MYELIN_BY_PATH(myelin_gemm_family), N) * K;
}

void myelin_gemm_pack_b(int64_t K, int64_t N, const float *B, int64_t rsB, int64_t csB, float *packed) {
    if (K <= 0 || N <= 0) return;
    const myelin_gemm_family *f = MYELIN_BY_PATH(myelin_gemm_family);
    const int64_t kcb = k_block_size(K), n_padded = padded_columns(f, N);
    for (int64_t pc = 0; pc < K; pc += kcb)
        f->pack_b(K - pc < kcb ? K - pc : kcb, N, B + pc * rsB, rsB, csB, packed + n_padded * pc);
}

void myelin_sgemm_packed_b(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                           const float *packed_b, float beta, float *C, int64_t ldc, const float *bias,
                           myelin_activation activation) {
    problem p = product(M, N, K, alpha, A, rsA, csA, NULL, 0, 0, beta, C, ldc);
    p.packed_b = packed_b;
    p.bias = bias;
    p.relu = activation == MYELIN_ACTIVATION_RELU;
    multiply(&p);
}

void myelin_sgemm_summing_a(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA,
                            int64_t csA, const float *B, int64_t rsB, int64_t csB, float beta, float *C,
                            int64_t ldc, const int64_t *groups, float *sums, int64_t ld_sums) {
    problem p = product(M, N, K, alpha, A, rsA, csA, B, rsB, csB, beta, C, ldc);
    p.groups = groups;
    p.sums = sums;
    p.ld_sums = ld_sums;
    multiply(&p);
}

void myelin_sgemm_summing_b(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA,
                            int64_t csA, const float *B, int64_t rsB, int64_t csB, float beta, float *C,
                            int64_t ldc, float *sums) {
    problem p = product(M, N, K, alpha, A, rsA, csA, B, rsB, csB, beta, C, ldc);
    p.b_sums = sums;
    multiply(&p);
}
