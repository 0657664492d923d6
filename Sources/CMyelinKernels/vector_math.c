// The vector math entry points: each picks the vector kernels of the path in use (simd_kernels.h,
// compiled once per path) and splits large arrays over the thread pool.
#include <string.h>

#include "internal.h"

// Floats per thread slice: enough that a hand-off (microseconds) pays.
enum { GRAIN = 1 << 15 };

typedef void (*array_fn)(const float *x, float *y, int64_t n);
typedef void (*array_pair_fn)(const float *x, float *y, float *y2, int64_t n);

typedef struct {
    array_fn fn;
    array_pair_fn pair; // instead of fn: two results per element, into y and y2
    const float *x;
    float *y, *y2;
} map_job;

static void map_slice(void *context, int64_t begin, int64_t end) {
    const map_job *job = context;
    if (job->pair) job->pair(job->x + begin, job->y + begin, job->y2 + begin, end - begin);
    else job->fn(job->x + begin, job->y + begin, end - begin);
}

// Runs the job's array function over n floats, split over the pool when that pays.
static void map(map_job job, int64_t n) {
    if (n <= 0) return;
    if (n < 2 * GRAIN) map_slice(&job, 0, n);
    else myelin_parallel_for(n, GRAIN, map_slice, &job);
}

static void map_each(array_fn fn, const float *x, float *y, int64_t n) { map((map_job){.fn = fn, .x = x, .y = y}, n); }

void myelin_vexp(const float *x, float *y, int64_t n) { map_each(myelin_vector_kernels_current()->exp, x, y, n); }
void myelin_vlog(const float *x, float *y, int64_t n) { map_each(myelin_vector_kernels_current()->log, x, y, n); }
void myelin_vtanh(const float *x, float *y, int64_t n) { map_each(myelin_vector_kernels_current()->tanh, x, y, n); }
void myelin_vsigmoid(const float *x, float *y, int64_t n) {
    map_each(myelin_vector_kernels_current()->sigmoid, x, y, n);
}
void myelin_verf(const float *x, float *y, int64_t n) { map_each(myelin_vector_kernels_current()->erf, x, y, n); }
void myelin_vgelu(const float *x, float *y, int64_t n) { map_each(myelin_vector_kernels_current()->gelu, x, y, n); }
void myelin_vgelu_with_slope(const float *x, float *y, float *slope, int64_t n) {
    map((map_job){.pair = myelin_vector_kernels_current()->gelu_with_slope, .x = x, .y = y, .y2 = slope}, n);
}

// MARK: - Rows

typedef struct {
    const myelin_vector_kernels *k;
    int log;
    const float *x;
    float *y;
    int64_t cols;
} rows_job;

static void rows_slice(void *context, int64_t begin, int64_t end) {
    const rows_job *job = context;
    for (int64_t r = begin; r < end; r++) {
        const float *x = job->x + r * job->cols;
        float *y = job->y + r * job->cols;
        if (job->log) job->k->log_softmax_row(x, y, job->cols);
        else job->k->softmax_row(x, y, job->cols, job->cols, NULL);
    }
}

static void run_rows(int log, const float *x, float *y, int64_t rows, int64_t cols) {
    if (rows <= 0 || cols <= 0) return;
    rows_job job = {myelin_vector_kernels_current(), log, x, y, cols};
    myelin_parallel_for(rows, (GRAIN + cols - 1) / cols, rows_slice, &job);
}

void myelin_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) { run_rows(0, x, y, rows, cols); }
void myelin_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) { run_rows(1, x, y, rows, cols); }

// MARK: - Transpose

// Source columns (destination rows) per unit of work: two AVX-512 tiles, four AVX2 ones.
enum { TRANSPOSE_BAND = 32 };

typedef struct {
    const myelin_vector_kernels *k;
    int64_t rows, cols, ld_src, ld_dst;
    const float *src;
    float *dst;
} transpose_job;

