// Views: new shapes and strides over the same storage, no copy. Each one's gradient maps the
// view's gradient back to the shape of its input.

extension Tensor {
    /// A view with the same storage and new geometry, recorded with `backward`.
    private func view(
        _ name: String, shape: [Int], strides: [Int], offset: Int,
        backward: @escaping (Tensor) -> Tensor
    ) -> Tensor {
        let v = Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
        return differentiable(name, [self], result: v) { g in [backward(g)] }
    }

    /// The same elements in a new shape; one dimension may be -1 (inferred). A view when the
    /// elements are contiguous, otherwise a copy (like PyTorch's `reshape`).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var newShape = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) into \(newShape)")
            newShape[inferred] = count / known
        }
        precondition(
            newShape.reduce(1, *) == count && newShape.allSatisfy { $0 >= 0 },
            "reshape: cannot reshape \(shape) (\(count) elements) into \(newShape)")
        if newShape == shape { return self }
        let source = isContiguous ? self : contiguous()
        let inputShape = shape
        return source.view(
            "reshape", shape: newShape, strides: Tensor.contiguousStrides(for: newShape),
            offset: source.offset
        ) { $0.reshaped(inputShape) }
    }

    public func reshaped(_ newShape: Int...) -> Tensor { reshaped(newShape) }

    /// Collapses dimensions `startAxis…endAxis` into one (PyTorch's `flatten`).
    public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = normalizedAxis(startAxis, for: "flatten"), e = normalizedAxis(endAxis, for: "flatten")
        precondition(s <= e, "flatten: startAxis \(startAxis) is after endAxis \(endAxis) for shape \(shape)")
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// The dimensions reordered: result dimension i is this tensor's dimension `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        let axes = axes.map { normalizedAxis($0, for: "permute") }
        precondition(
            axes.count == rank && Set(axes).count == rank,
            "permute: \(axes) is not a permutation of the \(rank) dimensions of shape \(shape)")
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return view(
            "permute", shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] },
            offset: offset
        ) { $0.permuted(inverse) }
    }

    public func permuted(_ axes: Int...) -> Tensor { permuted(axes) }

    /// Swaps two dimensions (default: the last two).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        precondition(rank >= 2, "transpose: needs at least 2 dimensions, got shape \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(a, for: "transpose"), normalizedAxis(b, for: "transpose"))
        return permuted(axes)
    }

    /// The matrix transpose of a 2-D tensor.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // PyTorch's and NumPy's spelling.
    public var T: Tensor {
        precondition(rank == 2, "T: needs a 2-D tensor, got shape \(shape); use transposed(_:_:)")
        return transposed(0, 1)
    }

    /// Elements `start ..< start + length` along `axis` (PyTorch's `narrow`).
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        let a = normalizedAxis(axis, for: "narrow")
        precondition(
            start >= 0 && length >= 0 && start + length <= shape[a],
            "narrow: range \(start)..<\(start + length) is out of bounds for axis \(a) of shape \(shape)")
        var newShape = shape
        newShape[a] = length
        let inputShape = shape
        return view("narrow", shape: newShape, strides: strides, offset: offset + start * strides[a]) { g in
            // Zeros only where the view is not: the gradient covers the rest (a recurrence's outputs,
            // all but two of its [steps + 2] slots, were zeroed and then written over).
            let full = Tensor(empty: inputShape), end = start + length
            full.narrowed(axis: a, start: 0, length: start).fill(0)
            full.narrowed(axis: a, start: end, length: inputShape[a] - end).fill(0)
            full.narrowed(axis: a, start: start, length: length).assign(g)
            return full
        }
    }

    /// Every `step`-th element of `range` along `axis`, as a view (Python's `x[a:b:step]`).
    public func sliced(axis: Int, _ range: Range<Int>, step: Int = 1) -> Tensor {
        let a = normalizedAxis(axis, for: "slice")
        precondition(step > 0, "slice: step must be positive, got \(step)")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[a],
            "slice: range \(range) is out of bounds for axis \(a) of shape \(shape)")
        if step == 1 { return narrowed(axis: a, start: range.lowerBound, length: range.count) }
        var newShape = shape, newStrides = strides
        newShape[a] = (range.count + step - 1) / step
        newStrides[a] = strides[a] * step
        let inputShape = shape
        return view("slice", shape: newShape, strides: newStrides, offset: offset + range.lowerBound * strides[a]) { g in
            let full = Tensor.zeros(inputShape)
            full.sliced(axis: a, range, step: step).assign(g)
            return full
        }
    }

    /// The sub-tensor at `index` of the first dimension (drops that dimension), as a view.
    public subscript(_ index: Int) -> Tensor {
        precondition(rank >= 1, "subscript: cannot index a 0-d tensor")
        let i = index < 0 ? index + shape[0] : index
        precondition(i >= 0 && i < shape[0], "subscript: index \(index) is out of range for shape \(shape)")
        return narrowed(axis: 0, start: i, length: 1).squeezed(axis: 0)
    }

    /// Rows `range` of the first dimension, as a view.
    public subscript(_ range: Range<Int>) -> Tensor {
        narrowed(axis: 0, start: range.lowerBound, length: range.count)
    }

    /// A broadcast view to a larger shape (size-1 dimensions repeat with stride 0, no copy).
    /// -1 keeps a dimension's size.
    public func expanded(to target: [Int]) -> Tensor {
        let lead = target.count - rank
        precondition(lead >= 0, "expand: cannot expand shape \(shape) to fewer dimensions \(target)")
        var resolved = target
        for d in 0..<rank where target[lead + d] == -1 { resolved[lead + d] = shape[d] }
        let inputShape = shape
        return view("expand", shape: resolved, strides: broadcastStrides(to: resolved), offset: offset) {
            $0.sumToShape(inputShape)
        }
    }

    /// Removes size-1 dimensions (all of them, or only `axis`).
    public func squeezed(axis: Int? = nil) -> Tensor {
        var newShape = shape
        if let axis {
            let a = normalizedAxis(axis, for: "squeeze")
            guard shape[a] == 1 else { return self }
            newShape.remove(at: a)
        } else {
            newShape.removeAll { $0 == 1 }
        }
        return squeezeOrUnsqueeze("squeeze", newShape)
    }

    /// Inserts a size-1 dimension at `axis` (-1 = at the end).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, for: "unsqueeze", rank: rank + 1)
        var newShape = shape
        newShape.insert(1, at: a)
        return squeezeOrUnsqueeze("unsqueeze", newShape)
    }

    /// Adding or removing size-1 dimensions never moves data, whatever the strides: keep the
    /// strides of the real dimensions.
    private func squeezeOrUnsqueeze(_ name: String, _ newShape: [Int]) -> Tensor {
        var kept = zip(shape, strides).filter { $0.0 != 1 }.map(\.1).makeIterator()
        let newStrides = newShape.map { $0 == 1 ? 1 : kept.next()! }
        let inputShape = shape
        return view(name, shape: newShape, strides: newStrides, offset: offset) { $0.reshaped(inputShape) }
    }

    /// This tensor if its elements are already contiguous, else a contiguous copy (gradient flows).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        return differentiable("contiguous", [self], result: contiguousCopy()) { g in [g] }
    }
}
