import Foundation
import Myelin
import MyelinModels
import MyelinVision

// What `myelin train seq2seq` reports at the end: the exact-match accuracy on the test set by source
// length (greedy, and overall with beam search), the test pairs with the longest sources, and the
// attention matrices of a few of them.

/// A trained run's scores on the held-out test set.
struct Seq2SeqResults {
    let byLength: ExactMatchByLength
    let beamWidth: Int
    let beamAccuracy: Double
    /// The pairs with the longest sources and the longest mistakes, with their translations.
    let examples: String
    /// Attention matrices of four test pairs, shortest to longest source; nil without attention.
    let attentionPicture: Image?

    init(translator: Translator, pairs: TranslationPairs, beam: Int) {
        let test = pairs.test
        let greedy = translator.translate(ids: test.map { translator.sourceVocabulary.encode(pairs.sourceLevel.tokens($0.source)) })
        let matches = zip(greedy, test).map { best, pair in
            best.isComplete && translator.targetVocabulary.decode(best.tokens) == pairs.targetLevel.tokens(pair.target)
        }
        let lengths = test.map(pairs.sourceLength)
        byLength = ExactMatchByLength(lengths: lengths, matches: matches, width: pairs.lengthBucketWidth)
        beamWidth = beam
        beamAccuracy =
            beam == 1 ? byLength.accuracy : Double(translator.exactMatches(test, beamWidth: beam).count { $0 }) / Double(test.count)
        let byLengthOrder = test.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        func line(_ i: Int) -> String {
            let output = pairs.targetLevel.text(translator.targetVocabulary.decode(greedy[i].tokens))
            return "  \(test[i].source)  →  \(output)" + (matches[i] ? "" : "  (should be \(test[i].target))")
        }
        let mistakes = byLengthOrder.reversed().filter { !matches[$0] }
        examples =
            "The longest test sources:\n" + byLengthOrder.suffix(4).reversed().map(line).joined(separator: "\n")
            + "\n\(mistakes.count) mistakes\(mistakes.isEmpty ? "." : ", the longest sources first:\n")"
            + mistakes.prefix(8).map(line).joined(separator: "\n")
        let shown = [0, 1, 2, 3].map { byLengthOrder[$0 * (test.count - 1) / 3] }
        attentionPicture = translator.model.attentionWeights(
            source: PaddedBatch(shown.map { translator.sourceVocabulary.encode(pairs.sourceLevel.tokens(test[$0].source)) }),
            outputs: shown.map { greedy[$0].tokens }
        ).map { weights in
            stackedVertically(
                shown.enumerated().map { k, i in
                    attentionMatrixPicture(
                        weights[k], source: pairs.sourceLevel.tokens(test[i].source),
                        output: translator.targetVocabulary.decode(greedy[i].tokens) + ["</s>"], sourceLevel: pairs.sourceLevel,
                        title: "\(test[i].source) -> \(pairs.targetLevel.text(translator.targetVocabulary.decode(greedy[i].tokens)))")
                })
        }
    }

    /// The name results.json gives a bucket's accuracy: "exact match, 11–20 characters" ("9 characters" for one length).
    static func metricName(_ bucket: ExactMatchByLength.Bucket, unit: String) -> String {
        "exact match, \(bucket.name) \(unit)s"
    }

    func metrics(unit: String) -> [(String, String)] {
        [
            ("test exact-match accuracy (greedy)", String(format: "%.4f", byLength.accuracy)),
            ("test exact-match accuracy (beam \(beamWidth))", String(format: "%.4f", beamAccuracy)),
        ]
            + byLength.buckets.flatMap { bucket in
                [
                    (Self.metricName(bucket, unit: unit), String(format: "%.4f", bucket.accuracy)),
                    ("test pairs, \(bucket.name) \(unit)s", String(bucket.count)),
                ]
            }
    }

