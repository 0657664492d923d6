// Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, 2016) for 3×3 convolutions of stride 1.
// Each 2×2 tile of output pixels is computed from the 4×4 tile of input around it in a transformed
// space, where the 36 multiply-adds a tile needs for each pair of channels become 16:
//
//   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A      (g: a 3×3 kernel, d: a 4×4 input tile)
//
// For each of the 16 positions ξ of a transformed tile, the sum over input channels is a matrix
// product, M_ξ (Cout × tiles) = U_ξ (Cout × Cin) · V_ξ (Cin × tiles), which the SGEMM runs.
// - The input gradient is the same computation on the output gradient, with each kernel turned
//   by 180° and the channels swapped: a "full" correlation, padding 2 − p.
// - The weight gradient is dU_ξ = Σ_tiles (A dY Aᵀ)_ξ · V_ξᵀ, brought back to 3×3 as Gᵀ dU G.
// The tiles are taken a block of tile rows at a time (across images), so that a block's V and M
// stay in L2. The transforms are split over channels, and the 16 products over
// the threads, each product on one thread, so results do not depend on the thread count.
// The transforms' coefficients are 0, ±1 and ±½: the rounding error stays that of a direct sum.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum {
    SCRATCH_WEIGHTS = 10,         // U: the transformed kernels, [16][out][in]
    SCRATCH_INPUT = 11,           // V: a block's transformed input tiles, [16][in][tiles]
    SCRATCH_PRODUCTS = 12,        // M: a block's products or transformed output gradient, [16][out][tiles]
    SCRATCH_ROWS = 13,            // a thread's rows of half-transformed tiles
    SCRATCH_WEIGHT_GRADIENT = 14, // dU, [16][out][in]
    // A block's V and M together take about this much, so that they stay in the L2 of the core that
    // works on it (a shared last-level cache is not to be relied on: ResNet-18's four 3×3 shapes ran
    // 289 ms with 1 MB blocks, 293 with 2 and 306 with 4, medians of 3 alternations on a noisy host)…
    BLOCK_BYTES = 1 << 20,
    // …except in the weight gradient, whose blocks are worked on by all threads together, one
    // position each, and whose products sum over a block's tiles: larger blocks, fewer hand-overs.
    WEIGHT_GRADIENT_BLOCK_BYTES = 4 << 20,
    // …but hold at least this many tiles, so that each product is wide enough to run at full speed.
    BLOCK_MIN_TILES = 192,
};

static _Thread_local myelin_conv2d_algorithm preference = MYELIN_CONV2D_AUTOMATIC; // this thread's
static myelin_conv2d_algorithm process_preference = MYELIN_CONV2D_AUTOMATIC;       // MYELIN_CONV's

// MYELIN_CONV=gemm|winograd|automatic sets the process's choice (a benchmark's A/B switch). Read at
// load time, so that a misspelt value stops the program at once: timing another algorithm than the
// one asked for would make every figure wrong.
__attribute__((constructor)) static void read_environment(void) {
    const char *value = getenv("MYELIN_CONV");
    if (value == NULL || value[0] == 0 || strcmp(value, "automatic") == 0) return;
    if (strcmp(value, "gemm") == 0) {
        process_preference = MYELIN_CONV2D_GEMM;
    } else if (strcmp(value, "winograd") == 0) {
        process_preference = MYELIN_CONV2D_WINOGRAD;
    } else {
        fprintf(stderr,
                "Myelin: MYELIN_CONV=%s is not a convolution algorithm; use gemm, winograd or automatic, or unset "
                "it for the choice by shape.\n",
                value);
        exit(2);
    }
}

myelin_conv2d_algorithm myelin_conv2d_set_algorithm(myelin_conv2d_algorithm algorithm) {
    const myelin_conv2d_algorithm previous = preference;
    preference = algorithm;
    return previous;
}

