#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(ucrt)
    import ucrt
#else
    import Darwin
#endif

// Printing tensors the way PyTorch prints them:
//
//     tensor([[1.0000, 2.0000],
//             [3.0000, 4.0000]], requires_grad=True)
//
// Float values get 4 decimals, or scientific notation when the nonzero finite magnitudes span more
// than 1000× or leave [1e-4, 1e8]; every element is padded to one width. Integer and bool tensors
// print without decimals and say their dtype. Above 1000 elements only the first and last 3 of
// each dimension are printed, around `...`. Lines wrap at 80 columns.

extension Tensor: CustomStringConvertible {
    public var description: String { TensorPrinter(self).text }
}

private struct TensorPrinter {
    static let threshold = 1000, edgeItems = 3, lineWidth = 80
    static let prefix = "tensor("

    let tensor: Tensor
    let summarize: Bool
    var formatter = ElementFormatter()

    init(_ tensor: Tensor) {
        self.tensor = tensor
        summarize = tensor.count > Self.threshold
        var offsets: [Int] = []
        if tensor.count > 0 { collect(dimension: 0, offset: tensor.offset, into: &offsets) }
        formatter = ElementFormatter(tensor, offsets: offsets)
    }

    var text: String {
        let indent = Self.prefix.count
        var suffixes: [String] = []
        let body: String
        if tensor.count == 0 {
            body = "[]"
            if tensor.rank != 1 { suffixes.append("size=(" + tensor.shape.map(String.init).joined(separator: ", ") + ")") }
        } else {
            body = render(dimension: 0, offset: tensor.offset, indent: indent)
        }
        if tensor.dtype != .float32 { suffixes.append("dtype=\(tensor.dtype)") }
        if let node = tensor.gradFn {
            suffixes.append("grad_fn=<\(node.name)>")
        } else if tensor.requiresGrad {
            suffixes.append("requires_grad=True")
        }
        return Self.addSuffixes(Self.prefix + body, suffixes, indent: indent)
    }

    /// The indices printed along a dimension of `size`; nil stands for the `...` of a summary.
    func printedIndices(_ size: Int) -> [Int?] {
        if summarize && size > 2 * Self.edgeItems {
            return Array(0..<Self.edgeItems) + [nil] + Array(size - Self.edgeItems..<size)
        }
        return Array(0..<size)
    }

    /// Storage offsets of every printed element (what the formatter sizes its columns from).
    func collect(dimension d: Int, offset: Int, into offsets: inout [Int]) {
        if d == tensor.rank {
            offsets.append(offset)
            return
        }
        for case let i? in printedIndices(tensor.shape[d]) {
            collect(dimension: d + 1, offset: offset + i * tensor.strides[d], into: &offsets)
        }
    }

    func render(dimension d: Int, offset: Int, indent: Int) -> String {
        let rank = tensor.rank
        if rank == 0 { return formatter.format(tensor, offset) }
        let indices = printedIndices(tensor.shape[d])
        let step = tensor.strides[d]
        if d == rank - 1 {
            let items = indices.map { i in i.map { formatter.format(tensor, offset + $0 * step) } ?? " ..." }
            let perLine = Swift.max(1, (Self.lineWidth - indent) / (formatter.width + 2))
            let lines = stride(from: 0, to: items.count, by: perLine).map {
                items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        let slices = indices.map { i in
            i.map { render(dimension: d + 1, offset: offset + $0 * step, indent: indent + 1) } ?? "..."
        }
        let separator = "," + String(repeating: "\n", count: rank - d - 1) + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: separator) + "]"
    }

    /// Appends `, suffix` to the last line, or starts a new line when it would pass 80 columns.
    static func addSuffixes(_ text: String, _ suffixes: [String], indent: Int) -> String {
        var out = text
        // Length of the last line plus 2 (PyTorch's reckoning, kept so line breaks match).
        var lastLine = (text.lastIndex(of: "\n").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? text.count) + 2
        for suffix in suffixes {
            if lastLine + suffix.count + 2 > lineWidth {
                out += ",\n" + String(repeating: " ", count: indent) + suffix
                lastLine = indent + suffix.count
            } else {
                out += ", " + suffix
                lastLine += suffix.count + 2
            }
        }
        return out + ")"
    }
}

/// Formats single elements: fixed (4 decimals), scientific or integer, right-aligned to one width.
private struct ElementFormatter {
    enum Mode { case fixed, scientific, integer }
    var mode = Mode.fixed
    var width = 1

    init() {}

    init(_ tensor: Tensor, offsets: [Int]) {
        guard tensor.dtype == .float32 else {
            mode = .integer
            width = offsets.map { raw(tensor, $0).count }.max() ?? 1
            return
        }
        let magnitudes = offsets.map { Double(Swift.abs(tensor.floatValue(atStorageOffset: $0))) }
            .filter { $0.isFinite && $0 != 0 }
        guard let smallest = magnitudes.min(), let largest = magnitudes.max() else { return }
        if largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4 { mode = .scientific }
        for o in offsets {
            let v = tensor.floatValue(atStorageOffset: o)
            if v.isFinite && v != 0 { width = Swift.max(width, raw(tensor, o).count) }
        }
    }

    func raw(_ tensor: Tensor, _ offset: Int) -> String {
        switch mode {
        case .integer:
            if tensor.dtype == .bool { return tensor.intValue(atStorageOffset: offset) != 0 ? "True" : "False" }
            return String(tensor.intValue(atStorageOffset: offset))
        case .fixed, .scientific:
            let v = tensor.floatValue(atStorageOffset: offset)
            if v.isNaN { return "nan" }
            if v.isInfinite { return v < 0 ? "-inf" : "inf" }
            return cFormat(mode == .fixed ? "%.4f" : "%.4e", Double(v))
        }
    }

    func format(_ tensor: Tensor, _ offset: Int) -> String {
        let s = raw(tensor, offset)
        return s.count < width ? String(repeating: " ", count: width - s.count) + s : s
    }

    /// printf-style formatting of one Double (exact decimal rounding, as Python's `format`).
    private func cFormat(_ spec: String, _ value: Double) -> String {
        withVaList([value]) { arguments in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
                _ = vsnprintf(buffer.baseAddress!, 64, spec, arguments)
                return String(cString: buffer.baseAddress!)
            }
        }
    }
}
