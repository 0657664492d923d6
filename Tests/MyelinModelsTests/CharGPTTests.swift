import Foundation
import Myelin
import MyelinModels
import Testing

@Suite struct CharGPTTests {
    @Test func matchesW6() {
        let model = CharGPT(.init(vocabularySize: 76), generator: RandomGenerator(seed: 1))
        // The char-transformer benchmark's PyTorch module has exactly this many parameters, under these names.
        #expect(model.parameterCount == 821_068)
        let names = model.stateDict.map(\.0)
        #expect(
            Array(names.prefix(8)) == [
                "tok.weight", "pos.weight", "blocks.0.ln1.weight", "blocks.0.ln1.bias",
                "blocks.0.qkv.weight", "blocks.0.qkv.bias", "blocks.0.proj.weight", "blocks.0.proj.bias",
            ])
        #expect(Array(names.suffix(5)) == ["blocks.3.fc2.bias", "lnf.weight", "lnf.bias", "head.weight", "head.bias"])
        #expect(names.count == 2 + 4 * 12 + 4)
        #expect(model(Tensor(shape: [2, 64], integers: (0..<128).map { $0 % 76 })).shape == [2, 64, 76])
        // Sinusoidal positions: nothing learned for them.
        let fixed = CharGPT(.init(vocabularySize: 76, positions: .sinusoidal))
        #expect(fixed.parameterCount == 821_068 - 64 * 128 && !fixed.stateDict.contains { $0.0.hasPrefix("pos") })
    }

    @Test func matchesPyTorchOnTheFixture() throws {
        // The tiny GPT (like the char-transformer benchmark's) of Tests/MyelinNNTests/Fixtures/transformer.json (Tools/make_transformer_fixtures.py).
        struct Values: Decodable { let shape: [Int]; let values: [Float] }
        // The fixture's JSON keys, as Python wrote them.
        // swift-format-ignore: AlwaysUseLowerCamelCase
        struct GPT: Decodable {
            let vocabulary, context, embed_dim, heads, layers, feed_forward, batch, steps: Int
            let state_dict: [String: Values]
            let ids: [Int]
            let logits: Values
        }
        struct File: Decodable { let gpt: GPT }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../MyelinNNTests/Fixtures/transformer.json")
        let f = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).gpt
        let model = CharGPT(
            .init(
                vocabularySize: f.vocabulary, context: f.context, embedDim: f.embed_dim, heads: f.heads,
                layers: f.layers, feedForward: f.feed_forward))
        try model.loadStateDict(f.state_dict.mapValues { Tensor(shape: $0.shape, scalars: $0.values) })
        let logits = model(Tensor(shape: [f.batch, f.steps], integers: f.ids))
        #expect(logits.shape == f.logits.shape)
        #expect(zip(logits.scalars, f.logits.values).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func aPositionSeesOnlyThePast() {
        let model = CharGPT(
            .init(vocabularySize: 9, context: 8, embedDim: 8, heads: 2, layers: 2, feedForward: 16),
            generator: RandomGenerator(seed: 2))
        let a = model(Tensor(shape: [1, 6], integers: [1, 2, 3, 4, 5, 6])).scalars
        let b = model(Tensor(shape: [1, 6], integers: [1, 2, 3, 8, 0, 7])).scalars
        // Positions 0–2 are the same; position 3 on differ.
        #expect(Array(a[0..<27]) == Array(b[0..<27]))
        #expect(Array(a[27..<36]) != Array(b[27..<36]))
    }

    @Test func learnsARepeatingTextAndContinuesIt() throws {
        // "hello world " over and over: after a short training the greedy continuation is exact,
        // also once the text outgrows the context and generation works on its last 16 characters.
        let text = String(repeating: "hello world ", count: 40)
        let vocabulary = CharacterVocabulary(text: text)
        let ids = try vocabulary.encode(text)
        let model = CharGPT(
            .init(
                vocabularySize: vocabulary.count, context: 16, embedDim: 32, heads: 2, layers: 1,
                feedForward: 64), generator: RandomGenerator(seed: 4))
        let task = CharGPTTask(
            model, optimizer: AdamW(model.parameters, learningRate: 0.01), windowGenerator: RandomGenerator(seed: 5),
            trainingIDs: ids, validationIDs: ids, batchSize: 8)
        let history = try Trainer(.steps(150), state: task.state).run(task)
        #expect(history.last("loss")! < 0.1)
        let prime = try! vocabulary.encode("hello w").map(Int.init)
        let continuation = vocabulary.decode(model.generate(prime: prime, length: 28, sampler: .greedy))
        #expect(continuation == "orld hello world hello world")
        #expect(model.isTraining, "generation restores the training mode")
    }

    @Test func samplingIsSeeded() {
        let model = CharGPT(
            .init(vocabularySize: 20, context: 8, embedDim: 8, heads: 2, layers: 1, feedForward: 8),
            generator: RandomGenerator(seed: 6))
        let sampler = TokenSampler(temperature: 1.5, topK: 3)
        let a = model.generate(prime: [1, 2], length: 30, sampler: sampler, generator: RandomGenerator(seed: 7))
        let b = model.generate(prime: [1, 2], length: 30, sampler: sampler, generator: RandomGenerator(seed: 7))
        #expect(a == b && a.count == 30 && Set(a).count > 1)
    }
}