    /// The table of accuracies by source length, with `compared`'s beside when given.
    func table(unit: String, name: String, compared: ComparedRun?) -> String {
        let header = "source length (\(unit)s)".padding(toLength: 26, withPad: " ", startingAt: 0) + " pairs  " + name
        var lines = [
            "Exact-match accuracy on the \(byLength.count) held-out test pairs, greedy decoding:",
            header + (compared.map { "   \($0.name)" } ?? ""),
        ]
        func row(_ label: String, _ count: Int, _ accuracy: Double, _ other: Double?) -> String {
            let line = label.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %5d  %.4f", count, accuracy)
            guard compared != nil else { return line }
            // The other run's column starts where its name does in the header.
            return line.padding(toLength: header.count + 3, withPad: " ", startingAt: 0) + (other.map { String(format: "%.4f", $0) } ?? "–")
        }
        for bucket in byLength.buckets {
            lines.append(
                row(
                    bucket.name, bucket.count, bucket.accuracy,
                    compared?.metrics[Self.metricName(bucket, unit: unit)]))
        }
        lines.append(row("all", byLength.count, byLength.accuracy, compared?.metrics["test exact-match accuracy (greedy)"]))
        lines.append(String(format: "Beam search of width %d: %.4f exact.", beamWidth, beamAccuracy))
        return lines.joined(separator: "\n")
    }
}

/// Another seq2seq run's figures, read from its results.json, for the table.
struct ComparedRun {
    /// "attention: none", as its table heads its column.
    let name: String
    let metrics: [String: Double]

    init(folder: String) throws {
        let url = URL(fileURLWithPath: folder, isDirectory: true).appendingPathComponent("results.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CommandError("\(url.path) does not exist: --compare needs the folder of a finished `myelin train seq2seq` run")
        }
        guard let results = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let settings = results["settings"] as? [String: String], results["title"] as? String == "myelin train seq2seq",
            let metrics = results["metrics"] as? [String: Any]
        else {
            throw CommandError("\(url.path) is not the results.json of a `myelin train seq2seq` run")
        }
        name = "attention: \(settings["attention"] ?? "?")"
        self.metrics = metrics.compactMapValues { $0 as? Double }
    }
}

/// One attention matrix as a heat map: a row per output token, a column per source token, each
/// cell's brightness its weight (viridis, 0 dark to 1 bright), labelled with the tokens and `title`.
func attentionMatrixPicture(_ weights: Tensor, source: [String], output: [String], sourceLevel: TokenLevel, title: String) -> Image {
    let cell = 20, scale = 2, margin = 8
    let shown = { (token: String) in token == " " ? "_" : token }
    let rowLabels = output.map(shown), columnLabels = source.map(shown)
    let left = margin + (rowLabels.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + 8
    // Characters stand upright above their columns; words are written upwards.
    let labelHeight =
        sourceLevel == .characters
        ? BitmapFont.cellHeight * scale + 6 : (columnLabels.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + 6
    let top = margin + BitmapFont.cellHeight * scale + 8 + labelHeight
    let width = max(left + source.count * cell + margin, BitmapFont.width(of: title, scale: scale) + 2 * margin)
    var canvas = Canvas(width: width, height: top + output.count * cell + margin, background: .white)
    canvas.drawText(title, x: margin, y: margin, scale: scale, .black)
    let values = weights.contiguous().scalars, sourceLength = weights.shape[1]
    for (t, label) in rowLabels.enumerated() {
        canvas.drawText(label, x: margin, y: top + t * cell + (cell - BitmapFont.glyphHeight * scale) / 2, scale: scale, .black)
        for s in 0..<source.count {
            canvas.fill(
                PixelRect(x: left + s * cell, y: top + t * cell, width: cell - 1, height: cell - 1),
                Colormap.viridis.color(at: values[t * sourceLength + s]))
        }
    }
    for (s, label) in columnLabels.enumerated() {
        if sourceLevel == .characters {
            canvas.drawText(label, x: left + s * cell + 3, y: top - labelHeight, scale: scale, .black)
        } else {
            canvas.drawTextVertical(label, x: left + s * cell, y: top - 4 - BitmapFont.width(of: label, scale: scale), scale: scale, .black)
        }
    }
    return canvas.image
}

/// RGB `images` one under another, left-aligned on white, each as wide as the widest.
func stackedVertically(_ images: [Image]) -> Image {
    let width = images.map(\.width).max() ?? 0
    var stacked = Image(width: width, height: images.reduce(0) { $0 + $1.height }, channels: 3, fill: 255)
    var top = 0
    for image in images.map({ $0.rgb() }) {
        for y in 0..<image.height {
            let target = ((top + y) * width) * 3
            stacked.pixels.replaceSubrange(
                target..<(target + image.width * 3), with: image.pixels[(y * image.width * 3)..<((y + 1) * image.width * 3)])
        }
        top += image.height
    }
    return stacked
}
