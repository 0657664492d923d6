// An MLP on MNIST trained by `fit`: a progress bar per epoch, the validation loss and accuracy
// after each, early stopping, and the history of every figure it measured.
//
//   swift run -c release mnist-fit
import Foundation
import Myelin

do {
    let train = try MNIST(split: .train)
    let test = try MNIST(split: .test)
    let model = Sequential {
        Flatten()
        Linear(784, 256); ReLU()
        Linear(256, 10)
    }
    let history = try fit(
        model, optimizer: Adam(model.parameters, learningRate: 1e-3), loss: crossEntropy,
        on: DataLoader(train, batchSize: 64, shuffle: true), epochs: 5,
        validation: DataLoader(test, batchSize: 500), metrics: [.accuracy],
        callbacks: [EarlyStopping(monitor: "validation loss", patience: 2)])
    print(history.last("validation accuracy")!)
} catch {
    print("mnist-fit: \(error)")
    exit(1)
}
