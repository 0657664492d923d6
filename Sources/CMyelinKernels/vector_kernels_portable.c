// The vector kernels in plain C for the baseline instruction set (SSE2 on x86-64, NEON on Arm).
#define MYELIN_VECTOR_KERNELS myelin_vector_kernels_portable
#include "simd_kernels.h"
