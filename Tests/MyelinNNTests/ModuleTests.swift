import MyelinNN
import MyelinTestSupport
import Testing

// Small modules written the way a user writes them.

/// A model whose layers live in a `Sequential` property named `layers`.
final class TwoLayer: Module {
    let layers: Sequential

    init(seed: UInt64 = 1) {
        let g = RandomGenerator(seed: seed)
        layers = Sequential {
            Linear(3, 4, generator: g); ReLU(); Linear(4, 2, generator: g)
        }
    }

    override func forward(_ input: Tensor) -> Tensor { layers(input) }
}

/// A module with its own parameter, a buffer, a nested module and an array of modules.
class Network: Module {
    @Parameter var scale: Tensor
    @Buffer var runningMean: Tensor
    let encoder: TwoLayer
    let blocks: [Linear]

    init(seed: UInt64 = 2) {
        let g = RandomGenerator(seed: seed)
        scale = Tensor.uniform([2], generator: g)
        runningMean = Tensor.uniform([2], generator: g)
        encoder = TwoLayer(seed: seed + 100)
        blocks = [Linear(2, 2, generator: g), Linear(2, 2, bias: false, generator: g), Linear(2, 1, generator: g)]
    }

    override func forward(_ input: Tensor) -> Tensor {
        var x = encoder(input) * scale - runningMean
        for block in blocks { x = block(x).tanh() }
        return x
    }
}

/// Inherits `Network`'s parameters and sub-modules and adds its own.
final class ExtendedNetwork: Network {
    @Parameter var extra: Tensor
    let head: Dropout

    override init(seed: UInt64 = 3) {
        extra = Tensor.zeros([3])
        head = Dropout(0.5)
        super.init(seed: seed)
    }
}

/// Only buffers, like a normalisation layer's running statistics.
final class RunningStatistics: Module {
    @Buffer var mean: Tensor = Tensor.zeros([3])
    @Buffer var count: Tensor = Tensor(scalar: 0)
    override init() {}
}

@Suite struct ModuleNamingTests {
    @Test func tiedParametersAreListedOnce() {
        // The same layer used twice: one parameter for the optimizer (as PyTorch's
        // named_parameters), both names in the state dict (as PyTorch's state_dict).
        let shared = Linear(1, 1, bias: false)
        shared.weight.assign(Tensor([[3]]))
        let model = Sequential {
            shared; shared
        }
        #expect(model.namedParameters.map(\.0) == ["0.weight"])
        #expect(model.parameters.count == 1 && model.parameters[0] === shared.weight)
        #expect(model.parameterCount == 1)
        #expect(model.stateDict.map(\.0) == ["0.weight", "1.weight"])
        // y = w·(w·x) with x = 1: dy/dw = 2w = 6, both uses contributing to the one gradient.
        model(Tensor([[1]])).sum().backward()
        #expect(shared.weight.grad?.scalars == [6])
    }

    @Test func sequentialPropertyNamedLayers() {
        let model = TwoLayer()
        #expect(model.namedParameters.map(\.0) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        #expect(model.namedChildren.map(\.0) == ["layers"])
        #expect(model.layers.namedChildren.map(\.0) == ["0", "1", "2"])
        #expect(model.parameters.count == 4)
        #expect(model.parameterCount == 3 * 4 + 4 + 4 * 2 + 2)
        // The named tensors are the layers' own (no copies).
        #expect(model.namedParameters[2].1 === (model.layers[2] as! Linear).weight)
    }

    @Test func nestedModulesArraysAndBuffers() {
        let model = Network()
        let expected = [
            "scale",
            "encoder.layers.0.weight", "encoder.layers.0.bias", "encoder.layers.2.weight", "encoder.layers.2.bias",
            "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.2.weight", "blocks.2.bias",
        ]
        #expect(model.namedParameters.map(\.0) == expected)
        #expect(model.parameters.count == 10)
        #expect(model.parameterCount == 2 + 26 + 6 + 4 + 3)
        #expect(model.namedChildren.map(\.0) == ["encoder", "blocks.0", "blocks.1", "blocks.2"])
        #expect(
            model.namedModules.map(\.0) == [
                "", "encoder", "encoder.layers", "encoder.layers.0", "encoder.layers.1",
                "encoder.layers.2", "blocks.0", "blocks.1", "blocks.2",
            ])
        #expect(model.namedModules[3].1 === model.encoder.layers[0])
        // Buffers are state, not parameters.
        let stateNames = model.stateDict.map(\.0)
        #expect(stateNames.contains("runningMean"))
        #expect(!model.namedParameters.map(\.0).contains("runningMean"))
        #expect(Set(stateNames) == Set(expected + ["runningMean"]))
        #expect(stateNames.count == 11)
        #expect(model.stateDict.first { $0.0 == "runningMean" }!.1 === model.runningMean)
        #expect(!model.runningMean.requiresGrad)
        #expect(model.scale.requiresGrad)
    }

    @Test func inheritedParametersComeFirst() {
        let model = ExtendedNetwork()
        let names = model.namedParameters.map(\.0)
        // As PyTorch's named_parameters: a module's own parameters (superclass's first), then its
        // children's, in declaration order.
        #expect(Array(names.prefix(3)) == ["scale", "extra", "encoder.layers.0.weight"])
        #expect(names.last == "blocks.2.bias")
        #expect(names.count == 11)
        #expect(names.filter { $0.hasPrefix("blocks.") }.count == 5)
        #expect(model.namedChildren.map(\.0) == ["encoder", "blocks.0", "blocks.1", "blocks.2", "head"])
        #expect(model.stateDict.count == 12)
    }

    @Test func nestedSequentials() {
        let model = Sequential {
            Sequential {
                Linear(2, 3); Tanh()
            }
            Linear(3, 1)
        }
        #expect(model.namedParameters.map(\.0) == ["0.0.weight", "0.0.bias", "1.weight", "1.bias"])
        #expect(model.count == 2)
        #expect(model(Tensor.zeros([4, 2])).shape == [4, 1])
    }

    @Test func resultBuilderControlFlow() {
        let deep = true
        let model = Sequential {
            for _ in 0..<3 { Linear(4, 4); ReLU() }
            if deep { Linear(4, 2) } else { Linear(4, 3) }
            if !deep { Dropout() }
        }
        #expect(model.count == 7)
        #expect(model.namedParameters.map(\.0).last == "6.bias")
        #expect(model(Tensor.zeros([1, 4])).shape == [1, 2])
    }

    @Test func buffersOnly() {
        let stats = RunningStatistics()
        #expect(stats.parameters.isEmpty)
        #expect(stats.stateDict.map(\.0) == ["mean", "count"])
    }
}

