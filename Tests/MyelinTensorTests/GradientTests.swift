import MyelinTensor
import MyelinTestSupport
import Testing

// Every differentiable op of MyelinTensor against central differences (see GradientCheck.swift
// for the method and its tolerance).

@Suite struct ArithmeticGradients {
    let g = RandomGenerator(seed: 1)

    /// Shape pairs that broadcast in every direction: equal, one side's size-1 dims stretched,
    /// missing leading dims, both sides stretched at once.
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([3, 1], [4]), ([4], [3, 1]), ([2, 3, 4], [3, 1]), ([3, 1], [2, 3, 4]),
        ([2, 1, 4], [3, 1]), ([2, 3], []), ([], [2, 3]),
    ]

    @Test func add() {
        for (sa, sb) in Self.shapePairs {
            checkGradients([uniform(sa, g), uniform(sb, g)], "\(sa) + \(sb)") { $0[0] + $0[1] }
        }
        checkGradients([uniform([3, 1], g), uniform([4], g)], wrt: [1], "only b") { $0[0] + $0[1] }
        checkGradients([uniform([3, 1], g), uniform([4], g)], wrt: [0], "only a") { $0[0] + $0[1] }
        checkGradients([uniform([2, 3], g)], "tensor + scalar") { $0[0] + 1.5 }
        checkGradients([uniform([2, 3], g)], "scalar + tensor") { 1.5 + $0[0] }
    }

    @Test func subtract() {
        for (sa, sb) in Self.shapePairs {
            checkGradients([uniform(sa, g), uniform(sb, g)], "\(sa) - \(sb)") { $0[0] - $0[1] }
        }
        checkGradients([uniform([3, 1], g), uniform([4], g)], wrt: [1], "only b") { $0[0] - $0[1] }
        checkGradients([uniform([2, 3], g)], "tensor - scalar") { $0[0] - 1.5 }
        checkGradients([uniform([2, 3], g)], "scalar - tensor") { 1.5 - $0[0] }
    }

    @Test func multiply() {
        for (sa, sb) in Self.shapePairs {
            checkGradients([uniform(sa, g), uniform(sb, g)], "\(sa) * \(sb)") { $0[0] * $0[1] }
        }
        checkGradients([uniform([3, 1], g), uniform([4], g)], wrt: [1], "only b") { $0[0] * $0[1] }
        checkGradients([uniform([2, 3], g)], "tensor * scalar") { $0[0] * -1.5 }
        checkGradients([uniform([2, 3], g)], "scalar * tensor") { -1.5 * $0[0] }
    }

    @Test func divide() {
        for (sa, sb) in Self.shapePairs {
            checkGradients([uniform(sa, g), awayFromZero(sb, g, 0.5, 2)], "\(sa) / \(sb)") { $0[0] / $0[1] }
        }
        checkGradients([uniform([3, 1], g), awayFromZero([4], g, 0.5, 2)], wrt: [1], "only b") { $0[0] / $0[1] }
        checkGradients([uniform([2, 3], g)], "tensor / scalar") { $0[0] / 0.7 }
        checkGradients([awayFromZero([2, 3], g, 0.5, 2)], "scalar / tensor") { 1.5 / $0[0] }
    }

    @Test func negateAndCompoundAssignment() {
        checkGradients([uniform([2, 3], g)], "neg") { -$0[0] }
        checkGradients([uniform([2, 3], g), uniform([3], g)], "compound") { inputs in
            var y = inputs[0]
            y += inputs[1]; y *= inputs[0]; y -= inputs[1]; y /= Tensor(scalar: 2)
            y += 1; y *= 3
            return y
        }
    }

    @Test func maximumAndMinimum() {
        // b differs from a by at least 0.2 everywhere, so no tie is within a step.
        let b = uniform([4], g)
        let offset = awayFromZero([3, 4], g, 0.2, 1)
        let a = offset + b
        checkGradients([a, b], "maximum broadcast") { maximum($0[0], $0[1]) }
        checkGradients([a, b], "minimum broadcast") { minimum($0[0], $0[1]) }
        checkGradients([b, a], "maximum broadcast, other side") { maximum($0[0], $0[1]) }
        checkGradients([b, a], "minimum broadcast, other side") { minimum($0[0], $0[1]) }
    }
}