@Suite struct CharGPTCheckpointTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chargpt-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    @Test func roundTripRebuildsTheSameModel() throws {
        let vocabulary = CharacterVocabulary(text: "to be or not to be")
        let model = CharGPT(
            .init(
                vocabularySize: vocabulary.count, context: 6, embedDim: 8, heads: 2, layers: 2,
                feedForward: 12), generator: RandomGenerator(seed: 9))
        let url = folder.appendingPathComponent("model.safetensors")
        try CharGPTCheckpoint(model: model, vocabulary: vocabulary).save(to: url)
        let loaded = try CharGPTCheckpoint(contentsOf: url)
        #expect(loaded.model.configuration == model.configuration && loaded.vocabulary == vocabulary)
        let ids = Tensor(shape: [1, 6], integers: [0, 3, 1, 4, 2, 5])
        #expect(loaded.model(ids).scalars == model(ids).scalars)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.metadata[CharGPTCheckpoint.formatKey] == "myelin.chargpt")
        #expect(file.tensor(named: "blocks.1.qkv.weight")?.shape == [24, 8])
    }

    @Test func thePrimeIsKeptAndOlderCheckpointsStartFromALineBreak() throws {
        let vocabulary = CharacterVocabulary(text: "SIR TOBY.\nno ROMEO here")
        let model = CharGPT(
            .init(vocabularySize: vocabulary.count, context: 6, embedDim: 8, heads: 2, layers: 1, feedForward: 12),
            generator: RandomGenerator(seed: 10))
        let url = folder.appendingPathComponent("primed.safetensors")
        try CharGPTCheckpoint(model: model, vocabulary: vocabulary, prime: "SIR TOBY.\n").save(to: url)
        let loaded = try CharGPTCheckpoint(contentsOf: url)
        #expect(loaded.prime == "SIR TOBY.\n" && loaded.defaultPrime == "SIR TOBY.\n")
        // A checkpoint written before Myelin kept a prime still loads, and starts from a line break.
        let file = try SafeTensors.read(contentsOf: url)
        var metadata = file.metadata
        #expect(metadata[CharGPTCheckpoint.primeKey] == "SIR TOBY.\n")
        metadata[CharGPTCheckpoint.primeKey] = nil
        try SafeTensors.write(file.names.map { ($0, file.tensors[$0]!) }, metadata: metadata, to: url)
        let older = try CharGPTCheckpoint(contentsOf: url)
        #expect(older.prime == nil && older.defaultPrime == "\n")
        // A prime with characters the model does not know is refused by name.
        metadata[CharGPTCheckpoint.primeKey] = "JULIET:"
        try SafeTensors.write(file.names.map { ($0, file.tensors[$0]!) }, metadata: metadata, to: url)
        #expect { try CharGPTCheckpoint(contentsOf: url) } throws: {
            "\($0)".contains(url.path)
                && "\($0)".contains("its prime (metadata myelin.prime, \"JULIET:\") is empty or has characters outside its vocabulary")
        }
    }

    @Test func aCharRNNCheckpointIsNotACharGPTOne() throws {
        let vocabulary = CharacterVocabulary(text: "abc")
        let url = folder.appendingPathComponent("rnn.safetensors")
        try CharRNNCheckpoint(model: CharRNN(.init(vocabularySize: 3, embeddingSize: 2, hiddenSize: 3)), vocabulary: vocabulary).save(
            to: url)
        #expect { try CharGPTCheckpoint(contentsOf: url) } throws: {
            "\($0)".contains(url.path) && "\($0)".contains("not a char-GPT checkpoint") && "\($0)".contains("myelin train gpt")
        }
        // A configuration that cannot be built is named as such.
        var metadata = [
            CharGPTCheckpoint.formatKey: CharGPTCheckpoint.format,
            "myelin.vocabulary": String(decoding: vocabulary.jsonData(), as: UTF8.self),
        ]
        metadata["myelin.configuration"] =
            #"{"vocabularySize": 3, "context": 4, "embedDim": 6, "heads": 4, "layers": 1, "feedForward": 8, "positions": "learned"}"#
        try SafeTensors.write([], metadata: metadata, to: url)
        #expect { try CharGPTCheckpoint(contentsOf: url) } throws: { "\($0)".contains("configuration") }
    }
}
