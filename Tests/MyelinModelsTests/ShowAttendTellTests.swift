import Foundation
import Myelin
import MyelinModels
import MyelinTestSupport
import Testing

/// `count` captioned 32×32 canvases of 1–2 MNIST test digits (sizes scaled down from the 64×64 ones).
func smallCaptionedCanvases(_ count: Int, seed: UInt64) throws -> CaptionedDigitCanvases {
    let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data/mnist")
    return CaptionedDigitCanvases(
        try MNIST(split: .test, directory: project), count: count, seed: seed,
        configuration: CaptionedDigitCanvases.standardConfiguration(side: 32, digitsPerCanvas: 1...2))
}

/// A captioner small enough to train for seconds: 32×32 canvases, an 8×8 grid of 8 channels, an LSTM of 16.
func smallCaptioner(seed: UInt64) -> ShowAttendTell {
    ShowAttendTell(
        .init(
            side: 32, encoderWidths: [4, 8, 8], vocabularySize: CaptionedDigitCanvases.vocabulary.count, embeddingSize: 8, hiddenSize: 16,
            attentionSize: 8), generator: RandomGenerator(seed: seed))
}

/// The small captioner learning `data` with Adam, 8 canvases a step, tested on `test`.
func captioningTask(
    seed: UInt64, data: CaptionedDigitCanvases, test: CaptionedDigitCanvases, attentionPenalty: Float = 0
) -> CaptioningTask<CaptionedDigitCanvases> {
    let model = smallCaptioner(seed: seed)
    return CaptioningTask(
        model, optimizer: Adam(model.parameters, learningRate: 1e-2),
        on: DataLoader(data, batchSize: 8, shuffle: true, generator: RandomGenerator(seed: seed &+ 1)), test: test,
        attentionPenalty: attentionPenalty)
}

@Suite struct ShowAttendTellTests {
    @Test func shapesNamesAndAttentionWeights() throws {
        let model = smallCaptioner(seed: 1)
        let images = try smallCaptionedCanvases(2, seed: 1).batch(at: 0..<2).inputs
        let tokens = Tensor(shape: [2, 5], integers: [2, 5, 6, 7, 8, 2, 9, 10, 11, 12])
        let (logits, weights) = model.forward(images, tokens: tokens)
        #expect(logits.shape == [2, 5, 21] && weights.shape == [2, 5, 64])
        // Each step's weights are a distribution over the 64 cells.
        #expect(weights.scalars.allSatisfy { $0 >= 0 })
        #expect(weights.sum(axis: 2).scalars.allSatisfy { abs($0 - 1) < 1e-5 })
        let names = Set(model.stateDict.map(\.0))
        for name in [
            "encoder.0.weight", "encoder.1.running_mean", "encoder.4.weight", "positions.weight", "initialHidden.weight",
            "attention.query.weight", "attention.key.bias", "attention.score.weight", "embedding.weight", "lstm.weight_ih", "head.bias",
        ] {
            #expect(names.contains(name), "no \(name) in \(names.sorted())")
        }
        #expect(model.positions.weight.shape == [64, 8] && model.lstm.inputSize == 16 && model.head.weight.shape == [21, 24])
    }

    @Test func stepwiseDecodingIsTeacherForcingOneWordAtATime() throws {
        let model = smallCaptioner(seed: 2)
        model.eval()
        let images = try smallCaptionedCanvases(3, seed: 2).batch(at: 0..<3).inputs
        let tokens: [[Int32]] = [[2, 5, 9], [2, 6, 10], [2, 7, 11]]
        let forced = withoutGrad { model.forward(images, tokens: Tensor(shape: [3, 3], integers: tokens.flatMap { $0.map(Int.init) })) }
        var state = withoutGrad { model.encode(images) }
        for t in 0..<3 {
            let (logProbabilities, next) = withoutGrad { model.logProbabilities(after: tokens.map { $0[t] }, state: state) }
            let expected = forced.logits.narrowed(axis: 1, start: t, length: 1).reshaped([3, 21]).logSoftmax(axis: -1)
            #expect(zip(logProbabilities.scalars, expected.scalars).allSatisfy { abs($0 - $1) < 1e-5 }, "step \(t)")
            state = next
        }
        // Picking rows gives each its own copy: row 0 of [2, 2, 0] is canvas 2's.
        let picked = model.selectingRows([2, 2, 0], of: withoutGrad { model.encode(images) })
        let first = withoutGrad { model.logProbabilities(after: [2, 2, 2], state: picked).logProbabilities }
        let whole = withoutGrad { model.logProbabilities(after: [2, 2, 2], state: model.encode(images)).logProbabilities }
        #expect(first[0].scalars == whole[2].scalars && first[1].scalars == whole[2].scalars && first[2].scalars == whole[0].scalars)
    }

    @Test func greedyCaptionsFollowTheMostLikelyWord() throws {
        let model = smallCaptioner(seed: 3)
        model.eval()
        let images = try smallCaptionedCanvases(2, seed: 3).batch(at: 0..<2).inputs
        let found = model.captions(of: images, search: .greedy(maxLength: 6), start: 2, end: 3)
        for example in 0..<2 {
            // The argmax chain, by hand.
            var written = [Int32](), state = withoutGrad { model.encode(images[example].unsqueezed(axis: 0)) }, last: Int32 = 2
            for _ in 0..<6 {
                let (logProbabilities, next) = withoutGrad { model.logProbabilities(after: [last], state: state) }
                last = Int32(logProbabilities.argmax(axis: -1).integers[0])
                if last == 3 { break }
                written.append(last)
                state = next
            }
            #expect(found[example].count == 1 && found[example][0].tokens == written)
        }
    }