@Suite struct UnaryGradients {
    let g = RandomGenerator(seed: 2)

    @Test func transcendentals() {
        checkGradients([uniform([3, 4], g)], "exp") { $0[0].exp() }
        checkGradients([uniform([3, 4], g, 0.3, 3)], "log") { $0[0].log() }
        checkGradients([uniform([3, 4], g, 0.3, 3)], "sqrt") { $0[0].sqrt() }
        checkGradients([uniform([3, 4], g, -0.9, 3)], "log1p") { $0[0].log1p() }
        checkGradients([uniform([3, 4], g)], "tanh") { $0[0].tanh() }
        checkGradients([uniform([3, 4], g, -4, 4)], "sigmoid") { $0[0].sigmoid() }
        checkGradients([uniform([3, 4], g)], "erf") { $0[0].erf() }
        checkGradients([uniform([3, 4], g)], "square") { $0[0].square() }
        // Free-function spellings and non-contiguous inputs (the C kernels copy first).
        checkGradients([uniform([3, 4], g)], "free functions on a transpose") { inputs in
            let x = inputs[0].T
            return exp(x) + tanh(x) + sigmoid(x) + abs(x + 5) + sqrt(x + 3) + log(x + 3) + pow(x, 2)
        }
    }

    @Test func powers() {
        for exponent: Float in [2, 3, 1, 0, -2] {
            checkGradients([awayFromZero([2, 3], g, 0.3, 2)], "pow \(exponent)") { $0[0].pow(exponent) }
        }
        for exponent: Float in [0.5, -1, 1.7, -0.5] {
            checkGradients([uniform([2, 3], g, 0.3, 3)], "pow \(exponent)") { $0[0].pow(exponent) }
        }
        checkGradients([awayFromZero([2, 3], g, 0.3, 2)], "pow -1 of negatives") { $0[0].pow(-1) }
    }

    @Test func piecewise() {
        checkGradients([awayFromZero([3, 4], g, 0.1, 2)], "abs") { $0[0].abs() }
        checkGradients([awayFromZero([3, 4], g, 0.1, 2)], "relu") { $0[0].relu() }
        checkGradients([awayFromZero([3, 4], g, 0.1, 2)], "leakyRelu") { $0[0].leakyRelu(slope: 0.2) }
        checkGradients([awayFromZero([3, 4], g, 0.1, 2)], "elu") { $0[0].elu(alpha: 1.3) }
        checkGradients([awayFromZero([3, 4], g, 0.1, 2)], "softsign") { $0[0].softsign() }
        checkGradients([uniform([3, 4], g, -3, 3)], "gelu") { $0[0].gelu() }
        // Clamp limits ±0.5: inputs lie in [-2, -0.6] ∪ [-0.4, 0.4] ∪ [0.6, 2], never within 0.1.
        let values = (0..<24).map { i -> Float in
            let u = g.uniform()
            switch i % 3 {
            case 0: return -2 + 1.4 * u
            case 1: return -0.4 + 0.8 * u
            default: return 0.6 + 1.4 * u
            }
        }
        let x = Tensor(shape: [4, 6], scalars: values)
        checkGradients([x], "clamp both") { $0[0].clamped(min: -0.5, max: 0.5) }
        checkGradients([x], "clamp min") { $0[0].clamped(min: -0.5) }
        checkGradients([x], "clamp max") { $0[0].clamped(max: 0.5) }
    }

    @Test func softmaxFamily() {
        checkGradients([uniform([3, 5], g)], "logSoftmax last axis") { $0[0].logSoftmax() }
        checkGradients([uniform([3, 4, 2], g)], "logSoftmax axis 0") { $0[0].logSoftmax(axis: 0) }
        checkGradients([uniform([3, 4, 2], g)], "logSoftmax axis 1") { $0[0].logSoftmax(axis: 1) }
        checkGradients([uniform([3, 5], g)], "softmax") { softmax($0[0]) }
        checkGradients([uniform([4, 3], g)], "softmax of a transpose") { $0[0].T.softmax(axis: -1) }
    }
}

@Suite struct ReductionGradients {
    let g = RandomGenerator(seed: 3)