myelin_conv2d_algorithm myelin_conv2d_algorithm_for(const myelin_conv2d_shape *s) {
    // The input gradient pads by 2 − p, so p ≤ 2; the sizes must agree, which they do not for the
    // input gradient of a transposed convolution with output padding.
    const int possible = s->kernel_height == 3 && s->kernel_width == 3 && s->stride_height == 1 &&
                         s->stride_width == 1 && s->dilation_height == 1 && s->dilation_width == 1 && s->groups == 1 &&
                         s->padding_height <= 2 && s->padding_width <= 2 && s->out_height >= 1 && s->out_width >= 1 &&
                         s->out_height == s->in_height + 2 * s->padding_height - 2 &&
                         s->out_width == s->in_width + 2 * s->padding_width - 2 && s->batch >= 1 &&
                         s->in_channels >= 1 && s->out_channels >= 1;
    const myelin_conv2d_algorithm asked = preference != MYELIN_CONV2D_AUTOMATIC ? preference : process_preference;
    if (!possible || asked == MYELIN_CONV2D_GEMM) return MYELIN_CONV2D_GEMM;
    if (asked == MYELIN_CONV2D_WINOGRAD) return MYELIN_CONV2D_WINOGRAD;
    // The transforms cost per channel what the products cost per pair of channels, so Winograd
    // wins with many channels, by the ratio of multiply-adds saved: 36/16 with an even output, less
    // where tiles hang over the edge (7×7: 9·49 against 16·16). Measured on ResNet-18's layers
    // (batch 8, one thread, CPU time): 64 channels at 56×56 1.4× faster forward and 1.8× backward,
    // 512 at 7×7 1.5× and 1.3×; 64 channels at 7×7 0.8×, 16 to 32 at 28×28 0.8× and 1.1×. MNIST's
    // ConvNet (32 to 64 channels, 26×26, "valid") trained at 1,160–1,430 samples/s with Winograd
    // against 1,680–1,730 without, on the AVX2 path: it stays below the line.
    const double tiles = (double)s->batch * (double)((s->out_height + 1) / 2) * (double)((s->out_width + 1) / 2);
    const double saved = 9.0 * (double)s->out_height * (double)s->out_width * (double)s->batch / (16.0 * tiles);
    const double channels = (double)s->in_channels * (double)s->out_channels;
    const int worth = channels * tiles >= (double)(1 << 22) && saved * saved * channels >= 128.0 * 128.0;
    return worth ? MYELIN_CONV2D_WINOGRAD : MYELIN_CONV2D_GEMM;
}

/// A correlation with a 3×3 kernel seen as tiles: `from` [N][in][H][W] is read in 4×4 tiles at
/// rows 2ty − pad_h, columns 2tx − pad_w; `to` [N][out][OH][OW] is written (or its gradient read)
/// in 2×2 tiles at 2ty, 2tx. A block is tile rows [first, last) counted across images (row
/// n·tiles_h + ty), tiles_w tiles each.
typedef struct {
    int64_t batch, in, height, width;
    int64_t out, out_height, out_width;
    int64_t pad_h, pad_w;
    int64_t tiles_h, tiles_w;
    int64_t rows_per_block; // tile rows in a block
} tiling;

static tiling make_tiling(int64_t batch, int64_t in, int64_t height, int64_t width, int64_t out, int64_t out_height,
                          int64_t out_width, int64_t pad_h, int64_t pad_w, int64_t block_bytes) {
    tiling t = {batch, in, height, width, out, out_height, out_width, pad_h, pad_w, 0, 0, 0};
    t.tiles_h = (out_height + 1) / 2;
    t.tiles_w = (out_width + 1) / 2;
    int64_t tiles = block_bytes / (16 * (int64_t)sizeof(float) * (in + out));
    if (tiles < BLOCK_MIN_TILES) tiles = BLOCK_MIN_TILES;
    t.rows_per_block = (tiles + t.tiles_w - 1) / t.tiles_w;
    if (t.rows_per_block > batch * t.tiles_h) t.rows_per_block = batch * t.tiles_h;
    return t;
}

