/// A height and a width: a kernel size, stride, padding or dilation of a 2-D layer.
///
/// Written as an integer for a square (`kernelSize: 3`) or as `[height, width]` (`padding: [1, 2]`),
/// as PyTorch takes an int or a pair.
public struct Size2D: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    /// The same value for both dimensions.
    public init(_ both: Int) { self.init(both, both) }

    public init(integerLiteral value: Int) { self.init(value) }

    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "Size2D: expected [height, width], got \(elements)")
        self.init(elements[0], elements[1])
    }

    public var description: String { height == width ? "\(height)" : "[\(height), \(width)]" }
}
