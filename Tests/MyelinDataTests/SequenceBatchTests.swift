import MyelinData
import MyelinTensor
import Testing

@Suite struct PaddedBatchTests {
    @Test func sequencesArePaddedAtTheirEndsWithAMask() {
        let batch = PaddedBatch([[5, 6, 7], [8], []])
        #expect(batch.tokens.shape == [3, 3] && batch.tokens.dtype == .int64)
        #expect(batch.tokens.integers == [5, 6, 7, 8, 0, 0, 0, 0, 0])
        #expect(batch.mask.scalars == [1, 1, 1, 1, 0, 0, 0, 0, 0])
        #expect(batch.lengths == [3, 1, 0] && batch.count == 3 && batch.length == 3)
        let wide = PaddedBatch([[5, 6]], padding: -1, length: 4)
        #expect(wide.tokens.integers == [5, 6, -1, -1] && wide.mask.scalars == [1, 1, 0, 0])
    }

    @Test func teacherForcingShiftsTheTargetByOneAndEndsIt() {
        let (input, target) = PaddedBatch.teacherForcing([[10, 11, 12], [13]])
        #expect(input.tokens.integers == [2, 10, 11, 12, 2, 13, 0, 0])
        #expect(target.tokens.integers == [10, 11, 12, 3, 13, 3, 0, 0])
        #expect(input.lengths == [4, 2] && target.mask.scalars == [1, 1, 1, 1, 1, 1, 0, 0])
    }
}

@Suite struct BLEUTests {
    // The expected values are sacrebleu 2.6's corpus_bleu (Tools/make_bleu_fixture.py).
    let papineni = (
        candidates: [
            "It is a guide to action which ensures that the military always obeys the commands of the party",
            "he read the book because he was interested in world history",
        ].map { $0.split(separator: " ").map(String.init) },
        references: [
            [
                "It is a guide to action that ensures that the military will forever heed Party commands",
                "It is the guiding principle which guarantees the military forces always being under the command of the Party",
                "It is the practical guide for the army always to heed the directions of the party",
            ],
            ["he was interested in world history because he read the book"],
        ].map { $0.map { $0.split(separator: " ").map(String.init) } }
    )
    let captions = (
        candidates: [["a", "3", "left", "of", "a", "7"], ["a", "5", "above"]],
        references: [[["a", "3", "left", "of", "a", "large", "7"]], [["a", "5", "above", "a", "2"], ["a", "5", "over", "a", "2"]]]
    )

    @Test func corpusBLEUMatchesSacrebleu() {
        #expect(Swift.abs(BLEU(candidates: papineni.candidates, references: papineni.references).score - 0.5920778869) < 1e-9)
        #expect(
            Swift.abs(BLEU(candidates: papineni.candidates, references: papineni.references, smoothed: true).score - 0.6108780049) < 1e-9)
        let short = BLEU(candidates: captions.candidates, references: captions.references)
        #expect(Swift.abs(short.score - 0.5891802187) < 1e-9)
        #expect(
            Swift.abs(BLEU(candidates: captions.candidates, references: captions.references, smoothed: true).score - 0.6161794217) < 1e-9)
        // c = 9 against the closest references, 7 and 5: exp(1 − 12/9).
        #expect(short.candidateLength == 9 && short.referenceLength == 12)
        #expect(Swift.abs(short.brevityPenalty - 0.7165313106) < 1e-9)
        // Every unigram matches; bigrams 6 of 7 (not "a 7").
        #expect(short.precisions[0] == 1 && Swift.abs(short.precisions[1] - 6.0 / 7) < 1e-12)
    }

    @Test func repeatedWordsCountOnlyAsOftenAsInAReference() {
        // Papineni's "the the the the the the the" against "the cat is on the mat": unigram precision 2/7.
        let bleu = BLEU(
            candidates: [Array(repeating: "the", count: 7)], references: [[["the", "cat", "is", "on", "the", "mat"]]], maxOrder: 1)
        #expect(bleu.precisions == [2.0 / 7])
        #expect(BLEU(candidates: [["a", "b", "c", "d"]], references: [[["a", "b", "c", "d"]]]).score == 1)
        #expect(BLEU(candidates: [["x", "y", "z", "w"]], references: [[["a", "b", "c", "d"]]]).score == 0)
    }
}
