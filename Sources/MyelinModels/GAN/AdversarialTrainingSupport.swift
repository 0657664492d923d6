import MyelinNN
import MyelinTensor

// What the GAN and CycleGAN share in training: a generator's update through discriminators that
// stay as they are, and the DCGAN paper's initialisation.

/// Runs `body` with the parameters of `modules` not requiring gradients, then restores them: the
/// backward pass through them then makes only their inputs' gradients (PyTorch computes their
/// weight gradients there and discards them).
func withFrozen<R>(_ modules: [Module], _ body: () throws -> R) rethrows -> R {
    let parameters = modules.flatMap(\.parameters)
    let before = parameters.map(\.requiresGrad)
    for p in parameters { p.requiresGrad = false }
    defer { for (p, wanted) in zip(parameters, before) { p.requiresGrad = wanted } }
    return try body()
}

/// DCGAN's initialisation, which CycleGAN's reference code uses too: every weight ~ N(0, 0.02),
/// batch-norm scales ~ N(1, 0.02), biases 0.
func initializeAsDCGAN(_ network: Module, random: RandomGenerator) {
    for (_, module) in network.namedModules {
        let mean: Float = module is BatchNorm ? 1 : 0
        for (name, tensor) in module.ownParameters {
            if name == "weight" { Initializers.normal(tensor, mean: mean, std: 0.02, generator: random) } else { tensor.fill(0) }
        }
    }
}
