// 2-D convolution as GEMM: the input is lowered to a column matrix (im2col) whose rows are the
// (channel, kernel row, kernel column) taps and whose columns are output pixels, so that
//
//   forward:          Y  (Cout × cols)  = W (Cout × K) · col(X) (K × cols)          + bias
//   input gradient:   dX                = col2im(Wᵀ (K × Cout) · dY (Cout × cols))
//   weight gradient:  dW (Cout × K)     = Σ dY (Cout × cols) · col(X)ᵀ (cols × K)
//
// with K = Cin/groups · kh · kw, one GEMM per group and block of columns. The N·P columns of a
// batch (P = OH · OW pixels an image) are taken a block at a time, sized for the two things that
// make a convolution slow:
// - Large images (224×224): one image's column matrix would be tens of MB, written and read back
//   from memory. A block is a few output rows of one image, so that its columns and its output tile
//   stay in L2.
// - Small images (7×7 at the end of a ResNet): a GEMM 49 columns wide packs the whole weight for
//   little work. A block is several whole images, gathered side by side, so that one packing of the
//   weight serves them all.
// Both ways, a block is at least BLOCK_MIN_COLUMNS wide.
// Columns are rebuilt in the backward pass rather than stored. Blocks are split over the thread
// pool, each thread with its own buffers; with too few to go round, the GEMMs are split instead.
// 3×3 convolutions of stride 1 with many channels go to winograd.c instead (see
// myelin_conv2d_algorithm_for).
#include <string.h>

#include "internal.h"

enum {
    SCRATCH_COLUMNS = 3,
    SCRATCH_PARTIALS = 4,
    SCRATCH_TILE = 5,
    SCRATCH_FLIPPED = 15, // the input gradient's kernel: the weight flipped, its channel axes swapped
    SCRATCH_MASKED = 16,  // the output gradient masked by a fused ReLU's output, when it is a convolution's input
    SCRATCH_WEIGHT_BIAS = 17, // the forward's weight with the bias as one more column (see forward_job)
    // A block is at least this many GEMM columns wide where the batch has them: narrower blocks
    // (ResNet-18's 14×14 layers cut into 7-row blocks ran at 125 GFLOP/s instead of 165) pack the
    // weight and start the GEMM for too little work.
    BLOCK_MIN_COLUMNS = 512,
};

typedef struct {
    const myelin_conv2d_shape *s;
    int64_t taps;   // K: rows of a group's column matrix
    int64_t pixels; // P: output pixels of one image
    int direct;     // 1×1, stride 1, no padding, output as large as the input: the image is its own column matrix
    int64_t images_per_block; // > 1: a block is that many whole images side by side
    int64_t rows_per_block;   // else a block is this many output rows of one image (all: OH)
    int64_t blocks_per_image; // and so blocks per unit: 1 when images_per_block > 1
    int64_t units;            // images (each with its blocks), or blocks of whole images
} geometry;

/// Output rows [row, row + rows) of images [image, image + images): images > 1 only with all rows.
typedef struct {
    int64_t image, images, row, rows;
} block;

static geometry make_geometry(const myelin_conv2d_shape *s) {
    geometry g = {.s = s};
    g.taps = s->in_channels / s->groups * s->kernel_height * s->kernel_width;
    g.pixels = s->out_height * s->out_width;
    // The sizes must be compared too: as the input gradient of a transposed convolution with output
    // padding, the "input" has rows and columns that no output pixel reads.
    g.direct = s->kernel_height == 1 && s->kernel_width == 1 && s->stride_height == 1 && s->stride_width == 1 &&
               s->padding_height == 0 && s->padding_width == 0 &&
               s->out_height == s->in_height && s->out_width == s->in_width;
    // Columns whose taps and outputs fill half of L2 (the other half for the GEMM's packed panels).
    const int64_t column_floats = g.taps + s->out_channels / s->groups;
    int64_t fit = myelin_l2_cache_bytes() / 2 / (int64_t)sizeof(float) / (column_floats > 0 ? column_floats : 1);
    if (fit < BLOCK_MIN_COLUMNS) fit = BLOCK_MIN_COLUMNS;
    g.images_per_block = 1;
    g.rows_per_block = s->out_height;
    g.blocks_per_image = 1;
    if (g.pixels > fit && s->out_height > 1) {
        // Equal blocks of whole rows: 224 rows as 75 blocks of 3, not 74 of 3 and one of 2. No more
        // blocks than keep each BLOCK_MIN_COLUMNS wide: MNIST's ConvNet's 24 × 24 had been cut into
        // two of 288 columns (a whole image trained W2 1.034, 1.039, 1.016 times as fast on AVX2).
        int64_t wanted = (g.pixels + fit - 1) / fit;
        const int64_t most = g.pixels / BLOCK_MIN_COLUMNS > 1 ? g.pixels / BLOCK_MIN_COLUMNS : 1;
        if (wanted > most) wanted = most;
        g.rows_per_block = (s->out_height + wanted - 1) / wanted;
        g.blocks_per_image = (s->out_height + g.rows_per_block - 1) / g.rows_per_block;
    } else if (g.pixels > 0 && g.pixels < BLOCK_MIN_COLUMNS && s->batch > 1) {
        const int64_t wanted = (s->batch * g.pixels + BLOCK_MIN_COLUMNS - 1) / BLOCK_MIN_COLUMNS;
        g.images_per_block = (s->batch + wanted - 1) / wanted;
    }
    g.units = (s->batch + g.images_per_block - 1) / g.images_per_block;
    return g;
}

