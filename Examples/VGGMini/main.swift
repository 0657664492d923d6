// VGG-mini: the VGG recipe (Simonyan & Zisserman, 2014) at MNIST size. Each block is two 3×3
// convolutions, each followed by batch normalisation and ReLU, then 2×2 max pooling; global
// average pooling and one linear layer classify. One epoch of Adam reaches ≈ 0.98.
//
// Two things to watch:
// - Augmentation: every training batch is shifted by up to 2 pixels at random, so each epoch
//   shows new variants of the digits and the network learns that position does not matter.
// - BatchNorm's two modes. In training it normalises each channel with the current batch's mean
//   and variance, and keeps running averages of them; `model.eval()` makes it use those averages
//   instead. Only then does an image's prediction depend on the image alone, not on which other
//   images share its batch. The end of the program shows what goes wrong without eval().
//
//   swift run -c release vgg-mini [DATA_DIR]
import Foundation
import Myelin
import MyelinModels

let dataDirectory = CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
do {
    let data = try MNIST(split: .train, directory: dataDirectory)  // images [1, 28, 28] in [0, 1]
    let testData = try MNIST(split: .test, directory: dataDirectory)

    manualSeed(0)
    // 1×28×28 → block 16 → 16×14×14 → block 32 → 32×7×7 → block 64 → 64×3×3 → average → 64 → 10 logits
    let model = VGGMini(widths: [16, 32, 64])
    print("VGGMini: \(model.parameterCount) parameters")
    let optimizer = Adam(model.parameters, learningRate: 1e-3)

    // Augment the training loader only: the test images are scored as they are.
    let loader = DataLoader(data, batchSize: 64, shuffle: true, augmentation: [.shift(maxPixels: 2)])
    let start = Date()
    var step = 0, lossSum: Float = 0
    model.train()  // BatchNorm uses batch statistics
    for (images, labels) in loader {  // images [64, 1, 28, 28], shifted; labels [64]
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

    model.eval()  // BatchNorm uses its running averages
    let confusion = ConfusionMatrix(of: { model($0) }, on: testData, batchSize: 1000)
    print(String(format: "epoch 1: test accuracy %.4f in eval mode (trained in %.0f s)", confusion.accuracy, seconds))

    // Without eval(), the answers depend on the batch. Mixed batches of 1000 have about the
    // statistics of the training data and do as well (after one epoch even a little better: the
    // running averages were gathered while the weights were still changing fast, and lag behind
    // them). But batches that hold a single digit are normalised against themselves, and what
    // that digit's images have in common is subtracted away. (Train mode also moves the running
    // averages, which is why this comes last.)
    model.train()
    let mixed = ConfusionMatrix(of: { model($0) }, on: testData, batchSize: 1000)
    let labels = testData.labels
    let byDigit = testData.subset(labels.indices.sorted { labels[$0] < labels[$1] })  // all 0s, then all 1s, …
    let oneDigit = ConfusionMatrix(of: { model($0) }, on: byDigit, batchSize: 100)
    print(
        String(
            format: "in train mode (forgot eval()): %.4f on mixed batches of 1000, %.4f on batches of one digit\n",
            mixed.accuracy, oneDigit.accuracy))
    print(confusion.table)
} catch {
    print("vgg-mini: \(error)")
    exit(1)
}
