import MyelinNN
import Testing

/// Sample mean and standard deviation, in double.
func statistics(_ values: [Float]) -> (mean: Double, std: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / n
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance.squareRoot())
}

// Statistical tolerances. On n = 131 072 draws (a [256, 512] weight):
// - the sample standard deviation has a relative standard error of √((κ − 1)/(4n)), κ the
//   kurtosis: 0.0012 for a uniform (κ = 1.8) and 0.0020 for a normal (κ = 3); we allow 2%
//   (more than 10 standard errors), while a wrong formula (a fan swapped, a missing √3 or gain)
//   is off by 15% or more here;
// - the sample mean has standard error σ/√n = 0.0028σ; we allow 0.02σ.
// The draws are seeded, so the tests are deterministic; the margins make them robust to a
// change of seed or generator.
let statisticalShape = [256, 512]

@Suite struct InitializerTests {
    @Test func fans() {
        #expect(Initializers.fans([30, 20]) == (fanIn: 20, fanOut: 30))
        // Convolution weight [out, in, kh, kw]: the receptive field multiplies both fans.
        #expect(Initializers.fans([16, 3, 5, 5]) == (fanIn: 75, fanOut: 400))
        #expect(Initializers.fans([8, 4, 3]) == (fanIn: 12, fanOut: 24))
    }

    @Test func gains() {
        #expect(Initializers.gain(.linear) == 1)
        #expect(Initializers.gain(.sigmoid) == 1)
        #expect(Swift.abs(Initializers.gain(.tanh) - 5.0 / 3) < 1e-6)
        #expect(Swift.abs(Initializers.gain(.relu) - 1.4142135) < 1e-6)
        // torch.nn.init.calculate_gain('leaky_relu', 0.01) = 1.4141428569978354
        #expect(Swift.abs(Initializers.gain(.leakyRelu(slope: 0.01)) - 1.4141428) < 1e-6)
        // slope √5 (PyTorch's Linear/Conv default): √(2/6) = 0.5773503
        #expect(Swift.abs(Initializers.gain(.leakyRelu(slope: Float(5).squareRoot())) - 0.57735027) < 1e-6)
    }

    @Test func xavierUniform() {
        let t = Tensor.zeros(statisticalShape)
        Initializers.xavierUniform(t, generator: RandomGenerator(seed: 70))
        let a = (6.0 / Double(256 + 512)).squareRoot()
        let values = t.scalars
        #expect(values.allSatisfy { Swift.abs(Double($0)) <= a })
        #expect(Double(values.max()!) > 0.99 * a && Double(values.min()!) < -0.99 * a)
        let (mean, std) = statistics(values)
        #expect(Swift.abs(std / (a / 3.0.squareRoot()) - 1) < 0.02)
        #expect(Swift.abs(mean) < 0.02 * std)

        let scaled = Tensor.zeros(statisticalShape)
        Initializers.xavierUniform(scaled, gain: 2, generator: RandomGenerator(seed: 70))
        #expect(close(scaled.scalars, values.map { 2 * $0 }, 1e-6))
    }

    @Test func xavierNormal() {
        let t = Tensor.zeros(statisticalShape)
        Initializers.xavierNormal(t, gain: Initializers.gain(.tanh), generator: RandomGenerator(seed: 71))
        let expectedStd = 5.0 / 3 * (2.0 / Double(256 + 512)).squareRoot()
        let (mean, std) = statistics(t.scalars)
        #expect(Swift.abs(std / expectedStd - 1) < 0.02)
        #expect(Swift.abs(mean) < 0.02 * expectedStd)
    }

    @Test func kaimingUniform() {
        let t = Tensor.zeros(statisticalShape)
        Initializers.kaimingUniform(t, generator: RandomGenerator(seed: 72))
        // ReLU gain √2: bound √2·√(3/512) = √(6/512).
        let b = (6.0 / 512).squareRoot()
        let values = t.scalars
        #expect(values.allSatisfy { Swift.abs(Double($0)) <= b * (1 + 1e-6) })
        #expect(Double(values.max()!) > 0.99 * b && Double(values.min()!) < -0.99 * b)
        let (mean, std) = statistics(values)
        #expect(Swift.abs(std / (b / 3.0.squareRoot()) - 1) < 0.02)
        #expect(Swift.abs(mean) < 0.02 * std)
    }

    @Test func kaimingUniformWithPyTorchsLinearDefaultGivesOneOverSqrtFanIn() {
        let t = Tensor.zeros([64, 100])
        Initializers.kaimingUniform(
            t, nonlinearity: .leakyRelu(slope: Float(5).squareRoot()),
            generator: RandomGenerator(seed: 73))
        let values = t.scalars
        #expect(values.allSatisfy { Swift.abs($0) <= 0.1 * (1 + 1e-6) })
        #expect(values.max()! > 0.099 && values.min()! < -0.099)
    }