/// Unit u's block b (b < blocks_per_image).
static block block_of(const geometry *g, int64_t unit, int64_t b) {
    const myelin_conv2d_shape *s = g->s;
    block k = {unit * g->images_per_block, g->images_per_block, b * g->rows_per_block, g->rows_per_block};
    if (k.image + k.images > s->batch) k.images = s->batch - k.image;
    if (k.row + k.rows > s->out_height) k.rows = s->out_height - k.row;
    return k;
}

static int64_t block_width(const geometry *g, block k) { return k.images * k.rows * g->s->out_width; }

/// The columns of the widest block: what a thread's buffers must hold.
static int64_t widest_block(const geometry *g) { return g->images_per_block * g->rows_per_block * g->s->out_width; }

/// Where image k.image + j's channel c starts in block k, in an [N][C][P] tensor (output or its gradient).
static int64_t block_offset(const geometry *g, block k, int64_t j, int64_t c) {
    return ((k.image + j) * g->s->out_channels + c) * g->pixels + k.row * g->s->out_width;
}

/// With stride 1 and the output as wide as the input (as with "same" padding), output pixel
/// (oh, ow) of tap (i, j) reads input pixel (oh + di, ow + dj): one constant offset away in the
/// plane's memory. So a tap's row of the column matrix is one shifted copy of the plane, a long
/// vectorised copy instead of one short copy per output row. Only its edge columns (ow < lo or
/// ow ≥ hi, which read past the row's ends: in memory, the neighbouring row) must be zero.
static int shifted_layout(const myelin_conv2d_shape *s) {
    return s->stride_height == 1 && s->stride_width == 1 && s->out_width == s->in_width;
}

/// Tap (i, j) of output rows [row, row + rows) in the shifted layout: rows [r_lo, r_hi) read
/// inside the image; elements [dst, dst + count) of the tap's row copy the plane's [src, src + count),
/// clipped to the plane (what the clipping drops are edge columns); columns [lo, hi) are inside.
typedef struct {
    int64_t r_lo, r_hi, dst, src, count, lo, hi;
} tap_span;

static tap_span span_of_tap(const myelin_conv2d_shape *s, int64_t i, int64_t j, int64_t row, int64_t rows) {
    const int64_t W = s->in_width, plane = s->in_height * W;
    const int64_t di = i * s->dilation_height - s->padding_height, dj = j * s->dilation_width - s->padding_width;
    tap_span t;
    myelin_valid_columns(dj, 1, W, W, &t.lo, &t.hi);
    t.r_lo = -di - row > 0 ? -di - row : 0;
    t.r_hi = s->in_height - di - row < rows ? s->in_height - di - row : rows;
    // A block below the image's last row for this tap (its last block of one row, a tap two rows
    // down) reads nothing: no rows, not a negative count of them.
    if (t.r_hi < 0) t.r_hi = 0;
    if (t.r_lo > t.r_hi) t.r_lo = t.r_hi;
    t.dst = t.r_lo * W;
    t.src = (row + t.r_lo + di) * W + dj;
    t.count = (t.r_hi - t.r_lo) * W;
    if (t.src < 0) {
        t.dst -= t.src;
        t.count += t.src;
        t.src = 0;
    }
    if (t.src + t.count > plane) t.count = plane - t.src;
    if (t.count < 0) t.count = 0;
    return t;
}

// The lowering runs on the CPU's vector path (its loops compiled once per path, below), and
// without library calls: most of its copies are short (a tap of a 7×7 image is 49 floats, most
// taps need no zero rows at all), and a call to memcpy or memset cost more than the copy; ResNet-mini
// spent 10 % of its step in them. no_builtin keeps the compiler from turning the loops back into calls.
#define LOWERING MYELIN_INLINE __attribute__((no_builtin("memcpy", "memset")))
// A row outside the shifted layout is one output row (24 floats in MNIST's ConvNet): unrolled four
// times, the vector loop would take 32 a turn and leave such rows to its 4-float remainder loop.
// One vector a turn made im2col 20 % and col2im 30 % faster there, on AVX2.
#define SHORT_ROWS _Pragma("clang loop interleave_count(1)")

LOWERING void copy_floats(float *restrict dst, const float *restrict src, int64_t n) {
    for (int64_t e = 0; e < n; e++) dst[e] = src[e];
}

