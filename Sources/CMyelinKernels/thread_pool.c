// A small persistent thread pool: one worker per core minus the caller, started on first use.
//
// A job is handed to each worker it needs by bumping that worker's ticket. Workers spin on their
// ticket for a short while after each job (so back-to-back kernels, as in a training step, start in
// well under a microsecond) and then sleep on a condition variable, so an idle pool burns no CPU.
// One caller at a time owns the pool; a second concurrent caller, or a call made from inside a
// task, runs on its own thread.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

struct myelin_team {
    _Alignas(64) atomic_int arrived;
    _Alignas(64) atomic_int phase;
    int members;
};

// One per worker thread. The caller fills in the job, then bumps `ticket`; the worker spins on
// the ticket for a while after each job, then sleeps on its condition variable.
typedef struct {
    _Alignas(64) atomic_uint_fast64_t ticket;
    atomic_int sleeping;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    myelin_team_fn fn;
    void *context;
    myelin_team *team;
    int member, members;
} worker_t;

static struct {
    _Alignas(64) atomic_int finished; // workers done with the current job
    myelin_team team;
    int workers;           // started so far
    pthread_mutex_t owner; // held by the one caller using the pool
    worker_t slot[MAX_THREADS];
} pool = {.owner = PTHREAD_MUTEX_INITIALIZER};

static atomic_int thread_count; // 0 = not set yet: the number of cores
static _Thread_local int inside_task;

static double now_seconds(void) {
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

int myelin_thread_count(void) {
    int n = atomic_load_explicit(&thread_count, memory_order_relaxed);
    if (n == 0) {
        n = core_count();
        if (n > MAX_THREADS) n = MAX_THREADS;
        int expected = 0;
        atomic_compare_exchange_strong(&thread_count, &expected, n);
        n = atomic_load(&thread_count);
    }
    return n;
}

void myelin_set_thread_count(int count) {
    if (count < 1) count = 1;
    if (count > MAX_THREADS) count = MAX_THREADS;
    atomic_store(&thread_count, count);
}

// MARK: - Barrier

void myelin_team_barrier(myelin_team *team) {
    if (team == NULL || team->members <= 1) return;
    int phase = atomic_load_explicit(&team->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&team->arrived, 1, memory_order_acq_rel) == team->members - 1) {
        atomic_store_explicit(&team->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&team->phase, phase + 1, memory_order_release);
        return;
    }
    // Members all run at once (that is what a team is), so the wait is short: spin, yielding now
    // and then in case the other vCPU was taken away from us.
    for (unsigned spins = 0; atomic_load_explicit(&team->phase, memory_order_acquire) == phase; spins++) {
        CPU_RELAX();
        if ((spins & 1023) == 1023) sched_yield();
    }
}

// MARK: - Workers

static void *worker_main(void *arg) {
    worker_t *w = arg;
    inside_task = 1;
    uint_fast64_t seen = 0;
    for (;;) {
        uint_fast64_t t = atomic_load_explicit(&w->ticket, memory_order_acquire);
        if (t == seen) {
            const double deadline = now_seconds() + SPIN_SECONDS;
            for (unsigned spins = 1; (t = atomic_load_explicit(&w->ticket, memory_order_acquire)) == seen; spins++) {
                CPU_RELAX();
                if ((spins & 255) == 0 && now_seconds() > deadline) break;
            }
        }
        if (t == seen) {
            pthread_mutex_lock(&w->lock);
            atomic_store(&w->sleeping, 1); // seq_cst: pairs with the caller's ticket-then-check
            while ((t = atomic_load(&w->ticket)) == seen) pthread_cond_wait(&w->wake, &w->lock);
            atomic_store(&w->sleeping, 0);
            pthread_mutex_unlock(&w->lock);
        }
        seen = t;
        w->fn(w->context, w->team, w->member, w->members);
        atomic_fetch_add_explicit(&pool.finished, 1, memory_order_release);
    }
    return NULL;
}

