// CMyelinKernels: the few loops of Myelin that need SIMD by hand.
//
// Everything here is plain C callable from Swift. Kernels are chosen at run time with
// __builtin_cpu_supports and per-function __attribute__((target(...))), so the package builds
// with no compiler flags and runs on any x86-64 or Arm CPU.
#ifndef CMYELIN_KERNELS_H
#define CMYELIN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Kernel paths

/// The families of implementations every kernel has: AVX-512, AVX2+FMA, and portable C (which the
/// compiler vectorises for the baseline ISA: SSE2 on x86-64, NEON on Arm).
typedef enum {
    MYELIN_CPU_AUTO = 0, // as a request: the process default (MYELIN_CPU, or the best the CPU has)
    MYELIN_CPU_PORTABLE = 1,
    MYELIN_CPU_AVX2 = 2,
    MYELIN_CPU_AVX512 = 3,
} myelin_cpu_path;

/// The path kernels called from this thread run on: this thread's override (see
/// myelin_cpu_set_thread_path) or else the process path. The process path is read when the program
/// starts from the environment variable MYELIN_CPU (avx512, avx2 or portable, capped at what the CPU
/// supports; unset or empty: the best it supports); an unknown value ends the process with a message
/// that names it (exit status 2).
myelin_cpu_path myelin_cpu_current_path(void);
/// Sets the process path (capped at what the CPU supports; AUTO: back to MYELIN_CPU or the best).
/// Returns the path now in use on this thread.
myelin_cpu_path myelin_cpu_set_path(myelin_cpu_path path);
/// Overrides the path for kernels called from this thread and for the pool work they start
/// (capped; AUTO: follow the process path again). Returns the previous override (AUTO for none),
/// so a caller can put it back.
myelin_cpu_path myelin_cpu_set_thread_path(myelin_cpu_path path);
/// The best path this CPU supports.
myelin_cpu_path myelin_cpu_best_path(void);
/// Whether this CPU can run the path (AUTO: always).
int myelin_cpu_path_supported(myelin_cpu_path path);
/// A short name: "avx512", "avx2", "portable" ("auto" for AUTO).
const char *myelin_cpu_path_name(myelin_cpu_path path);
/// The path a name spells ("avx512", "avx2", "portable"); returns 0, leaving *path alone, for any other.
int myelin_cpu_parse_path(const char *name, myelin_cpu_path *path);

// MARK: - SGEMM

/// Activation applied by the GEMM epilogue, after the bias.
typedef enum {
    MYELIN_ACTIVATION_NONE = 0,
    MYELIN_ACTIVATION_RELU = 1,
} myelin_activation;

/// C = alpha · A·B + beta · C, then C[i][j] += bias[j] (if bias is not NULL), then the activation.
///
/// A is M×K with element (i, p) at A[i*rsA + p*csA]; B is K×N with element (p, j) at B[p*rsB + j*csB]:
/// general strides, so transposed operands and strided views need no copy. C is M×N, row-major with
/// leading dimension ldc. With beta == 0, C is written without being read (it may hold NaN).
/// Large products are split over the thread pool; small ones run on the calling thread.
/// K == 0 or alpha == 0 leaves C = beta·C + bias (then the activation), reading neither A nor B.
/// The K sum of an element is never split between threads, so the result is the same, bit for bit,
/// on any thread count. C must not overlap A or B. Safe to call from several threads at once.
void myelin_sgemm(int64_t M, int64_t N, int64_t K, float alpha,
                  const float *A, int64_t rsA, int64_t csA,
                  const float *B, int64_t rsB, int64_t csB,
                  float beta, float *C, int64_t ldc,
                  const float *bias, myelin_activation activation);

/// The floats myelin_gemm_pack_b writes for a K × N matrix B on the path in use.
int64_t myelin_gemm_packed_b_floats(int64_t K, int64_t N);

/// Copies B (element (k, j) at B[k*rsB + j*csB]) into `packed` (myelin_gemm_packed_b_floats floats) in
/// the panels the path in use multiplies by, for myelin_sgemm_packed_b: a B multiplied many times
/// (a recurrence's W_hh, every time step) is then packed once instead of read or packed every time.
void myelin_gemm_pack_b(int64_t K, int64_t N, const float *B, int64_t rsB, int64_t csB, float *packed);

/// myelin_sgemm with B packed by myelin_gemm_pack_b (the same K, N and path), the same bits as
/// myelin_sgemm gives for M, N > 1.
void myelin_sgemm_packed_b(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                           const float *packed_b, float beta, float *C, int64_t ldc, const float *bias,
                           myelin_activation activation);

