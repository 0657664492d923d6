// Scaled dot-product attention, fused: for each (batch, head)
//
//   forward:   S = scale·Q·Kᵀ,  P = softmax(S) over the keys each query sees,  O = P·V
//   backward:  dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − Σⱼ P·dP),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
//
// The masks are never built: a causal row i simply stops at key i, and the padding mask becomes a
// row of 0/−inf added to the scores. Queries are taken in blocks of QUERY_BLOCK rows, so the
// scores of one block (QUERY_BLOCK × keys) stay in L1/L2 between the steps. The rows' softmax and
// its gradient are the vector kernels' (a causal row of the char-transformer benchmark holds 1 to
// 64 scores).
//
// The products are a few thousand multiply-adds each (64 × 64 × 32 in that benchmark), too small
// for the SGEMM's driver: its packing and hand-offs cost as much as the arithmetic. So they call
// the GEMM family's register tile directly, every operand read in place: Pᵀ and dSᵀ by the tile
// that reads A down its columns, Kᵀ and Vᵀ (the B of S and dP) transposed once per pair into
// scratch. And a causal mask skips whole tiles: a tile of scores whose keys all come after its
// last query is not computed, and a product summing over keys (or queries) stops (or starts)
// where the tile's queries (or keys) stop seeing them, so the masked half of S costs almost nothing.
//
// The backward pass recomputes P from the scores and the saved log Σ exp rather than storing P in
// the forward pass: storing it costs batch·heads·queries·keys floats (2 MiB per layer of the char-transformer benchmark, quadratic
// in the context), while recomputing costs one block product per block — about what reading the
// stored block back from memory would cost at these sizes. Σⱼ P·dP is taken from the recomputed P
// and dP, so the backward pass does not need the output either.
#include <math.h>
#include <string.h>

#include "internal.h"

enum { SCRATCH_SCORES = 8 };
// Query rows per block: the block's scores and their gradient (2 × 16 KiB at the benchmark's 64
// keys) stay in L1, or L2 for contexts up to a few hundred. 64 ran 2–3 % faster than 32 there.
enum { QUERY_BLOCK = 64 };

// MARK: - Block products

// Which tiles of a product a causal mask leaves work in, and the part of the sum each needs.
typedef enum {
    EVERY_TILE,          // no causal mask
    SKIP_HIDDEN_KEYS,    // rows are queries, columns keys (S, dP): skip tiles of keys after the last query
    KEYS_UP_TO_ROWS,     // rows are queries, the sum runs over keys (P·V, dS·K): up to the tile's last query
    QUERIES_FROM_ROWS,   // rows are keys, the sum runs over queries (Pᵀ·dO, dSᵀ·Q): from the tile's first key
} causal_tiles;

typedef struct {
    const myelin_gemm_family *f;
    causal_tiles rule;
    int64_t query0; // the query of row 0 (of sum index 0 for QUERIES_FROM_ROWS)
    int a_down;     // A is stored transposed (K × M, row stride lda) and read down its columns
} block_product;

