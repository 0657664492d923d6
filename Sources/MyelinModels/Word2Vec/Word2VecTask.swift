import MyelinData
import MyelinTensor
import MyelinTraining

/// word2vec's training for the Trainer: each step learns from the next batch of whole sentences
/// (`SentenceBatches`, about 10,000 words, as gensim's jobs) at a learning rate that falls linearly
/// with the words learned from, from `learningRate` to `minimumLearningRate` at the end of the last
/// epoch (as word2vec.c and gensim let it fall). A step's draws come from a seed taken from
/// `generator`, which the checkpoint keeps with the two matrices; the words learned from follow from
/// the Trainer's progress, so a run resumed on one thread goes on exactly as if it had not stopped.
public final class Word2VecTask: TrainingTask {
    public let model: Word2Vec
    public let corpus: SentenceCorpus
    public let batches: SentenceBatches
    public let sampling: Word2VecSampling
    public let learningRate: Float
    public let minimumLearningRate: Float
    /// The epochs the learning rate falls over.
    public let epochs: Int
    /// Threads per step: 1 gives the same bits every run, more update the vectors without locks.
    public var threads: Int
    public let generator: RandomGenerator
    public let state: TrainingCheckpoint

    /// `sample` is the subsampling threshold (gensim's and word2vec.c's `sample`; 0 keeps every word).
    public init(
        _ model: Word2Vec, corpus: SentenceCorpus, sample: Double = 1e-3, learningRate: Float = 0.025,
        minimumLearningRate: Float = 1e-4, epochs: Int, wordsPerBatch: Int = 10_000, generator: RandomGenerator,
        threads: Int = Threads.count
    ) {
        precondition(epochs > 0, "Word2VecTask: epochs must be positive, got \(epochs)")
        precondition(
            minimumLearningRate >= 0 && minimumLearningRate <= learningRate,
            "Word2VecTask: the learning rate must fall from \(learningRate) to a smaller rate ≥ 0, got \(minimumLearningRate)")
        self.model = model
        self.corpus = corpus
        batches = SentenceBatches(corpus, words: wordsPerBatch)
        sampling = Word2VecSampling(counts: corpus.vocabulary.counts, sample: sample)
        self.learningRate = learningRate
        self.minimumLearningRate = minimumLearningRate
        self.epochs = epochs
        self.threads = threads
        self.generator = generator
        state = TrainingCheckpoint(format: Word2Vec.checkpointFormat, modules: [("", model)], generators: [("word2vec", generator)])
    }

    /// The learning rate after `words` of the text's words have been learned from (over every epoch):
    /// `learningRate` at 0, falling linearly to `minimumLearningRate` at `epochs` passes, and no lower.
    public func learningRate(afterWords words: Int) -> Float {
        let progress = min(1, Double(words) / Double(epochs * corpus.wordCount))
        return Float(Double(learningRate) * (1 - progress) + Double(minimumLearningRate) * progress)
    }

    public func step(_ batch: SentenceBatches.Batch, context: StepContext) throws -> StepOutput {
        let rate = learningRate(afterWords: (context.epoch - 1) * corpus.wordCount + batch.wordsBefore)
        let pass = model.learn(
            from: corpus, sentences: batch.sentences, sampling: sampling, learningRate: rate, seed: generator.next(),
            threads: threads)
        var figures = [StepOutput.Figure(name: "learning rate", value: rate)]
        if pass.predictions > 0 {  // a batch of one-word sentences predicts nothing
            let loss = Float(pass.meanLoss)
            // The kernel updates as it goes, so the loss is known only after the update; a non-finite
            // one still stops the run before this step's state is checkpointed.
            try context.beforeUpdate(["loss": loss])
            figures.insert(StepOutput.Figure(name: "loss", value: loss), at: 0)
        }
        return StepOutput(figures, samples: batch.words)
    }
}
