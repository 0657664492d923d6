import Foundation
import Myelin
import MyelinModels

/// word2vec: skip-gram and CBOW on Shakespeare's words, trained as `myelin train word2vec` trains
/// them (100 dimensions, window 5, 5 noise words, min count 5, sample 1e-3, learning rate 0.025 →
/// 0.0001 over 5 epochs, batches of 10,000 words, seed 0), through the Trainer without callbacks, on
/// 1 thread and on 2 (which update the vectors without locks). Speeds count the text's words, rare
/// ones included, over the 5 epochs' seconds; the loss is the last epoch's mean, and "king"'s
/// nearest word a check that they learned.
func word2vecWorkload() -> [String: Any] {
    let corpus: SentenceCorpus
    do {
        corpus = try SentenceCorpus(contentsOf: TextCorpus.locateShakespeare(), minCount: 5)
    } catch {
        FileHandle.standardError.write(Data("MyelinBench: \(error)\n".utf8))
        exit(1)
    }
    let epochs = 5
    var line: [String: Any] = [
        "workload": "word2vec", "words": corpus.wordCount, "vocabulary": corpus.vocabulary.count - WordVocabulary.specialTokens.count,
        "settings": [
            "dimensions": 100, "window": 5, "negative": 5, "min_count": 5, "sample": 1e-3, "epochs": epochs, "lr": 0.025,
            "min_lr": 1e-4, "words_per_batch": 10_000, "seed": 0,
        ] as [String: Any],
    ]
    for architecture in Word2Vec.Architecture.allCases {
        for threads in [1, 2] {
            let generator = RandomGenerator(seed: 0)
            let model = Word2Vec(.init(words: corpus.vocabulary.count, architecture: architecture), generator: generator)
            let task = Word2VecTask(model, corpus: corpus, epochs: epochs, generator: generator, threads: threads)
            var clock = Stopwatch()
            clock.start()
            let history = try! Trainer(.epochs(epochs), state: task.state).run(task)
            let seconds = clock.stop()
            let name = "\(architecture.rawValue)_\(threads)t"
            line["\(name)_words_per_sec"] = rounded(Double(epochs * corpus.wordCount) / seconds, 0)
            line["\(name)_last_epoch_loss"] = rounded(history.values("mean loss").last ?? .nan, 4)
            let nearest = try! WordVectors(model, vocabulary: corpus.vocabulary).nearest(to: "king", count: 1)[0]
            line["\(name)_nearest_to_king"] = "\(nearest.word) \(rounded(Double(nearest.similarity), 3))"
        }
    }
    return line
}