// One output row outside the shifted layout: short, so one vector a turn (copy_floats' long copies
// are unrolled). A function of its own so that restrict holds: on block-scope pointers clang still
// checked each row's copy for overlap at run time, and dropping that check made LeNet's training
// steps 5 % faster (AVX2 and AVX-512) and W2's second convolution 2 %.
LOWERING void copy_row(float *restrict dst, const float *restrict src, int64_t n) {
    SHORT_ROWS
    for (int64_t e = 0; e < n; e++) dst[e] = src[e];
}

LOWERING void add_row(float *restrict dst, const float *restrict src, int64_t n) {
    SHORT_ROWS
    for (int64_t e = 0; e < n; e++) dst[e] += src[e];
}

LOWERING void zero_floats(float *dst, int64_t n) {
    for (int64_t e = 0; e < n; e++) dst[e] = 0;
}

/// Zeroes the edge columns of rows [r_lo, r_hi) of a tap's row in the shifted layout.
LOWERING void zero_edges(float *tap, int64_t width, tap_span t) {
    if (t.lo == 0 && t.hi == width) return;
    for (int64_t r = t.r_lo; r < t.r_hi; r++) {
        float *line = tap + r * width;
        for (int64_t ow = 0; ow < t.lo; ow++) line[ow] = 0;
        for (int64_t ow = t.hi; ow < width; ow++) line[ow] = 0;
    }
}

/// Columns [0, rows·OW) of a column matrix with rows `ld` apart: col[(c·kh + i)·kw + j][…] =
/// x[c][oh·sh − ph + i·dh][ow·sw − pw + j·dw] for output rows oh in [row, row + rows), or 0 outside
/// the image, for `channels` channels of one image starting at x. Outside the shifted layout, rows
/// are short (a few dozen floats), so plain loops, which the compiler vectorises, beat calls to
/// memcpy and memset.
LOWERING void im2col(const myelin_conv2d_shape *s, const float *x, int64_t channels, int64_t row, int64_t rows,
                   float *col, int64_t ld) {
    const int64_t H = s->in_height, W = s->in_width, OW = s->out_width;
    const int64_t sh = s->stride_height, sw = s->stride_width;
    const int shifted = shifted_layout(s);
    for (int64_t c = 0; c < channels; c++) {
        for (int64_t i = 0; i < s->kernel_height; i++) {
            for (int64_t j = 0; j < s->kernel_width; j++) {
                float *tap = col + ((c * s->kernel_height + i) * s->kernel_width + j) * ld;
                if (shifted) {
                    const tap_span t = span_of_tap(s, i, j, row, rows);
                    zero_floats(tap, t.r_lo * W);
                    zero_floats(tap + t.r_hi * W, (rows - t.r_hi) * W);
                    copy_floats(tap + t.dst, x + c * H * W + t.src, t.count);
                    zero_edges(tap, W, t);
                    continue;
                }
                const int64_t first = j * s->dilation_width - s->padding_width;
                int64_t lo, hi;
                myelin_valid_columns(first, sw, W, OW, &lo, &hi);
                for (int64_t r = 0; r < rows; r++) {
                    float *restrict dst = tap + r * OW;
                    const int64_t ih = (row + r) * sh - s->padding_height + i * s->dilation_height;
                    if (ih < 0 || ih >= H) {
                        for (int64_t ow = 0; ow < OW; ow++) dst[ow] = 0;
                        continue;
                    }
                    const float *restrict src = x + (c * H + ih) * W; // column ow reads src[ow·sw + first]
                    for (int64_t ow = 0; ow < lo; ow++) dst[ow] = 0;
                    if (sw == 1) {
                        copy_row(dst + lo, src + lo + first, hi - lo);
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * sw + first];
                    }
                    for (int64_t ow = hi; ow < OW; ow++) dst[ow] = 0;
                }
            }
        }
    }
}

/// The adjoint of im2col: x[c][ih][iw] += col[tap][pixel] for every tap that reads (ih, iw). In the
/// shifted layout the edge columns of `col` are zeroed first, so that each tap is one long add.
LOWERING void col2im(const myelin_conv2d_shape *s, float *col, int64_t ld, int64_t channels, int64_t row, int64_t rows,
                   float *x) {
    const int64_t H = s->in_height, W = s->in_width, OW = s->out_width;
    const int64_t sh = s->stride_height, sw = s->stride_width;
    const int shifted = shifted_layout(s);
    for (int64_t c = 0; c < channels; c++) {
        for (int64_t i = 0; i < s->kernel_height; i++) {
            for (int64_t j = 0; j < s->kernel_width; j++) {
                float *tap = col + ((c * s->kernel_height + i) * s->kernel_width + j) * ld;
                if (shifted) {
                    const tap_span t = span_of_tap(s, i, j, row, rows);
                    zero_edges(tap, W, t);
                    const float *restrict src = tap + t.dst;
                    float *restrict dst = x + c * H * W + t.src;
                    for (int64_t e = 0; e < t.count; e++) dst[e] += src[e];
                    continue;
                }
                const int64_t first = j * s->dilation_width - s->padding_width;
                int64_t lo, hi;
                myelin_valid_columns(first, sw, W, OW, &lo, &hi);
                for (int64_t r = 0; r < rows; r++) {
                    const int64_t ih = (row + r) * sh - s->padding_height + i * s->dilation_height;
                    if (ih < 0 || ih >= H) continue;
                    const float *restrict src = tap + r * OW;
                    float *restrict dst = x + (c * H + ih) * W;
                    if (sw == 1) {
                        add_row(dst + lo + first, src + lo, hi - lo);
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow * sw + first] += src[ow];
                    }
                }
            }
        }
    }
}

