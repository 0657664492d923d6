// LeNet-5 (LeCun et al., 1998) on MNIST: the first convolutional network to read digits well.
// A convolution slides a small filter over the image, so the same stroke detector works at every
// position; max pooling then keeps the strongest response in each 2×2 patch, so a stroke that
// moves by a pixel still counts. Two rounds of that, then three linear layers: one epoch of SGD
// reaches ≈ 0.98 test accuracy.
//
//   swift run -c release lenet [DATA_DIR]
import Foundation
import Myelin
import MyelinModels

let dataDirectory = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
do {
    let data = try MNIST(split: .train, directory: dataDirectory)  // images [1, 28, 28] in [0, 1]
    let testData = try MNIST(split: .test, directory: dataDirectory)

    manualSeed(0)
    // 1×28×28 → conv 5×5 (padding 2) → 6×28×28 → pool → 6×14×14
    //         → conv 5×5             → 16×10×10 → pool → 16×5×5 → 120 → 84 → 10 logits
    let model = LeNet()
    print("LeNet-5: \(model.parameterCount) parameters")
    let optimizer = SGD(model.parameters, learningRate: 0.05, momentum: 0.9)

    let loader = DataLoader(data, batchSize: 64, shuffle: true)
    let start = Date()
    var step = 0, lossSum: Float = 0
    for (images, labels) in loader {  // images [64, 1, 28, 28], labels [64]
        let loss = crossEntropy(model(images), labels)
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

    // No dropout or batch norm here, so eval() changes nothing, but it is the habit to keep.
    model.eval()
    let confusion = ConfusionMatrix(of: { model($0) }, on: testData, batchSize: 1000)
    print(String(format: "epoch 1: test accuracy %.4f (trained in %.0f s)\n", confusion.accuracy, seconds))
    print(confusion.table)
} catch {
    print("lenet: \(error)")
    exit(1)
}