@Suite struct StateDictTests {
    func values(_ module: Module) -> [[Float]] { module.stateDict.map { $0.1.scalars } }
    func dictionary(_ module: Module) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: module.stateDict.map { ($0.0, $0.1.contiguousCopy()) })
    }

    @Test func roundTrip() throws {
        let source = Network(seed: 10), target = Network(seed: 20)
        #expect(values(source) != values(target))
        let x = Tensor.randn([4, 3], generator: RandomGenerator(seed: 60))
        try target.loadStateDict(Dictionary(uniqueKeysWithValues: source.stateDict))
        #expect(values(source) == values(target))
        #expect(target(x).scalars == source(x).scalars)
        // Values were copied into the target's own tensors, which still require gradients.
        #expect(target.scale !== source.scale)
        source.scale.fill(42)
        #expect(target.scale.scalars != [42, 42])
        #expect(target.parameters.allSatisfy { $0.requiresGrad })
    }

    @Test func missingTensorThrowsAndChangesNothing() {
        let source = Network(seed: 10), target = Network(seed: 20)
        let before = values(target)
        var dict = dictionary(source)
        dict["blocks.2.bias"] = nil
        #expect(throws: StateDictError(receiver: "Network", name: "blocks.2.bias", problem: .missing)) { try target.loadStateDict(dict) }
        #expect(values(target) == before)
        // Buffers are required too.
        var noBuffer = dictionary(source)
        noBuffer["runningMean"] = nil
        #expect(throws: StateDictError(receiver: "Network", name: "runningMean", problem: .missing)) { try target.loadStateDict(noBuffer) }
        #expect(values(target) == before)
    }

    @Test func unexpectedTensorThrowsAndChangesNothing() {
        let source = Network(seed: 10), target = Network(seed: 20)
        let before = values(target)
        var dict = dictionary(source)
        dict["blocks.3.weight"] = Tensor.zeros([2, 2])
        #expect(throws: StateDictError(receiver: "Network", name: "blocks.3.weight", problem: .unexpected)) {
            try target.loadStateDict(dict)
        }
        #expect(values(target) == before)
    }

    @Test func shapeMismatchThrowsAndChangesNothing() {
        let source = Network(seed: 10), target = Network(seed: 20)
        let before = values(target)
        var dict = dictionary(source)
        dict["encoder.layers.2.weight"] = Tensor.zeros([4, 2])
        #expect(
            throws: StateDictError(
                receiver: "Network", name: "encoder.layers.2.weight",
                problem: .shapeMismatch(expected: [2, 4], found: [4, 2]))
        ) {
            try target.loadStateDict(dict)
        }
        #expect(values(target) == before)
        // The messages name the tensor, the receiver and both shapes.
        let error = { (problem: StateDictError.Problem) in "\(StateDictError(receiver: "LeNet", name: "a.b", problem: problem))" }
        #expect(
            error(.shapeMismatch(expected: [2, 4], found: [4, 2]))
                == "tensor 'a.b' has shape [4, 2] in the state dict, but LeNet needs [2, 4]")
        #expect(error(.missing) == "LeNet needs tensor 'a.b', which the state dict does not have")
        #expect(error(.unexpected) == "the state dict has a tensor 'a.b' that LeNet does not have")
        #expect(error(.missingCounter) == "LeNet needs counter 'a.b', which the state dict does not have")
    }

    @Test func bufferRoundTrip() throws {
        let stats = RunningStatistics()
        try stats.loadStateDict(["mean": Tensor([1, 2, 3]), "count": Tensor(scalar: 5)])
        #expect(stats.mean.scalars == [1, 2, 3])
        #expect(stats.count.item == 5)
        #expect(dictionary(stats)["mean"]!.scalars == [1, 2, 3])
    }
}

