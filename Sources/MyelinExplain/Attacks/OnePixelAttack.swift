/// The one-pixel attack (Su, Vargas and Sakurai, 2019): differential evolution searches for one
/// pixel — its row, column and value — that changes the classifier's answer. It needs only the
/// classifier's probabilities, no gradients.
///
/// A candidate is (row, column, one value per channel). Each generation, every candidate x gets a
/// rival r₁ + F·(r₂ − r₃) from three others (DE/rand/1, no crossover, as the paper), kept where the
/// classifier's probability of the true class is lower for it (aimed at a target: the target's is
/// higher). The search stops at the first generation in which a candidate reaches the goal.
///
/// ```swift
/// let result = OnePixelAttack().attack(image, label: 7, of: { model($0) }, generator: RandomGenerator(seed: 1))
/// if result.succeeded { print("pixel (\(result.row), \(result.column)) → \(result.prediction)") }
/// ```
public struct OnePixelAttack: Equatable, Sendable {
    public var populationSize: Int
    public var generations: Int
    /// DE's differential weight F: how far a rival steps along the difference of two others.
    public var differentialWeight: Float
    public var goal: AttackGoal
    /// The values a pixel may take (the model's input scale).
    public var pixelRange: ClosedRange<Float>

    public init(
        populationSize: Int = 100, generations: Int = 40, differentialWeight: Float = 0.5, goal: AttackGoal = .untargeted,
        pixelRange: ClosedRange<Float> = 0...1
    ) {
        precondition(populationSize >= 4, "OnePixelAttack: differential evolution needs a population of at least 4, got \(populationSize)")
        precondition(generations >= 0, "OnePixelAttack: generations must be at least 0, got \(generations)")
        (self.populationSize, self.generations, self.differentialWeight) = (populationSize, generations, differentialWeight)
        (self.goal, self.pixelRange) = (goal, pixelRange)
    }

    /// What the search found: the best candidate, and the image with its pixel set.
    public struct Result {
        /// The image with the one pixel changed ([C, H, W] or [H, W], as given).
        public var adversarial: Tensor
        public var row: Int
        public var column: Int
        /// The pixel's new value in each channel.
        public var values: [Float]
        /// The class the classifier gives the adversarial image, and its probability.
        public var prediction: Int
        public var probability: Float
        public var succeeded: Bool
        /// The generations run (0: a candidate of the first population already succeeded).
        public var generationsRun: Int
    }

    /// Searches for one pixel of `image` ([C, H, W] or [H, W], one image) that makes `classifier`
    /// (a batch of images to logits, in evaluation mode) miss `label` or, aimed, answer the target.
    public func attack(_ image: Tensor, label: Int, of classifier: (Tensor) -> Tensor, generator: RandomGenerator = .global) -> Result {
        precondition(image.rank == 2 || image.rank == 3, "OnePixelAttack.attack: one image [C, H, W] or [H, W], got \(image.shape)")
        let (channels, height, width) =
            image.rank == 3 ? (image.shape[0], image.shape[1], image.shape[2]) : (1, image.shape[0], image.shape[1])
        let pixels = image.contiguous().scalars, plane = height * width
        let range = pixelRange

        // A candidate: row and column as reals in [0, H) and [0, W) (floored to a pixel), then values.
        func clipped(_ candidate: [Float]) -> [Float] {
            var c = candidate
            c[0] = Swift.min(Swift.max(c[0], 0), Float(height).nextDown)
            c[1] = Swift.min(Swift.max(c[1], 0), Float(width).nextDown)
            for k in 2..<c.count { c[k] = Swift.min(Swift.max(c[k], range.lowerBound), range.upperBound) }
            return c
        }
        func withPixel(_ candidate: [Float]) -> [Float] {
            var copy = pixels
            let at = Int(candidate[0]) * width + Int(candidate[1])
            for channel in 0..<channels { copy[channel * plane + at] = candidate[2 + channel] }
            return copy
        }
        // Every candidate's image in one batch: the fitness to minimise, the answer and its probability.
        func evaluate(_ candidates: [[Float]]) -> [(fitness: Float, prediction: Int, probability: Float)] {
            let batch = Tensor(shape: [candidates.count] + image.shape, scalars: candidates.flatMap(withPixel))
            let probabilities = withoutGrad { classifier(batch).softmax(axis: -1) }.scalars
            let classes = probabilities.count / candidates.count
            return (0..<candidates.count).map { i in
                let row = probabilities[(i * classes)..<((i + 1) * classes)]
                let best = row.indices.max { row[$0] < row[$1] }! - i * classes
                let fitness: Float
                switch goal {
                case .untargeted: fitness = row[i * classes + label]
                case .targeted(let target): fitness = 1 - row[i * classes + target]
                }
                return (fitness, best, row[i * classes + best])
            }
        }

        var population = (0..<populationSize).map { _ in
            [generator.uniform(0, Float(height)), generator.uniform(0, Float(width))]
                + (0..<channels).map { _ in generator.uniform(range.lowerBound, range.upperBound) }
        }.map(clipped)
        var scores = evaluate(population)
        var generation = 0
        while generation < generations && !scores.contains(where: { goal.isMet(prediction: $0.prediction, label: label) }) {
            generation += 1
            let rivals = population.indices.map { i -> [Float] in
                var picked: [Int] = []
                while picked.count < 3 {
                    let r = generator.integer(below: populationSize)
                    if r != i && !picked.contains(r) { picked.append(r) }
                }
                let (a, b, c) = (population[picked[0]], population[picked[1]], population[picked[2]])
                return clipped(a.indices.map { a[$0] + differentialWeight * (b[$0] - c[$0]) })
            }
            let rivalScores = evaluate(rivals)
            for i in population.indices where rivalScores[i].fitness <= scores[i].fitness {
                population[i] = rivals[i]
                scores[i] = rivalScores[i]
            }
        }
        // The best candidate that reached the goal, or the best one.
        let reached = population.indices.filter { goal.isMet(prediction: scores[$0].prediction, label: label) }
        let best = (reached.isEmpty ? Array(population.indices) : reached).min { scores[$0].fitness < scores[$1].fitness }!
        let winner = population[best]
        return Result(
            adversarial: Tensor(shape: image.shape, scalars: withPixel(winner)), row: Int(winner[0]), column: Int(winner[1]),
            values: Array(winner[2...]), prediction: scores[best].prediction, probability: scores[best].probability,
            succeeded: !reached.isEmpty, generationsRun: generation)
    }
}