/// im2col or col2im of channels [begin, end) of one image, as a pool task: when a layer has too few
/// blocks to share out (ResNet-18's 7×7 layers: one block of all 8 images), the GEMMs are split over
/// the threads, and so is the lowering around them, which would otherwise leave the other threads
/// waiting. Each channel has its own rows of the column matrix and its own plane of the image.
typedef struct {
    const myelin_conv2d_shape *s;
    const float *input; // im2col: the image read; NULL for col2im
    float *image;       // col2im: the image gradient added to
    float *col;
    int64_t ld, row, rows;
} lowering_job;

LOWERING void lower_channels(void *context, int64_t begin, int64_t end) {
    const lowering_job *job = context;
    const myelin_conv2d_shape *s = job->s;
    const int64_t plane = begin * s->in_height * s->in_width;
    float *col = job->col + begin * s->kernel_height * s->kernel_width * job->ld;
    if (job->input) im2col(s, job->input + plane, end - begin, job->row, job->rows, col, job->ld);
    else col2im(s, col, job->ld, end - begin, job->row, job->rows, job->image + plane);
}

#define LOWERING_KERNELS(suffix, target)                                                                      \
    target __attribute__((no_builtin("memcpy", "memset"))) static void lower_channels_##suffix(                \
        void *context, int64_t begin, int64_t end) {                                                          \
        lower_channels(context, begin, end);                                                                  \
    }
MYELIN_FOR_EACH_PATH(LOWERING_KERNELS)

/// im2col (input given) or col2im (image given) of `channels` channels, split over the pool when
/// called outside a pool task.
static void lower(const myelin_conv2d_shape *s, const float *input, float *image, int64_t channels, int64_t row,
                  int64_t rows, float *col, int64_t ld) {
    lowering_job job = {s, input, image, col, ld, row, rows};
    // At least 16 K column-matrix elements a slice.
    const int64_t per_channel = s->kernel_height * s->kernel_width * rows * s->out_width;
    myelin_parallel_for(channels, per_channel > 0 ? (16384 + per_channel - 1) / per_channel : 1,
                        MYELIN_BY_PATH(lower_channels), &job);
}

/// A matrix operand: element (r, c) at data[r·ld + c].
typedef struct {
    const float *data;
    int64_t ld;
} operand;

static const float *group_input(const geometry *g, const float *input, int64_t n, int64_t group) {
    const myelin_conv2d_shape *s = g->s;
    const int64_t channels = s->in_channels / s->groups;
    return input + (n * s->in_channels + group * channels) * s->in_height * s->in_width;
}

/// Whether block k's columns are its own (a copy in the thread's buffer), not the input itself.
static int copied_columns(const geometry *g, block k) { return !(g->direct && k.images == 1); }

/// Whether any block's columns are copied: whether a thread needs a column buffer.
static int any_copied_columns(const geometry *g) { return !(g->direct && g->images_per_block == 1); }

/// The column matrix of one group of a block: the image itself when direct (one image), else
/// im2col of each image side by side into `buffer`.
static operand columns(const geometry *g, const float *input, block k, int64_t group, float *buffer) {
    const myelin_conv2d_shape *s = g->s;
    if (!copied_columns(g, k))
        return (operand){group_input(g, input, k.image, group) + k.row * s->out_width, g->pixels};
    const int64_t width = block_width(g, k), per_image = k.rows * s->out_width;
    for (int64_t j = 0; j < k.images; j++)
        lower(s, group_input(g, input, k.image + j, group), NULL, s->in_channels / s->groups, k.row, k.rows,
              buffer + j * per_image, width);
    return (operand){buffer, width};
}

// The output gradient masked by a fused ReLU's output, compiled for each path (inlined into code
// built for none, it ran on SSE: 5.5 % of W2's AVX2 samples, one 4-float vector at a time).
#define MASKING_KERNELS(suffix, target)                                                                       \
    target static void relu_mask_##suffix(float *restrict dst, const float *restrict g, const float *restrict m, \
                                          int64_t n) {                                                       \
        myelin_relu_mask(dst, g, m, n);                                                                      \
    }
MYELIN_FOR_EACH_PATH(MASKING_KERNELS)

