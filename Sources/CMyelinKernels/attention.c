// Scaled dot-product attention, fused: for each (batch, head)
//
//   forward:   S = scale·Q·Kᵀ,  P = softmax(S) over the keys each query sees,  O = P·V
//   backward:  dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − Σⱼ P·dP),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
//
// The masks are never built: a causal row i simply stops at key i, and the padding mask becomes a
// row of 0/−inf added to the scores. Queries are taken in blocks of QUERY_BLOCK rows, so the
// scores of one block (QUERY_BLOCK × keys) stay in L1/L2 between the three steps, and a causal block
// multiplies only by the keys its last row sees. The products are the SGEMM's (reading Q, K, V in
// place through their strides); the row softmax runs on the vector math.
//
// The backward pass recomputes P from the scores and the saved log Σ exp rather than storing P in
// the forward pass: storing it costs batch·heads·queries·keys floats (2 MiB per W6 layer, quadratic
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

// MARK: - Row kernels (AVX-512 and portable, chosen as the vector math is)
//
// Rows are short (a causal row of W6 holds 1 to 64 scores), so the AVX-512 versions handle a
// row's last, partial vector with masks rather than scalar loops.

typedef struct {
    // Softmax over the first n scores of a row of `width`, the padding-masked ones (bias −inf)
    // left out; columns n..width are zeroed. Returns log Σ exp, or +inf when the row sees no key
    // (it is then all zero).
    float (*softmax)(float *s, int64_t n, int64_t width, const float *bias);
    // The forward pass's probabilities again, from the scores and the saved log Σ exp.
    void (*probabilities)(float *s, int64_t n, int64_t width, const float *bias, float logsumexp);
    // dS = P ⊙ (dP − Σⱼ P·dP), in place of dP.
    void (*score_gradient)(const float *p, float *dp, int64_t n);
} row_kernels;

static float softmax_portable(float *s, int64_t n, int64_t width, const float *bias) {
    float m = -INFINITY;
    for (int64_t j = 0; j < n; j++) {
        if (bias) s[j] += bias[j];
        m = s[j] > m ? s[j] : m;
    }
    if (m == -INFINITY) {
        memset(s, 0, (size_t)width * sizeof(float));
        return INFINITY;
    }
    float sum = 0;
    for (int64_t j = 0; j < n; j++) {
        s[j] = bias && bias[j] != 0 ? 0.0f : expf(s[j] - m); // exactly 0 for a hidden key
        sum += s[j];
    }
    for (int64_t j = 0; j < n; j++) s[j] /= sum;
    for (int64_t j = n; j < width; j++) s[j] = 0;
    return m + logf(sum);
}

static void probabilities_portable(float *s, int64_t n, int64_t width, const float *bias, float logsumexp) {
    if (logsumexp == INFINITY) n = 0;
    for (int64_t j = 0; j < n; j++) s[j] = bias && bias[j] != 0 ? 0.0f : expf(s[j] - logsumexp);
    for (int64_t j = n; j < width; j++) s[j] = 0;
}

static void score_gradient_portable(const float *p, float *dp, int64_t n) {
    float d = 0;
    for (int64_t j = 0; j < n; j++) d += p[j] * dp[j];
    for (int64_t j = 0; j < n; j++) dp[j] = p[j] * (dp[j] - d);
}

#if MYELIN_X86
#include "avx512_math.h"

#define T MYELIN_TARGET_AVX512

// The lanes of a padding row's vector whose keys are visible (bias 0, not −inf).
MYELIN_INLINE T __mmask16 visible_keys(const float *bias, int64_t j, __mmask16 lanes) {
    return bias ? _mm512_mask_cmp_ps_mask(lanes, _mm512_maskz_loadu_ps(lanes, bias + j), _mm512_setzero_ps(), _CMP_EQ_OQ)
                : lanes;
}

MYELIN_INLINE T void zero_columns(float *s, int64_t from, int64_t width) {
    for (int64_t j = from; j < width; j += 16) _mm512_mask_storeu_ps(s + j, myelin_lanes(width - j), _mm512_setzero_ps());
}

static T float softmax_avx512(float *s, int64_t n, int64_t width, const float *bias) {
    __m512 top = splat(-INFINITY);
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 keys = visible_keys(bias, j, myelin_lanes(n - j));
        top = _mm512_mask_max_ps(top, keys, top, _mm512_maskz_loadu_ps(keys, s + j));
    }
    const float m = _mm512_reduce_max_ps(top);
    if (m == -INFINITY) {
        zero_columns(s, 0, width);
        return INFINITY;
    }
    __m512 sum = _mm512_setzero_ps();
    const __m512 vm = splat(m);
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 lanes = myelin_lanes(n - j), keys = visible_keys(bias, j, lanes);
        const __m512 e = _mm512_maskz_mov_ps(keys, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, s + j), vm)));
        sum = _mm512_add_ps(sum, e);
        _mm512_mask_storeu_ps(s + j, lanes, e);
    }
    const float total = _mm512_reduce_add_ps(sum);
    const __m512 inverse = splat(1.0f / total);
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 lanes = myelin_lanes(n - j);
        _mm512_mask_storeu_ps(s + j, lanes, _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, s + j), inverse));
    }
    zero_columns(s, n, width);
    return m + logf(total);
}