    static let axisChoices: [[Int]] = [[0], [1], [2], [-1], [0, 2], [-1, 0], [0, 1, 2], []]

    @Test func sumMeanVariance() {
        let x = uniform([2, 3, 4], g)
        for axes in Self.axisChoices {
            for keep in [false, true] {
                let c: Comment = "axes \(axes) keep \(keep)"
                checkGradients([x], "sum \(c)") { $0[0].sum(axes: axes, keepingDimensions: keep) }
                checkGradients([x], "mean \(c)") { $0[0].mean(axes: axes, keepingDimensions: keep) }
                for correction in [0, 1] {
                    checkGradients([x], "variance \(c) correction \(correction)") {
                        $0[0].variance(axes: axes, correction: correction, keepingDimensions: keep)
                    }
                }
            }
        }
        checkGradients([x], "sum()") { $0[0].sum() }
        checkGradients([x], "mean()") { $0[0].mean() }
        checkGradients([x], "sum(axis:)") { $0[0].sum(axis: 1, keepingDimensions: true) }
        checkGradients([x], "mean(axis:)") { $0[0].mean(axis: -1) }
        checkGradients([x], "variance(axis:)") { $0[0].variance(axis: 1) }
        checkGradients([x], "sum of a permuted view") { $0[0].permuted(2, 0, 1).sum(axes: [0, 2]) }
        checkGradients([uniform([5], g)], "1-D sum") { $0[0].sum(axis: 0) }
        checkGradients([Tensor(scalar: 0.7)], "0-d sum") { $0[0].sum() * 3 }
    }

    @Test func maxAndMin() {
        let x = distinct([2, 3, 4], g)
        for axes in Self.axisChoices {
            for keep in [false, true] {
                checkGradients([x], "max axes \(axes) keep \(keep)") { $0[0].max(axes: axes, keepingDimensions: keep) }
                checkGradients([x], "min axes \(axes) keep \(keep)") { $0[0].min(axes: axes, keepingDimensions: keep) }
            }
        }
        checkGradients([x], "max(axis:)") { $0[0].max(axis: 1) }
        checkGradients([x], "min(axis:) of a transpose") { $0[0].transposed(0, 2).min(axis: -1, keepingDimensions: true) }
    }
}

@Suite struct MatMulGradients {
    let g = RandomGenerator(seed: 4)

    @Test func shapes() {
        let cases: [([Int], [Int])] = [
            ([3, 4], [4, 5]), ([1, 1], [1, 1]), ([2, 3, 4], [2, 4, 5]), ([2, 3, 4], [4, 5]),
            ([3, 4], [2, 4, 5]), ([4], [4, 5]), ([3, 4], [4]), ([4], [4]), ([4], [2, 4, 5]), ([2, 3, 4], [4]),
        ]
        for (sa, sb) in cases {
            checkGradients([uniform(sa, g), uniform(sb, g)], "\(sa) × \(sb)") { matmul($0[0], $0[1]) }
        }
        checkGradients([uniform([3, 4], g), uniform([4, 5], g)], wrt: [0], "only a") { $0[0].matmul($0[1]) }
        checkGradients([uniform([3, 4], g), uniform([4, 5], g)], wrt: [1], "only b") { $0[0].matmul($0[1]) }
    }

    @Test func transposedAndStridedInputs() {
        checkGradients([uniform([4, 3], g), uniform([4, 5], g)], "Aᵀ·B") { matmul($0[0].T, $0[1]) }
        checkGradients([uniform([3, 4], g), uniform([5, 4], g)], "A·Bᵀ") { matmul($0[0], $0[1].T) }
        checkGradients([uniform([4, 3], g), uniform([5, 4], g)], "Aᵀ·Bᵀ") { matmul($0[0].T, $0[1].T) }
        checkGradients([uniform([2, 4, 3], g), uniform([2, 5, 4], g)], "batched transposes") {
            matmul($0[0].transposed(1, 2), $0[1].transposed())
        }
        checkGradients([uniform([3, 2, 4], g), uniform([4, 5], g)], "batch not outermost in memory") {
            matmul($0[0].permuted(1, 0, 2), $0[1])
        }
        checkGradients([uniform([3, 8], g), uniform([4, 10], g)], "stepped slices") {
            matmul($0[0].sliced(axis: 1, 0..<8, step: 2), $0[1].sliced(axis: 1, 1..<10, step: 2))
        }
    }