/// Channels [0, C) of a block of an [N][C][P] tensor t (an output, or its gradient) as a C × width
/// matrix: in place when that is possible (one image, no mask), else copied into `buffer`, where
/// `mask` (a fused ReLU's output) zeroes what it does.
static operand gathered(const geometry *g, const float *t, const float *mask, block k, float *buffer) {
    if (k.images == 1 && !mask) return (operand){t + block_offset(g, k, 0, 0), g->pixels};
    const int64_t width = block_width(g, k), per_image = k.rows * g->s->out_width;
    for (int64_t j = 0; j < k.images; j++) {
        for (int64_t c = 0; c < g->s->out_channels; c++) {
            const int64_t at = block_offset(g, k, j, c);
            const float *restrict src = t + at;
            float *restrict dst = buffer + c * width + j * per_image;
            if (mask) {
                MYELIN_BY_PATH(relu_mask)(dst, src, mask + at, per_image);
            } else {
                for (int64_t p = 0; p < per_image; p++) dst[p] = src[p];
            }
        }
    }
    return (operand){buffer, width};
}

/// Runs task over [0, count) units or chunks of units: split over the pool when that gives every
/// thread the same share or at least two, else on this thread, where each GEMM then uses the pool.
/// Where an image is a long product (at least CLAIMED_IMAGE_MACS: MNIST's ConvNet's second layer,
/// 10.6 M), threads claim them in shrinking runs, so that neither waits long for the other at the
/// end (W2's caller waited for 3.2 % of its samples with one fixed slice a thread, 1.3 % claimed).
/// Short ones (LeNet's, 0.12 and 0.24 M) keep one slice a thread, and so each image stays on the core
/// that made it in the op before: claimed, LeNet ran at 0.94 of that (median of eight pairs).
static void split_over_pool(const geometry *g, int64_t count, myelin_task task, void *context) {
    enum { CLAIMED_IMAGE_MACS = 4 << 20 };
    const int64_t threads = myelin_threads_here();
    if (threads >= 2 && count >= threads && (count % threads == 0 || count >= 2 * threads)) {
        if ((double)g->s->out_channels * (double)g->taps * (double)g->pixels >= CLAIMED_IMAGE_MACS)
            myelin_parallel_claim(count, task, context);
        else
            myelin_parallel_for(count, 1, task, context);
    } else {
        task(context, 0, count);
    }
}

// MARK: - Forward

typedef struct {
    geometry g;
    const float *input, *weight, *bias;
    float *output;
    myelin_activation activation;
    // The GEMM's bias runs along C's columns, a convolution's along its rows (channels). Where a block
    // has a column matrix of its own, the bias is one more tap: a column of the weight (weight_bias,
    // Cout × (K + 1)) against a row of ones, so that the GEMM writes the output once. Else the bias
    // is laid down in the output first and the GEMM adds to it.
    const float *weight_bias;
} forward_job;

static void forward_block(const forward_job *job, block k, float *buffer, float *tile) {
    const geometry *g = &job->g;
    const myelin_conv2d_shape *s = g->s;
    const int64_t out_per_group = s->out_channels / s->groups, width = block_width(g, k), P = g->pixels;
    for (int64_t group = 0; group < s->groups; group++) {
        const operand col = columns(g, job->input, k, group, buffer);
        // One image's output is written in place; several are multiplied into a tile, then copied out.
        float *y = k.images == 1 ? job->output + block_offset(g, k, 0, group * out_per_group) : tile;
        const int64_t ldy = k.images == 1 ? P : width;
        const int fold = job->weight_bias && copied_columns(g, k);
        if (fold) {
            float *ones = buffer + g->taps * width;
            for (int64_t p = 0; p < width; p++) ones[p] = 1;
        } else if (job->bias) {
            for (int64_t c = 0; c < out_per_group; c++) {
                const float b = job->bias[group * out_per_group + c];
                float *row = y + c * ldy;
                for (int64_t p = 0; p < width; p++) row[p] = b;
            }
        }
        const int64_t taps = fold ? g->taps + 1 : g->taps;
        const float *w = (fold ? job->weight_bias : job->weight) + group * out_per_group * taps;
        myelin_sgemm(out_per_group, width, taps, 1.0f, w, taps, 1, col.data, col.ld, 1,
                     job->bias && !fold ? 1.0f : 0.0f, y, ldy, NULL, job->activation);
        if (k.images == 1) continue;
        for (int64_t j = 0; j < k.images; j++)
            for (int64_t c = 0; c < out_per_group; c++) {
                const float *restrict src = tile + c * width + j * P;
                float *restrict dst = job->output + block_offset(g, k, j, group * out_per_group + c);
                for (int64_t p = 0; p < P; p++) dst[p] = src[p];
            }
    }
}

static void forward_units(void *context, int64_t begin, int64_t end) {
    const forward_job *job = context;
    const geometry *g = &job->g;
    const int64_t widest = widest_block(g);
    // One more row than the taps, for the bias's row of ones.
    float *buffer = any_copied_columns(g) ? myelin_scratch(SCRATCH_COLUMNS, (size_t)((g->taps + 1) * widest)) : NULL;
    float *tile = g->images_per_block > 1
                      ? myelin_scratch(SCRATCH_TILE, (size_t)(g->s->out_channels / g->s->groups * widest))
                      : NULL;
    for (int64_t u = begin; u < end; u++)
        for (int64_t b = 0; b < g->blocks_per_image; b++) forward_block(job, block_of(g, u, b), buffer, tile);
}

