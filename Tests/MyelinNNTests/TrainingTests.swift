import MyelinNN
import Testing

/// Plain gradient descent written out, so these tests need nothing beyond MyelinNN.
func gradientDescentStep(_ parameters: [Tensor], learningRate: Float) {
    withoutGrad {
        for p in parameters {
            guard let g = p.grad else { continue }
            p.assign(p - g * learningRate)
            p.zeroGrad()
        }
    }
}

let xorInputs = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
let xorTargets = Tensor(shape: [4, 1], scalars: [0, 1, 1, 0])

func accuracy(logits: Tensor, targets: Tensor) -> Float {
    // Predict 1 where the logit is ≥ 0: the Step layer.
    let predictions = Step()(logits).scalars
    let hits = zip(predictions, targets.scalars).filter { $0 == $1 }.count
    return Float(hits) / Float(targets.count)
}

@Suite struct TrainingSmokeTests {
    @Test func twoLayerNetworkLearnsXOR() {
        let g = RandomGenerator(seed: 90)
        let model = Sequential {
            Linear(2, 8, generator: g); Tanh(); Linear(8, 1, generator: g)
        }
        var loss: Float = .infinity
        for _ in 0..<2000 {
            let l = binaryCrossEntropyWithLogits(model(xorInputs), xorTargets)
            l.backward()
            gradientDescentStep(model.parameters, learningRate: 0.5)
            loss = l.item
        }
        #expect(loss < 0.05)
        #expect(accuracy(logits: model(xorInputs), targets: xorTargets) == 1)
    }

    @Test func reluNetworkLearnsXORWithMeanSquaredError() {
        let g = RandomGenerator(seed: 91)
        let model = Sequential {
            Linear(2, 16, generator: g); ReLU(); Linear(16, 1, generator: g); Sigmoid()
        }
        var loss: Float = .infinity
        for _ in 0..<3000 {
            let l = mseLoss(model(xorInputs), xorTargets)
            l.backward()
            gradientDescentStep(model.parameters, learningRate: 1)
            loss = l.item
        }
        #expect(loss < 0.05)
    }

    @Test func singleLayerPerceptronCannotLearnXOR() {
        // XOR is not linearly separable: any line gets at most 3 of the 4 points right.
        let perceptron = Linear(2, 1, generator: RandomGenerator(seed: 92))
        var best: Float = 0, lastLoss: Float = .infinity
        for _ in 0..<2000 {
            let logits = perceptron(xorInputs)
            best = Swift.max(best, accuracy(logits: logits, targets: xorTargets))
            let l = binaryCrossEntropyWithLogits(logits, xorTargets)
            l.backward()
            gradientDescentStep(perceptron.parameters, learningRate: 0.5)
            lastLoss = l.item
        }
        #expect(best <= 0.75)
        // The best a linear model can do on the logistic loss is log 2 (every output ½).
        #expect(lastLoss > 0.69)
    }

    @Test func perceptronRuleLearnsAND() {
        // Rosenblatt's rule on a linearly separable problem, with the Step activation.
        let layer = Linear(2, 1, generator: RandomGenerator(seed: 93))
        let targets = Tensor(shape: [4, 1], scalars: [0, 0, 0, 1])
        let model = Sequential {
            layer; Step()
        }
        for _ in 0..<50 {
            withoutGrad {
                let error = targets - model(xorInputs)
                layer.weight.assign(layer.weight + (error.T.matmul(xorInputs)) * 0.1)
                layer.bias!.assign(layer.bias! + error.sum(axis: 0) * 0.1)
            }
        }
        #expect(model(xorInputs).scalars == [0, 0, 0, 1])
    }
}
