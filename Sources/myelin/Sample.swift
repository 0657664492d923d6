import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin sample charrnn|gpt|pixelcnn|gan CHECKPOINT`: text from a trained language model, digits from a trained PixelCNN or GAN.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text with a trained language model, or digits with a trained PixelCNN or GAN.",
        subcommands: [SampleCharRNN.self, SampleGPT.self, SamplePixelCNN.self, SampleGAN.self])
}

/// `myelin sample charrnn CHECKPOINT`: continues a text with a trained char-RNN.
struct SampleCharRNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charrnn", abstract: "Continue a text with a char-RNN trained by `myelin train charrnn`.",
        discussion: TextSampling.discussion(model: "charrnn"))

    @OptionGroup var options: TextSampling

    func run() throws { try options.continueText(with: CharRNNCheckpoint(contentsOf: URL(fileURLWithPath: options.checkpoint))) }
}

/// `myelin sample gpt CHECKPOINT`: continues a text with a trained transformer.
struct SampleGPT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpt", abstract: "Continue a text with a transformer trained by `myelin train gpt`.",
        discussion: TextSampling.discussion(model: "gpt"))

    @OptionGroup var options: TextSampling

    func run() throws { try options.continueText(with: CharGPTCheckpoint(contentsOf: URL(fileURLWithPath: options.checkpoint))) }
}

/// What both language models are sampled with: the checkpoint, the prime and how characters are picked.
struct TextSampling: ParsableArguments {
    static func discussion(model: String) -> String {
        """
        Example: myelin sample \(model) runs/\(model)/\(model).safetensors --prime "ROMEO:" --length 500 --temperature 0.8
        Without --prime the text starts from the checkpoint's own prime: a line of the text the model learned \
        (the first whole line of its validation part; a line break for checkpoints written before Myelin kept one).
        Lower temperatures pick likely characters (safe, repetitive); higher ones take more risks. \
        --top-k keeps only the k likeliest characters at each step; --greedy always takes the likeliest.
        """
    }

    @Argument(help: "A checkpoint written by `myelin train charrnn` or `myelin train gpt` (OUT/charrnn.safetensors, OUT/gpt.safetensors).")
    var checkpoint: String

    @Option(help: "Text to start from; the output continues it (default: the checkpoint's prime, a line of the text it learned).")
    var prime: String?

    @Option(help: "Number of characters to generate.")
    var length = 500

    @Option(help: "Sampling temperature (> 0): the logits are divided by it.")
    var temperature: Float = 0.8

    @Option(help: "Sample only among the k likeliest characters.")
    var topK: Int?

    @Flag(help: "Always take the likeliest character (ignores --temperature and --top-k).")
    var greedy = false

    @Option(help: "Random seed: the same seed gives the same text.")
    var seed: UInt64 = 0

    func validate() throws {
        guard length >= 0 else { throw ValidationError("--length must not be negative") }
        guard temperature > 0 && temperature.isFinite else { throw ValidationError("--temperature must be a positive number") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func continueText<Model: CharacterLanguageModel>(with loaded: LanguageModelCheckpoint<Model>) throws {
        let prime = self.prime ?? loaded.defaultPrime
        guard !prime.isEmpty else { throw ValidationError("--prime must not be empty") }
        let sampler = greedy ? TokenSampler.greedy : TokenSampler(temperature: temperature, topK: topK)
        do {
            let text = try loaded.continuation(of: prime, length: length, sampler: sampler, generator: RandomGenerator(seed: seed))
            print(prime + text)
        } catch let error as DataError {
            throw CommandError("the prime cannot be fed to this model: \(error.message)")
        }
    }
}
