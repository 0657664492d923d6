import MyelinData
import MyelinNN
import MyelinOptim
import MyelinTensor
import MyelinTraining

/// A seq2seq network's training for the Trainer: every step learns, by teacher forcing, from a
/// batch of training pairs freshly drawn from `generator` (which the checkpoint keeps, so a resumed
/// run draws the same pairs), with the gradient norm clipped. Each evaluation translates the whole
/// held-out test set greedily ("test exact-match accuracy": the fraction translated token for token right)
/// and measures the teacher-forced "test loss" per target token.
public final class Seq2SeqTask: TrainingTask {
    public let translator: Translator
    public let pairs: TranslationPairs
    public let optimizer: Optimizer
    public let generator: RandomGenerator
    public let batchSize: Int
    public let clipNorm: Float?
    public let state: TrainingCheckpoint
    /// In data-parallel training, this process's slice of every batch of pairs.
    public let shard: DataShard?

    /// With a `shard`, `batchSize` is the global batch: every process draws the same pairs and
    /// learns from its slice of them.
    public init(
        _ model: Seq2Seq, pairs: TranslationPairs, optimizer: Optimizer, generator: RandomGenerator, batchSize: Int, clipNorm: Float?,
        shard: DataShard? = nil
    ) {
        if let shard {
            precondition(
                batchSize % shard.count == 0, "Seq2SeqTask: a batch of \(batchSize) cannot be split evenly among \(shard.count) processes")
        }
        self.shard = shard
        translator = Translator(model: model, pairs: pairs)
        self.pairs = pairs
        self.optimizer = optimizer
        self.generator = generator
        self.batchSize = batchSize
        self.clipNorm = clipNorm
        state = model.trainingCheckpoint(optimizer: optimizer, shuffling: generator)
    }

    public var model: Seq2Seq { translator.model }

    public var batches: EndlessBatches<TranslationBatch> {
        EndlessBatches { [pairs, generator, batchSize, shard] in
            let drawn = (0..<batchSize).map { _ in pairs.trainingPair(generator) }
            guard let shard else { return pairs.batch(drawn) }
            let n = batchSize / shard.count
            return pairs.batch(Array(drawn[(shard.rank * n)..<((shard.rank + 1) * n)]))
        }
    }

    public func step(_ batch: TranslationBatch, context: StepContext) throws -> StepOutput {
        if !model.isTraining { model.train() }
        let loss = model.loss(batch)
        let value = try context.update(minimizing: loss, with: optimizer, clipping: clipNorm.map { (model.parameters, $0) })
        return StepOutput(["loss": value], samples: batch.count)
    }

    public func evaluate() throws -> Evaluation {
        let matches = translator.exactMatches(pairs.test)
        var tokens = 0.0, loss = 0.0
        model.evaluating {
            for start in stride(from: 0, to: pairs.test.count, by: 500) {
                let batch = pairs.batch(Array(pairs.test[start..<min(start + 500, pairs.test.count)]))
                let n = Double(batch.target.lengths.reduce(0, +))
                loss += Double(model.loss(batch).item) * n
                tokens += n
            }
        }
        return ["test exact-match accuracy": Double(matches.count { $0 }) / Double(matches.count), "test loss": loss / tokens]
    }
}
