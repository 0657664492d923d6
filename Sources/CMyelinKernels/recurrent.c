// Recurrent layers (RNN, LSTM, GRU): the loop over time steps, forward and backward.
//
// The caller has already multiplied every step's input by W_ih in one large GEMM (the gates on
// entry; for tokens, a table of one row per token, whose rows each thread copies into the gates as
// it reaches them). What is left is inherently sequential: per step, one small GEMM with W_hh and
// the cell's gate arithmetic. Sequences in a batch never interact, so the batch is split between threads once
// and each thread runs the whole recurrence for its rows with no synchronisation between steps (split
// by hidden units, every step would wait for its slowest part: 0.73-0.93 of this in an emulation); its
// GEMMs run on that thread alone (a batch too small to split runs on the caller, whose GEMMs may
// then use the pool). W_hh is transposed once per call so that the per-step GEMM (slices of at most
// 256 rows read B in place on every path) reads it row by row without packing.
#include <string.h>

#include "internal.h"

// MARK: - Gate arithmetic, one block of rows of one step
//
// Activations come from the path's vector kernels on row segments (all in L1); the products and
// sums around them are plain loops, inlined into one function per path (chosen at run time), so
// the compiler vectorises them for each instruction set.

typedef struct {
    myelin_cell cell;
    int64_t rows, hidden;
    float *gates;             // [rows, G·H]: pre-activations on entry, activations on exit
    float *states;            // LSTM: cell states [rows, H]; GRU: W_hh·h + b_hh [rows, 3H]
    const float *prev_h;      // [rows, H] (NULL: zeros)
    const float *prev_c;      // LSTM: [rows, H] (NULL: zeros)
    float *h;                 // [rows, H]: the new hidden state
    float *scratch;           // H floats
    const myelin_vector_kernels *math; // the path's sigmoid and tanh
} cell_step;

// LSTM: i, f, o = σ(·), g = tanh(·); c = f ⊙ c' + i ⊙ g; h = o ⊙ tanh(c).
MYELIN_INLINE void lstm_forward_rows(const cell_step *s) {
    const int64_t H = s->hidden;
    for (int64_t r = 0; r < s->rows; r++) {
        float *gate = s->gates + r * 4 * H;
        s->math->sigmoid(gate, gate, 2 * H);
        s->math->tanh(gate + 2 * H, gate + 2 * H, H);
        s->math->sigmoid(gate + 3 * H, gate + 3 * H, H);
        const float *restrict i = gate, *restrict f = gate + H, *restrict g = gate + 2 * H, *restrict o = gate + 3 * H;
        const float *restrict cp = s->prev_c ? s->prev_c + r * H : NULL;
        float *restrict c = s->states + r * H, *restrict t = s->scratch, *restrict h = s->h + r * H;
        if (cp) for (int64_t j = 0; j < H; j++) c[j] = f[j] * cp[j] + i[j] * g[j];
        else for (int64_t j = 0; j < H; j++) c[j] = i[j] * g[j];
        s->math->tanh(c, t, H);
        for (int64_t j = 0; j < H; j++) h[j] = o[j] * t[j];
    }
}

// GRU: r, z = σ(x-side + h-side); n = tanh(x_n + r ⊙ (W_hn·h' + b_hn)); h = (1 − z) ⊙ n + z ⊙ h'.
MYELIN_INLINE void gru_forward_rows(const cell_step *s) {
    const int64_t H = s->hidden;
    for (int64_t row = 0; row < s->rows; row++) {
        float *restrict gate = s->gates + row * 3 * H;
        const float *restrict hg = s->states + row * 3 * H;
        for (int64_t j = 0; j < 2 * H; j++) gate[j] += hg[j];
        s->math->sigmoid(gate, gate, 2 * H);
        for (int64_t j = 0; j < H; j++) gate[2 * H + j] += gate[j] * hg[2 * H + j];
        s->math->tanh(gate + 2 * H, gate + 2 * H, H);
        const float *restrict z = gate + H, *restrict n = gate + 2 * H;
        const float *restrict hp = s->prev_h ? s->prev_h + row * H : NULL;
        float *restrict h = s->h + row * H;
        if (hp) for (int64_t j = 0; j < H; j++) h[j] = n[j] + z[j] * (hp[j] - n[j]);
        else for (int64_t j = 0; j < H; j++) h[j] = n[j] - z[j] * n[j];
    }
}

