import ArgumentParser
import Foundation
import Myelin
import MyelinModels

// `myelin neighbors` and `myelin analogy`: questions to word vectors that `myelin train word2vec` learned.

/// The word vectors a command reads, its first argument.
struct WordVectorsArgument: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "word2vec.safetensors (from `myelin train word2vec`), or word vectors in word2vec's text format (its vectors.txt, gensim's save_word2vec_format).",
            valueName: "vectors"))
    var path: String

    func load() throws -> WordVectors { try WordVectors(contentsOf: URL(fileURLWithPath: path)) }
}

/// `myelin neighbors VECTORS WORD…`: the words nearest to each word, by cosine similarity.
struct Neighbors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The nearest words to each word, by the cosine similarity of their word2vec vectors (words are lowercased).")

    @OptionGroup var vectors: WordVectorsArgument

    @Argument(help: "Words to look up.")
    var words: [String]

    @Option(help: "Neighbours per word (default 10).")
    var count = 10

    func validate() throws {
        if words.isEmpty { throw ValidationError("give at least one word") }
        if count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let table = try vectors.load()
        for word in words.map({ $0.lowercased() }) {
            let nearest = try table.nearest(to: word, count: count)
            print("\(word):")
            for (neighbor, similarity) in nearest { print("  " + similarityLine(neighbor, similarity)) }
        }
    }
}

/// `myelin analogy VECTORS A B C`: the words nearest to A − B + C ("king man woman": man is to king
/// as woman is to …?).
struct Analogy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Complete an analogy with word2vec vectors: A − B + C (king man woman → queen?).",
        discussion: """
            Prints the words whose vectors are nearest (by cosine similarity) to A − B + C, each of the three \
            scaled to length 1 first, the three themselves left out: the answer to "B is to A as C is to …?".
            """)

    @OptionGroup var vectors: WordVectorsArgument

    @Argument(help: "A, B and C: the answer is nearest to A − B + C.")
    var words: [String]

    @Option(help: "Answers to print (default 5).")
    var count = 5

    func validate() throws {
        if words.count != 3 { throw ValidationError("give three words, A B C (as in king man woman), got \(words.count)") }
        if count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let table = try vectors.load()
        let (a, b, c) = (words[0].lowercased(), words[1].lowercased(), words[2].lowercased())
        let answers = try table.analogy(a, b, c, count: count)
        print("\(a) − \(b) + \(c) ≈")
        for (word, similarity) in answers { print("  " + similarityLine(word, similarity)) }
    }
}

/// A word and its similarity in columns: "queen            0.712".
func similarityLine(_ word: String, _ similarity: Float) -> String {
    word.padding(toLength: max(16, word.count), withPad: " ", startingAt: 0) + String(format: " %.3f", similarity)
}
