import Foundation
import MyelinData
import MyelinTensor
import Testing

/// The project's Shakespeare text (Data/text/shakespeare.txt), read once.
let shakespeare: Result<TextCorpus, Error> = Result {
    try TextCorpus(contentsOf: TextCorpus.locateShakespeare(startingAt: packageRoot), minimumLength: 65)
}

/// Writes `text` (as UTF-8) to a file in a fresh temporary folder and returns its URL.
func textFile(_ text: String, name: String = "text.txt") throws -> URL {
    let url = try makeTemporaryDirectory().appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}

/// The ints of a tensor, row by row.
func rows(_ t: Tensor) -> [[Int]] {
    let values = t.integers, width = t.shape[1]
    return (0..<t.shape[0]).map { Array(values[$0 * width..<($0 + 1) * width]) }
}

@Suite struct CharacterVocabularyTests {
    @Test func shakespeareHas76CharactersAndTheCharLSTMBenchmarksSplit() throws {
        let corpus = try shakespeare.get()
        #expect(corpus.path == packageRoot.appendingPathComponent("Data/text/shakespeare.txt").standardizedFileURL.path)
        let v = corpus.vocabulary
        #expect(v.count == 76)
        #expect(
            String(String.UnicodeScalarView(v.characters))
                == "\n !\"&'(),-./12345:;?ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz{}")
        #expect(corpus.ids.count == 1_055_110)
        #expect(corpus.trainingIDs.count == 949_599 && corpus.validationIDs.count == 105_511)
        #expect(corpus.trainingIDs + corpus.validationIDs == corpus.ids)
        // The first characters, "HAMLET, PRINCE OF DE", and the first of the validation part.
        #expect(corpus.ids.prefix(20) == [27, 20, 32, 31, 24, 39, 8, 1, 35, 37, 28, 33, 22, 24, 1, 34, 25, 1, 23, 24])
        #expect(v.decode(corpus.ids.prefix(20)) == "HAMLET, PRINCE OF DE")
        #expect(corpus.validationIDs.prefix(10) == [51, 66, 67, 1, 67, 55, 62, 68, 1, 55])
        #expect(v.decode(corpus.validationIDs.prefix(20)) == "dst thou had an exce")
        #expect(v.id(of: "\n") == 0 && v.id(of: "H") == 27 && v.id(of: "}") == 75 && v.id(of: "~") == nil)
    }

    @Test func encodeAndDecodeRoundTrip() throws {
        let text = "naïve café — déjà vu 😀\n\"quoted\"\tand e\u{301}\n"
        let v = CharacterVocabulary(text: text)
        // Sorted by scalar value; the combining accent is its own character.
        #expect(v.characters == Array(Set(text.unicodeScalars)).sorted())
        #expect(v.characters.first == "\t" && v.characters.last == "😀")
        #expect(v.id(of: "\u{301}") != nil && v.id(of: "x") == nil)
        let ids = try v.encode(text)
        #expect(ids.count == text.unicodeScalars.count)
        #expect(ids.allSatisfy { $0 >= 0 && Int($0) < v.count })
        #expect(v.decode(ids) == text)
        #expect(v.decode(ids.map(Int.init)) == text)
        #expect(try v.encode("") == [])
        // Python's sorted(set("hello world")): ' ', d, e, h, l, o, r, w.
        let hello = CharacterVocabulary(text: "hello world")
        #expect(try hello.encode("hello world") == [3, 2, 4, 4, 5, 0, 7, 5, 6, 4, 1])
        #expect(hello == CharacterVocabulary(text: "world hello hello"))
        #expect(hello != CharacterVocabulary(text: "hello"))
    }

    @Test func unknownCharacterIsNamedWithItsLineAndColumn() {
        let v = CharacterVocabulary(text: "abc\nd")
        let error = dataError { try v.encode("ab\nd\ncxa") }
        #expect(error?.kind == .invalidValue)
        #expect(error?.line == 3 && error?.column == 2)
        #expect(
            error?.description == "<text>:3:2: character 'x' (U+0078) is not in the vocabulary of 5 characters",
            "\(String(describing: error))")
        let tab = dataError { try v.encode("\t") }
        #expect(tab?.message == "character '\\t' (U+0009) is not in the vocabulary of 5 characters")
    }

    @Test func saveAndLoadRoundTrip() throws {
        let v = CharacterVocabulary(text: "a/b\\c\"d\n\r\t\u{1}\u{1f}\u{7f} é😀")
        let json = String(decoding: v.jsonData(), as: UTF8.self)
        #expect(
            json
                == #"{"format":"myelin.character-vocabulary","version":1,"characters":["\u0001","\t","\n","\r","\u001f"," ","\"","/","\\","a","b","c","d","\#u{7f}","é","😀"]}"#
                + "\n")
        let url = try textFile("stale contents", name: "vocabulary.json")
        try v.save(to: url)  // replaces the file that is there
        let loaded = try CharacterVocabulary(contentsOf: url)
        #expect(loaded == v && loaded.characters == v.characters)
        #expect(try loaded.encode("é😀a") == v.encode("é😀a"))
        // Shakespeare's vocabulary, as the format's description shows it.
        let shakespeareJSON = String(decoding: try shakespeare.get().vocabulary.jsonData(), as: UTF8.self)
        #expect(
            shakespeareJSON.hasPrefix(
                #"{"format":"myelin.character-vocabulary","version":1,"characters":["\n"," ","!","\"","&","'","(",")",","#))
        #expect(try CharacterVocabulary(jsonData: Data(shakespeareJSON.utf8), path: "x") == shakespeare.get().vocabulary)
        // Another program's JSON writer, with other field order and spacing, reads the same.
        let foreign = Data(#"{ "characters": ["b", "\u00e9", "a"], "version": 1, "format": "myelin.character-vocabulary" }"#.utf8)
        let reordered = try CharacterVocabulary(jsonData: foreign, path: "foreign.json")
        #expect(reordered.characters == ["b", "é", "a"] && reordered.id(of: "a") == 2)
    }

    @Test func saveIntoAMissingFolderIsAnError() {
        let url = URL(fileURLWithPath: "/nonexistent-myelin-folder/vocabulary.json")
        let error = dataError { try CharacterVocabulary(text: "ab").save(to: url) }
        #expect(error?.kind == .unwritable && error?.path == url.path)
    }

    @Test(arguments: [
        ("not json at all", DataError.Kind.badHeader, "is not valid JSON"),
        (#"["a", "b"]"#, .badHeader, "is not a JSON object, so not a character vocabulary"),
        (
            #"{"format":"myelin.tokenizer","version":1,"characters":["a"]}"#, .badHeader,
            #"format is myelin.tokenizer, expected "myelin.character-vocabulary""#
        ),
        (#"{"version":1,"characters":["a"]}"#, .badHeader, "format is missing"),
        (
            #"{"format":"myelin.character-vocabulary","version":2,"characters":["a"]}"#, .badHeader,
            "version 2 is not one this Myelin reads (1)"
        ),
        (#"{"format":"myelin.character-vocabulary","characters":["a"]}"#, .badHeader, "version missing"),
        (#"{"format":"myelin.character-vocabulary","version":1}"#, .badHeader, #""characters" is missing or not a list"#),
        (
            #"{"format":"myelin.character-vocabulary","version":1,"characters":"abc"}"#, .badHeader,
            #""characters" is missing or not a list"#
        ),
        (#"{"format":"myelin.character-vocabulary","version":1,"characters":[]}"#, .invalidValue, #"the "characters" list is empty"#),
        (
            #"{"format":"myelin.character-vocabulary","version":1,"characters":["a",7]}"#, .invalidValue,
            "character 1 is 7, not a string"
        ),
        (
            #"{"format":"myelin.character-vocabulary","version":1,"characters":["a",""]}"#, .invalidValue,
            #"character 1 is 0 Unicode scalars (""), not one"#
        ),
        (
            #"{"format":"myelin.character-vocabulary","version":1,"characters":["a","bc"]}"#, .invalidValue,
            #"character 1 is 2 Unicode scalars ("bc"), not one"#
        ),
        (
            #"{"format":"myelin.character-vocabulary","version":1,"characters":["e\u0301"]}"#, .invalidValue,
            "character 0 is 2 Unicode scalars"
        ),
        (
            #"{"format":"myelin.character-vocabulary","version":1,"characters":["a","\n","b","\n"]}"#, .invalidValue,
            "character 3 repeats character 1, '\\n' (U+000A)"
        ),
    ])
    func malformedVocabularyFiles(json: String, kind: DataError.Kind, message: String) throws {
        let url = try textFile(json, name: "vocabulary.json")
        let error = dataError { try CharacterVocabulary(contentsOf: url) }
        #expect(error?.kind == kind)
        #expect(error?.path == url.path)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func missingVocabularyFile() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("absent.json")
        let error = dataError { try CharacterVocabulary(contentsOf: url) }
        #expect(error?.kind == .missingFile && error?.path == url.path)
    }
}

@Suite struct TextCorpusTests {
    @Test func splitIsTheFirstNinetyPercent() throws {
        let text = String(repeating: "abcdefghij", count: 100)
        let corpus = try TextCorpus(text: text, minimumLength: 65)
        #expect(corpus.path == "<text>" && corpus.vocabulary.count == 10)
        #expect(corpus.trainingIDs.count == 900 && corpus.validationIDs.count == 100)
        #expect(corpus.ids.prefix(12) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
        let quarter = try TextCorpus(text: text, validationFraction: 0.25, minimumLength: 10)
        #expect(quarter.trainingIDs.count == 750 && quarter.validationIDs == Array(quarter.ids[750...]))
        let none = try TextCorpus(text: "short", validationFraction: 0, minimumLength: 5)
        #expect(none.trainingIDs == none.ids && none.validationIDs.isEmpty)
    }

    @Test func thePrimeIsALineOfTheValidationPart() throws {
        // Shakespeare's validation part begins "dst thou had an excellent head of hair.\n\nSIR ANDREW.\nWhy, would…".
        let corpus = try shakespeare.get()
        #expect(corpus.samplePrime() == "SIR ANDREW.\n")
        #expect(corpus.firstValidationLine(lengths: 24...64) == "Why, would that have mended my hair?")
        // 50 characters to train on, then "rt of a line\n\n\nNEXT ONE:\nand more…": the part of a line and the empty ones are passed over.
        let text = String(repeating: "x", count: 42) + "\nthe start of a line\n\n\nNEXT ONE:\nand more text that runs on"
        let small = try TextCorpus(text: text, validationFraction: 0.5, minimumLength: 5)
        #expect(small.vocabulary.decode(small.validationIDs.prefix(4)) == "rt o")
        #expect(small.samplePrime() == "NEXT ONE:\n")
        #expect(small.firstValidationLine(lengths: 10...40) == nil)  // the last line has no line break after it
        // No line break in the validation part: its first 40 characters.
        let flat = try TextCorpus(text: String(repeating: "abcdefghij", count: 60), minimumLength: 5)
        #expect(flat.samplePrime() == String(repeating: "abcdefghij", count: 4))
        let none = try TextCorpus(text: "no validation part", validationFraction: 0, minimumLength: 5)
        #expect(none.samplePrime() == "no validation part")
    }

    @Test func readsUTF8AndGzipFiles() throws {
        let text = String(repeating: "Ça va? Très bien — merci.\n", count: 10)
        let plain = try TextCorpus(contentsOf: textFile(text), minimumLength: 10)
        #expect(plain.ids.count == text.unicodeScalars.count)
        #expect(plain.vocabulary.decode(plain.ids) == text)
        let gz = try makeTemporaryDirectory().appendingPathComponent("text.txt.gz")
        try Data(GZip.compress(Array(text.utf8))).write(to: gz)
        let unzipped = try TextCorpus(contentsOf: gz, minimumLength: 10)
        #expect(unzipped.ids == plain.ids && unzipped.vocabulary == plain.vocabulary && unzipped.path == gz.path)
    }

    @Test func missingEmptyAndFolderFilesAreErrorsNamingTheFile() throws {
        let folder = try makeTemporaryDirectory()
        let absent = folder.appendingPathComponent("absent.txt")
        let missing = dataError { try TextCorpus(contentsOf: absent, minimumLength: 65) }
        #expect(missing?.kind == .missingFile && missing?.path == absent.path)
        let directory = dataError { try TextCorpus(contentsOf: folder, minimumLength: 65) }
        #expect(directory?.kind == .unreadable && directory?.path == folder.path)
        let emptyFile = try textFile("")
        let empty = dataError { try TextCorpus(contentsOf: emptyFile, minimumLength: 65) }
        #expect(empty?.kind == .truncatedData && empty?.path == emptyFile.path)
        #expect(empty?.message == "is empty: there is no text to learn from")
    }

    @Test func binaryFilesAreNamedWithTheByteOffset() throws {
        let folder = try makeTemporaryDirectory()
        let nul = try write(Array("abc".utf8) + [0] + Array("def".utf8), to: "nul.bin", in: folder)
        let nulError = dataError { try TextCorpus(contentsOf: URL(fileURLWithPath: nul), minimumLength: 1) }
        #expect(nulError?.kind == .badHeader && nulError?.path == nul)
        #expect(nulError?.message == "looks binary, not text: a NUL byte at byte offset 3")
        // "aéb", then a byte that is never UTF-8, at byte offset 4 (é takes two bytes).
        let bad = try write([0x61, 0xC3, 0xA9, 0x62, 0xFF, 0x63], to: "bad.bin", in: folder)
        let badError = dataError { try TextCorpus(contentsOf: URL(fileURLWithPath: bad), minimumLength: 1) }
        #expect(badError?.kind == .badHeader && badError?.path == bad)
        #expect(badError?.message == "looks binary, not text: the bytes at byte offset 4 are not UTF-8")
        // A truncated multi-byte sequence at the end.
        let cut = try write([0x61, 0x62, 0xE2, 0x80], to: "cut.bin", in: folder)
        let cutError = dataError { try TextCorpus(contentsOf: URL(fileURLWithPath: cut), minimumLength: 1) }
        #expect(cutError?.message == "looks binary, not text: the bytes at byte offset 2 are not UTF-8")
        // A PNG's first bytes.
        let png = try write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], to: "image.png", in: folder)
        let pngError = dataError { try TextCorpus(contentsOf: URL(fileURLWithPath: png), minimumLength: 1) }
        #expect(pngError?.message.hasPrefix("looks binary") == true && pngError?.path == png)
    }

    @Test func textsShorterThanOneWindowAreErrors() throws {
        let file = try textFile(String(repeating: "x", count: 40))
        let short = dataError { try TextCorpus(contentsOf: file, minimumLength: 65) }
        #expect(short?.kind == .truncatedData && short?.path == file.path)
        #expect(short?.message == "the text is 40 characters long, shorter than one training window of 65 characters")
        let training = dataError { try TextCorpus(text: String(repeating: "y", count: 100), validationFraction: 0.5, minimumLength: 65) }
        #expect(
            training?.message == "its training part (the first 50 of 100 characters) is shorter than one training window of 65 characters")
        let validation = dataError { try TextCorpus(text: String(repeating: "z", count: 100), minimumLength: 65, name: "z.txt") }
        #expect(validation?.path == "z.txt")
        #expect(
            validation?.message
                == "its validation part (the last 10 of 100 characters) is shorter than one training window of 65 characters")
        // Exactly long enough is fine.
        #expect(dataError { try TextCorpus(text: String(repeating: "w", count: 130), validationFraction: 0.5, minimumLength: 65) } == nil)
    }

    @Test func shakespeareIsFoundFromBelowTheProjectRoot() throws {
        let below = packageRoot.appendingPathComponent("Sources/MyelinData/Text")
        #expect(
            try TextCorpus.locateShakespeare(startingAt: below).standardizedFileURL.path
                == packageRoot.appendingPathComponent("Data/text/shakespeare.txt").standardizedFileURL.path)
        let elsewhere = try makeTemporaryDirectory()
        let error = dataError { try TextCorpus.locateShakespeare(startingAt: elsewhere) }
        #expect(error?.kind == .missingFile && error?.path == "Data/text/shakespeare.txt")
        #expect(error?.message.contains(elsewhere.path) == true && error?.message.contains("the repository's Data/text") == true)
        #expect(error?.message.contains("--text FILE") == true && error?.message.contains("../shared") == false)
        #expect(ProjectData.locate("mnist", startingAt: below)?.standardizedFileURL.path == mnistDirectory.standardizedFileURL.path)
        #expect(ProjectData.locate("mnist", startingAt: below) { _ in false } == nil)
    }
}

