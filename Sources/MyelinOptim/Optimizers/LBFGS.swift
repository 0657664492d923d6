/// Limited-memory BFGS, as PyTorch defines it (`torch.optim.LBFGS`, after minFunc): each iteration
/// steps along −H·g, where H, the inverse Hessian, is estimated from the last `historySize` pairs
/// of parameter and gradient changes (the two-loop recursion), either by `learningRate` times that
/// direction or by a step a strong-Wolfe line search finds.
///
/// L-BFGS evaluates the loss several times per step, so `step` takes a closure that clears the
/// gradients, computes the loss, calls `backward()` and returns the loss:
///
/// ```swift
/// let optimizer = LBFGS([image], lineSearch: .strongWolfe)
/// for _ in 0..<10 {
///     optimizer.step {
///         optimizer.zeroGrad()
///         let loss = objective(image)
///         loss.backward()
///         return loss
///     }
/// }
/// ```
///
/// All parameters form one flat vector (PyTorch allows no parameter groups here either). The
/// vectors are kept in float32 like the parameters; dot products and the line search's scalars are
/// computed in double.
public final class LBFGS: Optimizer {
    /// How the step length along the direction is chosen: PyTorch's `line_search_fn`.
    public enum LineSearch: String, Sendable, CaseIterable {
        /// The strong-Wolfe search of minFunc: bracketing, then zooming by cubic interpolation.
        case strongWolfe = "strong_wolfe"
    }

    /// The most iterations one `step` takes (`max_iter`).
    public var maxIterations: Int
    /// The most loss evaluations one `step` makes (`max_eval`).
    public var maxEvaluations: Int
    /// A step ends once no gradient element exceeds this in magnitude (`tolerance_grad`).
    public var toleranceGrad: Float
    /// A step ends once the loss or the parameters change by less than this (`tolerance_change`).
    public var toleranceChange: Float
    /// How many (s, y) pairs the inverse Hessian is estimated from (`history_size`).
    public let historySize: Int
    /// nil: a step of `learningRate` along the direction.
    public var lineSearch: LineSearch?
    /// Iterations since the optimizer was made, over all steps (PyTorch's `n_iter`).
    public private(set) var iterationCount = 0
    /// Loss evaluations since the optimizer was made (PyTorch's `func_evals`).
    public private(set) var evaluationCount = 0

    private let size: Int
    /// The history as a ring of `historySize` rows: y = g' − g (PyTorch's `old_dirs`) and s = t·d (`old_stps`).
    private lazy var gradientChanges = Tensor.zeros([historySize, size])
    private lazy var parameterChanges = Tensor.zeros([historySize, size])
    private var historyCount = 0, historyStart = 0
    private lazy var previousGradient = Tensor.zeros([size])
    /// The last iteration's t·d: the next iteration's s.
    private lazy var lastStep = Tensor.zeros([size])
    /// 1 / yᵀs for each row of the ring and the initial Hessian's scale yᵀs / yᵀy of the newest pair;
    /// derived from the history, so that state loaded from a checkpoint gives them back exactly.
    private var inverseCurvatures: [Double]
    private var hessianScale: Double = 1
    private var derivedStale = false

    public init(
        _ parameters: [Tensor], learningRate: Float = 1, maxIterations: Int = 20, maxEvaluations: Int? = nil,
        toleranceGrad: Float = 1e-7, toleranceChange: Float = 1e-9, historySize: Int = 100, lineSearch: LineSearch? = nil
    ) {
        precondition(maxIterations >= 1 && historySize >= 1, "LBFGS: needs maxIterations ≥ 1 and historySize ≥ 1")
        self.maxIterations = maxIterations
        self.maxEvaluations = maxEvaluations ?? maxIterations * 5 / 4
        precondition(self.maxEvaluations >= 1, "LBFGS: maxEvaluations must be at least 1")
        self.toleranceGrad = toleranceGrad
        self.toleranceChange = toleranceChange
        self.historySize = historySize
        self.lineSearch = lineSearch
        size = parameters.reduce(0) { $0 + $1.count }
        inverseCurvatures = Array(repeating: 0, count: historySize)
        super.init(groups: [ParameterGroup(parameters)], learningRate: learningRate)
    }