// Elman RNN: h = tanh(·) or relu(·); the gates hold h.
MYELIN_INLINE void rnn_forward_rows(const cell_step *s) {
    const int64_t n = s->rows * s->hidden;
    float *restrict x = s->gates;
    if (s->cell == MYELIN_CELL_RNN_RELU) for (int64_t j = 0; j < n; j++) x[j] = x[j] > 0 ? x[j] : 0.0f;
    else s->math->tanh(x, x, n);
    memcpy(s->h, x, (size_t)n * sizeof(float));
}

typedef struct {
    myelin_cell cell;
    int64_t rows, hidden;
    const float *gates, *states, *prev_h, *prev_c; // as the forward step left them
    float *dh;                // [rows, H]: dL/dh_t on entry; GRU: its direct part z ⊙ dL/dh_t on exit
    float *dc;                // LSTM: dL/dc_t on entry, dL/dc_{t−1} on exit
    float *grad_gates;        // [rows, G·H], rows ldg apart: dL/d(pre-activations), input side
    float *grad_hidden_gates; // GRU: [rows, 3H], rows ldg apart: the recurrent side
    int64_t ldg;              // row stride of both
    float *scratch;           // H floats
    const myelin_vector_kernels *math; // the path's sigmoid and tanh
} cell_gradient;

MYELIN_INLINE void lstm_backward_rows(const cell_gradient *s) {
    const int64_t H = s->hidden;
    for (int64_t r = 0; r < s->rows; r++) {
        const float *gate = s->gates + r * 4 * H;
        const float *restrict i = gate, *restrict f = gate + H, *restrict g = gate + 2 * H, *restrict o = gate + 3 * H;
        const float *restrict cp = s->prev_c ? s->prev_c + r * H : NULL;
        const float *restrict dh = s->dh + r * H;
        float *restrict t = s->scratch, *restrict dc = s->dc + r * H, *restrict dg = s->grad_gates + r * s->ldg;
        s->math->tanh(s->states + r * H, t, H);
        for (int64_t j = 0; j < H; j++) {
            const float ct = dc[j] + dh[j] * o[j] * (1 - t[j] * t[j]); // dL/dc_t in full
            dg[j] = ct * g[j] * i[j] * (1 - i[j]);
            dg[H + j] = ct * (cp ? cp[j] : 0.0f) * f[j] * (1 - f[j]);
            dg[2 * H + j] = ct * i[j] * (1 - g[j] * g[j]);
            dg[3 * H + j] = dh[j] * t[j] * o[j] * (1 - o[j]);
            dc[j] = ct * f[j];
        }
    }
}

MYELIN_INLINE void gru_backward_rows(const cell_gradient *s) {
    const int64_t H = s->hidden;
    for (int64_t row = 0; row < s->rows; row++) {
        const float *gate = s->gates + row * 3 * H;
        const float *restrict r = gate, *restrict z = gate + H, *restrict n = gate + 2 * H;
        const float *restrict hn = s->states + row * 3 * H + 2 * H;
        const float *restrict hp = s->prev_h ? s->prev_h + row * H : NULL;
        float *restrict dh = s->dh + row * H;
        float *restrict dx = s->grad_gates + row * s->ldg, *restrict dhg = s->grad_hidden_gates + row * s->ldg;
        for (int64_t j = 0; j < H; j++) {
            const float dn = dh[j] * (1 - z[j]) * (1 - n[j] * n[j]);
            const float dr = dn * hn[j] * r[j] * (1 - r[j]);
            const float dz = dh[j] * ((hp ? hp[j] : 0.0f) - n[j]) * z[j] * (1 - z[j]);
            dx[j] = dhg[j] = dr;
            dx[H + j] = dhg[H + j] = dz;
            dx[2 * H + j] = dn;
            dhg[2 * H + j] = dn * r[j];
            dh[j] *= z[j];
        }
    }
}

