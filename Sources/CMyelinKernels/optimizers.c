// Optimiser updates: long, memory-bound loops whose square roots and divisions want wide vectors.
// Even SGD's few multiplications gain from them: its parameters come from L3 (W1's 268k floats,
// three streams in and two out), and clang's 8-float loop ran 24 µs where Swift's 4-float one
// (the baseline x86 target) ran 37.
// One body, compiled for every path and chosen at run time; contraction to
// FMA is off so every path (and the formula as written in Swift) gives the same bits.
#include "internal.h"

#pragma clang fp contract(off)

// sqrtf may set errno, so a loop calling it stays scalar (a scalar division and square root per
// element, with a branch for the errno call); the elementwise builtin is the same correctly
// rounded square root without errno, and the loop vectorises.
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define MYELIN_SQRTF(x) __builtin_elementwise_sqrt(x)
#else
#define MYELIN_SQRTF(x) __builtin_sqrtf(x)
#endif

typedef struct {
    const myelin_adam_settings *s;
    float *p, *m, *v;
    const float *g;
} adam_job;

#define ADAM_BODY                                                                                   \
    const myelin_adam_settings *s = job->s;                                                         \
    float *restrict p = job->p, *restrict m = job->m, *restrict v = job->v;                         \
    const float *restrict g = job->g;                                                               \
    const float b1 = s->beta1, b2 = s->beta2, c1 = 1 - s->beta1, c2 = 1 - s->beta2;                 \
    for (int64_t i = begin; i < end; i++) {                                                         \
        const float grad = g[i] + s->l2 * p[i];                                                     \
        m[i] = b1 * m[i] + c1 * grad;                                                               \
        v[i] = b2 * v[i] + c2 * grad * grad;                                                        \
        p[i] = p[i] * s->decay_factor - s->step_size * m[i] / (MYELIN_SQRTF(v[i]) / s->root_correction2 + s->epsilon); \
    }

// One update's slice function for one path: NAME_suffix, running BODY on [begin, end) of its JOB.
#define UPDATE_KERNEL(NAME, JOB, BODY, suffix, target)                                              \
    target static void NAME##_##suffix(void *context, int64_t begin, int64_t end) {                 \
        const JOB *job = context;                                                                   \
        BODY                                                                                        \
    }

#define ADAM_KERNEL(suffix, target) UPDATE_KERNEL(adam, adam_job, ADAM_BODY, suffix, target)
MYELIN_FOR_EACH_PATH(ADAM_KERNEL)

void myelin_adam_update(int64_t count, float *weights, const float *gradient, float *first_moment,
                        float *second_moment, const myelin_adam_settings *settings) {
    adam_job job = {settings, weights, first_moment, second_moment, gradient};
    myelin_parallel_for(count, 1 << 14, MYELIN_BY_PATH(adam), &job);
}

typedef struct {
    const myelin_sgd_settings *s;
    float *p, *v;
    const float *g;
} sgd_job;

// One loop per case, so that each vectorises without a select per element.
#define SGD_BODY                                                                                    \
    const myelin_sgd_settings *s = job->s;                                                          \
    float *restrict p = job->p, *restrict v = job->v;                                               \
    const float *restrict g = job->g;                                                               \
    const float lr = s->learning_rate, wd = s->weight_decay, mu = s->momentum, keep = s->keep,      \
                scale = s->scale;                                                                   \
    if (mu == 0) {                                                                                  \
        for (int64_t i = begin; i < end; i++) p[i] -= lr * (g[i] + wd * p[i]);                      \
    } else if (s->nesterov) {                                                                       \
        for (int64_t i = begin; i < end; i++) {                                                     \
            const float grad = g[i] + wd * p[i];                                                    \
            v[i] = keep * v[i] + scale * grad;                                                      \
            p[i] -= lr * (grad + mu * v[i]);                                                        \
        }                                                                                           \
    } else {                                                                                        \
        for (int64_t i = begin; i < end; i++) {                                                     \
            v[i] = keep * v[i] + scale * (g[i] + wd * p[i]);                                        \
            p[i] -= lr * v[i];                                                                      \
        }                                                                                           \
    }

#define SGD_KERNEL(suffix, target) UPDATE_KERNEL(sgd, sgd_job, SGD_BODY, suffix, target)
MYELIN_FOR_EACH_PATH(SGD_KERNEL)

void myelin_sgd_update(int64_t count, float *weights, const float *gradient, float *velocity,
                       const myelin_sgd_settings *settings) {
    sgd_job job = {settings, weights, velocity, gradient};
    myelin_parallel_for(count, 1 << 15, MYELIN_BY_PATH(sgd), &job);
}