    /// One L-BFGS step of up to `maxIterations` iterations; `closure` clears the gradients,
    /// evaluates the loss, runs `backward()` and returns the loss. Returns the loss at the start.
    @discardableResult
    public func step(_ closure: () -> Tensor) -> Tensor {
        stepCount += 1
        if derivedStale { rederiveFromHistory() }
        let rate = Double(learningRate)
        let startLoss = closure()
        var loss = Double(startLoss.item)
        var evaluations = 1
        evaluationCount += 1
        var gradient = gatheredGradient()
        if largestMagnitude(gradient) <= toleranceGrad { return startLoss }

        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            iterationCount += 1
            let direction: [Double]
            if iterationCount == 1 {
                direction = gradient.map { -Double($0) }
                historyCount = 0
                historyStart = 0
                hessianScale = 1
            } else {
                remember(gradient: gradient)
                direction = twoLoopDirection(gradient)
            }
            _ = previousGradient.withUnsafeMutableScalars { $0.update(from: gradient) }
            let previousLoss = loss
            // The first iteration ever starts small, as the gradient's size is all it knows.
            var t = iterationCount == 1 ? min(1, 1 / gradient.reduce(0) { $0 + Double(Swift.abs($1)) }) * rate : rate
            let slope = dot(gradient, direction)
            // Not a descent direction (any more): stop, keeping t·d as PyTorch keeps d and t.
            if slope > -Double(toleranceChange) {
                storeLastStep(direction, t)
                break
            }

            var optimal = false
            var used = 0
            if lineSearch == .strongWolfe {
                let start = gatheredParameters()
                let search = strongWolfe(
                    from: start, direction: direction, step: t, loss: loss, gradient: gradient, slope: slope,
                    maxEvaluations: maxEvaluations - evaluations
                ) { step in
                    self.setParameters(start, plus: step, along: direction)
                    let value = Double(closure().item)
                    let slopeThere = self.gatheredGradient()
                    self.setParameters(start, plus: 0, along: direction)
                    return (value, slopeThere)
                }
                (loss, gradient, t, used) = (search.loss, search.gradient, search.step, search.evaluations)
                setParameters(start, plus: t, along: direction)
                optimal = largestMagnitude(gradient) <= toleranceGrad
            } else {
                setParameters(gatheredParameters(), plus: t, along: direction)
                // The last iteration does not evaluate the loss at its new point: the next step will.
                if iterations != maxIterations {
                    loss = Double(closure().item)
                    gradient = gatheredGradient()
                    optimal = largestMagnitude(gradient) <= toleranceGrad
                    used = 1
                }
            }
            storeLastStep(direction, t)
            evaluations += used
            evaluationCount += used

            if iterations == maxIterations || evaluations >= maxEvaluations || optimal { break }
            // Lack of progress.
            if largestMagnitude(lastStep.scalars) <= toleranceChange || Swift.abs(loss - previousLoss) < Double(toleranceChange) { break }
        }
        return startLoss
    }

    public override func update(parameter index: Int, weights: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>) {
        preconditionFailure("LBFGS evaluates the loss several times per step: call step { … } with a closure that returns the loss")
    }

    // MARK: The direction

    /// Adds the pair (y = g − g_previous, s = the last step) to the history if yᵀs > 1e-10 (so that
    /// H stays positive definite), dropping the oldest pair when the history is full.
    private func remember(gradient: [Float]) {
        let previous = previousGradient.scalars
        let y = zip(gradient, previous).map { $0 - $1 }
        let s = lastStep.scalars
        guard dot(y, s) > 1e-10 else { return }
        let row = (historyStart + historyCount) % historySize
        if historyCount == historySize {
            historyStart = (historyStart + 1) % historySize
        } else {
            historyCount += 1
        }
        _ = gradientChanges.withUnsafeMutableScalars { $0[(row * size)..<(row * size + size)].update(from: y) }
        _ = parameterChanges.withUnsafeMutableScalars { $0[(row * size)..<(row * size + size)].update(from: s) }
        deriveCurvatures(newest: row)
    }

    /// ρ of the newest row, and H's scale from it, in the one way that `rederiveFromHistory` repeats.
    private func deriveCurvatures(newest row: Int) {
        let (ys, yy) = gradientChanges.withUnsafeScalars { y in
            parameterChanges.withUnsafeScalars { s in
                let yRow = UnsafeBufferPointer(rebasing: y[(row * size)..<(row * size + size)])
                let sRow = UnsafeBufferPointer(rebasing: s[(row * size)..<(row * size + size)])
                return (dot(yRow, sRow), dot(yRow, yRow))
            }
        }
        inverseCurvatures[row] = 1 / ys
        hessianScale = ys / yy
    }

    /// After state was loaded: ρ and H's scale from the saved history.
    private func rederiveFromHistory() {
        derivedStale = false
        hessianScale = 1
        for i in 0..<historyCount { deriveCurvatures(newest: (historyStart + i) % historySize) }
    }

    /// −H·g by the two-loop recursion, oldest pair last in the first loop and first in the second.
    private func twoLoopDirection(_ gradient: [Float]) -> [Double] {
        var q = gradient.map { -Double($0) }
        var alphas = [Double](repeating: 0, count: historyCount)
        gradientChanges.withUnsafeScalars { y in
            parameterChanges.withUnsafeScalars { s in
                func row(_ buffer: UnsafeBufferPointer<Float>, _ i: Int) -> UnsafeBufferPointer<Float> {
                    let start = ((historyStart + i) % historySize) * size
                    return UnsafeBufferPointer(rebasing: buffer[start..<(start + size)])
                }
                for i in stride(from: historyCount - 1, through: 0, by: -1) {
                    let rho = inverseCurvatures[(historyStart + i) % historySize]
                    alphas[i] = dot(row(s, i), q) * rho
                    let (yi, alpha) = (row(y, i), alphas[i])
                    for k in 0..<size { q[k] -= alpha * Double(yi[k]) }
                }
                for k in 0..<size { q[k] *= hessianScale }
                for i in 0..<historyCount {
                    let rho = inverseCurvatures[(historyStart + i) % historySize]
                    let beta = dot(row(y, i), q) * rho
                    let (si, change) = (row(s, i), alphas[i] - beta)
                    for k in 0..<size { q[k] += change * Double(si[k]) }
                }
            }
        }
        return q
    }

    private func storeLastStep(_ direction: [Double], _ t: Double) {
        lastStep.withUnsafeMutableScalars { s in
            for k in 0..<size { s[k] = Float(t * direction[k]) }
        }
    }

    // MARK: The strong-Wolfe line search (minFunc's, as PyTorch ports it)

    /// A step length t along `direction` that satisfies the strong Wolfe conditions
    /// f(x + t·d) ≤ f(x) + c₁·t·gᵀd and |g(x + t·d)ᵀd| ≤ −c₂·gᵀd, found with at most
    /// `maxEvaluations` calls of `evaluate` (t ↦ the loss and gradient at x + t·d).
    private func strongWolfe(
        from start: [Float], direction: [Double], step initial: Double, loss f: Double, gradient g: [Float], slope gtd: Double,
        maxEvaluations: Int, evaluate: (Double) -> (Double, [Float])
    ) -> (loss: Double, gradient: [Float], step: Double, evaluations: Int) {
        let (c1, c2) = (1e-4, 0.9)
        let directionNorm = direction.reduce(0) { Swift.max($0, Swift.abs($1)) }
        var t = initial
        var (fNew, gNew) = evaluate(t)
        var evaluations = 1
        var gtdNew = dot(gNew, direction)
        // Bracket an interval containing a point that satisfies the conditions.
        var (tPrevious, fPrevious, gPrevious, gtdPrevious) = (0.0, f, g, gtd)
        var done = false
        var iteration = 0
        var bracket: [Double] = [], bracketF: [Double] = [], bracketG: [[Float]] = [], bracketSlope: [Double] = []
        while iteration < maxEvaluations {
            if fNew > f + c1 * t * gtd || (iteration > 1 && fNew >= fPrevious) {
                (bracket, bracketF, bracketG, bracketSlope) = (
                    [tPrevious, t], [fPrevious, fNew], [gPrevious, gNew], [gtdPrevious, gtdNew]
                )
                break
            }
            if Swift.abs(gtdNew) <= -c2 * gtd {
                (bracket, bracketF, bracketG) = ([t], [fNew], [gNew])
                done = true
                break
            }
            if gtdNew >= 0 {
                (bracket, bracketF, bracketG, bracketSlope) = (
                    [tPrevious, t], [fPrevious, fNew], [gPrevious, gNew], [gtdPrevious, gtdNew]
                )
                break
            }
            // Extrapolate.
            let (minimumStep, maximumStep) = (t + 0.01 * (t - tPrevious), t * 10)
            let current = t
            t = cubicMinimum(tPrevious, fPrevious, gtdPrevious, t, fNew, gtdNew, bounds: (minimumStep, maximumStep))
            (tPrevious, fPrevious, gPrevious, gtdPrevious) = (current, fNew, gNew, gtdNew)
            (fNew, gNew) = evaluate(t)
            evaluations += 1
            gtdNew = dot(gNew, direction)
            iteration += 1
        }
        if iteration >= maxEvaluations {
            (bracket, bracketF, bracketG) = ([0, t], [f, fNew], [g, gNew])
        }

        // Zoom: shrink the bracket until a point in it satisfies the conditions.
        var insufficientProgress = false
        var (low, high) = bracketF[0] <= bracketF[bracketF.count - 1] ? (0, 1) : (1, 0)
        while !done && iteration < maxEvaluations {
            if Swift.abs(bracket[1] - bracket[0]) * directionNorm < Double(toleranceChange) { break }
            t = cubicMinimum(bracket[0], bracketF[0], bracketSlope[0], bracket[1], bracketF[1], bracketSlope[1])
            // Too near an end of the bracket, twice or past it: move a tenth of its width inside.
            let (top, bottom) = (pythonMax(bracket[0], bracket[1]), pythonMin(bracket[0], bracket[1]))
            let margin = 0.1 * (top - bottom)
            if pythonMin(top - t, t - bottom) < margin {
                if insufficientProgress || t >= top || t <= bottom {
                    t = Swift.abs(t - top) < Swift.abs(t - bottom) ? top - margin : bottom + margin
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            (fNew, gNew) = evaluate(t)
            evaluations += 1
            gtdNew = dot(gNew, direction)
            iteration += 1
            if fNew > f + c1 * t * gtd || fNew >= bracketF[low] {
                // Not low enough: the new point closes the bracket from above.
                (bracket[high], bracketF[high], bracketG[high], bracketSlope[high]) = (t, fNew, gNew, gtdNew)
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0)
            } else {
                if Swift.abs(gtdNew) <= -c2 * gtd {
                    done = true
                } else if gtdNew * (bracket[high] - bracket[low]) >= 0 {
                    (bracket[high], bracketF[high], bracketG[high], bracketSlope[high]) =
                        (bracket[low], bracketF[low], bracketG[low], bracketSlope[low])
                }
                (bracket[low], bracketF[low], bracketG[low], bracketSlope[low]) = (t, fNew, gNew, gtdNew)
            }
        }
        return (bracketF[low], bracketG[low], bracket[low], evaluations)
    }

    // MARK: The flat vector of all parameters

    private func gatheredGradient() -> [Float] {
        parameters.flatMap { p in p.grad.map { $0.contiguous().scalars } ?? Array(repeating: 0, count: p.count) }
    }

    private func gatheredParameters() -> [Float] { parameters.flatMap(\.scalars) }

    /// Sets the parameters to `start` + t·d.
    private func setParameters(_ start: [Float], plus t: Double, along direction: [Double]) {
        var offset = 0
        for p in parameters {
            p.withUnsafeMutableScalars { values in
                for k in 0..<values.count {
                    values[k] = t == 0 ? start[offset + k] : Float(Double(start[offset + k]) + t * direction[offset + k])
                }
            }
            offset += p.count
        }
    }

    // MARK: State

    public override var state: [(String, Tensor)] {
        [
            ("old_dirs", gradientChanges), ("old_stps", parameterChanges), ("prev_flat_grad", previousGradient),
            ("last_step", lastStep),
        ]
    }

    public override var counters: [(String, Int)] {
        super.counters + [
            ("n_iter", iterationCount), ("func_evals", evaluationCount), ("history_count", historyCount),
            ("history_start", historyStart),
        ]
    }

    public override func loadCounters(_ values: [String: Int]) throws {
        func counter(_ name: String, in allowed: ClosedRange<Int>) throws -> Int {
            let value = try Self.counter(name, in: values)
            guard allowed.contains(value) else {
                throw StateDictError(receiver: "LBFGS", name: name, problem: .counterOutOfRange(value: value, allowed: allowed))
            }
            return value
        }
        let loaded = (
            try counter("n_iter", in: 0...Int.max), try counter("func_evals", in: 0...Int.max),
            try counter("history_count", in: 0...historySize), try counter("history_start", in: 0...(historySize - 1))
        )
        try super.loadCounters(values)
        (iterationCount, evaluationCount, historyCount, historyStart) = loaded
        derivedStale = true
    }
}