MYELIN_INLINE void rnn_backward_rows(const cell_gradient *s) {
    const int64_t H = s->hidden;
    for (int64_t row = 0; row < s->rows; row++) {
        const float *restrict h = s->gates + row * H, *restrict dh = s->dh + row * H;
        float *restrict dx = s->grad_gates + row * s->ldg;
        if (s->cell == MYELIN_CELL_RNN_RELU) for (int64_t j = 0; j < H; j++) dx[j] = h[j] > 0 ? dh[j] : 0.0f;
        else for (int64_t j = 0; j < H; j++) dx[j] = dh[j] * (1 - h[j] * h[j]);
    }
}

#define CELL_KERNELS(suffix, target)                                                                \
    target static void cell_forward_##suffix(const cell_step *s) {                                  \
        if (s->cell == MYELIN_CELL_LSTM) lstm_forward_rows(s);                                      \
        else if (s->cell == MYELIN_CELL_GRU) gru_forward_rows(s);                                   \
        else rnn_forward_rows(s);                                                                   \
    }                                                                                               \
    target static void cell_backward_##suffix(const cell_gradient *s) {                             \
        if (s->cell == MYELIN_CELL_LSTM) lstm_backward_rows(s);                                     \
        else if (s->cell == MYELIN_CELL_GRU) gru_backward_rows(s);                                  \
        else rnn_backward_rows(s);                                                                  \
    }

MYELIN_FOR_EACH_PATH(CELL_KERNELS)

typedef struct {
    void (*forward)(const cell_step *);
    void (*backward)(const cell_gradient *);
} cell_kernels;

static cell_kernels kernels(void) {
    return (cell_kernels){MYELIN_BY_PATH(cell_forward), MYELIN_BY_PATH(cell_backward)};
}

// MARK: - The recurrence

typedef struct {
    const myelin_recurrence_shape *s;
    cell_kernels cells;
    int64_t gates_per_row;    // G·H
    int64_t states_per_row;   // LSTM: H; GRU: 3H; RNN: 0
    const float *weight_hh, *weight_hh_t, *bias_hh, *h0, *c0;
    int64_t ldw;              // row stride of weight_hh_t
    const float *gate_table;  // [V, G·H]: the input side by token (NULL: gates holds it already)
    const int64_t *gate_rows; // [rows]: each row's token
    float *gates, *states, *hidden, *last_hidden, *last_cell;
    const float *grad_hidden, *grad_last_hidden, *grad_last_cell;
    float *grad_gates, *grad_hidden_gates, *grad_h0, *grad_c0;
    int64_t ldg;              // row stride of grad_gates and grad_hidden_gates
} recurrence_job;

static int64_t gate_count(myelin_cell cell) {
    return cell == MYELIN_CELL_LSTM ? 4 : cell == MYELIN_CELL_GRU ? 3 : 1;
}

// The first row of sequence b0 at the step handled k-th (the loop runs backwards in time when reversed).
static int64_t row_at(const myelin_recurrence_shape *s, int64_t k, int64_t b0) {
    return (s->reverse ? s->steps - 1 - k : k) * s->batch + b0;
}

static float *offset_or_null(const float *base, int64_t offset) { return base ? (float *)base + offset : NULL; }

