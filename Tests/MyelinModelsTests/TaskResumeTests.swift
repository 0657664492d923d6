import Foundation
import Myelin
import MyelinModels
import MyelinTestSupport
import Testing

/// Every kind of task trains N steps straight to the same bits as N/2, a checkpoint, a fresh task
/// resumed from it and the rest; the resumed session takes only the steps it had left, and a control
/// that trains them without the restore ends elsewhere (so the check can fail).
@Suite struct TaskResumeTests {
    func expectExact(_ check: ResumeCheck) {
        #expect(check.differences.isEmpty, "differ after the resume: \(check.differences)")
        #expect(check.resumedSteps == check.remainingSteps)
        #expect(check.control != check.straight, "the control matches: the check could not fail")
    }

    @Test func classifier() throws {
        let data = TensorDataset(
            inputs: Tensor.randn([30, 1, 8, 8], generator: RandomGenerator(seed: 1)),
            labels: Tensor(integers: (0..<30).map { $0 % 3 }))
        expectExact(
            try checkResume(total: .epochs(3), first: .steps(5)) {
                let g = RandomGenerator(seed: 2), dropout = RandomGenerator(seed: 3)
                let model = Sequential {
                    Conv2d(1, 2, kernelSize: 3, generator: g); ReLU(); Flatten(); Dropout(0.3, generator: dropout)
                    Linear(72, 3, generator: g)
                }
                return SupervisedTask(
                    model, optimizer: SGD(model.parameters, learningRate: 0.1, momentum: 0.9), loss: crossEntropy,
                    on: DataLoader(
                        data, batchSize: 7, shuffle: true, augmentation: [.shift(maxPixels: 1)],
                        generator: RandomGenerator(seed: 4)),
                    validation: DataLoader(data, batchSize: 10), metrics: [.accuracy], generators: [("dropout", dropout)])
            })
    }

    @Test(arguments: [TrainingLength.epochs(2), .steps(4)])  // at an epoch's end, and in the middle of one
    func autoencoder(first: TrainingLength) throws {
        expectExact(try checkResume(total: .epochs(4), first: first) { autoencoderTask(seed: 9) })
    }

    @Test func segmentation() throws {
        // Batch norm's running statistics and Adam's moments carry over too.
        let data = try smallCanvases(24, seed: 8)
        expectExact(try checkResume(total: .epochs(2), first: .steps(4)) { segmentationTask(seed: 8, data: data) })
    }

    @Test func captioning() throws {
        // Batch norm, Adam's moments and the doubly stochastic penalty's gradients carry over too.
        let (data, test) = (try smallCaptionedCanvases(24, seed: 9), try smallCaptionedCanvases(4, seed: 90))
        expectExact(
            try checkResume(total: .epochs(2), first: .steps(4)) { captioningTask(seed: 9, data: data, test: test, attentionPenalty: 0.5) })
    }

    @Test(arguments: GANConfiguration.Variant.allCases)
    func gan(_ variant: GANConfiguration.Variant) throws {
        expectExact(try checkResume(total: .epochs(3), first: .steps(4)) { ganTask(variant, seed: 10) })
    }

    @Test(arguments: GANConfiguration.Variant.allCases)
    func conditionalGAN(_ variant: GANConfiguration.Variant) throws {
        expectExact(try checkResume(total: .epochs(3), first: .steps(4)) { conditionalGANTask(variant, seed: 10) })
    }

    @Test(arguments: VariationalAutoencoder.Configuration.Architecture.allCases)
    func vae(_ architecture: VariationalAutoencoder.Configuration.Architecture) throws {
        // The KL warm-up is still rising at the interruption: the resumed steps must weigh KL as the straight run's.
        expectExact(try checkResume(total: .epochs(3), first: .steps(7)) { vaeTask(architecture, seed: 11, klWarmupSteps: 10) })
    }

