// Optimiser updates: long, memory-bound loops whose square roots and divisions want wide vectors.
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

#define ADAM_KERNEL(suffix, target)                                                                 \
    target static void adam_##suffix(void *context, int64_t begin, int64_t end) {                   \
        const adam_job *job = context;                                                              \
        ADAM_BODY                                                                                   \
    }
MYELIN_FOR_EACH_PATH(ADAM_KERNEL)

void myelin_adam_update(int64_t count, float *weights, const float *gradient, float *first_moment,
                        float *second_moment, const myelin_adam_settings *settings) {
    adam_job job = {settings, weights, first_moment, second_moment, gradient};
    myelin_parallel_for(count, 1 << 14, MYELIN_BY_PATH(adam), &job);
}