static void forward_slice(void *context, int64_t b0, int64_t b1) {
    const recurrence_job *job = context;
    const myelin_recurrence_shape *s = job->s;
    const int64_t H = s->hidden, G = job->gates_per_row, S = job->states_per_row, rows = b1 - b0;
    const int gru = s->cell == MYELIN_CELL_GRU;
    cell_step step = {s->cell, rows, H, NULL, NULL, offset_or_null(job->h0, b0 * H), offset_or_null(job->c0, b0 * H),
                      NULL, myelin_scratch(7, (size_t)H), myelin_vector_kernels_current()};
    for (int64_t k = 0; k < s->steps; k++) {
        const int64_t row = row_at(s, k, b0);
        step.gates = job->gates + row * G;
        step.states = offset_or_null(job->states, row * S);
        step.h = job->hidden + row * H;
        // Copied here rather than all at once before the loop: the rows are still in this core's
        // cache when the step's product adds to them (GRU: when its cell adds them up).
        if (job->gate_table)
            for (int64_t r = 0; r < rows; r++)
                memcpy(step.gates + r * G, job->gate_table + job->gate_rows[row + r] * G, (size_t)G * sizeof(float));
        // GRU keeps W_hh·h + b_hh apart (its n gate scales that part by r); the others add it in.
        myelin_sgemm(rows, G, H, step.prev_h ? 1.0f : 0.0f, step.prev_h, H, 1, job->weight_hh_t, job->ldw, 1,
                     gru ? 0.0f : 1.0f, gru ? step.states : step.gates, G, job->bias_hh, MYELIN_ACTIVATION_NONE);
        job->cells.forward(&step);
        step.prev_h = step.h;
        step.prev_c = s->cell == MYELIN_CELL_LSTM ? step.states : NULL;
    }
    const size_t bytes = (size_t)(rows * H) * sizeof(float);
    if (job->last_hidden) memcpy(job->last_hidden + b0 * H, step.prev_h, bytes);
    if (job->last_cell && step.prev_c) memcpy(job->last_cell + b0 * H, step.prev_c, bytes);
}

static void backward_slice(void *context, int64_t b0, int64_t b1) {
    const recurrence_job *job = context;
    const myelin_recurrence_shape *s = job->s;
    const int64_t H = s->hidden, G = job->gates_per_row, S = job->states_per_row, rows = b1 - b0;
    const int gru = s->cell == MYELIN_CELL_GRU, lstm = s->cell == MYELIN_CELL_LSTM;
    // This thread's carried dL/dh and dL/dc for its rows, and one row of tanh(c).
    float *dh = myelin_scratch(7, (size_t)(2 * rows * H + H));
    float *dc = dh + rows * H;
    const size_t bytes = (size_t)(rows * H) * sizeof(float);
    if (job->grad_last_hidden) memcpy(dh, job->grad_last_hidden + b0 * H, bytes);
    else memset(dh, 0, bytes);
    if (job->grad_last_cell && lstm) memcpy(dc, job->grad_last_cell + b0 * H, bytes);
    else memset(dc, 0, bytes);
    cell_gradient step = {s->cell, rows, H, NULL, NULL, NULL, NULL, dh, dc, NULL, NULL, job->ldg, dc + rows * H,
                          myelin_vector_kernels_current()};
    for (int64_t k = s->steps - 1; k >= 0; k--) {
        const int64_t row = row_at(s, k, b0), prev_row = k > 0 ? row_at(s, k - 1, b0) : -1;
        if (job->grad_hidden) {
            const float *restrict g = job->grad_hidden + row * H;
            for (int64_t j = 0; j < rows * H; j++) dh[j] += g[j];
        }
        step.gates = job->gates + row * G;
        step.states = offset_or_null(job->states, row * S);
        step.prev_h = prev_row >= 0 ? job->hidden + prev_row * H : offset_or_null(job->h0, b0 * H);
        step.prev_c = !lstm ? NULL : prev_row >= 0 ? job->states + prev_row * H : offset_or_null(job->c0, b0 * H);
        step.grad_gates = job->grad_gates + row * job->ldg;
        step.grad_hidden_gates = gru ? job->grad_hidden_gates + row * job->ldg : NULL;
        job->cells.backward(&step);
        if (k == 0 && !job->grad_h0) break;
        // dL/dh_{t−1} = dL/d(recurrent pre-activations)·W_hh (+ GRU's direct z ⊙ dh, left in dh).
        myelin_sgemm(rows, H, G, 1.0f, gru ? step.grad_hidden_gates : step.grad_gates, job->ldg, 1, job->weight_hh,
                     H, 1, gru ? 1.0f : 0.0f, dh, H, NULL, MYELIN_ACTIVATION_NONE);
    }
    if (job->grad_h0) memcpy(job->grad_h0 + b0 * H, dh, bytes);
    if (job->grad_c0 && lstm) memcpy(job->grad_c0 + b0 * H, dc, bytes);
}

