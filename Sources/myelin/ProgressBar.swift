import Foundation

/// A one-line progress bar for long work: `epoch 2/10 [████████░░░░] 312/469 loss 0.2134 61.2k samples/s 3s left`.
///
/// On a terminal it redraws in place; when stdout is a file or pipe it prints a plain line at every
/// tenth of the way and at `finish()` instead, so logs stay readable.
struct ProgressBar {
    let total: Int
    let label: String
    private let width = 24
    private let start = Date()
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastDraw = Date.distantPast
    private var lastTenth = 0

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
    }

    /// Shows `done` of `total` with extra fields (e.g. "loss 0.2134"). Redraws at most 20 times a second.
    mutating func update(_ done: Int, _ fields: String = "") {
        guard isTerminal else {
            let tenth = done * 10 / total
            if tenth > lastTenth && done < total {
                lastTenth = tenth
                print(line(done, fields))
                fflush(stdout)
            }
            return
        }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.05 else { return }
        lastDraw = now
        print("\r\u{1B}[2K" + line(done, fields), terminator: "")
        fflush(stdout)
    }

    /// Prints a line of its own (an evaluation result, say) where the bar was; the next update redraws the bar.
    func log(_ message: String) {
        print((isTerminal ? "\r\u{1B}[2K" : "") + message)
        fflush(stdout)
    }

    /// Ends the bar with a final line.
    func finish(_ fields: String = "") {
        print((isTerminal ? "\r\u{1B}[2K" : "") + line(total, fields))
        fflush(stdout)
    }

    private func line(_ done: Int, _ fields: String) -> String {
        let fraction = Double(min(done, total)) / Double(total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let time = done >= total ? String(format: "%.1fs", elapsed) : String(format: "%.0fs left", remaining)
        return "\(label) [\(bar)] \(done)/\(total) \(fields) \(time)"
    }
}