// Starts workers up to `wanted` (caller excluded); returns how many exist.
static int ensure_workers(int wanted) {
    while (pool.workers < wanted) {
        worker_t *w = &pool.slot[pool.workers + 1];
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 1 << 20);
        pthread_t thread;
        int ok = pthread_create(&thread, &attr, worker_main, w) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;
        pthread_detach(thread);
        pool.workers++;
    }
    return pool.workers;
}

static void run_solo(myelin_team_fn fn, void *context) {
    myelin_team solo = {.members = 1};
    const int was_inside = inside_task;
    inside_task = 1;
    fn(context, &solo, 0, 1);
    inside_task = was_inside;
}

void myelin_team_run(int members, myelin_team_fn fn, void *context) {
    if (members > MAX_THREADS) members = MAX_THREADS;
    if (members <= 1 || inside_task || pthread_mutex_trylock(&pool.owner) != 0) {
        run_solo(fn, context);
        return;
    }
    const int workers = ensure_workers(members - 1);
    if (members > workers + 1) members = workers + 1;
    if (members <= 1) {
        pthread_mutex_unlock(&pool.owner);
        run_solo(fn, context);
        return;
    }
    pool.team.members = members;
    atomic_store_explicit(&pool.team.arrived, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.finished, 0, memory_order_relaxed);
    for (int m = 1; m < members; m++) {
        worker_t *w = &pool.slot[m];
        w->fn = fn;
        w->context = context;
        w->team = &pool.team;
        w->member = m;
        w->members = members;
        atomic_fetch_add(&w->ticket, 1); // seq_cst: publishes the job, then we look for a sleeper
        if (atomic_load(&w->sleeping)) {
            pthread_mutex_lock(&w->lock);
            pthread_cond_signal(&w->wake);
            pthread_mutex_unlock(&w->lock);
        }
    }
    inside_task = 1;
    fn(context, &pool.team, 0, members);
    inside_task = 0;
    for (unsigned spins = 0; atomic_load_explicit(&pool.finished, memory_order_acquire) < members - 1; spins++) {
        CPU_RELAX();
        if ((spins & 4095) == 4095) sched_yield();
    }
    pthread_mutex_unlock(&pool.owner);
}

// MARK: - parallel_for

typedef struct {
    int64_t count, slices;
    myelin_task task;
    void *context;
} for_job;

static void for_member(void *context, myelin_team *team, int member, int members) {
    (void)team;
    const for_job *job = context;
    // Members take slices round-robin, so a team smaller than planned still covers everything.
    for (int64_t s = member; s < job->slices; s += members) {
        int64_t begin = job->count * s / job->slices, end = job->count * (s + 1) / job->slices;
        if (end > begin) job->task(job->context, begin, end);
    }
}

void myelin_parallel_for(int64_t count, int64_t grain, myelin_task task, void *context) {
    if (count <= 0) return;
    if (grain < 1) grain = 1;
    int64_t slices = count / grain;
    int threads = myelin_thread_count();
    if (slices > threads) slices = threads;
    if (slices < 2 || inside_task) {
        task(context, 0, count);
        return;
    }
    for_job job = {count, slices, task, context};
    myelin_team_run((int)slices, for_member, &job);
}

// MARK: - Scratch buffers

enum { SCRATCH_SLOTS = 3 };
typedef struct {
    float *data[SCRATCH_SLOTS];
    size_t capacity[SCRATCH_SLOTS];
} scratch_t;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static _Thread_local scratch_t *thread_scratch;

static void scratch_free(void *p) {
    scratch_t *s = p;
    for (int i = 0; i < SCRATCH_SLOTS; i++) free(s->data[i]);
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
        free(s->data[slot]);
        size_t bytes = (floats * sizeof(float) + 4095) & ~(size_t)4095;
        void *p = NULL;
        if (posix_memalign(&p, 4096, bytes) != 0) abort();
        s->data[slot] = p;
        s->capacity[slot] = bytes / sizeof(float);
    }
    return s->data[slot];
}
