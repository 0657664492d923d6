import MyelinNN
import Testing

@Suite struct EmbeddingLayerTests {
    @Test func initialisedAsAStandardNormal() {
        let layer = Embedding(1000, 64, generator: RandomGenerator(seed: 3))
        #expect(layer.weight.shape == [1000, 64] && layer.count == 1000 && layer.dimension == 64)
        #expect(layer.weight.requiresGrad && layer.paddingIndex == nil)
        let w = layer.weight.scalars.map(Double.init)
        let n = Double(w.count)
        let mean = w.reduce(0, +) / n
        let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        // 64,000 draws: the mean's standard error is 0.004 and the variance's 0.0056.
        #expect(Swift.abs(mean) < 0.02, "mean \(mean)")
        #expect(Swift.abs(variance - 1) < 0.03, "variance \(variance)")
        // Normal, not merely unit variance: 68.27 % within one standard deviation (a uniform
        // of the same variance has 57.7 %), 95.45 % within two (standard error ≈ 0.002).
        let within1 = Double(w.filter { Swift.abs($0) < 1 }.count) / n
        let within2 = Double(w.filter { Swift.abs($0) < 2 }.count) / n
        #expect(Swift.abs(within1 - 0.6827) < 0.01, "\(within1)")
        #expect(Swift.abs(within2 - 0.9545) < 0.006, "\(within2)")
        // Seeded: the same generator seed gives the same table, another seed another one.
        #expect(Embedding(1000, 64, generator: RandomGenerator(seed: 3)).weight.scalars == layer.weight.scalars)
        #expect(Embedding(1000, 64, generator: RandomGenerator(seed: 4)).weight.scalars != layer.weight.scalars)
    }

    @Test(arguments: [(3, 3), (-2, 4)])
    func paddingRowIsZeroAndGetsNoGradient(given: Int, row: Int) {
        let layer = Embedding(6, 5, paddingIndex: given, generator: RandomGenerator(seed: 5))
        #expect(layer.paddingIndex == row)
        for r in 0..<6 {
            let values = (0..<5).map { layer.weight[r, $0] }
            #expect(values.allSatisfy { $0 == 0 } == (r == row), "row \(r): \(values)")
        }
        let indices = Tensor(shape: [2, 2], integers: [row, 1, row, 0])
        let y = layer(indices)
        #expect(y.shape == [2, 2, 5])
        #expect((0..<5).allSatisfy { y[0, 0, $0] == 0 && y[0, 1, $0] == layer.weight[1, $0] })
        y.sum().backward()
        let grad = layer.weight.grad!
        for r in 0..<6 {
            let expected: Float = r == 0 || r == 1 ? 1 : 0  // the padding row's two uses add nothing
            #expect((0..<5).allSatisfy { grad[r, $0] == expected }, "row \(r)")
        }
    }

    @Test func stateDictNameIsPyTorchs() throws {
        let layer = Embedding(4, 2)
        #expect(layer.stateDict.map(\.0) == ["weight"])
        #expect(layer.parameters.count == 1 && layer.parameters[0] === layer.weight)
        let values = Tensor([[1, 2], [3, 4], [5, 6], [7, 8]])
        try layer.loadStateDict(["weight": values])
        #expect(layer.weight.scalars == values.scalars)
        #expect(layer(Tensor(integers: [3, 0])).scalars == [7, 8, 1, 2])
        #expect(throws: StateDictError(receiver: "Embedding", name: "weight", problem: .shapeMismatch(expected: [4, 2], found: [2, 4]))) {
            try layer.loadStateDict(["weight": Tensor.zeros([2, 4])])
        }
    }
}
