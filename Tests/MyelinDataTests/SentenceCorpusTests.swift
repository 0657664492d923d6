import Foundation
import MyelinData
import Testing

/// A text as word2vec reads it: sentences cut at . ! ?, punctuation left out, rare words dropped from
/// the ids but counted among the text's words; and its batches of whole sentences.
@Suite struct SentenceCorpusTests {
    static let text = "The cat saw the dog. The dog, alas, saw a cat!\nA bird? The end"

    @Test func sentencesEndAtStopsAndLeavePunctuationOut() {
        #expect(
            SentenceCorpus.sentences(of: Self.text) == [
                ["the", "cat", "saw", "the", "dog"], ["the", "dog", "alas", "saw", "a", "cat"], ["a", "bird"], ["the", "end"],
            ])
        #expect(SentenceCorpus.sentences(of: "... ?! ,").isEmpty)
        #expect(SentenceCorpus.sentences(of: "O'er the hill - 'tis forty-two.") == [["o'er", "the", "hill", "tis", "forty-two"]])
    }

    @Test func rareWordsLeaveTheIdsButCountAmongTheTextsWords() throws {
        let corpus = try SentenceCorpus(sentences: SentenceCorpus.sentences(of: Self.text), minCount: 2)
        // the ×4, cat, saw, dog, a ×2 each; alas, bird, end once.
        #expect(corpus.vocabulary.words.dropFirst(4) == ["the", "a", "cat", "dog", "saw"])
        let v = corpus.vocabulary
        #expect(corpus.sentence(0) == ArraySlice(v.encode(["the", "cat", "saw", "the", "dog"])))
        #expect(corpus.sentence(1) == ArraySlice(v.encode(["the", "dog", "saw", "a", "cat"])))
        #expect(corpus.sentence(2) == ArraySlice(v.encode(["a"])))
        #expect(corpus.sentence(3) == ArraySlice(v.encode(["the"])))
        #expect(corpus.textWordStarts == [0, 5, 11, 13, 15] && corpus.wordCount == 15 && corpus.sentenceCount == 4)
        #expect(corpus.sentenceStarts == [0, 5, 10, 11, 12])
    }

    @Test func aTextWithoutAVocabularyIsRefusedByName() throws {
        #expect(throws: DataError.self) { try SentenceCorpus(sentences: [], minCount: 1, path: "empty.txt") }
        do {
            _ = try SentenceCorpus(sentences: [["one", "two"]], minCount: 2, path: "short.txt")
            Issue.record("a text whose words are all rarer than the minimum count was accepted")
        } catch let error as DataError {
            #expect(error.path == "short.txt" && error.message.contains("none of its 2 words occurs 2 times"), "\(error)")
        }
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try write([0x61, 0x00, 0x62], to: "binary.txt", in: directory)
        #expect(dataError { try SentenceCorpus(contentsOf: URL(fileURLWithPath: binary), minCount: 1) }?.path == binary)
    }

    @Test func batchesAreRunsOfWholeSentencesOfAtLeastTheirWords() throws {
        let corpus = try SentenceCorpus(sentences: SentenceCorpus.sentences(of: Self.text), minCount: 1)
        let batches = SentenceBatches(corpus, words: 6)
        // Sentences of 5, 6, 2 and 2 words: 5 + 6 ≥ 6, then 2 + 2 at the end.
        #expect(batches.boundaries == [0, 2, 4] && batches.count == 2)
        #expect(batches.batch(at: 0) == SentenceBatches.Batch(sentences: 0..<2, wordsBefore: 0, words: 11))
        #expect(batches.batch(at: 1) == SentenceBatches.Batch(sentences: 2..<4, wordsBefore: 11, words: 4))
        #expect(Array(batches.makeIterator(startingAt: 1)) == [batches.batch(at: 1)])
        #expect(SentenceBatches(corpus, words: 1).count == 4)
        #expect(SentenceBatches(corpus, words: 1000).boundaries == [0, 4])
    }
}

extension SentenceBatches.Iterator: Sequence {}
