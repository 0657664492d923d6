// The GEMM profile: how long the products of each shape took in a real program, summed over the
// calls made while it was on. A benchmark of one shape keeps its operands hot in cache; inside a
// training step they come from the ops before it, and this is how far that moves each product
// from its isolated speed. MyelinBench reports it with MYELIN_GEMM_PROFILE=1 (docs/ARCHITECTURE.md,
// "Where the time goes").
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

static atomic_int profile_on;
static atomic_flag profile_lock = ATOMIC_FLAG_INIT;
// A training step makes a few dozen shapes; calls of shapes past the table's room are only counted.
static myelin_gemm_profile_entry profile_entries[MYELIN_GEMM_PROFILE_MAX_SHAPES];
static int64_t profile_count, profile_uncounted_calls;

static void profile_lock_take(void) {
    for (unsigned spins = 0; atomic_flag_test_and_set_explicit(&profile_lock, memory_order_acquire); spins++)
        myelin_spin_pause(spins);
}

static void profile_lock_release(void) { atomic_flag_clear_explicit(&profile_lock, memory_order_release); }

void myelin_gemm_profile_enable(int on) { atomic_store_explicit(&profile_on, on != 0, memory_order_relaxed); }

void myelin_gemm_profile_reset(void) {
    profile_lock_take();
    profile_count = 0;
    profile_uncounted_calls = 0;
    profile_lock_release();
}

// Most time first.
static int by_seconds(const void *x, const void *y) {
    const double a = ((const myelin_gemm_profile_entry *)x)->seconds, b = ((const myelin_gemm_profile_entry *)y)->seconds;
    return a > b ? -1 : a < b ? 1 : 0;
}

int64_t myelin_gemm_profile_entries(myelin_gemm_profile_entry *entries, int64_t capacity) {
    profile_lock_take();
    qsort(profile_entries, (size_t)profile_count, sizeof *profile_entries, by_seconds);
    const int64_t count = profile_count;
    for (int64_t i = 0; i < count && i < capacity; i++) entries[i] = profile_entries[i];
    profile_lock_release();
    return count;
}

double myelin_gemm_profile_start(void) {
    return atomic_load_explicit(&profile_on, memory_order_relaxed) ? myelin_monotonic_seconds() : 0;
}

// 'n': row-major (column stride 1), 't': column-major (row stride 1), 'g': neither stride 1, 'p':
// packed beforehand (myelin_sgemm_packed_b's B, which has no strides).
static char layout(int64_t row_stride, int64_t column_stride) {
    return column_stride == 1 ? 'n' : row_stride == 1 ? 't' : row_stride == 0 && column_stride == 0 ? 'p' : 'g';
}

void myelin_gemm_profile_add(int64_t M, int64_t N, int64_t K, int64_t rsA, int64_t csA, int64_t rsB, int64_t csB,
                             double started) {
    const double seconds = myelin_monotonic_seconds() - started;
    const char a = layout(rsA, csA), b = layout(rsB, csB);
    profile_lock_take();
    int64_t i = 0;
    while (i < profile_count && !(profile_entries[i].m == M && profile_entries[i].n == N &&
                                  profile_entries[i].k == K && profile_entries[i].a == a && profile_entries[i].b == b))
        i++;
    if (i == profile_count && i < MYELIN_GEMM_PROFILE_MAX_SHAPES)
        profile_entries[profile_count++] = (myelin_gemm_profile_entry){.m = M, .n = N, .k = K, .a = a, .b = b};
    if (i < profile_count) {
        profile_entries[i].calls++;
        profile_entries[i].seconds += seconds;
    } else {
        profile_uncounted_calls++;
    }
    profile_lock_release();
}

int64_t myelin_gemm_profile_uncounted_calls(void) {
    profile_lock_take();
    const int64_t calls = profile_uncounted_calls;
    profile_lock_release();
    return calls;
}
