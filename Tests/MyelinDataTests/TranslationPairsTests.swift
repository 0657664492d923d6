import Foundation
import MyelinData
import Testing

@Suite struct CalendarDateTests {
    @Test func daysSince1970RoundTripAndWeekdays() {
        #expect(CalendarDate(daysSince1970: 0) == CalendarDate(year: 1970, month: 1, day: 1))
        #expect(CalendarDate(year: 2015, month: 3, day: 3).daysSince1970 == 16_497)
        #expect(CalendarDate(year: 1950, month: 1, day: 1).daysSince1970 == -7305)
        #expect(CalendarDate(year: 2000, month: 2, day: 29).daysSince1970 + 1 == CalendarDate(year: 2000, month: 3, day: 1).daysSince1970)
        // Every day of the range, in order, with its successor one day on and weekdays in turn.
        let range = TranslationPairs.dateRange
        var previous = range.lowerBound
        #expect(previous.weekday == 6)  // 1 January 1950 was a Sunday
        for days in (range.lowerBound.daysSince1970 + 1)...range.upperBound.daysSince1970 {
            let date = CalendarDate(daysSince1970: days)
            #expect(date.daysSince1970 == days && date > previous && date.weekday == (previous.weekday + 1) % 7)
            #expect(date.day <= CalendarDate.daysIn(month: date.month, year: date.year))
            previous = date
        }
        #expect(previous == CalendarDate(year: 2049, month: 12, day: 31))
        #expect(CalendarDate.daysIn(month: 2, year: 1900) == 28 && CalendarDate.daysIn(month: 2, year: 2000) == 29)
    }

    @Test func theSixteenStyles() {
        let date = CalendarDate(year: 2015, month: 3, day: 3)  // a Tuesday
        let written = CalendarDate.Style.allCases.map { date.written($0) }
        #expect(
            written == [
                "3 March 2015", "3 Mar 2015", "March 3, 2015", "March 3rd, 2015", "Tuesday, March 3, 2015", "Tue 3 Mar 2015",
                "Tuesday, 3 March 2015", "the 3rd of March 2015", "Tuesday, the third of March 2015",
                "the third day of March in the year 2015", "03/03/15", "3/3/2015", "3.3.2015", "03-Mar-15", "2015-03-03", "20150303",
            ])
        let other = CalendarDate(year: 1987, month: 11, day: 22)  // a Sunday
        #expect(other.written(.monthOrdinalYear) == "November 22nd, 1987")
        #expect(other.written(.weekdayOrdinalWordOfMonthYear) == "Sunday, the twenty-second of November 1987")
        #expect(other.written(.usShort) == "11/22/87" && other.written(.european) == "22.11.1987" && other.iso == "1987-11-22")
        let ordinals = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 30, 31].map {
            CalendarDate(year: 2001, month: 1, day: $0).written(.ordinalOfMonthYear)
        }
        #expect(
            ordinals.map { $0.split(separator: " ")[1] }
                == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "30th", "31st"])
        #expect(CalendarDate(year: 2001, month: 1, day: 31).written(.ordinalWordDayOfMonthInTheYear).hasPrefix("the thirty-first day"))
        #expect(CalendarDate(year: 2001, month: 1, day: 20).written(.weekdayOrdinalWordOfMonthYear).contains("the twentieth of"))
    }
}

