import CMyelinKernels
import MyelinTensor
import MyelinTestSupport
import Testing

/// The recurrence spelled step by step with ops that are checked on their own: the definition the
/// fused kernel must match. Also returns the smallest |pre-activation| seen (kinks of the ReLU cell).
private func referenceRecurrence(
    _ x: Tensor, cell: RecurrentCell, weightIH: Tensor, weightHH: Tensor,
    biasIH: Tensor?, biasHH: Tensor?, h0: Tensor?, c0: Tensor?, reverse: Bool
)
    -> (output: Tensor, hidden: Tensor, cell: Tensor?, smallestPreActivation: Float)
{
    let (steps, batch) = (x.shape[0], x.shape[1]), hiddenSize = weightHH.shape[1]
    var h = h0 ?? Tensor.zeros([batch, hiddenSize])
    var c = c0 ?? Tensor.zeros([batch, hiddenSize])
    var outputs = [Tensor?](repeating: nil, count: steps)
    var smallest = Float.infinity
    func gate(_ t: Tensor, _ k: Int) -> Tensor { t.narrowed(axis: 1, start: k * hiddenSize, length: hiddenSize) }
    for k in 0..<steps {
        let t = reverse ? steps - 1 - k : k
        let xt = x.narrowed(axis: 0, start: t, length: 1).reshaped([batch, -1])
        let gi = linear(xt, weight: weightIH, bias: biasIH), gh = linear(h, weight: weightHH, bias: biasHH)
        switch cell {
        case .lstm:
            let g = gi + gh
            c = gate(g, 1).sigmoid() * c + gate(g, 0).sigmoid() * gate(g, 2).tanh()
            h = gate(g, 3).sigmoid() * c.tanh()
        case .gru:
            let r = (gate(gi, 0) + gate(gh, 0)).sigmoid(), z = (gate(gi, 1) + gate(gh, 1)).sigmoid()
            let n = (gate(gi, 2) + r * gate(gh, 2)).tanh()
            h = (1 - z) * n + z * h
        case .rnnTanh:
            h = (gi + gh).tanh()
        case .rnnReLU:
            let pre = gi + gh
            smallest = min(smallest, pre.abs().scalars.min()!)
            h = pre.relu()
        }
        outputs[t] = h
    }
    return (stack(outputs.map { $0! }), h, cell == .lstm ? c : nil, smallest)
}

/// Parameters and inputs of a small layer, drawn from one seed.
private struct Layer {
    let x, weightIH, weightHH, biasIH, biasHH, h0, c0: Tensor

    init(cell: RecurrentCell, steps: Int = 3, batch: Int = 2, inputSize: Int = 3, hiddenSize: Int = 4, seed: UInt64) {
        let g = RandomGenerator(seed: seed), width = cell.gateCount * hiddenSize
        x = uniform([steps, batch, inputSize], g, -1, 1)
        weightIH = uniform([width, inputSize], g, -0.8, 0.8)
        weightHH = uniform([width, hiddenSize], g, -0.8, 0.8)
        biasIH = uniform([width], g, -0.5, 0.5)
        biasHH = uniform([width], g, -0.5, 0.5)
        h0 = uniform([batch, hiddenSize], g, -1, 1)
        c0 = uniform([batch, hiddenSize], g, -1, 1)
    }

    /// Inputs in the order the checks use: x, W_ih, W_hh, b_ih, b_hh, h0, (c0).
    func inputs(_ cell: RecurrentCell) -> [Tensor] {
        [x, weightIH, weightHH, biasIH, biasHH, h0] + (cell.hasCellState ? [c0] : [])
    }
}

/// Whether every pre-activation of a ReLU cell is far enough from 0 for finite differences (always
/// true for the smooth cells): the checks draw seeds until one is.
private func isAwayFromKinks(_ l: Layer, _ cell: RecurrentCell, _ reverse: Bool, biases: Bool = true) -> Bool {
    guard cell == .rnnReLU else { return true }
    return referenceRecurrence(
        l.x, cell: cell, weightIH: l.weightIH, weightHH: l.weightHH,
        biasIH: biases ? l.biasIH : nil, biasHH: biases ? l.biasHH : nil,
        h0: biases ? l.h0 : nil, c0: nil, reverse: reverse
    ).smallestPreActivation > 0.05
}

