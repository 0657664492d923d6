import MyelinData
import MyelinTensor
import Testing

/// `count` 28×28 "digits" that are solid squares of ones (pixels 4..<24 in both directions), labelled `labels`.
private func squareDigits(_ labels: [Int]) -> [Float] {
    labels.flatMap { _ in (0..<784).map { i -> Float in (4..<24).contains(i / 28) && (4..<24).contains(i % 28) ? 1 : 0 } }
}

@Suite struct DigitCanvasesTests {
    static let mnist = Result { try MNIST(split: .test, directory: mnistDirectory) }

    @Test func theSameSeedGivesTheSameCanvasesInAnyOrder() throws {
        let mnist = try Self.mnist.get()
        let a = DigitCanvases(mnist, count: 12, seed: 5), b = DigitCanvases(mnist, count: 12, seed: 5)
        #expect(a.layouts == b.layouts)
        #expect(DigitCanvases(mnist, count: 12, seed: 6).layouts != a.layouts)
        // A batch is its canvases rendered one by one, whichever order it asks for them in.
        let batch = a.batch(at: [7, 2, 7])
        #expect(batch.inputs.shape == [3, 1, 64, 64] && batch.labels.shape == [3, 64, 64] && batch.labels.dtype == .int64)
        #expect(batch.inputs[1].scalars == a.render(2).pixels && batch.labels[1].integers == a.render(2).classes)
        #expect(batch.inputs[0].scalars == b.batch(at: [7]).inputs[0].scalars)
        #expect(batch.labels[2].integers == b.example(at: 7).label.integers)
        #expect(a.example(at: 3).input.shape == [1, 64, 64] && a.example(at: 3).label.shape == [64, 64])
    }

    @Test func layoutsKeepToTheConfiguration() throws {
        let mnist = try Self.mnist.get(), labels = mnist.labels
        let data = DigitCanvases(mnist, count: 300, seed: 1)
        let placements = data.layouts.flatMap { $0 }
        #expect(data.layouts.allSatisfy { (1...3).contains($0.count) })
        #expect(
            placements.allSatisfy { (20...36).contains($0.size) && $0.x >= 0 && $0.y >= 0 && $0.x + $0.size <= 64 && $0.y + $0.size <= 64 })
        #expect(placements.allSatisfy { (0...9).contains($0.digit) && $0.digit == labels[$0.source] })
        for layout in data.layouts {
            for (k, later) in layout.enumerated() {
                #expect(layout[..<k].allSatisfy { $0.overlap(with: later) <= 0.25 })
            }
        }
        // Every count and a spread of sizes turn up.
        #expect(Set(data.layouts.map(\.count)) == [1, 2, 3])
        #expect(Set(placements.map(\.size)).count == 17)
    }

    @Test func squaresOverlapByTheFractionOfTheSmaller() {
        let a = DigitCanvases.Placement(source: 0, digit: 1, x: 0, y: 0, size: 20)
        #expect(a.overlap(with: .init(source: 0, digit: 1, x: 10, y: 10, size: 30)) == 0.25)  // 10×10 of the 20×20
        #expect(a.overlap(with: .init(source: 0, digit: 1, x: 20, y: 0, size: 20)) == 0)  // side by side
        #expect(a.overlap(with: a) == 1)
    }

    @Test func aDigitsPixelsBrighterThanTheThresholdAreItsClass() throws {
        // On real digits: a pixel is labelled exactly when it is brighter than 0.5 (the brightest
        // digit there is above the threshold), and only with the classes of the canvas's digits.
        let data = DigitCanvases(try Self.mnist.get(), count: 20, seed: 3)
        for index in 0..<data.count {
            let (pixels, classes) = data.render(index)
            #expect(zip(pixels, classes).allSatisfy { ($0 > 0.5) == ($1 > 0) }, "canvas \(index)")
            #expect(Set(classes).subtracting([0]) == Set(data.layouts[index].map { 1 + $0.digit }), "canvas \(index)")
            #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test func aDigitAtItsOwnSizeIsCopiedAndLaterDigitsAreOnTop() throws {
        // At 28 pixels the resize is the identity: the canvas is the digit itself.
        let digits = squareDigits([3, 8])
        let copy = DigitCanvases(
            digits: digits, labels: [3, 8], count: 4, seed: 2,
            configuration: .init(side: 28, digitsPerCanvas: 1...1, digitSizes: 28...28))
        for index in 0..<4 {
            let source = copy.layouts[index][0]
            let (pixels, classes) = copy.render(index)
            #expect(pixels == Array(digits[(source.source * 784)..<(source.source * 784 + 784)]))
            #expect(classes == pixels.map { $0 > 0.5 ? 1 + source.digit : 0 })
        }

        // Two squares resized to 14 pixels (their ones cover pixels 2..<12 of that) on a 32×32
        // canvas, free to overlap: where both are, the later one's class.
        let pair = DigitCanvases(
            digits: digits, labels: [3, 8], count: 40, seed: 4,
            configuration: .init(side: 32, digitsPerCanvas: 2...2, digitSizes: 14...14, maximumOverlap: 1))
        let index = try #require(
            pair.layouts.firstIndex { $0.count == 2 && $0[0].digit != $0[1].digit && $0[0].overlap(with: $0[1]) > 0.3 })
        let (first, second) = (pair.layouts[index][0], pair.layouts[index][1])
        func inside(_ p: DigitCanvases.Placement, _ x: Int, _ y: Int) -> Bool {
            (p.x + 2..<p.x + 12).contains(x) && (p.y + 2..<p.y + 12).contains(y)
        }
        let (pixels, classes) = pair.render(index)
        for y in 0..<32 {
            for x in 0..<32 {
                let expected = inside(second, x, y) ? 1 + second.digit : inside(first, x, y) ? 1 + first.digit : 0
                #expect(classes[y * 32 + x] == expected, "pixel (\(x), \(y))")
                if expected > 0 { #expect(pixels[y * 32 + x] == 1) }
            }
        }
    }
}
