import Myelin
import MyelinModels

/// style: what `myelin style` does at 128 px, on pictures made in code (the speed does not depend on
/// what they show): a smooth colour ramp as the content, diagonal stripes as the style, the random
/// multi-scale features, Adam (a fixed number of evaluations, where L-BFGS may stop early) with the
/// command's default weights. One warm-up run of 2 evaluations, then 50 timed ones.
func styleTransferWorkload() -> [String: Any] {
    let size = 128, evaluations = 50
    func picture(_ value: (Int, Int, Int) -> Float) -> Tensor {
        var scalars = [Float](repeating: 0, count: 3 * size * size)
        for c in 0..<3 {
            for y in 0..<size {
                for x in 0..<size { scalars[(c * size + y) * size + x] = value(c, y, x) }
            }
        }
        return Tensor(shape: [1, 3, size, size], scalars: scalars)
    }
    let content = picture { c, y, x in Float(c == 0 ? x : c == 1 ? y : (x + y) / 2) / Float(size) }
    let style = picture { c, y, x in ((x + y + 4 * c) / 8) % 2 == 0 ? 0.9 : 0.1 }
    let features = RandomMultiscaleFeatures()
    let transfer = { (steps: Int) in
        StyleTransfer(steps: steps, method: .adam, styleWeight: 10, contentWeight: 1, totalVariationWeight: 10)
    }
    _ = transfer(2).run(from: content, content: content, style: style, features: features) { _ in }
    var clock = Stopwatch()
    clock.start()
    let result = transfer(evaluations).run(from: content, content: content, style: style, features: features) { _ in }
    let seconds = clock.stop()
    return [
        "workload": "style",
        "evaluations_per_sec": rounded(Double(result.steps) / seconds, 2),
        "first_loss": rounded(Double(result.first.total), 4),
        "last_loss": rounded(Double(result.last.total), 4),
        "settings": [
            "size": size, "evaluations": evaluations, "optimizer": "Adam", "features": "random multi-scale",
            "weights": "style 10, content 1, total variation 10", "pictures": "made in code",
        ] as [String: Any],
    ]
}
