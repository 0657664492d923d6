// The kernel path: which family of implementations (AVX-512, AVX2+FMA, portable C) every kernel
// runs. One setting serves all of them, so a process never mixes paths by accident.
//
// The process path is read once, when the program starts, from MYELIN_CPU (capped at what the CPU
// supports; unset: the best it has). A thread may override it for a while (tests check every path
// that way while other tests run); the thread pool hands the caller's path to the workers that
// join its job, so one call runs on one path throughout.
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cpu_has(myelin_cpu_path path) {
#if MYELIN_X86
    __builtin_cpu_init();
    // The features MYELIN_TARGET_AVX512 and MYELIN_TARGET_AVX2 compile for.
    if (path == MYELIN_CPU_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (path == MYELIN_CPU_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return path == MYELIN_CPU_PORTABLE;
}

int myelin_cpu_path_supported(myelin_cpu_path path) { return path == MYELIN_CPU_AUTO || cpu_has(path); }

myelin_cpu_path myelin_cpu_best_path(void) {
    return cpu_has(MYELIN_CPU_AVX512) ? MYELIN_CPU_AVX512 : cpu_has(MYELIN_CPU_AVX2) ? MYELIN_CPU_AVX2 : MYELIN_CPU_PORTABLE;
}

// The path itself where the CPU has it, else the best below it.
static myelin_cpu_path capped(myelin_cpu_path path) {
    const myelin_cpu_path best = myelin_cpu_best_path();
    return path == MYELIN_CPU_AUTO || path > best ? best : path;
}

const char *myelin_cpu_path_name(myelin_cpu_path path) {
    switch (path) {
    case MYELIN_CPU_AVX512: return "avx512";
    case MYELIN_CPU_AVX2: return "avx2";
    case MYELIN_CPU_PORTABLE: return "portable";
    default: return "auto";
    }
}

int myelin_cpu_parse_path(const char *name, myelin_cpu_path *path) {
    for (myelin_cpu_path p = MYELIN_CPU_PORTABLE; p <= MYELIN_CPU_AVX512; p++) {
        if (strcmp(name, myelin_cpu_path_name(p)) == 0) {
            *path = p;
            return 1;
        }
    }
    return 0;
}

// MYELIN_CPU's path, or AUTO when it is unset or empty. An unknown value ends the process with a
// message naming it: running another path than the one asked for would make every figure wrong.
static myelin_cpu_path environment_path(void) {
    const char *value = getenv("MYELIN_CPU");
    myelin_cpu_path path = MYELIN_CPU_AUTO;
    if (value == NULL || value[0] == 0) return path;
    if (!myelin_cpu_parse_path(value, &path)) {
        fprintf(stderr,
                "Myelin: MYELIN_CPU=%s is not a kernel path; use avx512, avx2 or portable, or unset it for the "
                "best this CPU supports (%s).\n",
                value, myelin_cpu_path_name(myelin_cpu_best_path()));
        exit(2);
    }
    return path;
}

static atomic_int process_path;              // 0 until the first kernel call reads MYELIN_CPU
static _Thread_local myelin_cpu_path thread_path; // 0: this thread follows the process path

static myelin_cpu_path process(void) {
    int path = atomic_load_explicit(&process_path, memory_order_relaxed);
    if (path == 0) {
        int expected = 0;
        atomic_compare_exchange_strong(&process_path, &expected, (int)capped(environment_path()));
        path = atomic_load(&process_path);
    }
    return (myelin_cpu_path)path;
}

// Read at load time, so a misspelt MYELIN_CPU stops every program at once, not at its first kernel.
__attribute__((constructor)) static void read_environment(void) { (void)process(); }

myelin_cpu_path myelin_cpu_current_path(void) { return thread_path != MYELIN_CPU_AUTO ? thread_path : process(); }

myelin_cpu_path myelin_cpu_set_path(myelin_cpu_path path) {
    atomic_store(&process_path, (int)capped(path == MYELIN_CPU_AUTO ? environment_path() : path));
    return myelin_cpu_current_path();
}

myelin_cpu_path myelin_cpu_set_thread_path(myelin_cpu_path path) {
    const myelin_cpu_path before = thread_path;
    thread_path = path == MYELIN_CPU_AUTO ? MYELIN_CPU_AUTO : capped(path);
    return before;
}
