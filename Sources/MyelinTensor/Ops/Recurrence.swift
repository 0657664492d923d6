import CMyelinKernels

/// The cell of a recurrent layer: how the gates of one step combine the input and the previous state.
public enum RecurrentCell: Sendable, Equatable {
    /// Elman RNN: h = tanh(W_ih·x + b_ih + W_hh·h' + b_hh).
    case rnnTanh
    /// Elman RNN with ReLU in place of tanh.
    case rnnReLU
    /// LSTM, gates in PyTorch's order i, f, g, o; it carries a cell state c beside h.
    case lstm
    /// GRU, gates r, z, n as PyTorch: n = tanh(W_in·x + b_in + r ⊙ (W_hn·h' + b_hn)).
    case gru

    /// Gates per hidden unit: the rows of W_ih and W_hh are gateCount × hiddenSize.
    public var gateCount: Int {
        switch self {
        case .rnnTanh, .rnnReLU: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// Whether the cell carries a cell state beside the hidden state.
    public var hasCellState: Bool { self == .lstm }

    var kernelValue: myelin_cell {
        switch self {
        case .rnnTanh: return MYELIN_CELL_RNN_TANH
        case .rnnReLU: return MYELIN_CELL_RNN_RELU
        case .lstm: return MYELIN_CELL_LSTM
        case .gru: return MYELIN_CELL_GRU
        }
    }
}

/// One recurrent layer in one direction over a whole sequence, recorded as one operation.
///
/// All time steps' input products are one GEMM; each step then runs one GEMM with W_hh and the
/// cell's fused gate kernel (in C, sequences split over threads). The backward pass runs the steps
/// in reverse and forms the weight gradients as one GEMM each.
///
/// Shapes: input [T, B, inputSize], weightIH [G·H, inputSize], weightHH [G·H, H], biases [G·H],
/// initialHidden and initialCell [B, H] (nil: zeros; initialCell for LSTM only) → output [T, B, H]
/// (every step's h, in time order also when `reverse`), hidden [B, H] and, for LSTM, cell [B, H]:
/// the state after the last step processed.
public func recurrence(
    _ input: Tensor, cell: RecurrentCell, weightIH: Tensor, weightHH: Tensor,
    biasIH: Tensor?, biasHH: Tensor?, initialHidden: Tensor? = nil, initialCell: Tensor? = nil,
    reverse: Bool = false
) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
    precondition(
        input.rank == 3 && input.dtype == .float32,
        "recurrence: input must be float32 [steps, batch, features], got \(input.dtype) of shape \(input.shape)")
    let (steps, batch, inputSize) = (input.shape[0], input.shape[1], input.shape[2])
    checkRecurrenceOperands(
        "input shape \(input.shape)", steps: steps, batch: batch, inputSize: inputSize, cell: cell, weightIH: weightIH,
        weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, initialHidden: initialHidden, initialCell: initialCell)
    return recurrence(
        .features(input), steps: steps, batch: batch, cell: cell, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH,
        biasHH: biasHH, initialHidden: initialHidden, initialCell: initialCell, reverse: reverse)
}

/// The shape checks every recurrence makes of its weights and states; `input` describes the input
/// for the messages.
private func checkRecurrenceOperands(
    _ input: String, steps: Int, batch: Int, inputSize: Int, cell: RecurrentCell, weightIH: Tensor, weightHH: Tensor,
    biasIH: Tensor?, biasHH: Tensor?, initialHidden: Tensor?, initialCell: Tensor?
) {
    precondition(
        weightHH.rank == 2 && weightHH.shape[1] > 0 && weightHH.shape[0] == cell.gateCount * weightHH.shape[1],
        "recurrence: weightHH must be [\(cell.gateCount)·hidden, hidden] for \(cell), got shape \(weightHH.shape)")
    let hiddenSize = weightHH.shape[1], width = weightHH.shape[0]
    precondition(
        weightIH.shape == [width, inputSize],
        "recurrence: weightIH shape \(weightIH.shape) does not match \(input) and weightHH shape \(weightHH.shape)")
    for (name, bias) in [("biasIH", biasIH), ("biasHH", biasHH)] {
        if let bias {
            precondition(bias.shape == [width], "recurrence: \(name) shape \(bias.shape) does not match weightHH shape \(weightHH.shape)")
        }
    }
    for (name, state) in [("initialHidden", initialHidden), ("initialCell", initialCell)] {
        if let state {
            precondition(
                state.shape == [batch, hiddenSize],
                "recurrence: \(name) shape \(state.shape) does not match [batch, hidden] = [\(batch), \(hiddenSize)] (\(input))"
            )
        }
    }
    precondition(initialCell == nil || cell.hasCellState, "recurrence: \(cell) has no cell state, but initialCell was given")
    precondition(steps > 0 && batch > 0, "recurrence: \(input) has no steps or no sequences")
}

/// `recurrence` of an embedding lookup: step t of sequence b reads row `tokens[t, b]` of `embedding`.
///
/// The input side of every step is a row of the table E·W_ihᵀ + b_ih, made once: V rows instead of
/// T·B, and in the backward pass the gates' gradient is summed into the table's rows before the
/// products with W_ih and E. Where the vocabulary V is smaller than the batch's T·B tokens (a
/// character model's 76 against 32 × 64) that saves the largest products of the input side; the
/// results are those of `recurrence(embedding(tokens, weight: embedding), …)` up to rounding.
///
/// Shapes: tokens [T, B] (int32 or int64), embedding [V, inputSize]; the rest as `recurrence`.
public func recurrence(
    tokens: Tensor, embedding: Tensor, cell: RecurrentCell, weightIH: Tensor, weightHH: Tensor,
    biasIH: Tensor?, biasHH: Tensor?, initialHidden: Tensor? = nil, initialCell: Tensor? = nil,
    reverse: Bool = false
) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
    precondition(
        tokens.rank == 2 && (tokens.dtype == .int64 || tokens.dtype == .int32),
        "recurrence: tokens must be int64 or int32 [steps, batch], got \(tokens.dtype) of shape \(tokens.shape)")
    precondition(
        embedding.rank == 2 && embedding.dtype == .float32,
        "recurrence: embedding must be a float32 matrix [V, inputSize], got \(embedding.dtype) of shape \(embedding.shape)")
    let (steps, batch) = (tokens.shape[0], tokens.shape[1])
    checkRecurrenceOperands(
        "tokens shape \(tokens.shape) and embedding shape \(embedding.shape)", steps: steps, batch: batch,
        inputSize: embedding.shape[1], cell: cell, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
        initialHidden: initialHidden, initialCell: initialCell)
    let ids = embeddingRows(tokens, weightShape: embedding.shape, for: "recurrence", table: "an embedding")
    return recurrence(
        .tokens(ids, embedding: embedding), steps: steps, batch: batch, cell: cell, weightIH: weightIH,
        weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, initialHidden: initialHidden, initialCell: initialCell,
        reverse: reverse)
}

