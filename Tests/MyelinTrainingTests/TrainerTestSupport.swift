import Foundation
import MyelinTestSupport
import MyelinTraining

/// A small classification run whose every source of randomness matters: shuffled batches (with a
/// partial last one), dropout, Adam's moments. (Its generators are its own: tests run in parallel,
/// and the global generator is shared.)
final class SmallRun {
    let model: Sequential
    let optimizer: Optimizer
    let task: SupervisedTask<TensorDataset>
    /// Counts the steps this run's task takes (in this process).
    let counter = StepCounter()
    var stepsTaken: Int { counter.steps }

    static let data: TensorDataset = {
        let g = RandomGenerator(seed: 40)
        let x = Tensor.randn([50, 4], generator: g)
        let labels = (0..<50).map { i in x[i].scalars.reduce(0, +) > 0 ? 1 : 0 }
        return TensorDataset(inputs: x, labels: Tensor(integers: labels))
    }()

    static let validation = TensorDataset(
        inputs: Tensor.randn([20, 4], generator: RandomGenerator(seed: 41)),
        labels: Tensor(integers: (0..<20).map { $0 % 2 }))

    init(seed: UInt64 = 1, batchSize: Int = 8) {
        let g = RandomGenerator(seed: seed), dropout = RandomGenerator(seed: seed &+ 3)
        model = Sequential {
            Linear(4, 16, generator: g); ReLU(); Dropout(0.2, generator: dropout); Linear(16, 2, generator: g)
        }
        optimizer = Adam(model.parameters, learningRate: 0.01)
        task = SupervisedTask(
            model, optimizer: optimizer, loss: crossEntropy,
            on: DataLoader(Self.data, batchSize: batchSize, shuffle: true, generator: RandomGenerator(seed: seed &+ 7)),
            validation: DataLoader(Self.validation, batchSize: 8), metrics: [.accuracy],
            generators: [("dropout", dropout)])
    }

    func trainer(_ length: TrainingLength, evaluateEvery: TrainingInterval? = nil, callbacks: [TrainingCallback] = []) -> Trainer {
        Trainer(length, state: task.state, evaluateEvery: evaluateEvery, callbacks: [counter] + callbacks)
    }

    /// Every tensor of the run and every generator word, as bits.
    var fingerprint: [String: [UInt64]] { stateBits(task.state) }
}

/// A fresh temporary file path, removed by `cleanUp`.
func temporaryURL(_ name: String = "run.safetensors") -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("myelin-training-\(UUID())").appendingPathComponent(name)
}

func cleanUp(_ url: URL) {
    try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
}

func makeFolder(for url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
}

/// A task whose steps and evaluations report figures given in advance (for callbacks' tests).
final class ScriptedTask: TrainingTask {
    let parameter = Tensor.zeros([1])
    let module: Module
    let optimizer: Optimizer
    let losses: [Float]
    let evaluations: [Double]
    var evaluated = 0
    let state: TrainingCheckpoint

    init(losses: [Float] = [], evaluations: [Double] = [], learningRate: Float = 1) {
        self.losses = losses
        self.evaluations = evaluations
        module = Holder(parameter)
        optimizer = SGD([parameter], learningRate: learningRate)
        state = TrainingCheckpoint(format: "test.scripted", modules: [("", module)], optimizers: [("model", optimizer)])
    }

    var batches: EndlessBatches<Void> { EndlessBatches { () } }

    /// Moves the parameter by 1 each step (so the weights say which step they are from), unless the loss is not finite.
    func step(_ batch: Void, context: StepContext) throws -> StepOutput {
        let loss = losses.isEmpty ? 0 : losses[(context.step - 1) % losses.count]
        try context.beforeUpdate(["loss": loss])
        parameter.grad = Tensor([-1])
        optimizer.step()
        return StepOutput(["loss": loss], samples: 1)
    }

    /// The next scripted evaluation (nothing once they are used up).
    func evaluate() throws -> Evaluation {
        guard evaluated < evaluations.count else { return Evaluation() }
        defer { evaluated += 1 }
        return ["validation loss": evaluations[evaluated]]
    }

    /// A module holding one parameter.
    final class Holder: Module {
        @Parameter var weight: Tensor
        init(_ weight: Tensor) {
            _weight = Parameter(wrappedValue: weight)
            super.init()
        }
    }
}
