// A small persistent thread pool: one worker per core minus the caller, started on first use.
//
// A job is a function that the caller and any workers that join share work through (an atomic
// counter in its context): work is claimed, never assigned, so a worker that wakes late, or is
// descheduled because another process wants its vCPU, costs nothing but its own help. The caller
// never waits for a worker that has not started; it waits only for workers still finishing work they
// claimed. Workers spin on the job sequence for a short while after each job (back-to-back kernels
// in a training step start in well under a microsecond), then sleep on a condition variable, so an
// idle pool burns no CPU. One caller at a time owns the pool; a second concurrent caller, or a call
// made from inside a task, runs everything on its own thread.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_THREADS = 64 };
// How long a worker keeps polling for the next job before it sleeps. Long enough to cover the
// element-wise work between two GEMMs of a training step, short enough not to hog a shared machine.
static const double SPIN_SECONDS = 200e-6;

// The job word: the job's generation (high 32 bits), whether the caller has closed it (bit 31:
// no more joining), and how many workers are inside its function (low bits).
#define JOB_CLOSED ((uint64_t)1 << 31)
#define JOB_ACTIVE ((uint64_t)JOB_CLOSED - 1)

static struct {
    // The job, published seqlock-style: `sequence` is odd while the caller writes the fields.
    _Alignas(64) atomic_uint_fast64_t sequence;
    _Atomic(myelin_job_fn) fn;
    _Atomic(void *) context;
    atomic_uint_fast64_t generation;
    atomic_int helpers; // how many workers may join
    atomic_int path;    // the caller's kernel path, which the workers run the job on
    _Alignas(64) atomic_uint_fast64_t word;
    _Alignas(64) atomic_int sleepers;
    pthread_mutex_t lock; // guards sleeping
    pthread_cond_t wake;
    int workers;           // started so far
    pthread_mutex_t owner; // held by the one caller using the pool
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .owner = PTHREAD_MUTEX_INITIALIZER,
};

static atomic_int thread_count; // 0 = not set yet: the number of cores
static _Thread_local int inside_task;
static _Thread_local int thread_count_here; // myelin_set_thread_count_here's; 0: the process's count

double myelin_monotonic_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int core_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* MYELIN_THREADS, when it holds a number from 1 to MAX_THREADS; 0 (and a note on stderr naming
   the value) when it holds anything else; 0 when unset. */
static int threads_from_environment(void) {
    const char *text = getenv("MYELIN_THREADS");
    if (text == NULL) return 0;
    char *end = NULL;
    long n = strtol(text, &end, 10);
    if (end == text || *end != '\0' || n < 1 || n > MAX_THREADS) {
        fprintf(stderr, "MYELIN_THREADS=%s is not a number of threads from 1 to %d; using one per core\n", text, MAX_THREADS);
        return 0;
    }
    return (int)n;
}

int myelin_thread_count(void) {
    if (thread_count_here > 0) return thread_count_here;
    int n = atomic_load_explicit(&thread_count, memory_order_relaxed);
    if (n == 0) {
        n = threads_from_environment();
        if (n == 0) n = core_count();
        if (n > MAX_THREADS) n = MAX_THREADS;
        int expected = 0;
        atomic_compare_exchange_strong(&thread_count, &expected, n);
        n = atomic_load(&thread_count);
    }
    return n;
}

int myelin_threads_here(void) { return inside_task ? 1 : myelin_thread_count(); }

void myelin_set_thread_count(int count) {
    if (count < 1) count = 1;
    if (count > MAX_THREADS) count = MAX_THREADS;
    atomic_store(&thread_count, count);
}

int myelin_set_thread_count_here(int count) {
    const int was = thread_count_here;
    thread_count_here = count < 0 ? 0 : count > MAX_THREADS ? MAX_THREADS : count;
    return was;
}

int myelin_set_thread_alone(int alone) {
    // Inside a task, work already runs inline (see myelin_pool_run and myelin_parallel_for).
    const int was = inside_task;
    inside_task = alone != 0;
    return was;
}

void myelin_spin_pause(unsigned spins) {
    CPU_RELAX();
    // Now and then let another thread of this CPU run: the one we wait for may be queued here.
    if ((spins & 1023) == 1023) sched_yield();
}

// MARK: - Workers

// Joins the job of `generation` unless it is closed, stale or full; returns whether it did.
static int try_join(uint64_t generation, int helpers) {
    uint64_t w = atomic_load(&pool.word);
    for (;;) {
        if ((w >> 32) != (generation & 0xFFFFFFFFu) || (w & JOB_CLOSED) || (int)(w & JOB_ACTIVE) >= helpers) return 0;
        if (atomic_compare_exchange_weak(&pool.word, &w, w + 1)) return 1;
    }
}