/// What feeds a recurrence's gates on the input side.
private enum RecurrenceInput {
    /// x [T, B, inputSize]: gates = x·W_ihᵀ + b_ih.
    case features(Tensor)
    /// Row r of every step's input is embedding[ids[r]]: gates = (E·W_ihᵀ + b_ih)[ids[r]].
    case tokens([Int], embedding: Tensor)
}

private func recurrence(
    _ source: RecurrenceInput, steps: Int, batch: Int, cell: RecurrentCell, weightIH: Tensor, weightHH: Tensor,
    biasIH: Tensor?, biasHH: Tensor?, initialHidden: Tensor?, initialCell: Tensor?, reverse: Bool
) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
    let hiddenSize = weightHH.shape[1], width = weightHH.shape[0], inputSize = weightIH.shape[1]
    let rows = steps * batch
    let dense = { (t: Tensor?) in t.map { ($0.isContiguous ? $0 : $0.contiguousCopy()).detached() } }
    let (wHH, bHH, h0, c0) = (dense(weightHH)!, dense(biasHH), dense(initialHidden), dense(initialCell))
    let wIHt = weightIH.detached().T
    // The input side of every step at once: gates = x·W_ihᵀ + b_ih, or rows of that table for tokens.
    let gates = Tensor(empty: [rows, width])
    let x: Tensor, input: Tensor, table: Tensor?, tokenRows: [Int]
    switch source {
    case .features(let features):
        input = features
        x = features.reshaped([rows, inputSize]).detached()
        gemm(x, wIHt, aOffset: x.offset, bOffset: wIHt.offset, into: gates.storage.floats, bias: dense(biasIH))
        (table, tokenRows) = (nil, [])
    case .tokens(let ids, let embedding):
        // The kernel copies each step's rows of the table into the gates as it reaches them.
        input = embedding
        x = dense(embedding)!
        let tokenTable = Tensor(empty: [x.shape[0], width])
        gemm(x, wIHt, aOffset: x.offset, bOffset: wIHt.offset, into: tokenTable.storage.floats, bias: dense(biasIH))
        (table, tokenRows) = (tokenTable, ids)
    }
    // One result holds every step's h, then the final h (and c): the three results are views of it,
    // so one recorded operation serves all of them.
    let slots = steps + (cell.hasCellState ? 2 : 1)
    let packed = Tensor(empty: [slots, batch, hiddenSize])
    let states: Tensor? =
        switch cell {
        case .lstm: Tensor(empty: [rows, hiddenSize])
        case .gru: Tensor(empty: [rows, width])
        case .rnnTanh, .rnnReLU: nil
        }
    let stateSize = batch * hiddenSize
    var shape = myelin_recurrence_shape(
        cell: cell.kernelValue, steps: Int64(steps), batch: Int64(batch),
        hidden: Int64(hiddenSize), reverse: reverse ? 1 : 0)
    let packedValues = packed.detached()  // the backward pass reads h; capturing `packed` would be a cycle
    let hidden = packed.storage.floats
    withInt64Indices(tokenRows[...]) { tokenRows in
        myelin_recurrence_forward(
            &shape, wHH.floatPointer, bHH?.floatPointer, h0?.floatPointer, c0?.floatPointer, table?.floatPointer,
            table == nil ? nil : tokenRows, gates.storage.floats, states?.storage.floats, hidden,
            hidden + rows * hiddenSize, cell.hasCellState ? hidden + (rows * hiddenSize + stateSize) : nil)
    }

    let inputs = [input, weightIH, weightHH, biasIH, biasHH, initialHidden, initialCell]
    let result = differentiable("recurrence(\(cell))", inputs, result: packed) { g in
        let gd = g.contiguous()
        // The gates' gradients, rows padded off multiples of 4 KiB so that the GEMMs can read them in
        // place. From tokens (RNN, LSTM), gate-major, a row per gate, seen as [rows, width]: W_hh's
        // gradient reads each gate's row in place as its A, summing the token table on the way, and
        // nothing else reads them. Otherwise row by row, for the input side's products and sums
        // (gate-major, they packed a transpose and summed across rows: seq2seq's training 0.93×).
        // GRU's two gradients gate-major, the table summed from one in a pass of its own, trained
        // `MyelinBench chargru` at 0.87, 1.01, 0.95 and 0.97 of this.
        let gateMajor: Bool
        if case .tokens = source { gateMajor = cell != .gru } else { gateMajor = false }
        // `count` rows of `length` floats, their stride padded as the GEMMs need.
        func paddedRows(_ count: Int, of length: Int, zeroed: Bool = false) -> Tensor {
            let stride = Int(myelin_gemm_row_stride(Int64(length)))
            let buffer = zeroed ? Tensor.zeros([count, stride]) : Tensor(empty: [count, stride])
            return stride == length ? buffer : buffer.narrowed(axis: 1, start: 0, length: length)
        }
        func gradientBuffer() -> Tensor {
            gateMajor ? paddedRows(width, of: rows).transposed() : paddedRows(rows, of: width)
        }
        let gradGates = gradientBuffer()
        let gradHiddenGates = cell == .gru ? gradientBuffer() : nil
        let gradH0 = initialHidden?.requiresGrad == true ? Tensor(empty: [batch, hiddenSize]) : nil
        let gradC0 = initialCell?.requiresGrad == true ? Tensor(empty: [batch, hiddenSize]) : nil
        let gp = gd.floatPointer
        myelin_recurrence_backward(
            &shape, wHH.floatPointer, h0?.floatPointer, c0?.floatPointer, gates.storage.floats,
            states?.storage.floats, hidden, gp, gp + rows * hiddenSize,
            cell.hasCellState ? gp + (rows * hiddenSize + stateSize) : nil, gradGates.storage.floats,
            gradHiddenGates?.storage.floats, Int64(gateMajor ? gradGates.strides[1] : gradGates.strides[0]),
            gateMajor ? 1 : 0, gradH0?.storage.floats, gradC0?.storage.floats)
        // RNN and LSTM feed the same pre-activation gradient to both sides; GRU has its own recurrent side.
        let recurrentGates = gradHiddenGates ?? gradGates
        var (gradInput, gradWeightIH): (Tensor?, Tensor?) = (nil, nil)
        let gradWeightHH: Tensor?
        // Rows whose sum is the input side's bias gradient: the table's rows, where there is one,
        // are fewer than the gates' and have the same sum.
        var inputSideRows = gradGates
        switch source {
        case .features:
            (gradWeightIH, gradWeightHH) = weightGradients(
                gradGates, recurrentGates, input: x, hidden: packedValues, initialHidden: h0, batch: batch,
                reverse: reverse, needed: (weightIH.requiresGrad, weightHH.requiresGrad))
            if input.requiresGrad { gradInput = matmul(gradGates, weightIH.detached()).reshaped(input.shape) }
        case .tokens(let ids, _):
            // The gates' gradient summed into the table's rows (with W_hh's gradient, where that
            // reads the same rows), then through the table's product. Its rows padded: 1,024 gates
            // 4 KiB apart would put every row in the same L1 sets.
            let gradTable = paddedRows(x.shape[0], of: width, zeroed: true)
            gradWeightHH =
                weightGradients(
                    gradGates, recurrentGates, input: x, hidden: packedValues, initialHidden: h0, batch: batch,
                    reverse: reverse, needed: (false, weightHH.requiresGrad), tokenTable: (ids, gradTable)
                ).hh
            if weightIH.requiresGrad { gradWeightIH = transposedProduct(gradTable, x) }
            if input.requiresGrad { gradInput = matmul(gradTable, weightIH.detached()) }
            inputSideRows = gradTable
        }
        let gradBiasIH =
            biasIH?.requiresGrad == true || (recurrentGates === gradGates && biasHH?.requiresGrad == true)
            ? inputSideRows.sum(axis: 0) : nil
        let gradBiasHH =
            biasHH?.requiresGrad != true
            ? nil
            : recurrentGates === gradGates ? gradBiasIH : recurrentGates.sum(axis: 0)
        return [
            gradInput, gradWeightIH, gradWeightHH, biasIH?.requiresGrad == true ? gradBiasIH : nil, gradBiasHH, gradH0,
            gradC0,
        ]
    }
    let finalState = { (slot: Int) in result.narrowed(axis: 0, start: slot, length: 1).reshaped([batch, hiddenSize]) }
    return (
        result.narrowed(axis: 0, start: 0, length: steps), finalState(steps),
        cell.hasCellState ? finalState(steps + 1) : nil
    )
}