/// myelin_sgemm, and last C[i][j] *= times[i*ldt + j] (after the bias and the activation), tile by
/// tile as each is stored: a gradient through an element-wise function whose slopes are known
/// (GELU's, kept by its forward pass) costs no pass of its own. times may be NULL.
void myelin_sgemm_times(int64_t M, int64_t N, int64_t K, float alpha,
                        const float *A, int64_t rsA, int64_t csA,
                        const float *B, int64_t rsB, int64_t csB,
                        float beta, float *C, int64_t ldc,
                        const float *bias, myelin_activation activation,
                        const float *times, int64_t ldt);

/// myelin_sgemm (no bias, no activation), and A's columns added into rows of `sums` chosen by
/// `groups`: sums[groups[k]·ld_sums + i] += A(i, k) for i < M, k < K, each element's additions in
/// the order of k (alpha does not scale them). With A stored transposed (a weight gradient gᵀ·h),
/// that sums g's rows by group, a recurrence's token-table gradient, in the product's own pass over
/// g: where the product is split by rows of C, each thread packing its own rows of A, each block of
/// A is summed while the packing holds it in registers; otherwise the sums are made first, in a pass
/// of their own. Every groups[k] must be a row of sums; sums must not overlap A, B or C.
void myelin_sgemm_summing_a(int64_t M, int64_t N, int64_t K, float alpha,
                            const float *A, int64_t rsA, int64_t csA,
                            const float *B, int64_t rsB, int64_t csB,
                            float beta, float *C, int64_t ldc,
                            const int64_t *groups, float *sums, int64_t ld_sums);

/// myelin_sgemm (no bias, no activation), and B's columns summed into `sums`: sums[j] += Σ_k B(k, j)
/// for j < N (alpha does not scale them; B is read for them even where M or alpha is 0). In a
/// layer's weight gradient xᵀ·gz that is its bias gradient, the column sums of gz. Where the product
/// splits B's columns into chunks and reads B in place, each chunk sums its block of B once the
/// block's row tiles are done, while the block is still in this core's cache; otherwise the sums are
/// made first, in a pass of their own. Either way the same additions in the same order (block by
/// block of K, each block's sum added to sums), so the sums do not depend on the thread count either.
/// sums must not overlap A, B or C.
void myelin_sgemm_summing_b(int64_t M, int64_t N, int64_t K, float alpha,
                            const float *A, int64_t rsA, int64_t csA,
                            const float *B, int64_t rsB, int64_t csB,
                            float beta, float *C, int64_t ldc, float *sums);

/// A row stride (in floats) for a matrix of rows `width` floats long that the GEMM is to read in
/// place: `width` itself, or 16 more when it is a multiple of 1024 (rows a multiple of 4 KiB apart
/// would all share L1 sets, so the GEMM would copy them before reading them).
int64_t myelin_gemm_row_stride(int64_t width);

/// One shape in the GEMM profile: M×N×K with A's and B's layout ('n': row-major, column stride 1;
/// 't': column-major, row stride 1; 'g': neither stride 1; 'p': B packed by myelin_gemm_pack_b), its
/// calls, and their time summed (calls made at once on several threads each count whole, so the sum
/// can pass the wall time).
typedef struct {
    int64_t m, n, k;
    char a, b;
    int64_t calls;
    double seconds;
} myelin_gemm_profile_entry;

/// The most shapes the profile holds; calls of further shapes are only counted.
#define MYELIN_GEMM_PROFILE_MAX_SHAPES 256

/// Starts (on != 0) or stops timing, by shape, the myelin_sgemm, _times, _summing_a, _summing_b and
/// _packed_b calls of any thread that multiply (M, N, K > 0 and alpha ≠ 0). A call counts if the
/// profile was on when it began. Off by default; off, a product pays one relaxed load. Attention's
/// block products call the register tile directly and are not counted.
void myelin_gemm_profile_enable(int on);
/// Forgets every entry (a call in flight adds its own afterwards).
void myelin_gemm_profile_reset(void);
/// Copies up to `capacity` entries, most time first, and returns how many shapes there are.
int64_t myelin_gemm_profile_entries(myelin_gemm_profile_entry *entries, int64_t capacity);
/// The calls of shapes that found the table full since the last reset.
int64_t myelin_gemm_profile_uncounted_calls(void);

// MARK: - Convolution (NCHW, through the SGEMM)