static int64_t block_tiles(const tiling *t) { return t->rows_per_block * t->tiles_w; }

/// The distance between the 16 positions ξ of U, V or M, each `count` floats: a multiple of 4 KiB
/// plus one cache line, so that the 16 streams a transform reads or writes at once fall in
/// different cache sets (at a power-of-two distance they would all compete for one).
static int64_t position_stride(int64_t count) { return (count + 1023) / 1024 * 1024 + 16; }

// MARK: - Kernels

/// U_ξ = (G g Gᵀ)_ξ for every kernel g = w[o][i] (3×3), stored at U[ξ][o][i], or, when `turned`,
/// for the kernel turned by 180° and stored at U[ξ][i][o]: the input gradient's kernels (a full
/// correlation with the channels swapped). Split over U's rows, so that each thread writes whole rows.
typedef struct {
    const float *weight;
    int64_t out, in;
    int turned;
    float *U;
} weight_job;

MYELIN_INLINE void transform_weight_rows(const weight_job *job, int64_t begin, int64_t end) {
    const int64_t pairs = position_stride(job->out * job->in), columns = job->turned ? job->out : job->in;
    // A row's kernels tap by tap, k[tap][column] (turned: tap 8 − tap), so that the transform below
    // runs along the row in unit-stride loops the compiler vectorises.
    float *k = myelin_scratch(SCRATCH_ROWS, (size_t)(9 * columns));
    for (int64_t row = begin; row < end; row++) {
        for (int64_t column = 0; column < columns; column++) {
            const float *g = job->weight + (job->turned ? column * job->in + row : row * job->in + column) * 9;
            for (int tap = 0; tap < 9; tap++) k[tap * columns + column] = g[job->turned ? 8 - tap : tap];
        }
        float *u = job->U + row * columns;
        // Down the kernel's rows (G's rows: g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2), then along them.
        for (int64_t column = 0; column < columns; column++) {
            float t[4][3];
            for (int b = 0; b < 3; b++) {
                const float g0 = k[b * columns + column], g1 = k[(3 + b) * columns + column];
                const float g2 = k[(6 + b) * columns + column];
                t[0][b] = g0;
                t[1][b] = 0.5f * (g0 + g1 + g2);
                t[2][b] = 0.5f * (g0 - g1 + g2);
                t[3][b] = g2;
            }
            for (int a = 0; a < 4; a++) {
                u[(a * 4 + 0) * pairs + column] = t[a][0];
                u[(a * 4 + 1) * pairs + column] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
                u[(a * 4 + 2) * pairs + column] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
                u[(a * 4 + 3) * pairs + column] = t[a][2];
            }
        }
    }
}

/// Row `row` of a plane (NULL: outside it) laid into line[0, count) from column −pad, zero outside
/// the row, and zero too where the mask (when given) is not positive.
MYELIN_INLINE void lay_row(const float *restrict row, const float *restrict mask, int64_t width, int64_t pad,
                           int64_t count, float *restrict line) {
    const int64_t lo = pad < count ? pad : count, hi = pad + width < count ? pad + width : count;
    for (int64_t k = 0; k < lo; k++) line[k] = 0;
    for (int64_t k = hi; k < count; k++) line[k] = 0;
    if (!row) {
        for (int64_t k = lo; k < hi; k++) line[k] = 0;
    } else if (mask) {
        myelin_relu_mask(line + lo, row + lo - pad, mask + lo - pad, hi - lo);
    } else {
        for (int64_t k = lo; k < hi; k++) line[k] = row[k - pad];
    }
}

/// The tiles of block rows [first, last) of channels [begin, end) of `from`, transformed:
/// V[ξ][c][t] = (Bᵀ d B)_ξ for tile t's 4×4 input d. Each input row is transformed along its columns
/// once (Bᵀ's rows are d0 − d2, d1 + d2, d2 − d1, d1 − d3; tile k reads columns 2k … 2k + 3 of the
/// padded line), and kept for the next tile row, which shares two of its four rows; then the four
/// rows of a tile row are combined down the columns. All loops run over the tiles of a row.
typedef struct {
    const tiling *t;
    const float *from, *mask;
    int64_t first, last;
    float *V;
} input_job;

