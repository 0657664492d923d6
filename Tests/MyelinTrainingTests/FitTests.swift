import Foundation
import MyelinTraining
import Testing

@Suite struct FitTests {
    /// The README's example, word for word (its shuffle draws from the global generator, so the
    /// figures vary a little from run to run), on a part of MNIST so that it takes seconds.
    @Test func theReadmeExample() throws {
        let train = try MNIST(split: .train).subset(Array(0..<3000))
        let test = try MNIST(split: .test).subset(Array(0..<1000))
        let g = RandomGenerator(seed: 3)
        let model = Sequential {
            Flatten()
            Linear(784, 64, generator: g); ReLU()
            Linear(64, 10, generator: g)
        }
        let history = try fit(
            model, optimizer: Adam(model.parameters, learningRate: 1e-3), loss: crossEntropy,
            on: DataLoader(train, batchSize: 64, shuffle: true), epochs: 5,
            validation: DataLoader(test, batchSize: 500), metrics: [.accuracy],
            callbacks: [EarlyStopping(monitor: "validation loss", patience: 2)])
        print(history.last("validation accuracy")!)
        // 3,000 digits seen five times: about 0.9 on unseen ones; a model that learned nothing scores 0.1.
        #expect(history.last("validation accuracy")! > 0.85)
        #expect(history.values("mean loss").count == 5)
        #expect(history.values("mean loss").last! < history.values("mean loss").first!)
    }

    @Test func aLossOfTwoArgumentsAndNoValidation() throws {
        let x = Tensor.randn([32, 3], generator: RandomGenerator(seed: 5))
        let data = TensorDataset(inputs: x, labels: x.sum(axis: 1, keepingDimensions: true))
        let model = Linear(3, 1, generator: RandomGenerator(seed: 6))
        let history = try fit(
            model, optimizer: SGD(model.parameters, learningRate: 0.1), loss: { mseLoss($0, $1) },
            on: DataLoader(data, batchSize: 8), epochs: 20, verbose: false)
        #expect(history.last("mean loss")! < 1e-3)
        #expect(history.names == ["loss", "mean loss"])
    }
}

@Suite struct MetricTests {
    /// Scores given as the "model's" outputs.
    static let scores = Tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.4, 0.35, 0.25]])
    static let labels = Tensor(integers: [1, 1, 0, 1])

    func evaluation(
        _ metrics: [Metric], scores: Tensor = scores, labels: Tensor = labels, batchSize: Int = 3,
        loss: LossFunction? = nil
    ) -> Evaluation {
        evaluate(
            Identity(), on: DataLoader(TensorDataset(inputs: scores, labels: labels), batchSize: batchSize), loss: loss,
            metrics: metrics, prefix: "test ")
    }

    @Test func accuracyTopKAndTheConfusionMatrix() {
        // Arg-max 1, 0, 2, 0 against 1, 1, 0, 1: one right. Top 2: rows 0, 1 and 3.
        let result = evaluation([.accuracy, .topK(2), .confusionMatrix])
        #expect(result["test accuracy"] == 0.25)
        #expect(result["test top-2 accuracy"] == 0.75)
        let matrix = result.confusionMatrix!
        #expect(matrix[actual: 1, predicted: 1] == 1 && matrix[actual: 1, predicted: 0] == 2 && matrix[actual: 0, predicted: 2] == 1)
        #expect(matrix.total == 4)
    }

    @Test func theMeanLossIsPerExampleOverAllBatches() {
        let result = evaluation([], loss: crossEntropy)
        #expect(abs(result["test loss"]! - Double(crossEntropy(Self.scores, Self.labels).item)) < 1e-6)
        #expect(result.values.map(\.name) == ["test loss"])
        // A sequence model's scores [N, T, C] against labels [N, T].
        let sequences = Self.scores.reshaped([2, 2, 3]), tokens = Self.labels.reshaped([2, 2])
        #expect(evaluation([.accuracy], scores: sequences, labels: tokens, batchSize: 1)["test accuracy"] == 0.25)
    }

    @Test func rocAUCFromOneOrTwoOutputs() {
        // Two outputs: scores o₁ − o₀ = 1, −1, 2, 0.5.
        let two = Tensor([[0, 1], [0, -1], [0, 2], [0, 0.5]])
        #expect(evaluation([.rocAUC], scores: two, labels: Tensor(integers: [1, 0, 1, 0]))["test ROC AUC"] == 1)
        // Positives 1 and 0.5 against −1 and 2: two of four pairs ordered right.
        #expect(evaluation([.rocAUC], scores: two, labels: Tensor(integers: [1, 0, 0, 1]))["test ROC AUC"] == 0.5)
        let one = Tensor(shape: [4, 1], scalars: [1, -1, 2, 0.5])
        #expect(evaluation([.rocAUC], scores: one, labels: Tensor(shape: [4, 1], scalars: [1, 0, 0, 1]))["test ROC AUC"] == 0.5)
    }

    @Test func aMetricOfYourOwn() {
        let largest = Metric(name: "mean top score") { outputs, _ in
            (Double(outputs.max(axis: 1).sum().item), outputs.shape[0])
        }
        #expect(abs(evaluation([largest])["test mean top score"]! - (0.7 + 0.5 + 0.5 + 0.4) / 4) < 1e-6)
    }
}