    @Test func linearLayer() {
        let x = uniform([5, 4], g), w = uniform([3, 4], g), b = uniform([3], g)
        checkGradients([x, w, b], "with bias") { linear($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([x, w], "without bias") { linear($0[0], weight: $0[1], bias: nil) }
        checkGradients([x, w, b], wrt: [1, 2], "parameters only") { linear($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([uniform([2, 5, 4], g), w, b], "3-D input") { linear($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([uniform([4], g), w, b], "1-D input") { linear($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([uniform([4, 5], g), w, b], "transposed input") { linear($0[0].T, weight: $0[1], bias: $0[2]) }
        checkGradients([x, w, uniform([6], g)], "strided bias") {
            linear($0[0], weight: $0[1], bias: $0[2].sliced(axis: 0, 0..<6, step: 2))
        }
    }

    @Test func linearWithReLU() {
        // Pre-activations at least 0.2 from zero, so a step of h in any input cannot cross the kink.
        let x = uniform([6, 4], g), w = uniform([3, 4], g)
        let z = linear(x, weight: w, bias: nil)
        var biasValues: [Float] = [0.1, -0.2, 0.3]
        // Shift each column's bias until no pre-activation lies within 0.2 of zero.
        for j in 0..<3 {
            let column = z.narrowed(axis: 1, start: j, length: 1).scalars
            while column.contains(where: { Swift.abs($0 + biasValues[j]) < 0.2 }) { biasValues[j] += 0.05 }
        }
        let safeBias = Tensor(biasValues)
        checkGradients([x, w, safeBias], "relu epilogue") {
            linear($0[0], weight: $0[1], bias: $0[2], activation: .relu)
        }
        checkGradients([x.reshaped(2, 3, 4), w, safeBias], "relu epilogue, 3-D") {
            linear($0[0], weight: $0[1], bias: $0[2], activation: .relu)
        }
        // Some outputs must actually be cut by the relu for this to test anything.
        let y = linear(x, weight: w, bias: safeBias)
        #expect(y.scalars.contains { $0 < 0 } && y.scalars.contains { $0 > 0 })
    }
}

@Suite struct ViewGradients {
    let g = RandomGenerator(seed: 5)

    @Test func reshapingViews() {
        let x = uniform([2, 3, 4], g)
        checkGradients([x], "reshaped") { $0[0].reshaped(6, 4) * $0[0].reshaped([6, 4]).exp() }
        checkGradients([x], "reshaped -1") { $0[0].reshaped(-1, 2) }
        checkGradients([x], "reshape of a non-contiguous view (copy)") { $0[0].transposed(0, 2).reshaped(4, 6) }
        checkGradients([x], "flattened") { $0[0].flattened() }
        checkGradients([x], "flattened from 1") { $0[0].flattened(startAxis: 1) }
        checkGradients([x], "flattened 0...1 of a permute") { $0[0].permuted(1, 0, 2).flattened(startAxis: 0, endAxis: 1) }
        checkGradients([x], "permuted") { $0[0].permuted(2, 0, 1) }
        checkGradients([x], "permuted negative axes") { $0[0].permuted([-1, -3, -2]) }
        checkGradients([x], "transposed") { $0[0].transposed() }
        checkGradients([x], "transposed 0 2") { $0[0].transposed(0, 2) }
        checkGradients([uniform([3, 4], g)], "T") { $0[0].T }
        checkGradients([x], "contiguous of a transpose") { $0[0].transposed(0, 1).contiguous() }
        checkGradients([x], "contiguous (no-op)") { $0[0].contiguous() * 2 }
    }

    @Test func slicingViews() {
        let x = uniform([4, 5, 3], g)
        checkGradients([x], "narrowed") { $0[0].narrowed(axis: 1, start: 1, length: 3) }
        checkGradients([x], "narrowed negative axis") { $0[0].narrowed(axis: -1, start: 2, length: 1) }
        checkGradients([x], "sliced with step") { $0[0].sliced(axis: 1, 0..<5, step: 2) }
        checkGradients([x], "sliced with step 3 from 1") { $0[0].sliced(axis: 0, 1..<4, step: 3) }
        checkGradients([x], "sliced step 1") { $0[0].sliced(axis: 2, 1..<3) }
        checkGradients([x], "subscript index") { $0[0][2] }
        checkGradients([x], "subscript negative index") { $0[0][-1] * 2 }
        checkGradients([x], "subscript range") { $0[0][1..<3] }
        checkGradients([x], "subscript twice") { $0[0][1][3] }
        checkGradients([x], "overlapping slices used twice") {
            $0[0].narrowed(axis: 0, start: 0, length: 3) * $0[0].narrowed(axis: 0, start: 1, length: 3)
        }
    }

    @Test func broadcastingViews() {
        checkGradients([uniform([3, 1], g)], "expanded") { $0[0].expanded(to: [2, 3, 4]) }
        checkGradients([uniform([3, 1], g)], "expanded -1") { $0[0].expanded(to: [-1, 5]) }
        checkGradients([uniform([1, 3, 1], g)], "squeezed all") { $0[0].squeezed() }
        checkGradients([uniform([1, 3, 1], g)], "squeezed axis") { $0[0].squeezed(axis: 2) }
        checkGradients([uniform([1, 3, 1], g)], "squeezed non-unit axis (no-op)") { $0[0].squeezed(axis: 1) * 2 }
        checkGradients([uniform([3, 4], g)], "unsqueezed") { $0[0].unsqueezed(axis: 1) }
        checkGradients([uniform([3, 4], g)], "unsqueezed -1") { $0[0].unsqueezed(axis: -1) }
        checkGradients([uniform([3, 4], g)], "unsqueeze of a transpose") { $0[0].T.unsqueezed(axis: 0).squeezed(axis: 0) }
    }

    @Test func viewsOfViews() {
        checkGradients([uniform([24], g)], "permute of narrow of reshape") { inputs in
            inputs[0].reshaped(2, 3, 4).narrowed(axis: 2, start: 1, length: 2).permuted(2, 0, 1)
        }
        checkGradients([uniform([4, 6], g)], "slice of transpose of slice, then reshape") { inputs in
            inputs[0].sliced(axis: 1, 0..<6, step: 2).T.sliced(axis: 1, 1..<4).reshaped(-1) * 3
        }
        checkGradients([uniform([2, 3], g)], "expand of unsqueeze of transpose") { inputs in
            inputs[0].T.unsqueezed(axis: 0).expanded(to: [4, 3, 2]).sum(axes: [0]) * inputs[0].T
        }
    }
}

@Suite struct JoiningAndIndexingGradients {
    let g = RandomGenerator(seed: 6)

    @Test func concatenateAndStack() {
        let a = uniform([2, 3], g), b = uniform([4, 3], g), c = uniform([1, 3], g)
        checkGradients([a, b, c], "concatenate axis 0") { concatenate($0, axis: 0) }
        checkGradients([a, b, c], wrt: [0, 2], "concatenate, middle input without gradient") { concatenate($0) }
        checkGradients([uniform([2, 3], g), uniform([2, 1], g)], "concatenate axis 1") { concatenate($0, axis: 1) }
        checkGradients([uniform([2, 3, 2], g), uniform([2, 3, 1], g)], "concatenate axis -1") { concatenate($0, axis: -1) }
        checkGradients([a], "concatenate a tensor with itself") { concatenate([$0[0], $0[0].exp()], axis: 1) }
        let x = uniform([2, 3], g), y = uniform([2, 3], g)
        for axis in [0, 1, 2, -1] {
            checkGradients([x, y], "stack axis \(axis)") { stack($0, axis: axis) }
        }
    }

    @Test func split() {
        let x = uniform([7, 3], g)
        checkGradients([x], "split sizes") { inputs in
            let parts = inputs[0].split(sizes: [2, 4, 1])
            return concatenate([parts[0].exp(), parts[1] * 3, parts[2].square()])
        }
        checkGradients([x], "split size, axis 1") { inputs in
            let parts = inputs[0].split(size: 2, axis: 1)
            return parts[0].sum(axes: [1]) * parts[1].squeezed()
        }
        checkGradients([x], "only one piece used") { $0[0].split(size: 3)[1] }
    }

    @Test func indexSelect() {
        let x = uniform([4, 3], g)
        let repeated = Tensor(integers: [2, 0, 2, 2])
        checkGradients([x], "axis 0 with repeats") { $0[0].indexSelect(axis: 0, indices: repeated) }
        checkGradients([x], "axis 1, int32") {
            $0[0].indexSelect(axis: 1, indices: Tensor(shape: [3], integers: [1, 1, 0], dtype: .int32))
        }
        checkGradients([uniform([2, 3, 4], g)], "axis -1 of a transpose") {
            $0[0].transposed(0, 1).indexSelect(axis: -1, indices: Tensor(integers: [3, 0, 3]))
        }
        // Both contributions of a repeated index reach the gradient: row 2 is used three times.
        let leaf = Tensor.ones([4, 3])
        leaf.requiresGrad = true
        leaf.indexSelect(axis: 0, indices: repeated).sum().backward()
        #expect(leaf.grad?.scalars == [1, 1, 1, 0, 0, 0, 3, 3, 3, 0, 0, 0])
    }

    @Test func gather() {
        let x = uniform([3, 4], g)
        let indices = Tensor(shape: [3, 5], integers: [0, 3, 3, 1, 0, 2, 2, 2, 2, 1, 3, 0, 1, 0, 0])
        checkGradients([x], "axis 1 with repeats") { $0[0].gather(axis: 1, indices: indices) }
        let rows = Tensor(shape: [2, 4], integers: [2, 0, 1, 2, 2, 2, 0, 1])
        checkGradients([x], "axis 0, fewer rows") { $0[0].gather(axis: 0, indices: rows) }
        checkGradients([uniform([4, 3], g)], "of a transpose") {
            $0[0].T.gather(axis: 1, indices: indices.narrowed(axis: 1, start: 0, length: 4))
        }
        checkGradients([uniform([2, 3, 4], g)], "3-D axis 2") {
            $0[0].gather(axis: 2, indices: Tensor(shape: [2, 3, 1], integers: [3, 0, 1, 2, 2, 0]))
        }
    }

    @Test func whereSelects() {
        let mask = Tensor(shape: [3, 4], integers: [1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], dtype: .bool)
        checkGradients([uniform([3, 4], g), uniform([3, 4], g)], "same shapes") { `where`(mask, $0[0], $0[1]) }
        checkGradients([uniform([3, 4], g), uniform([4], g)], "b broadcast") { `where`(mask, $0[0], $0[1]) }
        checkGradients([uniform([3, 1], g), uniform([], g)], "both broadcast") { `where`(mask, $0[0], $0[1]) }
        checkGradients([uniform([3, 4], g), uniform([3, 4], g)], wrt: [1], "only b") { `where`(mask, $0[0], $0[1]) }
        checkGradients([uniform([3, 4], g)], "mask from a comparison") { inputs in
            `where`(inputs[0] .> Tensor(scalar: 0), inputs[0], inputs[0] * 0.1)
        }
    }
}

@Suite struct CompositeGradients {
    let g = RandomGenerator(seed: 7)

    @Test func smallNetworkLoss() {
        // A two-layer MLP with a cross-entropy-like loss, end to end.
        let x = uniform([5, 4], g), w1 = uniform([6, 4], g, -1, 1), b1 = uniform([6], g)
        let w2 = uniform([3, 6], g, -1, 1)
        let labels = Tensor(shape: [5, 1], integers: [0, 2, 1, 1, 0])
        checkGradients([x, w1, b1, w2], "mlp") { p in
            let h = linear(p[0], weight: p[1], bias: p[2]).tanh()
            let logits = matmul(h, p[3].T)
            return -logits.logSoftmax().gather(axis: 1, indices: labels).mean()
        }
    }

    @Test func normalisationLikeExpression() {
        checkGradients([uniform([4, 5], g)], "layer norm") { p in
            let x = p[0]
            return (x - x.mean(axis: -1, keepingDimensions: true))
                / (x.variance(axis: -1, correction: 0, keepingDimensions: true) + 1e-5).sqrt()
        }
    }
}
