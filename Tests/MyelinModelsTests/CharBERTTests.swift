import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct CharBERTTests {
    let small = CharBERT.Configuration(vocabularySize: 9, context: 8, embedDim: 8, heads: 2, layers: 2, feedForward: 16)

    @Test func theGPTsNetworkWithAMaskTokenAndNoCausalMask() {
        let model = CharBERT(.init(vocabularySize: 76), generator: RandomGenerator(seed: 1))
        // The GPT's 821,068 parameters and one more embedding row, the mask's.
        #expect(model.parameterCount == 821_068 + 128)
        #expect(model.maskID == 76 && model.tok.weight.shape == [77, 128] && model.head.weight.shape == [76, 128])
        #expect(model.stateDict.map(\.0) == CharGPT(.init(vocabularySize: 76)).stateDict.map(\.0))
        #expect(!model.isCausal && CharGPT(.init(vocabularySize: 76)).isCausal)
        #expect(model(Tensor(shape: [2, 64], integers: (0..<128).map { $0 % 77 })).shape == [2, 64, 76])
    }

    @Test func everyPositionSeesTheWholeWindow() {
        let model = CharBERT(small, generator: RandomGenerator(seed: 2))
        let a = model(Tensor(shape: [1, 6], integers: [1, 2, 3, 4, 5, 6])).scalars
        let b = model(Tensor(shape: [1, 6], integers: [1, 2, 3, 4, 5, 9])).scalars  // the last one masked
        // Unlike the GPT's, the first position's logits change when a later character does.
        #expect(Array(a[0..<9]) != Array(b[0..<9]))
    }

    @Test func theLogitsAtPositionsAreTheFullLogitsThere() {
        let model = CharBERT(small, generator: RandomGenerator(seed: 3))
        let ids = Tensor(shape: [2, 8], integers: [0, 9, 2, 3, 9, 5, 6, 7, 8, 7, 9, 5, 4, 3, 9, 1])
        let positions = [1, 4, 10, 14]
        let full = model(ids).reshaped([16, 9]).scalars
        let picked = model.logits(ids, at: Tensor(integers: positions)).scalars
        let expected = positions.flatMap { full[$0 * 9..<($0 + 1) * 9] }
        #expect(zip(picked, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func onlyTheChosenPositionsCarryLoss() {
        let model = CharBERT(small, generator: RandomGenerator(seed: 4))
        let masking = BERTMasking(maskID: model.maskID, vocabularySize: 9)
        let batch = masking.mask((0..<32).map { Int32($0 % 9) }, window: 8, generator: RandomGenerator(seed: 5))
        let chosen = Set(batch.positions.integers)
        #expect(chosen.count == 4 * 1)  // round(0.15 · 8) = 1 per window
        // The gradient of the loss with respect to what the blocks made of each position is zero
        // wherever no character was chosen, and not zero where one was.
        let features = model.features(batch.input).detached()
        features.requiresGrad = true
        crossEntropy(model.logits(features: features, at: batch.positions), batch.targets).backward()
        let rows = features.grad!.reshaped([32, 8]).scalars
        for p in 0..<32 {
            let row = rows[p * 8..<(p + 1) * 8]
            #expect(row.allSatisfy { $0 == 0 } == !chosen.contains(p), "position \(p)")
        }
        // The loss is the mean cross-entropy of the full logits at the chosen positions alone.
        let logits = model(batch.input).reshaped([32, 9])
        let manual = zip(batch.positions.integers, batch.targets.integers).map { p, target in
            let row = logits.narrowed(axis: 0, start: p, length: 1)
            return Double(crossEntropy(row, Tensor(integers: [target])).item)
        }
        #expect(abs(Double(model.loss(on: batch).item) - manual.reduce(0, +) / 4) < 1e-5)
    }

    @Test func theEvaluationCountsTheLikeliestCharacterAtTheChosenPositions() {
        let model = CharBERT(small, generator: RandomGenerator(seed: 6))
        let masking = BERTMasking(maskID: model.maskID, vocabularySize: 9)
        let batches = maskedValidationWindows((0..<400).map { Int32($0 * 7 % 9) }, window: 8, masking: masking, seed: 0, batchSize: 16)
        var right = 0, count = 0, maskedRight = 0, masked = 0
        for batch in batches {
            let guesses = model(batch.input).argmax(axis: -1).integers, input = batch.input.integers
            for (p, target) in zip(batch.positions.integers, batch.targets.integers) {
                count += 1
                if guesses[p] == target { right += 1 }
                if input[p] == 9 {
                    masked += 1
                    if guesses[p] == target { maskedRight += 1 }
                }
            }
        }
        let evaluation = model.maskedEvaluation(on: batches)
        #expect(count == 50 && masked > 30 && masked < 50)
        #expect(evaluation["validation masked accuracy"] == Double(right) / Double(count))
        #expect(evaluation["validation accuracy at [MASK]"] == Double(maskedRight) / Double(masked))
        let loss = batches.map { Double(model.loss(on: $0).item) * Double($0.targets.count) }.reduce(0, +) / Double(count)
        #expect(abs(evaluation["validation masked loss"]! - loss) < 1e-5)
        #expect(model.isTraining, "the evaluation restores the training mode")
    }

    @Test func learnsARepeatingTextAndFillsItsBlanks() throws {
        let text = String(repeating: "hello world ", count: 40)
        let vocabulary = CharacterVocabulary(text: text)
        let ids = try vocabulary.encode(text)
        let model = CharBERT(
            .init(vocabularySize: vocabulary.count, context: 16, embedDim: 32, heads: 2, layers: 1, feedForward: 64),
            generator: RandomGenerator(seed: 7))
        let task = CharBERTTask(
            model, optimizer: AdamW(model.parameters, learningRate: 0.01), windowGenerator: RandomGenerator(seed: 8),
            trainingIDs: ids, validationIDs: ids, batchSize: 16)
        let history = try Trainer(.steps(400), state: task.state, evaluateEvery: .steps(400)).run(task)
        #expect(history.last("validation masked accuracy")! > 0.95)
        let checkpoint = CharBERTCheckpoint(model: model, vocabulary: vocabulary)
        #expect(try checkpoint.fill("hel_o w_rld") == "hello world")
        // Two blanks side by side; a text longer than the context (16), read in windows around each blank.
        #expect(try checkpoint.fill("he__o world") == "hello world")
        #expect(try checkpoint.fill("hello world hello world hello w_rld hel_o") == "hello world hello world hello world hello")
        #expect(try checkpoint.fill("hello*world", blank: "*") == "hello world")
    }

    @Test func aTextWithNoBlankOrAnUnknownCharacterCannotBeFilled() {
        // The line break is the vocabulary's first character: the blanks must not count as line breaks.
        let vocabulary = CharacterVocabulary(text: "abc _\n")
        let checkpoint = CharBERTCheckpoint(
            model: CharBERT(.init(vocabularySize: 6, context: 8, embedDim: 4, heads: 1, layers: 1, feedForward: 4)), vocabulary: vocabulary)
        #expect { try checkpoint.fill("abc") } throws: { "\($0)".contains("has no blank to fill: write _") }
        for (text, line, column) in [("a_b_x", 1, 5), ("a_\nb_cx", 2, 4)] {
            let error = #expect(throws: DataError.self) { try checkpoint.fill(text) }
            #expect(error?.line == line && error?.column == column, "\(String(describing: error))")
            #expect(error?.message.contains("character 'x' (U+0078) is not in the vocabulary of 6 characters") == true)
        }
    }

    @Test func theBaselinesKnowOnlyTheTrainingFrequencies() {
        // Training: 0 0 1 2 2 (0 and 2 tie: the lower id is the majority); targets 0, 1, 2, 2.
        let baselines = MaskedCharacterBaselines(trainingIDs: [0, 0, 1, 2, 2], vocabularySize: 4, targets: [0, 1, 2, 2])
        #expect(baselines.majorityCharacter == 0 && baselines.majorityAccuracy == 0.25)
        // p = 0.4, 0.2, 0.4, 0.4 at the four targets.
        #expect(abs(baselines.unigramAccuracy - 0.35) < 1e-12)
    }
}