/// The geometry of a 2-D convolution: input [batch, in_channels, in_height, in_width], weight
/// [out_channels, in_channels/groups, kernel_height, kernel_width], output [batch, out_channels,
/// out_height, out_width] with out = (in + 2·padding − dilation·(kernel − 1) − 1) / stride + 1.
typedef struct {
    int64_t batch, in_channels, in_height, in_width;
    int64_t out_channels, out_height, out_width;
    int64_t kernel_height, kernel_width;
    int64_t stride_height, stride_width;
    int64_t padding_height, padding_width;
    int64_t dilation_height, dilation_width;
    int64_t groups;
} myelin_conv2d_shape;

/// output = conv(input, weight) + bias (bias may be NULL), then the activation. All arrays dense.
/// The output's columns are lowered block by block (im2col: a few rows of a large image, or several
/// small images side by side; skipped for 1×1, stride 1, no padding, same size) and multiplied by the
/// weight with the SGEMM; blocks are split over the thread pool, or, when too few, their GEMMs are.
void myelin_conv2d_forward(const myelin_conv2d_shape *shape, const float *input, const float *weight,
                           const float *bias, float *output, myelin_activation activation);

/// The gradients of a convolution, each overwritten, each skipped when its pointer is NULL:
/// grad_input (Wᵀ·grad_output per image, folded back onto the image: col2im; needs weight) and
/// grad_weight and grad_bias (Σ over images of grad_output·columnsᵀ; needs input). With relu_output
/// (the forward output of a fused ReLU) the gradient is first masked where that output is 0.
/// grad_input alone is also the forward pass of a transposed convolution. The sum over images is
/// taken in fixed chunks that depend on the shape only, so the result is the same, bit for bit, on
/// any thread count.
void myelin_conv2d_backward(const myelin_conv2d_shape *shape, const float *input, const float *weight,
                            const float *grad_output, const float *relu_output,
                            float *grad_input, float *grad_weight, float *grad_bias);

/// How a convolution is computed: through im2col and the SGEMM, or, for 3×3 kernels of stride 1
/// (no dilation, one group, padding at most 2), by Winograd's F(2×2, 3×3), which needs 16
/// multiply-adds for every 36 of the SGEMM's, plus transforms that cost about as much as copying
/// the input and output four times. AUTOMATIC picks Winograd where that wins (many channels, enough
/// tiles); the results differ from the SGEMM's by rounding only (a relative 1e-6).
typedef enum {
    MYELIN_CONV2D_AUTOMATIC = 0,
    MYELIN_CONV2D_GEMM = 1,
    MYELIN_CONV2D_WINOGRAD = 2,
} myelin_conv2d_algorithm;

/// Sets the algorithm convolutions called from this thread use (WINOGRAD: wherever the shape
/// allows it; AUTOMATIC: back to the process's choice: the environment variable MYELIN_CONV, gemm,
/// winograd or automatic, else the choice by shape). Returns the previous setting.
myelin_conv2d_algorithm myelin_conv2d_set_algorithm(myelin_conv2d_algorithm algorithm);
/// The algorithm a convolution of this shape runs with when called from this thread: GEMM or WINOGRAD.
myelin_conv2d_algorithm myelin_conv2d_algorithm_for(const myelin_conv2d_shape *shape);

// MARK: - Pooling

/// `planes` images of in_height×in_width pooled into out_height×out_width with a kernel window every
/// stride, starting padding before the image; windows are clipped to the image.
typedef struct {
    int64_t planes, in_height, in_width, out_height, out_width;
    int64_t kernel_height, kernel_width, stride_height, stride_width, padding_height, padding_width;
} myelin_pool2d_shape;

/// output = the largest input of each window (NaN wins); argmax = its index within the plane.
void myelin_max_pool2d_forward(const myelin_pool2d_shape *shape, const float *input, float *output, int32_t *argmax);
/// grad_input (overwritten) = grad_output scattered to the argmax positions.
void myelin_max_pool2d_backward(const myelin_pool2d_shape *shape, const float *grad_output, const int32_t *argmax,
                                float *grad_input);

// MARK: - Recurrent layers

/// The cell of a recurrent layer, with G gates per hidden unit: Elman RNN (G = 1, tanh or ReLU),
/// LSTM (G = 4, in PyTorch's order i, f, g, o) and GRU (G = 3: r, z, n).
typedef enum {
    MYELIN_CELL_RNN_TANH = 0,
    MYELIN_CELL_RNN_RELU = 1,
    MYELIN_CELL_LSTM = 2,
    MYELIN_CELL_GRU = 3,
} myelin_cell;