MYELIN_INLINE void transform_input_channels(const input_job *job, int64_t begin, int64_t end) {
    const tiling *t = job->t;
    const int64_t tw = t->tiles_w, tiles = block_tiles(t), plane = t->height * t->width;
    const int64_t stride = position_stride(t->in * tiles); // between positions ξ in V
    // Four rows' transforms, row ih in slot (ih + 4) mod 4, then the padded line.
    float *rows = myelin_scratch(SCRATCH_ROWS, (size_t)(16 * tw + 2 * tw + 2));
    float *line = rows + 16 * tw;
    for (int64_t c = begin; c < end; c++) {
        for (int64_t r = job->first; r < job->last; r++) {
            const int64_t n = r / t->tiles_h, ty = r % t->tiles_h;
            const float *x = job->from + (n * t->in + c) * plane;
            const float *m = job->mask ? job->mask + (n * t->in + c) * plane : NULL;
            for (int q = r == job->first || ty == 0 ? 0 : 2; q < 4; q++) {
                const int64_t ih = 2 * ty - t->pad_h + q;
                const int inside = ih >= 0 && ih < t->height;
                lay_row(inside ? x + ih * t->width : NULL, inside && m ? m + ih * t->width : NULL, t->width, t->pad_w,
                        2 * tw + 2, line);
                float *restrict d = rows + (ih + 4) % 4 * 4 * tw;
                for (int64_t k = 0; k < tw; k++) {
                    d[k] = line[2 * k] - line[2 * k + 2];
                    d[tw + k] = line[2 * k + 1] + line[2 * k + 2];
                    d[2 * tw + k] = line[2 * k + 2] - line[2 * k + 1];
                    d[3 * tw + k] = line[2 * k + 1] - line[2 * k + 3];
                }
            }
            const int64_t top = 2 * ty - t->pad_h + 4;
            const float *d0 = rows + top % 4 * 4 * tw, *d1 = rows + (top + 1) % 4 * 4 * tw;
            const float *d2 = rows + (top + 2) % 4 * 4 * tw, *d3 = rows + (top + 3) % 4 * 4 * tw;
            float *v = job->V + c * tiles + (r - job->first) * tw;
            for (int j = 0; j < 4; j++) {
                const float *restrict a0 = d0 + j * tw, *restrict a1 = d1 + j * tw;
                const float *restrict a2 = d2 + j * tw, *restrict a3 = d3 + j * tw;
                float *restrict v0 = v + j * stride, *restrict v1 = v + (4 + j) * stride;
                float *restrict v2 = v + (8 + j) * stride, *restrict v3 = v + (12 + j) * stride;
                for (int64_t k = 0; k < tw; k++) {
                    v0[k] = a0[k] - a2[k];
                    v1[k] = a1[k] + a2[k];
                    v2[k] = a2[k] - a1[k];
                    v3[k] = a1[k] - a3[k];
                }
            }
        }
    }
}

/// Channels [begin, end) of `to` in block rows [first, last): each 2×2 output tile is Aᵀ M A of its
/// 4×4 products (Aᵀ's rows are m0 + m1 + m2 and m1 − m2 − m3), plus the bias, then the activation;
/// the tiles' halves past the image's last row or column are dropped.
typedef struct {
    const tiling *t;
    const float *M, *bias;
    int relu;
    int64_t first, last;
    float *to;
} output_job;