void myelin_conv2d_forward(const myelin_conv2d_shape *shape, const float *input, const float *weight,
                           const float *bias, float *output, myelin_activation activation) {
    if (myelin_conv2d_algorithm_for(shape) == MYELIN_CONV2D_WINOGRAD) {
        myelin_winograd_forward(shape, input, weight, bias, output, activation);
        return;
    }
    forward_job job = {make_geometry(shape), input, weight, bias, output, activation, NULL};
    const geometry *g = &job.g;
    if (bias && any_copied_columns(g)) {
        float *weight_bias = myelin_scratch(SCRATCH_WEIGHT_BIAS, (size_t)(shape->out_channels * (g->taps + 1)));
        for (int64_t o = 0; o < shape->out_channels; o++) {
            const float *restrict from = weight + o * g->taps;
            float *restrict to = weight_bias + o * (g->taps + 1);
            for (int64_t t = 0; t < g->taps; t++) to[t] = from[t];
            to[g->taps] = bias[o];
        }
        job.weight_bias = weight_bias;
    }
    // Units, not blocks, are shared out: an image's row blocks share the cache lines at their edges.
    split_over_pool(&job.g, job.g.units, forward_units, &job);
}

// MARK: - Backward

typedef struct {
    geometry g;
    const float *input, *weight, *grad_output, *relu_output;
    float *grad_input;
    float *grad_weight, *grad_bias; // NULL when not wanted
    float *partials;      // one weight-and-bias gradient a chunk
    int64_t chunk_stride; // floats per chunk: Cout·K weights, then Cout biases
    int64_t chunks;
    int transposed;       // the partial weight gradients are transposed (see weight_gradient_transposed)
} backward_job;

/// Whether the weight gradient is summed transposed, colᵀ's product with dY per group (K × Cout/groups),
/// rather than dY · colᵀ. Either way the GEMM reads one operand in place and packs the other, transposed:
/// the column matrix (K rows) or dY (Cout/groups rows). The smaller is packed. MNIST's ConvNet's
/// second layer (K = 288, 64 output channels): its two convolutions, forward and backward, 24.5 →
/// 23.9 ms a batch on AVX2.
static int weight_gradient_transposed(const geometry *g) { return g->taps > g->s->out_channels / g->s->groups; }

/// Adds block k's share to the chunk's weight and bias gradients (dw, db: overwritten when first)
/// and writes its share of the input gradient.
static void backward_block(const backward_job *job, block k, int first, float *dw, float *db, float *buffer,
                           float *tile) {
    const geometry *g = &job->g;
    const myelin_conv2d_shape *s = g->s;
    const int64_t out_per_group = s->out_channels / s->groups, in_per_group = s->in_channels / s->groups;
    const int64_t plane = s->in_height * s->in_width, width = block_width(g, k), per_image = k.rows * s->out_width;
    const operand dy = gathered(g, job->grad_output, job->relu_output, k, tile);
    // The input gradient is summed into images (not written) unless each pixel is its own column.
    const int written = !copied_columns(g, k);
    if (job->grad_input && !written && k.row == 0)
        memset(job->grad_input + k.image * s->in_channels * plane, 0,
               (size_t)(k.images * s->in_channels * plane) * sizeof(float));
    for (int64_t group = 0; group < s->groups; group++) {
        const float *dy_group = dy.data + group * out_per_group * dy.ld;
        if (job->grad_weight) {
            // dW_group (+)= dY_group · colᵀ, or its transpose; the transposed operand is read through its strides.
            const operand col = columns(g, job->input, k, group, buffer);
            float *dw_group = dw + group * out_per_group * g->taps;
            if (job->transposed)
                myelin_sgemm(g->taps, out_per_group, width, 1.0f, col.data, col.ld, 1, dy_group, 1, dy.ld,
                             first ? 0.0f : 1.0f, dw_group, out_per_group, NULL, MYELIN_ACTIVATION_NONE);
            else
                myelin_sgemm(out_per_group, g->taps, width, 1.0f, dy_group, dy.ld, 1, col.data, 1, col.ld,
                             first ? 0.0f : 1.0f, dw_group, g->taps, NULL, MYELIN_ACTIVATION_NONE);
        }
        if (job->grad_input) {
            // dcol = W_groupᵀ · dY_group (into dX itself when the image is its own columns), folded back.
            const float *w = job->weight + group * out_per_group * g->taps;
            float *dx = job->grad_input + k.image * s->in_channels * plane + group * in_per_group * plane;
            float *dcol = written ? dx + k.row * s->out_width : buffer;
            const int64_t ld = written ? g->pixels : width;
            myelin_sgemm(g->taps, width, out_per_group, 1.0f, w, 1, g->taps, dy_group, dy.ld, 1, 0.0f, dcol, ld, NULL,
                         MYELIN_ACTIVATION_NONE);
            if (!written)
                for (int64_t j = 0; j < k.images; j++)
                    lower(s, NULL, dx + j * s->in_channels * plane, in_per_group, k.row, k.rows, dcol + j * per_image,
                          ld);
        }
    }
    if (job->grad_bias) {
        for (int64_t c = 0; c < s->out_channels; c++) {
            const float sum = myelin_row_sum(dy.data + c * dy.ld, width);
            db[c] = first ? sum : db[c] + sum;
        }
    }
}

