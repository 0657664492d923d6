import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct CharRNNTests {
    @Test func matchesW4() {
        let model = CharRNN(.init(vocabularySize: 76), generator: RandomGenerator(seed: 1))
        // the char-LSTM benchmark's PyTorch module names, so its state dict loads name for name.
        #expect(
            model.stateDict.map(\.0) == [
                "emb.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                "lstm.bias_hh_l0", "head.weight", "head.bias",
            ])
        // 76·64 + 4·256·(64 + 256 + 2) + 256·76 + 76.
        #expect(model.parameterCount == 4_864 + 329_728 + 19_532)
        let ids = Tensor(shape: [2, 5], integers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(model(ids).shape == [2, 5, 76])
        let gru = CharRNN(.init(vocabularySize: 10, hiddenSize: 8, layers: 2, cell: .gru))
        #expect(gru.stateDict.map(\.0).contains("gru.weight_hh_l1"))
    }

    @Test func eachSequenceOfABatchGetsTheLogitsItGetsAlone() {
        // 2 × 9 tokens of a 5-character vocabulary: more tokens than characters, so the token table
        // is used; the head reads the states in time order and the logits come back in batch order.
        let model = CharRNN(.init(vocabularySize: 5, embeddingSize: 3, hiddenSize: 6), generator: RandomGenerator(seed: 4))
        let sequences = [[0, 1, 2, 3, 4, 0, 2, 4, 1], [4, 4, 3, 2, 1, 0, 1, 3, 2]]
        let batch = model(Tensor(shape: [2, 9], integers: sequences.flatMap { $0 }))
        #expect(batch.shape == [2, 9, 5])
        for (b, sequence) in sequences.enumerated() {
            let alone = model(Tensor(shape: [1, 9], integers: sequence)).scalars
            let row = batch[b].contiguous().scalars
            #expect(zip(row, alone).allSatisfy { abs($0 - $1) < 1e-5 }, "sequence \(b)")
        }
    }

    @Test func stateCarriesAcrossCalls() {
        let model = CharRNN(.init(vocabularySize: 12, embeddingSize: 4, hiddenSize: 6), generator: RandomGenerator(seed: 2))
        let ids = Tensor(shape: [1, 7], integers: [3, 1, 4, 1, 5, 9, 2])
        let whole = model(ids).scalars
        let (first, state) = model.forward(ids.narrowed(axis: 1, start: 0, length: 4), state: nil)
        let (second, _) = model.forward(ids.narrowed(axis: 1, start: 4, length: 3), state: state)
        let joined = first.scalars + second.scalars
        #expect(zip(joined, whole).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func learnsARepeatingTextAndContinuesIt() throws {
        // "hello world " over and over: after a short training by truncated backpropagation through
        // time (8 streams of 60 characters, 16 at a time) the greedy continuation is exact.
        let text = String(repeating: "hello world ", count: 40)
        let vocabulary = CharacterVocabulary(text: text)
        let ids = try vocabulary.encode(text)
        let generator = RandomGenerator(seed: 4)
        let model = CharRNN(.init(vocabularySize: vocabulary.count, embeddingSize: 8, hiddenSize: 32), generator: generator)
        let task = CharRNNTask(
            model, optimizer: Adam(model.parameters, learningRate: 0.02), generator: generator, trainingIDs: ids,
            validationIDs: ids, batchSize: 8, window: 16, clipNorm: 5)
        let history = try Trainer(.steps(150), state: task.state).run(task)
        #expect(history.last("loss")! < 0.05)
        // Validation windows start from a zero state, so their first characters are guesses (about 0.14).
        #expect(history.last("validation loss")! < 0.3)
        let prime = try! vocabulary.encode("hello w").map(Int.init)
        let continuation = vocabulary.decode(model.generate(prime: prime, length: 16, sampler: .greedy))
        #expect(continuation == "orld hello world")
        #expect(model.isTraining, "generation restores the training mode")
    }

    @Test func samplingIsSeededAndRespectsTopK() {
        let model = CharRNN(.init(vocabularySize: 20, embeddingSize: 4, hiddenSize: 8), generator: RandomGenerator(seed: 6))
        let sampler = TokenSampler(temperature: 1.5, topK: 3)
        let a = model.generate(prime: [1, 2], length: 50, sampler: sampler, generator: RandomGenerator(seed: 7))
        let b = model.generate(prime: [1, 2], length: 50, sampler: sampler, generator: RandomGenerator(seed: 7))
        #expect(a == b && a.count == 50)
        #expect(Set(a).count > 1, "a temperature of 1.5 over three candidates picks more than one character")
        // Top-1 is greedy.
        let top1 = model.generate(prime: [1, 2], length: 20, sampler: TokenSampler(topK: 1), generator: RandomGenerator(seed: 8))
        #expect(top1 == model.generate(prime: [1, 2], length: 20, sampler: .greedy))
    }
}