static void *worker_main(void *arg) {
    uint_fast64_t seen = (uint_fast64_t)(uintptr_t)arg; // the sequence when this worker was made
    inside_task = 1;
    for (;;) {
        uint_fast64_t seq = atomic_load_explicit(&pool.sequence, memory_order_acquire);
        if (seq == seen || (seq & 1)) {
            const double deadline = myelin_monotonic_seconds() + SPIN_SECONDS;
            for (unsigned spins = 1;; spins++) {
                myelin_spin_pause(spins); // yields now and then to a thread that wants this CPU
                seq = atomic_load_explicit(&pool.sequence, memory_order_acquire);
                if (seq != seen && !(seq & 1)) break;
                if ((spins & 255) == 0 && myelin_monotonic_seconds() > deadline) break;
            }
        }
        if (seq == seen || (seq & 1)) {
            pthread_mutex_lock(&pool.lock);
            atomic_fetch_add(&pool.sleepers, 1); // seq_cst: pairs with the caller's publish-then-check
            while ((seq = atomic_load(&pool.sequence)) == seen || (seq & 1)) pthread_cond_wait(&pool.wake, &pool.lock);
            atomic_fetch_sub(&pool.sleepers, 1);
            pthread_mutex_unlock(&pool.lock);
        }
        // Read the job, then check that no newer one was being written meanwhile.
        const myelin_job_fn fn = atomic_load_explicit(&pool.fn, memory_order_relaxed);
        void *const context = atomic_load_explicit(&pool.context, memory_order_relaxed);
        const uint64_t generation = atomic_load_explicit(&pool.generation, memory_order_relaxed);
        const int helpers = atomic_load_explicit(&pool.helpers, memory_order_relaxed);
        const myelin_cpu_path path = (myelin_cpu_path)atomic_load_explicit(&pool.path, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&pool.sequence, memory_order_relaxed) != seq) continue;
        seen = seq;
        if (try_join(generation, helpers)) {
            myelin_cpu_set_thread_path(path);
            fn(context);
            atomic_fetch_sub_explicit(&pool.word, 1, memory_order_release);
        }
    }
    return NULL;
}

// Starts workers up to `wanted`; returns how many exist.
static int ensure_workers(int wanted) {
    while (pool.workers < wanted) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 1 << 20);
        pthread_t thread;
        void *start = (void *)(uintptr_t)atomic_load(&pool.sequence);
        int ok = pthread_create(&thread, &attr, worker_main, start) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;
        pthread_detach(thread);
        pool.workers++;
    }
    return pool.workers;
}

static void run_inline(myelin_job_fn fn, void *context) {
    const int was_inside = inside_task;
    inside_task = 1;
    fn(context);
    inside_task = was_inside;
}

void myelin_pool_run(int helpers, myelin_job_fn fn, void *context) {
    if (helpers > MAX_THREADS - 1) helpers = MAX_THREADS - 1;
    if (helpers < 1 || inside_task || pthread_mutex_trylock(&pool.owner) != 0) {
        run_inline(fn, context);
        return;
    }
    const int workers = ensure_workers(helpers);
    if (helpers > workers) helpers = workers;
    if (helpers < 1) {
        pthread_mutex_unlock(&pool.owner);
        run_inline(fn, context);
        return;
    }
    // Publish: odd sequence, fields, open job word, even sequence.
    const uint64_t generation = atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1;
    atomic_fetch_add_explicit(&pool.sequence, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&pool.fn, fn, memory_order_relaxed);
    atomic_store_explicit(&pool.context, context, memory_order_relaxed);
    atomic_store_explicit(&pool.generation, generation, memory_order_relaxed);
    atomic_store_explicit(&pool.helpers, helpers, memory_order_relaxed);
    atomic_store_explicit(&pool.path, (int)myelin_cpu_current_path(), memory_order_relaxed);
    atomic_store(&pool.word, (generation & 0xFFFFFFFFu) << 32);
    atomic_fetch_add(&pool.sequence, 1); // seq_cst: publishes, then we look for sleepers
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
    }
    inside_task = 1;
    fn(context);
    inside_task = 0;
    // Close the job (late workers stay out) and wait for those inside to finish what they claimed.
    uint64_t w = atomic_fetch_or(&pool.word, JOB_CLOSED);
    for (unsigned spins = 0; (w & JOB_ACTIVE) != 0; spins++) {
        myelin_spin_pause(spins);
        w = atomic_load_explicit(&pool.word, memory_order_acquire);
    }
    pthread_mutex_unlock(&pool.owner);
}