static void backward_chunks(void *context, int64_t begin, int64_t end) {
    const backward_job *job = context;
    const geometry *g = &job->g;
    const int64_t widest = widest_block(g);
    float *buffer = myelin_scratch(SCRATCH_COLUMNS, (size_t)(g->taps * widest));
    float *tile = myelin_scratch(SCRATCH_TILE, (size_t)(g->s->out_channels * widest));
    for (int64_t chunk = begin; chunk < end; chunk++) {
        float *dw = job->partials ? job->partials + chunk * job->chunk_stride : NULL;
        float *db = dw ? dw + g->s->out_channels * g->taps : NULL;
        const int64_t first = g->units * chunk / job->chunks, last = g->units * (chunk + 1) / job->chunks;
        for (int64_t u = first; u < last; u++)
            for (int64_t b = 0; b < g->blocks_per_image; b++)
                backward_block(job, block_of(g, u, b), u == first && b == 0, dw, db, buffer, tile);
    }
}

typedef struct {
    const float *partials;
    int64_t chunk_stride, chunks;
    float *grad_weight, *grad_bias;
    int64_t weights, from;
    int64_t taps, out_per_group; // when transposed; else 0
} reduce_job;

/// Sums the chunks' partial gradients in chunk order: elements from + [begin, end) of weights-then-biases,
/// the weight's turned back where the partials are transposed.
static void reduce_chunks(void *context, int64_t begin, int64_t end) {
    const reduce_job *job = context;
    const int64_t per_group = job->taps * job->out_per_group;
    for (int64_t e = job->from + begin; e < job->from + end; e++) {
        int64_t at = e; // weight (group, o, tap) sits at (group, tap, o)
        if (e < job->weights && job->taps) {
            const int64_t group = e / per_group, o = e % per_group / job->taps, tap = e % job->taps;
            at = group * per_group + tap * job->out_per_group + o;
        }
        float sum = job->partials[at];
        for (int64_t c = 1; c < job->chunks; c++) sum += job->partials[c * job->chunk_stride + at];
        if (e < job->weights) job->grad_weight[e] = sum;
        else job->grad_bias[e - job->weights] = sum;
    }
}

// MARK: - Input gradient as a convolution

/// With stride 1 the input gradient is itself a convolution: dX = dY, padded by d·(k − 1) − p,
/// correlated with the weight flipped in both spatial axes and with its channel axes swapped. As a
/// forward pass it is one GEMM with K = Cout·kh·kw, written straight into dX, in place of a GEMM
/// with K = Cout into the column matrix and col2im's read-modify-write of every tap onto the image.
/// It wins where its own lowering is cheap: "same" padding (dY as large as dX, so that its im2col
/// is the shifted copy) and no more output than input channels (its column matrix no larger).
/// Measured at batch 64 on 2 threads (input gradient only): 16 → 16 channels at 28×28 3.6 → 1.9 ms,
/// 32 → 32 at 14×14 1.78 → 1.54, 64 → 32 at 24×24 9.6 → 7.5; but 32 → 64 at 24×24 8.1 → 8.7, and
/// with no padding (MNIST's ConvNet, 32 → 64 at 26×26) 8.0 → 12.1. With few input channels the
/// forward GEMM's M = Cin fills a fraction of the register tile, so those keep the column route.
/// Fills t and returns 1 where that applies.
static int input_gradient_as_convolution(const myelin_conv2d_shape *s, myelin_conv2d_shape *t) {
    enum { FEWEST_INPUT_CHANNELS = 16 };
    const int64_t ph = s->dilation_height * (s->kernel_height - 1) - s->padding_height;
    const int64_t pw = s->dilation_width * (s->kernel_width - 1) - s->padding_width;
    if (s->stride_height != 1 || s->stride_width != 1 || s->groups != 1 || s->in_channels < FEWEST_INPUT_CHANNELS ||
        s->out_channels > s->in_channels || s->kernel_height * s->kernel_width == 1 || ph != s->padding_height ||
        pw != s->padding_width)
        return 0;
    *t = (myelin_conv2d_shape){
        .batch = s->batch, .in_channels = s->out_channels, .in_height = s->out_height, .in_width = s->out_width,
        .out_channels = s->in_channels, .out_height = s->in_height, .out_width = s->in_width,
        .kernel_height = s->kernel_height, .kernel_width = s->kernel_width, .stride_height = 1, .stride_width = 1,
        .padding_height = ph, .padding_width = pw, .dilation_height = s->dilation_height,
        .dilation_width = s->dilation_width, .groups = 1};
    // "Same" padding; as the input gradient of a transposed convolution with output padding, the
    // image has rows and columns that no output pixel reads, which a convolution of dY would not fill.
    return s->out_height == s->in_height && s->out_width == s->in_width;
}

