import ArgumentParser
import Foundation
import Myelin
import MyelinModels

/// `myelin fill CHECKPOINT TEXT`: a trained char-BERT fills the blanks of a text.
struct Fill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill the blanks of a text with a trained masked language model (myelin train bert).",
        discussion: """
            Example: myelin fill runs/bert/bert.safetensors "To be, or not to _e"
            Each blank (_, or the character --blank names) becomes the character the model finds likeliest. The blanks \
            are filled one at a time from left to right, the model run again for each, so every choice sees the ones \
            before it; the blanks after it are [MASK] to the model. A text longer than the model's context is read in \
            a window of that many characters around each blank.
            """)

    @Argument(help: "A checkpoint written by `myelin train bert` (OUT/bert.safetensors).")
    var checkpoint: String

    @Argument(help: "The text, with a blank for each character to fill.")
    var text: String

    @Option(help: "The character that marks a blank.")
    var blank: String = "_"

    func validate() throws {
        guard blank.unicodeScalars.count == 1 else { throw ValidationError("--blank must be one character, got \"\(blank)\"") }
    }

    func run() throws {
        let mark = blank.unicodeScalars.first!
        guard text.unicodeScalars.contains(mark) else {
            throw CommandError(
                "the text has no blank: write \(blank) for each character the model should choose, as in \"To be, or not to _e\" (--blank names another mark)"
            )
        }
        let loaded = try CharBERTCheckpoint(contentsOf: URL(fileURLWithPath: checkpoint))
        do {
            print(try loaded.fill(text, blank: mark))
        } catch let error as DataError {
            throw CommandError("the text cannot be filled by this model: \(error.message)\(error.column.map { " (column \($0))" } ?? "")")
        }
    }
}