/// One layer in one direction over a whole sequence. Every per-step array is [steps·batch, width],
/// row t·batch + b for sequence b at step t; `reverse` runs from the last step to the first.
typedef struct {
    myelin_cell cell;
    int64_t steps, batch, hidden;
    int reverse;
} myelin_recurrence_shape;

/// Runs the recurrence. weight_hh [G·H, H], bias_hh [G·H] (NULL: none), h0 and c0 [batch, H]
/// (NULL: zeros; c0 for LSTM only). gates [rows, G·H] holds x·W_ihᵀ + b_ih on entry and the
/// activated gates on exit (RNN: h itself); or, where gate_table is given, its row gate_rows[r]
/// ([V, G·H] and [rows], gate_rows then required: the input side of each token) is what row r
/// holds on entry, whatever gates held. states is LSTM's cell states [rows, H], GRU's
/// W_hh·h + b_hh [rows, 3H], unused (NULL) for RNN. hidden [rows, H] gets every step's h;
/// last_hidden and last_cell [batch, H] (NULL: skipped) the final ones.
/// Sequences are split over the thread pool, and a thread that runs out of work takes over half of
/// the rows of the thread with the most left; every result is the same, bit for bit, on any thread
/// count and whichever thread runs a row.
void myelin_recurrence_forward(const myelin_recurrence_shape *shape, const float *weight_hh, const float *bias_hh,
                               const float *h0, const float *c0, const float *gate_table,
                               const int64_t *gate_rows, float *gates, float *states, float *hidden,
                               float *last_hidden, float *last_cell);

/// Backpropagation through time from what the forward pass left. grad_hidden [rows, H] is dL/d(every
/// h), grad_last_hidden and grad_last_cell [batch, H] dL/d(final h, c); any may be NULL (zero).
/// Writes grad_gates [rows, G·H] = dL/d(input-side pre-activations) (so dX = grad_gates·W_ih,
/// dW_ih = grad_gatesᵀ·X, db_ih = Σ rows), and for GRU grad_hidden_gates [rows, 3H], the
/// recurrent side (for RNN and LSTM it equals grad_gates; pass NULL): dW_hh = Σ_t gradᵀ·h_{t−1}.
/// Both are stored row by row, rows ld_grad_gates (≥ G·H) floats apart; or, with gate_major, as the
/// transpose of [rows, G·H]: gate j of row r at j·ld_grad_gates + r (ld_grad_gates ≥ rows), so
/// that W_hh's gradient, gradᵀ·h, reads each gate's row in place instead of packing a transpose.
/// Either way a stride off multiples of 4 KiB keeps the rows out of each other's L1 sets.
/// grad_h0 and grad_c0 [batch, H] are written unless NULL.
void myelin_recurrence_backward(const myelin_recurrence_shape *shape, const float *weight_hh, const float *h0,
                                const float *c0, const float *gates, const float *states, const float *hidden,
                                const float *grad_hidden, const float *grad_last_hidden,
                                const float *grad_last_cell, float *grad_gates, float *grad_hidden_gates,
                                int64_t ld_grad_gates, int gate_major, float *grad_h0, float *grad_c0);

/// How many times, in the recurrences this thread has started, a thread handed rows over to one
/// that had run out of work.
int64_t myelin_recurrence_handovers(void);

/// Tests only: in the recurrences this thread starts, the thread that runs a pass's first slice of
/// sequences waits this many seconds after each step (0: not at all), so that the others run out of
/// work and take rows over.
void myelin_recurrence_test_slow_first_slice(double seconds);

// MARK: - Batch normalisation's channel passes
//
// x is a dense [n][channels][s] tensor (s = the product of the dimensions after the channel, 1 for
// an [n, channels] matrix). Sums are taken per channel by one thread, in 16 float lanes over chunks
// added in double: the same bits on any thread count. relu_output, where given, is a fused
// ReLU's output, and masks the gradient: g' = g where it is positive, else 0.

/// Batch norm in training, each channel through all of its passes while it is in cache:
/// mean[c], invstd[c] = 1/√(Σ(x − mean)²/m + epsilon) and squares[c] = Σ(x − mean)² over the m = n·s
/// elements of channel c, then out = weight[c]·invstd[c]·(x − mean[c]) + bias[c] (weight, bias may
/// be NULL: 1 and 0), then the activation.
void myelin_batch_norm_training(int64_t n, int64_t channels, int64_t s, const float *x, const float *weight,
                                const float *bias, float epsilon, myelin_activation activation, float *out,
                                float *mean, float *invstd, double *squares);
