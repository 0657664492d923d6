// The portable GEMM family (gemm_family.h) in plain C for the baseline instruction set: a 6×8
// register tile, 12 accumulators of 4 floats (SSE2's 16 xmm registers, half of NEON's 32).
#define MR 6
#define WIDE_ROWS 0
#define AXPY_VECTORS 12
#define MYELIN_GEMM_FAMILY myelin_gemm_family_portable
#include "gemm_family.h"
