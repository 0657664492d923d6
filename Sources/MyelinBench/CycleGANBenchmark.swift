import Myelin
import MyelinModels

/// CycleGAN on zebra digits as `myelin train cyclegan` trains it by default: the default networks
/// (G 16 maps, 3 residual blocks; D 32 maps), batch 16 of each domain drawn from the first 2,000
/// training digits of each, Adam(2e-4, betas 0.5/0.999), one step = CycleGANTrainer.step (the
/// generators' update, then the discriminators' with the pools). Steps 1–5 warm up; training samples/s
/// (the digits of one domain per step, as the command's epochs count them) over steps 6–45, batch
/// assembly included.
func cycleGANWorkload() -> [String: Any] {
    let batchSize = 16, warmupSteps = 5, measuredSteps = 40
    let digits = ZebraDigits(loadMNIST(.train), seed: 2017, count: 2000)
    manualSeed(0)
    let cycleGAN = CycleGANTrainer(CycleGANConfiguration(), random: RandomGenerator(seed: 0), pools: RandomGenerator(seed: 2))
    let batches = UnpairedBatches(digits.plain, digits.zebra, batchSize: batchSize, generator: RandomGenerator(seed: 1))
        .makeEpochIterator(startingAt: 0)
    var last: CycleGANStepResult?
    var measured = Stopwatch()
    for step in 0..<(warmupSteps + measuredSteps) {
        if step == warmupSteps { measured.start() }
        let (a, b) = batches.next()!
        last = cycleGAN.step(a: a, b: b)
    }
    let seconds = measured.stop()
    return [
        "workload": "cyclegan",
        "samples_per_sec": rounded(Double(measuredSteps * batchSize) / seconds, 1),
        "steps_per_sec": rounded(Double(measuredSteps) / seconds, 2),
        "final_cycle_loss": rounded(Double(last!.cycleLoss), 4),
        "settings": [
            "batch": batchSize, "generator_width": 16, "residual_blocks": 3, "discriminator_width": 32, "optimizer": "Adam",
            "lr": 2e-4, "betas": [0.5, 0.999], "cycle_weight": 10, "identity_weight": 5, "pool": 50,
            "warmup_steps": warmupSteps, "measured_steps": measuredSteps,
        ] as [String: Any],
    ]
}
