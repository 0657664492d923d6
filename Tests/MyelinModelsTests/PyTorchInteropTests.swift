import Foundation
import Myelin
import MyelinModels
import Testing

/// PyTorch models saved with the `safetensors` package (Tools/make_interop_fixtures.py) load into
/// the same Myelin architectures by name and give PyTorch's logits for PyTorch's input batch.
@Suite struct PyTorchInteropTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Loads `NAME.safetensors` into `model` and checks its logits on `NAME-io.safetensors`'s input;
    /// returns the largest absolute difference.
    func largestDifference(_ name: String, _ model: Module) throws -> Float {
        let weights = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("\(name).safetensors"))
        try model.loadStateDict(weights.tensors)
        let io = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("\(name)-io.safetensors"))
        let input = try #require(io.tensor(named: "input")), expected = try #require(io.tensor(named: "logits"))
        model.eval()
        let logits = withoutGrad { model(input) }
        #expect(logits.shape == expected.shape)
        return zip(logits.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? .infinity
    }

    @Test func multilayerPerceptronMatchesPyTorch() throws {
        let difference = try largestDifference("mlp", multilayerPerceptron([64, 32, 16, 10]))
        #expect(difference < 1e-5, "largest logit difference \(difference)")
    }

    @Test func leNetMatchesPyTorch() throws {
        let difference = try largestDifference("lenet", LeNet())
        #expect(difference < 1e-5, "largest logit difference \(difference)")
    }

    @Test func aPyTorchFileOfAnotherArchitectureIsRefusedByName() throws {
        let weights = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("mlp.safetensors"))
        let wider = multilayerPerceptron([64, 40, 16, 10])
        let before = wider.parameters.map { $0.scalars }
        #expect(
            throws: StateDictError(receiver: "Sequential", name: "1.weight", problem: .shapeMismatch(expected: [40, 64], found: [32, 64]))
        ) {
            try wider.loadStateDict(weights.tensors)
        }
        #expect(wider.parameters.map { $0.scalars } == before, "a refused load changed the weights")
        #expect(throws: StateDictError(receiver: "LeNet", name: "features.0.weight", problem: .missing)) {
            try LeNet().loadStateDict(weights.tensors)
        }
    }
}