/// dW_ih = Σ gᵀ·x over every row and dW_hh = Σ g_hᵀ·h_{t−1}, where h_{t−1} is the state the row's
/// step read (the initial state, or zeros, for the first step processed). When both sides share
/// one gradient (RNN, LSTM) both come from one GEMM over [x | h_{t−1}], so the large gradient
/// matrix is read once and the product is wide enough to run near peak. With a token table (the
/// input side is a table's rows), g's rows are summed into `tokenTable.sums` by token, in the order
/// of the rows: by dW_hh's GEMM as it packs them where it reads the same rows (RNN, LSTM), which
/// saves a pass over g (the char-LSTM's 8 MiB).
private func weightGradients(
    _ g: Tensor, _ gHidden: Tensor, input x: Tensor, hidden: Tensor, initialHidden: Tensor?,
    batch: Int, reverse: Bool, needed: (ih: Bool, hh: Bool), tokenTable: (ids: [Int], sums: Tensor)? = nil
) -> (ih: Tensor?, hh: Tensor?) {
    let rows = g.shape[0], inputSize = x.shape[1], hiddenSize = hidden.shape[2]
    let shared = g === gHidden && needed.ih && needed.hh
    precondition(tokenTable == nil || !needed.ih, "recurrence: a token table's input side has no W_ih gradient here")
    // The table summed by W_hh's gradient product, where that reads g's own rows.
    let tableSummedByProduct = g === gHidden && needed.hh && !shared ? tokenTable : nil
    // g's rows in `range` summed into the table on their own (g row-major, or gate-major as the
    // recurrence's kernel stores it).
    func sumRows(_ range: Range<Int>) {
        guard let table = tokenTable, !range.isEmpty else { return }
        let first = g.floatPointer + range.lowerBound * g.strides[0]
        if g.strides[1] == 1 {
            scatterAddRows(
                table.ids[range], of: first, rowStride: g.strides[0], width: g.shape[1],
                into: table.sums.floatPointer, sumsRowStride: table.sums.strides[0])
            return
        }
        precondition(g.strides[0] == 1, "recurrence: a gates' gradient with strides \(g.strides) is neither row- nor gate-major")
        withInt64Indices(table.ids[range]) { ids in
            myelin_scatter_add_columns(
                ids, Int64(range.count), first, Int64(g.strides[1]), Int64(g.shape[1]), table.sums.floatPointer,
                Int64(table.sums.strides[0]))
        }
    }
    // gᵀ·previous over g_h's rows in `range`, summing them into the table as it goes where it can.
    func product(_ range: Range<Int>, _ previous: Tensor) -> Tensor {
        let gRows = gHidden.narrowed(axis: 0, start: range.lowerBound, length: range.count)
        guard let table = tableSummedByProduct else { return transposedProduct(gRows, previous) }
        return transposedProduct(gRows, previous, addingRowsTo: table.sums, groups: table.ids[range])
    }
    if tableSummedByProduct == nil { sumRows(0..<rows) }
    guard needed.hh else { return (needed.ih ? transposedProduct(g, x) : nil, nil) }
    // Forward, the rows of step t (from `batch` on) read step t − 1's output; reversed, step t + 1's.
    let later = rows - batch
    let laterRange = reverse ? 0..<later : batch..<rows
    let theirPrevious = hidden.reshaped([-1, hiddenSize]).narrowed(axis: 0, start: reverse ? batch : 0, length: later)
    if !shared && initialHidden == nil {
        // The first step processed read zeros, so its rows add nothing; the others' previous states
        // are read where they are. Its rows go into the table on their own, before or after the
        // others as they lie in g.
        let firstRange = reverse ? later..<rows : 0..<batch
        if tableSummedByProduct != nil && !reverse { sumRows(firstRange) }
        let hh = later == 0 ? Tensor.zeros([gHidden.shape[1], hiddenSize]) : product(laterRange, theirPrevious)
        if tableSummedByProduct != nil && reverse { sumRows(firstRange) }
        return (needed.ih ? transposedProduct(g, x) : nil, hh)
    }
    let operand = Tensor(empty: [rows, (shared ? inputSize : 0) + hiddenSize])
    if shared { operand.narrowed(axis: 1, start: 0, length: inputSize).assign(x) }
    let previous = operand.narrowed(axis: 1, start: shared ? inputSize : 0, length: hiddenSize)
    if later > 0 { previous.narrowed(axis: 0, start: laterRange.lowerBound, length: later).assign(theirPrevious) }
    previous.narrowed(axis: 0, start: reverse ? rows - batch : 0, length: batch)
        .assign(initialHidden ?? Tensor(scalar: 0))
    guard shared else { return (needed.ih ? transposedProduct(g, x) : nil, product(0..<rows, operand)) }
    let both = transposedProduct(g, operand)
    return (both.narrowed(axis: 1, start: 0, length: inputSize), both.narrowed(axis: 1, start: inputSize, length: hiddenSize))
}
