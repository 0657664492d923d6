import Foundation
import MyelinNN
import Testing

@Suite struct TokenSamplerTests {
    /// softmax(logits / temperature), computed directly in Double (the logits here are small).
    func softmax(_ logits: [Float], temperature: Double = 1) -> [Double] {
        let e = logits.map { Foundation.exp(Double($0) / temperature) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// How often each id in 0..<count was drawn, as fractions.
    func frequencies(_ draws: [Int], count: Int) -> [Double] {
        var tally = [Double](repeating: 0, count: count)
        for d in draws { tally[d] += 1 }
        return tally.map { $0 / Double(draws.count) }
    }

    /// Pearson's chi-square statistic of `draws` against the probabilities `expected` (all > 0).
    func chiSquare(_ draws: [Int], _ expected: [Double]) -> Double {
        let observed = frequencies(draws, count: expected.count)
        let n = Double(draws.count)
        return zip(observed, expected).reduce(0) { $0 + n * ($1.0 - $1.1) * ($1.0 - $1.1) / $1.1 }
    }

    func draws(_ sampler: TokenSampler, _ logits: [Float], _ n: Int, seed: UInt64) -> [Int] {
        let generator = RandomGenerator(seed: seed)
        return (0..<n).map { _ in sampler.sample(logits: logits, generator: generator) }
    }

    @Test func greedyPicksTheArgmax() {
        #expect(TokenSampler.greedy.sample(logits: [0.1, 3, -2, 3]) == 1)  // the first of a tie
        #expect(TokenSampler.greedy.sample(logits: [-5, -4, -7]) == 1)
        #expect(TokenSampler.greedy.sample(logits: [2]) == 0)
        #expect(TokenSampler.greedy.sample(logits: Tensor([0, -1, 4, 3.9])) == 2)
        #expect(TokenSampler.greedy.sample(logits: [-.infinity, -1e30, .infinity, 1]) == 2)
        #expect(TokenSampler.greedy.strategy == .greedy)
        // Row by row, also from a transposed (non-contiguous) tensor.
        let columns = Tensor([[1, 9, 0], [5, 2, 0], [3, 4, 7]])
        #expect(TokenSampler.greedy.sampleEachRow(of: columns) == [1, 0, 2])
        #expect(TokenSampler.greedy.sampleEachRow(of: columns.T) == [1, 0, 2])
    }

    @Test func topOneIsGreedy() {
        let generator = RandomGenerator(seed: 1)
        let logits = Tensor.randn([200, 30], generator: generator)
        let topOne = TokenSampler(temperature: 2.5, topK: 1)
        #expect(topOne.strategy == .sampling(temperature: 2.5, topK: 1))
        #expect(topOne.sampleEachRow(of: logits, generator: generator) == TokenSampler.greedy.sampleEachRow(of: logits))
    }

    @Test func topKDrawsOnlyTheKLargestWithRenormalisedProbabilities() {
        let generator = RandomGenerator(seed: 2)
        let logits = (0..<20).map { _ in generator.uniform(-2, 2) }
        let largest = Array(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5))
        let sampled = draws(TokenSampler(temperature: 1.3, topK: 5), logits, 10_000, seed: 3)
        #expect(sampled.allSatisfy(largest.contains))
        // Among the five, the probabilities are the softmax of those five alone.
        let position = Dictionary(uniqueKeysWithValues: largest.enumerated().map { ($1, $0) })
        let chi = chiSquare(sampled.map { position[$0]! }, softmax(largest.map { logits[$0] }, temperature: 1.3))
        #expect(chi < 18.47, "chi-square \(chi) with 4 degrees of freedom (p = 0.001 at 18.47)")
        // k ≥ V keeps every logit.
        let all = draws(TokenSampler(topK: 50), logits, 5_000, seed: 4)
        #expect(Set(all).count == 20)
    }

    @Test func tiesAtTheKthPlaceKeepTheLowerIndex() {
        let sampled = draws(TokenSampler(topK: 2), [1, 2, 2, 2, 0], 4_000, seed: 5)
        let f = frequencies(sampled, count: 5)
        #expect(f[0] == 0 && f[3] == 0 && f[4] == 0, "\(f)")
        #expect(Swift.abs(f[1] - 0.5) < 0.03 && Swift.abs(f[2] - 0.5) < 0.03, "\(f)")
    }

    @Test func frequenciesMatchTheSoftmax() {
        let logits: [Float] = [2, 1, 0.5, 0, -1, -3]
        for temperature in [0.8, 1.0, 2.0] {
            let sampled = draws(TokenSampler(temperature: Float(temperature)), logits, 20_000, seed: 6)
            let expected = softmax(logits, temperature: temperature)
            let chi = chiSquare(sampled, expected)
            #expect(chi < 20.52, "T = \(temperature): chi-square \(chi) with 5 degrees of freedom (p = 0.001 at 20.52)")
            // And each frequency within 4 standard errors (√(p(1 − p)/n) ≤ 0.0036).
            let worst = zip(frequencies(sampled, count: 6), expected).map { Swift.abs($0 - $1) }.max()!
            #expect(worst < 0.0145, "T = \(temperature): largest frequency error \(worst)")
        }
    }

    @Test func temperatureSharpensAndFlattens() {
        let logits: [Float] = [1, 1.5, 0.5]
        // T = 0.05: the others have probability e^−10 + e^−20 ≈ 4.5e−5 each draw.
        let cold = draws(TokenSampler(temperature: 0.05), logits, 5_000, seed: 7)
        #expect(cold.filter { $0 == 1 }.count >= 4_995)
        // T = 1000: nearly uniform (standard error of each frequency 0.0067).
        let hot = frequencies(draws(TokenSampler(temperature: 1000), logits, 5_000, seed: 8), count: 3)
        #expect(hot.allSatisfy { Swift.abs($0 - 1.0 / 3) < 0.03 }, "\(hot)")
        // In between, the argmax's share falls as the temperature rises.
        let shares = [0.25, 1, 4].map { t in
            frequencies(draws(TokenSampler(temperature: Float(t)), logits, 5_000, seed: 9), count: 3)[1]
        }
        #expect(shares[0] > shares[1] + 0.1 && shares[1] > shares[2] + 0.05, "\(shares)")
        // An extreme temperature cannot overflow: logits ±1e30 at T = 1e-30.
        #expect(draws(TokenSampler(temperature: 1e-30), [1e30, -1e30, 0], 100, seed: 10).allSatisfy { $0 == 0 })
    }

    @Test func infiniteLogits() {
        // −∞ is never drawn; +∞ always is.
        let masked = draws(TokenSampler(), [-.infinity, 0, -.infinity, 1], 2_000, seed: 11)
        #expect(Set(masked) == [1, 3])
        #expect(draws(TokenSampler(), [0, .infinity, 5], 100, seed: 12).allSatisfy { $0 == 1 })
    }

    @Test func reproducibleWithTheSameSeed() {
        let sampler = TokenSampler(temperature: 0.9, topK: 10)
        let logits = (0..<40).map { Float($0 % 7) * 0.3 }
        #expect(draws(sampler, logits, 300, seed: 13) == draws(sampler, logits, 300, seed: 13))
        #expect(draws(sampler, logits, 300, seed: 13) != draws(sampler, logits, 300, seed: 14))
        // A batch draws its rows in order from the one generator: the same as row by row.
        let rows = Tensor.randn([8, 40], generator: RandomGenerator(seed: 15))
        let batched = sampler.sampleEachRow(of: rows, generator: RandomGenerator(seed: 16))
        let generator = RandomGenerator(seed: 16)
        let single = (0..<8).map {
            sampler.sample(logits: rows.narrowed(axis: 0, start: $0, length: 1).squeezed(axis: 0), generator: generator)
        }
        #expect(batched == single)
    }

    @Test func impossibleSettingsStop() async {
        func message(_ result: ExitTest.Result?) -> String {
            String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        }
        let zero = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = TokenSampler(temperature: 0)
            })
        #expect(zero.contains("TokenSampler: temperature must be positive and finite, got 0.0"), "\(zero)")
        let k = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = TokenSampler(topK: 0)
            })
        #expect(k.contains("TokenSampler: topK must be at least 1, got 0"), "\(k)")
        let nan = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = TokenSampler.greedy.sample(logits: [0, .nan, 1])
            })
        #expect(nan.contains("TokenSampler: logit 1 of 3 is NaN"), "\(nan)")
    }
}
