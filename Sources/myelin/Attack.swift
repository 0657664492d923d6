import ArgumentParser
import Foundation
import Myelin

/// `myelin attack`: how easily a trained classifier is fooled — FGSM and PGD over a range of ε
/// (the robustness curve), or the one-pixel attack.
struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Attack a classifier trained by `myelin train`: accuracy under FGSM or PGD per ε, or the one-pixel attack's success rate.",
        discussion: """
            CHECKPOINT is a run folder of `myelin train mlp|lenet|cnn|vgg-mini` or its .safetensors file. FGSM moves \
            every pixel by ε along the sign of the loss's gradient; PGD takes --steps steps of --step-size from a \
            random start, each time projected back to within ε of the image and into [0, 1]; the one-pixel attack \
            searches by differential evolution for one pixel that changes the answer. --target D asks for digit D \
            instead of any wrong answer. OUT gets the robustness curve (robustness.png), a grid of test digits \
            | the perturbation (×10: red up, blue down) | the adversarial digit with each one's answer and \
            probability (adversarial.png), report.html and results.json.
            """)

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case fgsm, pgd
        case onePixel = "onepixel"
    }

    @Argument(help: "`myelin train` run folders or checkpoint files: several are attacked alike and drawn side by side.")
    var checkpoints: [String]

    @Option(help: "fgsm, pgd (default) or onepixel.")
    var method: Method = .pgd

    @Option(help: ArgumentHelp("Radii of the attack in pixel values of [0, 1], comma-separated.", valueName: "list"))
    var epsilon = "0.05,0.1,0.2,0.3"

    @Option(help: "PGD: steps per image.")
    var steps = 20

    @Option(help: "PGD: how far one step moves a pixel.")
    var stepSize: Float = 0.01

    @Option(help: ArgumentHelp("Make every image this digit instead of any wrong one.", valueName: "digit"))
    var target: Int?

    @Option(help: "Test images to attack (default 1000; 100 for onepixel).")
    var images: Int?

    @OptionGroup var study: ClassifierStudyOptions

    private var seed: UInt64 { study.seed }

    func validate() throws {
        _ = try epsilons()
        try requirePositive(("--steps", steps), ("--images", images))
        guard stepSize > 0 && stepSize.isFinite else { throw ValidationError("--step-size must be a positive number") }
        if let target, !(0...9).contains(target) { throw ValidationError("--target must be a digit 0…9, got \(target)") }
    }

    /// --epsilon as sorted radii, each in (0, 1].
    func epsilons() throws -> [Float] {
        let parts = epsilon.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = try parts.map { part -> Float in
            guard let value = Float(part), value > 0, value <= 1 else {
                throw ValidationError("--epsilon: '\(part)' is not a radius between 0 and 1 (give a list such as 0.05,0.1,0.2,0.3)")
            }
            return value
        }
        return Array(Set(values)).sorted()
    }

    func run() throws {
        let classifiers = try checkpoints.map(TrainedClassifier.init(contentsOf:))
        // Each is named by its run's folder ("lenet", "lenet-pgd"), or numbered where two share one.
        var names = classifiers.map(\.runName)
        if Set(names).count < names.count { names = names.indices.map { "\(names[$0])-\($0 + 1)" } }
        let test = try study.testDigits()
        let folder = try study.folder(command: "attack", runs: names)
        let goal: AttackGoal = target.map { .targeted($0) } ?? .untargeted
        let count = min(images ?? (method == .onePixel ? 100 : 1000), test.count)
        let subset = test.subset(Array(0..<count))
        let targets = zip(names, classifiers).map { name, classifier in
            Target(name: name, summary: "\(classifier.model.rawValue) from \(classifier.url.path)", network: classifier.network)
        }
        print(
            "Attacking \(targets.map(\.summary).joined(separator: " and ")) with \(method.rawValue) on \(count) test digits of \(test.directory.path)\(target.map { ", aiming for \($0)" } ?? "")."
        )
        let outputs = method == .onePixel ? onePixel(targets, on: subset, goal: goal) : gradientSign(targets, on: subset, goal: goal)
        printWritten(try outputs.write(to: folder))
    }

    /// A classifier under attack, with the name its figures and pictures go by.
    private struct Target {
        var name: String
        var summary: String
        var network: Module
    }

    private func attack(epsilon: Float, goal: AttackGoal) -> GradientSignAttack {
        method == .fgsm
            ? .fgsm(epsilon: epsilon, goal: goal) : .pgd(epsilon: epsilon, stepSize: stepSize, steps: steps, goal: goal)
    }

    private var attackDescription: String {
        method == .fgsm ? "FGSM" : "PGD, \(steps) steps of \(stepSize) from a random start"
    }

    /// FGSM or PGD at every ε on every target: the tables, the robustness curves and the pictures.
    private func gradientSign(_ targets: [Target], on data: Subset<MNIST>, goal: AttackGoal) -> RunOutputs {
        let radii = (try? epsilons()) ?? []
        let successName = goal == .untargeted ? "fooled (of those right)" : "made \(aDigit(target ?? 0))"
        var outputs = RunOutputs(
            title: "myelin attack \(targets.map(\.name).joined(separator: " "))",
            summary:
                "How often \(targets.map(\.name).joined(separator: " and ")) still answer right when every test digit is perturbed by at most ε per pixel.",
            settings: [
                ("method", attackDescription), ("goal", target.map { "make every digit \(aDigit($0))" } ?? "any wrong answer"),
                ("test images", String(data.count)), ("seed", String(seed)),
            ])
        var curves: [RobustnessCurve] = []
        for target in targets {
            // Figures and pictures are named after the classifier when there are several.
            let prefix = targets.count > 1 ? "\(target.name) " : ""
            let curve = RobustnessCurve(
                name: target.name, network: target.network, on: data, radii: radii, seed: seed, label: "\(prefix)ε"
            ) { attack(epsilon: $0, goal: goal) }
            print(prefix + String(format: "clean accuracy %.4f", curve.cleanAccuracy))
            print(curve.table(successName: successName))
            curves.append(curve)
            outputs.metrics += curve.metrics(prefix: prefix)
            // The picture at the smallest ε that fooled at least half of the images it could.
            let shown = curve.outcomes.first { $0.outcome.successRate >= 0.5 }?.epsilon ?? radii.last!
            outputs.pictures.append(
                RunPicture(
                    name: targets.count > 1 ? "adversarial-\(target.name)" : "adversarial",
                    caption:
                        "\(prefix)at ε \(shown): test digit | perturbation ×10 (red up, blue down) | adversarial digit, each with the answer and its probability",
                    image: examples(target.network, data: data, attack: attack(epsilon: shown, goal: goal))))
        }
        outputs.plots = [RobustnessCurve.plot(curves, attack: method.rawValue.uppercased())]
        return outputs
    }

    /// Eight digits the attack fooled (or the first eight), each as original | perturbation | adversarial.
    private func examples(_ network: Module, data: Subset<MNIST>, attack: GradientSignAttack) -> Image {
        let (images, labels) = data.batch(at: Array(0..<min(64, data.count)))
        let adversarial = attack.perturb(images, labels: labels, of: { network($0) }, generator: RandomGenerator(seed: seed))
        let (before, after) = withoutGrad { (network(images).softmax(axis: -1), network(adversarial).softmax(axis: -1)) }
        let truth = labels.integers
        let fooled = truth.indices.filter { attack.goal.isMet(prediction: answer(after, $0).digit, label: truth[$0]) }
        let chosen = Array((fooled.count >= 8 ? fooled : Array(truth.indices)).prefix(8))
        var tiles: [Image] = []
        for i in chosen {
            let original = answer(before, i), attacked = answer(after, i)
            tiles.append(digitTile(images[i], caption: String(format: "%d %.2f", original.digit, original.probability)))
            var difference = Image((adversarial[i] - images[i]) * 10, scaling: .range(-1, 1), colormap: .diverging, upscale: 3)
            difference.drawText("x10", x: 2, y: 2, value: 0)
            tiles.append(difference)
            tiles.append(digitTile(adversarial[i], caption: String(format: "%d %.2f", attacked.digit, attacked.probability)))
        }
        return Image.grid(tiles, columns: 3, padding: 2, background: 128)
    }

    /// The one-pixel attack on every test digit each target gets right.
    private func onePixel(_ targets: [Target], on data: Subset<MNIST>, goal: AttackGoal) -> RunOutputs {
        let attack = OnePixelAttack(goal: goal)
        let (images, labels) = data.all()
        let truth = labels.integers
        var outputs = RunOutputs(
            title: "myelin attack \(targets.map(\.name).joined(separator: " ")) --method onepixel",
            summary:
                "Differential evolution looks for one pixel that changes the answer of \(targets.map(\.name).joined(separator: " and ")).",
            settings: [
                (
                    "method",
                    "one-pixel attack: differential evolution, \(attack.populationSize) candidates, at most \(attack.generations) generations, F \(attack.differentialWeight)"
                ),
                ("goal", target.map { "make every digit \(aDigit($0))" } ?? "any wrong answer"), ("test images", String(data.count)),
                ("seed", String(seed)),
            ])
        for target in targets {
            let prefix = targets.count > 1 ? "\(target.name) " : ""
            let generator = RandomGenerator(seed: seed)
            let predicted = withoutGrad { target.network(images).argmax(axis: -1).integers }
            // The digits it gets right (aimed at a digit: not that one already).
            let candidates = truth.indices.filter { predicted[$0] == truth[$0] && truth[$0] != self.target }
            var successes: [(index: Int, result: OnePixelAttack.Result)] = []
            var generations = 0
            var progress = ProgressBar(total: candidates.count, label: "\(prefix)images")
            for (n, i) in candidates.enumerated() {
                let result = attack.attack(images[i], label: truth[i], of: { target.network($0) }, generator: generator)
                generations += result.generationsRun
                if result.succeeded { successes.append((i, result)) }
                progress.update(n + 1)
            }
            progress.finish()
            let rate = candidates.isEmpty ? 0 : Double(successes.count) / Double(candidates.count)
            print(
                prefix
                    + String(
                        format:
                            "One pixel changed the answer of %d of the %d digits it got right (%.1f %%); %.1f generations of %d candidates on average.",
                        successes.count, candidates.count, 100 * rate, Double(generations) / Double(max(candidates.count, 1)),
                        attack.populationSize))
            for (i, result) in successes.prefix(10) {
                print(
                    "  test digit \(i), \(aDigit(truth[i])): pixel (\(result.row), \(result.column)) → \(String(format: "%.2f", result.values[0])) makes it \(aDigit(result.prediction)) (\(String(format: "%.2f", result.probability)))"
                )
            }
            outputs.metrics += [
                ("\(prefix)digits attacked", String(candidates.count)), ("\(prefix)one-pixel success rate", String(format: "%.4f", rate)),
            ]
            var tiles: [Image] = []
            for (i, result) in successes.prefix(8) {
                tiles.append(digitTile(images[i], caption: "\(truth[i])"))
                tiles.append(digitTile(result.adversarial, caption: String(format: "%d %.2f", result.prediction, result.probability)))
            }
            if !tiles.isEmpty {
                outputs.pictures.append(
                    RunPicture(
                        name: targets.count > 1 ? "adversarial-\(target.name)" : "adversarial",
                        caption: "\(prefix)test digit | the same digit with one pixel changed, with the answer and its probability",
                        image: Image.grid(tiles, columns: 2, padding: 2, background: 128)))
            }
        }
        return outputs
    }
}

/// "a 7", "an 8".
private func aDigit(_ digit: Int) -> String { digit == 8 ? "an 8" : "a \(digit)" }

/// Row `i`'s most probable digit and its probability.
private func answer(_ probabilities: Tensor, _ i: Int) -> (digit: Int, probability: Float) {
    let row = probabilities[i].scalars
    let digit = row.indices.max { row[$0] < row[$1] }!
    return (digit, row[digit])
}
