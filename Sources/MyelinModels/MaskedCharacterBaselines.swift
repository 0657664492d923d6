/// What a masked character model must beat, scored on the same positions it is: two guesses that
/// know only how often each character occurs in the training text.
///
/// - majority: always guess the training text's most frequent character (the lower id on a tie);
///   its accuracy is the fraction of targets that are that character.
/// - unigram: guess a character drawn from the training text's frequencies p(c), whatever the
///   context; its accuracy is the expected one, the mean of p(target) over the positions (exact,
///   no draw): for Shakespeare about Σ p(c)² ≈ 0.056.
public struct MaskedCharacterBaselines: Sendable, Equatable {
    /// The training text's most frequent character's id.
    public let majorityCharacter: Int
    public let majorityAccuracy: Double
    public let unigramAccuracy: Double

    /// The baselines of `targets` (character ids) with the frequencies of `trainingIDs` (ids in 0..<vocabularySize).
    public init(trainingIDs: [Int32], vocabularySize: Int, targets: [Int]) {
        precondition(
            !trainingIDs.isEmpty && !targets.isEmpty, "MaskedCharacterBaselines: the training ids and the targets must not be empty")
        var counts = [Int](repeating: 0, count: vocabularySize)
        for id in trainingIDs { counts[Int(id)] += 1 }
        let total = Double(trainingIDs.count), n = Double(targets.count)
        let majority = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
        majorityCharacter = majority
        majorityAccuracy = Double(targets.count { $0 == majority }) / n
        unigramAccuracy = targets.reduce(0.0) { $0 + Double(counts[$1]) / total } / n
    }
}