MYELIN_INLINE void transform_output_channels(const output_job *job, int64_t begin, int64_t end) {
    const tiling *t = job->t;
    const int64_t tw = t->tiles_w, tiles = block_tiles(t), stride = position_stride(t->out * tiles);
    const int64_t OH = t->out_height, OW = t->out_width;
    float *rows = myelin_scratch(SCRATCH_ROWS, (size_t)(8 * tw + 2 * tw + 2));
    float *line = rows + 8 * tw;
    for (int64_t c = begin; c < end; c++) {
        const float b = job->bias ? job->bias[c] : 0;
        for (int64_t r = job->first; r < job->last; r++) {
            const int64_t n = r / t->tiles_h, ty = r % t->tiles_h;
            const float *m = job->M + c * tiles + (r - job->first) * tw;
            // s[a][j] at rows + (4a + j)·tw: the products combined down the rows (row i of M at m + 4i·stride).
            for (int j = 0; j < 4; j++) {
                const float *restrict m0 = m + j * stride, *restrict m1 = m + (4 + j) * stride;
                const float *restrict m2 = m + (8 + j) * stride, *restrict m3 = m + (12 + j) * stride;
                float *restrict s0 = rows + j * tw, *restrict s1 = rows + (4 + j) * tw;
                for (int64_t k = 0; k < tw; k++) {
                    s0[k] = m0[k] + m1[k] + m2[k];
                    s1[k] = m1[k] - m2[k] - m3[k];
                }
            }
            for (int a = 0; a < 2 && 2 * ty + a < OH; a++) {
                const float *restrict s0 = rows + (4 * a) * tw, *restrict s1 = rows + (4 * a + 1) * tw;
                const float *restrict s2 = rows + (4 * a + 2) * tw, *restrict s3 = rows + (4 * a + 3) * tw;
                for (int64_t k = 0; k < tw; k++) {
                    float y0 = s0[k] + s1[k] + s2[k] + b, y1 = s1[k] - s2[k] - s3[k] + b;
                    if (job->relu) {
                        y0 = y0 > 0 ? y0 : 0;
                        y1 = y1 > 0 ? y1 : 0;
                    }
                    line[2 * k] = y0;
                    line[2 * k + 1] = y1;
                }
                memcpy(job->to + ((n * t->out + c) * OH + 2 * ty + a) * OW, line, (size_t)OW * sizeof(float));
            }
        }
    }
}

/// The adjoint of transform_output, for the weight gradient: channels [begin, end) of the output
/// gradient `to` (masked where a fused ReLU's output is not positive) in block rows [first, last),
/// each 2×2 tile taken to the 4×4 A dY Aᵀ (A's rows: y0, y0 + y1, y0 − y1, −y1), at M[ξ][c][t].
/// Also adds each channel's sum of the gradient to bias_sum (when given): the bias gradient.
typedef struct {
    const tiling *t;
    const float *to, *mask;
    int64_t first, last;
    float *M;
    float *bias_sum;
} output_gradient_job;