/// Batch norm's backward, each channel while it is in cache: sum_grad[c] = Σg' and
/// sum_grad_deviation[c] = Σg'·(x − mean[c]) when sum_grad is given, and grad_input when given:
/// dx = scale[c]·g' + slope·(x − mean[c]) + offset, with scale = γσ⁻¹ and, in training (the
/// statistics depending on x), slope = −scale·invstd²·Σg'(x − mean)/count and offset =
/// −scale·Σg'/count, else 0. The sums in those are batch_sum_grad and _deviation where given (every
/// process's, in synchronised batch norm, with count their elements), else this batch's own.
void myelin_batch_norm_backward(int64_t n, int64_t channels, int64_t s, const float *grad, const float *relu_output,
                                const float *x, const float *mean, const float *scale, const float *invstd,
                                int training, double count, const double *batch_sum_grad,
                                const double *batch_sum_grad_deviation, double *sum_grad,
                                double *sum_grad_deviation, float *grad_input);

// The passes one at a time, for synchronised batch norm, whose sums cross processes between them.

/// sums[c] = Σx over channel c, or Σ(x − mean[c])² when mean is given.
void myelin_channel_sums(int64_t n, int64_t channels, int64_t s, const float *x, const float *mean, double *sums);
/// sum_grad[c] = Σg' and sum_grad_deviation[c] = Σg'·(x − mean[c]) over channel c.
void myelin_channel_gradient_sums(int64_t n, int64_t channels, int64_t s, const float *grad, const float *relu_output,
                                  const float *x, const float *mean, double *sum_grad, double *sum_grad_deviation);
/// out = a[c]·(x − mean[c]) + d[c], plus b[c]·g' when grad is given, then the activation: batch
/// norm's output and its input gradient, each in one pass. out may not alias x or grad.
void myelin_channel_affine(int64_t n, int64_t channels, int64_t s, const float *x, const float *mean, const float *a,
                           const float *d, const float *grad, const float *relu_output, const float *b,
                           myelin_activation activation, float *out);

// MARK: - Layer normalisation

/// Normalises each row of an rows×cols row-major matrix: y = (x − μ)·σ⁻¹·weight + bias with the row's
/// mean μ and σ⁻¹ = 1/√(biased variance + epsilon); weight and bias [cols] may be NULL (1 and 0).
/// Writes mean and rstd (σ⁻¹) [rows] for the backward pass. Rows are split over the thread pool.
void myelin_layer_norm_forward(int64_t rows, int64_t cols, const float *x, const float *weight, const float *bias,
                               float epsilon, float *y, float *mean, float *rstd);

/// The gradients of a layer norm from its input, weight (NULL: none), saved mean and rstd and the output
/// gradient, each overwritten and skipped when NULL: grad_input [rows, cols], grad_weight and grad_bias
/// [cols]. grad_input_addend (NULL: none), [rows, cols], is added to grad_input (each element of dx
/// rounded first, then the addend added). One pass over the rows; the column sums are taken in fixed
/// chunks of rows, so every result is the same, bit for bit, on any thread count.
void myelin_layer_norm_backward(int64_t rows, int64_t cols, const float *x, const float *weight, const float *mean,
                                const float *rstd, const float *grad_output, float *grad_input,
                                const float *grad_input_addend, float *grad_weight, float *grad_bias);

// MARK: - Attention

/// One operand of attention: element (b, h, i, d) — batch b, head h, position i, feature d — at
/// data[b·batch + h·head + i·position + d] (the features of a position are contiguous).
typedef struct {
    float *data;
    int64_t batch, head, position;
} myelin_heads;

/// batch × heads independent attention problems: `queries` query vectors and `keys` key vectors of
/// head_dim features, and a value vector of value_dim features per key. With `causal`, query i sees
/// keys j ≤ i only (PyTorch's is_causal: the mask is aligned at the top left).
typedef struct {
    int64_t batch, heads, queries, keys, head_dim, value_dim;
    float scale;
    int causal;
} myelin_attention_shape;

/// output = softmax(scale·Q·Kᵀ, masked)·V for every (batch, head). key_padding_mask [batch, keys]
/// (NULL: none) hides the keys where it is nonzero. logsumexp [batch·heads·queries] gets each row's
/// log Σ exp of its visible scores for the backward pass; a row that sees no key gets +inf and a zero
/// output. Queries go in blocks, so scratch is O(block × keys) per thread, not O(queries × keys);
/// (batch, head) pairs are split over the thread pool (the same bits on any thread count).
void myelin_attention_forward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                              myelin_heads value, const uint8_t *key_padding_mask, myelin_heads output,
                              float *logsumexp);

