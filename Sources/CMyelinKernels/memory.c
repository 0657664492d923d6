// Large buffers on 2 MiB pages.
//
// Weight gradients and recurrences read their operands a row at a time, rows kilobytes apart: a
// new 4 KiB page every row or two, and each page a TLB entry (Zen 4's first-level TLB, 72 entries,
// covers 288 KiB). The char-LSTM's per-step product reads all of W_hhᵀ (1 MiB) every step, and its
// weight gradient packs 8 MiB of gate gradients row by row. On 2 MiB pages, W4 ran 1.038× as fast
// on a Zen 4 (AVX2, median of 26 alternating pairs over 1.5 hours; W6 1.009×). A huge page costs more
// the first time it is touched (W4's system time: 0.55 s a run against 0.18 s), which short runs
// feel: LeNet's 2.6 s epoch ran at 0.98.
//
// A large buffer is mapped on its own, 2 MiB aligned and rounded up to whole 2 MiB pages (a huge
// page covers only a range wholly inside the mapping), and marked for the kernel's transparent huge
// pages. The rounding costs memory only where the kernel backs the range with huge pages: at most a
// page per buffer, which buffers of 1 MiB and more (those the tensor storage cache keeps) can afford
// (W4: 83 MiB resident against 72). Where transparent huge pages are off ("never"), the pages past
// the buffer are never touched, and cost nothing.
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

#if defined(__linux__) && defined(MADV_HUGEPAGE)
#define HUGE_PAGES 1
#else
#define HUGE_PAGES 0
#endif

enum { HUGE_PAGE_BYTES = 2 << 20 };

static size_t round_up(size_t bytes, size_t unit) { return (bytes + unit - 1) / unit * unit; }

static int on_huge_pages(size_t bytes) { return HUGE_PAGES && bytes >= MYELIN_HUGE_PAGE_MIN_BYTES; }

void *myelin_allocate(size_t bytes) {
    if (on_huge_pages(bytes)) {
#if HUGE_PAGES
        // Mapped one page larger than needed, then trimmed to the aligned part.
        const size_t size = round_up(bytes, HUGE_PAGE_BYTES);
        char *mapped = mmap(NULL, size + HUGE_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED) return NULL;
        char *aligned = (char *)round_up((uintptr_t)mapped, HUGE_PAGE_BYTES);
        if (aligned > mapped) munmap(mapped, (size_t)(aligned - mapped));
        const size_t after = (size_t)(mapped + HUGE_PAGE_BYTES - aligned); // the spare page's rest
        if (after > 0) munmap(aligned + size, after);
        madvise(aligned, size, MADV_HUGEPAGE); // advice: where the kernel declines, 4 KiB pages serve
        return aligned;
#endif
    }
    void *buffer = NULL;
    return posix_memalign(&buffer, 64, bytes > 0 ? bytes : 64) == 0 ? buffer : NULL;
}

void myelin_free(void *buffer, size_t bytes) {
    if (buffer == NULL) return;
    if (on_huge_pages(bytes)) munmap(buffer, round_up(bytes, HUGE_PAGE_BYTES));
    else free(buffer);
}
