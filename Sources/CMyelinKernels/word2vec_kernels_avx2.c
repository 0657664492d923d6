// The word2vec kernels compiled for AVX2+FMA.
#include "internal.h"

#if MYELIN_X86
#include <immintrin.h> // before the target pragma: the system headers keep their own targets

#define MYELIN_SIMD_AVX2 1
#define MYELIN_WORD2VEC_KERNELS myelin_word2vec_kernels_avx2
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "simd_word2vec.h"
#pragma clang attribute pop
#endif