    @Test(arguments: [TrainingLength.steps(4), .epochs(1)])  // in the middle of an epoch, and at its end
    func cycleGAN(first: TrainingLength) throws {
        // Three steps an epoch and pools of 4 fakes: the pools fill in the first step and swap after.
        expectExact(try checkResume(total: .epochs(3), first: first) { cycleGANTask(seed: 12) })
    }

    @Test func pixelCNN() throws {
        // 20 images in batches of 6: 4 steps an epoch, the first part stopping inside the first.
        let data = TensorDataset(inputs: PixelCNNTests.binaryImages([20, 1, 8, 8], seed: 14), labels: Tensor.zeros([20]))
        expectExact(
            try checkResume(total: .epochs(2), first: .steps(3), evaluateEvery: .epoch) {
                let model = PixelCNN(PixelCNNTests.small, generator: RandomGenerator(seed: 15))
                return PixelCNNTask(
                    model, optimizer: Adam(model.parameters, learningRate: 0.01),
                    on: DataLoader(data, batchSize: 6, shuffle: true, generator: RandomGenerator(seed: 16)), test: data)
            })
    }

    @Test func charRNNAcrossAPassOverTheText() throws {
        // 4 streams of about 170 characters, 16 at a time: a pass is 11 steps; the run makes 2 and a bit.
        let ids = try CharacterVocabulary(text: LanguageTaskText.text).encode(LanguageTaskText.text)
        let vocabulary = CharacterVocabulary(text: LanguageTaskText.text).count
        expectExact(
            try checkResume(total: .steps(25), first: .steps(13), evaluateEvery: .steps(10)) {
                let generator = RandomGenerator(seed: 5)
                let model = CharRNN(
                    .init(vocabularySize: vocabulary, embeddingSize: 4, hiddenSize: 8, layers: 2, dropout: 0.2),
                    generator: generator)
                return CharRNNTask(
                    model, optimizer: Adam(model.parameters, learningRate: 0.01), generator: generator,
                    trainingIDs: Array(ids.prefix(700)), validationIDs: Array(ids.suffix(60)), batchSize: 4, window: 16,
                    clipNorm: 1)
            })
    }

    @Test func charGPT() throws {
        let ids = try CharacterVocabulary(text: LanguageTaskText.text).encode(LanguageTaskText.text)
        let vocabulary = CharacterVocabulary(text: LanguageTaskText.text).count
        expectExact(
            try checkResume(total: .steps(8), first: .steps(3), evaluateEvery: .steps(4)) {
                let model = CharGPT(
                    .init(vocabularySize: vocabulary, context: 8, embedDim: 8, heads: 2, layers: 1, feedForward: 16),
                    generator: RandomGenerator(seed: 6))
                return CharGPTTask(
                    model, optimizer: AdamW(model.parameters, learningRate: 0.01), windowGenerator: RandomGenerator(seed: 7),
                    trainingIDs: Array(ids.prefix(700)), validationIDs: Array(ids.suffix(60)), batchSize: 4)
            })
    }

    @Test(arguments: Word2Vec.Architecture.allCases)
    func word2vec(_ architecture: Word2Vec.Architecture) throws {
        // Batches of 500 words: about 5 steps an epoch, so the first part stops in the middle of the second.
        let corpus = try Word2VecTests.topicCorpus()
        expectExact(
            try checkResume(total: .epochs(3), first: .steps(7)) {
                Word2VecTests.task(corpus, architecture, epochs: 3, threads: 1)
            })
    }

    @Test(arguments: EnvironmentKind.allCases)
    func dqn(_ kind: EnvironmentKind) throws {
        // Learning from the 30th step, a buffer of 64 that wraps, the target copied every 5 updates,
        // ε still falling: the replay buffer, its generator, the counts and the target network carry over.
        var configuration = DQNConfiguration()
        (configuration.hidden, configuration.batchSize, configuration.replayCapacity) = (16, 8, 64)
        (configuration.learningStarts, configuration.targetUpdateInterval, configuration.epsilonDecaySteps) = (30, 5, 200)
        let check = try checkResume(total: .steps(12), first: .steps(5), evaluateEvery: .steps(4)) {
            DQNTask(kind, configuration: configuration, seed: 13, evaluation: PolicyEvaluation(kind: kind, episodes: 3))
        }
        expectExact(check)
        #expect(check.straight["run replay.positions"]?.first == 64, "the buffer should have wrapped")
    }