// C (M × N, row stride ldc) = alpha·A·B + beta·C, Σ over K, with A (M × K, or K × M when a_down)
// and B (K × N) row-major (row strides lda, ldb), by the family's register tile. Where the rule
// leaves a tile no terms, C is zeroed with β = 0 (an empty sum: no keys at all) and otherwise not
// touched: skipped score tiles are never read, and sums that start late accumulate (β = 1).
static void multiply(const block_product *bp, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                     int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    const myelin_gemm_family *f = bp->f;
    const myelin_kernel_fn kernel = bp->a_down ? f->kernel_down : f->kernel;
    const myelin_epilogue ep = {.alpha = alpha, .beta = beta};
    const myelin_row_tiles row_tiles = myelin_row_tiles_make(M, f->mr);
    for (int64_t t = 0; t < row_tiles.count; t++) {
        int64_t i;
        const int m = myelin_row_tile(&row_tiles, t, &i);
        const int64_t last_query = bp->query0 + i + m - 1;
        int64_t k0 = 0, k1 = K;
        if (bp->rule == KEYS_UP_TO_ROWS && k1 > last_query + 1) k1 = last_query + 1;
        if (bp->rule == QUERIES_FROM_ROWS && i > bp->query0) k0 = i - bp->query0;
        if (k0 >= k1) { // no terms: with β = 0 the tile is zero (a query that sees no key at all)
            if (beta == 0)
                for (int r = 0; r < m; r++) memset(C + (i + r) * ldc, 0, (size_t)N * sizeof(float));
            continue;
        }
        const float *a = bp->a_down ? A + k0 * lda + i : A + i * lda + k0;
        for (int64_t j = 0; j < N; j += f->nr) {
            if (bp->rule == SKIP_HIDDEN_KEYS && j > last_query) break;
            kernel(k1 - k0, a, lda, B + k0 * ldb + j, ldb, C + i * ldc + j, ldc, m, N - j < f->nr ? (int)(N - j) : f->nr,
                   &ep);
        }
    }
}

// MARK: - One (batch, head) pair

typedef struct {
    const myelin_attention_shape *s;
    const myelin_gemm_family *f;
    const myelin_vector_kernels *kernels; // softmax_row, probabilities_row, score_gradient_row, transpose
    myelin_heads q, k, v, o, dout, dq, dk, dv;
    const uint8_t *mask;
    float *logsumexp;
} attention_job;

// The pair's view of an operand (NULL data stays NULL).
static float *at(myelin_heads x, int64_t b, int64_t h) {
    return x.data ? x.data + b * x.batch + h * x.head : NULL;
}

// Per pair, its scratch: the block's scores (and, backward, their gradient), Kᵀ (and Vᵀ) with a
// row stride of keys, and the padding row.
typedef struct {
    float *scores, *grad_scores, *kt, *vt, *bias;
} pair_scratch;

static pair_scratch scratch_for(const attention_job *job, int64_t b, int grad) {
    const myelin_attention_shape *s = job->s;
    const int64_t block = (int64_t)QUERY_BLOCK * s->keys, transposed = (s->head_dim + (grad ? s->value_dim : 0)) * s->keys;
    float *p = myelin_scratch(SCRATCH_SCORES, (size_t)((grad ? 2 : 1) * block + transposed + s->keys));
    pair_scratch x = {.scores = p};
    p += block;
    if (grad) {
        x.grad_scores = p;
        p += block;
    }
    x.kt = p;
    p += s->head_dim * s->keys;
    if (grad) {
        x.vt = p;
        p += s->value_dim * s->keys;
    }
    if (job->mask) {
        x.bias = p;
        const uint8_t *m = job->mask + b * s->keys;
        for (int64_t j = 0; j < s->keys; j++) x.bias[j] = m[j] ? -INFINITY : 0.0f;
    }
    return x;
}

// Query row i sees keys [0, visible(i)): all of them, or with a causal mask those up to itself.
static int64_t visible(const myelin_attention_shape *s, int64_t i) {
    return s->causal && i + 1 < s->keys ? i + 1 : s->keys;
}

static block_product product(const attention_job *job, causal_tiles rule, int64_t query0) {
    return (block_product){job->f, job->s->causal ? rule : EVERY_TILE, query0, rule == QUERIES_FROM_ROWS};
}

// An operand's keys × cols, transposed into dst (row stride: keys).
static void transpose_keys(const attention_job *job, const float *x, int64_t position, int64_t cols, float *dst) {
    job->kernels->transpose(job->s->keys, cols, x, position, dst, job->s->keys);
}

static void zero_rows(float *x, int64_t first, int64_t end, int64_t stride, int64_t width) {
    if (x) for (int64_t r = first; r < end; r++) memset(x + r * stride, 0, (size_t)width * sizeof(float));
}

