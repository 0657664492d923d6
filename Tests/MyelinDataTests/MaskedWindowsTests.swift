import MyelinData
import MyelinTensor
import Testing

/// BERT's masking rule: how many positions are chosen, what becomes of them, and that nothing else changes.
@Suite struct MaskedWindowsTests {
    /// ids 0, 1, 2, … (below 20): every window of them is recognisable.
    func counting(_ n: Int, vocabulary: Int = 20) -> [Int32] { (0..<n).map { Int32($0 % vocabulary) } }

    @Test func fifteenPercentOfEveryWindowIsChosenAtLeastOne() {
        #expect(BERTMasking.selectedCount(window: 64) == 10)  // round(9.6)
        #expect(BERTMasking.selectedCount(window: 20) == 3)
        #expect(BERTMasking.selectedCount(window: 10) == 2)  // round(1.5)
        #expect(BERTMasking.selectedCount(window: 3) == 1 && BERTMasking.selectedCount(window: 1) == 1)
    }

    @Test func chosenCharactersBecomeMaskRandomOrStayAsEightyTenTen() {
        // 20,000 windows of 20 from a vocabulary of 20 (mask id 20): 60,000 chosen positions.
        let v = 20, window = 20, windows = 20_000
        let text = RandomGenerator(seed: 42)
        let ids = (0..<windows * window).map { _ in Int32(text.integer(below: v)) }
        let masking = BERTMasking(maskID: v, vocabularySize: v)
        let batch = masking.mask(ids, window: window, generator: RandomGenerator(seed: 3))
        let input = batch.input.integers, positions = batch.positions.integers, targets = batch.targets.integers
        #expect(batch.input.shape == [windows, window] && positions.count == windows * 3 && targets.count == positions.count)
        var chosen = Set<Int>(), perOffset = [Int](repeating: 0, count: window)
        var masked = 0, changed = 0, kept = 0
        for (p, target) in zip(positions, targets) {
            #expect(target == Int(ids[p]), "the target is the original character")
            chosen.insert(p)
            perOffset[p % window] += 1
            if input[p] == v { masked += 1 } else if input[p] == target { kept += 1 } else { changed += 1 }
        }
        // Exactly 3 distinct positions in every window, in increasing order.
        #expect(chosen.count == positions.count && positions == positions.sorted())
        #expect((0..<windows).allSatisfy { w in positions[3 * w..<3 * w + 3].allSatisfy { $0 / window == w } })
        // Every position not chosen keeps its character.
        #expect((0..<ids.count).allSatisfy { chosen.contains($0) || input[$0] == Int(ids[$0]) })
        // 80% mask; 10% random of 20 characters (1 in 20 of them draws itself: 9.5% changed, 0.5% kept); 10% kept.
        let n = Double(positions.count)  // 60,000: the standard error of a share near 0.1 is 0.0012
        #expect(abs(Double(masked) / n - 0.8) < 0.006, "\(masked)")
        #expect(abs(Double(changed) / n - 0.095) < 0.005, "\(changed)")
        #expect(abs(Double(kept) / n - 0.105) < 0.005, "\(kept)")
        // The random replacements reach every character, and never the mask.
        let replacements = Set(zip(positions, targets).filter { input[$0.0] != v && input[$0.0] != $0.1 }.map { input[$0.0] })
        #expect(replacements == Set(0..<20))
        // Every offset of the window is chosen about equally often (3,000 expected, standard deviation 52).
        #expect(perOffset.allSatisfy { abs($0 - 3_000) < 250 }, "\(perOffset)")
    }

    @Test func masksAreSeeded() {
        let masking = BERTMasking(maskID: 20, vocabularySize: 20)
        let ids = counting(640)
        let a = masking.mask(ids, window: 64, generator: RandomGenerator(seed: 1))
        let b = masking.mask(ids, window: 64, generator: RandomGenerator(seed: 1))
        let c = masking.mask(ids, window: 64, generator: RandomGenerator(seed: 2))
        #expect(a.input.integers == b.input.integers && a.positions.integers == b.positions.integers)
        #expect(a.positions.integers != c.positions.integers)
    }

    @Test func randomMaskedWindowsAreWindowsOfTheText() {
        let masking = BERTMasking(maskID: 20, vocabularySize: 20)
        let windows = RandomMaskedWindows(counting(35), batchSize: 4, window: 16, masking: masking, generator: RandomGenerator(seed: 5))
        var starts = Set<Int>()
        for _ in 0..<100 {
            let batch = windows.next()
            #expect(batch.input.shape == [4, 16] && batch.positions.count == 4 * 2)
            let chosen = Set(batch.positions.integers), input = batch.input.integers
            for (b, row) in rows(batch.input).enumerated() {
                // The first character not chosen tells the start; the others follow it in the text.
                let t = (0..<16).first { !chosen.contains(b * 16 + $0) }!
                let start = (row[t] - t + 20) % 20
                #expect((0..<16).allSatisfy { chosen.contains(b * 16 + $0) || input[b * 16 + $0] == (start + $0) % 20 })
                starts.insert(start)
            }
        }
        #expect(starts == Set(0..<20))  // starts 0 … 19 of 35 − 16 + 1 = 20 reach every residue
    }

    @Test func theValidationWindowsAreMaskedOnceTheSameEveryTime() {
        let masking = BERTMasking(maskID: 20, vocabularySize: 20)
        let ids = counting(1_000)
        let first = maskedValidationWindows(ids, window: 16, masking: masking, seed: 0, batchSize: 25)
        let again = maskedValidationWindows(ids, window: 16, masking: masking, seed: 0, batchSize: 25)
        // ⌊1000 / 16⌋ = 62 non-overlapping windows in batches of 25, 25 and 12.
        #expect(first.map { $0.input.shape[0] } == [25, 25, 12])
        #expect(zip(first, again).allSatisfy { $0.input.integers == $1.input.integers && $0.positions.integers == $1.positions.integers })
        let targets = first.flatMap(\.targets.integers),
            positions = first.enumerated().flatMap { k, batch in
                batch.positions.integers.map { k * 25 * 16 + $0 }
            }
        #expect(targets == positions.map { Int(ids[$0]) } && targets.count == 62 * 2)
    }
}
