import Foundation
import MyelinData
import MyelinNN
import MyelinTensor
import MyelinTraining

/// Words and their vectors, to be used: the nearest words to a word by cosine similarity, analogies
/// (king − man + woman ≈ queen), and word2vec's text format, which gensim's
/// `KeyedVectors.load_word2vec_format` reads. A vocabulary's special tokens are left out.
///
/// Shapes: `vectors` [N, D], row i the vector of `words[i]`.
public struct WordVectors {
    public let words: [String]
    public let vectors: Tensor
    /// Where the vectors came from, for messages.
    public let source: String
    private let index: [String: Int]
    /// The rows scaled to length 1 (a zero row stays zero), so that cosines are dot products.
    private let unitVectors: Tensor

    public init(words: [String], vectors: Tensor, source: String = "<vectors>") {
        precondition(
            vectors.rank == 2 && vectors.shape[0] == words.count,
            "WordVectors: \(words.count) words need vectors of shape [\(words.count), D], got \(vectors.shape)")
        var index = [String: Int]()
        for (i, word) in words.enumerated() {
            precondition(index.updateValue(i, forKey: word) == nil, "WordVectors: the word \(word.debugDescription) is there twice")
        }
        self.words = words
        self.vectors = vectors.contiguous()
        self.source = source
        self.index = index
        let lengths = (vectors * vectors).sum(axis: 1, keepingDimensions: true).sqrt()
        unitVectors = vectors / lengths.clamped(min: Float.leastNormalMagnitude)
    }

    /// The input vectors of a trained model, named by its vocabulary (the special tokens left out).
    public init(_ model: Word2Vec, vocabulary: WordVocabulary, source: String = "<model>") {
        precondition(
            vocabulary.count == model.configuration.words,
            "WordVectors: the vocabulary has \(vocabulary.count) words, the model \(model.configuration.words)")
        let first = WordVocabulary.specialTokens.count
        self.init(
            words: Array(vocabulary.words[first...]),
            vectors: model.inputVectors.detached().narrowed(axis: 0, start: first, length: vocabulary.count - first).contiguousCopy(),
            source: source)
    }

    /// Number of words.
    public var count: Int { words.count }
    /// The length of each vector.
    public var dimensions: Int { vectors.shape[1] }

    /// The vector of `word`; throws `UnknownWordError` when it has none.
    public func vector(of word: String) throws -> Tensor {
        vectors[try row(of: word)]
    }

    /// The `count` words nearest to `word` by cosine similarity, nearest first, the word itself left out.
    public func nearest(to word: String, count: Int = 10) throws -> [(word: String, similarity: Float)] {
        let i = try row(of: word)
        return nearest(toUnit: unitVectors[i], excluding: [i], count: count)
    }

    /// The words nearest to a − b + c (each of the three scaled to length 1, as gensim's
    /// `most_similar(positive: [a, c], negative: [b])`), the three left out: `analogy("king", "man",
    /// "woman")` answers "man is to king as woman is to …?".
    public func analogy(_ a: String, _ b: String, _ c: String, count: Int = 5) throws -> [(word: String, similarity: Float)] {
        let (i, j, k) = (try row(of: a), try row(of: b), try row(of: c))
        let target = unitVectors[i] - unitVectors[j] + unitVectors[k]
        let length = (target * target).sum().sqrt().clamped(min: Float.leastNormalMagnitude)
        return nearest(toUnit: target / length, excluding: [i, j, k], count: count)
    }

    private func row(of word: String) throws -> Int {
        guard let i = index[word] else { throw UnknownWordError(word: word, source: source, count: self.count) }
        return i
    }

    private func nearest(toUnit target: Tensor, excluding: Set<Int>, count: Int) -> [(word: String, similarity: Float)] {
        precondition(count >= 0, "WordVectors: count must not be negative, got \(count)")
        let similarities = matmul(unitVectors, target.reshaped([dimensions, 1])).scalars
        let order = similarities.indices.filter { !excluding.contains($0) }.sorted {
            similarities[$0] > similarities[$1] || (similarities[$0] == similarities[$1] && $0 < $1)
        }
        return order.prefix(count).map { (words[$0], similarities[$0]) }
    }
}

/// A word that has no vector.
public struct UnknownWordError: Error, CustomStringConvertible, Equatable {
    public let word: String
    public let source: String
    public let count: Int

    public var description: String {
        "\(source): \(word.debugDescription) is not among its \(count) words (a word seen fewer times than the minimum count has no vector; words are lowercased)"
    }
}

// MARK: - word2vec's text format

extension WordVectors {
    /// The vectors in word2vec's text format: a line "N D", then a line per word, the word and its D
    /// numbers separated by spaces. Each number is written in the fewest digits that read back to the
    /// same float, so the file reads back exactly.
    public func word2vecText() -> String {
        var text = "\(count) \(dimensions)\n"
        vectors.withUnsafeScalars { v in
            for (i, word) in words.enumerated() {
                text += word
                for value in v[(i * dimensions)..<((i + 1) * dimensions)] { text += " \(value)" }
                text += "\n"
            }
        }
        return text
    }

    /// Writes `word2vecText()` to `url` atomically.
    public func writeWord2VecText(to url: URL) throws {
        do {
            try writeFileAtomically(Data(word2vecText().utf8), to: url)
        } catch let error as FileWriteError {
            throw DataError(.unwritable, path: url.path, "cannot write the word vectors (\(error.step.rawValue): \(error.reason))")
        }
    }