/// The gradients of attention from its inputs, the forward pass's logsumexp and grad_output (laid
/// out like the output): grad_query, grad_key and grad_value, each overwritten and skipped when its
/// data is NULL. The probabilities are recomputed from the scores and logsumexp, not stored.
void myelin_attention_backward(const myelin_attention_shape *shape, myelin_heads query, myelin_heads key,
                               myelin_heads value, const uint8_t *key_padding_mask, const float *logsumexp,
                               myelin_heads grad_output, myelin_heads grad_query, myelin_heads grad_key,
                               myelin_heads grad_value);

// MARK: - Optimisers

/// One Adam/AdamW step's constants (bias corrections folded in by the caller).
typedef struct {
    float beta1, beta2, epsilon;
    float step_size;         // lr / (1 − β₁ᵗ)
    float root_correction2;  // √(1 − β₂ᵗ)
    float decay_factor;      // 1 − lr·λ for AdamW's decoupled decay, else 1
    float l2;                // λ for Adam's L2 weight decay (added to the gradient), else 0
} myelin_adam_settings;

/// m ← β₁m + (1 − β₁)g', v ← β₂v + (1 − β₂)g'², p ← p·decay − step·m / (√v / √(1 − β₂ᵗ) + ε), with
/// g' = g + l2·p, elementwise over `count` floats, split over the thread pool.
void myelin_adam_update(int64_t count, float *weights, const float *gradient, float *first_moment,
                        float *second_moment, const myelin_adam_settings *settings);

/// One SGD step's constants, as PyTorch defines the step.
typedef struct {
    float learning_rate, weight_decay;
    float momentum; // μ; 0: plain SGD, without a velocity
    float keep;     // the velocity's factor: μ, or 0 on a parameter's first step (v ← g)
    float scale;    // the gradient's factor in the velocity: 1 − dampening, or 1 on the first step
    int nesterov;
} myelin_sgd_settings;

/// g' = g + λp; without momentum p ← p − lr·g'; with it v ← keep·v + scale·g', then
/// p ← p − lr·v, or p ← p − lr·(g' + μv) with Nesterov; elementwise over `count` floats, split
/// over the thread pool. `velocity` may be NULL when momentum is 0. The three arrays must not
/// overlap (the loops are compiled with `restrict`).
void myelin_sgd_update(int64_t count, float *weights, const float *gradient, float *velocity,
                       const myelin_sgd_settings *settings);

// MARK: - word2vec

/// A word2vec model with negative sampling (Mikolov et al. 2013) and how it trains: V words, each
/// with an input vector (a row of `input_vectors`, V×D: the word vectors) and an output vector (a row
/// of `output_vectors`, V×D), both row-major.
typedef struct {
    int64_t words;      // V
    int64_t dimensions; // D
    int32_t window;     // the widest context: each word's reach is drawn from 1…window, on both sides
    int32_t negative;   // noise words drawn per prediction (0…MYELIN_WORD2VEC_MAX_NEGATIVE)
    int32_t cbow;       // 0: skip-gram, each context word predicts the word; 1: CBOW, their mean predicts it
    /// Subsampling: an occurrence of word w is kept when a uniform 32-bit draw is ≤ keep[w]
    /// (UINT32_MAX: always kept). NULL keeps every occurrence.
    const uint32_t *keep;
    /// The noise distribution as an alias table [V]: a column i drawn uniformly gives word i when a
    /// uniform 32-bit draw is < noise_threshold[i], else word noise_alias[i].
    const uint32_t *noise_threshold;
    const int32_t *noise_alias;
} myelin_word2vec_settings;

enum { MYELIN_WORD2VEC_MAX_NEGATIVE = 64 };

/// What one call trained on.
typedef struct {
    int64_t kept;        // word occurrences left after subsampling
    int64_t predictions; // predictions made: (context word → word) pairs for skip-gram, windows for CBOW
    double loss;         // their summed loss (see myelin_word2vec_predict)
} myelin_word2vec_result;

