import Foundation
import MyelinNN
import MyelinTestSupport
import Testing

/// One case of Fixtures/recurrent.json, made by Tools/make_recurrent_fixtures.py with PyTorch.
// The names are the fixture's JSON keys, written by PyTorch-side Python (a key strategy would rename state-dict names too).
// swift-format-ignore: AlwaysUseLowerCamelCase
private struct TorchCase: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]
        var tensor: Tensor { Tensor(shape: shape, scalars: values) }
    }
    let name, kind: String
    let input_size, hidden_size, num_layers: Int
    let bidirectional, batch_first: Bool
    let nonlinearity: String?
    let state_dict: [String: Values]
    let input, output, h_n, grad_input: Values
    let h0, c0, c_n: Values?
    let grads: [String: Values]

    func makeLayer() -> RecurrentLayer {
        switch kind {
        case "LSTM":
            return LSTM(
                inputSize: input_size, hiddenSize: hidden_size, layers: num_layers, batchFirst: batch_first,
                bidirectional: bidirectional)
        case "GRU":
            return GRU(
                inputSize: input_size, hiddenSize: hidden_size, layers: num_layers, batchFirst: batch_first,
                bidirectional: bidirectional)
        default:
            return RNN(
                inputSize: input_size, hiddenSize: hidden_size, layers: num_layers,
                nonlinearity: nonlinearity == "relu" ? .relu : .tanh, batchFirst: batch_first,
                bidirectional: bidirectional)
        }
    }

    static func all() throws -> [TorchCase] {
        struct File: Decodable { let cases: [TorchCase] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/recurrent.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }
}