@Suite struct CharBERTCheckpointTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("charbert-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    @Test func roundTripRebuildsTheSameModel() throws {
        let vocabulary = CharacterVocabulary(text: "to be or not to be")
        let model = CharBERT(
            .init(vocabularySize: vocabulary.count, context: 6, embedDim: 8, heads: 2, layers: 1, feedForward: 12),
            generator: RandomGenerator(seed: 9))
        let url = folder.appendingPathComponent("bert.safetensors")
        try CharBERTCheckpoint(model: model, vocabulary: vocabulary).save(to: url)
        let loaded = try CharBERTCheckpoint(contentsOf: url)
        #expect(loaded.model.configuration == model.configuration && loaded.vocabulary == vocabulary && loaded.prime == nil)
        let ids = Tensor(shape: [1, 6], integers: [0, 6, 1, 4, 2, 5])
        #expect(loaded.model(ids).scalars == model(ids).scalars)
        #expect(try SafeTensors.read(contentsOf: url).metadata[CharBERTCheckpoint.formatKey] == "myelin.charbert")
        // A GPT's checkpoint is not a BERT's, nor the other way round.
        #expect { try CharGPTCheckpoint(contentsOf: url) } throws: { "\($0)".contains("not a char-GPT checkpoint") }
        let gpt = folder.appendingPathComponent("gpt.safetensors")
        try CharGPTCheckpoint(model: CharGPT(model.configuration), vocabulary: vocabulary).save(to: gpt)
        #expect { try CharBERTCheckpoint(contentsOf: gpt) } throws: {
            "\($0)".contains("not a char-BERT checkpoint") && "\($0)".contains("myelin train bert")
        }
    }
}
