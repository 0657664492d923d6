import MyelinTraining
import Testing

@Suite struct AdversaryTests {
    /// A task whose adversary doubles every input trains exactly as one on doubled inputs, and the
    /// adversary sees the model in evaluation mode, once a step, with the batch's labels.
    @Test func theStepLearnsFromWhatTheAdversaryMade() throws {
        let inputs = Tensor.randn([24, 4], generator: RandomGenerator(seed: 11))
        let labels = Tensor(integers: (0..<24).map { $0 % 3 })
        func run(data: TensorDataset, adversary: ((Tensor, Tensor) -> Tensor)?) throws -> [[Float]] {
            let g = RandomGenerator(seed: 2)
            let model = Sequential {
                Linear(4, 8, generator: g); ReLU(); Dropout(0.3, generator: g); Linear(8, 3, generator: g)
            }
            var calls = 0
            let task = SupervisedTask(
                model, optimizer: SGD(model.parameters, learningRate: 0.1), loss: crossEntropy,
                on: DataLoader(data, batchSize: 8, shuffle: true, generator: RandomGenerator(seed: 4)),
                adversary: adversary.map { attack in
                    { x, y in
                        calls += 1
                        #expect(!model.isTraining && y.shape == [8])
                        return attack(x, y)
                    }
                })
            try Trainer(.epochs(2), state: task.state).run(task)
            #expect(calls == (adversary == nil ? 0 : 6))
            return model.parameters.map(\.scalars)
        }
        let attacked = try run(data: TensorDataset(inputs: inputs, labels: labels), adversary: { x, _ in x * 2 })
        let doubled = try run(data: TensorDataset(inputs: inputs * 2, labels: labels), adversary: nil)
        let plain = try run(data: TensorDataset(inputs: inputs, labels: labels), adversary: nil)
        #expect(attacked == doubled && attacked != plain)
    }
}
