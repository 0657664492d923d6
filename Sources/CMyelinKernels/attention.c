// Scaled dot-product attention, fused: for each (batch, head)
//
//   forward:   S = scale·Q·Kᵀ,  P = softmax(S) over the keys each query sees,  O = P·V
//   backward:  dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − Σⱼ P·dP),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
//
// The masks are never built: a causal row i simply stops at key i, and the padding mask becomes a
// row of 0/−inf added to the scores. Queries are taken in blocks of QUERY_BLOCK rows, so the
// scores of one block (QUERY_BLOCK × keys) stay in L1/L2 between the three steps, and a causal block
// multiplies only by the keys its last row sees. The products are the SGEMM's (reading Q, K, V in
// place through their strides); the rows' softmax and its gradient are the vector kernels' (masked
// partial vectors: a causal row of the char-transformer benchmark holds 1 to 64 scores).
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
// Query rows per block: a causal block reads keys up to its last row, so smaller blocks skip more
// of the masked half, larger ones make longer products.
enum { QUERY_BLOCK = 32 };

// MARK: - One (batch, head) pair

typedef struct {
    const myelin_attention_shape *s;
    const myelin_vector_kernels *kernels; // softmax_row, probabilities_row, score_gradient_row
    myelin_heads q, k, v, o, dout, dq, dk, dv;
    const uint8_t *mask;
    float *logsumexp;
} attention_job;

// The pair's view of an operand (NULL data stays NULL).
static float *at(myelin_heads x, int64_t b, int64_t h) {
    return x.data ? x.data + b * x.batch + h * x.head : NULL;
}

// Per pair, its scratch: the block's scores (and, backward, their gradient), and the padding row.
typedef struct {
    float *scores, *grad_scores, *bias;
} pair_scratch;

static pair_scratch scratch_for(const attention_job *job, int64_t b, int grad) {
    const myelin_attention_shape *s = job->s;
    const int64_t block = (int64_t)QUERY_BLOCK * s->keys;
    float *p = myelin_scratch(SCRATCH_SCORES, (size_t)((grad ? 2 : 1) * block + s->keys));
    pair_scratch scratch = {p, grad ? p + block : NULL, NULL};
    if (job->mask) {
        scratch.bias = p + (grad ? 2 : 1) * block;
        const uint8_t *m = job->mask + b * s->keys;
        for (int64_t j = 0; j < s->keys; j++) scratch.bias[j] = m[j] ? -INFINITY : 0.0f;
    }
    return scratch;
}

// Query row i sees keys [0, visible(i)): all of them, or with a causal mask those up to itself.
static int64_t visible(const myelin_attention_shape *s, int64_t i) {
    return s->causal && i + 1 < s->keys ? i + 1 : s->keys;
}

static void forward_pair(const attention_job *job, int64_t pair) {
    const myelin_attention_shape *s = job->s;
    const int64_t b = pair / s->heads, h = pair % s->heads;
    const float *q = at(job->q, b, h), *k = at(job->k, b, h), *v = at(job->v, b, h);
    float *o = at(job->o, b, h), *lse = job->logsumexp + pair * s->queries;
    const pair_scratch scratch = scratch_for(job, b, 0);
    for (int64_t i0 = 0; i0 < s->queries; i0 += QUERY_BLOCK) {
        const int64_t rows = s->queries - i0 < QUERY_BLOCK ? s->queries - i0 : QUERY_BLOCK;
        const int64_t keys = visible(s, i0 + rows - 1);
        myelin_sgemm(rows, keys, s->head_dim, s->scale, q + i0 * job->q.position, job->q.position, 1,
                     k, 1, job->k.position, 0, scratch.scores, keys, NULL, MYELIN_ACTIVATION_NONE);
        for (int64_t r = 0; r < rows; r++)
            lse[i0 + r] = job->kernels->softmax_row(scratch.scores + r * keys, scratch.scores + r * keys, visible(s, i0 + r),
                                                 keys, scratch.bias);
        myelin_sgemm(rows, s->value_dim, keys, 1, scratch.scores, keys, 1, v, job->v.position, 1,
                     0, o + i0 * job->o.position, job->o.position, NULL, MYELIN_ACTIVATION_NONE);
    }
}