static void forward_pair(const attention_job *job, int64_t pair) {
    const myelin_attention_shape *s = job->s;
    const int64_t b = pair / s->heads, h = pair % s->heads;
    const float *q = at(job->q, b, h), *k = at(job->k, b, h), *v = at(job->v, b, h);
    float *o = at(job->o, b, h), *lse = job->logsumexp + pair * s->queries;
    const pair_scratch x = scratch_for(job, b, 0);
    transpose_keys(job, k, job->k.position, s->head_dim, x.kt);
    for (int64_t i0 = 0; i0 < s->queries; i0 += QUERY_BLOCK) {
        const int64_t rows = s->queries - i0 < QUERY_BLOCK ? s->queries - i0 : QUERY_BLOCK;
        const int64_t keys = visible(s, i0 + rows - 1);
        const block_product scores = product(job, SKIP_HIDDEN_KEYS, i0), by_keys = product(job, KEYS_UP_TO_ROWS, i0);
        multiply(&scores, rows, keys, s->head_dim, s->scale, q + i0 * job->q.position, job->q.position, x.kt, s->keys, 0,
                 x.scores, keys);
        for (int64_t r = 0; r < rows; r++)
            lse[i0 + r] = job->kernels->softmax_row(x.scores + r * keys, x.scores + r * keys, visible(s, i0 + r), keys,
                                                    x.bias);
        multiply(&by_keys, rows, s->value_dim, keys, 1, x.scores, keys, v, job->v.position, 0,
                 o + i0 * job->o.position, job->o.position);
    }
}

static void backward_pair(const attention_job *job, int64_t pair) {
    const myelin_attention_shape *s = job->s;
    const int64_t b = pair / s->heads, h = pair % s->heads;
    const float *q = at(job->q, b, h), *k = at(job->k, b, h), *v = at(job->v, b, h), *dout = at(job->dout, b, h);
    float *dq = at(job->dq, b, h), *dk = at(job->dk, b, h), *dv = at(job->dv, b, h);
    const float *lse = job->logsumexp + pair * s->queries;
    const pair_scratch x = scratch_for(job, b, 1);
    const int64_t d = s->head_dim, dvd = s->value_dim;
    transpose_keys(job, k, job->k.position, d, x.kt);
    if (dq || dk) transpose_keys(job, v, job->v.position, dvd, x.vt);
    // dK and dV are sums over the query blocks. The first block's products write the rows of every
    // key it sees (β = 0: no tile of theirs is skipped), the later ones add to them; only the keys
    // the first block does not see start from zero (a key no query sees stays zero). Zeroing every
    // row first had cost W6 0.7 % of its samples, in memset and the products' second pass over C.
    const int64_t first_keys = s->queries > 0 ? visible(s, (s->queries < QUERY_BLOCK ? s->queries : QUERY_BLOCK) - 1) : 0;
    zero_rows(dk, first_keys, s->keys, job->dk.position, d);
    zero_rows(dv, first_keys, s->keys, job->dv.position, dvd);
    for (int64_t i0 = 0; i0 < s->queries; i0 += QUERY_BLOCK) {
        const int64_t rows = s->queries - i0 < QUERY_BLOCK ? s->queries - i0 : QUERY_BLOCK;
        const int64_t keys = visible(s, i0 + rows - 1);
        float *p = x.scores, *ds = x.grad_scores;
        const float *qb = q + i0 * job->q.position, *dob = dout + i0 * job->dout.position;
        const block_product scores = product(job, SKIP_HIDDEN_KEYS, i0), by_keys = product(job, KEYS_UP_TO_ROWS, i0),
                            by_queries = product(job, QUERIES_FROM_ROWS, i0);
        multiply(&scores, rows, keys, d, s->scale, qb, job->q.position, x.kt, s->keys, 0, p, keys);
        for (int64_t r = 0; r < rows; r++)
            job->kernels->probabilities_row(p + r * keys, visible(s, i0 + r), keys, x.bias, lse[i0 + r]);
        const float sum_so_far = i0 == 0 ? 0 : 1;
        if (dv)
            multiply(&by_queries, keys, dvd, rows, 1, p, keys, dob, job->dout.position, sum_so_far, dv,
                     job->dv.position);
        if (!dq && !dk) continue;
        multiply(&scores, rows, keys, dvd, 1, dob, job->dout.position, x.vt, s->keys, 0, ds, keys);
        for (int64_t r = 0; r < rows; r++)
            job->kernels->score_gradient_row(p + r * keys, ds + r * keys, visible(s, i0 + r), keys);
        if (dq)
            multiply(&by_keys, rows, d, keys, s->scale, ds, keys, k, job->k.position, 0, dq + i0 * job->dq.position,
                     job->dq.position);
        if (dk)
            multiply(&by_queries, keys, d, rows, s->scale, ds, keys, qb, job->q.position, sum_so_far, dk,
                     job->dk.position);
    }
}