    @Test(arguments: EnvironmentKind.allCases)
    func reinforce(_ kind: EnvironmentKind) throws {
        var configuration = ReinforceConfiguration()
        configuration.hidden = 16
        expectExact(
            try checkResume(total: .steps(8), first: .steps(3), evaluateEvery: .steps(4)) {
                ReinforceTask(
                    kind, configuration: configuration, seed: 14, evaluation: PolicyEvaluation(kind: kind, episodes: 3))
            })
    }

    @Test func charBERT() throws {
        // The windows and their masks come from the checkpointed generator, so the resumed run hides the same characters.
        let ids = try CharacterVocabulary(text: LanguageTaskText.text).encode(LanguageTaskText.text)
        let vocabulary = CharacterVocabulary(text: LanguageTaskText.text).count
        expectExact(
            try checkResume(total: .steps(8), first: .steps(3), evaluateEvery: .steps(4)) {
                let model = CharBERT(
                    .init(vocabularySize: vocabulary, context: 8, embedDim: 8, heads: 2, layers: 1, feedForward: 16),
                    generator: RandomGenerator(seed: 6))
                return CharBERTTask(
                    model, optimizer: AdamW(model.parameters, learningRate: 0.01), windowGenerator: RandomGenerator(seed: 7),
                    trainingIDs: Array(ids.prefix(700)), validationIDs: Array(ids.suffix(60)), batchSize: 4)
            })
    }

    @Test(arguments: Seq2Seq.Attention.allCases)
    func seq2seq(_ attention: Seq2Seq.Attention) throws {
        // Fresh pairs every step from the task's generator, Adam and clipping.
        let pairs = TranslationPairs(.dates)
        expectExact(
            try checkResume(total: .steps(6), first: .steps(3), evaluateEvery: .steps(3)) {
                let model = Seq2Seq(
                    .init(
                        sourceVocabularySize: pairs.sourceVocabulary.count, targetVocabularySize: pairs.targetVocabulary.count,
                        embeddingSize: 4, hiddenSize: 4, attention: attention, attentionSize: 4), generator: RandomGenerator(seed: 13))
                return Seq2SeqTask(
                    model, pairs: pairs, optimizer: Adam(model.parameters, learningRate: 0.01), generator: RandomGenerator(seed: 14),
                    batchSize: 4, clipNorm: 0.5)
            })
    }

    @Test func theLanguageTasksReportTheValidationLossInNatsAndBits() throws {
        let ids = try CharacterVocabulary(text: LanguageTaskText.text).encode(LanguageTaskText.text)
        let model = CharGPT(
            .init(
                vocabularySize: CharacterVocabulary(text: LanguageTaskText.text).count, context: 8, embedDim: 8,
                heads: 2, layers: 1, feedForward: 16), generator: RandomGenerator(seed: 6))
        let task = CharGPTTask(
            model, optimizer: AdamW(model.parameters, learningRate: 0.01), windowGenerator: RandomGenerator(seed: 7),
            trainingIDs: Array(ids.prefix(700)), validationIDs: Array(ids.suffix(60)), batchSize: 4)
        let evaluation = try task.evaluate()
        let nats = model.meanLoss(on: Array(ids.suffix(60)), window: 8).nats
        #expect(evaluation["validation loss"] == nats)
        #expect(abs(evaluation["validation bits per character"]! - nats / log(2)) < 1e-12)
    }
}

enum LanguageTaskText {
    static let text = (0..<12).map { "Line \($0): the quick brown fox jumps over the lazy dog.\n" }.joined()
}
