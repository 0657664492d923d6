import Foundation
import MyelinNN
import Testing

/// A decoder whose next-token probabilities are a function of the tokens so far: the state of a row
/// is its example number followed by every token it has read, the start token included.
struct PrefixDecoder: StepwiseDecoder {
    let probabilities: ([Int32]) -> [Float]

    func logProbabilities(after tokens: [Int32], state: [[Int32]]) -> (logProbabilities: Tensor, state: [[Int32]]) {
        let next = zip(state, tokens).map { $0 + [$1] }
        return (Tensor(next.map { probabilities($0).map { Foundation.log($0) } }), next)
    }

    func selectingRows(_ rows: [Int], of state: [[Int32]]) -> [[Int32]] { rows.map { state[$0] } }
}

@Suite struct BeamSearchTests {
    static let end: Int32 = 0, start: Int32 = 9

    /// Tokens 0 (end), 1 and 2 with probabilities drawn from a generator seeded by the prefix.
    static func randomProbabilities(_ prefix: [Int32]) -> [Float] {
        let seed = prefix.reduce(UInt64(17)) { $0 &* 31 &+ UInt64($1) &+ 7 }
        let generator = RandomGenerator(seed: seed)
        let weights = (0..<3).map { _ in Foundation.exp(generator.uniform(-2, 2)) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// Every sequence of at most `maxLength` tokens, ranked as BeamSearch ranks them.
    static func bruteForce(example: Int32, maxLength: Int, alpha: Float) -> [BeamSearch.Hypothesis] {
        var all = [BeamSearch.Hypothesis]()
        func score(_ logP: Float, _ length: Int) -> Float { alpha == 0 ? logP : logP / Foundation.pow(Float(length), alpha) }
        func extend(_ written: [Int32], _ logP: Float) {
            let p = randomProbabilities([example, start] + written)
            let length = written.count + 1
            let ended = logP + Foundation.log(p[0])
            all.append(.init(tokens: written, isComplete: true, logProbability: ended, score: score(ended, length)))
            for token: Int32 in [1, 2] {
                let logQ = logP + Foundation.log(p[Int(token)])
                if length == maxLength {
                    all.append(.init(tokens: written + [token], isComplete: false, logProbability: logQ, score: score(logQ, length)))
                } else {
                    extend(written + [token], logQ)
                }
            }
        }
        extend([], 0)
        return all.sorted { $0.score > $1.score }
    }

    @Test(arguments: [Float(0), 0.7, 1])
    func aWideEnoughBeamFindsTheBestSequencesOfAnExhaustiveSearch(alpha: Float) {
        // At most 2^3 live hypotheses after 4 steps, so a width of 16 prunes nothing.
        let search = BeamSearch(width: 16, maxLength: 4, lengthNormalization: alpha)
        let results = search.decode(
            PrefixDecoder(probabilities: Self.randomProbabilities), state: [[0], [1]], examples: 2, start: Self.start, end: Self.end)
        for example in 0..<2 {
            let expected = Array(Self.bruteForce(example: Int32(example), maxLength: 4, alpha: alpha).prefix(16))
            #expect(results[example].map(\.tokens) == expected.map(\.tokens))
            #expect(results[example].map(\.isComplete) == expected.map(\.isComplete))
            for (found, truth) in zip(results[example], expected) {
                #expect(Swift.abs(found.score - truth.score) < 1e-5 && Swift.abs(found.logProbability - truth.logProbability) < 1e-5)
            }
        }
    }

    /// P(a) = .5, P(b) = .4, P(end) = .1; after "a" every token has probability 1/3; after "b" the end has .9.
    static func greedyTrap(_ prefix: [Int32]) -> [Float] {
        switch Array(prefix.dropFirst(2)) {
        case []: return [0.1, 0.5, 0.4]
        case [1]: return [0.34, 0.33, 0.33]
        case [2]: return [0.9, 0.05, 0.05]
        default: return [0.9, 0.05, 0.05]
        }
    }

    @Test func greedyTakesTheLikelierFirstTokenAndBeamSearchTheLikelierSequence() {
        let decoder = PrefixDecoder(probabilities: Self.greedyTrap)
        let greedy = BeamSearch.greedy(maxLength: 5).decode(decoder, state: [[0]], examples: 1, start: Self.start, end: Self.end)
        #expect(greedy[0].map(\.tokens) == [[1]])  // "a", then end at 0.34: P = 0.17
        #expect(Swift.abs(greedy[0][0].logProbability - Foundation.log(Float(0.5 * 0.34))) < 1e-6)
        let beam = BeamSearch(width: 2, maxLength: 5).decode(decoder, state: [[0]], examples: 1, start: Self.start, end: Self.end)
        #expect(beam[0].map(\.tokens) == [[2], [1]])  // "b" end: P = 0.36
        #expect(Swift.abs(beam[0][0].logProbability - Foundation.log(Float(0.4 * 0.9))) < 1e-6)
    }

    @Test func examplesInOneBatchDecodeAsTheyDoAlone() {
        let decoder = PrefixDecoder(probabilities: Self.randomProbabilities)
        let search = BeamSearch(width: 3, maxLength: 6, lengthNormalization: 0.5)
        let together = search.decode(decoder, state: [[4], [5], [6]], examples: 3, start: Self.start, end: Self.end)
        for example in 0..<3 {
            let alone = search.decode(decoder, state: [[Int32(example + 4)]], examples: 1, start: Self.start, end: Self.end)
            #expect(together[example] == alone[0])
        }
        #expect(together.allSatisfy { $0.count == 3 && zip($0, $0.dropFirst()).allSatisfy { $0.score >= $1.score } })
    }

    @Test func aSequenceThatNeverEndsIsCutOffAtMaxLength() {
        let decoder = PrefixDecoder { _ in [0.01, 0.98, 0.01] }
        let result = BeamSearch.greedy(maxLength: 3).decode(decoder, state: [[0]], examples: 1, start: Self.start, end: Self.end)
        #expect(
            result[0] == [
                .init(
                    tokens: [1, 1, 1], isComplete: false, logProbability: 3 * Foundation.log(Float(0.98)),
                    score: 3 * Foundation.log(Float(0.98)))
            ])
    }
}
