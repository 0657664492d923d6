// Comparisons give bool masks (no gradient); `where` selects between two tensors by a mask and
// sends each element's gradient to the side it came from.

extension Tensor {
    private func compare(_ other: Tensor, _ op: String, _ test: @escaping (Float, Float) -> Bool) -> Tensor {
        let a = to(.float32), b = other.to(.float32)
        let values = Elementwise.zip(a.detached(), b.detached(), op) { test($0, $1) ? 1 : 0 }
        let mask = Tensor(empty: values.shape, dtype: .bool)
        let pm = mask.storage.base.assumingMemoryBound(to: Bool.self), pv = values.storage.floats
        for i in 0..<values.count { pm[i] = pv[i] != 0 }
        return mask
    }

    public static func .== (a: Tensor, b: Tensor) -> Tensor { a.compare(b, ".==") { $0 == $1 } }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { a.compare(b, ".!=") { $0 != $1 } }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { a.compare(b, ".<") { $0 < $1 } }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { a.compare(b, ".<=") { $0 <= $1 } }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { a.compare(b, ".>") { $0 > $1 } }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { a.compare(b, ".>=") { $0 >= $1 } }

    public static func .== (a: Tensor, s: Float) -> Tensor { a .== Tensor(scalar: s) }
    public static func .!= (a: Tensor, s: Float) -> Tensor { a .!= Tensor(scalar: s) }
    public static func .< (a: Tensor, s: Float) -> Tensor { a .< Tensor(scalar: s) }
    public static func .<= (a: Tensor, s: Float) -> Tensor { a .<= Tensor(scalar: s) }
    public static func .> (a: Tensor, s: Float) -> Tensor { a .> Tensor(scalar: s) }
    public static func .>= (a: Tensor, s: Float) -> Tensor { a .>= Tensor(scalar: s) }
}

/// Elementwise `condition ? a : b` (all three broadcast together). `condition` is a bool mask
/// (nonzero counts as true for other types).
public func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let mask = condition.to(.float32)
    let shape = broadcastShapes(broadcastShapes(mask.shape, a.shape, op: "where"), b.shape, op: "where")
    let m = mask.expanded(to: shape)
    let fromA = Elementwise.zip(m, a.detached(), "where") { $0 != 0 ? $1 : 0 }
    let out = Elementwise.zip(fromA, Elementwise.zip(m, b.detached(), "where") { $0 != 0 ? 0 : $1 }, "where") { $0 + $1 }
    return differentiable("where", [a, b], result: out) { g in
        [
            a.requiresGrad ? Elementwise.zip(g, m, "where backward") { $1 != 0 ? $0 : 0 }.sumToShape(a.shape) : nil,
            b.requiresGrad ? Elementwise.zip(g, m, "where backward") { $1 != 0 ? 0 : $0 }.sumToShape(b.shape) : nil,
        ]
    }
}