MYELIN_INLINE void transform_output_gradient_channels(const output_gradient_job *job, int64_t begin, int64_t end) {
    const tiling *t = job->t;
    const int64_t tw = t->tiles_w, tiles = block_tiles(t), stride = position_stride(t->out * tiles);
    const int64_t OH = t->out_height, OW = t->out_width;
    float *rows = myelin_scratch(SCRATCH_ROWS, (size_t)(8 * tw + 2 * tw));
    float *line = rows + 8 * tw;
    for (int64_t c = begin; c < end; c++) {
        float sum = 0;
        for (int64_t r = job->first; r < job->last; r++) {
            const int64_t n = r / t->tiles_h, ty = r % t->tiles_h;
            // c[a][j] at rows + (4a + j)·tw: row a of the tiles taken to four columns.
            for (int a = 0; a < 2; a++) {
                const int64_t oh = 2 * ty + a, at = ((n * t->out + c) * OH + oh) * OW;
                lay_row(oh < OH ? job->to + at : NULL, oh < OH && job->mask ? job->mask + at : NULL, OW, 0, 2 * tw,
                        line);
                float *restrict c0 = rows + (4 * a) * tw, *restrict c1 = rows + (4 * a + 1) * tw;
                float *restrict c2 = rows + (4 * a + 2) * tw, *restrict c3 = rows + (4 * a + 3) * tw;
                for (int64_t k = 0; k < tw; k++) {
                    const float even = line[2 * k], odd = line[2 * k + 1];
                    c0[k] = even;
                    c1[k] = even + odd;
                    c2[k] = even - odd;
                    c3[k] = -odd;
                }
                if (job->bias_sum) sum += myelin_row_sum(line, 2 * tw);
            }
            float *m = job->M + c * tiles + (r - job->first) * tw;
            for (int j = 0; j < 4; j++) {
                const float *restrict y0 = rows + j * tw, *restrict y1 = rows + (4 + j) * tw;
                float *restrict m0 = m + j * stride, *restrict m1 = m + (4 + j) * stride;
                float *restrict m2 = m + (8 + j) * stride, *restrict m3 = m + (12 + j) * stride;
                for (int64_t k = 0; k < tw; k++) {
                    m0[k] = y0[k];
                    m1[k] = y0[k] + y1[k];
                    m2[k] = y0[k] - y1[k];
                    m3[k] = -y1[k];
                }
            }
        }
        if (job->bias_sum) job->bias_sum[c] += sum;
    }
}

// The transforms, compiled for every kernel path (the compiler vectorises their loops over tiles).
#define WINOGRAD_TRANSFORMS(suffix, target)                                                                  \
    target static void transform_weights_##suffix(void *job, int64_t begin, int64_t end) {                   \
        transform_weight_rows(job, begin, end);                                                              \
    }                                                                                                        \
    target static void transform_input_##suffix(void *job, int64_t begin, int64_t end) {                     \
        transform_input_channels(job, begin, end);                                                           \
    }                                                                                                        \
    target static void transform_output_##suffix(void *job, int64_t begin, int64_t end) {                    \
        transform_output_channels(job, begin, end);                                                          \
    }                                                                                                        \
    target static void transform_output_gradient_##suffix(void *job, int64_t begin, int64_t end) {           \
        transform_output_gradient_channels(job, begin, end);                                                 \
    }
MYELIN_FOR_EACH_PATH(WINOGRAD_TRANSFORMS)

/// The 16 products of a block, one position ξ per task item, each product on one thread.
typedef struct {
    const tiling *t;
    int64_t tiles;       // in this block (the last may be short)
    int weight_gradient; // dU_ξ (+)= M_ξ · V_ξᵀ; else M_ξ = U_ξ · V_ξ
    int first;           // the first block of a weight gradient: dU is overwritten
    const float *U, *V;
    float *M, *dU;
} product_job;

static void multiply_positions(void *context, int64_t begin, int64_t end) {
    const product_job *job = context;
    const tiling *t = job->t;
    const int64_t ld = block_tiles(t);
    for (int64_t xi = begin; xi < end; xi++) {
        const float *V = job->V + xi * position_stride(t->in * ld);
        float *M = job->M + xi * position_stride(t->out * ld);
        if (job->weight_gradient) {
            myelin_sgemm(t->out, t->in, job->tiles, 1.0f, M, ld, 1, V, 1, ld, job->first ? 0.0f : 1.0f,
                         job->dU + xi * position_stride(t->out * t->in), t->in, NULL, MYELIN_ACTIVATION_NONE);
        } else {
            myelin_sgemm(t->out, job->tiles, t->in, 1.0f, job->U + xi * position_stride(t->out * t->in), t->in, 1, V, ld,
                         1, 0.0f, M, ld, NULL, MYELIN_ACTIVATION_NONE);
        }
    }
}

/// dw[o][i] = Gᵀ dU G (Gᵀ's rows: u0 + (u1 + u2)/2, (u1 − u2)/2, (u1 + u2)/2 + u3).
typedef struct {
    const float *dU;
    int64_t out, in;
    float *grad_weight;
} weight_gradient_job;