static void zero_rows(float *x, int64_t rows, int64_t stride, int64_t width) {
    if (x) for (int64_t r = 0; r < rows; r++) memset(x + r * stride, 0, (size_t)width * sizeof(float));
}

static void backward_pair(const attention_job *job, int64_t pair) {
    const myelin_attention_shape *s = job->s;
    const int64_t b = pair / s->heads, h = pair % s->heads;
    const float *q = at(job->q, b, h), *k = at(job->k, b, h), *v = at(job->v, b, h), *dout = at(job->dout, b, h);
    float *dq = at(job->dq, b, h), *dk = at(job->dk, b, h), *dv = at(job->dv, b, h);
    const float *lse = job->logsumexp + pair * s->queries;
    const pair_scratch scratch = scratch_for(job, b, 1);
    // dK and dV are sums over the query blocks: start from zero (keys no query sees stay zero).
    zero_rows(dk, s->keys, job->dk.position, s->head_dim);
    zero_rows(dv, s->keys, job->dv.position, s->value_dim);
    for (int64_t i0 = 0; i0 < s->queries; i0 += QUERY_BLOCK) {
        const int64_t rows = s->queries - i0 < QUERY_BLOCK ? s->queries - i0 : QUERY_BLOCK;
        const int64_t keys = visible(s, i0 + rows - 1);
        float *p = scratch.scores, *ds = scratch.grad_scores;
        const float *qb = q + i0 * job->q.position, *dob = dout + i0 * job->dout.position;
        myelin_sgemm(rows, keys, s->head_dim, s->scale, qb, job->q.position, 1, k, 1, job->k.position,
                     0, p, keys, NULL, MYELIN_ACTIVATION_NONE);
        for (int64_t r = 0; r < rows; r++)
            job->kernels->probabilities_row(p + r * keys, visible(s, i0 + r), keys, scratch.bias, lse[i0 + r]);
        if (dv)
            myelin_sgemm(keys, s->value_dim, rows, 1, p, 1, keys, dob, job->dout.position, 1,
                         1, dv, job->dv.position, NULL, MYELIN_ACTIVATION_NONE);
        if (!dq && !dk) continue;
        myelin_sgemm(rows, keys, s->value_dim, 1, dob, job->dout.position, 1, v, 1, job->v.position,
                     0, ds, keys, NULL, MYELIN_ACTIVATION_NONE);
        for (int64_t r = 0; r < rows; r++) job->kernels->score_gradient_row(p + r * keys, ds + r * keys, keys);
        if (dq)
            myelin_sgemm(rows, s->head_dim, keys, s->scale, ds, keys, 1, k, job->k.position, 1,
                         0, dq + i0 * job->dq.position, job->dq.position, NULL, MYELIN_ACTIVATION_NONE);
        if (dk)
            myelin_sgemm(keys, s->head_dim, rows, s->scale, ds, 1, keys, qb, job->q.position, 1,
                         1, dk, job->dk.position, NULL, MYELIN_ACTIVATION_NONE);
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
    attention_job job = {.s = shape, .kernels = myelin_vector_kernels_current(), .q = query, .k = key, .v = value, .o = output,
                         .mask = key_padding_mask, .logsumexp = logsumexp};
    myelin_parallel_for(shape->batch * shape->heads, 1, forward_slice, &job);
}

void myelin_attention_backward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                               myelin_heads value, const uint8_t *key_padding_mask, const float *logsumexp,
                               myelin_heads grad_output, myelin_heads grad_query, myelin_heads grad_key,
                               myelin_heads grad_value) {
    if (shape->batch <= 0 || shape->heads <= 0) return;
    attention_job job = {.s = shape, .kernels = myelin_vector_kernels_current(), .q = query, .k = key, .v = value,
                         .dout = grad_output, .dq = grad_query, .dk = grad_key, .dv = grad_value,
                         .mask = key_padding_mask, .logsumexp = (float *)logsumexp};
    myelin_parallel_for(shape->batch * shape->heads, 1, backward_slice, &job);
}
