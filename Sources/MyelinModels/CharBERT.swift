import MyelinData
import MyelinNN
import MyelinTensor
import MyelinTraining

/// A character-level BERT: a `CharacterTransformer` whose attention sees the whole window both
/// ways, trained to tell the characters that BERT's masking rule hid (`BERTMasking`). Its input ids
/// are the V characters' and one more, `maskID` = V, which stands for a hidden character; its head
/// scores the V characters.
///
/// Shapes: ids [N, T] (each in 0…V, T ≤ context) → logits [N, T, V]. State-dict names are
/// `CharacterTransformer`'s; `tok.weight` has V + 1 rows, the last the mask's.
public final class CharBERT: CharacterTransformer {
    /// Initialised as PyTorch's defaults: embeddings N(0, 1), linear layers U(±1/√fanIn), layer norms 1 and 0.
    public init(_ configuration: Configuration, generator: RandomGenerator = .global) {
        super.init(configuration, tokenCount: configuration.vocabularySize + 1, causal: false, generator: generator)
    }

    /// The id of the mask: one past the characters'.
    public var maskID: Int { configuration.vocabularySize }

    /// The logits at `positions` only — flat indices b·T + t into ids [N, T] — as [M, V]: the final
    /// layer norm and the head run where there is something to learn or to fill, nowhere else.
    public func logits(_ ids: Tensor, at positions: Tensor) -> Tensor {
        logits(features: features(ids), at: positions)
    }

    /// The logits at `positions` of what the blocks made of every position (`features`, [N, T, embedDim]).
    public func logits(features: Tensor, at positions: Tensor) -> Tensor {
        // `embedding` picks rows of a table; its gradient goes back to those rows alone.
        head(lnf(embedding(positions, weight: features.reshaped([-1, configuration.embedDim]))))
    }

    /// The mean cross-entropy over a batch's chosen positions, in nats; the others carry no loss.
    public func loss(on batch: MaskedBatch) -> Tensor {
        crossEntropy(logits(batch.input, at: batch.positions), batch.targets)
    }

    /// The figures of masked batches, in evaluation mode: "validation masked loss" (mean
    /// cross-entropy per chosen position, nats), "validation masked accuracy" (the fraction of chosen
    /// positions whose likeliest character is the original) and "validation accuracy at [MASK]" (the
    /// same over the chosen positions that the mask hid, leaving out those kept or replaced at random).
    public func maskedEvaluation(on batches: [MaskedBatch]) -> Evaluation {
        evaluating {
            var loss = 0.0, right = 0, count = 0, maskedRight = 0, masked = 0
            for batch in batches {
                let logits = self.logits(batch.input, at: batch.positions)
                loss += Double(crossEntropy(logits, batch.targets, reduction: .sum).item)
                let input = batch.input.integers, positions = batch.positions.integers, targets = batch.targets.integers
                for (k, guess) in logits.argmax(axis: -1).integers.enumerated() {
                    let hidden = input[positions[k]] == maskID
                    if guess == targets[k] { right += 1 }
                    if hidden { masked += 1 }
                    if hidden && guess == targets[k] { maskedRight += 1 }
                }
                count += batch.targets.count
            }
            let n = Double(max(count, 1))
            return [
                "validation masked loss": loss / n, "validation masked accuracy": Double(right) / n,
                "validation accuracy at [MASK]": Double(maskedRight) / Double(max(masked, 1)),
            ]
        }
    }

    /// `text` (character ids) with its blanks (nil) filled, one at a time from left to right: each
    /// blank gets the likeliest character given the text with the blanks before it filled and those
    /// after it masked, so every choice sees the earlier ones. A text longer than the context is
    /// read in a window of `context` characters around each blank.
    public func fill(_ text: [Int?]) -> [Int] {
        evaluating {
            var ids = text.map { $0 ?? maskID }
            let width = min(ids.count, configuration.context)
            for p in text.indices where text[p] == nil {
                let start = min(max(0, p - width / 2), ids.count - width)
                let window = Tensor(shape: [1, width], integers: Array(ids[start..<start + width]))
                ids[p] = logits(window, at: Tensor(integers: [p - start])).argmax(axis: -1).integers[0]
            }
            return ids
        }
    }
}
