// The first program of Myelin's design: an MLP on MNIST, one epoch, then its test accuracy.
// Reads the project's Data/mnist (or the folder given as the first argument).
//
//   swift run -c release mnist-mlp [DATA_DIR]
import Foundation
import Myelin

let dataDirectory = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
do {
    let data = try MNIST(split: .train, directory: dataDirectory)
    let testData = try MNIST(split: .test, directory: dataDirectory)

    let model = Sequential {
        Flatten()
        Linear(784, 256); ReLU()
        Linear(256, 10)
    }
    let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
    var step = 0
    for (images, labels) in DataLoader(data, batchSize: 128, shuffle: true) {
        let loss = crossEntropy(model(images), labels)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        step += 1
        if step % 100 == 0 { print("step \(step): loss \(loss.item)") }
    }

    model.eval()
    let (images, labels) = testData.all()
    let predictions = withoutGrad { model(images).argmax(axis: 1) }
    let correct = zip(predictions.integers, labels.integers).filter { $0 == $1 }.count
    print("test accuracy after one epoch: \(Double(correct) / Double(testData.count))")
} catch {
    print("mnist-mlp: \(error)")
    exit(1)
}
