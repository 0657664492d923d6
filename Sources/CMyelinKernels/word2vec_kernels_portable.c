// The word2vec kernels in plain C for the baseline instruction set (SSE2 on x86-64, NEON on Arm).
#define MYELIN_WORD2VEC_KERNELS myelin_word2vec_kernels_portable
#include "simd_word2vec.h"