static T void probabilities_avx512(float *s, int64_t n, int64_t width, const float *bias, float logsumexp) {
    if (logsumexp == INFINITY) n = 0;
    const __m512 shift = splat(logsumexp);
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 lanes = myelin_lanes(n - j), keys = visible_keys(bias, j, lanes);
        const __m512 p = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, s + j), shift));
        _mm512_mask_storeu_ps(s + j, lanes, _mm512_maskz_mov_ps(keys, p));
    }
    zero_columns(s, n, width);
}

static T void score_gradient_avx512(const float *p, float *dp, int64_t n) {
    __m512 sum = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 lanes = myelin_lanes(n - j);
        sum = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, p + j), _mm512_maskz_loadu_ps(lanes, dp + j), sum);
    }
    const __m512 d = splat(_mm512_reduce_add_ps(sum));
    for (int64_t j = 0; j < n; j += 16) {
        const __mmask16 lanes = myelin_lanes(n - j);
        const __m512 g = _mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, dp + j), d);
        _mm512_mask_storeu_ps(dp + j, lanes, _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, p + j), g));
    }
}

#undef T
#endif

static row_kernels pick_row_kernels(void) {
#if MYELIN_X86
    if (myelin_vector_math_uses_avx512()) // AVX-512 where the CPU has it, unless a test turned it off
        return (row_kernels){softmax_avx512, probabilities_avx512, score_gradient_avx512};
#endif
    return (row_kernels){softmax_portable, probabilities_portable, score_gradient_portable};
}

// MARK: - One (batch, head) pair

typedef struct {
    const myelin_attention_shape *s;
    row_kernels rows;
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
            lse[i0 + r] = job->rows.softmax(scratch.scores + r * keys, visible(s, i0 + r), keys, scratch.bias);
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
            job->rows.probabilities(p + r * keys, visible(s, i0 + r), keys, scratch.bias, lse[i0 + r]);
        if (dv)
            myelin_sgemm(keys, s->value_dim, rows, 1, p, 1, keys, dob, job->dout.position, 1,
                         1, dv, job->dv.position, NULL, MYELIN_ACTIVATION_NONE);
        if (!dq && !dk) continue;
        myelin_sgemm(rows, keys, s->value_dim, 1, dob, job->dout.position, 1, v, 1, job->v.position,
                     0, ds, keys, NULL, MYELIN_ACTIVATION_NONE);
        for (int64_t r = 0; r < rows; r++) job->rows.score_gradient(p + r * keys, ds + r * keys, keys);
        if (dq)
            myelin_sgemm(rows, s->head_dim, keys, s->scale, ds, keys, 1, k, job->k.position, 1,
                         0, dq + i0 * job->dq.position, job->dq.position, NULL, MYELIN_ACTIVATION_NONE);
        if (dk)
            myelin_sgemm(keys, s->head_dim, rows, s->scale, ds, 1, keys, qb, job->q.position, 1,
                         1, dk, job->dk.position, NULL, MYELIN_ACTIVATION_NONE);
    }
}

static void forward_slice(void *context, int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; pair++) forward_pair(context, pair);
}

static void backward_slice(void *context, int64_t begin, int64_t end) {
    for (int64_t pair = begin; pair < end; pair++) backward_pair(context, pair);
}

void myelin_attention_forward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                              myelin_heads value, const uint8_t *key_padding_mask, myelin_heads output,
                              float *logsumexp) {
    if (shape->batch <= 0 || shape->heads <= 0 || shape->queries <= 0) return;
    attention_job job = {.s = shape, .rows = pick_row_kernels(), .q = query, .k = key, .v = value, .o = output,
                         .mask = key_padding_mask, .logsumexp = logsumexp};
    myelin_parallel_for(shape->batch * shape->heads, 1, forward_slice, &job);
}

void myelin_attention_backward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                               myelin_heads value, const uint8_t *key_padding_mask, const float *logsumexp,
                               myelin_heads grad_output, myelin_heads grad_query, myelin_heads grad_key,
                               myelin_heads grad_value) {
    if (shape->batch <= 0 || shape->heads <= 0) return;
    attention_job job = {.s = shape, .rows = pick_row_kernels(), .q = query, .k = key, .v = value,
                         .dout = grad_output, .dq = grad_query, .dk = grad_key, .dv = grad_value,
                         .mask = key_padding_mask, .logsumexp = (float *)logsumexp};
    myelin_parallel_for(shape->batch * shape->heads, 1, backward_slice, &job);
}
