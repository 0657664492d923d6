import Foundation
import MyelinNN
import MyelinOptim
import Testing

@Suite struct LearningRateScheduleTests {
    @Test func stepLR() {
        let optimizer = SGD([makeParameter()], learningRate: 1)
        let schedule = StepLR(optimizer, stepSize: 3, gamma: 0.5)
        var rates: [Float] = []
        for _ in 0..<8 {
            schedule.step()
            rates.append(optimizer.learningRate)
        }
        // torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5): lr = 1·0.5^⌊epoch/3⌋.
        #expect(rates == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25])
        #expect(schedule.epoch == 8)
        #expect(schedule.optimizer === optimizer)
    }

    @Test func stepLRDefaultGamma() {
        let optimizer = Adam([makeParameter()], learningRate: 0.1)
        let schedule = StepLR(optimizer, stepSize: 1)
        schedule.step()
        #expect(Swift.abs(optimizer.learningRate - 0.01) < 1e-9)
        schedule.step()
        #expect(Swift.abs(optimizer.learningRate - 0.001) < 1e-10)
    }

    @Test func cosineAnnealing() {
        let optimizer = SGD([makeParameter()], learningRate: 0.1)
        let schedule = CosineAnnealingLR(optimizer, period: 10, minimum: 0.001)
        var rates: [Float] = []
        for _ in 0..<10 {
            schedule.step()
            rates.append(optimizer.learningRate)
        }
        // η_t = η_min + ½(η₀ − η_min)(1 + cos(πt/T)), computed in double here.
        let expected = (1...10).map { t in 0.001 + 0.5 * 0.099 * (1 + Foundation.cos(Double.pi * Double(t) / 10)) }
        for (r, e) in zip(rates, expected) { #expect(Swift.abs(Double(r) - e) < 1e-7) }
        // Hand values: halfway it is the midpoint, at the end the minimum.
        #expect(Swift.abs(rates[4] - 0.0505) < 1e-7)
        #expect(Swift.abs(rates[9] - 0.001) < 1e-7)
        #expect(Swift.abs(rates[0] - 0.0975773) < 1e-7)
        // Monotonically decreasing over the period.
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test func cosineAnnealingToZeroByDefault() {
        let optimizer = SGD([makeParameter()], learningRate: 2)
        let schedule = CosineAnnealingLR(optimizer, period: 4)
        var rates: [Float] = []
        for _ in 0..<4 {
            schedule.step()
            rates.append(optimizer.learningRate)
        }
        // 1 + cos(π/4), 1, 1 − cos(π/4), 0.
        #expect(close(rates, [1.7071068, 1, 0.29289323, 0], 1e-6))
    }

    @Test func theOptimizerUsesTheScheduledRate() {
        let p = makeParameter([1])
        let optimizer = SGD([p], learningRate: 1)
        StepLR(optimizer, stepSize: 1, gamma: 0.1).step()
        (p * p).sum().backward()
        optimizer.step()
        // 1 − 0.1·2 = 0.8.
        #expect(Swift.abs(p.item - 0.8) < 1e-6)
    }
}

@Suite struct GradientClippingTests {
    func parameters(withGradients gradients: [[Float]]) -> [Tensor] {
        gradients.map { g in
            let p = makeParameter([Float](repeating: 0, count: g.count))
            p.grad = Tensor(g)
            return p
        }
    }

    @Test func clipGradientNormScalesLargeGradientsToMaxNorm() {
        // Global norm √(3² + 4² + 12²) = 13.
        let ps = parameters(withGradients: [[3, 4], [12]])
        let norm = clipGradientNorm(ps, maxNorm: 6.5)
        #expect(Swift.abs(norm - 13) < 1e-5)
        // Scaled by 6.5 / (13 + 1e-6), as torch.nn.utils.clip_grad_norm_.
        let factor = 6.5 / (13 + 1e-6)
        let expected: [[Double]] = [[3 * factor, 4 * factor], [12 * factor]]
        for (p, e) in zip(ps, expected) {
            for (x, y) in zip(p.grad!.scalars, e) { #expect(Swift.abs(Double(x) - y) < 1e-6) }
        }
        #expect(close(ps[0].grad!.scalars, [1.5, 2], 1e-6))
        let newNorm = ps.flatMap { $0.grad!.scalars }.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(newNorm <= 6.5 && newNorm > 6.5 - 1e-5)
        // The parameters themselves are untouched.
        #expect(ps.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func clipGradientNormOfLongGradientsMatchesADoublePrecisionSum() {
        // Lengths that fill the sixteen running sums several times over and leave a tail (1,003 and
        // 37 elements), values of mixed signs and sizes.
        let lengths = [1_003, 37]
        let gradients = lengths.enumerated().map { t, n in
            (0..<n).map { i in Float(((i * 7_919 + t * 104_729) % 2_001) - 1_000) / 250 }
        }
        let exact = gradients.joined().reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let norm = clipGradientNorm(parameters(withGradients: gradients), maxNorm: 1e9)
        #expect(Swift.abs(Double(norm) - exact) <= 1e-5 * exact)
    }

    @Test func clipGradientNormLeavesSmallGradientsAlone() {
        let ps = parameters(withGradients: [[3, 4], [12]])
        #expect(Swift.abs(clipGradientNorm(ps, maxNorm: 20) - 13) < 1e-5)
        #expect(ps[0].grad!.scalars == [3, 4] && ps[1].grad!.scalars == [12])
        // Exactly at the limit: nothing to do.
        #expect(Swift.abs(clipGradientNorm(ps, maxNorm: 13) - 13) < 1e-5)
        #expect(ps[0].grad!.scalars == [3, 4])
    }

    @Test func clipGradientNormIgnoresParametersWithoutGradients() {
        let ps = parameters(withGradients: [[0, 5]]) + [makeParameter([1, 2, 3])]
        #expect(Swift.abs(clipGradientNorm(ps, maxNorm: 1) - 5) < 1e-5)
        #expect(close(ps[0].grad!.scalars, [0, 1], 1e-6))
        #expect(ps[1].grad == nil)
    }

    @Test func clipGradientNormOfRealGradients() {
        let g = RandomGenerator(seed: 7)
        let model = Sequential {
            Linear(4, 16, generator: g); ReLU(); Linear(16, 3, generator: g)
        }
        let loss = crossEntropy(model(Tensor.randn([8, 4], generator: g) * 10), Tensor(integers: [0, 1, 2, 0, 1, 2, 0, 1]))
        loss.backward()
        let before = model.parameters.flatMap { $0.grad!.scalars }
        let norm = before.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let returned = clipGradientNorm(model.parameters, maxNorm: 0.01)
        #expect(Swift.abs(Double(returned) - norm) < 1e-5 * norm)
        #expect(norm > 0.01)
        let after = model.parameters.flatMap { $0.grad!.scalars }
        let scale = 0.01 / (norm + 1e-6)
        for (a, b) in zip(after, before) { #expect(Swift.abs(Double(a) - Double(b) * scale) < 1e-7) }
    }

    @Test func clipGradientValue() {
        let ps = parameters(withGradients: [[-3, 0.5, 2], [-0.25, 1]])
        MyelinOptim.clipGradientValue(ps, clipValue: 1)
        #expect(ps[0].grad!.scalars == [-1, 0.5, 1])
        #expect(ps[1].grad!.scalars == [-0.25, 1])
        MyelinOptim.clipGradientValue(ps, clipValue: 0.3)
        #expect(ps[0].grad!.scalars == [-0.3, 0.3, 0.3])
        #expect(ps[1].grad!.scalars == [-0.25, 0.3])
    }
}

@Suite struct PreconditionTests {
    @Test func negativeLearningRateIsRejected() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let p = Tensor([1])
            p.requiresGrad = true
            _ = SGD([p], learningRate: -0.1)
        }
        // The message survives the optimised build (MyelinTensor's precondition, not Swift's).
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("SGD: learning rate -0.1 is negative"), "\(message)")
    }

    @Test func adamBetaOfOneIsRejected() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1])
            p.requiresGrad = true
            _ = Adam([p], beta1: 1)
        }
    }

    @Test func nesterovWithoutMomentumIsRejected() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1])
            p.requiresGrad = true
            _ = SGD([p], learningRate: 0.1, nesterov: true)
        }
    }

    @Test func nonPositiveMaxNormIsRejected() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1])
            p.requiresGrad = true
            p.grad = Tensor([1])
            clipGradientNorm([p], maxNorm: 0)
        }
    }
}

