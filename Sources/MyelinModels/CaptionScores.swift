import MyelinData
import MyelinNN
import MyelinTensor

/// How well a captioner describes captioned canvases: the captions it writes, their corpus BLEU-4
/// against the true ones, and the share written exactly, overall and by how many digits the canvas
/// holds.
public struct CaptionScores {
    /// The caption written for every canvas, as words.
    public let captions: [[String]]
    /// Corpus BLEU-4 (one reference per canvas, no smoothing).
    public let bleu: BLEU
    /// The share of canvases whose caption was written word for word.
    public let exact: Double
    /// The share written exactly among the canvases of each digit count, by that count, ascending.
    public let exactByDigitCount: [(digits: Int, exact: Double)]
    /// How many canvases of each digit count there were, in the same order.
    public let canvasesByDigitCount: [(digits: Int, canvases: Int)]

    /// "1 digit", "2 digits": how figures by digit count are named.
    public static func digitCountName(_ digits: Int) -> String { digits == 1 ? "1 digit" : "\(digits) digits" }

    /// Captions every canvas of `data` with `model` by `search`, `chunk` canvases at a time.
    public init(_ model: ShowAttendTell, on data: CaptionedDigitCanvases, search: BeamSearch, chunk: Int = 100) {
        let vocabulary = CaptionedDigitCanvases.vocabulary
        var written = [[String]]()
        for start in stride(from: 0, to: data.count, by: chunk) {
            let images = data.batch(at: start..<min(start + chunk, data.count)).inputs
            let best = model.captions(
                of: images, search: search, start: WordVocabulary.startID, end: WordVocabulary.endID)
            written += best.map { vocabulary.decode($0.first?.tokens ?? []) }
        }
        self.init(captions: written, data: data)
    }

    /// The scores of `captions`, one per canvas of `data`.
    public init(captions: [[String]], data: CaptionedDigitCanvases) {
        precondition(captions.count == data.count, "CaptionScores: \(captions.count) captions for \(data.count) canvases")
        self.captions = captions
        bleu = BLEU(candidates: captions, references: data.captions.map { [$0] })
        let right = captions.indices.map { captions[$0] == data.captions[$0] }
        exact = captions.isEmpty ? .nan : Double(right.filter { $0 }.count) / Double(captions.count)
        let groups = Dictionary(grouping: captions.indices) { data.digitCount(at: $0) }.sorted { $0.key < $1.key }
        exactByDigitCount = groups.map { digits, members in
            (digits, Double(members.filter { right[$0] }.count) / Double(members.count))
        }
        canvasesByDigitCount = groups.map { ($0.key, $0.value.count) }
    }
}
