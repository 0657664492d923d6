import MyelinNN
import MyelinTensor

/// A multilayer perceptron: Flatten, then Linear layers of the given widths with ReLU between them
/// (none after the last, which gives logits). `multilayerPerceptron([784, 256, 256, 10])` is the MNIST
/// MLP benchmark's network. As a Sequential its state-dict names are PyTorch's for the same `nn.Sequential`
/// (`1.weight`, `3.weight`, …), so its weights move between the two unchanged.
///
/// Shapes: [N, …] with `widths[0]` values per example → [N, widths.last].
public func multilayerPerceptron(_ widths: [Int], generator: RandomGenerator = .global) -> Sequential {
    precondition(
        widths.count >= 2 && widths.allSatisfy { $0 > 0 },
        "multilayerPerceptron: needs at least an input and an output width, all positive; got \(widths)")
    return Sequential {
        Flatten()
        for (index, (inputs, outputs)) in zip(widths, widths.dropFirst()).enumerated() {
            Linear(inputs, outputs, generator: generator)
            if index < widths.count - 2 { ReLU() }
        }
    }
}