@Suite struct CharRNNCheckpointTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("charrnn-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    func makeCheckpoint() -> CharRNNCheckpoint {
        let vocabulary = CharacterVocabulary(text: "to be or not to be")
        let model = CharRNN(
            .init(vocabularySize: vocabulary.count, embeddingSize: 5, hiddenSize: 7, layers: 2, cell: .gru),
            generator: RandomGenerator(seed: 9))
        return CharRNNCheckpoint(model: model, vocabulary: vocabulary)
    }

    @Test func roundTripRebuildsTheSameModel() throws {
        let saved = makeCheckpoint(), url = folder.appendingPathComponent("model.safetensors")
        try saved.save(to: url)
        let loaded = try CharRNNCheckpoint(contentsOf: url)
        #expect(loaded.model.configuration == saved.model.configuration)
        #expect(loaded.vocabulary == saved.vocabulary)
        let ids = Tensor(shape: [1, 6], integers: [0, 3, 1, 4, 2, 5])
        #expect(loaded.model(ids).scalars == saved.model(ids).scalars)
        // Plain safetensors: the weights are there under their PyTorch names.
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.tensor(named: "gru.weight_hh_l1")?.shape == [21, 7])
    }

    @Test func filesThatAreNotCheckpointsAreNamedErrors() throws {
        let saved = makeCheckpoint()
        let plain = folder.appendingPathComponent("plain.safetensors")
        try SafeTensors.write(saved.model.stateDict, to: plain)
        #expect(throws: CheckpointError.self) { try CharRNNCheckpoint(contentsOf: plain) }
        do {
            _ = try CharRNNCheckpoint(contentsOf: plain)
        } catch {
            #expect("\(error)".contains(plain.path) && "\(error)".contains("not a char-RNN checkpoint"))
        }

        // A configuration that does not match the weights.
        let mismatched = folder.appendingPathComponent("mismatched.safetensors")
        var metadata = [
            CharRNNCheckpoint.formatKey: CharRNNCheckpoint.format,
            "myelin.vocabulary": String(decoding: saved.vocabulary.jsonData(), as: UTF8.self),
        ]
        var configuration = saved.model.configuration
        configuration.hiddenSize = 9
        metadata["myelin.configuration"] = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        try SafeTensors.write(saved.model.stateDict, metadata: metadata, to: mismatched)
        #expect { try CharRNNCheckpoint(contentsOf: mismatched) } throws: { "\($0)".contains("do not fit") }

        // A vocabulary of the wrong size, and an impossible configuration.
        metadata["myelin.configuration"] = String(decoding: try JSONEncoder().encode(saved.model.configuration), as: UTF8.self)
        metadata["myelin.vocabulary"] = String(decoding: CharacterVocabulary(text: "ab").jsonData(), as: UTF8.self)
        try SafeTensors.write(saved.model.stateDict, metadata: metadata, to: mismatched)
        #expect { try CharRNNCheckpoint(contentsOf: mismatched) } throws: { "\($0)".contains("vocabulary has 2 characters") }
        metadata["myelin.configuration"] =
            #"{"vocabularySize": -3, "embeddingSize": 5, "hiddenSize": 7, "layers": 2, "cell": "gru", "dropout": 0}"#
        try SafeTensors.write(saved.model.stateDict, metadata: metadata, to: mismatched)
        #expect { try CharRNNCheckpoint(contentsOf: mismatched) } throws: { "\($0)".contains("configuration") }

        // A truncated file is the reader's error, naming the file.
        let truncated = folder.appendingPathComponent("truncated.safetensors")
        try saved.save(to: truncated)
        let bytes = try Data(contentsOf: truncated)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        #expect { try CharRNNCheckpoint(contentsOf: truncated) } throws: { "\($0)".contains(truncated.path) }
    }
}
