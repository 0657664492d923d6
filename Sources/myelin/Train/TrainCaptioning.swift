import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin train captioning`: a ConvNet and an LSTM with soft attention (Show, Attend and Tell) learn
/// to caption canvases of MNIST digits ("a 3 left of a large 7").
struct TrainCaptioning: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captioning",
        abstract: "Train a captioner with attention (Show, Attend and Tell) on 64×64 canvases of 1–3 MNIST digits.",
        discussion: """
            Each canvas holds 1–3 MNIST digits, small (14–17 px), middling (22–26) or large (31–36), and a \
            caption made from its layout: the digits named in the order of x + y of their centres, "a" or \
            "an" [small|large] DIGIT, joined by "left of" or "above" ("a 3 left of a large 7", "an 8 above \
            a small 2"). Training canvases are made from MNIST's training digits (laid out by --seed), test \
            canvases from its test digits (always the same layouts). A ConvNet (four 3×3 convolutions with \
            batch norm, three poolings) gives an 8×8 grid of features; an LSTM writes the caption, looking \
            at the grid through additive attention at every word. Adam with a cosine decay over the epochs, \
            teacher forcing, cross-entropy; --attention-penalty adds the doubly stochastic regulariser of Xu et al.

            After training it writes every test caption greedily and by beam search (--beam) and prints \
            BLEU-4 and the share of captions written exactly, by digit count. OUT gets attention.png (test \
            canvases, one picture per word of where the model looked), the curves, results.json, \
            report.html and captioning.safetensors, saved after every epoch (continue with --resume OUT). \
            Caption a picture of your own with `myelin caption OUT IMAGE.png`.
            """)

    @Option(help: "Folder holding the MNIST files (default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Passes over the training canvases (default 3; with --resume, the epoch to stop after).")
    var epochs: Int?

    @Option(help: "Canvases per step (default 32).")
    var batchSize: Int?

    @Option(help: "Step size of Adam (default 0.002).")
    var learningRate: Float?

    @Option(help: "Units of the LSTM (default 256).")
    var hiddenSize: Int?

    @Option(help: "Weight of the doubly stochastic attention regulariser (default 0: none).")
    var attentionPenalty: Float?

    @Option(help: "Training canvases, made from MNIST's training digits (default 30000).")
    var trainCanvases: Int?

    @Option(help: "Test canvases, made from MNIST's test digits (default 1000).")
    var testCanvases: Int?

    @Option(help: "Beam width for the final scores beside greedy decoding (default 3).")
    var beam: Int = 3

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try requirePositive(
            ("--epochs", epochs), ("--batch-size", batchSize), ("--hidden-size", hiddenSize), ("--train-canvases", trainCanvases),
            ("--test-canvases", testCanvases), ("--beam", beam))
        try requirePositive(learningRate: learningRate)
        if let hiddenSize, hiddenSize > 4096 { throw ValidationError("--hidden-size must be at most 4096") }
        if let attentionPenalty, !(attentionPenalty >= 0 && attentionPenalty.isFinite) {
            throw ValidationError("--attention-penalty must be a number ≥ 0")
        }
    }

    static let checkpointName = "captioning.safetensors"

    func run() throws {
        let saved = try runOptions.savedRun(named: Self.checkpointName, format: ShowAttendTell.checkpointFormat, command: "captioning")
        let (configuration, recipe) = try settings(resuming: saved)
        let folder = try runOptions.folder(defaultName: "captioning")
        let directory = data.map { URL(fileURLWithPath: $0) }
        let mnistTrain = try MNIST(split: .train, directory: directory)
        let mnistTest = try MNIST(split: .test, directory: directory)
        let train = CaptionedDigitCanvases(mnistTrain, count: recipe.trainCanvases, seed: recipe.seed)
        let test = CaptionedDigitCanvases(mnistTest, count: recipe.testCanvases, seed: CaptioningRecipe.testLayoutSeed)
        print(
            "MNIST from \(mnistTrain.directory.path): \(train.count) training canvases of its \(mnistTrain.count) training digits, \(test.count) test canvases of its \(mnistTest.count) test digits (64×64, 1–3 digits, \(CaptionedDigitCanvases.vocabulary.count) words)."
        )
        manualSeed(recipe.seed)
        let model = ShowAttendTell(configuration, generator: RandomGenerator(seed: recipe.seed))
        let optimizer = Adam(model.parameters, learningRate: recipe.learningRate)
        let task = CaptioningTask(
            model, optimizer: optimizer,
            on: DataLoader(train, batchSize: recipe.batchSize, shuffle: true, generator: RandomGenerator(seed: recipe.seed)),
            test: test, attentionPenalty: recipe.attentionPenalty)
        let shape = describe(configuration)
        print(
            "Model Show, Attend and Tell: \(shape); \(model.parameterCount) parameters; Adam lr \(recipe.learningRate) (cosine decay), batch \(recipe.batchSize), attention penalty \(recipe.attentionPenalty), \(recipe.epochs) epochs."
        )

        var final: (greedy: CaptionScores, beam: CaptionScores)?
        let beamSearch = BeamSearch(width: beam, maxLength: test.maxLength + 1)
        let report = ReportWriter(to: folder) { trainer in
            model.eval()
            let scores = (
                greedy: CaptionScores(model, on: test, search: .greedy(maxLength: test.maxLength + 1)),
                beam: CaptionScores(model, on: test, search: beamSearch)
            )
            final = scores
            return RunOutputs(
                title: "myelin train captioning",
                summary:
                    "A ConvNet and an LSTM with soft attention caption 64×64 canvases of 1–3 MNIST digits; scored on \(test.count) test canvases.",
                settings: [
                    ("model", "Show, Attend and Tell: \(shape); \(model.parameterCount) parameters"),
                    ("optimizer", "Adam lr \(recipe.learningRate), cosine decay over the epochs, gradient norm clipped to 5"),
                    ("attention penalty", String(recipe.attentionPenalty)), ("batch size", String(recipe.batchSize)),
                    ("epochs", String(recipe.epochs)), ("training canvases", String(recipe.trainCanvases)),
                    ("test canvases", String(recipe.testCanvases)), ("beam width", String(beam)), ("seed", String(recipe.seed)),
                ],
                metrics: captioningMetrics(scores, beamWidth: beam, loss: trainer.history.last("test loss") ?? .nan),
                plots: trainer.history.standardPlots() + [RunPlot(name: "exact", plot: exactPlot(trainer.history, test: scores.greedy))],
                pictures: [
                    RunPicture(
                        name: "attention",
                        caption: "test canvases: the caption written greedily, and for each word where the model looked (yellow: most)",
                        image: attentionPicture(
                            showcase(test, captions: scores.greedy), model: model, vocabulary: CaptionedDigitCanvases.vocabulary))
                ],
                texts: [(caption: "exact captions by digit count on the test canvases", text: captioningTable(scores, beamWidth: beam))])
        }
        let (trainer, written) = try trainRun(
            task, length: .epochs(recipe.epochs), recipe: recipe,
            metadata: model.checkpointMetadata(vocabulary: CaptionedDigitCanvases.vocabulary),
            checkpoint: folder.appendingPathComponent(Self.checkpointName), progress: ProgressLogger(speed: .samples("canvases")),
            report: report, extra: [LearningRateScheduler(CosineAnnealingLR(optimizer, period: recipe.epochs))], resuming: saved,
            newLearningRate: learningRate != nil)
        let epochsRun = trainer.progress.epoch
        print(String(format: "Trained %d %@ in %.1f s.", epochsRun, epochsRun == 1 ? "epoch" : "epochs", trainer.progress.seconds))
        if let final {
            print("On the \(test.count) test canvases:")
            print(captioningTable(final, beamWidth: beam))
        }
        printWritten(written)
    }

    /// "encoder 16-32-64-128 (8×8 grid), embedding 32, LSTM 256, attention 64".
    private func describe(_ c: ShowAttendTell.Configuration) -> String {
        "encoder \(c.encoderWidths.map(String.init).joined(separator: "-")) (\(c.gridSide)×\(c.gridSide) grid), embedding \(c.embeddingSize), LSTM \(c.hiddenSize), attention \(c.attentionSize)"
    }

    /// The model's configuration and the recipe: a fresh run's from the options, a resumed run's
    /// from its checkpoint (whose settings an option may not contradict), with a new length and
    /// learning rate applied.
    private func settings(resuming saved: SavedRun?) throws -> (ShowAttendTell.Configuration, CaptioningRecipe) {
        guard let saved else {
            var recipe = CaptioningRecipe(seed: runOptions.seed)
            recipe.epochs = epochs ?? recipe.epochs
            recipe.batchSize = batchSize ?? recipe.batchSize
            recipe.learningRate = learningRate ?? recipe.learningRate
            recipe.attentionPenalty = attentionPenalty ?? recipe.attentionPenalty
            recipe.trainCanvases = trainCanvases ?? recipe.trainCanvases
            recipe.testCanvases = testCanvases ?? recipe.testCanvases
            var configuration = ShowAttendTell.Configuration(vocabularySize: CaptionedDigitCanvases.vocabulary.count)
            configuration.hiddenSize = hiddenSize ?? configuration.hiddenSize
            return (configuration, recipe)
        }
        let configuration = try ShowAttendTell.configuration(in: saved.file.metadata, of: saved.url)
        var recipe = try runOptions.resumedRecipe(
            CaptioningRecipe.self, of: saved,
            settings: { [self] other in
                [
                    ResumedSetting("--hidden-size", given: hiddenSize, saved: configuration.hiddenSize),
                    ResumedSetting("--batch-size", given: batchSize, saved: other.batchSize),
                    ResumedSetting("--attention-penalty", given: attentionPenalty, saved: other.attentionPenalty),
                    ResumedSetting("--train-canvases", given: trainCanvases, saved: other.trainCanvases),
                    ResumedSetting("--test-canvases", given: testCanvases, saved: other.testCanvases),
                ]
            }, learningRate: learningRate)
        recipe.epochs = epochs ?? recipe.epochs
        return (configuration, recipe)
    }
}

/// How `myelin train captioning` trains. The checkpoint keeps it (metadata `myelin.recipe`), so a
/// resumed run goes on with the settings it started with.
struct CaptioningRecipe: RunRecipe, Equatable {
    /// The epoch to stop after (a resumed run may be given a later one).
    var epochs = 3
    var batchSize = 32
    var learningRate: Float = 2e-3
    var attentionPenalty: Float = 0
    var trainCanvases = 30000
    var testCanvases = 1000
    /// Draws the initial weights, the training canvases' layouts and their order.
    var seed: UInt64 = 0

    /// The test canvases' layouts are the same for every run, so runs compare on the same canvases.
    static let testLayoutSeed: UInt64 = 2015
}

/// Two test canvases of each digit count (the first ones), with the captions `scores` wrote for them.
func showcase(_ test: CaptionedDigitCanvases, captions scores: CaptionScores, perCount: Int = 2) -> [CaptionedPicture] {
    let counts = Set((0..<test.count).map(test.digitCount(at:))).sorted()
    let chosen = counts.flatMap { n in (0..<test.count).filter { test.digitCount(at: $0) == n }.prefix(perCount) }
    return chosen.map { index in
        CaptionedPicture(
            image: test.example(at: index).input, caption: CaptionedDigitCanvases.vocabulary.encode(scores.captions[index]),
            truth: test.caption(at: index))
    }
}

/// The share of exact captions by digit count, greedy and by beam search, and BLEU-4, as a table.
func captioningTable(_ scores: (greedy: CaptionScores, beam: CaptionScores), beamWidth: Int) -> String {
    var lines = ["digits  canvases  exact (greedy)  exact (beam \(beamWidth))"]
    for (k, group) in scores.greedy.canvasesByDigitCount.enumerated() {
        lines.append(
            String(
                format: "%6d  %8d  %14.4f  %14.4f", group.digits, group.canvases, scores.greedy.exactByDigitCount[k].exact,
                scores.beam.exactByDigitCount[k].exact))
    }
    lines.append(String(format: "   all  %8d  %14.4f  %14.4f", scores.greedy.captions.count, scores.greedy.exact, scores.beam.exact))
    lines.append(String(format: "BLEU-4            %14.4f  %14.4f", scores.greedy.bleu.score, scores.beam.bleu.score))
    return lines.joined(separator: "\n")
}

/// The figures results.json and report.html give: BLEU-4 and exact captions, greedy and by beam, by digit count.
func captioningMetrics(_ scores: (greedy: CaptionScores, beam: CaptionScores), beamWidth: Int, loss: Double) -> [(String, String)] {
    func figure(_ value: Double) -> String { String(format: "%.4f", value) }
    var metrics = [("test loss", figure(loss))]
    for (name, s) in [("greedy", scores.greedy), ("beam \(beamWidth)", scores.beam)] {
        metrics += [("test BLEU-4 (\(name))", figure(s.bleu.score)), ("test exact (\(name))", figure(s.exact))]
        metrics += s.exactByDigitCount.map { ("test exact \(CaptionScores.digitCountName($0.digits)) (\(name))", figure($0.exact)) }
    }
    return metrics
}

/// The share of exact test captions after each evaluation, for each digit count.
func exactPlot(_ history: TrainingHistory, test scores: CaptionScores) -> LinePlot {
    let groups = scores.exactByDigitCount.map { CaptionScores.digitCountName($0.digits) }
    let names = [("test exact", "all")] + groups.map { ("test exact \($0)", $0) }
    return LinePlot(
        title: "Exact test captions (greedy)", xLabel: "step", yLabel: "share written exactly",
        series: names.map { name, label in
            LinePlot.Series(name: label, points: history.points(name).map { (x: Double($0.step), y: $0.value) })
        })
}