@Suite struct TextBatchTests {
    /// ids 0, 1, 2, …: every id names its position.
    func counting(_ n: Int) -> [Int32] { (0..<n).map(Int32.init) }

    @Test func randomWindowsAreShiftedPairsAtSeededStarts() {
        let windows = RandomWindows(counting(70), batchSize: 8, window: 64, generator: RandomGenerator(seed: 1))
        let reference = RandomGenerator(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<50 {
            let (input, target) = windows.next()
            #expect(input.shape == [8, 64] && target.shape == [8, 64] && input.dtype == .int64 && target.dtype == .int64)
            for (x, y) in zip(rows(input), rows(target)) {
                let s = x[0]
                // The starts are generator.integer(below: n − window) = 0 … 5, in order.
                #expect(s == reference.integer(below: 6))
                #expect(x == Array(s..<s + 64) && y == Array(s + 1..<s + 65))
                seen.insert(s)
            }
        }
        #expect(seen == Set(0...5))  // both ends of the range are reached, nothing beyond
        // The same seed gives the same batches; another seed others.
        let a = RandomWindows(counting(1000), batchSize: 4, window: 10, generator: RandomGenerator(seed: 2))
        let b = RandomWindows(counting(1000), batchSize: 4, window: 10, generator: RandomGenerator(seed: 2))
        let c = RandomWindows(counting(1000), batchSize: 4, window: 10, generator: RandomGenerator(seed: 3))
        let fromA = (0..<5).map { _ in a.next().input.integers }
        #expect(fromA == (0..<5).map { _ in b.next().input.integers })
        #expect(fromA != (0..<5).map { _ in c.next().input.integers })
    }

    @Test func randomWindowsOfShakespeare() throws {
        let corpus = try shakespeare.get()
        let windows = RandomWindows(corpus.trainingIDs, batchSize: 2, window: 64)
        let (input, target) = windows.batch(startingAt: [0, 949_599 - 65])
        let v = corpus.vocabulary
        #expect(v.decode(rows(input)[0]).hasPrefix("HAMLET, PRINCE OF DENMARK"))
        #expect(v.decode(rows(target)[0]).hasPrefix("AMLET, PRINCE OF DENMARK"))
        // The last possible window's target ends on the last training character.
        #expect(rows(target)[1].last == Int(corpus.trainingIDs.last!))
    }

    @Test func truncatedBPTTHandExample() {
        // 26 ids into 3 streams of 8 (ids 24 and 25 dropped): 7 steps each, windows of 4 then 3.
        let batches = TruncatedBPTTBatches(counting(26), batchSize: 3, window: 4)
        #expect(batches.streamLength == 8 && batches.count == 2)
        let all = Array(batches)
        #expect(all.count == 2)
        #expect(rows(all[0].input) == [[0, 1, 2, 3], [8, 9, 10, 11], [16, 17, 18, 19]])
        #expect(rows(all[0].target) == [[1, 2, 3, 4], [9, 10, 11, 12], [17, 18, 19, 20]])
        #expect(rows(all[1].input) == [[4, 5, 6], [12, 13, 14], [20, 21, 22]])
        #expect(rows(all[1].target) == [[5, 6, 7], [13, 14, 15], [21, 22, 23]])
        #expect(all[0].input.dtype == .int64 && all[1].target.shape == [3, 3])
        // 27 ids: streams of 9, 8 steps, two full windows.
        let even = TruncatedBPTTBatches(counting(27), batchSize: 3, window: 4)
        #expect(even.count == 2 && even.batch(at: 1).input.shape == [3, 4])
        #expect(rows(even.batch(at: 1).target)[2] == [23, 24, 25, 26])
        // One step per window, and a window longer than the streams.
        #expect(TruncatedBPTTBatches(counting(10), batchSize: 2, window: 1).count == 4)
        let long = TruncatedBPTTBatches(counting(10), batchSize: 2, window: 100)
        #expect(long.count == 1 && rows(long.batch(at: 0).input) == [[0, 1, 2, 3], [5, 6, 7, 8]])
    }

    @Test func truncatedBPTTWindowsContinueTheirStreams() throws {
        let ids = Array(try shakespeare.get().trainingIDs.prefix(10_007))
        let batches = TruncatedBPTTBatches(ids, batchSize: 16, window: 35)
        let length = 10_007 / 16
        #expect(batches.streamLength == length && batches.count == (length - 1 + 34) / 35)
        var inputs = [[Int]](repeating: [], count: 16), targets = inputs
        var previousLastTarget: [Int]? = nil
        for (input, target) in batches {
            let x = rows(input), y = rows(target)
            // Row b of this window starts with the character that was row b's last target.
            if let previousLastTarget { #expect(x.map { $0[0] } == previousLastTarget) }
            previousLastTarget = y.map { $0.last! }
            for b in 0..<16 {
                inputs[b] += x[b]
                targets[b] += y[b]
            }
        }
        // Laid end to end, row b's windows are stream b: ids[b·L ..< b·L + L − 1], targets one later.
        for b in 0..<16 {
            #expect(inputs[b] == ids[b * length..<b * length + length - 1].map(Int.init))
            #expect(targets[b] == ids[b * length + 1..<(b + 1) * length].map(Int.init))
        }
    }

    @Test func validationWindowsOfShakespeare() throws {
        let validation = try shakespeare.get().validationIDs
        let batches = validationWindows(validation, window: 64)
        #expect(batches.map { $0.input.shape[0] } == [256, 256, 256, 256, 256, 256, 112])  // 1648 windows
        #expect(batches.reduce(0) { $0 + $1.target.count } == 105_472)
        let first = rows(batches[0].input), firstTargets = rows(batches[0].target)
        #expect(first[0] == validation[0..<64].map(Int.init) && firstTargets[0] == validation[1..<65].map(Int.init))
        #expect(first[1] == validation[64..<128].map(Int.init))
        let last = rows(batches[6].target).last!
        #expect(last == validation[1647 * 64 + 1..<1648 * 64 + 1].map(Int.init))
    }

    @Test func validationWindowsSmall() {
        // (10 − 1) / 3 = 3 windows at 0, 3, 6; the last target ends on id 9.
        let batches = validationWindows(counting(10), window: 3, batchSize: 2)
        #expect(batches.count == 2)
        #expect(rows(batches[0].input) == [[0, 1, 2], [3, 4, 5]] && rows(batches[1].input) == [[6, 7, 8]])
        #expect(rows(batches[1].target) == [[7, 8, 9]])
        #expect(validationWindows(counting(3), window: 3).isEmpty)
        #expect(validationWindows(counting(4), window: 3).count == 1)
    }
}

@Suite struct TextPreconditions {
    private func message(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func windowsThatDoNotFit() async {
        let random = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = RandomWindows((0..<64).map(Int32.init), batchSize: 2, window: 64)
            })
        #expect(random.contains("RandomWindows: 64 ids cannot hold a window of 64 and its target (65 ids)"), "\(random)")
        let streams = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = TruncatedBPTTBatches((0..<5).map(Int32.init), batchSize: 3, window: 2)
            })
        #expect(streams.contains("TruncatedBPTTBatches: 5 ids cannot make 3 streams of at least 2"), "\(streams)")
        let zero = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = validationWindows([1, 2, 3], window: 0)
            })
        #expect(zero.contains("validationWindows: batchSize and window must be positive, got 256 and 0"), "\(zero)")
    }

    @Test func impossibleValidationFraction() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = try? TextCorpus(text: "abc", validationFraction: 1, minimumLength: 1)
            })
        #expect(text.contains("TextCorpus: validationFraction must be in [0, 1), got 1.0"), "\(text)")
    }

    @Test func decodingAnUnknownID() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = CharacterVocabulary(text: "ab").decode([0, 2])
            })
        #expect(text.contains("CharacterVocabulary.decode: id 2 is out of range for a vocabulary of 2 characters"), "\(text)")
    }
}