typedef struct {
    const float *grad_output, *relu_output;
    float *masked;
} masking_job;

static void mask_elements(void *context, int64_t begin, int64_t end) {
    const masking_job *job = context;
    MYELIN_BY_PATH(relu_mask)(job->masked + begin, job->grad_output + begin, job->relu_output + begin, end - begin);
}

/// grad_input (overwritten) as the forward convolution t of grad_output, masked by relu_output
/// when given, with the weight flipped. Returns the output gradient the weight gradient should read:
/// the masked copy, which makes the mask a no-op there, or grad_output itself.
static const float *convolve_input_gradient(const myelin_conv2d_shape *s, const myelin_conv2d_shape *t,
                                            const float *weight, const float *grad_output, const float *relu_output,
                                            float *grad_input) {
    const int64_t in = s->in_channels, out = s->out_channels, taps = s->kernel_height * s->kernel_width;
    float *flipped = myelin_scratch(SCRATCH_FLIPPED, (size_t)(in * out * taps));
    // flipped[ci][co][tap] = weight[co][ci][taps − 1 − tap]: reversing the taps of a plane flips both axes.
    for (int64_t ci = 0; ci < in; ci++)
        for (int64_t co = 0; co < out; co++) {
            const float *restrict from = weight + (co * in + ci) * taps;
            float *restrict to = flipped + (ci * out + co) * taps;
            for (int64_t tap = 0; tap < taps; tap++) to[tap] = from[taps - 1 - tap];
        }
    const float *dy = grad_output;
    if (relu_output) {
        const int64_t count = s->batch * out * s->out_height * s->out_width;
        float *masked = myelin_scratch(SCRATCH_MASKED, (size_t)count);
        masking_job job = {grad_output, relu_output, masked};
        myelin_parallel_for(count, 16384, mask_elements, &job);
        dy = masked;
    }
    myelin_conv2d_forward(t, dy, flipped, NULL, grad_input, MYELIN_ACTIVATION_NONE);
    return dy;
}

void myelin_conv2d_backward(const myelin_conv2d_shape *shape, const float *input, const float *weight,
                            const float *grad_output, const float *relu_output,
                            float *grad_input, float *grad_weight, float *grad_bias) {
    if (myelin_conv2d_algorithm_for(shape) == MYELIN_CONV2D_WINOGRAD) {
        myelin_winograd_backward(shape, input, weight, grad_output, relu_output, grad_input, grad_weight, grad_bias);
        return;
    }
    myelin_conv2d_shape transposed;
    if (grad_input && shape->batch * shape->out_height * shape->out_width > 0 &&
        input_gradient_as_convolution(shape, &transposed)) {
        grad_output = convolve_input_gradient(shape, &transposed, weight, grad_output, relu_output, grad_input);
        relu_output = NULL;
        grad_input = NULL;
        if (!grad_weight && !grad_bias) return;
    }
    const geometry g = make_geometry(shape);
    const int64_t weights = shape->out_channels * g.taps;
    const int64_t chunk_stride = weights + shape->out_channels;
    const int wants_weight = grad_weight != NULL || grad_bias != NULL;
    // Up to 8 chunks of units, fewer when the partial sums would pass 16 MB. The count depends on
    // the shape alone, never on the thread count, so every thread count adds the same numbers in the
    // same order.
    int64_t chunks = g.units < 8 ? g.units : 8;
    while (wants_weight && chunks > 1 && chunks * chunk_stride > (4 << 20)) chunks--;
    if (chunks < 1 || g.pixels == 0) {
        const int64_t inputs = shape->batch * shape->in_channels * shape->in_height * shape->in_width;
        if (grad_input) memset(grad_input, 0, (size_t)inputs * sizeof(float));
        if (grad_weight) memset(grad_weight, 0, (size_t)weights * sizeof(float));
        if (grad_bias) memset(grad_bias, 0, (size_t)shape->out_channels * sizeof(float));
        return;
    }
    // Each chunk sums into its own partial gradients, added up (and the weight's turned back) at the end.
    float *partials = wants_weight ? myelin_scratch(SCRATCH_PARTIALS, (size_t)(chunks * chunk_stride)) : NULL;
    const int dw_transposed = weight_gradient_transposed(&g);
    backward_job job = {g, input, weight, grad_output, relu_output, grad_input, grad_weight, grad_bias, partials,
                        chunk_stride, chunks, dw_transposed};
    split_over_pool(&g, chunks, backward_chunks, &job);
    if (!partials) return;
    const int64_t from = grad_weight ? 0 : weights, to = grad_bias ? chunk_stride : weights;
    reduce_job reduce = {partials, chunk_stride, chunks, grad_weight, grad_bias, weights, from,
                         dw_transposed ? g.taps : 0, dw_transposed ? shape->out_channels / shape->groups : 0};
    myelin_parallel_for(to - from, 4096, reduce_chunks, &reduce);
}
