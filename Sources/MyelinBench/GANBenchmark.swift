import Myelin
import MyelinModels

/// W5: the MLP GAN on MNIST in [−1, 1], as ../shared/bench/torch/w5_gan.py: batch 64, z ~ N(0, 1)^64,
/// Adam(2e-4, betas 0.5/0.999) for both networks, one GAN step = GANTrainer.step (W5's D step then
/// G step on the same fake). Real batches are the next 64 of one permutation of 60,000, wrapping at
/// 59,968 (937 full batches). Steps 1–10 warm up; GAN steps/s over steps 11–310, batch assembly
/// and the noise draw included, as the script times them. `conditional` (the `cgan` line): the same
/// networks told each digit, as `myelin train gan --conditional` trains them (G takes the label's
/// embedding beside z, D projects its features onto another), the fakes drawn as the real batch's digits.
func ganWorkload(conditional: Bool = false) -> [String: Any] {
    let batchSize = 64, warmupSteps = 10, measuredSteps = 300
    var train = loadMNIST(.train, scaling: .symmetric)
    train.imageShape = [784]
    manualSeed(0)
    var configuration = GANConfiguration.w5
    configuration.conditional = conditional
    let gan = GANTrainer(configuration)
    let order = RandomGenerator(seed: 0).permutation(train.count)
    let wrap = train.count / batchSize * batchSize  // 59,968
    var last = GANStepResult(
        discriminatorLoss: .nan, generatorLoss: .nan, realScore: .nan, fakeScore: .nan,
        fakeScoreAfterUpdate: .nan)
    var measured = Stopwatch()
    for step in 0..<(warmupSteps + measuredSteps) {
        if step == warmupSteps { measured.start() }
        let begin = step * batchSize % wrap
        let (real, labels) = train.batch(at: Array(order[begin..<begin + batchSize]))
        last = gan.step(real: real, noise: Tensor.randn([batchSize, GANConfiguration.w5.noiseSize]), labels: conditional ? labels : nil)
    }
    let seconds = measured.stop()
    return [
        "workload": conditional ? "cgan" : "gan",
        "gan_steps_per_sec": rounded(Double(measuredSteps) / seconds, 2),
        "final_lossD": rounded(Double(last.discriminatorLoss), 4),
        "final_lossG": rounded(Double(last.generatorLoss), 4),
        "settings": [
            "batch": batchSize, "zdim": GANConfiguration.w5.noiseSize, "optimizer": "Adam", "lr": 2e-4,
            "betas": [0.5, 0.999], "input_scale": "[-1,1]", "z": "N(0,1)", "warmup_steps": warmupSteps,
            "measured_steps": measuredSteps, "conditional": conditional,
        ] as [String: Any],
    ]
}
