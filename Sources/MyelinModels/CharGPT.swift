import MyelinData
import MyelinNN
import MyelinTensor

/// A character-level GPT: a `CharacterTransformer` whose attention is causal, so the head scores
/// every character of the vocabulary as the next one. The defaults are the char-transformer benchmark's network
/// (821,068 parameters for 76 characters).
///
/// Shapes: character ids [N, T] (int32/int64, T ≤ context) → logits [N, T, V]; position i sees
/// characters 0…i only. State-dict names are `CharacterTransformer`'s (the benchmark's PyTorch module's).
public final class CharGPT: CharacterTransformer {
    /// Initialised as PyTorch's defaults: embeddings N(0, 1), linear layers U(±1/√fanIn), layer norms 1 and 0.
    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        super.init(configuration, tokenCount: configuration.vocabularySize, causal: true, generator: generator)
    }

    /// Continues `prime` (character ids, at least one) by `length` characters, each drawn by
    /// `sampler` from the model's prediction given the last `context` characters. Returns only the new ids.
    public func generate(
        prime: [Int], length: Int, sampler: TokenSampler,
        generator: RandomGenerator = .global
    ) -> [Int] {
        precondition(!prime.isEmpty, "CharGPT.generate: the prime must hold at least one character")
        precondition(length >= 0, "CharGPT.generate: length \(length) is negative")
        return evaluating {
            var text = prime, generated: [Int] = []
            generated.reserveCapacity(length)
            for _ in 0..<length {
                // No cache of keys and values: each step reads its whole window again.
                let window = Array(text.suffix(configuration.context))
                let logits = forward(Tensor(shape: [1, window.count], integers: window))
                let last = logits.narrowed(axis: 1, start: window.count - 1, length: 1).reshaped([-1])
                let next = sampler.sample(logits: last, generator: generator)
                generated.append(next)
                text.append(next)
            }
            return generated
        }
    }
}
