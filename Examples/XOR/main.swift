// XOR: no single line separates (0,1) and (1,0) from (0,0) and (1,1), so one perceptron fails
// however long it trains. A hidden layer of two or more units bends the boundary and solves it.
//
//   swift run -c release xor
import Myelin

let inputs = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
let targets = Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])

// 1. One perceptron with the perceptron learning rule: it never gets all four right.
let weights = Tensor([0, 0]), bias = Tensor([0])
var bestCorrect = 0
for _ in 0..<100 {
    for i in 0..<4 {
        let error = targets[i].item - (matmul(inputs[i], weights) + bias).heaviside().item
        weights.assign(weights + inputs[i] * (0.1 * error))
        bias.assign(bias + 0.1 * error)
    }
    let outputs = (matmul(inputs, weights) + bias).heaviside().scalars
    bestCorrect = max(bestCorrect, zip(outputs, targets.scalars).filter { $0 == $1 }.count)
}
print("One perceptron, 100 epochs: at best \(bestCorrect) of 4 correct — XOR is not linearly separable.\n")

// 2. A two-layer network trained by backpropagation.
manualSeed(3)
let model = Sequential {
    Linear(2, 4); Tanh()
    Linear(4, 1)
}
let optimizer = SGD(model.parameters, learningRate: 0.5, momentum: 0.9)
for step in 1...300 {
    let loss = binaryCrossEntropyWithLogits(model(inputs), targets)
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
    if step % 50 == 0 { print("step \(step): loss \(loss.item)") }
}
let probabilities = withoutGrad { model(inputs).sigmoid().scalars }
print("\n x1 x2 | XOR | network")
for (i, p) in probabilities.enumerated() {
    let row = inputs[i].scalars.map { Int($0) }
    print("  \(row[0])  \(row[1]) |  \(Int(targets[i].item))  | \(String(format: "%.3f", p)) → \(p > 0.5 ? 1 : 0)")
}