// MARK: Helpers

/// Σ aᵢbᵢ in double.
private func dot<A: Collection<Float>, B: Collection<Double>>(_ a: A, _ b: B) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * $1.1 }
}

private func dot<A: Collection<Float>, B: Collection<Float>>(_ a: A, _ b: B) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

private func largestMagnitude(_ values: [Float]) -> Float { values.reduce(0) { Swift.max($0, Swift.abs($1)) } }

/// Python's max and min, which return the first argument unless the second compares larger (or
/// smaller): the line search's NaN cases follow PyTorch's.
private func pythonMax(_ a: Double, _ b: Double) -> Double { b > a ? b : a }
private func pythonMin(_ a: Double, _ b: Double) -> Double { b < a ? b : a }

/// The minimiser of the cubic through (x₁, f₁) and (x₂, f₂) with slopes g₁ and g₂, kept within
/// `bounds` (by default the interval between the points); their midpoint when the cubic has none.
private func cubicMinimum(
    _ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double, bounds: (Double, Double)? = nil
) -> Double {
    let (lower, upper) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
    let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    let d2Square = d1 * d1 - g1 * g2
    guard d2Square >= 0 else { return (lower + upper) / 2 }
    let d2 = d2Square.squareRoot()
    let minimum = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return pythonMin(pythonMax(minimum, lower), upper)
}