@Suite struct RecurrentLayerTests {
    @Test(arguments: KernelPath.supported)
    func matchesPyTorchOutputsStatesAndGradients(path: KernelPath) throws {
        try KernelPath.withPath(path) {
            for c in try TorchCase.all() {
                let layer = c.makeLayer()
                try layer.loadStateDict(c.state_dict.mapValues(\.tensor))
                let x = leaf(c.input.tensor)
                let state = c.h0.map { RecurrentState(hidden: $0.tensor, cell: c.c0?.tensor) }
                let (output, final) = layer(x, state: state)
                #expect(output.shape == c.output.shape, "\(c.name)")
                #expect(close(output.scalars, c.output.values, 1e-5), "\(c.name): output")
                #expect(close(final.hidden.scalars, c.h_n.values, 1e-5), "\(c.name): h_n")
                if let cn = c.c_n { #expect(close(final.cell!.scalars, cn.values, 1e-5), "\(c.name): c_n") }
                // L = Σ sin(k)·output_k, as the script did.
                let weights = Tensor(shape: output.shape, scalars: (0..<output.count).map { Float(sin(Double($0))) })
                (output * weights).sum().backward()
                #expect(close(x.grad!.scalars, c.grad_input.values, 1e-5), "\(c.name): input gradient")
                for (name, p) in layer.namedParameters {
                    #expect(close(p.grad!.scalars, c.grads[name]!.values, 1e-5), "\(c.name): gradient of \(name)")
                }
            }
        }
    }

    @Test func parameterNamesAndShapesAreTorchs() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true)
        let names = lstm.namedParameters.map(\.0)
        #expect(
            names == [
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
            ])
        let shapes = Dictionary(uniqueKeysWithValues: lstm.namedParameters.map { ($0.0, $0.1.shape) })
        #expect(shapes["weight_ih_l0"] == [16, 3] && shapes["weight_ih_l1"] == [16, 8] && shapes["weight_hh_l1"] == [16, 4])
        #expect(GRU(inputSize: 2, hiddenSize: 5, bias: false).namedParameters.map(\.1.shape) == [[15, 2], [15, 5]])
        #expect(lstm.stateDict.map(\.0) == names)
        #expect(LSTMCell(inputSize: 3, hiddenSize: 4).namedParameters.map(\.0) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
    }

    @Test func initialisationIsUniformWithinOneOverRootH() {
        let gru = GRU(inputSize: 10, hiddenSize: 64, generator: RandomGenerator(seed: 1))
        let values = gru.parameters.flatMap(\.scalars)
        let bound: Float = 1 / 8
        #expect(values.allSatisfy { abs($0) <= bound })
        #expect(values.max()! > 0.95 * bound && values.min()! < -0.95 * bound)
        let mean = values.reduce(0, +) / Float(values.count)
        #expect(abs(mean) < 0.01)
    }

    @Test func batchFirstAndUnbatchedInputsMatchSequenceFirst() throws {
        let g = RandomGenerator(seed: 3)
        let seqFirst = GRU(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, generator: g)
        let batchFirst = GRU(inputSize: 3, hiddenSize: 4, layers: 2, batchFirst: true, bidirectional: true)
        try batchFirst.loadStateDict(Dictionary(uniqueKeysWithValues: seqFirst.stateDict))
        let x = uniform([5, 2, 3], g, -1, 1)
        let reference = seqFirst(x)
        #expect(batchFirst(x.transposed(0, 1)).transposed(0, 1).scalars == reference.scalars)
        let one = seqFirst(x.narrowed(axis: 1, start: 1, length: 1).reshaped([5, 3]))
        #expect(one.shape == [5, 8])
        #expect(close(one.scalars, reference.narrowed(axis: 1, start: 1, length: 1).scalars))
    }

    @Test func tokensThroughTheLayerMatchTheirEmbeddings() {
        // Batch first, stacked and bidirectional; 7 rows against 12 tokens take the table, and
        // against 3 tokens (one sequence, unbatched) the gathered embeddings.
        let g = RandomGenerator(seed: 9)
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2, batchFirst: true, bidirectional: true, generator: g)
        let table = leaf(uniform([7, 3], g, -1, 1))
        for tokens in [Tensor(shape: [2, 6], integers: [0, 3, 3, 6, 1, 0, 2, 2, 5, 4, 6, 1]), Tensor(shape: [3], integers: [4, 0, 4])] {
            let state = RecurrentState(
                hidden: uniform(tokens.rank == 2 ? [4, 2, 4] : [4, 4], g, -1, 1),
                cell: uniform(tokens.rank == 2 ? [4, 2, 4] : [4, 4], g, -1, 1))
            func run(_ byTokens: Bool) -> [[Float]] {
                lstm.zeroGrad()
                table.grad = nil
                let (output, final) =
                    byTokens
                    ? lstm.forward(tokens: tokens, embedding: table, state: state)
                    : lstm.forward(embedding(tokens, weight: table), state: state)
                (output.sum() + final.hidden.sum() * 0.5 + final.cell!.sum() * 0.25).backward()
                return [output.scalars, final.hidden.scalars, final.cell!.scalars, table.grad!.scalars]
                    + lstm.parameters.map { $0.grad!.scalars }
            }
            let (direct, gathered) = (run(true), run(false))
            #expect(
                lstm.forward(tokens: tokens, embedding: table, state: state).output.shape
                    == (tokens.rank == 2 ? [2, 6, 8] : [3, 8]))
            for (a, b) in zip(direct, gathered) { #expect(close(a, b, 1e-5)) }
        }
    }

    @Test func carryingTheStateSplitsASequenceExactly() {
        // Truncated BPTT relies on this: two windows with the state carried equal one long run.
        let g = RandomGenerator(seed: 5)
        let lstm = LSTM(inputSize: 3, hiddenSize: 6, layers: 2, generator: g)
        let x = uniform([8, 3, 3], g, -1, 1)
        let (whole, wholeState) = lstm(x, state: nil)
        let (first, carried) = lstm(x.narrowed(axis: 0, start: 0, length: 5), state: nil)
        let (second, finalState) = lstm(x.narrowed(axis: 0, start: 5, length: 3), state: carried.detached())
        #expect(close(concatenate([first, second]).scalars, whole.scalars))
        #expect(close(finalState.hidden.scalars, wholeState.hidden.scalars))
        #expect(close(finalState.cell!.scalars, wholeState.cell!.scalars))
        #expect(!carried.detached().hidden.requiresGrad && carried.hidden.requiresGrad)
    }

    @Test func stackedBidirectionalGradientsMatchFiniteDifferences() {
        let g = RandomGenerator(seed: 7)
        let gru = GRU(inputSize: 2, hiddenSize: 3, layers: 2, bidirectional: true, generator: g)
        let x = leaf(uniform([3, 2, 2], g, -1, 1)), h0 = leaf(uniform([4, 2, 3], g, -1, 1))
        GradientCheck().check([x, h0] + gru.parameters) {
            let (output, state) = gru(x, state: RecurrentState(hidden: h0))
            return concatenate([output.reshaped([-1]), state.hidden.reshaped([-1])])
        }
    }

    @Test func dropoutActsBetweenLayersOnlyInTraining() {
        let g = RandomGenerator(seed: 2)
        let rnn = RNN(inputSize: 3, hiddenSize: 8, layers: 2, dropout: 0.5, generator: g)
        let x = uniform([4, 2, 3], g, -1, 1)
        let a = rnn(x).scalars, b = rnn(x).scalars
        #expect(a != b, "two training passes drew the same dropout masks")
        rnn.eval()
        #expect(rnn(x).scalars == rnn(x).scalars)
        let single = RNN(inputSize: 3, hiddenSize: 8, dropout: 0.5)
        #expect(single(x).scalars == single(x).scalars, "a single layer has no layer after it to drop out into")
    }

    @Test(arguments: [RecurrentCell.rnnTanh, .lstm, .gru])
    func cellStepsMatchTheSequenceLayer(cell: RecurrentCell) throws {
        try onEveryKernelPath { _ in
            let g = RandomGenerator(seed: 4)
            let layer = RecurrentLayer(cell: cell, inputSize: 3, hiddenSize: 5, generator: g)
            let stepper = RecurrentCellLayer(cell: cell, inputSize: 3, hiddenSize: 5)
            try stepper.loadStateDict(
                Dictionary(
                    uniqueKeysWithValues: layer.stateDict.map {
                        (String($0.0.dropLast(3)), $0.1)  // weight_ih_l0 → weight_ih
                    }))
            let x = uniform([6, 2, 3], g, -1, 1)
            let (output, final) = layer(x, state: nil)
            var state: RecurrentState? = nil
            for t in 0..<6 {
                state = stepper(x.narrowed(axis: 0, start: t, length: 1).reshaped([2, 3]), state: state)
                #expect(close(state!.hidden.scalars, output.narrowed(axis: 0, start: t, length: 1).scalars), "step \(t)")
            }
            #expect(close(state!.hidden.scalars, final.hidden.scalars))
            #expect(stepper(Tensor([0.1, 0.2, 0.3])).shape == [5])
        }
    }
}
