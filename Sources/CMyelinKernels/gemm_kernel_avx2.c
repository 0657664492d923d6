// The AVX2+FMA GEMM family (gemm_family.h): a 6×16 register tile, 12 ymm accumulators of the 16, and
// 4×24 for tiles of up to 4 rows.
#include "internal.h"

#if MYELIN_X86
#include <immintrin.h> // before the target pragma: the system headers keep their own targets

#define MYELIN_SIMD_AVX2 1
#define MR 6
#define WIDE_ROWS 4
#define AXPY_VECTORS 12
#define MYELIN_GEMM_FAMILY myelin_gemm_family_avx2
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "gemm_family.h"
#pragma clang attribute pop
#endif
