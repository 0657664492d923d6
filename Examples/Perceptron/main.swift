// The single perceptron of the rabbit/unicorn example: two features, a step activation, and
// Rosenblatt's learning rule w ← w + η·(target − output)·x. It finds a line that separates the two
// kinds of animal, and prints it.
//
//   swift run -c release perceptron
import Myelin

// Two measurements per animal: ear length and horn length (cm). Rabbits have long ears and no
// horn; unicorns have shorter ears and a long horn. Label 1 = unicorn.
let generator = RandomGenerator(seed: 7)
var features: [[Float]] = [], labels: [Float] = []
for i in 0..<40 {
    let unicorn = i % 2 == 1
    let ear = unicorn ? generator.uniform(3, 7) : generator.uniform(6, 11)
    let horn = unicorn ? generator.uniform(5, 10) : generator.uniform(0, 3.5)
    features.append([ear, horn])
    labels.append(unicorn ? 1 : 0)
}
let x = Tensor(features), targets = Tensor(labels)

// The perceptron: output = step(w·x + b).
let weights = Tensor([0, 0]), bias = Tensor([0])
let learningRate: Float = 0.1
for epoch in 1...100 {
    var mistakes = 0
    for i in 0..<x.shape[0] {
        let input = x[i]
        let output = (matmul(input, weights) + bias).heaviside()
        let error = targets[i].item - output.item  // +1, 0 or −1
        if error != 0 {
            mistakes += 1
            weights.assign(weights + input * (learningRate * error))
            bias.assign(bias + learningRate * error)
        }
    }
    print("epoch \(epoch): \(mistakes) mistakes")
    if mistakes == 0 { break }
}

let w = weights.scalars, b = bias.item
print(String(format: "\nLearned: unicorn when %.2f·ear + %.2f·horn + %.2f ≥ 0", w[0], w[1], b))
print(String(format: "Separating line: horn = %.2f·ear + %.2f\n", -w[0] / w[1], -b / w[1]))

// A picture in the terminal: R = rabbit, U = unicorn, · = the line.
let columns = 56, rows = 20
var canvas = Array(repeating: Array(repeating: Character(" "), count: columns), count: rows)
func cell(ear: Float, horn: Float) -> (Int, Int) {
    (Int((ear - 2) / 10 * Float(columns - 1)), rows - 1 - Int(horn / 11 * Float(rows - 1)))
}
for c in 0..<columns {
    let ear = 2 + Float(c) / Float(columns - 1) * 10
    let horn = (-w[0] * ear - b) / w[1]
    let (_, r) = cell(ear: ear, horn: horn)
    if (0..<rows).contains(r) { canvas[r][c] = "·" }
}
for (f, label) in zip(features, labels) {
    let (c, r) = cell(ear: f[0], horn: f[1])
    if (0..<rows).contains(r) && (0..<columns).contains(c) { canvas[r][c] = label == 1 ? "U" : "R" }
}
print("horn ↑")
for row in canvas { print("  |" + String(row)) }
print("  +" + String(repeating: "-", count: columns) + "→ ear")
