import CMyelinKernels
import MyelinData
import MyelinNN
import MyelinTensor

/// word2vec with negative sampling (Mikolov et al. 2013): each word of a vocabulary has an input
/// vector — the word vector it is known by — and an output vector. Skip-gram learns to tell, from a
/// context word's input vector, the word it stands beside (its output vector) from a few noise words;
/// CBOW does the same from the mean of the context's input vectors. Training is word2vec.c's loop, in
/// C (`learn`): no autograd, no optimizer, one SGD step per prediction.
///
/// Shapes: `inputVectors` and `outputVectors` [V, D]; `forward`: ids [...] (int32 or int64) → [..., D].
public final class Word2Vec: Module {
    public enum Architecture: String, Codable, CaseIterable, Sendable {
        /// Each word of the context predicts the word.
        case skipGram = "skipgram"
        /// The mean of the context predicts the word.
        case cbow
    }

    /// What it takes to rebuild the model (a checkpoint stores it as JSON).
    public struct Configuration: Codable, Equatable, Sendable {
        /// V: the vocabulary's size, special tokens included.
        public var words: Int
        /// D: the length of each vector.
        public var dimensions: Int
        public var architecture: Architecture
        /// The widest context, in words on either side (each word's is drawn from 1…window).
        public var window: Int
        /// Noise words per prediction.
        public var negative: Int

        public init(words: Int, dimensions: Int = 100, architecture: Architecture = .skipGram, window: Int = 5, negative: Int = 5) {
            self.words = words
            self.dimensions = dimensions
            self.architecture = architecture
            self.window = window
            self.negative = negative
        }

        /// Whether a model can be built from it (a file may hold anything).
        public var isValid: Bool {
            (1..<Int(Int32.max)).contains(words) && (1...4096).contains(dimensions) && (1...1000).contains(window)
                && (0...Word2Vec.maximumNegative).contains(negative)
        }
    }

    /// The most noise words a prediction may draw.
    public static let maximumNegative = Int(MYELIN_WORD2VEC_MAX_NEGATIVE)

    /// The `myelin.format` of its checkpoints.
    public static let checkpointFormat = "myelin.word2vec"

    public let configuration: Configuration
    /// The word vectors (word2vec.c's syn0, gensim's `wv.vectors`).
    @Parameter public var inputVectors: Tensor
    /// The output vectors (word2vec.c's and gensim's syn1neg).
    @Parameter public var outputVectors: Tensor

    /// word2vec.c's start: input vectors uniform in [−0.5/D, 0.5/D), output vectors zero.
    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        precondition(configuration.isValid, "Word2Vec: invalid configuration \(configuration)")
        self.configuration = configuration
        let (v, d) = (configuration.words, configuration.dimensions)
        let reach = 0.5 / Float(d)
        inputVectors = Tensor.uniform([v, d], low: -reach, high: reach, generator: generator)
        outputVectors = Tensor.zeros([v, d])
    }

    /// The input vectors of `ids`.
    public override func forward(_ ids: Tensor) -> Tensor { embedding(ids, weight: inputVectors) }

    /// What one call of `learn` did.
    public struct Pass: Equatable {
        /// Word occurrences left after subsampling.
        public var kept: Int
        /// Predictions made: (context word → word) pairs for skip-gram, windows for CBOW.
        public var predictions: Int
        /// Their summed loss, −log σ(h·o_word) − Σ log σ(−h·o_noise) each.
        public var loss: Double

        /// The mean loss of a prediction (NaN when none was made).
        public var meanLoss: Double { predictions > 0 ? loss / Double(predictions) : .nan }
    }

    /// Learns from `sentences` of `corpus` at one learning rate, as word2vec.c does (subsampling, a
    /// context of a drawn reach, noise words from `sampling`), with the draws made from `seed`, on
    /// `threads` threads. On one thread the result is the same bits every time; on more, the threads
    /// update the vectors without locks (Hogwild, as word2vec.c and gensim do), and it is not.
    public func learn(
        from corpus: SentenceCorpus, sentences: Range<Int>, sampling: Word2VecSampling, learningRate: Float, seed: UInt64,
        threads: Int
    ) -> Pass {
        let c = configuration
        precondition(
            corpus.vocabulary.count == c.words,
            "Word2Vec.learn: the corpus has \(corpus.vocabulary.count) words, the model \(c.words)")
        precondition(
            sampling.noiseThresholds.count == c.words && sampling.keep.map { $0.count == c.words } ?? true,
            "Word2Vec.learn: the sampling tables are for \(sampling.noiseThresholds.count) words, the model has \(c.words)")
        precondition(
            sentences.lowerBound >= 0 && sentences.upperBound <= corpus.sentenceCount,
            "Word2Vec.learn: sentences \(sentences) are outside the corpus's 0..<\(corpus.sentenceCount)")
        let result = inputVectors.withUnsafeMutableScalars { input in
            outputVectors.withUnsafeMutableScalars { output in
                sampling.noiseThresholds.withUnsafeBufferPointer { thresholds in
                    sampling.noiseAliases.withUnsafeBufferPointer { aliases in
                        corpus.ids.withUnsafeBufferPointer { ids in
                            corpus.sentenceStarts.withUnsafeBufferPointer { starts in
                                withOptionalPointer(sampling.keep) { keep in
                                    var settings = myelin_word2vec_settings(
                                        words: Int64(c.words), dimensions: Int64(c.dimensions), window: Int32(c.window),
                                        negative: Int32(c.negative), cbow: c.architecture == .cbow ? 1 : 0, keep: keep,
                                        noise_threshold: thresholds.baseAddress, noise_alias: aliases.baseAddress)
                                    return myelin_word2vec_train(
                                        &settings, input.baseAddress, output.baseAddress, ids.baseAddress,
                                        starts.baseAddress! + sentences.lowerBound, Int64(sentences.count), learningRate, seed,
                                        Int32(clamping: threads))
                                }
                            }
                        }
                    }
                }
            }
        }
        return Pass(kept: Int(result.kept), predictions: Int(result.predictions), loss: result.loss)
    }
}

/// `body` with a pointer to `array`'s elements, or nil when there is no array.
private func withOptionalPointer<R>(_ array: [UInt32]?, _ body: (UnsafePointer<UInt32>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