// Batch rows per thread slice: fewer would spend more on the GEMM's fixed costs than they save.
enum { BATCH_GRAIN = 4 };

static recurrence_job make_job(const myelin_recurrence_shape *s, const float *weight_hh, const float *h0,
                               const float *c0) {
    const int64_t G = gate_count(s->cell) * s->hidden;
    return (recurrence_job){.s = s, .cells = kernels(), .gates_per_row = G,
                            .states_per_row = s->cell == MYELIN_CELL_LSTM ? s->hidden : s->cell == MYELIN_CELL_GRU ? G : 0,
                            .weight_hh = weight_hh, .h0 = h0, .c0 = c0};
}

void myelin_recurrence_forward(const myelin_recurrence_shape *s, const float *weight_hh, const float *bias_hh,
                               const float *h0, const float *c0, const float *gate_table, const int64_t *gate_rows,
                               float *gates, float *states, float *hidden, float *last_hidden, float *last_cell) {
    if (s->steps <= 0 || s->batch <= 0 || s->hidden <= 0) return;
    recurrence_job job = make_job(s, weight_hh, h0, c0);
    const int64_t G = job.gates_per_row;
    // W_hhᵀ [H, G], its rows padded off multiples of 4 KiB (they would share L1 sets), for every
    // step's GEMM on every thread to read in place (where the GEMM family can).
    job.ldw = myelin_gemm_row_stride(G);
    float *weight_hh_t = myelin_scratch(6, (size_t)(s->hidden * job.ldw));
    myelin_transpose(G, s->hidden, weight_hh, s->hidden, weight_hh_t, job.ldw);
    job.weight_hh_t = weight_hh_t;
    job.gate_table = gate_table;
    job.gate_rows = gate_rows;
    job.bias_hh = bias_hh;
    job.gates = gates;
    job.states = states;
    job.hidden = hidden;
    job.last_hidden = last_hidden;
    job.last_cell = last_cell;
    myelin_parallel_for(s->batch, BATCH_GRAIN, forward_slice, &job);
}

void myelin_recurrence_backward(const myelin_recurrence_shape *s, const float *weight_hh, const float *h0,
                                const float *c0, const float *gates, const float *states, const float *hidden,
                                const float *grad_hidden, const float *grad_last_hidden,
                                const float *grad_last_cell, float *grad_gates, float *grad_hidden_gates,
                                int64_t ld_grad_gates, float *grad_h0, float *grad_c0) {
    if (s->steps <= 0 || s->batch <= 0 || s->hidden <= 0) return;
    recurrence_job job = make_job(s, weight_hh, h0, c0);
    job.gates = (float *)gates;
    job.states = (float *)states;
    job.hidden = (float *)hidden;
    job.grad_hidden = grad_hidden;
    job.grad_last_hidden = grad_last_hidden;
    job.grad_last_cell = grad_last_cell;
    job.grad_gates = grad_gates;
    job.grad_hidden_gates = grad_hidden_gates;
    job.ldg = ld_grad_gates;
    job.grad_h0 = grad_h0;
    job.grad_c0 = grad_c0;
    myelin_parallel_for(s->batch, BATCH_GRAIN, backward_slice, &job);
}
