// Recurrent layers (RNN, LSTM, GRU): the loop over time steps, forward and backward.
//
// The caller has already multiplied every step's input by W_ih in one large GEMM (the gates on
// entry; for tokens, a table of one row per token, whose rows the cell reads as it reaches them).
// What is left is inherently sequential: per step, one small GEMM with W_hh and the cell's gate
// arithmetic. Sequences in a batch never interact, so the batch is split between threads and each
// thread runs the whole recurrence for its rows with no synchronisation between steps (split by
// hidden units, every step would wait for its slowest part: 0.73-0.93 of this in an emulation),
// except that a thread with no rows left takes half of another's over (see Sharing the batch out);
// its GEMMs run on that thread alone (a batch too small to split runs on the caller, whose GEMMs
// may then use the pool). W_hh, the per-step product's B, is packed once per call (W_hhᵀ forward, W_hh
// backward) in the panels the GEMM's kernel reads, one after another: read in place, its rows a page
// or more apart, every step streamed 1 MiB from L3 that the hardware did not fetch ahead (W4's
// 16 × 1,024 × 256 ran 86 → 96 and 16 × 256 × 1,024 98 → 104 GFLOP/s a thread in the step, the
// whole step 1.072× over four alternating pairs on AVX2, the same bits). Backward, the
// gates' gradient is stored row by row, or gate-major (a row per gate) where the caller asks: then
// W_hh's gradient after the pass, gradᵀ·h over every step, reads its A in place instead of packing
// a transpose of 8 MiB (the char-LSTM: that product 157 → 192 GFLOP/s on two AVX2 threads, the
// whole step 1.045×).
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
    const float *table;       // [V, G·H]: the input side by token, or NULL (then gates holds it on entry,
    const int64_t *tokens;    //   added in by the step's product; else gates holds W_hh·h alone and the
    const float *bias;        //   cell adds the token's row, then b_hh, so the sums round as they would)
    float *states;            // LSTM: cell states [rows, H]; GRU: W_hh·h + b_hh [rows, 3H]
    const float *prev_h;      // [rows, H] (NULL: zeros)
    const float *prev_c;      // LSTM: [rows, H] (NULL: zeros)
    float *h;                 // [rows, H]: the new hidden state
    float *scratch;           // H floats
    const myelin_vector_kernels *math; // the path's sigmoid and tanh
} cell_step;

// The input side of a token's row: (x·W_ihᵀ + b_ih + W_hh·h) + b_hh, in the order the step's
// product adds them where gates holds the input side already.
MYELIN_INLINE void add_token_row(const cell_step *s, int64_t r, float *restrict gate, int64_t width) {
    if (!s->table) return;
    const float *restrict x = s->table + s->tokens[r] * width;
    if (s->bias) for (int64_t j = 0; j < width; j++) gate[j] = (x[j] + gate[j]) + s->bias[j];
    else for (int64_t j = 0; j < width; j++) gate[j] = x[j] + gate[j];
}

