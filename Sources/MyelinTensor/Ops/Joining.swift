// Joining and splitting along an axis. The gradient of a concatenation is the matching slices of
// the output gradient; the gradient of a split is handled by the views (narrow) it returns.

/// Joins tensors along `axis`; all other dimensions must match.
public func concatenate(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "concatenate: needs at least one tensor")
    let first = tensors[0]
    let a = first.normalizedAxis(axis, for: "concatenate")
    for t in tensors {
        precondition(
            t.rank == first.rank && t.dtype == first.dtype
                && zip(t.shape, first.shape).enumerated().allSatisfy { $0.offset == a || $0.element.0 == $0.element.1 },
            "concatenate: shape \(t.shape) (\(t.dtype)) does not match \(first.shape) (\(first.dtype)) outside axis \(a)")
    }
    var outShape = first.shape
    outShape[a] = tensors.map { $0.shape[a] }.reduce(0, +)
    let out = Tensor(empty: outShape, dtype: first.dtype)
    var start = 0
    for t in tensors {
        let slot = out.narrowed(axis: a, start: start, length: t.shape[a])
        if t.dtype == .float32 { slot.assign(t) } else { slot.assignIntegers(t) }
        start += t.shape[a]
    }
    let sizes = tensors.map { $0.shape[a] }
    return differentiable("concatenate", tensors, result: out) { g in
        var begin = 0
        return zip(tensors, sizes).map { t, size in
            defer { begin += size }
            return t.requiresGrad ? g.narrowed(axis: a, start: begin, length: size) : nil
        }
    }
}

/// Joins tensors of the same shape along a new dimension at `axis`.
public func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "stack: needs at least one tensor")
    for t in tensors {
        precondition(t.shape == tensors[0].shape, "stack: shape \(t.shape) does not match \(tensors[0].shape)")
    }
    return concatenate(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
}

extension Tensor {
    /// Splits along `axis` into pieces of the given sizes (which must add up to the axis length); views.
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let a = normalizedAxis(axis, for: "split")
        precondition(sizes.reduce(0, +) == shape[a], "split: sizes \(sizes) do not add up to \(shape[a]) (axis \(a) of shape \(shape))")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return narrowed(axis: a, start: start, length: size)
        }
    }

    /// Splits along `axis` into pieces of `size` (the last may be smaller); views.
    public func split(size: Int, axis: Int = 0) -> [Tensor] {
        precondition(size > 0, "split: size must be positive, got \(size)")
        let length = shape[normalizedAxis(axis, for: "split")]
        let sizes = stride(from: 0, to: length, by: size).map { Swift.min(size, length - $0) }
        return split(sizes: sizes, axis: axis)
    }

    /// Copies an integer or bool tensor into this view of the same dtype.
    func assignIntegers(_ source: Tensor) {
        precondition(source.dtype == dtype && source.shape == shape, "assign: \(source.dtype) \(source.shape) into \(dtype) \(shape)")
        let values = source.integers
        var i = 0
        let size = dtype.byteSize
        forEachOffset { o in
            switch size {
            case 8: storage.base.assumingMemoryBound(to: Int64.self)[o] = Int64(values[i])
            case 4: storage.base.assumingMemoryBound(to: Int32.self)[o] = Int32(values[i])
            default: storage.base.assumingMemoryBound(to: Bool.self)[o] = values[i] != 0
            }
            i += 1
        }
    }
}
