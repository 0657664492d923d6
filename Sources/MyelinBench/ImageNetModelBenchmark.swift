import Foundation
import Myelin
import MyelinModels

// vgg16 and resnet18: torchvision's VGG16 and ResNet-18 layouts (MyelinModels) at ImageNet size,
// batch 8 of 3×224×224, as Tools/imagenet_models_torch.py measures torchvision's: a forward pass in
// evaluation mode without gradients, and a training step (forward, cross-entropy, backward, SGD
// 0.01 with momentum 0.9), each one warm-up call and then the median of 3 timed calls.

func vgg16Workload() -> [String: Any] { imageNetWorkload("vgg16") { VGG16(generator: $0) } }
func resnet18Workload() -> [String: Any] { imageNetWorkload("resnet18") { ResNet18(generator: $0) } }

private func imageNetWorkload(_ name: String, make: (RandomGenerator) -> Module) -> [String: Any] {
    let batch = 8
    let g = RandomGenerator(seed: 0)
    let model = make(g)
    let images = Tensor.randn([batch, 3, 224, 224], generator: g)
    let labels = Tensor(integers: (0..<batch).map { $0 * 100 })
    func median(_ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<3 {
            var clock = Stopwatch()
            clock.start()
            body()
            times.append(clock.stop())
        }
        return times.sorted()[1]
    }
    model.eval()
    let forward = median { _ = withoutGrad { model(images) }.scalars.first }
    model.train()
    let optimizer = SGD(model.parameters, learningRate: 0.01, momentum: 0.9)
    var loss: Float = 0
    let step = median {
        let value = crossEntropy(model(images), labels)
        optimizer.zeroGrad()
        value.backward()
        optimizer.step()
        loss = value.item
    }
    return [
        "workload": name,
        "forward_images_per_sec": rounded(Double(batch) / forward, 2),
        "train_images_per_sec": rounded(Double(batch) / step, 2),
        "forward_s": rounded(forward, 3), "train_step_s": rounded(step, 3), "last_loss": rounded(Double(loss), 4),
        "settings": [
            "batch": batch, "input": "3x224x224 standard normal", "forward": "eval mode, no gradients",
            "train": "cross-entropy, SGD 0.01 momentum 0.9", "timing": "1 warm-up, median of 3",
        ] as [String: Any],
    ]
}
