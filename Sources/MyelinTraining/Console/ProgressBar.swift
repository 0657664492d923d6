import Foundation

/// A one-line progress bar for long work: `epoch 2/10 [████████░░░░] 312/469 loss 0.2134 61.2k samples/s 3s left`.
///
/// On a terminal it redraws in place; when stdout is a file or pipe it prints a plain line at every
/// tenth of the way and at `finish()` instead, so logs stay readable.
public struct ProgressBar {
    public let total: Int
    public let label: String
    private let width = 24
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastTenth = 0
    /// Where the bar started (a resumed run's bar starts part of the way), for the time left.
    private let first: Int

    /// Whether standard output is a terminal (bars redraw in place) rather than a file or pipe.
    /// Under Open MPI's mpirun it never counts as one: mpirun gives every rank a pseudo-terminal,
    /// even when its own output goes to a file, where redrawn bars would be escape codes.
    public static let isTerminal =
        isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil

    public init(total: Int, label: String, startingAt done: Int = 0) {
        self.total = max(total, 1)
        self.label = label
        first = done
        lastTenth = done * 10 / self.total
    }

    /// Shows `done` of `total` with extra fields (e.g. "loss 0.2134"). Redraws at most 20 times a second.
    public mutating func update(_ done: Int, _ fields: String = "") {
        guard Self.isTerminal else {
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

    /// Ends the bar with a final line.
    public func finish(_ fields: String = "") {
        Self.printLine(line(total, fields))
    }

    /// Prints a line of its own where a bar may be drawn (an evaluation result, say); the next
    /// update redraws the bar below it.
    public static func printLine(_ message: String) {
        print((isTerminal ? "\r\u{1B}[2K" : "") + message)
        fflush(stdout)
    }

    private func line(_ done: Int, _ fields: String) -> String {
        let fraction = Double(min(done, total)) / Double(total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        let remaining = done > first ? elapsed / Double(done - first) * Double(total - done) : 0
        let time = done >= total ? String(format: "%.1fs", elapsed) : String(format: "%.0fs left", remaining)
        return [label, "[\(bar)]", "\(done)/\(total)", fields, time].filter { !$0.isEmpty }.joined(separator: " ")
    }
}
