import Foundation
import Myelin
import MyelinModels

// What `myelin train captioning` and `myelin caption` draw: a canvas's caption with one picture per
// word of where the model looked when it wrote that word.

/// One canvas captioned: the picture [1, S, S], the words written (ids, no start or end token) and,
/// for a test canvas, the true caption.
struct CaptionedPicture {
    var image: Tensor
    var caption: [Int32]
    var truth: String?
}

/// For each canvas a line of text (the caption written, and the true one when they differ), then
/// the canvas and one tile per word: the canvas over its attention weights when that word was
/// written (yellow where the model looked most), the word above.
func attentionPicture(_ canvases: [CaptionedPicture], model: ShowAttendTell, vocabulary: WordVocabulary, upscale: Int = 2) -> Image {
    let tiles = canvases.map { attentionTiles($0, model: model, vocabulary: vocabulary, upscale: upscale) }
    let columns = tiles.map(\.count).max()!
    let blank = Image(width: tiles[0][0].width, height: tiles[0][0].height, channels: 3, fill: 255)
    var parts = [Image]()
    for (canvas, row) in zip(canvases, tiles) {
        let written = WordTokenizer().text(vocabulary.decode(canvas.caption))
        var lines = ["written: \(written)"]
        if let truth = canvas.truth { lines.append(truth == written ? "(the true caption)" : "true:    \(truth)") }
        parts.append(textLines(lines, width: max(columns * (blank.width + 4) + 4, textWidth(lines))))
        parts.append(Image.grid(row + Array(repeating: blank, count: columns - row.count), columns: columns, padding: 4, background: 255))
    }
    return stackedOnWhite(parts)
}

/// The canvas, then a tile per word of `canvas.caption`, each with its label above.
func attentionTiles(_ canvas: CaptionedPicture, model: ShowAttendTell, vocabulary: WordVocabulary, upscale: Int) -> [Image] {
    let side = model.configuration.side, grid = model.configuration.gridSide
    // The weights each word was written with: teacher forcing on the caption gives the very steps
    // the search took (the end token's step is left out).
    let tokens = [WordVocabulary.startID] + canvas.caption
    let weights = model.evaluating {
        model.forward(canvas.image.unsqueezed(axis: 0), tokens: Tensor(shape: [1, tokens.count], integers: tokens.map(Int.init))).weights
    }
    let picture = canvas.image.reshaped([side, side])
    var tiles = [labelled(Image(picture, scaling: .range(0, 1), upscale: upscale).rgb(), "canvas")]
    for (t, word) in vocabulary.decode(canvas.caption).enumerated() {
        let heat = weights[0][t].reshaped([1, 1, grid, grid]).upsampled(size: (side, side), mode: .bilinear).reshaped([side, side])
        tiles.append(labelled(Image(heat: heat, over: picture, upscale: upscale), word))
    }
    return tiles
}

/// `picture` with `label` in black above it, on white.
private func labelled(_ picture: Image, _ label: String) -> Image {
    stackedOnWhite([textLines([label], width: picture.width, scale: 2), picture])
}

/// The width `textLines` needs for `lines`.
private func textWidth(_ lines: [String], scale: Int = 2) -> Int {
    (lines.map(\.count).max() ?? 0) * 6 * scale + 4
}

/// Lines of black text on white, `width` wide.
private func textLines(_ lines: [String], width: Int, scale: Int = 2) -> Image {
    let lineHeight = 9 * scale + 2
    var image = Image(width: width, height: lines.count * lineHeight + 2, channels: 3, fill: 255)
    for (k, line) in lines.enumerated() { image.drawText(line, x: 2, y: 2 + k * lineHeight, scale: scale, value: 0) }
    return image
}