    @Test func kaimingNormal() {
        let t = Tensor.zeros(statisticalShape)
        Initializers.kaimingNormal(t, generator: RandomGenerator(seed: 74))
        let expectedStd = (2.0 / 512).squareRoot()
        let (mean, std) = statistics(t.scalars)
        #expect(Swift.abs(std / expectedStd - 1) < 0.02)
        #expect(Swift.abs(mean) < 0.02 * expectedStd)

        let linear = Tensor.zeros(statisticalShape)
        Initializers.kaimingNormal(linear, nonlinearity: .linear, generator: RandomGenerator(seed: 75))
        #expect(Swift.abs(statistics(linear.scalars).std / (1.0 / 512).squareRoot() - 1) < 0.02)
    }

    @Test func fourDimensionalWeightsUseTheReceptiveField() {
        // [out 64, in 32, 8, 8]: fanIn = 2048, fanOut = 4096, 131 072 elements.
        let shape = [64, 32, 8, 8]
        let k = Tensor.zeros(shape)
        Initializers.kaimingNormal(k, generator: RandomGenerator(seed: 76))
        #expect(Swift.abs(statistics(k.scalars).std / (2.0 / 2048).squareRoot() - 1) < 0.02)
        let x = Tensor.zeros(shape)
        Initializers.xavierUniform(x, generator: RandomGenerator(seed: 77))
        let a = (6.0 / Double(2048 + 4096)).squareRoot()
        #expect(x.scalars.allSatisfy { Swift.abs(Double($0)) <= a })
        #expect(Swift.abs(statistics(x.scalars).std / (a / 3.0.squareRoot()) - 1) < 0.02)
    }

    @Test func uniformNormalConstant() {
        let t = Tensor.zeros(statisticalShape)
        Initializers.uniform(t, low: 2, high: 3, generator: RandomGenerator(seed: 78))
        #expect(t.scalars.allSatisfy { $0 >= 2 && $0 <= 3 })
        #expect(Swift.abs(statistics(t.scalars).mean - 2.5) < 0.005)
        Initializers.normal(t, mean: -1, std: 0.5, generator: RandomGenerator(seed: 79))
        let (mean, std) = statistics(t.scalars)
        #expect(Swift.abs(mean + 1) < 0.01 && Swift.abs(std / 0.5 - 1) < 0.02)
        Initializers.constant(t, 0.25)
        #expect(t.scalars.allSatisfy { $0 == 0.25 })
    }

    @Test func initialisersWriteInPlaceIntoParameters() {
        let layer = Linear(512, 256)
        let weight = layer.weight
        Initializers.xavierNormal(layer.weight, generator: RandomGenerator(seed: 80))
        #expect(layer.weight === weight && weight.requiresGrad)
        #expect(Swift.abs(statistics(weight.scalars).std / (2.0 / 768).squareRoot() - 1) < 0.02)
    }

    /// Max |(A·Aᵀ − I)ᵢⱼ| in double, for A = [rows, cols] (or Aᵀ·A when `columns`).
    func orthonormalityError(_ t: Tensor, rows: Int, cols: Int, columns: Bool, gain: Double = 1) -> Double {
        let v = t.scalars.map(Double.init)
        let n = columns ? cols : rows, length = columns ? rows : cols
        func at(_ vector: Int, _ k: Int) -> Double { columns ? v[k * cols + vector] : v[vector * cols + k] }
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0
                for k in 0..<length { dot += at(i, k) * at(j, k) }
                worst = Swift.max(worst, Swift.abs(dot / (gain * gain) - (i == j ? 1 : 0)))
            }
        }
        return worst
    }

    @Test(arguments: [(3, 7), (8, 8), (20, 50)])
    func orthogonalRowsWhenRowsAreFewer(rows: Int, cols: Int) {
        let t = Tensor.zeros([rows, cols])
        Initializers.orthogonal(t, generator: RandomGenerator(seed: 81))
        #expect(orthonormalityError(t, rows: rows, cols: cols, columns: false) < 1e-4)
    }

    @Test(arguments: [(7, 3), (50, 20)])
    func orthogonalColumnsWhenRowsAreMore(rows: Int, cols: Int) {
        let t = Tensor.zeros([rows, cols])
        Initializers.orthogonal(t, generator: RandomGenerator(seed: 82))
        #expect(orthonormalityError(t, rows: rows, cols: cols, columns: true) < 1e-4)
    }

    @Test func orthogonalWithGainAndFourDimensions() {
        let t = Tensor.zeros([6, 2, 2, 2])
        Initializers.orthogonal(t, gain: 2, generator: RandomGenerator(seed: 83))
        #expect(t.shape == [6, 2, 2, 2])
        // Flattened to [6, 8]: six orthogonal rows of norm 2.
        #expect(orthonormalityError(t, rows: 6, cols: 8, columns: false, gain: 2) < 1e-4)
        let tall = Tensor.zeros([12, 2, 2])
        Initializers.orthogonal(tall, generator: RandomGenerator(seed: 84))
        #expect(orthonormalityError(tall, rows: 12, cols: 4, columns: true) < 1e-4)
    }
}