// Asks for the rows of one operand of a pair to be brought into L2.
static void fetch_rows(myelin_heads x, int64_t b, int64_t h, int64_t rows, int64_t width) {
    const float *p = at(x, b, h);
    if (!p) return;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t d = 0; d < width; d += 16) __builtin_prefetch(p + i * x.position + d, 0, 2);
}

// The next pair's operands, fetched while this pair computes: each pair's rows are a few KiB
// scattered over a [batch, positions, 3·features] projection, and its first products otherwise
// wait on every line.
static void fetch_pair(const attention_job *job, int64_t pair, int backward) {
    const myelin_attention_shape *s = job->s;
    const int64_t b = pair / s->heads, h = pair % s->heads;
    fetch_rows(job->q, b, h, s->queries, s->head_dim);
    fetch_rows(job->k, b, h, s->keys, s->head_dim);
    fetch_rows(job->v, b, h, s->keys, s->value_dim);
    if (backward) fetch_rows(job->dout, b, h, s->queries, s->value_dim);
}

static void forward_slice(void *context, int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; pair++) {
        if (pair + 1 < end) fetch_pair(context, pair + 1, 0);
        forward_pair(context, pair);
    }
}

static void backward_slice(void *context, int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; pair++) {
        if (pair + 1 < end) fetch_pair(context, pair + 1, 1);
        backward_pair(context, pair);
    }
}

void myelin_attention_forward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                              myelin_heads value, const uint8_t *key_padding_mask, myelin_heads output,
                              float *logsumexp) {
    if (shape->batch <= 0 || shape->heads <= 0 || shape->queries <= 0) return;
    attention_job job = {.s = shape, .f = MYELIN_BY_PATH(myelin_gemm_family), .kernels = myelin_vector_kernels_current(), .q = query, .k = key, .v = value, .o = output,
                         .mask = key_padding_mask, .logsumexp = logsumexp};
    myelin_parallel_for(shape->batch * shape->heads, 1, forward_slice, &job);
}

void myelin_attention_backward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                               myelin_heads value, const uint8_t *key_padding_mask, const float *logsumexp,
                               myelin_heads grad_output, myelin_heads grad_query, myelin_heads grad_key,
                               myelin_heads grad_value) {
    if (shape->batch <= 0 || shape->heads <= 0) return;
    attention_job job = {.s = shape, .f = MYELIN_BY_PATH(myelin_gemm_family), .kernels = myelin_vector_kernels_current(), .q = query, .k = key, .v = value,
                         .dout = grad_output, .dq = grad_query, .dk = grad_key, .dv = grad_value,
                         .mask = key_padding_mask, .logsumexp = (float *)logsumexp};
    myelin_parallel_for(shape->batch * shape->heads, 1, backward_slice, &job);
}