/// Every result of a recurrence in one vector, so one check covers the outputs and the final state.
private func flattenedResults(_ r: (output: Tensor, hidden: Tensor, cell: Tensor?)) -> Tensor {
    concatenate([r.output.reshaped([-1]), r.hidden.reshaped([-1])] + (r.cell.map { [$0.reshaped([-1])] } ?? []))
}

@Suite struct RecurrenceTests {
    static let cells: [RecurrentCell] = [.rnnTanh, .rnnReLU, .lstm, .gru]

    @Test(arguments: cells, [false, true])
    func matchesStepByStepDefinition(cell: RecurrentCell, reverse: Bool) {
        onEveryKernelPath { _ in
            let l = Layer(cell: cell, steps: 5, batch: 3, seed: 11)
            let fused = recurrence(
                l.x, cell: cell, weightIH: l.weightIH, weightHH: l.weightHH, biasIH: l.biasIH,
                biasHH: l.biasHH, initialHidden: l.h0, initialCell: cell.hasCellState ? l.c0 : nil,
                reverse: reverse)
            let reference = referenceRecurrence(
                l.x, cell: cell, weightIH: l.weightIH, weightHH: l.weightHH,
                biasIH: l.biasIH, biasHH: l.biasHH, h0: l.h0,
                c0: cell.hasCellState ? l.c0 : nil, reverse: reverse)
            expectTensor(fused.output, shape: [5, 3, 4], reference.output.scalars, tolerance: 2e-6)
            expectTensor(fused.hidden, shape: [3, 4], reference.hidden.scalars, tolerance: 2e-6)
            if cell.hasCellState { expectTensor(fused.cell!, shape: [3, 4], reference.cell!.scalars, tolerance: 2e-6) }
            // The final hidden state is the output of the last step processed.
            let last = fused.output.narrowed(axis: 0, start: reverse ? 0 : 4, length: 1).reshaped([3, 4])
            #expect(last.scalars == fused.hidden.scalars)
        }
    }

    @Test(arguments: cells, [false, true])
    func gradientsMatchFiniteDifferences(cell: RecurrentCell, reverse: Bool) throws {
        let l = try #require((5..<200).lazy.map { Layer(cell: cell, seed: $0) }.first { isAwayFromKinks($0, cell, reverse) })
        checkGradients(l.inputs(cell), "\(cell), reverse: \(reverse)") { t in
            flattenedResults(
                recurrence(
                    t[0], cell: cell, weightIH: t[1], weightHH: t[2], biasIH: t[3], biasHH: t[4],
                    initialHidden: t[5], initialCell: cell.hasCellState ? t[6] : nil,
                    reverse: reverse))
        }
    }

