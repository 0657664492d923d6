import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// What `myelin train` can train: an image classifier of the zoo (on MNIST) or the character-level
/// language model (on a text).
enum TrainableModel: ExpressibleByArgument {
    case image(ZooModel)
    case charRNN

    init?(argument: String) {
        if argument == "charrnn" {
            self = .charRNN
        } else if let model = ZooModel(rawValue: argument) {
            self = .image(model)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ZooModel.allCases.map(\.rawValue) + ["charrnn"] }
}

/// `myelin train MODEL`: trains a model of the zoo and shows what it learned.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model of the zoo, report how well it does and show what it learned.",
        discussion: """
            Image models, trained on MNIST:
            \(ZooModel.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))
            MNIST is read from Data/mnist unless --data names another folder. The output folder gets the \
            loss and accuracy curves and, for ConvNets, the first convolution's filters and one test digit's \
            feature maps.

            Language model:
              charrnn: a character-level LSTM (Embedding 64, LSTM 256, Linear) that learns to write like \
            its text (default: Data/text/shakespeare.txt; --text names another). It trains by truncated \
            backpropagation through time, reports the validation loss in nats and bits per character, \
            saves OUT/charrnn.safetensors at every evaluation and ends with a sample. \
            Continue it with `myelin sample charrnn OUT/charrnn.safetensors`.
            """)

    @Argument(help: "The model to train: \(TrainableModel.allValueStrings.joined(separator: ", ")).")
    var model: TrainableModel

    @Option(help: "Folder holding the data set's files (image models; default: the project's Data/mnist).")
    var data: String?

    @Option(help: "Text file to learn (charrnn; default: the project's Data/text/shakespeare.txt).")
    var text: String?

    @Option(help: "Number of passes over the training set (image models; default: the model's recipe).")
    var epochs: Int?

    @Option(help: "Training steps (charrnn; default 2000).")
    var steps: Int?

    @Option(help: "Characters per window of backpropagation through time (charrnn; default 64).")
    var window: Int?

    @Option(help: "Recurrent cell (charrnn): lstm, gru or rnn (default lstm).")
    var cell: CharRNN.Configuration.Cell?

    @Option(help: "Hidden units per recurrent layer (charrnn; default 256).")
    var hiddenSize: Int?

    @Option(help: "Recurrent layers (charrnn; default 1).")
    var layers: Int?

    @Option(help: "Examples (images, or text streams) per step (default: the model's recipe).")
    var batchSize: Int?

    @Option(help: "Step size of the optimiser (default: the model's recipe).")
    var learningRate: Float?

    @Flag(help: "Augment training images with random shifts of up to 2 pixels (image models).")
    var augment = false

    @Option(help: "Folder for the pictures, curves and checkpoints (default: runs/MODEL).")
    var out: String?

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        for (name, value) in [("--epochs", epochs), ("--steps", steps), ("--window", window),
                              ("--hidden-size", hiddenSize), ("--layers", layers), ("--batch-size", batchSize)] {
            if let value, value <= 0 { throw ValidationError("\(name) must be at least 1") }
        }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive number")
        }
        switch model {
        case .image(let zoo):
            let textOptions = [("--text", text != nil), ("--steps", steps != nil), ("--window", window != nil),
                               ("--cell", cell != nil), ("--hidden-size", hiddenSize != nil), ("--layers", layers != nil)]
            if let (name, _) = textOptions.first(where: \.1) {
                throw ValidationError("\(name) is an option of charrnn; \(zoo.rawValue) trains on MNIST images")
            }
        case .charRNN:
            let imageOptions = [("--data", data != nil), ("--epochs", epochs != nil), ("--augment", augment)]
            if let (name, _) = imageOptions.first(where: \.1) {
                throw ValidationError("\(name) is an option of the image models; charrnn takes --text and --steps")
            }
        }
    }

    func run() throws {
        switch model {
        case .image(let zoo): try trainImageModel(zoo)
        case .charRNN: try trainLanguageModel()
        }
    }

    private func trainImageModel(_ model: ZooModel) throws {
        let directory = data.map { URL(fileURLWithPath: $0) }
        let train = try MNIST(split: .train, directory: directory)
        let test = try MNIST(split: .test, directory: directory)
        print("MNIST from \(train.directory.path): \(train.count) training and \(test.count) test images.")
        manualSeed(seed)
        let network = model.make(generator: RandomGenerator(seed: seed))
        let (optimizer, optimizerSummary) = model.makeOptimizer(network.parameters,
                                                                learningRate: learningRate ?? model.learningRate)
        let batchSize = batchSize ?? model.batchSize
        print("Model \(model.rawValue): \(model.summary); \(network.parameterCount) parameters; \(optimizerSummary), batch \(batchSize)\(augment ? ", shifted ±2 px" : "").")
        let history = try trainClassifier(model: network, optimizer: optimizer, train: train, test: test,
                                          epochs: epochs ?? model.epochs, batchSize: batchSize,
                                          augmentation: augment ? [.shift(maxPixels: 2)] : nil,
                                          loss: model.loss, generator: RandomGenerator(seed: seed))
        print("Confusion matrix of the test set (rows: true digit, columns: predicted):")
        print(history.confusion!.table)
        print(String(format: "Test accuracy: %.4f", history.testAccuracies.last!))

        let folder = try makeOutputDirectory(out ?? "runs/\(model.rawValue)")
        var written = try writeTrainingCurves(history, stepsPerEpoch: (train.count + batchSize - 1) / batchSize, to: folder)
        written += try drawFirstConvolution(of: network, on: test, to: folder)
        print("Wrote:\n" + written.map { "  \($0)" }.joined(separator: "\n"))
    }

    private func trainLanguageModel() throws {
        let url = try text.map { URL(fileURLWithPath: $0) } ?? TextCorpus.locateShakespeare()
        var recipe = CharRNNRecipe(configuration: .init(vocabularySize: 0), seed: seed)
        recipe.steps = steps ?? recipe.steps
        recipe.window = window ?? recipe.window
        recipe.batchSize = batchSize ?? recipe.batchSize
        recipe.learningRate = learningRate ?? recipe.learningRate
        recipe.evaluationInterval = min(recipe.evaluationInterval, recipe.steps)
        let corpus = try TextCorpus(contentsOf: url, minimumLength: recipe.window + 1)
        // Truncated BPTT cuts the training text into one stream per batch row, each at least 2 characters.
        guard corpus.trainingIDs.count / recipe.batchSize >= 2 else {
            throw CommandError("\(url.path): its training part (\(corpus.trainingIDs.count) characters) is too short for \(recipe.batchSize) streams of text; use --batch-size \(max(1, corpus.trainingIDs.count / 2)) or less")
        }
        recipe.configuration = CharRNN.Configuration(vocabularySize: corpus.vocabulary.count,
                                                     hiddenSize: hiddenSize ?? 256, layers: layers ?? 1,
                                                     cell: cell ?? .lstm)
        let c = recipe.configuration
        print("Text \(url.path): \(corpus.ids.count) characters, \(corpus.vocabulary.count) distinct; \(corpus.trainingIDs.count) to train on, \(corpus.validationIDs.count) to validate.")
        print("Model charrnn: Embedding(\(c.vocabularySize), \(c.embeddingSize)) → \(c.cell.rawValue.uppercased())(\(c.hiddenSize))×\(c.layers) → Linear(\(c.hiddenSize), \(c.vocabularySize)); Adam lr \(recipe.learningRate), gradient norm clipped at \(recipe.clipNorm); \(recipe.batchSize) streams × \(recipe.window) characters per step, \(recipe.steps) steps.")
        let folder = try makeOutputDirectory(out ?? "runs/charrnn")
        let checkpointURL = folder.appendingPathComponent("charrnn.safetensors")
        let (history, checkpoint) = try trainCharRNN(on: corpus, recipe: recipe, checkpointURL: checkpointURL)
        let prime = defaultPrime("ROMEO:", vocabulary: corpus.vocabulary)
        let sample = try sampleText(from: checkpoint, prime: prime, length: 400, sampler: TokenSampler(temperature: 0.8),
                                    generator: RandomGenerator(seed: seed))
        print("\nA sample (temperature 0.8):\n\n\(prime)\(sample)\n")
        let written = try writeLanguageModelCurves(history, to: folder)
        print("Wrote:\n" + ([checkpointURL.path] + written).map { "  \($0)" }.joined(separator: "\n"))
        let next = defaultPrime("JULIET:", vocabulary: corpus.vocabulary)
        print("Sample more with: myelin sample charrnn \(checkpointURL.path)\(next == "JULIET:" ? " --prime \"JULIET:\"" : "") --length 500")
    }
}

extension CharRNN.Configuration.Cell: ExpressibleByArgument {}
