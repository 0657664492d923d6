import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin translate`: a trained seq2seq network's translation of each text given.
struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate text with a network trained by `myelin train seq2seq`.",
        discussion: """
            CHECKPOINT is a `myelin train seq2seq` run folder or its .safetensors file. Each TEXT is translated \
            the way the run learned (a date as people write it → an ISO date, number words ↔ digits) and printed \
            on a line of its own. Greedy decoding, or beam search with --beam N. A text with a character or word \
            the network never saw is refused, naming it.
            """)

    @Argument(help: "A `myelin train seq2seq` run folder or checkpoint file.")
    var checkpoint: String

    @Argument(help: "The texts to translate (quote each: \"3 March 2015\").")
    var texts: [String]

    @Option(help: "Beam width: 1 is greedy decoding (the default).")
    var beam = 1

    @Flag(help: "Print each text before its translation, with the translation's log-probability.")
    var verbose = false

    func validate() throws {
        if beam < 1 { throw ValidationError("--beam must be at least 1") }
        if texts.isEmpty { throw ValidationError("give at least one TEXT to translate") }
    }

    func run() throws {
        let translator = try Translator(
            checkpoint: checkpointFile(checkpoint, named: TrainSeq2Seq.checkpointName, command: "seq2seq"))
        let translations: [Translator.Translation]
        do {
            translations = try translator.translate(texts, beamWidth: beam)
        } catch let error as UnreadableTextError {
            throw CommandError("\(error) (the network was trained on \(translator.task.rawValue))")
        }
        for (text, translation) in zip(texts, translations) {
            let cut = translation.isComplete ? "" : " (cut off at \(translator.maxLength) \(translator.targetLevel.unitName)s)"
            print(
                verbose
                    ? "\(text) → \(translation.text)" + String(format: "  (log-probability %.4f)", translation.logProbability) + cut
                    : translation.text + cut)
        }
    }
}
