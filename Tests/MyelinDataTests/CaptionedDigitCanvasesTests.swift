import MyelinData
import MyelinTensor
import Testing

@Suite struct CaptionedDigitCanvasesTests {
    static let mnist = Result { try MNIST(split: .test, directory: mnistDirectory) }
    static let standard = CaptionedDigitCanvases.standardConfiguration()

    func caption(_ layout: [(digit: Int, x: Int, y: Int, size: Int)]) -> String {
        let placements = layout.map { DigitCanvases.Placement(source: 0, digit: $0.digit, x: $0.x, y: $0.y, size: $0.size) }
        return WordTokenizer().text(CaptionedDigitCanvases.caption(of: placements, configuration: Self.standard))
    }

    @Test func theGrammarNamesSizesAndArticles() {
        // Bands 14–17 small, 22–26 unnamed, 31–36 large; "an" before 8 alone.
        #expect(Self.standard.digitSizeBands == [14...17, 22...26, 31...36] && Self.standard.separation == 6)
        #expect(caption([(3, 10, 20, 24)]) == "a 3")
        #expect(caption([(8, 10, 20, 24)]) == "an 8")
        #expect(caption([(8, 10, 20, 15)]) == "a small 8")
        #expect(caption([(0, 10, 20, 36)]) == "a large 0")
    }

    @Test func digitsAreNamedAlongXPlusYWithTheRelationOfEachPair() {
        // Centres (14, 32) and (46.5, 30.5): further apart across than down. Drawing order does not matter.
        #expect(caption([(3, 2, 20, 24), (7, 30, 14, 33)]) == "a 3 left of a large 7")
        #expect(caption([(7, 30, 14, 33), (3, 2, 20, 24)]) == "a 3 left of a large 7")
        // Centres (32, 14) and (31.5, 43.5): down.
        #expect(caption([(2, 24, 36, 15), (5, 20, 2, 24)]) == "a 5 above a small 2")
        // x + y of the centres 24, 64, 92: the 3, then the 9 across from it, then the 1 below the 9.
        #expect(caption([(1, 30, 38, 24), (3, 0, 0, 24), (9, 36, 4, 24)]) == "a 3 left of a 9 above a 1")
        // The longest caption has 3 words a digit and 2 between.
        #expect(CaptionedDigitCanvases.longestCaption(digits: 3) == 13 && CaptionedDigitCanvases.longestCaption(digits: 1) == 3)
    }

    @Test func theVocabularyHoldsEveryWordOnce() {
        let vocabulary = CaptionedDigitCanvases.vocabulary
        #expect(vocabulary.count == 4 + 17)
        #expect(Array(vocabulary.words.prefix(4)) == WordVocabulary.specialTokens)
        #expect(Set(vocabulary.words.dropFirst(4)) == Set(CaptionedDigitCanvases.words))
    }

    @Test func canvasesKeepToTheLayoutAndTheirLabelsAreTheirCaptions() throws {
        let data = CaptionedDigitCanvases(try Self.mnist.get(), count: 300, seed: 1)
        #expect(data.maxLength == 13 && data.count == 300)
        let bands = Self.standard.digitSizeBands
        for (index, layout) in data.canvases.layouts.enumerated() {
            #expect(layout.allSatisfy { p in bands.contains { $0.contains(p.size) } })
            for (k, later) in layout.enumerated() {
                #expect(layout[..<k].allSatisfy { $0.overlap(with: later) <= 0.1 && $0.axisSeparation(from: later) >= 6 })
            }
            #expect(data.captions[index] == CaptionedDigitCanvases.caption(of: layout, configuration: data.canvases.configuration))
            // One digit name per digit, in the canvas's digits.
            let named = data.captions[index].filter { $0.count == 1 && $0.first!.isNumber }.compactMap { Int($0) }
            #expect(named.sorted() == layout.map(\.digit).sorted())
        }
        #expect(Set((0..<data.count).map(data.digitCount(at:))) == [1, 2, 3])
        let words = Set(data.captions.joined())
        #expect(words == Set(CaptionedDigitCanvases.words), "words used: \(words.sorted())")

        let batch = data.batch(at: [5, 0, 5])
        #expect(batch.inputs.shape == [3, 1, 64, 64] && batch.labels.shape == [3, 13] && batch.labels.dtype == .int64)
        #expect(batch.inputs[1].scalars == data.canvases.render(0).pixels)
        let row = Array(batch.labels[0].integers)
        #expect(CaptionedDigitCanvases.vocabulary.sentence(row) == data.captions[5])
        #expect(row.dropFirst(data.captions[5].count).allSatisfy { $0 == Int(WordVocabulary.paddingID) })
        #expect(data.example(at: 5).label.integers == row && data.example(at: 5).input.shape == [1, 64, 64])
        #expect(CaptionedDigitCanvases(try Self.mnist.get(), count: 300, seed: 1).captions == data.captions)
    }

    @Test func aRangeOfSizesIsOneBandAndNoSeparationAllowsDiagonals() throws {
        // The segmentation canvases' configuration: one range is one band (drawing no band), and
        // without separation some pairs sit near a diagonal of each other.
        let mnist = try Self.mnist.get()
        let plain = DigitCanvases(mnist, count: 200, seed: 4)
        let spelledOut = DigitCanvases(
            mnist, count: 200, seed: 4,
            configuration: .init(side: 64, digitsPerCanvas: 1...3, digitSizeBands: [20...36], maximumOverlap: 0.25, separation: 0))
        #expect(plain.layouts == spelledOut.layouts)
        #expect(plain.layouts.contains { l in l.count > 1 && l[1].axisSeparation(from: l[0]) < 6 })
    }
}