static void transpose_slice(void *context, int64_t first, int64_t end) {
    const transpose_job *job = context;
    const int64_t c0 = first * TRANSPOSE_BAND, c1 = end * TRANSPOSE_BAND < job->cols ? end * TRANSPOSE_BAND : job->cols;
    job->k->transpose(job->rows, c1 - c0, job->src + c0, job->ld_src, job->dst + c0 * job->ld_dst, job->ld_dst);
}

typedef struct {
    const int64_t *rows;
    const float *table;
    int64_t width;
    float *dst;
} gather_job;

// A run of consecutive rows (a sequential batch) is one copy. The next run's first row is fetched
// while this one is copied: a shuffled batch's rows each come from memory, and the prefetchers,
// which stop at page boundaries, only start within a row once its first lines have missed (W1's 64
// rows of 784 floats a thread, from a 188 MB training set: 28.7 → 20.5 µs a batch on one thread).
static void gather_slice(void *context, int64_t begin, int64_t end) {
    const gather_job *job = context;
    const int64_t *rows = job->rows, width = job->width;
    for (int64_t k = begin; k < end;) {
        int64_t run = 1;
        while (k + run < end && rows[k + run] == rows[k] + run) run++;
        if (k + run < end) {
            const float *next = job->table + rows[k + run] * width;
            for (int64_t j = 0; j < width; j += 16) __builtin_prefetch(next + j);
        }
        memcpy(job->dst + k * width, job->table + rows[k] * width, (size_t)(run * width) * sizeof(float));
        k += run;
    }
}

void myelin_gather_rows(const int64_t *rows, int64_t count, const float *table, int64_t width, float *dst) {
    if (count <= 0 || width <= 0) return;
    const gather_job job = {rows, table, width, dst};
    // Split where each thread gets at least 16 K floats: below that, handing out the slices costs
    // more than the second thread's misses in flight save.
    const int64_t grain = 16384 / width > 1 ? 16384 / width : 1;
    myelin_parallel_for(count, grain, gather_slice, (void *)&job);
}

// The gradient's row two ahead is fetched while this one is added: a row of a wide gradient (the
// char-LSTM's 1,024 gates: 4 KiB) is a page of its own, and the hardware prefetchers stop at page
// boundaries. On Zen 5 the char-LSTM's 2,048 rows took 12 % less time than the loop without it
// (six rows ahead: 20 % more); the sum is bound by memory either way.
enum { SCATTER_AHEAD = 2 };

void myelin_scatter_add_rows(const int64_t *rows, int64_t count, const float *gradient, int64_t ld_gradient,
                             int64_t width, float *sums, int64_t ld_sums, int64_t skip) {
    for (int64_t k = 0; k < count; k++) {
        if (k + SCATTER_AHEAD < count && width >= 64) {
            const float *ahead = gradient + (k + SCATTER_AHEAD) * ld_gradient;
            for (int64_t j = 0; j < width; j += 16) __builtin_prefetch(ahead + j);
        }
        if (rows[k] == skip) continue;
        const float *restrict from = gradient + k * ld_gradient;
        float *restrict to = sums + rows[k] * ld_sums;
        for (int64_t j = 0; j < width; j++) to[j] += from[j];
    }
}

void myelin_scatter_add_columns(const int64_t *rows, int64_t count, const float *gradient, int64_t ld_gradient,
                                int64_t width, float *sums, int64_t ld_sums) {
    if (count <= 0 || width <= 0) return;
    myelin_vector_kernels_current()->scatter_add_columns(width, count, gradient, ld_gradient, rows, sums, ld_sums);
}

void myelin_transpose(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst, int64_t ld_dst) {
    if (rows <= 0 || cols <= 0) return;
    const transpose_job job = {myelin_vector_kernels_current(), rows, cols, ld_src, ld_dst, src, dst};
    const int64_t bands = (cols + TRANSPOSE_BAND - 1) / TRANSPOSE_BAND;
    myelin_parallel_for(bands, (GRAIN + rows * TRANSPOSE_BAND - 1) / (rows * TRANSPOSE_BAND), transpose_slice, (void *)&job);
}
