import MyelinTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A model that writes a sequence one token at a time: what beam search (and greedy decoding, its
/// width-1 case) needs of a seq2seq decoder, a caption decoder, or a language model.
///
/// The state holds one row per hypothesis (an LSTM's hidden and cell state, and whatever the
/// decoder attends to); beam search never looks inside it, it only asks for rows to be picked.
public protocol StepwiseDecoder {
    associatedtype State

    /// Log-probabilities of every next token, [rows, vocabulary], for hypotheses whose last tokens
    /// are `tokens` (one per row of `state`), and the state after reading them.
    func logProbabilities(after tokens: [Int32], state: State) -> (logProbabilities: Tensor, state: State)

    /// The state of rows `rows` of `state`, in that order (a row may repeat): how beams that grew
    /// from the same parent get their own copy.
    func selectingRows(_ rows: [Int], of state: State) -> State
}

/// Beam search: keeps the `width` most likely partial sequences of each example and extends them a
/// token at a time, until each example has `width` finished ones that no unfinished one can beat,
/// or `maxLength` tokens. Width 1 is greedy decoding.
///
/// Hypotheses are ranked by their summed log-probability divided by length^`lengthNormalization`
/// (the tokens written, the end token included): 0 ranks by probability alone, which favours short
/// outputs; 1 ranks by the mean log-probability per token. The search stops an example early only
/// when that is exact: a log-probability is ≤ 0, so an unfinished hypothesis of score s can at best
/// reach s / maxLength^α.
public struct BeamSearch: Sendable, Equatable {
    public let width: Int
    public let maxLength: Int
    public let lengthNormalization: Float

    public init(width: Int, maxLength: Int, lengthNormalization: Float = 0) {
        precondition(width >= 1, "BeamSearch: width must be at least 1, got \(width)")
        precondition(maxLength >= 1, "BeamSearch: maxLength must be at least 1, got \(maxLength)")
        precondition(
            lengthNormalization >= 0 && lengthNormalization.isFinite,
            "BeamSearch: lengthNormalization must be a finite number ≥ 0, got \(lengthNormalization)")
        self.width = width
        self.maxLength = maxLength
        self.lengthNormalization = lengthNormalization
    }

    /// Greedy decoding: the most likely token at every step.
    public static func greedy(maxLength: Int) -> BeamSearch { BeamSearch(width: 1, maxLength: maxLength) }

    /// One finished (or, at `maxLength`, cut-off) sequence.
    public struct Hypothesis: Equatable, Sendable {
        /// The tokens written, without the start token and without the end token.
        public let tokens: [Int32]
        /// Whether it ended with the end token (false when cut off at `maxLength`).
        public let isComplete: Bool
        /// Its summed log-probability, the end token's included.
        public let logProbability: Float
        /// The score it was ranked by: logProbability / length^lengthNormalization.
        public let score: Float

        public init(tokens: [Int32], isComplete: Bool, logProbability: Float, score: Float) {
            self.tokens = tokens
            self.isComplete = isComplete
            self.logProbability = logProbability
            self.score = score
        }
    }

    /// The best hypotheses of every example, best first, at most `width` each. `state` holds one row
    /// per example; every hypothesis starts from `start` and finishes when `decoder` writes `end`.
    public func decode<Decoder: StepwiseDecoder>(
        _ decoder: Decoder, state: Decoder.State, examples: Int, start: Int32, end: Int32
    ) -> [[Hypothesis]] {
        precondition(examples >= 1, "BeamSearch.decode: needs at least one example, got \(examples)")
        // Row b·width + k is beam k of example b. Only beam 0 is alive at first, so the first step's
        // candidates come from one row per example.
        var state = decoder.selectingRows((0..<examples).flatMap { Array(repeating: $0, count: width) }, of: state)
        var scores = (0..<examples * width).map { $0 % width == 0 ? Float(0) : -.infinity }
        var written = [[Int32]](repeating: [], count: examples * width)
        var tokens = [Int32](repeating: start, count: examples * width)
        var finished = [[Hypothesis]](repeating: [], count: examples)
        var done = [Bool](repeating: false, count: examples)

        for length in 1...maxLength {
            let (logProbabilities, next) = decoder.logProbabilities(after: tokens, state: state)
            let vocabulary = logProbabilities.shape.last ?? 0
            precondition(
                logProbabilities.shape == [examples * width, vocabulary] && vocabulary > 0,
                "BeamSearch.decode: the decoder gave log-probabilities of shape \(logProbabilities.shape) for \(examples * width) rows")
            let values = logProbabilities.contiguous().scalars
            var parents = [Int](), nextScores = [Float](), nextWritten = [[Int32]](), nextTokens = [Int32]()
            for example in 0..<examples {
                let rows = example * width..<(example + 1) * width
                var live = [(row: Int, token: Int32, score: Float)]()
                if !done[example] {
                    for candidate in bestExtensions(of: rows, scores: scores, values: values, vocabulary: vocabulary) {
                        if candidate.token == end {
                            finished[example].append(
                                hypothesis(written[candidate.row], candidate.score, complete: true, length: length))
                        } else if live.count < width {
                            live.append(candidate)
                        }
                    }
                    if length == maxLength {
                        finished[example] += live.map {
                            hypothesis(written[$0.row] + [$0.token], $0.score, complete: false, length: length)
                        }
                        live = []
                    }
                    finished[example].sort { $0.score > $1.score }
                    if finished[example].count > width { finished[example].removeSubrange(width...) }
                    done[example] = live.isEmpty || isSettled(finished[example], bestLive: live[0].score)
                }
                // A settled example keeps running dead rows (score −∞) so that the batch keeps its shape.
                for k in 0..<width {
                    if !done[example], k < live.count {
                        parents.append(live[k].row)
                        nextScores.append(live[k].score)
                        nextWritten.append(written[live[k].row] + [live[k].token])
                        nextTokens.append(live[k].token)
                    } else {
                        parents.append(rows.lowerBound)
                        nextScores.append(-.infinity)
                        nextWritten.append([])
                        nextTokens.append(end)
                    }
                }
            }
            if done.allSatisfy({ $0 }) { break }
            state = decoder.selectingRows(parents, of: next)
            scores = nextScores
            written = nextWritten
            tokens = nextTokens
        }
        return finished
    }

    /// Up to 2·width best one-token extensions of the live beams in `rows`, best first (ties to the
    /// lower row, then the lower token): enough to keep `width` alive even if `width` of them end.
    private func bestExtensions(
        of rows: Range<Int>, scores: [Float], values: [Float], vocabulary: Int
    ) -> [(row: Int, token: Int32, score: Float)] {
        var best = [(row: Int, token: Int32, score: Float)]()
        let keep = 2 * width
        for row in rows where scores[row] > -.infinity {
            for token in 0..<vocabulary {
                let score = scores[row] + values[row * vocabulary + token]
                guard score > -.infinity, best.count < keep || score > best[best.count - 1].score else { continue }
                // Insert in order; equal scores go after the earlier (lower row, lower token) ones.
                let place = best.firstIndex { $0.score < score } ?? best.count
                best.insert((row, Int32(token), score), at: place)
                if best.count > keep { best.removeLast() }
            }
        }
        return best
    }

    private func hypothesis(_ tokens: [Int32], _ logProbability: Float, complete: Bool, length: Int) -> Hypothesis {
        Hypothesis(tokens: tokens, isComplete: complete, logProbability: logProbability, score: normalized(logProbability, length: length))
    }

    private func normalized(_ logProbability: Float, length: Int) -> Float {
        lengthNormalization == 0 ? logProbability : logProbability / powf(Float(length), lengthNormalization)
    }

    /// Whether `width` finished hypotheses all beat the best any live one (score `bestLive`) can still reach.
    private func isSettled(_ finished: [Hypothesis], bestLive: Float) -> Bool {
        finished.count == width && finished[width - 1].score >= normalized(bestLive, length: maxLength)
    }
}
