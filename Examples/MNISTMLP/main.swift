// Myelin's first program: an MLP learns MNIST's handwritten digits in one epoch.
// Reads the project's Data/mnist, or the folder given as the first argument:
//
//   swift run -c release mnist-mlp [DATA_DIR]
import Foundation
import Myelin

let dataDirectory = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
do {
    let data = try MNIST(split: .train, directory: dataDirectory)
    let test = try MNIST(split: .test, directory: dataDirectory)
    let model = Sequential {
        Flatten()
        Linear(784, 256); ReLU()
        Linear(256, 10)
    }
    let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
    for (images, labels) in DataLoader(data, batchSize: 128, shuffle: true) {
        let loss = crossEntropy(model(images), labels)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
    }
    // Evaluation mode, no gradients: the fraction of test digits whose top score is their label.
    let accuracy = model.evaluating { classificationAccuracy(of: { model($0) }, on: test) }
    print("test accuracy after one epoch: \(accuracy)")
} catch {
    print("mnist-mlp: \(error)")
    exit(1)
}