/// Trains on `sentences` sentences, sentence s being words[starts[s] ..< starts[s + 1]] (ids < V), at
/// one learning rate, as word2vec.c does: each sentence is subsampled; then, for each word left, a
/// reach r is drawn from 1…window and the words within r of it (in the sentence) are its context.
/// Skip-gram makes one prediction per context word (its input vector predicts the word), CBOW one per
/// word (the mean of the context's input vectors predicts it, and every context word's input vector
/// gets the whole update, as in word2vec.c and gensim). Each prediction draws `negative` noise words
/// (a draw equal to the word is skipped) and takes one SGD step (myelin_word2vec_predict).
///
/// The sentences go in slices of consecutive sentences of at least 1,024 words, each slice with its
/// own random stream made from `seed` and its index. `threads` threads (the caller and pool workers)
/// take slices as they come and update the matrices without locks, as word2vec.c and gensim do
/// ("Hogwild"): with one thread a call gives the same bits every time; with more it does not.
myelin_word2vec_result myelin_word2vec_train(const myelin_word2vec_settings *settings, float *input_vectors,
                                             float *output_vectors, const int32_t *words, const int64_t *starts,
                                             int64_t sentences, float learning_rate, uint64_t seed, int threads);

/// One prediction, the SGD step myelin_word2vec_train takes for each: the input vector h = input[D]
/// against rows targets[0..<count] of output_vectors (targets[0] the word: label 1; the others noise:
/// label 0). The loss is L = −log σ(h·o₀) − Σ_{t>0} log σ(−h·o_t), and with g_t = learning_rate·(label_t −
/// σ(h·o_t)) = −learning_rate·∂L/∂(h·o_t) the step writes input_update = Σ_t g_t·o_t (= −learning_rate·∂L/∂h,
/// from the rows as they were) and then adds g_t·h to each row o_t. Returns L. A row named twice gets
/// both updates. count ≤ MYELIN_WORD2VEC_MAX_NEGATIVE + 1.
float myelin_word2vec_predict(int64_t dimensions, const float *input, float *output_vectors, const int32_t *targets,
                              int32_t count, float learning_rate, float *input_update);

// MARK: - Memory

/// Buffers this large and larger lie on 2 MiB pages (see myelin_allocate).
#define MYELIN_HUGE_PAGE_MIN_BYTES ((size_t)1 << 20)

/// A buffer of at least `bytes`, 64-byte aligned, or NULL when the system has no memory for it.
/// One of MYELIN_HUGE_PAGE_MIN_BYTES or more is mapped on its own, rounded up to whole 2 MiB pages,
/// and marked for the kernel's transparent huge pages (Linux, where they are enabled or "madvise").
/// Freed with myelin_free, given the same bytes.
void *myelin_allocate(size_t bytes);
void myelin_free(void *buffer, size_t bytes);

// MARK: - Thread pool

/// Threads used by parallel kernels (the calling thread plus workers). Default: the number of cores.
int myelin_thread_count(void);
/// Sets the thread count (1 = everything on the calling thread). Clamped to [1, 64]. Workers are
/// started when first needed and kept; an idle worker polls for ~0.2 ms, then sleeps.
void myelin_set_thread_count(int count);
/// While on (nonzero), work started from the calling thread runs on that thread alone and leaves the
/// pool to other threads: for background work, such as a data loader assembling the next batch,
/// that must not take the workers from the thread that trains. Returns the previous setting.
int myelin_set_thread_alone(int alone);
/// While positive, work started from the calling thread uses this many threads (clamped to 64),
/// whatever myelin_set_thread_count says meanwhile; 0 returns it to the process's count. Returns the
/// previous setting: for a test that needs a thread count while others run at once.
int myelin_set_thread_count_here(int count);
/// The threads that work started from the calling thread runs on: 1 inside a task and on a thread
/// set alone, where it runs inline, else myelin_thread_count(). What a kernel plans its split for:
/// work cut for threads it will not get is only cut into smaller pieces.
int myelin_threads_here(void);

/// A slice of work: handle items [begin, end).
typedef void (*myelin_task)(void *context, int64_t begin, int64_t end);

/// Runs task over [0, count) split into at most thread_count contiguous slices of at least `grain`
/// items, one a thread (the calling thread takes one too), so that element-wise work stays on the
/// same items op after op; returns when all are done. Where slices are four grains or more, a
/// thread done with its slice takes the back half of what is left of another's (while that is at
/// least half a grain), so a slice may run as several calls of task, on more than one thread.
/// Work smaller than two grains runs inline, and so do nested calls from inside a task. Runs come
/// on any thread in any order, and the calling thread may run all of them (a worker that is late,
/// or a pool busy with another caller), so tasks must never wait for each other, and a result must
/// not depend on where runs begin.
void myelin_parallel_for(int64_t count, int64_t grain, myelin_task task, void *context);