static void transform_weight_gradient(void *context, int64_t begin, int64_t end) {
    const weight_gradient_job *job = context;
    const int64_t pairs = position_stride(job->out * job->in);
    for (int64_t o = begin; o < end; o++) {
        for (int64_t i = 0; i < job->in; i++) {
            const float *u = job->dU + o * job->in + i;
            float t[4][3];
            for (int a = 0; a < 4; a++) {
                const float u0 = u[(a * 4) * pairs], u1 = u[(a * 4 + 1) * pairs];
                const float u2 = u[(a * 4 + 2) * pairs], u3 = u[(a * 4 + 3) * pairs];
                t[a][0] = u0 + 0.5f * (u1 + u2);
                t[a][1] = 0.5f * (u1 - u2);
                t[a][2] = 0.5f * (u1 + u2) + u3;
            }
            float *g = job->grad_weight + (o * job->in + i) * 9;
            for (int b = 0; b < 3; b++) {
                g[0 * 3 + b] = t[0][b] + 0.5f * (t[1][b] + t[2][b]);
                g[1 * 3 + b] = 0.5f * (t[1][b] - t[2][b]);
                g[2 * 3 + b] = 0.5f * (t[1][b] + t[2][b]) + t[3][b];
            }
        }
    }
}

// MARK: - Drivers

/// Grain of a split over channels: at least 8 K floats of tiles a slice.
static int64_t channel_grain(const tiling *t, int64_t floats_per_tile) {
    const int64_t per_channel = block_tiles(t) * floats_per_tile;
    return per_channel > 0 ? (8192 + per_channel - 1) / per_channel : 1;
}

/// The transforms U of a convolution's kernels (turned: the input gradient's).
static const float *transformed_weights(const myelin_conv2d_shape *s, const float *weight, int turned) {
    weight_job w = {weight, s->out_channels, s->in_channels, turned,
                    myelin_scratch(SCRATCH_WEIGHTS, (size_t)(16 * position_stride(s->out_channels * s->in_channels)))};
    myelin_parallel_for(turned ? s->in_channels : s->out_channels, 8, MYELIN_BY_PATH(transform_weights), &w);
    return w.U;
}

/// `to` = the correlation of `from` with the kernels whose transforms are U, + bias, then ReLU.
typedef struct {
    const tiling *t;
    const float *from, *mask, *U, *bias;
    int relu;
    float *to;
    myelin_task transform_input, transform_output; // this path's
} convolution_job;

/// Blocks [begin, end) of a convolution, with this thread's V and M. Called from a pool task, every
/// phase runs on this thread; else each is split over the pool (channels, then the 16 positions).
static void convolve_blocks(void *context, int64_t begin, int64_t end) {
    const convolution_job *job = context;
    const tiling *t = job->t;
    const int64_t tiles = block_tiles(t), total = t->batch * t->tiles_h;
    float *V = myelin_scratch(SCRATCH_INPUT, (size_t)(16 * position_stride(t->in * tiles)));
    float *M = myelin_scratch(SCRATCH_PRODUCTS, (size_t)(16 * position_stride(t->out * tiles)));
    for (int64_t b = begin; b < end; b++) {
        const int64_t first = b * t->rows_per_block, last = first + t->rows_per_block < total ? first + t->rows_per_block : total;
        input_job in = {t, job->from, job->mask, first, last, V};
        myelin_parallel_for(t->in, channel_grain(t, 16), job->transform_input, &in);
        product_job products = {t, (last - first) * t->tiles_w, 0, 0, job->U, V, M, NULL};
        myelin_parallel_for(16, 1, multiply_positions, &products);
        output_job out = {t, M, job->bias, job->relu, first, last, job->to};
        myelin_parallel_for(t->out, channel_grain(t, 16), job->transform_output, &out);
    }
}

