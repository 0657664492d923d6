import MyelinNN
import MyelinTensor

/// LeNet-5 (LeCun et al., 1998) for 28×28 digits, as the LeNet-5 benchmark defines it: two 5×5
/// convolutions with max pooling, then three fully connected layers. 61,706 parameters.
///
/// Shapes: [N, 1, 28, 28] → logits [N, 10].
public final class LeNet: Module {
    public let features: Sequential
    public let classifier: Sequential

    public init(classes: Int = 10, generator: RandomGenerator = .global) {
        features = Sequential {
            Conv2d(1, 6, kernelSize: 5, padding: 2, generator: generator); ReLU(); MaxPool2d(2)  // → 6×14×14
            Conv2d(6, 16, kernelSize: 5, generator: generator); ReLU(); MaxPool2d(2)  // → 16×5×5
        }
        classifier = Sequential {
            Flatten()
            Linear(400, 120, generator: generator); ReLU()
            Linear(120, 84, generator: generator); ReLU()
            Linear(84, classes, generator: generator)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { classifier(features(input)) }
}