// MARK: - parallel_for

// parallel_for: one slice a thread, as equal as can be, so that element-wise work stays on the same
// rows op after op (claimed in shrinking runs instead, LeNet's convolutions ran at 0.94 of this,
// see convolution.c). But equal slices left the faster thread waiting for the slower: on a VM's
// two vCPUs, one shared with another tenant, W6's worker sat idle for 6.6 % of its samples outside
// of any job. So a slice's owner takes it from the front in parts, and a thread done with its own
// takes the back half of what is left of the slice with the most left. A slice's range is one
// atomic word, its front and back offsets, so that the two ends never overlap.
enum {
    SLICE_PARTS = 8,           // the owner's parts of a slice: a thief finds at most this much still unstarted
    SHARED_SLICE_GRAINS = 4,   // shorter slices run whole, in one call (see myelin_parallel_for)
    SLICE_OFFSET_BITS = 32,    // front and back offsets in one word (larger slices are not shared)
};

typedef struct {
    _Alignas(64) _Atomic(uint64_t) range; // back << 32 | front, offsets from the slice's first item
} slice_range;

typedef struct {
    int64_t count, slices, part, least; // part: the owner's run; least: the smallest run taken from the back
    int whole; // each slice runs whole, in one call: nothing is taken from the back
    myelin_task task;
    void *context;
    _Alignas(64) _Atomic(int64_t) next_slice; // the first slice no thread has taken
    slice_range ranges[MAX_THREADS];
} for_job;

static int64_t slice_first(const for_job *job, int64_t s) { return job->count * s / job->slices; }

static uint64_t pack_range(uint64_t front, uint64_t back) { return back << SLICE_OFFSET_BITS | front; }
static int64_t range_front(uint64_t r) { return (int64_t)(r & ((UINT64_C(1) << SLICE_OFFSET_BITS) - 1)); }
static int64_t range_back(uint64_t r) { return (int64_t)(r >> SLICE_OFFSET_BITS); }

// The owner's side: runs slice s part by part from its front until what is left has been taken.
static void run_slice(for_job *job, int64_t s) {
    const int64_t first = slice_first(job, s);
    if (job->whole) {
        job->task(job->context, first, slice_first(job, s + 1));
        return;
    }
    _Atomic(uint64_t) *range = &job->ranges[s].range;
    for (uint64_t r = atomic_load_explicit(range, memory_order_relaxed);;) {
        const int64_t front = range_front(r), back = range_back(r);
        if (front >= back) return;
        const int64_t run = back - front < job->part ? back - front : job->part;
        if (atomic_compare_exchange_weak_explicit(range, &r, pack_range((uint64_t)(front + run), (uint64_t)back),
                                                  memory_order_relaxed, memory_order_relaxed))
            job->task(job->context, first + front, first + front + run);
    }
}

// The thief's side: takes the back half of what is left of the slice with the most left, while
// that half is at least `least` items. Returns 0 when no slice has that much left.
static int steal_from_slice(for_job *job) {
    if (job->whole) return 0;
    int64_t most = 0, victim = -1;
    for (int64_t s = 0; s < job->slices; s++) {
        const uint64_t r = atomic_load_explicit(&job->ranges[s].range, memory_order_relaxed);
        const int64_t left = range_back(r) - range_front(r);
        if (left > most) most = left, victim = s;
    }
    if (victim < 0 || most / 2 < job->least) return 0;
    _Atomic(uint64_t) *range = &job->ranges[victim].range;
    for (uint64_t r = atomic_load_explicit(range, memory_order_relaxed);;) {
        const int64_t front = range_front(r), back = range_back(r);
        const int64_t take = (back - front) / 2;
        if (take < job->least) return 1; // its owner got there first: look again
        if (atomic_compare_exchange_weak_explicit(range, &r, pack_range((uint64_t)front, (uint64_t)(back - take)),
                                                  memory_order_relaxed, memory_order_relaxed)) {
            const int64_t first = slice_first(job, victim);
            job->task(job->context, first + back - take, first + back);
            return 1;
        }
    }
}

static void for_run(void *context) {
    for_job *job = context;
    for (int64_t s; (s = atomic_fetch_add_explicit(&job->next_slice, 1, memory_order_relaxed)) < job->slices;)
        run_slice(job, s);
    while (steal_from_slice(job)) {
    }
}

