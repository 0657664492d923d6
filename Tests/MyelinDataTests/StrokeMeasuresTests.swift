import Foundation
import Testing

@testable import MyelinData

@Suite struct StrokeMeasuresTests {
    /// A 28×28 image with ink where `inked(y, x)` says, as [1, 1, 28, 28].
    func image(_ inked: (Int, Int) -> Bool) -> Tensor {
        Tensor(shape: [1, 1, 28, 28], scalars: (0..<784).map { inked($0 / 28, $0 % 28) ? 1 : 0 })
    }

    @Test func thicknessGrowsWithTheStrokesWidth() {
        // Upright bars 20 pixels long: the skeleton of a bar w wide is its middle line, stopping about
        // w/2 short of each end, so a bar measures w·20 / (20 − w + 1) or so: 1, 3.53 and 6.67.
        let widths = [1, 3, 5].map { w in
            StrokeAttribute.thickness.measure(image { y, x in (4..<24).contains(y) && (12..<(12 + w)).contains(x) })[0]
        }
        #expect(widths[0] == 1)  // a line one pixel wide is its own skeleton
        #expect(abs(widths[1] - 60.0 / 17) < 1e-12 && abs(widths[2] - 100.0 / 15) < 1e-12, "\(widths)")
        #expect(StrokeAttribute.thickness.measure(image { _, _ in false }) == [0])
    }

    /// The skeleton of a square ring 3 pixels wide is a closed loop one pixel wide: every skeleton
    /// pixel has two skeleton neighbours, and no pixel outside the ring joins it.
    @Test func thinningKeepsALoopClosed() {
        func ring(_ y: Int, _ x: Int) -> Bool {
            let inside = (5..<23).contains(y) && (5..<23).contains(x)
            return inside && !((8..<20).contains(y) && (8..<20).contains(x))
        }
        let skeleton = zhangSuen(image(ring))
        let points = (0..<784).filter { skeleton[$0] }
        #expect(points.count > 40 && points.allSatisfy { ring($0 / 28, $0 % 28) })
        for point in points {
            let (y, x) = (point / 28, point % 28)
            let neighbours = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)].filter { dy, dx in
                skeleton[(y + dy) * 28 + x + dx]
            }
            #expect(neighbours.count >= 2, "skeleton pixel (\(y), \(x)) is an end")
        }
    }

    @Test func slantIsTheShearOfTheInk() {
        // Bars 2 wide whose middle moves ¼ pixel right per pixel up: like /, slant ¼; mirrored, like \, −¼.
        func bar(_ shear: Double) -> Tensor {
            image { y, x in
                let middle = 14 + shear * (13.5 - Double(y))
                return (4..<24).contains(y) && abs(Double(x) + 0.5 - middle) <= 1
            }
        }
        let slants = [0.25, -0.25, 0].map { StrokeAttribute.slant.measure(bar($0))[0] }
        #expect(abs(slants[0] - 0.25) < 0.02 && abs(slants[1] + 0.25) < 0.02 && abs(slants[2]) < 1e-12, "\(slants)")
        #expect(StrokeAttribute.slant.measure(image { _, _ in false }) == [0])
        // Grey ink weighs by its value: a fainter copy leans the same way.
        #expect(abs(StrokeAttribute.slant.measure(bar(0.25) * 0.5)[0] - slants[0]) < 1e-9)
    }

    /// The skeleton thickness measures: of the pixels above ½.
    func zhangSuen(_ images: Tensor) -> [Bool] {
        zhangSuenSkeleton(images.scalars.map { $0 > 0.5 }, height: 28, width: 28)
    }
}
