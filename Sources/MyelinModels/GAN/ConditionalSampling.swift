import MyelinNN
import MyelinTensor

// What a conditional GAN is asked for: the ten digits in one handwriting, and how often a
// classifier reads the digit that was asked for.

/// Each noise vector of `noise` [R, noiseSize] once for each of the ten digits: noise
/// [10·R, noiseSize] and labels [10·R] = 0…9, 0…9, …; a conditional G's images of them are R rows
/// of the ten digits, a row in one handwriting (the same noise).
public func tenDigits(of noise: Tensor) -> (noise: Tensor, labels: Tensor) {
    precondition(noise.rank == 2, "tenDigits: noise must be [R, noiseSize], got shape \(noise.shape)")
    let (rows, classes) = (noise.shape[0], GANConfiguration.classCount)
    let repeated = noise.unsqueezed(axis: 1).expanded(to: [rows, classes, noise.shape[1]]).reshaped([rows * classes, noise.shape[1]])
    return (repeated.contiguous(), Tensor(integers: (0..<(rows * classes)).map { $0 % classes }))
}

extension GANTrainer {
    /// For each digit d of 0…9, the share of G's images asked to be a d that `classifier` reads as
    /// a d: `samplesPerDigit` images each, of noise drawn from `noise`. The classifier takes images
    /// [N, 1, 28, 28] with ink in 0…1 (the zoo's MNIST classifiers) and gives logits [N, 10].
    public func recognitionRates(by classifier: Module, samplesPerDigit: Int, noise: RandomGenerator) -> [Double] {
        precondition(configuration.conditional, "GANTrainer.recognitionRates: an unconditional GAN is asked for no digit")
        precondition(samplesPerDigit >= 1, "GANTrainer.recognitionRates: samplesPerDigit \(samplesPerDigit) is not positive")
        return (0..<GANConfiguration.classCount).map { digit in
            var recognised = 0
            for start in stride(from: 0, to: samplesPerDigit, by: 500) {
                let count = min(500, samplesPerDigit - start)
                let z = Tensor.randn([count, configuration.noiseSize], generator: noise)
                let images = inkImages(z, labels: Tensor(integers: Array(repeating: digit, count: count)))
                let read = classifier.evaluating { classifier(images) }.argmax(axis: 1).integers
                recognised += read.filter { $0 == digit }.count
            }
            return Double(recognised) / Double(samplesPerDigit)
        }
    }
}