void myelin_parallel_for(int64_t count, int64_t grain, myelin_task task, void *context) {
    if (count <= 0) return;
    if (grain < 1) grain = 1;
    int64_t slices = count / grain;
    const int threads = myelin_threads_here(); // 1 inside a task: the slices run inline
    if (slices > threads) slices = threads;
    if (slices < 2) {
        task(context, 0, count);
        return;
    }
    for_job job = {.count = count, .slices = slices, .task = task, .context = context};
    // Parts of an eighth of a slice, at least half a grain: a thief takes no less. Slices of fewer
    // than SHARED_SLICE_GRAINS grains run whole (LeNet's small ops, split into parts, ran at 0.937
    // of whole slices in four pairs: more calls for little to balance), and so do slices too long
    // for the word's offsets.
    const int64_t longest = (count + slices - 1) / slices;
    job.whole = longest < SHARED_SLICE_GRAINS * grain || (longest >> (SLICE_OFFSET_BITS - 1)) != 0;
    job.part = (longest + SLICE_PARTS - 1) / SLICE_PARTS;
    job.least = grain / 2 > 1 ? grain / 2 : 1;
    if (job.part < job.least) job.part = job.least;
    for (int64_t s = 0; s < slices && !job.whole; s++)
        atomic_init(&job.ranges[s].range, pack_range(0, (uint64_t)(slice_first(&job, s + 1) - slice_first(&job, s))));
    atomic_init(&job.next_slice, 0);
    myelin_pool_run((int)slices - 1, for_run, &job);
}

// Runs of items until none are left, each a share of what is left, so that the runs shrink as the
// work runs out and the threads finish together.
typedef struct {
    int64_t count;
    int threads;
    _Alignas(64) _Atomic(int64_t) next;
    myelin_task task;
    void *context;
} claim_job;

static void claim_run(void *context) {
    claim_job *job = context;
    int64_t begin, run;
    while ((run = myelin_claim_chunk(&job->next, job->count, job->threads, 1, 1, job->count, &begin)) > 0)
        job->task(job->context, begin, begin + run);
}

void myelin_parallel_claim(int64_t count, myelin_task task, void *context) {
    if (count <= 0) return;
    const int threads = myelin_threads_here();
    if (count < 2 || threads < 2) {
        task(context, 0, count);
        return;
    }
    claim_job job = {.count = count, .threads = threads, .task = task, .context = context};
    atomic_init(&job.next, 0);
    myelin_pool_run((int)(count < threads ? count : threads) - 1, claim_run, &job);
}

int64_t myelin_claim_chunk(_Atomic(int64_t) *cursor, int64_t total, int members, int64_t unit, int64_t least,
                           int64_t most, int64_t *start) {
    int64_t at = atomic_load_explicit(cursor, memory_order_relaxed);
    for (;;) {
        const int64_t left = total - at;
        if (left <= 0) return 0;
        int64_t width = members == 1 ? most : (left / (2 * members) + unit - 1) / unit * unit;
        if (width < least) width = least;
        if (width > most) width = most / unit * unit;
        if (width > left) width = left;
        if (atomic_compare_exchange_weak_explicit(cursor, &at, at + width, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            *start = at;
            return width;
        }
    }
}

// MARK: - Scratch buffers

enum { SCRATCH_SLOTS = 19 };
typedef struct {
    float *data[SCRATCH_SLOTS];
    size_t capacity[SCRATCH_SLOTS];
} scratch_t;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static _Thread_local scratch_t *thread_scratch;

static void scratch_free(void *p) {
    scratch_t *s = p;
    for (int i = 0; i < SCRATCH_SLOTS; i++) myelin_free(s->data[i], s->capacity[i] * sizeof(float));
    free(s);
}

static void scratch_key_init(void) { pthread_key_create(&scratch_key, scratch_free); }

float *myelin_scratch(int slot, size_t floats) {
    scratch_t *s = thread_scratch;
    if (s == NULL) {
        pthread_once(&scratch_once, scratch_key_init);
        s = calloc(1, sizeof *s);
        if (s == NULL) abort();
        pthread_setspecific(scratch_key, s); // frees the buffers when the thread exits
        thread_scratch = s;
    }
    if (s->capacity[slot] < floats) {
        myelin_free(s->data[slot], s->capacity[slot] * sizeof(float));
        size_t bytes = (floats * sizeof(float) + 4095) & ~(size_t)4095;
        void *p = myelin_allocate(bytes);
        if (p == NULL) abort();
        s->data[slot] = p;
        s->capacity[slot] = bytes / sizeof(float);
    }
    return s->data[slot];
}