    @Test func theDoublyStochasticPenaltyCountsOnlyRealSteps() {
        // One caption of two real steps and a padded one over 3 cells: Σₜ α = (0.7, 0.8, 0.5), the
        // padded step's weights left out: 0.3² + 0.2² + 0.5² = 0.38.
        let weights = Tensor(shape: [1, 3, 3], scalars: [0.5, 0.5, 0, 0.2, 0.3, 0.5, 1, 0, 0])
        let mask = Tensor(shape: [1, 3], scalars: [1, 1, 0])
        #expect(abs(doublyStochasticPenalty(weights, mask: mask).item - 0.38) < 1e-6)
        let g = RandomGenerator(seed: 4)
        let twoCaptions = Tensor(shape: [2, 4], scalars: [1, 1, 1, 0, 1, 1, 0, 0])
        checkGradients([uniform([2, 4, 5], g, 0, 0.5)]) { doublyStochasticPenalty($0[0], mask: twoCaptions) }
    }

    @Test func theTaskLearnsTheCaptions() throws {
        // 32 canvases, 100 steps: the loss per word falls from about log 21 ≈ 3 to below 0.7 (0.44 when written).
        let task = captioningTask(seed: 5, data: try smallCaptionedCanvases(32, seed: 5), test: try smallCaptionedCanvases(8, seed: 50))
        let (images, captions) = task.batches.dataset.batch(at: 0..<32)
        let before = withoutGrad { task.losses(images, captions: captions).loss.item }
        let history = try Trainer(.steps(100), state: task.state, evaluateEvery: .steps(100)).run(task)
        let after = withoutGrad { task.losses(images, captions: captions).loss.item }
        #expect(before > 2.5 && after < 0.7, "loss \(before) → \(after)")
        for name in ["test loss", "test BLEU-4", "test exact", "test exact 1 digit", "test exact 2 digits"] {
            #expect(history.last(name) != nil, "no \(name) in the history")
        }
        // 0.36 when written: the greedy captions of unseen canvases share words and pairs with the true ones.
        #expect(history.last("test BLEU-4")! > 0.2)
    }

    @Test func captionScoresCountExactCaptionsByDigits() throws {
        let data = try smallCaptionedCanvases(20, seed: 6)
        var written = data.captions
        let wrong = try #require((0..<20).first { data.digitCount(at: $0) == 2 })
        written[wrong] = ["a", "5"]
        let scores = CaptionScores(captions: written, data: data)
        let twos = (0..<20).filter { data.digitCount(at: $0) == 2 }.count
        #expect(scores.exact == 19.0 / 20)
        #expect(scores.exactByDigitCount.map(\.digits) == [1, 2] && scores.exactByDigitCount[0].exact == 1)
        #expect(abs(scores.exactByDigitCount[1].exact - Double(twos - 1) / Double(twos)) < 1e-12)
        #expect(scores.canvasesByDigitCount.map(\.canvases) == [20 - twos, twos])
        #expect(CaptionScores(captions: data.captions, data: data).bleu.score == 1 && scores.bleu.score < 1)
    }

    @Test func theCheckpointRebuildsTheTrainedModelAndItsVocabulary() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("captioning-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let task = captioningTask(seed: 7, data: try smallCaptionedCanvases(16, seed: 7), test: try smallCaptionedCanvases(4, seed: 70))
        let metadata = task.model.checkpointMetadata(vocabulary: CaptionedDigitCanvases.vocabulary)
        try Trainer(.epochs(1), state: task.state, metadata: metadata, callbacks: [ModelCheckpoint(url)]).run(task)
        let (loaded, vocabulary) = try ShowAttendTell.trained(from: url)
        #expect(loaded.configuration == task.model.configuration && !loaded.isTraining && vocabulary == CaptionedDigitCanvases.vocabulary)
        #expect(zip(loaded.stateDict, task.model.stateDict).allSatisfy { $0.0 == $1.0 && $0.1.scalars == $1.1.scalars })
        let images = try smallCaptionedCanvases(2, seed: 8).batch(at: 0..<2).inputs
        let search = BeamSearch(width: 2, maxLength: 6)
        #expect(
            loaded.captions(of: images, search: search, start: 2, end: 3)
                == task.model.captions(of: images, search: search, start: 2, end: 3))

        // Without the vocabulary, or of another kind, the file is refused by name.
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("bare-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: bare) }
        try task.state.save(to: bare, metadata: task.model.checkpointMetadata)
        #expect { try ShowAttendTell.trained(from: bare) } throws: { error in
            "\(error)" == "\(bare.path): it has no vocabulary (metadata myelin.vocabulary)"
        }
        try TrainingCheckpoint(format: "myelin.segmentation", modules: [("model", task.model)]).save(to: bare)
        #expect { try ShowAttendTell.trained(from: bare) } throws: { error in
            "\(error)" == "\(bare.path): it is a myelin.segmentation checkpoint, not myelin.captioning"
        }
    }
}
