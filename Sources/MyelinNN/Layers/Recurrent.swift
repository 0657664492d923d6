/// What a recurrent layer carries from one call to the next: the hidden state of every layer and
/// direction and, for LSTM, the cell state.
///
/// Shapes: hidden and cell [layers · directions, batch, hiddenSize] (PyTorch's h_n and c_n);
/// a cell (`LSTMCell`, …) uses [batch, hiddenSize].
public struct RecurrentState {
    public var hidden: Tensor
    public var cell: Tensor?

    public init(hidden: Tensor, cell: Tensor? = nil) {
        self.hidden = hidden
        self.cell = cell
    }

    /// The same values cut off from the recorded graph: truncated backpropagation through time
    /// carries this into the next window, so gradients stop at the window's start.
    public func detached() -> RecurrentState {
        RecurrentState(hidden: hidden.detached(), cell: cell?.detached())
    }
}

/// The weights of one recurrent cell in PyTorch's names and order (weight_ih, weight_hh, bias_ih,
/// bias_hh, each name followed by `suffix`), all ~ U(−1/√H, 1/√H) as PyTorch initialises them.
func recurrentWeights(
    _ cell: RecurrentCell, inputSize: Int, hiddenSize: Int, bias: Bool, suffix: String,
    generator: RandomGenerator
) -> [(String, Tensor)] {
    let bound = 1 / Float(hiddenSize).squareRoot(), width = cell.gateCount * hiddenSize
    let shapes =
        [("weight_ih", [width, inputSize]), ("weight_hh", [width, hiddenSize])]
        + (bias ? [("bias_ih", [width]), ("bias_hh", [width])] : [])
    return shapes.map { name, shape in
        let t = Tensor.uniform(shape, low: -bound, high: bound, generator: generator)
        t.requiresGrad = true
        return (name + suffix, t)
    }
}

/// The common body of `RNN`, `LSTM` and `GRU`: a stack of recurrent layers, each run over the
/// whole sequence by one fused op, optionally in both directions, with dropout between layers.
///
/// Shapes: input [T, N, inputSize] ([N, T, inputSize] when `batchFirst`; [T, inputSize] unbatched)
/// → output [T, N, D·hiddenSize] (likewise batch first), D = 2 when bidirectional, else 1; the state
/// is [layers·D, N, hiddenSize]. Parameters are named as PyTorch's: `weight_ih_l0`, `weight_hh_l0`,
/// `bias_ih_l0`, `bias_hh_l0`, with `_reverse` for the backward direction.
open class RecurrentLayer: Module {
    public let cell: RecurrentCell
    public let inputSize: Int
    public let hiddenSize: Int
    public let layerCount: Int
    public let hasBias: Bool
    public let batchFirst: Bool
    public let isBidirectional: Bool
    /// Applied to every layer's output except the last, in training mode.
    public let dropout: Dropout
    /// Every layer's and direction's weights, in PyTorch's order.
    private let weights: [(String, Tensor)]

    public init(
        cell: RecurrentCell, inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true,
        batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
        generator: RandomGenerator = .global
    ) {
        precondition(
            inputSize > 0 && hiddenSize > 0 && layers > 0,
            "\(cell): sizes must be positive, got inputSize \(inputSize), hiddenSize \(hiddenSize), layers \(layers)")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        layerCount = layers
        hasBias = bias
        self.batchFirst = batchFirst
        isBidirectional = bidirectional
        self.dropout = Dropout(dropout, generator: generator)
        let directions = bidirectional ? 2 : 1
        weights = (0..<layers).flatMap { layer in
            (0..<directions).flatMap { direction in
                recurrentWeights(
                    cell, inputSize: layer == 0 ? inputSize : directions * hiddenSize,
                    hiddenSize: hiddenSize, bias: bias,
                    suffix: "_l\(layer)" + (direction == 1 ? "_reverse" : ""), generator: generator)
            }
        }
    }

    public var directionCount: Int { isBidirectional ? 2 : 1 }

    public override var ownParameters: [(String, Tensor)] { weights }

    /// The output of every step, from a zero initial state.
    public override func forward(_ input: Tensor) -> Tensor { forward(input, state: nil).output }

    public func callAsFunction(_ input: Tensor, state: RecurrentState?) -> (output: Tensor, state: RecurrentState) {
        forward(input, state: state)
    }

    /// The output of every step and the state after the last, from `state` (nil: zeros).
    public func forward(_ input: Tensor, state: RecurrentState?) -> (output: Tensor, state: RecurrentState) {
        precondition(
            (input.rank == 3 || input.rank == 2) && input.shape.last == inputSize,
            "\(type(of: self)): input shape \(input.shape) is not [steps, batch, \(inputSize)] (batch first: [batch, steps, \(inputSize)]; unbatched: [steps, \(inputSize)])"
        )
        let unbatched = input.rank == 2
        return run(
            .features(unbatched ? input.unsqueezed(axis: 1) : batchFirst ? input.transposed(0, 1) : input),
            given: input.shape, unbatched: unbatched, state: state)
    }

