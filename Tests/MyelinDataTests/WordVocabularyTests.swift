import Foundation
import MyelinData
import Testing

@Suite struct WordTokenizerTests {
    @Test func datesSplitIntoWordsNumbersAndPunctuation() {
        let tokenizer = WordTokenizer()
        #expect(tokenizer.tokens("Tuesday, March 3, 2015") == ["tuesday", ",", "march", "3", ",", "2015"])
        #expect(tokenizer.tokens("03/03/15") == ["03", "/", "03", "/", "15"])
        #expect(tokenizer.tokens("March 3rd, 2015.") == ["march", "3rd", ",", "2015", "."])
    }

    @Test func apostrophesAndHyphensJoinOnlyBetweenLetters() {
        let tokenizer = WordTokenizer()
        #expect(tokenizer.tokens("three hundred and forty-two") == ["three", "hundred", "and", "forty-two"])
        #expect(tokenizer.tokens("O'er the hill, 'tis - don't!") == ["o'er", "the", "hill", ",", "'", "tis", "-", "don't", "!"])
        #expect(tokenizer.tokens("end- -start") == ["end", "-", "-", "start"])
        #expect(WordTokenizer(lowercased: false).tokens("ROMEO:\n  Ay me") == ["ROMEO", ":", "Ay", "me"])
        #expect(tokenizer.tokens("  \n\t ").isEmpty)
    }

    @Test func textPutsSpacesBetweenWordsButNotBeforeClosingPunctuation() {
        let tokenizer = WordTokenizer()
        #expect(tokenizer.text(["march", "3", ",", "2015", "."]) == "march 3, 2015.")
        #expect(tokenizer.text(["a", "(", "large", ")", "7"]) == "a (large) 7")
        #expect(tokenizer.text([]) == "")
    }
}

@Suite struct WordVocabularyTests {
    let tokens = WordTokenizer().tokens("the cat saw the dog . the dog saw a cat . a bird")

    @Test func specialTokensFirstThenWordsByCountThenCodePoint() {
        let vocabulary = WordVocabulary(counting: tokens)
        #expect(vocabulary.words == ["<pad>", "<unk>", "<s>", "</s>", "the", ".", "a", "cat", "dog", "saw", "bird"])
        #expect(vocabulary.counts == [0, 0, 0, 0, 3, 2, 2, 2, 2, 2, 1])
        #expect(vocabulary.id(of: "dog") == 8)
        #expect(vocabulary.id(of: "zebra") == WordVocabulary.unknownID)
        #expect(vocabulary.encode(["the", "zebra", "."]) == [4, 1, 5])
        #expect(vocabulary.decode([4, 1, 5] as [Int32]) == ["the", "<unk>", "."])
    }

    @Test func minCountAndMaxWordsDropRareWords() {
        let frequent = WordVocabulary(counting: tokens, minCount: 2)
        #expect(!frequent.contains("bird") && frequent.contains("saw"))
        #expect(frequent.count == 10)
        let top = WordVocabulary(counting: tokens, maxWords: 2)
        #expect(top.words == ["<pad>", "<unk>", "<s>", "</s>", "the", "."])
        // A special token in the text is not counted as a word of its own.
        #expect(WordVocabulary(counting: ["<unk>", "<pad>", "x"]).words.count == 5)
    }

    @Test func sentenceStopsAtTheEndTokenAndSkipsPaddingAndStart() {
        let vocabulary = WordVocabulary(counting: tokens)
        #expect(vocabulary.sentence([2, 4, 7, 0, 9, 3, 8, 8] as [Int32]) == ["the", "cat", "saw"])
        #expect(vocabulary.sentence([] as [Int32]).isEmpty)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let vocabulary = WordVocabulary(counting: WordTokenizer().tokens("\"quoted\" words, ünïcödé and \\ back\\slash"))
        let url = try makeTemporaryDirectory().appendingPathComponent("words.json")
        try vocabulary.save(to: url)
        #expect(try WordVocabulary(contentsOf: url) == vocabulary)
    }

    @Test(arguments: [
        ("[1, 2]", "is not a JSON object"),
        (#"{"format":"other","version":1,"words":[],"counts":[]}"#, "format is other"),
        (#"{"format":"myelin.word-vocabulary","version":7,"words":[],"counts":[]}"#, "version 7"),
        (#"{"format":"myelin.word-vocabulary","version":1,"words":["<pad>"],"counts":[0, 1]}"#, "has 1 words but 2 counts"),
        (#"{"format":"myelin.word-vocabulary","version":1,"words":["a"],"counts":[1]}"#, "does not start with the special tokens"),
        (
            #"{"format":"myelin.word-vocabulary","version":1,"words":["<pad>","<unk>","<s>","</s>","a","a"],"counts":[0,0,0,0,1,1]}"#,
            "word 5, \"a\", repeats"
        ),
    ])
    func malformedFilesAreErrorsNamingTheProblem(json: String, message: String) throws {
        #expect {
            try WordVocabulary(jsonData: Data(json.utf8), path: "words.json")
        } throws: { error in
            let text = "\(error)"
            return text.contains("words.json") && text.contains(message)
        }
    }

    @Test func missingFileIsNamed() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("absent.json")
        #expect { try WordVocabulary(contentsOf: url) } throws: { "\($0)".contains("absent.json") }
    }
}
