// The ConvNet of PyTorch's MNIST example: two 3×3 convolutions, max pooling, a wide linear layer,
// and dropout twice. One epoch of Adam reaches ≈ 0.98 test accuracy.
//
// Dropout is the point of this example. In training it zeroes a random 25 % (after the
// convolutions) and 50 % (after the first linear layer) of the activations and scales the rest up
// to keep their sum, so no unit can lean on any one other: every batch trains a different thinned
// network. To test we want the whole, deterministic network: `model.eval()` turns dropout off and
// `model.train()` turns it back on. Forgetting eval() gives noisy, worse predictions.
//
//   swift run -c release mnist-cnn [DATA_DIR]
import Foundation
import Myelin
import MyelinModels

let dataDirectory = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
do {
    let data = try MNIST(split: .train, directory: dataDirectory)  // images [1, 28, 28] in [0, 1]
    let testData = try MNIST(split: .test, directory: dataDirectory)

    manualSeed(0)
    // 1×28×28 → conv 3×3 → 32×26×26 → conv 3×3 → 64×24×24 → pool → 64×12×12 → dropout 0.25
    //         → 9216 → 128 → dropout 0.5 → 10 log-probabilities (it ends in logSoftmax)
    let model = MNISTConvNet()
    print("MNISTConvNet: \(model.parameterCount) parameters")
    let optimizer = Adam(model.parameters, learningRate: 1e-3)

    let loader = DataLoader(data, batchSize: 64, shuffle: true)
    let start = Date()
    var step = 0, lossSum: Float = 0
    model.train()  // dropout on (a new module starts in training mode)
    for (images, labels) in loader {  // images [64, 1, 28, 28], labels [64]
        // The model already outputs log-probabilities, so the loss is nllLoss, not crossEntropy
        // (which would apply logSoftmax a second time).
        let loss = nllLoss(model(images), labels)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        step += 1
        lossSum += loss.item
        if step % 100 == 0 || step == loader.count {
            print(String(format: "step %3d/%d  mean loss %.4f", step, loader.count, lossSum / Float(step)))
        }
    }
    let seconds = Date().timeIntervalSince(start)

    // The same test set, scored with dropout still on, then as it should be, with dropout off.
    let withDropout = ConfusionMatrix(of: { model($0) }, on: testData, batchSize: 1000)
    model.eval()
    let confusion = ConfusionMatrix(of: { model($0) }, on: testData, batchSize: 1000)
    print(String(format: "test accuracy in train mode (dropout on, forgot eval()): %.4f", withDropout.accuracy))
    print(String(format: "epoch 1: test accuracy %.4f in eval mode (trained in %.0f s)\n", confusion.accuracy, seconds))
    print(confusion.table)
} catch {
    print("mnist-cnn: \(error)")
    exit(1)
}
