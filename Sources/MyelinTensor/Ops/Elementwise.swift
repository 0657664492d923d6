/// The loops behind every elementwise op: apply a scalar function over one or two (broadcast)
/// float32 operands into a new contiguous tensor; large contiguous work is split over the thread pool.
///
/// The loops are generic over the function's type (`UnaryFunction`, `BinaryFunction`), so the
/// compiler makes a copy of each loop per function with the function inlined, and the contiguous
/// cases vectorise. A closure cannot be inlined there: the slices the thread pool runs capture it,
/// and it is called per element (ReLU over 6.4 M floats: 4.4 ms against 0.7 ms). The ops on the hot
/// path (arithmetic, ReLU, gradient accumulation) therefore pass function types
/// (ElementFunctions.swift); a closure, wrapped, serves the others.
enum Elementwise {
    /// Elements per thread slice below which splitting costs more than it saves (work is split from
    /// two grains up; reductions, resampling and spatial transforms size their slices by it too).
    /// At 32 K, activations of 32 K–64 K elements (an MLP's 128 × 256 or 64 × 512, and their
    /// gradients) ran on the caller alone while the worker waited. At 16 K the GAN benchmark ran 2–6 %
    /// faster (AVX2 and AVX-512), W1 0–4 % on AVX2, and W1 on AVX-512 between 4 % slower and 2 % faster.
    static let grain = 1 << 14

    static func map(_ a: Tensor, _ op: String, _ f: @escaping (Float) -> Float) -> Tensor {
        map(a, op, UnaryClosure(f))
    }

    static func zip(_ a: Tensor, _ b: Tensor, _ op: String, _ f: @escaping (Float, Float) -> Float) -> Tensor {
        zip(a, b, op, BinaryClosure(f))
    }

    static func map<F: UnaryFunction>(_ a: Tensor, _ op: String, _ f: F) -> Tensor {
        precondition(a.dtype == .float32, "\(op): needs a float32 tensor, got \(a.dtype)")
        let out = Tensor(empty: a.shape)
        let o = out.storage.floats
        if a.isContiguous {
            let pa = a.floatPointer
            parallelFor(a.count, grain: grain) { begin, end in
                for i in begin..<end { o[i] = f(pa[i]) }
            }
            return out
        }
        let base = a.storage.floats
        var k = 0
        StridedLoop.forEachRow(shape: a.shape, strides: [a.strides], offsets: [a.offset]) { offs, n, inner in
            let pa = base + offs[0], sa = inner[0]
            for i in 0..<n { o[k + i] = f(pa[i * sa]) }
            k += n
        }
        return out
    }

    static func zip<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _ op: String, _ f: F) -> Tensor {
        precondition(
            a.dtype == .float32 && b.dtype == .float32,
            "\(op): needs float32 tensors, got \(a.dtype) and \(b.dtype)")
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let out = Tensor(empty: a.shape)
            let o = out.storage.floats, pa = a.floatPointer, pb = b.floatPointer
            parallelFor(a.count, grain: grain) { begin, end in
                for i in begin..<end { o[i] = f(pa[i], pb[i]) }
            }
            return out
        }
        let shape = broadcastShapes(a.shape, b.shape, op: op)
        let out = Tensor(empty: shape)
        let o = out.storage.floats, baseA = a.storage.floats, baseB = b.storage.floats
        var k = 0
        StridedLoop.forEachRow(
            shape: shape, strides: [a.broadcastStrides(to: shape), b.broadcastStrides(to: shape)],
            offsets: [a.offset, b.offset]
        ) { offs, n, inner in
            let pa = baseA + offs[0], pb = baseB + offs[1], sa = inner[0], sb = inner[1], po = o + k
            if sa == 1 && sb == 1 {
                for i in 0..<n { po[i] = f(pa[i], pb[i]) }
            } else if sa == 1 && sb == 0 {
                let vb = pb[0]
                for i in 0..<n { po[i] = f(pa[i], vb) }
            } else if sa == 0 && sb == 1 {
                let va = pa[0]
                for i in 0..<n { po[i] = f(va, pb[i]) }
            } else {
                for i in 0..<n { po[i] = f(pa[i * sa], pb[i * sb]) }
            }
            k += n
        }
        return out
    }

    /// dst[i] = f(dst[i], src[i]) in place, with `src` broadcast to `dst`'s shape. `dst` may be a view.
    static func update<F: BinaryFunction>(_ dst: Tensor, with src: Tensor, _ op: String, _ f: F) {
        precondition(dst.dtype == .float32 && src.dtype == .float32, "\(op): needs float32 tensors")
        precondition(
            broadcastShapes(dst.shape, src.shape, op: op) == dst.shape,
            "\(op): a tensor of shape \(src.shape) cannot fill one of shape \(dst.shape)")
        let baseD = dst.storage.floats, baseS = src.storage.floats
        if dst.shape == src.shape && dst.isContiguous && src.isContiguous {
            let pd = dst.floatPointer, ps = src.floatPointer
            parallelFor(dst.count, grain: grain) { begin, end in
                for i in begin..<end { pd[i] = f(pd[i], ps[i]) }
            }
            return
        }
        StridedLoop.forEachRow(
            shape: dst.shape, strides: [dst.strides, src.broadcastStrides(to: dst.shape)],
            offsets: [dst.offset, src.offset]
        ) { offs, n, inner in
            let pd = baseD + offs[0], ps = baseS + offs[1], sd = inner[0], ss = inner[1]
            if sd == 1 && ss == 1 {
                for i in 0..<n { pd[i] = f(pd[i], ps[i]) }
            } else {
                for i in 0..<n { pd[i * sd] = f(pd[i * sd], ps[i * ss]) }
            }
        }
    }
}

extension Tensor {
    /// Adds `other` (broadcast) into this tensor's elements, in place and without recording a gradient.
    public func addInPlace(_ other: Tensor) {
        Elementwise.update(self, with: other, "addInPlace", Sum())
    }

    /// Overwrites this tensor's elements (it may be a view) with `source`, broadcast to its shape.
    /// Like PyTorch's `copy_`, it records no gradient.
    /// An integer or bool tensor (a step counter in a state dict, say) takes `source` converted to its dtype.
    public func assign(_ source: Tensor) {
        guard dtype == .float32 else {
            precondition(
                broadcastShapes(shape, source.shape, op: "assign") == shape,
                "assign: a tensor of shape \(source.shape) cannot fill one of shape \(shape)")
            assignIntegers(source.to(dtype).expanded(to: shape))
            return
        }
        Elementwise.update(self, with: source.to(.float32), "assign", Second())
    }

    /// Sets every element to `value`, in place.
    public func fill(_ value: Float) {
        Elementwise.update(self, with: Tensor(scalar: value), "fill", Second())
    }
}
