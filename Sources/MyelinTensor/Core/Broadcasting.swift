/// NumPy/PyTorch broadcasting: shapes are aligned at the right; a size-1 (or missing) dimension
/// stretches to match the other.
public func broadcastShapes(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(da == db || da == 1 || db == 1, "\(op): shapes \(a) and \(b) cannot be broadcast together")
        out[i] = da == 1 ? db : da
    }
    return out
}

extension Tensor {
    /// Strides that read this tensor as if it had `target` shape (0 on broadcast dimensions).
    func broadcastStrides(to target: [Int]) -> [Int] {
        let lead = target.count - rank
        precondition(lead >= 0, "broadcast: cannot broadcast shape \(shape) to \(target)")
        var out = [Int](repeating: 0, count: target.count)
        for d in 0..<rank {
            let t = target[lead + d]
            precondition(shape[d] == t || shape[d] == 1, "broadcast: cannot broadcast shape \(shape) to \(target)")
            out[lead + d] = shape[d] == 1 ? 0 : strides[d]
        }
        return out
    }

    /// The gradient of a broadcast: sums `self` (a gradient of shape `broadcast(target)`) back down
    /// to `target`, over the leading dimensions and those where `target` has size 1.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "sumToShape: cannot sum shape \(shape) down to the larger rank of \(target)")
        var axes = Array(0..<lead)
        for d in 0..<target.count where target[d] == 1 && shape[lead + d] != 1 { axes.append(lead + d) }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepingDimensions: true)
        return reduced.reshaped(target)
    }
}