/// With enough blocks, each thread takes whole blocks (one hand-over for the whole convolution, and
/// a block's V and M stay in its core's L2); with few, they share each block's phases. Handing over
/// three short phases per block made a ResNet-18 training step a third slower whenever the pool's
/// worker was slow to wake. Blocks are independent, so the split never changes a result.
static void convolve(const tiling *t, const float *from, const float *mask, const float *U, const float *bias,
                     int relu, float *to) {
    convolution_job job = {t, from, mask, U, bias, relu, to, MYELIN_BY_PATH(transform_input),
                           MYELIN_BY_PATH(transform_output)};
    const int64_t blocks = (t->batch * t->tiles_h + t->rows_per_block - 1) / t->rows_per_block;
    if (blocks >= 2 * myelin_threads_here()) myelin_parallel_for(blocks, 1, convolve_blocks, &job);
    else convolve_blocks(&job, 0, blocks);
}

void myelin_winograd_forward(const myelin_conv2d_shape *s, const float *input, const float *weight, const float *bias,
                             float *output, myelin_activation activation) {
    const tiling t = make_tiling(s->batch, s->in_channels, s->in_height, s->in_width, s->out_channels, s->out_height,
                                 s->out_width, s->padding_height, s->padding_width, BLOCK_BYTES);
    convolve(&t, input, NULL, transformed_weights(s, weight, 0), bias, activation == MYELIN_ACTIVATION_RELU, output);
}

void myelin_winograd_backward(const myelin_conv2d_shape *s, const float *input, const float *weight,
                              const float *grad_output, const float *relu_output, float *grad_input,
                              float *grad_weight, float *grad_bias) {
    if (grad_input) {
        // A full correlation of the output gradient with the turned kernels: the roles of input and
        // output swap, and the padding becomes 2 − p.
        const tiling t = make_tiling(s->batch, s->out_channels, s->out_height, s->out_width, s->in_channels,
                                     s->in_height, s->in_width, 2 - s->padding_height, 2 - s->padding_width, BLOCK_BYTES);
        convolve(&t, grad_output, relu_output, transformed_weights(s, weight, 1), NULL, 0, grad_input);
    }
    if (!grad_weight && !grad_bias) return;
    const tiling t = make_tiling(s->batch, s->in_channels, s->in_height, s->in_width, s->out_channels, s->out_height,
                                 s->out_width, s->padding_height, s->padding_width, WEIGHT_GRADIENT_BLOCK_BYTES);
    const int64_t tiles = block_tiles(&t), total = t.batch * t.tiles_h;
    float *V = myelin_scratch(SCRATCH_INPUT, (size_t)(16 * position_stride(t.in * tiles)));
    float *M = myelin_scratch(SCRATCH_PRODUCTS, (size_t)(16 * position_stride(t.out * tiles)));
    float *dU = grad_weight ? myelin_scratch(SCRATCH_WEIGHT_GRADIENT, (size_t)(16 * position_stride(t.out * t.in))) : NULL;
    if (grad_bias) memset(grad_bias, 0, (size_t)t.out * sizeof(float));
    for (int64_t first = 0; first < total; first += t.rows_per_block) {
        const int64_t last = first + t.rows_per_block < total ? first + t.rows_per_block : total;
        output_gradient_job dy = {&t, grad_output, relu_output, first, last, M, grad_bias};
        myelin_parallel_for(t.out, channel_grain(&t, 16), MYELIN_BY_PATH(transform_output_gradient), &dy);
        if (!grad_weight) continue;
        input_job in = {&t, input, NULL, first, last, V};
        myelin_parallel_for(t.in, channel_grain(&t, 16), MYELIN_BY_PATH(transform_input), &in);
        product_job products = {&t, (last - first) * t.tiles_w, 1, first == 0, NULL, V, M, dU};
        myelin_parallel_for(16, 1, multiply_positions, &products);
    }
    if (!grad_weight) return;
    weight_gradient_job g = {dU, t.out, t.in, grad_weight};
    myelin_parallel_for(t.out, 8, transform_weight_gradient, &g);
}
