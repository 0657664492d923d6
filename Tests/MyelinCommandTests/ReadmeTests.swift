import Foundation
import Testing

// The README's first program is the example that `swift run -c release mnist-mlp` compiles, so it
// can never drift into code that does not build or does not do what the README says.
@Suite struct ReadmeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The first ```swift block after the heading `heading` in README.md.
    static func swiftBlock(after heading: String) throws -> String? {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let section = readme.range(of: "\n\(heading)\n"),
            let open = readme.range(of: "```swift\n", range: section.upperBound..<readme.endIndex),
            let close = readme.range(of: "\n```\n", range: open.upperBound..<readme.endIndex)
        else { return nil }
        return String(readme[open.upperBound..<close.lowerBound]) + "\n"
    }

    @Test func theFirstProgramIsTheMNISTMLPExample() throws {
        let example = try String(contentsOf: Self.root.appendingPathComponent("Examples/MNISTMLP/main.swift"), encoding: .utf8)
        let block = try #require(
            try Self.swiftBlock(after: "## A first program"), "README.md has no ```swift block under ## A first program")
        #expect(block == example, "README.md's first program differs from Examples/MNISTMLP/main.swift: copy the file into the README")
        // And it is the program the README describes.
        #expect(block.contains("model.evaluating {") && block.contains("classificationAccuracy(of:"))
    }
}