@Suite struct TrainingModeTests {
    @Test func trainAndEvalPropagateToEveryDescendant() {
        let model = ExtendedNetwork()
        func all(_ m: Module) -> [Module] { [m] + m.namedChildren.flatMap { all($0.1) } }
        #expect(all(model).count == 1 + 1 + 1 + 3 + 3 + 1)
        #expect(all(model).allSatisfy { $0.isTraining })
        model.eval()
        #expect(all(model).allSatisfy { !$0.isTraining })
        model.train()
        #expect(all(model).allSatisfy { $0.isTraining })
        // A child switched on its own does not affect its parent.
        model.head.eval()
        #expect(model.isTraining && !model.head.isTraining)
    }

    @Test func dropoutInEvaluationIsTheIdentity() {
        let dropout = Dropout(0.5, generator: RandomGenerator(seed: 61))
        let x = Tensor.randn([100], generator: RandomGenerator(seed: 62))
        dropout.eval()
        #expect(dropout(x).scalars == x.scalars)
        let model = Sequential {
            Linear(4, 4); Dropout(0.9); Linear(4, 2)
        }
        let input = Tensor.randn([3, 4], generator: RandomGenerator(seed: 63))
        model.eval()
        let a = model(input).scalars
        #expect(model(input).scalars == a)
        #expect(Dropout(0)(x).scalars == x.scalars)
    }

    @Test(arguments: [Float(0.1), 0.3, 0.5, 0.8])
    func dropoutInTraining(p: Float) {
        let n = 100_000
        let dropout = Dropout(p, generator: RandomGenerator(seed: 64))
        let x = Tensor.ones([n])
        x.requiresGrad = true
        let y = dropout(x)
        let values = y.scalars
        let zeros = values.filter { $0 == 0 }.count
        // The zeroed fraction is binomial: standard error √(p(1−p)/n) ≤ 0.0016; allow 0.01 (≥ 6σ).
        #expect(Swift.abs(Float(zeros) / Float(n) - p) < 0.01)
        // Survivors are scaled by 1/(1 − p) exactly.
        let scale = 1 / (1 - p)
        #expect(values.allSatisfy { $0 == 0 || Swift.abs($0 - scale) <= 1e-6 * scale })
        // The expected value is preserved: mean ≈ 1, standard error √(p/((1−p)n)) ≤ 0.0064; allow 0.03.
        let mean = values.reduce(0, +) / Float(n)
        #expect(Swift.abs(mean - 1) < 0.03)
        // The gradient is the same mask.
        y.sum().backward()
        #expect(x.grad!.scalars == values)
    }

    @Test func dropoutIsSeededAndFreshEachCall() {
        let x = Tensor.ones([1000])
        let a = Dropout(0.5, generator: RandomGenerator(seed: 65))
        let b = Dropout(0.5, generator: RandomGenerator(seed: 65))
        let first = a(x).scalars
        #expect(first == b(x).scalars)
        #expect(a(x).scalars != first)
    }
}

@Suite struct EvaluatingTests {
    @Test func runsInEvaluationModeWithoutGradientsAndRestoresTheMode() {
        let model = Sequential {
            Linear(4, 4); Dropout(0.5)
        }
        let x = Tensor.ones([2, 4])
        // Dropout is off inside: two calls agree, and nothing is recorded.
        let (first, second) = model.evaluating { (model(x), model(x)) }
        #expect(first.scalars == second.scalars)
        #expect(!first.requiresGrad)
        #expect(model.isTraining && model.layers[1].isTraining, "a training module goes back to training")
        model.eval()
        _ = model.evaluating { model(x) }
        #expect(!model.isTraining, "a module in evaluation mode stays there")
    }
}

@Suite struct InputGradientOfAModelTests {
    // A model in evaluation mode, as an explanation or an attack uses it: the input's gradient is
    // the one backward() gives, the parameters' gradients and the batch-norm statistics stay as
    // they were, and dropout is off.
    @Test func aModelInEvaluationModeIsAConstantFunctionOfItsInput() {
        let g = RandomGenerator(seed: 5)
        let model = Sequential {
            Conv2d(1, 3, kernelSize: 3, padding: 1, generator: g)
            BatchNorm2d(3)
            ReLU()
            Dropout(0.5)
            Flatten()
            Linear(3 * 4 * 4, 2, generator: g)
        }
        _ = model(uniform([4, 1, 4, 4], g))  // some running statistics
        model.eval()
        let statistics = model.stateDict.map(\.1.scalars)
        let x = uniform([2, 1, 4, 4], g)
        let slope = gradient(at: x) { model($0).sum() }
        #expect(model.parameters.allSatisfy { $0.grad == nil })
        #expect(model.stateDict.map(\.1.scalars) == statistics)
        let recorded = leaf(x)
        model(recorded).sum().backward()
        #expect(slope.scalars == recorded.grad!.scalars)
        #expect(slope.scalars.contains { $0 != 0 })
    }
}
