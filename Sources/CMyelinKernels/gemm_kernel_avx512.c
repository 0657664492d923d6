// The AVX-512 GEMM family (gemm_family.h): a 12×32 register tile, 24 zmm accumulators of the 32.
#include "internal.h"

#if MYELIN_X86
#include <immintrin.h> // before the target pragma: the system headers keep their own targets

#define MYELIN_SIMD_AVX512 1
#define MR 12
#define WIDE_ROWS 4
#define AXPY_VECTORS 16
#define MYELIN_GEMM_FAMILY myelin_gemm_family_avx512
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#include "gemm_family.h"
#pragma clang attribute pop
#endif