@Suite struct NumberWordsTests {
    @Test func britishEnglish() {
        let cases: [(Int, String)] = [
            (0, "zero"), (7, "seven"), (13, "thirteen"), (40, "forty"), (42, "forty-two"), (100, "one hundred"),
            (342, "three hundred and forty-two"), (1000, "one thousand"), (1005, "one thousand and five"),
            (1200, "one thousand two hundred"), (342_015, "three hundred and forty-two thousand and fifteen"),
            (2_000_005, "two million and five"), (10_000_100, "ten million one hundred"),
            (999_999_999, "nine hundred and ninety-nine million nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
        ]
        for (n, words) in cases { #expect(NumberWords.words(n) == words, "\(n)") }
    }
}

@Suite struct TranslationPairsTests {
    @Test func datesHoldOutTwoThousandDaysThatTrainingNeverDraws() {
        let pairs = TranslationPairs(.dates)
        #expect(pairs.test.count == 2000 && pairs.sourceLevel == .characters && pairs.targetLevel == .characters)
        #expect(Set(pairs.test.map(\.target)).count == 2000, "each test day once")
        // Each style in turn, each source one of its day's spellings.
        let styles = CalendarDate.Style.allCases
        for (i, pair) in pairs.test.enumerated() {
            let parts = pair.target.split(separator: "-").map { Int($0)! }
            let date = CalendarDate(year: parts[0], month: parts[1], day: parts[2])
            #expect(TranslationPairs.dateRange.contains(date) && pair.source == date.written(styles[i % styles.count]))
        }
        #expect(TranslationPairs(.dates).test == pairs.test, "the test set is fixed")
        let held = Set(pairs.test.map(\.target)), generator = RandomGenerator(seed: 3)
        let training = (0..<20_000).map { _ in pairs.trainingPair(generator) }
        #expect(training.allSatisfy { !held.contains($0.target) })
        #expect(Set(training.map(\.target)).count > 15_000 && Set(training.map(\.source)).count > 19_000)
        // Every token of every pair is in the vocabularies, targets are ten characters.
        for pair in pairs.test + training.prefix(2000) {
            #expect(pairs.sourceLevel.tokens(pair.source).allSatisfy(pairs.sourceVocabulary.contains))
            #expect(pairs.targetLevel.tokens(pair.target).allSatisfy(pairs.targetVocabulary.contains) && pair.target.count == 10)
        }
        #expect(pairs.targetVocabulary.count == 4 + 11)
    }

    @Test(arguments: [TranslationPairs.Task.wordsToDigits, .digitsToWords])
    func numbersHoldOutTwoThousandNumbers(_ task: TranslationPairs.Task) {
        let pairs = TranslationPairs(task)
        let number = { (pair: TranslationPairs.Pair) in Int(task == .wordsToDigits ? pair.target : pair.source)! }
        let test = pairs.test.map(number)
        #expect(test.count == 2000 && Set(test).count == 2000)
        let counts = Dictionary(grouping: test) { String($0).count }.mapValues(\.count)
        #expect(counts == [3: 200, 4: 300, 5: 300, 6: 300, 7: 300, 8: 300, 9: 300])
        for pair in pairs.test {
            let n = number(pair)
            #expect(task == .wordsToDigits ? pair.source == NumberWords.words(n) : pair.target == NumberWords.words(n))
        }
        let generator = RandomGenerator(seed: 4), held = Set(test)
        let training = (0..<18_000).map { _ in number(pairs.trainingPair(generator)) }
        #expect(training.allSatisfy { !held.contains($0) })
        let digits = Dictionary(grouping: training) { String($0).count }.mapValues(\.count)
        #expect(digits.keys.sorted() == Array(1...9) && digits.values.allSatisfy { (1700...2300).contains($0) }, "\(digits)")
        #expect(TranslationPairs(task).test == pairs.test)
        let words = task == .wordsToDigits ? pairs.sourceVocabulary : pairs.targetVocabulary
        #expect(words.count == 4 + 20 + 8 + 72 + 4, "zero…nineteen, the tens, their 72 compounds, hundred, thousand, million, and")
        #expect(words.contains("forty-two") && words.contains("and") && words.contains("million"))
    }

    @Test func batchesTeacherForceTheTargets() {
        let pairs = TranslationPairs(.wordsToDigits)
        let batch = pairs.batch([.init(source: "forty-two", target: "42"), .init(source: "one hundred and five", target: "105")])
        let id = { (s: String) in pairs.sourceVocabulary.id(of: s) }, digit = { (s: String) in pairs.targetVocabulary.id(of: s) }
        #expect(
            batch.source.lengths == [1, 4]
                && batch.source.tokens.integers
                    == [id("forty-two"), 0, 0, 0, id("one"), id("hundred"), id("and"), id("five")].map(Int.init)
        )
        #expect(batch.decoderInput.tokens.integers == [2, digit("4"), digit("2"), 0, 2, digit("1"), digit("0"), digit("5")].map(Int.init))
        #expect(batch.target.tokens.integers == [digit("4"), digit("2"), 3, 0, digit("1"), digit("0"), digit("5"), 3].map(Int.init))
    }
}

@Suite struct TokenLevelTests {
    @Test func charactersAndWordsFoldCaseAndJoinBack() {
        #expect(TokenLevel.characters.tokens("3 Mar") == ["3", " ", "m", "a", "r"])
        #expect(TokenLevel.characters.text(["2", "0", "-", "1"]) == "20-1")
        #expect(TokenLevel.words.tokens("Three hundred and Forty-two") == ["three", "hundred", "and", "forty-two"])
        #expect(TokenLevel.words.text(["three", "hundred", "and", "forty-two"]) == "three hundred and forty-two")
    }

    @Test func unknownTokensAreNamed() throws {
        let vocabulary = WordVocabulary(counting: ["3", " ", "m", "a", "r", "c", "h"])
        #expect(try TokenLevel.characters.encode("3 March", with: vocabulary) == vocabulary.encode(["3", " ", "m", "a", "r", "c", "h"]))
        do {
            _ = try TokenLevel.characters.encode("3 März ä", with: vocabulary)
            Issue.record("an unknown character was accepted")
        } catch let error as UnreadableTextError {
            #expect(error.unknown == ["ä", "z"])
            #expect(error.description.contains("has 2 characters the model never saw: \"ä\", \"z\""), "\(error)")
            #expect(error.description.contains("It knows these 7 characters"), "\(error)")
        }
        #expect(throws: UnreadableTextError.self) { try TokenLevel.words.encode("  ", with: vocabulary) }
    }
}
