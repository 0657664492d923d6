import MyelinTensor

/// A translation task made in code: a held-out test set of fixed size, drawn once from a fixed seed
/// (the same for every run, so runs compare), and an endless, seeded stream of training pairs
/// drawn from everything the test set leaves: no test date or number is ever trained on.
///
/// - `dates`: a day of 1950–2049 written one of 16 ways ("3 March 2015", "Tuesday, March 3,
///   2015", "03/03/15", "March 3rd, 2015", … see `CalendarDate.Style`) → "2015-03-03". Characters
///   in, characters out. The test set is 2,000 days, each written in one style, the styles in turn.
/// - `wordsToDigits`: "three hundred and forty-two" → "342", numbers 0…999,999,999. Words in,
///   digit characters out. `digitsToWords` is the reverse.
///   Training numbers have 1–9 digits, each count equally likely; the test set is 200 numbers of 3
///   digits and 300 of each of 4–9 digits (all numbers of one or two digits are trained on: their
///   words make up every other number).
public struct TranslationPairs: Sendable {
    public enum Task: String, Codable, CaseIterable, Sendable {
        case dates
        case wordsToDigits = "words-to-digits"
        case digitsToWords = "digits-to-words"
    }

    public struct Pair: Equatable, Sendable {
        public let source: String
        public let target: String

        public init(source: String, target: String) {
            self.source = source
            self.target = target
        }
    }

    public let task: Task
    public let sourceLevel: TokenLevel
    public let targetLevel: TokenLevel
    /// Every token a source or target can hold (and the four special tokens).
    public let sourceVocabulary: WordVocabulary
    public let targetVocabulary: WordVocabulary
    /// The held-out pairs.
    public let test: [Pair]
    /// The most tokens a target has (without the end token).
    public let maxTargetLength: Int
    /// Source lengths are reported in buckets of this many tokens.
    public let lengthBucketWidth: Int
    private let draw: @Sendable (RandomGenerator) -> Pair

    /// The seed the test sets are drawn from.
    public static let testSeed: UInt64 = 20_150_303

    public init(_ task: Task) {
        switch task {
        case .dates: self = Self.dates()
        case .wordsToDigits, .digitsToWords: self = Self.numbers(wordsFirst: task == .wordsToDigits)
        }
    }

    private init(
        task: Task, levels: (TokenLevel, TokenLevel), inventory: [Pair], test: [Pair], maxTargetLength: Int,
        lengthBucketWidth: Int, draw: @escaping @Sendable (RandomGenerator) -> Pair
    ) {
        self.task = task
        (sourceLevel, targetLevel) = levels
        sourceVocabulary = WordVocabulary(counting: inventory.flatMap { levels.0.tokens($0.source) })
        targetVocabulary = WordVocabulary(counting: inventory.flatMap { levels.1.tokens($0.target) })
        self.test = test
        self.maxTargetLength = maxTargetLength
        self.lengthBucketWidth = lengthBucketWidth
        self.draw = draw
    }

    /// A training pair, drawn from `generator`.
    public func trainingPair(_ generator: RandomGenerator) -> Pair { draw(generator) }

    /// The number of tokens of `pair`'s source.
    public func sourceLength(_ pair: Pair) -> Int { sourceLevel.tokens(pair.source).count }

    /// `pairs` as ids: sources padded, and the decoder's input and target under teacher forcing.
    /// Every token must be in the vocabularies (every pair this type draws is).
    public func batch(_ pairs: [Pair]) -> TranslationBatch {
        let targets = pairs.map { targetVocabulary.encode(targetLevel.tokens($0.target)) }
        let (input, target) = PaddedBatch.teacherForcing(targets)
        return TranslationBatch(
            source: PaddedBatch(pairs.map { sourceVocabulary.encode(sourceLevel.tokens($0.source)) }), decoderInput: input,
            target: target)
    }

    // MARK: - Dates

    /// 1950-01-01 … 2049-12-31: the century that two-digit years name.
    public static let dateRange = CalendarDate(year: 1950, month: 1, day: 1)...CalendarDate(year: 2049, month: 12, day: 31)

    private static func dates() -> TranslationPairs {
        let styles = CalendarDate.Style.allCases
        let first = dateRange.lowerBound.daysSince1970, count = dateRange.upperBound.daysSince1970 - first + 1
        let order = RandomGenerator(seed: testSeed).permutation(count)
        let testDays = order.prefix(2000), trainingDays = order.dropFirst(2000).sorted()
        let test = testDays.enumerated().map { i, day in
            let date = CalendarDate(daysSince1970: first + day)
            return Pair(source: date.written(styles[i % styles.count]), target: date.iso)
        }
        // 2016, a leap year, writes every month, weekday, day and digit.
        let year = (0..<366).map { CalendarDate(daysSince1970: CalendarDate(year: 2016, month: 1, day: 1).daysSince1970 + $0) }
        let inventory = year.flatMap { date in styles.map { Pair(source: date.written($0), target: date.iso) } }
        return TranslationPairs(
            task: .dates, levels: (.characters, .characters), inventory: inventory, test: test, maxTargetLength: 10,
            lengthBucketWidth: 10,
            draw: { generator in
                let date = CalendarDate(daysSince1970: first + trainingDays[generator.integer(below: trainingDays.count)])
                return Pair(source: date.written(styles[generator.integer(below: styles.count)]), target: date.iso)
            })
    }

    // MARK: - Numbers

    private static func numbers(wordsFirst: Bool) -> TranslationPairs {
        @Sendable func pair(_ n: Int) -> Pair {
            wordsFirst ? Pair(source: NumberWords.words(n), target: String(n)) : Pair(source: String(n), target: NumberWords.words(n))
        }
        // The numbers of `digits` digits: 0…9 for one.
        @Sendable func range(digits: Int) -> Range<Int> {
            let top = (0..<digits).reduce(1) { r, _ in r * 10 }
            return (digits == 1 ? 0 : top / 10)..<top
        }
        let generator = RandomGenerator(seed: testSeed)
        var held = Set<Int>(), test = [Pair]()
        for digits in 3...9 {
            let r = range(digits: digits), wanted = digits == 3 ? 200 : 300
            var drawn = 0
            while drawn < wanted {
                let n = r.lowerBound + generator.integer(below: r.count)
                if held.insert(n).inserted {
                    test.append(pair(n))
                    drawn += 1
                }
            }
        }
        let inventory = (0..<1000).map(pair) + [pair(1000), pair(1_000_000)]
        let heldOut = held
        return TranslationPairs(
            task: wordsFirst ? .wordsToDigits : .digitsToWords, levels: wordsFirst ? (.words, .characters) : (.characters, .words),
            inventory: inventory, test: test, maxTargetLength: wordsFirst ? 9 : 17, lengthBucketWidth: wordsFirst ? 3 : 1,
            draw: { generator in
                let r = range(digits: 1 + generator.integer(below: 9))
                while true {
                    let n = r.lowerBound + generator.integer(below: r.count)
                    if !heldOut.contains(n) { return pair(n) }
                }
            })
    }
}

/// A batch of translation pairs as ids: the sources, and the decoder's input (start token, then the
/// target) and target (the target, then the end token), all padded with 0.
public struct TranslationBatch {
    public let source: PaddedBatch
    public let decoderInput: PaddedBatch
    public let target: PaddedBatch

    public var count: Int { source.count }
}
