/// The common body of `RNNCell`, `LSTMCell` and `GRUCell`: one time step, for loops that feed each
/// step's output back in (generation) or need the state between steps. It runs the same fused op as
/// the sequence layers, over one step.
///
/// Shapes: input [N, inputSize] (or [inputSize]) and state [N, hiddenSize] (or [hiddenSize]) →
/// the next state. Parameters `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`, as PyTorch's.
open class RecurrentCellLayer: Module {
    public let cell: RecurrentCell
    public let inputSize: Int
    public let hiddenSize: Int
    public let hasBias: Bool
    private let weights: [(String, Tensor)]

    public init(
        cell: RecurrentCell, inputSize: Int, hiddenSize: Int, bias: Bool = true,
        generator: RandomGenerator = .global
    ) {
        precondition(
            inputSize > 0 && hiddenSize > 0,
            "\(cell) cell: sizes must be positive, got inputSize \(inputSize), hiddenSize \(hiddenSize)")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        hasBias = bias
        weights = recurrentWeights(
            cell, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, suffix: "",
            generator: generator)
    }

    public override var ownParameters: [(String, Tensor)] { weights }

    /// The next hidden state from a zero state.
    public override func forward(_ input: Tensor) -> Tensor { step(input, state: nil).hidden }

    public func callAsFunction(_ input: Tensor, state: RecurrentState?) -> RecurrentState { step(input, state: state) }

    /// The state after one step from `state` (nil: zeros).
    public func step(_ input: Tensor, state: RecurrentState?) -> RecurrentState {
        let name = "\(type(of: self))"
        precondition(
            (input.rank == 2 || input.rank == 1) && input.shape.last == inputSize,
            "\(name): input shape \(input.shape) is not [batch, \(inputSize)] or [\(inputSize)]")
        let unbatched = input.rank == 1
        let x = unbatched ? input.unsqueezed(axis: 0) : input
        let expected = unbatched ? [hiddenSize] : [x.shape[0], hiddenSize]
        if let state {
            precondition(
                state.hidden.shape == expected && (state.cell != nil) == cell.hasCellState
                    && (state.cell == nil || state.cell!.shape == expected),
                "\(name): state shapes hidden \(state.hidden.shape), cell \(state.cell.map { "\($0.shape)" } ?? "none") do not match \(expected) for input \(input.shape)"
            )
        }
        let batched = { (t: Tensor?) in unbatched ? t?.unsqueezed(axis: 0) : t }
        let w = weights.map(\.1)
        let r = recurrence(
            x.unsqueezed(axis: 0), cell: cell, weightIH: w[0], weightHH: w[1],
            biasIH: hasBias ? w[2] : nil, biasHH: hasBias ? w[3] : nil,
            initialHidden: batched(state?.hidden), initialCell: batched(state?.cell))
        let unbatchedIfNeeded = { (t: Tensor) in unbatched ? t.squeezed(axis: 0) : t }
        return RecurrentState(hidden: unbatchedIfNeeded(r.hidden), cell: r.cell.map(unbatchedIfNeeded))
    }
}

/// One step of an Elman RNN (tanh or ReLU). See `RecurrentCellLayer`.
public final class RNNCell: RecurrentCellLayer {
    public init(
        inputSize: Int, hiddenSize: Int, nonlinearity: RNN.Nonlinearity = .tanh, bias: Bool = true,
        generator: RandomGenerator = .global
    ) {
        super.init(
            cell: nonlinearity == .tanh ? .rnnTanh : .rnnReLU, inputSize: inputSize, hiddenSize: hiddenSize,
            bias: bias, generator: generator)
    }
}

/// One step of an LSTM; its state has a `cell`. See `RecurrentCellLayer`.
public final class LSTMCell: RecurrentCellLayer {
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        super.init(cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }
}

/// One step of a GRU. See `RecurrentCellLayer`.
public final class GRUCell: RecurrentCellLayer {
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, generator: RandomGenerator = .global) {
        super.init(cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
    }
}
