/// Pads the last two dimensions with zeros; a negative amount crops instead.
///
/// Shapes: [N, C, H, W] (or [C, H, W]) → [N, C, top + H + bottom, left + W + right].
public final class ZeroPad2d: Module {
    public let left: Int, right: Int, top: Int, bottom: Int

    /// The same amount on all four sides.
    public convenience init(_ padding: Int) {
        self.init(left: padding, right: padding, top: padding, bottom: padding)
    }

    public init(left: Int, right: Int, top: Int, bottom: Int) {
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 3 || input.rank == 4,
            "ZeroPad2d: expected a 3-D or 4-D input [N, C, H, W], got shape \(input.shape)")
        return input.padded(left: left, right: right, top: top, bottom: bottom)
    }
}