    /// The layer over the rows of `embedding` that `tokens` name, as `forward(embedding(tokens, weight: embedding), state:)`
    /// computes it, with gradients for `embedding`: tokens [T, N] ([N, T] when `batchFirst`; [T]
    /// unbatched), embedding [V, inputSize] (no padding row). When the vocabulary V is smaller than
    /// the T·N tokens, the first layer's input side is a lookup into E·W_ihᵀ + b_ih, made once
    /// (`recurrence(tokens:embedding:…)`): a character model's 76 rows instead of 2,048.
    public func forward(tokens: Tensor, embedding: Tensor, state: RecurrentState?) -> (
        output: Tensor, state: RecurrentState
    ) {
        precondition(
            (tokens.rank == 2 || tokens.rank == 1) && embedding.rank == 2 && embedding.shape[1] == inputSize,
            "\(type(of: self)): tokens shape \(tokens.shape) is not [steps, batch] (batch first: [batch, steps]; unbatched: [steps]) or embedding shape \(embedding.shape) is not [vocabulary, \(inputSize)]"
        )
        guard embedding.shape[0] < tokens.count else {
            return forward(MyelinTensor.embedding(tokens, weight: embedding), state: state)
        }
        let unbatched = tokens.rank == 1
        let timeMajor = unbatched ? tokens.unsqueezed(axis: 1) : batchFirst ? tokens.transposed(0, 1) : tokens
        return run(.tokens(timeMajor, embedding: embedding), given: tokens.shape, unbatched: unbatched, state: state)
    }

    /// The first layer's input, time-major: features [T, N, inputSize], or tokens [T, N] and their embedding.
    private enum FirstInput {
        case features(Tensor)
        case tokens(Tensor, embedding: Tensor)
    }

    /// `given`: the input's shape as the caller passed it, for messages.
    private func run(_ first: FirstInput, given: [Int], unbatched: Bool, state: RecurrentState?) -> (
        output: Tensor, state: RecurrentState
    ) {
        let name = "\(type(of: self))"
        let input: Tensor
        switch first {
        case .features(let x): input = x
        case .tokens(let ids, _): input = ids
        }
        var x = input
        let batch = input.shape[1], slots = layerCount * directionCount
        let initial = state.map { s -> RecurrentState in
            let expected = unbatched ? [slots, hiddenSize] : [slots, batch, hiddenSize]
            precondition(
                s.hidden.shape == expected,
                "\(name): state.hidden shape \(s.hidden.shape) does not match \(expected) for input \(given)")
            precondition(
                (s.cell != nil) == cell.hasCellState && (s.cell == nil || s.cell!.shape == expected),
                "\(name): state.cell (shape \(s.cell.map { "\($0.shape)" } ?? "none")) does not match \(cell.hasCellState ? "\(expected)" : "none") for input \(given)"
            )
            return unbatched ? RecurrentState(hidden: s.hidden.unsqueezed(axis: 1), cell: s.cell?.unsqueezed(axis: 1)) : s
        }
        func slot(_ t: Tensor?, _ i: Int) -> Tensor? { t?.narrowed(axis: 0, start: i, length: 1).reshaped([batch, hiddenSize]) }

        var hidden: [Tensor] = [], cells: [Tensor] = []
        let perCell = weights.count / slots
        for layer in 0..<layerCount {
            var outputs: [Tensor] = []
            for direction in 0..<directionCount {
                let i = layer * directionCount + direction
                let w = weights[(i * perCell)..<((i + 1) * perCell)].map(\.1)
                let (initialHidden, initialCell) = (slot(initial?.hidden, i), slot(initial?.cell, i))
                let r: (output: Tensor, hidden: Tensor, cell: Tensor?)
                if layer == 0, case .tokens(let ids, let embedding) = first {
                    r = recurrence(
                        tokens: ids, embedding: embedding, cell: cell, weightIH: w[0], weightHH: w[1],
                        biasIH: hasBias ? w[2] : nil, biasHH: hasBias ? w[3] : nil, initialHidden: initialHidden,
                        initialCell: initialCell, reverse: direction == 1)
                } else {
                    r = recurrence(
                        x, cell: cell, weightIH: w[0], weightHH: w[1], biasIH: hasBias ? w[2] : nil,
                        biasHH: hasBias ? w[3] : nil, initialHidden: initialHidden, initialCell: initialCell,
                        reverse: direction == 1)
                }
                outputs.append(r.output)
                hidden.append(r.hidden)
                if let c = r.cell { cells.append(c) }
            }
            x = outputs.count == 1 ? outputs[0] : concatenate(outputs, axis: 2)
            if layer < layerCount - 1 { x = dropout(x) }
        }
        var final = RecurrentState(hidden: stack(hidden), cell: cells.isEmpty ? nil : stack(cells))
        if unbatched {
            final = RecurrentState(hidden: final.hidden.squeezed(axis: 1), cell: final.cell?.squeezed(axis: 1))
            return (x.squeezed(axis: 1), final)
        }
        return (batchFirst ? x.transposed(0, 1) : x, final)
    }
}

/// An Elman RNN: h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh) (or ReLU), stacked and
/// optionally bidirectional. Shapes and names: see `RecurrentLayer`.
public final class RNN: RecurrentLayer {
    public enum Nonlinearity: Sendable { case tanh, relu }

    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, nonlinearity: Nonlinearity = .tanh,
        bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0, bidirectional: Bool = false,
        generator: RandomGenerator = .global
    ) {
        super.init(
            cell: nonlinearity == .tanh ? .rnnTanh : .rnnReLU, inputSize: inputSize, hiddenSize: hiddenSize,
            layers: layers, bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional,
            generator: generator)
    }
}

/// Long short-term memory: gated cells whose additive cell state carries gradients across many
/// steps. Gates in PyTorch's order i, f, g, o. Shapes and names: see `RecurrentLayer`; the state
/// has a `cell` as well.
public final class LSTM: RecurrentLayer {
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Float = 0, bidirectional: Bool = false, generator: RandomGenerator = .global
    ) {
        super.init(
            cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}

/// Gated recurrent unit: gates r, z, n as PyTorch's. Shapes and names: see `RecurrentLayer`.
public final class GRU: RecurrentLayer {
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        dropout: Float = 0, bidirectional: Bool = false, generator: RandomGenerator = .global
    ) {
        super.init(
            cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: generator)
    }
}
