/// How a classifier fares on a data set when every image is attacked.
public struct AttackOutcome: Equatable, Sendable {
    /// Images measured.
    public var count: Int
    /// The share the classifier gets right as they are.
    public var cleanAccuracy: Double
    /// The share it gets right once attacked.
    public var accuracy: Double
    /// Of the images the attack had something to do for (untargeted: those classified right;
    /// aimed: those not of the target class), the share for which it got what it aimed for.
    public var successRate: Double

    public init(count: Int, cleanAccuracy: Double, accuracy: Double, successRate: Double) {
        (self.count, self.cleanAccuracy, self.accuracy, self.successRate) = (count, cleanAccuracy, accuracy, successRate)
    }
}

extension GradientSignAttack {
    /// Attacks every image of `data`, `batchSize` at a time, and measures `classifier` (in
    /// evaluation mode) on the originals and on the adversarial images.
    public func outcome<Data: Dataset>(
        on data: Data, of classifier: (Tensor) -> Tensor, batchSize: Int = 100, generator: RandomGenerator = .global
    ) -> AttackOutcome {
        precondition(data.count > 0 && batchSize > 0, "GradientSignAttack.outcome: needs images and a positive batch size")
        var clean = 0, attacked = 0, candidates = 0, successes = 0
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let (images, labels) = data.batch(at: start..<Swift.min(start + batchSize, data.count))
            let adversarial = perturb(images, labels: labels, of: classifier, generator: generator)
            let (before, after) = withoutGrad { (predictions(classifier(images)), predictions(classifier(adversarial))) }
            for (i, label) in labels.integers.enumerated() {
                if before[i] == label { clean += 1 }
                if after[i] == label { attacked += 1 }
                let applies: Bool
                switch goal {
                case .untargeted: applies = before[i] == label
                case .targeted(let target): applies = label != target
                }
                if applies {
                    candidates += 1
                    if goal.isMet(prediction: after[i], label: label) { successes += 1 }
                }
            }
        }
        let n = Double(data.count)
        return AttackOutcome(
            count: data.count, cleanAccuracy: Double(clean) / n, accuracy: Double(attacked) / n,
            successRate: candidates == 0 ? 0 : Double(successes) / Double(candidates))
    }
}

/// Each row's highest-scoring class.
func predictions(_ logits: Tensor) -> [Int] { logits.argmax(axis: -1).integers }
