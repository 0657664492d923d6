// The word2vec entry points: the path's kernels (simd_word2vec.h, compiled once per path), the
// sentences cut into slices, and the threads that take them.
//
// A slice is a run of consecutive sentences of at least SLICE_WORDS words, cut the same way on any
// thread count, with a random stream of its own: on one thread the slices go in order, so a call
// gives the same bits every time. On several, threads take the next slice as they finish one and
// update the shared matrices without locks (Hogwild: Recht et al. 2011; word2vec.c and gensim do
// the same), so which update lands first varies from run to run.
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

enum { SLICE_WORDS = 1024 };

typedef struct {
    const myelin_word2vec_call *call;
    const myelin_word2vec_kernels *kernels;
    const int64_t *slice_starts; // slice i is sentences [slice_starts[i], slice_starts[i + 1])
    int64_t slices, longest;
    uint64_t seed;
    myelin_word2vec_result *results; // one per slice, added up in order at the end
    _Alignas(64) _Atomic(int64_t) next;
} word2vec_job;

// The random stream of slice i: the seed and the index through splitmix64's mixing function.
static uint64_t slice_seed(uint64_t seed, int64_t i) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void word2vec_run(void *context) {
    word2vec_job *job = context;
    int32_t *kept = NULL;
    float *vectors = NULL;
    for (;;) {
        const int64_t i = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
        if (i >= job->slices) break;
        if (kept == NULL) {
            kept = malloc((size_t)(job->longest > 0 ? job->longest : 1) * sizeof(int32_t));
            vectors = malloc((size_t)(2 * job->call->settings->dimensions) * sizeof(float));
            if (kept == NULL || vectors == NULL) abort();
        }
        job->kernels->train_slice(job->call, job->slice_starts[i], job->slice_starts[i + 1], slice_seed(job->seed, i), kept,
                                  vectors, &job->results[i]);
    }
    free(kept);
    free(vectors);
}

myelin_word2vec_result myelin_word2vec_train(const myelin_word2vec_settings *settings, float *input_vectors,
                                             float *output_vectors, const int32_t *words, const int64_t *starts,
                                             int64_t sentences, float learning_rate, uint64_t seed, int threads) {
    myelin_word2vec_result total = {0, 0, 0};
    if (sentences <= 0) return total;
    int64_t *slice_starts = malloc((size_t)(sentences + 1) * sizeof(int64_t));
    if (slice_starts == NULL) abort();
    int64_t slices = 0, longest = 0, words_in_slice = 0;
    slice_starts[0] = 0;
    for (int64_t s = 0; s < sentences; s++) {
        const int64_t length = starts[s + 1] - starts[s];
        if (length > longest) longest = length;
        words_in_slice += length;
        if (words_in_slice >= SLICE_WORDS || s == sentences - 1) {
            slice_starts[++slices] = s + 1;
            words_in_slice = 0;
        }
    }
    myelin_word2vec_result *results = calloc((size_t)slices, sizeof *results);
    if (results == NULL) abort();
    const myelin_word2vec_call call = {settings, input_vectors, output_vectors, words, starts, learning_rate};
    word2vec_job job = {.call = &call, .kernels = MYELIN_BY_PATH(myelin_word2vec_kernels), .slice_starts = slice_starts,
                        .slices = slices, .longest = longest, .seed = seed, .results = results};
    atomic_init(&job.next, 0);
    const int64_t helpers = (threads < slices ? threads : slices) - 1;
    if (helpers > 0) myelin_pool_run((int)helpers, word2vec_run, &job);
    else word2vec_run(&job);
    for (int64_t i = 0; i < slices; i++) {
        total.kept += results[i].kept;
        total.predictions += results[i].predictions;
        total.loss += results[i].loss;
    }
    free(results);
    free(slice_starts);
    return total;
}

float myelin_word2vec_predict(int64_t dimensions, const float *input, float *output_vectors, const int32_t *targets,
                              int32_t count, float learning_rate, float *input_update) {
    return MYELIN_BY_PATH(myelin_word2vec_kernels)->predict(dimensions, input, output_vectors, targets, count, learning_rate,
                                                            input_update);
}