/// Runs task over [0, count) in runs of items that whichever thread is free claims (the caller
/// and the pool's workers), each run a share of what is left, so that runs shrink as the items run
/// out: a thread slowed by another process claims fewer, and the threads finish together. For items
/// of many microseconds each (a convolution's long images), where parallel_for's slices would leave
/// a thread waiting for the slowest's last item. Runs inline as parallel_for does.
void myelin_parallel_claim(int64_t count, myelin_task task, void *context);

// MARK: - Vector math (contiguous arrays; y may equal x)
//
// On every path the same polynomials (simd_math.h), 16, 8 or 4 lanes at a time, within 3e-7
// relative error (2.5 ulp) of the exact result wherever it is a normal float; exp overflows to inf
// and underflows gradually to 0, log(0) = −inf, log(x < 0) = NaN, NaN stays NaN, tanh and erf keep
// the sign of ±0 and saturate to ±1, sigmoid to 0 and 1. An array's last, partial vector is masked.

void myelin_vexp(const float *x, float *y, int64_t n);
void myelin_vlog(const float *x, float *y, int64_t n);
void myelin_vtanh(const float *x, float *y, int64_t n);
void myelin_vsigmoid(const float *x, float *y, int64_t n);
void myelin_verf(const float *x, float *y, int64_t n);
/// GELU with the exact erf: y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)).
void myelin_vgelu(const float *x, float *y, int64_t n);
/// GELU and its slope dy/dx = Φ(x) + x·φ(x), φ the standard normal density, in one pass (y may equal
/// x; slope may not): what training keeps for the backward pass, g·slope. The same y as myelin_vgelu.
void myelin_vgelu_with_slope(const float *x, float *y, float *slope, int64_t n);

/// Row-wise log-softmax of an rows×cols row-major matrix (y may equal x).
void myelin_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols);
/// Row-wise softmax of an rows×cols row-major matrix (y may equal x).
void myelin_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols);
/// dst[c·ld_dst + r] = src[r·ld_src + c] for r < rows, c < cols (ld_src ≥ cols, ld_dst ≥ rows;
/// src and dst must not overlap): register-transposed tiles, bands of source columns split over
/// the thread pool.
void myelin_transpose(int64_t rows, int64_t cols, const float *src, int64_t ld_src, float *dst, int64_t ld_dst);
/// Copies row rows[k] of `table` (rows `width` floats apart) to row k of `dst` for k < count: an
/// embedding lookup, or a data set's batch; split over the thread pool. Every rows[k] must be a row
/// of the table, and `dst` must not overlap it.
void myelin_gather_rows(const int64_t *rows, int64_t count, const float *table, int64_t width, float *dst);
/// sums[rows[k]·ld_sums + j] += gradient[k·ld_gradient + j] for k < count, j < width, except where
/// rows[k] == skip (a padding row; −1 for none): an embedding's gradient. Row after row in the
/// order of k, on the calling thread.
void myelin_scatter_add_rows(const int64_t *rows, int64_t count, const float *gradient, int64_t ld_gradient,
                             int64_t width, float *sums, int64_t ld_sums, int64_t skip);
/// sums[rows[k]·ld_sums + j] += gradient[j·ld_gradient + k] for k < count, j < width: as
/// myelin_scatter_add_rows for a gradient stored a row per feature and a column per index (a
/// recurrence's gate-major gates' gradient). Each sum takes its k in order, on the calling thread.
void myelin_scatter_add_columns(const int64_t *rows, int64_t count, const float *gradient, int64_t ld_gradient,
                                int64_t width, float *sums, int64_t ld_sums);

// MARK: - Machine probes

/// Measures the FMA peak in GFLOP/s: `threads` threads each running independent FMA chains on
/// 512-bit (width 512: AVX-512, 16 chains), 256-bit (width 256: AVX2+FMA, 12 chains) or 128-bit
/// registers (width 128: the portable path's baseline ISA, 12 chains; a multiply and an add where it
/// has no FMA, as on SSE2) for about `seconds` (the median of five trials of seconds/5). Returns 0
/// where the width is unsupported.
double myelin_fma_peak_gflops(int threads, double seconds, int width);
/// /proc/cpuinfo's "cpu family" (26 = Zen 5, 25 = Zen 4), or -1 where unknown.
int myelin_cpu_family(void);

#ifdef __cplusplus
}
#endif

#endif
