// word2vec's training loop for one path, written once on simd.h: the prediction step (scores of
// one input vector against a few output rows, their sigmoids and loss, the two updates) and the
// sentence loop around it (subsampling, the drawn reach of each word's context, noise words). What
// they compute is stated at myelin_word2vec_train and myelin_word2vec_predict (CMyelinKernels.h).
//
// Included once by each of word2vec_kernels_avx512.c, _avx2.c and _portable.c, which name the table
// it defines (MYELIN_WORD2VEC_KERNELS) and compile it for their target.
#include "simd_math.h"

enum { MAX_TARGETS = MYELIN_WORD2VEC_MAX_NEGATIVE + 1 };

// splitmix64 (Steele, Lea and Flood 2014): a counter through a mixing function, every bit usable.
SIMD uint64_t w2v_draw(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A uniform integer in [0, n) from the draw's high 32 bits (n < 2³²), by a multiply, not a division.
SIMD uint32_t w2v_below(uint64_t r, uint64_t n) { return (uint32_t)(((r >> 32) * n) >> 32); }

// Runs the statements for every vector of a row of d floats: j is the vector's first column and n
// its lanes (LANES, a constant the loads and stores fold away, then d − j for the last, partial one).
#define FOR_VECTORS(d, ...)                                                                            \
    do {                                                                                               \
        int64_t j = 0;                                                                                 \
        for (; j + LANES <= (d); j += LANES) {                                                         \
            const int64_t n = LANES;                                                                   \
            __VA_ARGS__                                                                                \
        }                                                                                              \
        if (j < (d)) {                                                                                 \
            const int64_t n = (d) - j;                                                                 \
            __VA_ARGS__                                                                                \
        }                                                                                              \
    } while (0)

static float predict(int64_t d, const float *restrict h, float *output, const int32_t *targets, int32_t count,
                     float learning_rate, float *restrict update) {
    float *rows[MAX_TARGETS + 3];
    float x[MAX_TARGETS + 3], g[MAX_TARGETS + LANES];
    int distinct = 1;
    for (int32_t t = 0; t < count; t++) {
        rows[t] = output + (int64_t)targets[t] * d;
        for (int32_t u = 0; u < t; u++) distinct &= targets[u] != targets[t];
    }
    for (int32_t t = count; t < count + 3; t++) rows[t] = rows[0];
    // Scores h·o_t, four rows at a time: four independent chains of FMAs.
    for (int32_t t = 0; t < count; t += 4) {
        const float *o0 = rows[t], *o1 = rows[t + 1], *o2 = rows[t + 2], *o3 = rows[t + 3];
        vf a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        FOR_VECTORS(d, {
            const vf v = vload_first(h + j, n);
            a0 = vfma(v, vload_first(o0 + j, n), a0);
            a1 = vfma(v, vload_first(o1 + j, n), a1);
            a2 = vfma(v, vload_first(o2 + j, n), a2);
            a3 = vfma(v, vload_first(o3 + j, n), a3);
        });
        x[t] = vsum(a0);
        x[t + 1] = vsum(a1);
        x[t + 2] = vsum(a2);
        x[t + 3] = vsum(a3);
    }
    // g = lr·(label − σ(x)) and the loss −log σ(±x) = max(∓x, 0) + log(1 + e^{−|x|}), with one e^{−|x|}.
    vf loss = 0;
    for (int32_t t = 0; t < count; t += LANES) {
        const vi lanes = vlanes(count - t), positive = t == 0 ? vlanes(1) : (vi)0;
        const vf s = vload_first(x + t, count - t), e = vexp(-__builtin_elementwise_abs(s)), r = 1.0f / (1.0f + e);
        const vf sigmoid = s >= 0.0f ? r : e * r, margin = positive ? -s : s;
        vstore(g + t, learning_rate * ((positive ? (vf)1.0f : (vf)0.0f) - sigmoid));
        const vf term = (margin > 0.0f ? margin : (vf)0.0f) + vlog(1.0f + e);
        loss += lanes ? term : (vf)0.0f;
    }
    // update = Σ g_t·o_t from the rows as they are, and o_t += g_t·h: in one pass when no row repeats,
    // else the sum first.
    if (distinct) {
        FOR_VECTORS(d, {
            const vf v = vload_first(h + j, n);
            vf u = 0;
            for (int32_t t = 0; t < count; t++) {
                const vf o = vload_first(rows[t] + j, n);
                u = vfma(g[t], o, u);
                vstore_first(rows[t] + j, vfma(g[t], v, o), n);
            }
            vstore_first(update + j, u, n);
        });
    } else {
        FOR_VECTORS(d, {
            vf u = 0;
            for (int32_t t = 0; t < count; t++) u = vfma(g[t], vload_first(rows[t] + j, n), u);
            vstore_first(update + j, u, n);
        });
        for (int32_t t = 0; t < count; t++) {
            float *o = rows[t];
            FOR_VECTORS(d, { vstore_first(o + j, vfma(g[t], vload_first(h + j, n), vload_first(o + j, n)), n); });
        }
    }
    return vsum(loss);
}

// row += u (D floats).
SIMD void add_row(float *restrict row, const float *restrict u, int64_t d) {
    FOR_VECTORS(d, { vstore_first(row + j, vload_first(row + j, n) + vload_first(u + j, n), n); });
}

// The word and `negative` noise words drawn from the alias table, less those equal to the word.
SIMD int32_t draw_targets(const myelin_word2vec_settings *s, int32_t word, uint64_t *state, int32_t *targets) {
    int32_t count = 0;
    targets[count++] = word;
    for (int32_t k = 0; k < s->negative; k++) {
        const uint64_t r = w2v_draw(state);
        const uint32_t column = w2v_below(r, (uint64_t)s->words);
        // Both loads, then a select: which one wins is a coin toss, a branch on it would be mispredicted.
        const int32_t alias = s->noise_alias[column];
        const int32_t noise = (uint32_t)r < s->noise_threshold[column] ? (int32_t)column : alias;
        targets[count] = noise;
        count += noise != word;
    }
    return count;
}

static void train_slice(const myelin_word2vec_call *call, int64_t first, int64_t end, uint64_t seed, int32_t *kept,
                        float *vectors, myelin_word2vec_result *result) {
    const myelin_word2vec_settings *s = call->settings;
    const int64_t d = s->dimensions;
    float *input = call->input, *mean = vectors, *update = vectors + d;
    const float lr = call->learning_rate;
    uint64_t state = seed;
    int32_t targets[MAX_TARGETS];
    double loss = 0;
    int64_t predictions = 0, kept_total = 0;
    for (int64_t sentence = first; sentence < end; sentence++) {
        int64_t n = 0;
        for (int64_t p = call->starts[sentence]; p < call->starts[sentence + 1]; p++) {
            const int32_t w = call->words[p];
            if (!s->keep || (uint32_t)w2v_draw(&state) <= s->keep[w]) kept[n++] = w;
        }
        kept_total += n;
        for (int64_t i = 0; i < n; i++) {
            const int64_t reach = s->window - (int64_t)w2v_below(w2v_draw(&state), (uint64_t)s->window);
            const int64_t lo = i - reach > 0 ? i - reach : 0, hi = i + reach + 1 < n ? i + reach + 1 : n;
            if (hi - lo < 2) continue; // no context
            if (s->cbow) {
                // The mean of the context's input vectors predicts the word; each of them takes the update.
                FOR_VECTORS(d, { vstore_first(mean + j, (vf)0.0f, n); });
                for (int64_t c = lo; c < hi; c++)
                    if (c != i) add_row(mean, input + (int64_t)kept[c] * d, d);
                const float scale = 1.0f / (float)(hi - lo - 1);
                FOR_VECTORS(d, { vstore_first(mean + j, vload_first(mean + j, n) * scale, n); });
                const int32_t count = draw_targets(s, kept[i], &state, targets);
                loss += predict(d, mean, call->output, targets, count, lr, update);
                for (int64_t c = lo; c < hi; c++)
                    if (c != i) add_row(input + (int64_t)kept[c] * d, update, d);
                predictions++;
            } else {
                // Each context word's input vector predicts the word.
                for (int64_t c = lo; c < hi; c++) {
                    if (c == i) continue;
                    float *h = input + (int64_t)kept[c] * d;
                    const int32_t count = draw_targets(s, kept[i], &state, targets);
                    loss += predict(d, h, call->output, targets, count, lr, update);
                    add_row(h, update, d);
                    predictions++;
                }
            }
        }
    }
    result->kept += kept_total;
    result->predictions += predictions;
    result->loss += loss;
}

const myelin_word2vec_kernels MYELIN_WORD2VEC_KERNELS = {
    .predict = predict,
    .train_slice = train_slice,
};
