import Foundation
import Myelin
import MyelinModels
import MyelinTestSupport
import Testing

/// A tiny network over a vocabulary of 9 tokens each side (4 special).
private func tinySeq2Seq(_ attention: Seq2Seq.Attention, bidirectional: Bool = true, seed: UInt64 = 1) -> Seq2Seq {
    Seq2Seq(
        .init(
            sourceVocabularySize: 9, targetVocabularySize: 9, embeddingSize: 3, hiddenSize: 3, bidirectional: bidirectional,
            attention: attention, attentionSize: 4), generator: RandomGenerator(seed: seed))
}

private let sources: [[Int32]] = [[4, 5, 6, 7, 8], [8, 4], [5, 6, 7]]
private let targets: [[Int32]] = [[5, 6], [7, 8, 4, 5], [6]]

/// Whether two float arrays agree elementwise within `tolerance`.
private func near(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

/// Rows `0..<length` of `x`'s example `b` ([B, S, …] → [length, …]).
private func example(_ x: Tensor, _ b: Int, length: Int) -> [Float] {
    x[b].narrowed(axis: 0, start: 0, length: length).contiguous().scalars
}

@Suite struct Seq2SeqTests {
    @Test(arguments: [true, false])
    func theEncoderReadsEachSequenceOfAPaddedBatchAsIfAlone(bidirectional: Bool) {
        let encoder = tinySeq2Seq(.none, bidirectional: bidirectional).encoder
        let batch = encoder.encode(PaddedBatch(sources))
        #expect(batch.outputs.shape == [3, 5, encoder.outputSize] && batch.summary.shape == [3, encoder.outputSize])
        for (b, source) in sources.enumerated() {
            let alone = encoder.encode(PaddedBatch([source]))
            #expect(near(example(batch.outputs, b, length: source.count), alone.outputs.scalars, 1e-6), "outputs of \(b)")
            #expect(near(batch.summary[b].scalars, alone.summary.scalars, 1e-6), "summary of \(b)")
            // The summary is the forward state at the last token and the backward state at the first.
            let h = encoder.forwardLSTM.hiddenSize
            let outputs = alone.outputs.reshaped([source.count, -1])
            #expect(near(Array(alone.summary.scalars[0..<h]), outputs[source.count - 1].scalars.prefix(h).map { $0 }, 0))
            if bidirectional { #expect(near(Array(alone.summary.scalars[h...]), Array(outputs[0].scalars[h...]), 0)) }
        }
        // Run alone, the backward direction is the LSTM over the reversed sequence.
        if let backward = encoder.backwardLSTM {
            let source = sources[0]
            let reversed = backward(encoder.embedding(Tensor(shape: [1, 5], integers: source.reversed().map(Int.init))))
            let h = backward.hiddenSize
            let aligned = encoder.encode(PaddedBatch([source])).outputs.reshaped([5, -1])
            for t in 0..<5 {
                #expect(near(Array(aligned[t].scalars[h...]), reversed.reshaped([5, h])[4 - t].scalars, 1e-6))
            }
        }
    }

    @Test(arguments: Seq2Seq.Attention.allCases)
    func aPaddedBatchGivesEachPairsLogitsAlone(attention: Seq2Seq.Attention) {
        let model = tinySeq2Seq(attention)
        let (input, _) = PaddedBatch.teacherForcing(targets)
        let batch = model.decode(input.tokens, from: model.start(PaddedBatch(sources)))
        #expect(batch.logits.shape == [3, 5, 9])
        #expect((batch.weights?.shape ?? [3, 5, 5]) == [3, 5, 5] && (batch.weights == nil) == (attention == .none))
        for b in 0..<3 {
            let (one, _) = PaddedBatch.teacherForcing([targets[b]])
            let alone = model.decode(one.tokens, from: model.start(PaddedBatch([sources[b]])))
            #expect(near(example(batch.logits, b, length: targets[b].count + 1), alone.logits.scalars, 1e-5), "logits of \(b)")
            if let weights = batch.weights, let aloneWeights = alone.weights {
                // No weight on padding, the same weights on the real tokens.
                let rows = example(weights, b, length: targets[b].count + 1), n = sources[b].count
                for t in 0...targets[b].count {
                    #expect(near(Array(rows[(t * 5)..<(t * 5 + n)]), Array(aloneWeights.scalars[(t * n)..<(t * n + n)]), 1e-6))
                    #expect(rows[(t * 5 + n)..<(t * 5 + 5)].allSatisfy { $0 == 0 })
                }
            }
        }
    }

    @Test(arguments: Seq2Seq.Attention.allCases)
    func gradientsMatchFiniteDifferences(attention: Seq2Seq.Attention) {
        // Every weight, through the reversal, the gathers, the bridge and the attention; source
        // padding and target padding (ignored by the loss) included.
        let model = tinySeq2Seq(attention, seed: 2)
        let (input, target) = PaddedBatch.teacherForcing(Array(targets.prefix(2)))
        let source = PaddedBatch(Array(sources.prefix(2)))
        GradientCheck().check(model.parameters) {
            crossEntropy(model.decode(input.tokens, from: model.start(source)).logits, target.tokens, ignoreIndex: 0)
        }
    }

    @Test(arguments: Seq2Seq.Attention.allCases)
    func greedySearchFollowsTheArgmaxAndBeamsDoNoWorse(attention: Seq2Seq.Attention) {
        let model = tinySeq2Seq(attention, seed: 3)
        let source = PaddedBatch(sources)
        let greedy = model.translate(source, search: .greedy(maxLength: 6)).map { $0[0] }
        for (b, hypothesis) in greedy.enumerated() {
            // Step by step by hand, feeding back the most likely token: the path, the log-probability
            // of its first k tokens, and of ending after them.
            var path: [Int32] = [], prefix: [Float] = [0], ending: [Float] = []
            var state = model.evaluating { model.start(PaddedBatch([sources[b]])) }
            var last = WordVocabulary.startID
            for _ in 0..<6 {
                let step = model.evaluating { model.decode(Tensor(shape: [1, 1], integers: [Int(last)]), from: state) }
                let scores = step.logits.reshaped([9]).logSoftmax(axis: 0).scalars
                let best = scores.indices.max { scores[$0] < scores[$1] }!
                ending.append(scores[Int(WordVocabulary.endID)])
                state = step.state
                last = Int32(best)
                if last == WordVocabulary.endID { break }
                path.append(last)
                prefix.append(prefix.last! + scores[best])
            }
            // Width 1 extends the argmax; an end token met on the way as the runner-up is kept as a
            // finished hypothesis, and wins when it is likelier than the whole path.
            let k = hypothesis.tokens.count
            #expect(Array(path.prefix(k)) == hypothesis.tokens, "\(hypothesis.tokens) is not a prefix of \(path)")
            let expected = hypothesis.isComplete ? prefix[k] + ending[k] : prefix[k]
            #expect(abs(hypothesis.logProbability - expected) < 1e-5)
        }
        let beams = model.translate(source, search: BeamSearch(width: 3, maxLength: 6))
        for (b, best) in beams.enumerated() where greedy[b].isComplete {
            #expect(best[0].logProbability >= greedy[b].logProbability - 1e-5)
        }
    }

    @Test func attentionWeightsFollowTheOutput() throws {
        let model = tinySeq2Seq(.additive, seed: 4)
        let weights = try #require(model.attentionWeights(source: PaddedBatch(sources), outputs: targets))
        #expect(weights.shape == [3, 5, 5])
        let sums = weights.sum(axis: -1).scalars
        for b in 0..<3 {
            for t in 0...targets[b].count { #expect(abs(sums[b * 5 + t] - 1) < 1e-5) }
        }
        #expect(tinySeq2Seq(.none).attentionWeights(source: PaddedBatch(sources), outputs: targets) == nil)
    }

    @Test func exactMatchByLengthBucketsTheSources() {
        let table = ExactMatchByLength(lengths: [1, 9, 10, 11, 25, 25], matches: [true, false, true, true, false, false], width: 10)
        #expect(table.buckets.map(\.lengths) == [1...10, 11...20, 21...30])
        #expect(table.buckets.map(\.count) == [3, 1, 2] && table.buckets.map(\.correct) == [2, 1, 0])
        #expect(table.count == 6 && table.accuracy == 0.5 && table.buckets.map(\.name) == ["1–10", "11–20", "21–30"])
        let single = ExactMatchByLength(lengths: [3, 5, 3], matches: [true, true, false], width: 1)
        #expect(single.buckets.map(\.name) == ["3", "5"] && single.buckets.map(\.accuracy) == [0.5, 1])
    }

    @Test func aFewHundredStepsLearnToWriteDates() throws {
        // The command's recipe, smaller: the loss per target token falls from ln 15 ≈ 2.7 and the
        // test exact-match accuracy leaves 0. (A full run reaches 0.99: docs/seq2seq.md.)
        let pairs = TranslationPairs(.dates)
        let model = Seq2Seq(
            .init(
                sourceVocabularySize: pairs.sourceVocabulary.count, targetVocabularySize: pairs.targetVocabulary.count,
                embeddingSize: 16, hiddenSize: 32, attention: .additive, attentionSize: 32), generator: RandomGenerator(seed: 5))
        let task = Seq2SeqTask(
            model, pairs: pairs, optimizer: Adam(model.parameters, learningRate: 0.005), generator: RandomGenerator(seed: 6),
            batchSize: 32, clipNorm: 1)
        let trainer = Trainer(.steps(300), state: task.state)
        try trainer.run(task)
        let losses = trainer.history.values("loss")
        #expect(losses[0] > 2.4 && losses.suffix(20).reduce(0, +) / 20 < 0.6, "\(losses.prefix(3)) … \(losses.suffix(3))")
        let accuracy = try #require(trainer.history.last("test exact-match accuracy")),
            loss = try #require(trainer.history.last("test loss"))
        #expect(accuracy > 0.05 && loss < 0.6, "test exact-match accuracy \(accuracy), test loss \(loss)")
    }

    @Test func theTranslatorComesBackFromTheCheckpoint() throws {
        let pairs = TranslationPairs(.wordsToDigits)
        let model = Seq2Seq(
            .init(
                sourceVocabularySize: pairs.sourceVocabulary.count, targetVocabularySize: pairs.targetVocabulary.count,
                embeddingSize: 4, hiddenSize: 4, attention: .dot), generator: RandomGenerator(seed: 7))
        let task = Seq2SeqTask(
            model, pairs: pairs, optimizer: Adam(model.parameters, learningRate: 0.01), generator: RandomGenerator(seed: 8),
            batchSize: 8, clipNorm: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq2seq-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let trainer = Trainer(.steps(3), state: task.state, metadata: task.translator.metadata)
        try trainer.run(task)
        try trainer.save(to: url)
        let back = try Translator(checkpoint: url)
        #expect(back.task == .wordsToDigits && back.sourceLevel == .words && back.targetLevel == .characters && back.maxLength == 14)
        #expect(back.sourceVocabulary == pairs.sourceVocabulary && back.targetVocabulary == pairs.targetVocabulary)
        #expect(back.model.configuration == model.configuration)
        let texts = ["three hundred and forty-two", "Seven", "one million and five"]
        let original = try task.translator.translate(texts, beamWidth: 2), loaded = try back.translate(texts, beamWidth: 2)
        #expect(original.map(\.tokens) == loaded.map(\.tokens) && original.map(\.logProbability) == loaded.map(\.logProbability))
        #expect(loaded.allSatisfy { $0.text == $0.tokens.joined() && $0.tokens.allSatisfy { $0.count == 1 } })
        #expect(throws: UnreadableTextError.self) { try back.translate(["three hundred and fourty-two"]) }
        // A checkpoint of another kind is refused by name.
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("other-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: other) }
        try TrainingCheckpoint(format: "myelin.something-else", modules: [("model", Linear(2, 2))]).save(to: other, metadata: [:])
        #expect(throws: (any Error).self) { try Translator(checkpoint: other) }
    }
}
