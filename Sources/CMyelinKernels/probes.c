// Machine probes: the FMA peak of each path's vector width (as in shared/bench/torch/fma_peak.c,
// but with target attributes instead of -m flags) and the CPU family, so every benchmark can state
// how close to the hardware it got on the machine it ran on.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int myelin_cpu_family(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) return -1;
    char line[512];
    int family = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "cpu family", 10) == 0) {
            const char *colon = strchr(line, ':');
            if (colon) family = atoi(colon + 1);
            break;
        }
    }
    fclose(f);
    return family;
}

#if MYELIN_X86
#include <immintrin.h>
#endif

// Independent chains a_i = a_i·m + c. The empty asm statements pin the chains in registers and
// stop the compiler from folding the loop; each iteration is exactly CHAINS register FMAs.
#define CHAIN_DECL(T, set)                                                                                 \
    T a0 = set(1.00f), a1 = set(1.01f), a2 = set(1.02f), a3 = set(1.03f), a4 = set(1.04f), a5 = set(1.05f),   \
      a6 = set(1.06f), a7 = set(1.07f), a8 = set(1.08f), a9 = set(1.09f), a10 = set(1.10f), a11 = set(1.11f)
#define CHAIN_STEP(F)                                                                                      \
    a0 = F(a0, m, c); a1 = F(a1, m, c); a2 = F(a2, m, c); a3 = F(a3, m, c); a4 = F(a4, m, c);              \
    a5 = F(a5, m, c); a6 = F(a6, m, c); a7 = F(a7, m, c); a8 = F(a8, m, c); a9 = F(a9, m, c);              \
    a10 = F(a10, m, c); a11 = F(a11, m, c)
#define CHAIN_KEEP(C)                                                                                      \
    __asm__ volatile("" : "+" C(a0), "+" C(a1), "+" C(a2), "+" C(a3), "+" C(a4), "+" C(a5));                \
    __asm__ volatile("" : "+" C(a6), "+" C(a7), "+" C(a8), "+" C(a9), "+" C(a10), "+" C(a11))

#if MYELIN_X86
// 16 chains of 16 floats on zmm registers.
static MYELIN_TARGET_AVX512 float run512(long iters) {
    CHAIN_DECL(__m512, _mm512_set1_ps);
    __m512 a12 = _mm512_set1_ps(1.12f), a13 = _mm512_set1_ps(1.13f), a14 = _mm512_set1_ps(1.14f),
           a15 = _mm512_set1_ps(1.15f);
    const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iters; i++) {
        CHAIN_STEP(_mm512_fmadd_ps);
        a12 = _mm512_fmadd_ps(a12, m, c); a13 = _mm512_fmadd_ps(a13, m, c);
        a14 = _mm512_fmadd_ps(a14, m, c); a15 = _mm512_fmadd_ps(a15, m, c);
        CHAIN_KEEP("v");
        __asm__ volatile("" : "+v"(a12), "+v"(a13), "+v"(a14), "+v"(a15));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                                       _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15))));
    return _mm512_reduce_add_ps(s);
}

// 12 chains of 8 floats on ymm0-15 (what an AVX2-only CPU has), as the reference probe does.
static MYELIN_TARGET_AVX2 float run256(long iters) {
    CHAIN_DECL(__m256, _mm256_set1_ps);
    const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iters; i++) {
        CHAIN_STEP(_mm256_fmadd_ps);
        CHAIN_KEEP("x");
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}
#endif

// 12 chains of 4 floats in plain C, as the portable kernels compile: on baseline x86-64 (SSE2) a
// multiply and an add per step, on Arm one fused multiply-add (NEON). Either way 2 flops per lane.
typedef float v4 __attribute__((ext_vector_type(4)));
#define MUL_ADD(a, m, c) ((a) * (m) + (c))
#if defined(__aarch64__)
#define VECTOR_REGISTER "w"
#else
#define VECTOR_REGISTER "x"
#endif

static float run128(long iters) {
    CHAIN_DECL(v4, (v4));
    const v4 m = 0.9999999f, c = 1e-7f;
    for (long i = 0; i < iters; i++) {
        CHAIN_STEP(MUL_ADD);
        CHAIN_KEEP(VECTOR_REGISTER);
    }
    const v4 s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
    return s.x + s.y + s.z + s.w;
}

typedef struct {
    atomic_int *ready; // threads wait for each other here, then start together
    int threads;
    long iters;
    int width;
    double seconds;
    float sink;
} probe_job;

static void *probe_thread(void *arg) {
    probe_job *j = arg;
    atomic_fetch_add(j->ready, 1);
    for (unsigned spins = 0; atomic_load(j->ready) < j->threads; spins++) myelin_spin_pause(spins);
    double t = myelin_monotonic_seconds();
#if MYELIN_X86
    j->sink = j->width == 512 ? run512(j->iters) : j->width == 256 ? run256(j->iters) : run128(j->iters);
#else
    j->sink = run128(j->iters);
#endif
    j->seconds = myelin_monotonic_seconds() - t;
    return NULL;
}

// GFLOP/s of `threads` threads each running `iters` iterations: total flops over the slowest.
static double trial(int threads, int width, long iters) {
    pthread_t th[64];
    probe_job jobs[64];
    atomic_int ready = 0;
    int started = 0;
    for (int i = 0; i < threads; i++) {
        jobs[i] = (probe_job){&ready, threads, iters, width, 0, 0};
        if (i == 0) continue; // the calling thread is thread 0
        if (pthread_create(&th[i], NULL, probe_thread, &jobs[i]) != 0) abort();
        started++;
    }
    probe_thread(&jobs[0]);
    double slowest = jobs[0].seconds;
    for (int i = 1; i <= started; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].seconds > slowest) slowest = jobs[i].seconds;
    }
    float sink = 0;
    for (int i = 0; i < threads; i++) sink += jobs[i].sink;
    volatile float keep = sink; // the chains' results are used
    (void)keep;
    const double lanes = width / 32, chains = width == 512 ? 16 : 12;
    return 2.0 * lanes * chains * (double)iters * threads / slowest / 1e9;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double myelin_fma_peak_gflops(int threads, double seconds, int width) {
    if (width != 512 && width != 256 && width != 128) return 0;
    if (width == 512 && !myelin_cpu_path_supported(MYELIN_CPU_AVX512)) return 0;
    if (width == 256 && !myelin_cpu_path_supported(MYELIN_CPU_AVX2)) return 0;
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    if (seconds <= 0) seconds = 0.1;
    // Calibrate on one thread, then take the median of five trials of seconds/5 each.
    long iters = 100000;
    double t = myelin_monotonic_seconds();
    trial(1, width, iters);
    double dt = myelin_monotonic_seconds() - t;
    iters = (long)((double)iters * (seconds / 5) / (dt > 1e-6 ? dt : 1e-6));
    if (iters < 1000) iters = 1000;
    double rates[5];
    for (int i = 0; i < 5; i++) rates[i] = trial(threads, width, iters);
    qsort(rates, 5, sizeof rates[0], compare_doubles);
    return rates[2];
}