// LSTM: i, f, o = σ(·), g = tanh(·); c = f ⊙ c' + i ⊙ g; h = o ⊙ tanh(c).
MYELIN_INLINE void lstm_forward_rows(const cell_step *s) {
    const int64_t H = s->hidden;
    for (int64_t r = 0; r < s->rows; r++) {
        float *gate = s->gates + r * 4 * H;
        add_token_row(s, r, gate, 4 * H);
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
        float *gate = s->gates + row * 3 * H;
        const float *restrict hg = s->states + row * 3 * H;
        // The input side: the token's row, or what gates holds (so x and gate may be one array).
        const float *x = s->table ? s->table + s->tokens[row] * 3 * H : gate;
        for (int64_t j = 0; j < 2 * H; j++) gate[j] = x[j] + hg[j];
        s->math->sigmoid(gate, gate, 2 * H);
        for (int64_t j = 0; j < H; j++) gate[2 * H + j] = x[2 * H + j] + gate[j] * hg[2 * H + j];
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
    for (int64_t r = 0; r < s->rows; r++) add_token_row(s, r, x + r * s->hidden, s->hidden);
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

// Batch rows per thread slice: fewer would spend more on the GEMM's fixed costs than they save.
// Also the fewest rows a piece keeps or hands over.
enum { BATCH_GRAIN = 4 };

// MARK: - Sharing the batch out
//
// Each thread starts with an equal slice of the sequences. The two vCPUs of a VM (or a laptop's
// performance and efficiency cores) do not run them equally fast: in the char-LSTM benchmark the
// second slice of a pass took 0.88–1.36 of the first's time (10th and 90th percentiles over 500
// steps), varying from one pass to the next, and the thread done first waited out the rest. So a
// thread that runs out of work asks the thread with the most left to hand over half of its rows;
// at the end of its current step the owner gives it those rows' remaining steps. (parallel_for's
// thieves take a slice's last items at any time; a row here carries its state from step to step,
// so only its owner can let it go, between two steps.) Every row is still computed the same way
// (no sum changes), so the results stay the same bits on any thread count and whichever thread
// runs a row.

enum {
    PIECE_EMPTY,   // a slot not yet (or never) filled
    PIECE_RUNNING, // its owner is carrying its rows forward
    PIECE_ASKED,   // a thread waits for the owner to answer at the end of its current step
    PIECE_DONE,    // no steps left
};
enum {
    MAX_PIECES = 256,
    // A piece hands rows over only while at least this many steps are left: the thief waits up to
    // one step for its answer, which fewer would not pay for.
    HANDOVER_MIN_STEPS = 2,
};

// Rows [b0, b1) of the batch, from the step handled `first`-th (in the order the pass runs) to the last.
typedef struct {
    _Alignas(64) _Atomic int state;
    _Atomic int64_t rows, done; // for a thief's estimate: rows it still carries, steps done so far
    int64_t b0, b1, first;
    int64_t given_b0, given_b1, given_first; // the owner's answer to a thief (given_b0 < 0: no)
} piece;

typedef struct recurrence_job recurrence_job;
struct recurrence_job {
    const myelin_recurrence_shape *s;
    cell_kernels cells;
    void (*run)(recurrence_job *, piece *); // forward_piece or backward_piece
    int64_t gates_per_row;    // G·H
    int64_t states_per_row;   // LSTM: H; GRU: 3H; RNN: 0
    const float *bias_hh, *h0, *c0;
    const float *packed_weight; // W_hh as the per-step product's B (myelin_gemm_pack_b): forward W_hhᵀ, backward W_hh
    const float *gate_table;  // [V, G·H]: the input side by token (NULL: gates holds it already)
    const int64_t *gate_rows; // [rows]: each row's token
    float *gates, *states, *hidden, *last_hidden, *last_cell;
    const float *grad_hidden, *grad_last_hidden, *grad_last_cell;
    float *grad_gates, *grad_hidden_gates, *grad_h0, *grad_c0;
    int64_t ldg;              // row stride of grad_gates and grad_hidden_gates, or with gate_major,
    int gate_major;           //   of their gate-major rows: gate j of row r at j·ldg + r
    float *carried_dh, *carried_dc; // backward: dL/dh and dL/dc carried to the next step, [batch, H] each
    int64_t slices;           // the equal slices the threads start with
    double slow_first_slice;  // tests: seconds the first slice's owner waits after each step
    _Alignas(64) _Atomic(int64_t) handovers;
    _Alignas(64) _Atomic(int64_t) next_slice;
    _Alignas(64) _Atomic(int64_t) piece_count;
    piece pieces[MAX_PIECES];
};

static int64_t gate_count(myelin_cell cell) {
    return cell == MYELIN_CELL_LSTM ? 4 : cell == MYELIN_CELL_GRU ? 3 : 1;
}

// Per thread that starts recurrences: how many handovers they had, and (tests only) how long the
// first slice's owner waits after each step.
static _Thread_local int64_t handovers_here;
static _Thread_local double slow_first_slice_here;

void myelin_recurrence_test_slow_first_slice(double seconds) { slow_first_slice_here = seconds; }

int64_t myelin_recurrence_handovers(void) { return handovers_here; }

// The owner's side, after `done` steps of pc: answers a waiting thief, handing over the upper half
// of its rows from the next step when enough is left for both. Returns the rows it keeps.
static int64_t answer_thief(const recurrence_job *job, piece *pc, int64_t done) {
    if (atomic_load_explicit(&pc->state, memory_order_acquire) != PIECE_ASKED) return pc->b1 - pc->b0;
    const int64_t rows = pc->b1 - pc->b0;
    if (rows >= 2 * BATCH_GRAIN && job->s->steps - done >= HANDOVER_MIN_STEPS) {
        pc->given_b0 = pc->b0 + rows / 2;
        pc->given_b1 = pc->b1;
        pc->given_first = done;
        pc->b1 = pc->given_b0;
        atomic_store_explicit(&pc->rows, pc->b1 - pc->b0, memory_order_relaxed);
    } else {
        pc->given_b0 = -1;
    }
    atomic_store_explicit(&pc->state, PIECE_RUNNING, memory_order_release); // publishes rows [b0, b1)'s steps
    return pc->b1 - pc->b0;
}

// The owner's side after its piece's `done`-th step: its progress, and a waiting thief's answer.
static int64_t step_done(const recurrence_job *job, piece *pc, int64_t done) {
    atomic_store_explicit(&pc->done, done, memory_order_relaxed);
    if (job->slow_first_slice > 0 && pc->b0 == 0 && pc->first == 0) // the first slice's owner, in tests
        for (const double until = myelin_monotonic_seconds() + job->slow_first_slice;
             myelin_monotonic_seconds() < until;)
            myelin_spin_pause(0);
    return answer_thief(job, pc, done);
}

// The owner's side at the end: the piece is done, after refusing a thief that asked too late.
static void piece_done(piece *pc) {
    for (int expected = PIECE_RUNNING;
         !atomic_compare_exchange_strong_explicit(&pc->state, &expected, PIECE_DONE, memory_order_acq_rel,
                                                  memory_order_acquire);
         expected = PIECE_RUNNING) {
        pc->given_b0 = -1;
        atomic_store_explicit(&pc->state, PIECE_RUNNING, memory_order_release);
    }
}

// A slot for a piece, or NULL when all are taken (then no more handovers this pass).
static piece *reserve_piece(recurrence_job *job) {
    const int64_t index = atomic_fetch_add_explicit(&job->piece_count, 1, memory_order_relaxed);
    return index < MAX_PIECES ? &job->pieces[index] : NULL;
}

static void start_piece(piece *pc, int64_t b0, int64_t b1, int64_t first) {
    pc->b0 = b0;
    pc->b1 = b1;
    pc->first = first;
    atomic_store_explicit(&pc->rows, b1 - b0, memory_order_relaxed);
    atomic_store_explicit(&pc->done, first, memory_order_relaxed);
    atomic_store_explicit(&pc->state, PIECE_RUNNING, memory_order_release); // thieves may look now
}

// The piece with the most work left that has enough to share, or NULL.
static piece *richest_piece(recurrence_job *job) {
    int64_t count = atomic_load_explicit(&job->piece_count, memory_order_acquire);
    if (count > MAX_PIECES) count = MAX_PIECES;
    piece *victim = NULL;
    int64_t most = 0;
    for (int64_t i = 0; i < count; i++) {
        piece *pc = &job->pieces[i];
        if (atomic_load_explicit(&pc->state, memory_order_acquire) != PIECE_RUNNING) continue;
        const int64_t rows = atomic_load_explicit(&pc->rows, memory_order_relaxed);
        const int64_t left = job->s->steps - atomic_load_explicit(&pc->done, memory_order_relaxed);
        // One step more than answer_thief asks for: the owner answers after the step it is in.
        if (rows >= 2 * BATCH_GRAIN && left > HANDOVER_MIN_STEPS && rows * left > most) {
            most = rows * left;
            victim = pc;
        }
    }
    return victim;
}

// The thief's side: asks the piece with the most work left for half of its rows and runs them,
// until no piece has enough left to share.
static void steal(recurrence_job *job) {
    piece *mine = NULL;
    for (piece *victim; (mine || (mine = reserve_piece(job))) && (victim = richest_piece(job));) {
        int expected = PIECE_RUNNING;
        if (!atomic_compare_exchange_strong_explicit(&victim->state, &expected, PIECE_ASKED, memory_order_acq_rel,
                                                     memory_order_relaxed))
            continue; // another thief was first, or it just finished: look again
        for (unsigned spins = 0; atomic_load_explicit(&victim->state, memory_order_acquire) == PIECE_ASKED; spins++)
            myelin_spin_pause(spins);
        if (victim->given_b0 < 0) continue;
        start_piece(mine, victim->given_b0, victim->given_b1, victim->given_first);
        atomic_fetch_add_explicit(&job->handovers, 1, memory_order_relaxed);
        job->run(job, mine);
        mine = NULL;
    }
}

// What each thread runs: equal slices while any is left, then halves of what others still carry.
static void run_pieces(void *context) {
    recurrence_job *job = context;
    for (int64_t i; (i = atomic_fetch_add_explicit(&job->next_slice, 1, memory_order_relaxed)) < job->slices;) {
        piece *pc = &job->pieces[i]; // the first slots, reserved for the slices by run_job
        start_piece(pc, job->s->batch * i / job->slices, job->s->batch * (i + 1) / job->slices, 0);
        job->run(job, pc);
    }
    steal(job);
}

static void run_job(recurrence_job *job) {
    int64_t slices = job->s->batch / BATCH_GRAIN;
    const int threads = myelin_threads_here();
    if (slices > threads) slices = threads;
    if (slices < 1) slices = 1;
    job->slices = slices;
    atomic_init(&job->next_slice, 0);
    atomic_init(&job->piece_count, slices);
    atomic_init(&job->handovers, 0);
    job->slow_first_slice = slow_first_slice_here;
    if (slices < 2) run_pieces(job);
    else myelin_pool_run((int)slices - 1, run_pieces, job);
    handovers_here += atomic_load_explicit(&job->handovers, memory_order_relaxed);
}

// MARK: - The recurrence

// The first row of sequence b0 at the step handled k-th (the loop runs backwards in time when reversed).
static int64_t row_at(const myelin_recurrence_shape *s, int64_t k, int64_t b0) {
    return (s->reverse ? s->steps - 1 - k : k) * s->batch + b0;
}

static float *offset_or_null(const float *base, int64_t offset) { return base ? (float *)base + offset : NULL; }

static void forward_piece(recurrence_job *job, piece *pc) {
    const myelin_recurrence_shape *s = job->s;
    const int64_t H = s->hidden, G = job->gates_per_row, S = job->states_per_row, b0 = pc->b0;
    const int gru = s->cell == MYELIN_CELL_GRU, lstm = s->cell == MYELIN_CELL_LSTM;
    int64_t rows = pc->b1 - b0;
    cell_step step = {s->cell, rows, H, NULL, job->gate_table, NULL, gru ? NULL : job->bias_hh, NULL,
                      offset_or_null(job->h0, b0 * H), offset_or_null(job->c0, b0 * H), NULL,
                      myelin_scratch(7, (size_t)H), myelin_vector_kernels_current()};
    if (pc->first > 0) { // handed over: the state the owner's last step left
        const int64_t row = row_at(s, pc->first - 1, b0);
        step.prev_h = job->hidden + row * H;
        step.prev_c = lstm ? job->states + row * S : NULL;
    }
    for (int64_t k = pc->first; k < s->steps; k++) {
        const int64_t row = row_at(s, k, b0);
        step.rows = rows;
        step.gates = job->gates + row * G;
        step.states = offset_or_null(job->states, row * S);
        step.h = job->hidden + row * H;
        step.tokens = job->gate_rows ? job->gate_rows + row : NULL;
        // GRU keeps W_hh·h + b_hh apart (its n gate scales that part by r); the others add it in,
        // onto the input side in gates, or, from a token table, into gates alone, for the cell to
        // add the token's row to (no copy of the row into gates first: 8 MiB a step in W4).
        const int added = !gru && !job->gate_table;
        myelin_sgemm_packed_b(rows, G, H, step.prev_h ? 1.0f : 0.0f, step.prev_h, H, 1, job->packed_weight,
                              added ? 1.0f : 0.0f, gru ? step.states : step.gates, G, gru || added ? job->bias_hh : NULL,
                              MYELIN_ACTIVATION_NONE);
        job->cells.forward(&step);
        step.prev_h = step.h;
        step.prev_c = lstm ? step.states : NULL;
        rows = step_done(job, pc, k + 1);
    }
    piece_done(pc);
    const size_t bytes = (size_t)(rows * H) * sizeof(float);
    if (job->last_hidden) memcpy(job->last_hidden + b0 * H, step.prev_h, bytes);
    if (job->last_cell && step.prev_c) memcpy(job->last_cell + b0 * H, step.prev_c, bytes);
}

static void backward_piece(recurrence_job *job, piece *pc) {
    const myelin_recurrence_shape *s = job->s;
    const int64_t H = s->hidden, G = job->gates_per_row, S = job->states_per_row, b0 = pc->b0;
    const int gru = s->cell == MYELIN_CELL_GRU, lstm = s->cell == MYELIN_CELL_LSTM;
    int64_t rows = pc->b1 - b0;
    // The carried dL/dh and dL/dc of these rows (the job's, so that a piece handed over finds them).
    float *dh = job->carried_dh + b0 * H, *dc = job->carried_dc + b0 * H;
    if (pc->first == 0) {
        const size_t bytes = (size_t)(rows * H) * sizeof(float);
        if (job->grad_last_hidden) memcpy(dh, job->grad_last_hidden + b0 * H, bytes);
        else memset(dh, 0, bytes);
        if (job->grad_last_cell && lstm) memcpy(dc, job->grad_last_cell + b0 * H, bytes);
        else memset(dc, 0, bytes);
    }
    // This thread's carry (H floats), and where the gradients are stored gate-major, the step's
    // gradient rows, row-major for the step's product to read in place, then stored gate-major.
    const int64_t carry = (H + 15) & ~(int64_t)15, ld_rows = job->gate_major ? myelin_gemm_row_stride(G) : job->ldg;
    float *scratch = myelin_scratch(7, (size_t)(carry + (job->gate_major ? (gru ? 2 : 1) * rows * ld_rows : 0)));
    float *gate_rows = job->gate_major ? scratch + carry : NULL;
    float *hidden_gate_rows = gate_rows && gru ? gate_rows + rows * ld_rows : NULL;
    cell_gradient step = {s->cell, rows, H, NULL, NULL, NULL, NULL, dh, dc, gate_rows, hidden_gate_rows, ld_rows,
                          scratch, myelin_vector_kernels_current()};
    // The pass runs backwards in time: the piece's n-th step is step steps − 1 − n.
    for (int64_t n = pc->first; n < s->steps; n++) {
        const int64_t k = s->steps - 1 - n;
        const int64_t row = row_at(s, k, b0), prev_row = k > 0 ? row_at(s, k - 1, b0) : -1;
        if (job->grad_hidden) {
            const float *restrict g = job->grad_hidden + row * H;
            for (int64_t j = 0; j < rows * H; j++) dh[j] += g[j];
        }
        step.rows = rows;
        step.gates = job->gates + row * G;
        step.states = offset_or_null(job->states, row * S);
        step.prev_h = prev_row >= 0 ? job->hidden + prev_row * H : offset_or_null(job->h0, b0 * H);
        step.prev_c = !lstm ? NULL : prev_row >= 0 ? job->states + prev_row * H : offset_or_null(job->c0, b0 * H);
        if (!job->gate_major) { // the step's rows in place
            step.grad_gates = job->grad_gates + row * job->ldg;
            step.grad_hidden_gates = gru ? job->grad_hidden_gates + row * job->ldg : NULL;
        }
        job->cells.backward(&step);
        if (job->gate_major) {
            step.math->transpose_streaming(rows, G, gate_rows, ld_rows, job->grad_gates + row, job->ldg);
            if (gru)
                step.math->transpose_streaming(rows, G, hidden_gate_rows, ld_rows, job->grad_hidden_gates + row,
                                               job->ldg);
        }
        if (k == 0 && !job->grad_h0) break;
        // dL/dh_{t−1} = dL/d(recurrent pre-activations)·W_hh (+ GRU's direct z ⊙ dh, left in dh).
        myelin_sgemm_packed_b(rows, H, G, 1.0f, gru ? step.grad_hidden_gates : step.grad_gates, ld_rows, 1,
                              job->packed_weight, gru ? 1.0f : 0.0f, dh, H, NULL, MYELIN_ACTIVATION_NONE);
        rows = step_done(job, pc, n + 1);
    }
    piece_done(pc);
    const size_t bytes = (size_t)(rows * H) * sizeof(float);
    if (job->grad_h0) memcpy(job->grad_h0 + b0 * H, dh, bytes);
    if (job->grad_c0 && lstm) memcpy(job->grad_c0 + b0 * H, dc, bytes);
}

static recurrence_job *make_job(const myelin_recurrence_shape *s, const float *h0, const float *c0) {
    // The job's pieces (32 KiB) are too many for the stack of a thread with a small one: the job
    // lives in the caller's scratch slot 18, which nothing a piece runs uses.
    recurrence_job *job =
        (recurrence_job *)myelin_scratch(18, (sizeof(recurrence_job) + sizeof(float) - 1) / sizeof(float));
    const int64_t G = gate_count(s->cell) * s->hidden;
    memset(job, 0, sizeof *job);
    job->s = s;
    job->cells = kernels();
    job->gates_per_row = G;
    job->states_per_row = s->cell == MYELIN_CELL_LSTM ? s->hidden : s->cell == MYELIN_CELL_GRU ? G : 0;
    job->h0 = h0;
    job->c0 = c0;
    return job;
}

void myelin_recurrence_forward(const myelin_recurrence_shape *s, const float *weight_hh, const float *bias_hh,
                               const float *h0, const float *c0, const float *gate_table, const int64_t *gate_rows,
                               float *gates, float *states, float *hidden, float *last_hidden, float *last_cell) {
    if (s->steps <= 0 || s->batch <= 0 || s->hidden <= 0) return;
    recurrence_job *job = make_job(s, h0, c0);
    const int64_t G = job->gates_per_row;
    // W_hhᵀ [H, G], packed for every step's product on every thread.
    float *packed_weight = myelin_scratch(6, (size_t)myelin_gemm_packed_b_floats(s->hidden, G));
    myelin_gemm_pack_b(s->hidden, G, weight_hh, 1, s->hidden, packed_weight);
    job->run = forward_piece;
    job->packed_weight = packed_weight;
    job->gate_table = gate_table;
    job->gate_rows = gate_rows;
    job->bias_hh = bias_hh;
    job->gates = gates;
    job->states = states;
    job->hidden = hidden;
    job->last_hidden = last_hidden;
    job->last_cell = last_cell;
    run_job(job);
}

void myelin_recurrence_backward(const myelin_recurrence_shape *s, const float *weight_hh, const float *h0,
                                const float *c0, const float *gates, const float *states, const float *hidden,
                                const float *grad_hidden, const float *grad_last_hidden,
                                const float *grad_last_cell, float *grad_gates, float *grad_hidden_gates,
                                int64_t ld_grad_gates, int gate_major, float *grad_h0, float *grad_c0) {
    if (s->steps <= 0 || s->batch <= 0 || s->hidden <= 0) return;
    recurrence_job *job = make_job(s, h0, c0);
    job->run = backward_piece;
    job->gates = (float *)gates;
    job->states = (float *)states;
    job->hidden = (float *)hidden;
    job->grad_hidden = grad_hidden;
    job->grad_last_hidden = grad_last_hidden;
    job->grad_last_cell = grad_last_cell;
    job->grad_gates = grad_gates;
    job->grad_hidden_gates = grad_hidden_gates;
    job->ldg = ld_grad_gates;
    job->gate_major = gate_major;
    job->grad_h0 = grad_h0;
    job->grad_c0 = grad_c0;
    // The carries, then W_hh [G, H] packed for every step's product (on a line of its own).
    const int64_t G = job->gates_per_row, carries = (2 * s->batch * s->hidden + 15) & ~(int64_t)15;
    job->carried_dh = myelin_scratch(6, (size_t)(carries + myelin_gemm_packed_b_floats(G, s->hidden)));
    job->carried_dc = job->carried_dh + s->batch * s->hidden;
    float *packed_weight = job->carried_dh + carries;
    myelin_gemm_pack_b(G, s->hidden, weight_hh, s->hidden, 1, packed_weight);
    job->packed_weight = packed_weight;
    run_job(job);
}