    @Test(arguments: cells)
    func gradientsWithoutBiasesOrInitialState(cell: RecurrentCell) throws {
        let l = try #require(
            (8..<200).lazy.map { Layer(cell: cell, steps: 4, seed: $0) }
                .first { isAwayFromKinks($0, cell, false, biases: false) })
        checkGradients([l.x, l.weightIH, l.weightHH], "\(cell)") { t in
            flattenedResults(recurrence(t[0], cell: cell, weightIH: t[1], weightHH: t[2], biasIH: nil, biasHH: nil))
        }
    }

    /// A batch of tokens, repeats included, over a vocabulary of 5 rows of 3 features.
    private static func tokenBatch(_ g: RandomGenerator, steps: Int = 6, batch: Int = 2) -> (tokens: Tensor, embedding: Tensor) {
        (
            Tensor(shape: [steps, batch], integers: (0..<steps * batch).map { _ in g.integer(below: 5) }),
            uniform([5, 3], g, -1, 1)
        )
    }

    @Test(arguments: cells, [false, true])
    func tokensGiveWhatTheirEmbeddingsGive(cell: RecurrentCell, reverse: Bool) {
        expectTokensGiveWhatTheirEmbeddingsGive(cell: cell, reverse: reverse, batch: 2, hiddenSize: 4, tolerance: 1e-5)
    }

    /// 16 sequences of 64 units, in both directions: the batch is split between threads, each
    /// copying its own rows of the token table. The gradients are sums over 96 rows taken in another
    /// order (by table row), hence the looser tolerance.
    @Test(arguments: cells, [false, true])
    func tokensSplitBetweenThreadsGiveWhatTheirEmbeddingsGive(cell: RecurrentCell, reverse: Bool) {
        Threads.withCount(2) {
            expectTokensGiveWhatTheirEmbeddingsGive(
                cell: cell, reverse: reverse, batch: 16, hiddenSize: 64, tolerance: 1e-4)
        }
    }

    private func expectTokensGiveWhatTheirEmbeddingsGive(
        cell: RecurrentCell, reverse: Bool, batch: Int, hiddenSize: Int, tolerance: Float
    ) {
        onEveryKernelPath { _ in
            let g = RandomGenerator(seed: 21)
            let l = Layer(cell: cell, steps: 6, batch: batch, hiddenSize: hiddenSize, seed: 12)
            let (tokens, table) = Self.tokenBatch(g, batch: batch)
            let slotCount = 6 + 1 + (cell.hasCellState ? 1 : 0)
            let upstream = uniform([slotCount * batch * hiddenSize], g, -1, 1)
            // Outputs, then the gradients of [embedding, W_ih, W_hh, b_ih, b_hh, h0, (c0)], both ways.
            func run(_ byTokens: Bool) -> [[Float]] {
                let weights = ([table] + Array(l.inputs(cell).dropFirst())).map { leaf($0.contiguousCopy()) }
                let c0 = cell.hasCellState ? weights[6] : nil
                let r =
                    byTokens
                    ? recurrence(
                        tokens: tokens, embedding: weights[0], cell: cell, weightIH: weights[1], weightHH: weights[2],
                        biasIH: weights[3], biasHH: weights[4], initialHidden: weights[5], initialCell: c0, reverse: reverse)
                    : recurrence(
                        embedding(tokens, weight: weights[0]), cell: cell, weightIH: weights[1], weightHH: weights[2],
                        biasIH: weights[3], biasHH: weights[4], initialHidden: weights[5], initialCell: c0, reverse: reverse)
                let results = flattenedResults(r)
                (results * upstream).sum().backward()
                return [results.scalars] + weights.map { $0.grad!.scalars }
            }
            let (direct, gathered) = (run(true), run(false))
            for (k, name) in ["results", "embedding", "weightIH", "weightHH", "biasIH", "biasHH", "h0", "c0"].prefix(direct.count)
                .enumerated()
            {
                expectClose(direct[k], gathered[k], tolerance: tolerance, "\(name)")
            }
        }
    }

    /// Gate rows a multiple of 4 KiB long (an LSTM of 256 units, a GRU or an RNN of 1,024) have their
    /// gradient rows padded, so that the GEMMs can read them in place. From tokens and from features,
    /// in both directions, with and without an initial state, every gradient must still be the
    /// definition's.
    @Test(arguments: [(RecurrentCell.lstm, 256), (.gru, 1024), (.rnnTanh, 1024), (.rnnReLU, 1024)], [false, true])
    func gradientsWithGateRowsOf4KiBMatchTheDefinition(layer: (cell: RecurrentCell, hiddenSize: Int), reverse: Bool) {
        for initialState in [true, false] {
            expectPaddedGradientsMatchTheDefinition(
                cell: layer.cell, hiddenSize: layer.hiddenSize, steps: 3, batch: 2, reverse: reverse,
                initialState: initialState)
        }
    }

    /// 1,440 rows, the batch split between two threads: enough that W_hh's gradient from features is
    /// taken as (h_{t−1}ᵀ·g)ᵀ, the product that reads the padded rows as its B, and that from tokens
    /// it is split by rows, summing the token table's gradient as it packs the padded rows.
    @Test(arguments: [false, true])
    func manyPaddedGateRowsMatchTheDefinition(reverse: Bool) {
        Threads.withCount(2) {
            for initialState in [true, false] {
                expectPaddedGradientsMatchTheDefinition(
                    cell: .lstm, hiddenSize: 256, steps: 2, batch: 720, reverse: reverse, initialState: initialState)
            }
        }
    }

    private func expectPaddedGradientsMatchTheDefinition(
        cell: RecurrentCell, hiddenSize: Int, steps: Int, batch: Int, reverse: Bool, initialState: Bool
    ) {
        onEveryKernelPath { _ in
            let g = RandomGenerator(seed: 31)
            let (inputSize, width) = (3, cell.gateCount * hiddenSize)
            let tokens = Tensor(shape: [steps, batch], integers: (0..<steps * batch).map { _ in g.integer(below: 5) })
            let scale = 1 / Float(hiddenSize).squareRoot()  // keeps the gates away from saturation
            let parameters =
                [
                    uniform([5, inputSize], g, -1, 1), uniform([width, inputSize], g, -0.8, 0.8),
                    uniform([width, hiddenSize], g, -scale, scale), uniform([width], g, -0.5, 0.5),
                    uniform([width], g, -0.5, 0.5),
                ]
                + (initialState
                    ? [uniform([batch, hiddenSize], g, -1, 1)] + (cell.hasCellState ? [uniform([batch, hiddenSize], g, -1, 1)] : [])
                    : [])
            let upstream = uniform([(steps + 1 + (cell.hasCellState ? 1 : 0)) * batch * hiddenSize], g, -1, 1)
            enum Way { case tokens, features, definition }
            func gradients(_ way: Way) -> [[Float]] {
                let t = parameters.map { leaf($0.contiguousCopy()) }
                let (h0, c0) = (initialState ? t[5] : nil, initialState && cell.hasCellState ? t[6] : nil)
                let results: Tensor
                switch way {
                case .tokens:
                    results = flattenedResults(
                        recurrence(
                            tokens: tokens, embedding: t[0], cell: cell, weightIH: t[1], weightHH: t[2], biasIH: t[3],
                            biasHH: t[4], initialHidden: h0, initialCell: c0, reverse: reverse))
                case .features:
                    results = flattenedResults(
                        recurrence(
                            embedding(tokens, weight: t[0]), cell: cell, weightIH: t[1], weightHH: t[2], biasIH: t[3],
                            biasHH: t[4], initialHidden: h0, initialCell: c0, reverse: reverse))
                case .definition:
                    let r = referenceRecurrence(
                        embedding(tokens, weight: t[0]), cell: cell, weightIH: t[1], weightHH: t[2], biasIH: t[3],
                        biasHH: t[4], h0: h0, c0: c0, reverse: reverse)
                    results = flattenedResults((r.output, r.hidden, r.cell))
                }
                (results * upstream).sum().backward()
                return t.map { $0.grad!.scalars }
            }
            let definition = gradients(.definition)
            let names = ["embedding", "weightIH", "weightHH", "biasIH", "biasHH", "h0", "c0"]
            for way in [Way.tokens, .features] {
                for (k, (got, expected)) in zip(gradients(way), definition).enumerated() {
                    expectClose(
                        got, expected, tolerance: 1e-4,
                        "\(cell), \(steps)×\(batch), reverse: \(reverse), initial state: \(initialState), from \(way): \(names[k])")
                }
            }
        }
    }

    @Test(arguments: [RecurrentCell.rnnTanh, .lstm, .gru])
    func tokenGradientsMatchFiniteDifferences(cell: RecurrentCell) {
        let (tokens, table) = Self.tokenBatch(RandomGenerator(seed: 22), steps: 4)
        let l = Layer(cell: cell, steps: 4, batch: 2, seed: 13)
        checkGradients([table] + Array(l.inputs(cell).dropFirst()), "\(cell)") { t in
            flattenedResults(
                recurrence(
                    tokens: tokens, embedding: t[0], cell: cell, weightIH: t[1], weightHH: t[2], biasIH: t[3], biasHH: t[4],
                    initialHidden: t[5], initialCell: cell.hasCellState ? t[6] : nil))
        }
    }

    /// From a zero state, both directions: W_hh's gradient then skips the first step's rows and
    /// reads the previous states where the outputs are (one step: there are none, and it is zero).
    @Test(arguments: [RecurrentCell.rnnTanh, .lstm, .gru], [false, true])
    func tokenGradientsFromAZeroStateMatchFiniteDifferences(cell: RecurrentCell, reverse: Bool) {
        for steps in [4, 1] {
            let (tokens, table) = Self.tokenBatch(RandomGenerator(seed: 23), steps: steps)
            let l = Layer(cell: cell, steps: steps, batch: 2, seed: 14)
            checkGradients([table, l.weightIH, l.weightHH, l.biasIH, l.biasHH], "\(cell), \(steps) steps, reverse: \(reverse)") {
                t in
                flattenedResults(
                    recurrence(
                        tokens: tokens, embedding: t[0], cell: cell, weightIH: t[1], weightHH: t[2], biasIH: t[3],
                        biasHH: t[4], reverse: reverse))
            }
        }
    }

    @Test func singleStepIsACell() {
        let l = Layer(cell: .lstm, steps: 1, seed: 2)
        checkGradients(l.inputs(.lstm)) { t in
            flattenedResults(
                recurrence(
                    t[0], cell: .lstm, weightIH: t[1], weightHH: t[2], biasIH: t[3], biasHH: t[4],
                    initialHidden: t[5], initialCell: t[6]))
        }
    }

    @Test(arguments: cells)
    func sameBitsOnOneAndTwoThreads(cell: RecurrentCell) {
        // 16 sequences: enough for the batch to be split between threads.
        let l = Layer(cell: cell, steps: 6, batch: 16, inputSize: 5, hiddenSize: 24, seed: 4)
        func run() -> [[Float]] {
            let leaves = l.inputs(cell).map { leaf($0.contiguousCopy()) }
            let r = recurrence(
                leaves[0], cell: cell, weightIH: leaves[1], weightHH: leaves[2], biasIH: leaves[3],
                biasHH: leaves[4], initialHidden: leaves[5], initialCell: cell.hasCellState ? leaves[6] : nil)
            let y = flattenedResults(r)
            y.backward(Tensor.ones(y.shape))
            return [y.scalars] + leaves.map { $0.grad!.scalars }
        }
        let one = Threads.withCount(1) { run() }
        let same = Threads.withCount(2) { run() } == one
        #expect(same, "results differ between 1 and 2 threads")
    }

    /// A thread that runs out of work takes over half of the rows of the one with the most left, at
    /// the end of one of that one's steps. Here the first slice's thread is slowed so that the other
    /// must, twice a pass (32 sequences: 16 rows, then 8): the results are still those of one thread,
    /// to the bit, forward and backward. (Tried until rows were handed over four times: tests running
    /// at once share the pool, and a pass that finds it busy runs on the calling thread alone.)
    @Test(arguments: cells, [false, true])
    func rowsHandedOverMidPassKeepTheirBits(cell: RecurrentCell, reverse: Bool) {
        let l = Layer(cell: cell, steps: 12, batch: 32, inputSize: 5, hiddenSize: 24, seed: 9)
        func run() -> [[Float]] {
            let leaves = l.inputs(cell).map { leaf($0.contiguousCopy()) }
            let r = recurrence(
                leaves[0], cell: cell, weightIH: leaves[1], weightHH: leaves[2], biasIH: leaves[3],
                biasHH: leaves[4], initialHidden: leaves[5], initialCell: cell.hasCellState ? leaves[6] : nil,
                reverse: reverse)
            let y = flattenedResults(r)
            y.backward(Tensor.ones(y.shape))
            return [y.scalars] + leaves.map { $0.grad!.scalars }
        }
        let one = Threads.withCount(1) { run() }
        myelin_recurrence_test_slow_first_slice(200e-6)
        defer { myelin_recurrence_test_slow_first_slice(0) }
        let before = myelin_recurrence_handovers()
        for _ in 0..<100 where myelin_recurrence_handovers() - before < 4 {
            let two = Threads.withCount(2) { run() }
            #expect(two == one, "results differ when rows change threads")
        }
        #expect(myelin_recurrence_handovers() - before >= 4, "rows were handed over too seldom in 100 tries")
    }

    /// From tokens, W_hh's gradient product sums the token table's gradient as it reads the gates'
    /// gradient (RNN, LSTM; split between two threads, 80 or 96 rows of 64 units), the first step's
    /// rows, which it skips from a zero state, on their own before or after it. With W_hh frozen the
    /// table is summed in one pass, a step's row after another. Each table entry must get its rows
    /// in that same order either way, forward and reversed, on one thread and two: the input side's
    /// gradients (the embedding's, W_ih's, the biases') the same to the bit.
    @Test(arguments: [RecurrentCell.rnnTanh, .lstm, .gru], [false, true])
    func tokenTableSumsItsRowsInOrder(cell: RecurrentCell, reverse: Bool) {
        onEveryKernelPath { path in
            for (initialState, threads) in [(false, 2), (true, 2), (false, 1)] {
                let l = Layer(cell: cell, steps: 6, batch: 16, hiddenSize: 64, seed: 15)
                let (tokens, table) = Self.tokenBatch(RandomGenerator(seed: 24), steps: 6, batch: 16)
                func inputSideGradients(trainingWeightHH: Bool) -> [[Float]] {
                    let t = ([table] + Array(l.inputs(cell).dropFirst())).map { leaf($0.contiguousCopy()) }
                    let r = recurrence(
                        tokens: tokens, embedding: t[0], cell: cell, weightIH: t[1],
                        weightHH: trainingWeightHH ? t[2] : l.weightHH, biasIH: t[3], biasHH: t[4],
                        initialHidden: initialState ? t[5] : nil,
                        initialCell: initialState && cell.hasCellState ? t[6] : nil, reverse: reverse)
                    let y = flattenedResults(r)
                    y.backward(Tensor.ones(y.shape))
                    return [t[0], t[1], t[3], t[4]].map { $0.grad!.scalars }
                }
                let (trained, frozen) = Threads.withCount(threads) {
                    (inputSideGradients(trainingWeightHH: true), inputSideGradients(trainingWeightHH: false))
                }
                #expect(
                    trained == frozen,
                    "\(path), \(cell), reverse: \(reverse), initial state: \(initialState), \(threads) thread(s)")
            }
        }
    }

    @Test func longSequencesBackpropagateWithoutOverflow() {
        // 2,000 steps in one recorded op: the tape holds one node, not one per step.
        let l = Layer(cell: .gru, steps: 2_000, batch: 2, seed: 9)
        let x = leaf(l.x.contiguousCopy())
        let r = recurrence(x, cell: .gru, weightIH: l.weightIH, weightHH: l.weightHH, biasIH: l.biasIH, biasHH: l.biasHH)
        r.hidden.sum().backward()
        #expect(x.grad!.shape == [2_000, 2, 3])
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite })
    }

    @Test func onlyTheUsedResultSendsGradient() {
        // A loss on the final cell state alone: the output's slots get no gradient, yet x still does.
        let l = Layer(cell: .lstm, seed: 6)
        checkGradients([l.x, l.weightHH]) { t in
            recurrence(t[0], cell: .lstm, weightIH: l.weightIH, weightHH: t[1], biasIH: l.biasIH, biasHH: l.biasHH).cell!
        }
    }
}
