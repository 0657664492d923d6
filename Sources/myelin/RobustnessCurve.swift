import Foundation
import Myelin

/// One classifier's accuracy under a gradient-sign attack at each radius ε: what `myelin attack`
/// prints and plots, and what an adversarially trained run's report shows beside its undefended twin.
struct RobustnessCurve {
    var name: String
    var cleanAccuracy: Double
    var outcomes: [(epsilon: Float, outcome: AttackOutcome)]

    /// Attacks every image of `data` with `attack(ε)` at each of `radii` (the same seeded random
    /// starts at each), with a progress bar.
    init(
        name: String, network: Module, on data: some Dataset, radii: [Float], seed: UInt64, label: String,
        attack: (Float) -> GradientSignAttack
    ) {
        let classify: (Tensor) -> Tensor = { network($0) }
        var outcomes: [(epsilon: Float, outcome: AttackOutcome)] = []
        var progress = ProgressBar(total: radii.count, label: label)
        for (i, radius) in radii.enumerated() {
            outcomes.append((radius, attack(radius).outcome(on: data, of: classify, generator: RandomGenerator(seed: seed))))
            progress.update(i + 1)
        }
        progress.finish()
        self.name = name
        self.cleanAccuracy = outcomes.first?.outcome.cleanAccuracy ?? 0
        self.outcomes = outcomes
    }

    /// The table printed: ε, accuracy and, under `successName`, the attack's success rate.
    func table(successName: String) -> String {
        var lines = ["ε       accuracy  \(successName)"]
        for (radius, outcome) in outcomes {
            lines.append(String(format: "%-6.3f  %.4f    %.4f", radius, outcome.accuracy, outcome.successRate))
        }
        return lines.joined(separator: "\n")
    }

    /// The curve from the clean accuracy at ε = 0 through each radius.
    var series: LinePlot.Series {
        LinePlot.Series(name: name, points: [(0, cleanAccuracy)] + outcomes.map { (Double($0.epsilon), $0.outcome.accuracy) })
    }

    /// results.json's figures: the clean accuracy and the accuracy and success rate at each ε,
    /// each name led by `prefix`.
    func metrics(prefix: String) -> [(String, String)] {
        [("\(prefix)clean accuracy", String(format: "%.4f", cleanAccuracy))]
            + outcomes.flatMap { radius, outcome in
                [
                    ("\(prefix)accuracy at epsilon \(radius)", String(format: "%.4f", outcome.accuracy)),
                    ("\(prefix)success at epsilon \(radius)", String(format: "%.4f", outcome.successRate)),
                ]
            }
    }

    /// robustness.png: every curve on one plot, titled by the attack.
    static func plot(_ curves: [RobustnessCurve], attack: String) -> RunPlot {
        RunPlot(
            name: "robustness",
            plot: LinePlot(
                title: "Accuracy under \(attack)", xLabel: "epsilon: the most a pixel of [0, 1] may change",
                yLabel: "test accuracy", series: curves.map(\.series)))
    }
}