    /// Reads word2vec's text format (what `word2vecText()` writes, and gensim's `save_word2vec_format`).
    /// Throws a `DataError` naming the file, and the line, when it is not that format: a header
    /// other than two positive counts, a line with another number of numbers, a value that is not
    /// a finite number, a word twice, or fewer or more lines than the header says.
    public init(word2vecText url: URL) throws {
        let path = url.path
        let bytes = try GZip.readFile(at: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError(.badHeader, path: path, "is not UTF-8 text, so not word2vec's text format")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let header = lines.first?.split(separator: " ").compactMap { Int($0) } ?? []
        guard header.count == 2, lines.first!.split(separator: " ").count == 2, header[0] > 0, header[1] > 0 else {
            throw DataError(
                .badHeader, path: path, line: 1,
                "word2vec's text format starts with a line of two positive counts, words and dimensions; this one is \((lines.first ?? "").prefix(40).debugDescription)"
            )
        }
        let (n, d) = (header[0], header[1])
        guard lines.count - 1 == n else {
            throw DataError(
                lines.count - 1 < n ? .truncatedData : .trailingData, path: path,
                "its header announces \(n) words but \(lines.count - 1) lines follow")
        }
        var words = [String](), values = [Float](), seen = Set<String>()
        words.reserveCapacity(n)
        values.reserveCapacity(n * d)
        for (k, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count == d + 1 else {
                throw DataError(.raggedRow, path: path, line: k + 2, "has \(fields.count - 1) numbers after its word, the header says \(d)")
            }
            let word = String(fields[0])
            guard seen.insert(word).inserted else {
                throw DataError(.invalidValue, path: path, line: k + 2, "the word \(word.debugDescription) is there twice")
            }
            words.append(word)
            for (column, field) in fields.dropFirst().enumerated() {
                guard let value = Float(field), value.isFinite else {
                    throw DataError(
                        .invalidValue, path: path, line: k + 2, column: column + 2,
                        "\(field.prefix(20).debugDescription) is not a finite number")
                }
                values.append(value)
            }
        }
        self.init(words: words, vectors: Tensor(shape: [n, d], scalars: values), source: path)
    }
}

// MARK: - Checkpoints

extension WordVectors {
    /// The metadata key of a word2vec checkpoint's vocabulary (JSON).
    public static let vocabularyKey = "myelin.vocabulary"

    /// The vectors of a word2vec run's checkpoint (`myelin train word2vec`). Throws an error naming
    /// the file when it is not one, or its parts do not fit together.
    public init(checkpoint url: URL) throws {
        let file = try TrainingCheckpoint.read(url, format: Word2Vec.checkpointFormat)
        let model = try Word2Vec(file: file, path: url.path)
        guard let json = file.metadata[Self.vocabularyKey] else {
            throw CheckpointError(path: url.path, message: "it has no vocabulary (metadata \(Self.vocabularyKey))")
        }
        let vocabulary = try WordVocabulary(jsonData: Data(json.utf8), path: url.path)
        guard vocabulary.count == model.configuration.words else {
            throw CheckpointError(
                path: url.path, message: "its vocabulary has \(vocabulary.count) words but its model \(model.configuration.words)")
        }
        self.init(model, vocabulary: vocabulary, source: url.path)
    }

    /// The vectors in a word2vec checkpoint or in word2vec's text format, told apart by the file's
    /// first bytes (a safetensors file starts with its header's length, 8 bytes, then "{").
    public init(contentsOf url: URL) throws {
        let head = try GZip.readRawFile(at: url.path).prefix(9)
        if head.count == 9 && head.last == UInt8(ascii: "{") {
            try self.init(checkpoint: url)
        } else {
            try self.init(word2vecText: url)
        }
    }
}

extension Word2Vec {
    /// The metadata key of the model's configuration (JSON).
    public static let configurationKey = "myelin.configuration"

    /// What the checkpoint's metadata holds beside the training state: the configuration and `vocabulary`.
    public func checkpointMetadata(vocabulary: WordVocabulary) -> [String: String] {
        [
            // Encoding a struct of integers and strings cannot fail.
            Self.configurationKey: try! CheckpointMetadata.json(configuration),
            WordVectors.vocabularyKey: String(decoding: vocabulary.jsonData(), as: UTF8.self),
        ]
    }

    /// The configuration in the metadata of a checkpoint read from `path`, checked.
    public static func configuration(in file: SafeTensorsFile, path: String) throws -> Configuration {
        let configuration = try CheckpointMetadata.value(
            Configuration.self, key: configurationKey, in: file.metadata, path: path, what: "model configuration")
        guard configuration.isValid else {
            throw CheckpointError(path: path, message: "its model configuration (metadata \(configurationKey)) is invalid")
        }
        return configuration
    }

    /// The model saved in a checkpoint read from `path`, rebuilt from its configuration.
    public convenience init(file: SafeTensorsFile, path: String) throws {
        // Its first vectors are overwritten at once; a generator of its own leaves the global one untouched.
        self.init(try Self.configuration(in: file, path: path), generator: RandomGenerator(seed: 0))
        do {
            try loadStateDict(TrainingCheckpoint.modelTensors(of: file))
        } catch {
            throw CheckpointError(path: path, message: "its vectors do not fit the model it describes: \(error)")
        }
    }
}
