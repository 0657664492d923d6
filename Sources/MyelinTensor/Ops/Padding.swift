// Constant padding of the last two dimensions, with its derivative.

extension Tensor {
    /// Pads the last two dimensions with `value` (zero by default): `left`/`right` columns and
    /// `top`/`bottom` rows. A negative amount crops that many instead, as PyTorch's `F.pad` allows.
    ///
    /// Shapes: [..., H, W] → [..., top + H + bottom, left + W + right].
    public func padded(left: Int, right: Int, top: Int, bottom: Int, value: Float = 0) -> Tensor {
        precondition(rank >= 2, "pad: needs at least 2 dimensions, got shape \(shape)")
        precondition(dtype == .float32, "pad: needs a float32 tensor, got \(dtype)")
        let h = shape[rank - 2], w = shape[rank - 1]
        let outH = top + h + bottom, outW = left + w + right
        precondition(
            outH >= 0 && outW >= 0,
            "pad: padding (left \(left), right \(right), top \(top), bottom \(bottom)) leaves a negative size for input shape \(shape)")
        let outShape = Array(shape.dropLast(2)) + [outH, outW]
        // The kept block: rows and columns present in both the input and the output.
        let keptH = Swift.max(0, Swift.min(h, h + bottom) - Swift.max(0, -top))
        let keptW = Swift.max(0, Swift.min(w, w + right) - Swift.max(0, -left))
        func block(_ t: Tensor, rowStart: Int, columnStart: Int) -> Tensor {
            t.narrowed(axis: -2, start: rowStart, length: keptH).narrowed(axis: -1, start: columnStart, length: keptW)
        }
        let y = Tensor.full(outShape, value)
        let isEmpty = keptH == 0 || keptW == 0
        if !isEmpty {
            block(y, rowStart: Swift.max(0, top), columnStart: Swift.max(0, left))
                .assign(block(detached(), rowStart: Swift.max(0, -top), columnStart: Swift.max(0, -left)))
        }
        let inputShape = shape
        return differentiable("pad", [self], result: y) { g in
            // The gradient of the kept block (a view when nothing was cropped); cropped elements get none.
            if isEmpty { return [Tensor.zeros(inputShape)] }
            let kept = block(g, rowStart: Swift.max(0, top), columnStart: Swift.max(0, left))
            if keptH == h && keptW == w { return [kept] }
            let dx = Tensor.zeros(inputShape)
            block(dx, rowStart: Swift.max(0, -top), columnStart: Swift.max(0, -left)).assign(kept)
            return [dx]
        }
    }
}