@Suite struct OptimizerTrainingSmokeTests {
    @Test func xorWithAdam() {
        let g = RandomGenerator(seed: 1)
        let x = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
        let y = Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])
        let model = Sequential {
            Linear(2, 8, generator: g); Tanh(); Linear(8, 1, generator: g)
        }
        let optimizer = Adam(model.parameters, learningRate: 0.05)
        var last: Float = .infinity
        for _ in 0..<500 {
            let loss = binaryCrossEntropyWithLogits(model(x), y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            last = loss.item
        }
        #expect(last < 0.05)
    }

    @Test func xorWithSGDMomentumAndASchedule() {
        let g = RandomGenerator(seed: 2)
        let x = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
        let y = Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])
        let model = Sequential {
            Linear(2, 8, generator: g); Tanh(); Linear(8, 1, generator: g)
        }
        let optimizer = SGD(model.parameters, learningRate: 0.2, momentum: 0.9)
        let schedule = CosineAnnealingLR(optimizer, period: 10, minimum: 0.02)
        var last: Float = .infinity
        for _ in 0..<10 {
            for _ in 0..<100 {
                let loss = binaryCrossEntropyWithLogits(model(x), y)
                optimizer.zeroGrad()
                loss.backward()
                clipGradientNorm(model.parameters, maxNorm: 5)
                optimizer.step()
                last = loss.item
            }
            schedule.step()
        }
        #expect(last < 0.05)
    }
}
