import Foundation
import MyelinModels
import MyelinNN
import MyelinTensor
import Testing

/// VGG16, GoogLeNet, ResNet-18 and Network-in-Network against torchvision (Fixtures/architectures.json,
/// made by Tools/make_architecture_fixtures.py): the same state-dict names and shapes, and, with the
/// same weights, the same eval-mode outputs to 1e-4.
@Suite struct ArchitectureFixtureTests {
    struct Fixture: Decodable {
        var inputShape: [Int]
        var stateDict: [StateEntry]
        var output: [Float]
        var aux1: [Float]?
        var aux2: [Float]?

        enum CodingKeys: String, CodingKey {
            case inputShape = "input_shape", stateDict = "state_dict", output, aux1, aux2
        }
    }

    /// A state-dict entry: its name and shape, as the JSON's [name, [dims]].
    struct StateEntry: Decodable {
        var name: String
        var shape: [Int]

        init(from decoder: Decoder) throws {
            var container = try decoder.unkeyedContainer()
            name = try container.decode(String.self)
            shape = try container.decode([Int].self)
        }
    }

    static let fixtures: [String: Fixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/architectures.json")
        let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var fixtures: [String: Fixture] = [:]
        for (key, value) in object where value is [String: Any] {
            fixtures[key] = try! JSONDecoder().decode(Fixture.self, from: JSONSerialization.data(withJSONObject: value))
        }
        return fixtures
    }()

    /// The tool's FNV-1a hash of a tensor's name: its stream's seed.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0x811C_9DC5
        for byte in text.utf8 { hash = ((hash ^ UInt64(byte)) &* 0x0100_0193) & 0xFFFF_FFFF }
        return hash
    }

    /// The tool's `count` numbers in [0, 1) for `name`: (i · 2654435761 + seed) mod 2³², over 2³², exactly.
    static func uniform(_ name: String, _ count: Int) -> [Double] {
        let seed = fnv1a(name)
        return (0..<count).map { i in Double((UInt64(i) &* 2_654_435_761 &+ seed) & 0xFFFF_FFFF) / 4_294_967_296 }
    }

    /// The value the tool gives the tensor `name` of `shape`, computed as it does in double.
    static func fixtureValue(_ name: String, _ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let u = uniform(name, count)
        let values: [Double]
        if shape.count >= 2 {
            let scale = 2 * (6 / Double(count / shape[0])).squareRoot()
            values = u.map { ($0 - 0.5) * scale }
        } else if name.hasSuffix("running_var") {
            values = u.map { 0.8 + 0.4 * $0 }
        } else if name.hasSuffix("weight") {
            values = u.map { 1 + 0.2 * ($0 - 0.5) }
        } else {
            values = u.map { 0.2 * ($0 - 0.5) }
        }
        return Tensor(shape: shape, scalars: values.map { Float($0) })
    }

    static func check(_ model: Module, against key: String) throws {
        let fixture = try #require(fixtures[key], "no fixture \(key)")
        let state = model.stateDict
        #expect(state.map(\.0) == fixture.stateDict.map(\.name), "\(key): the state dict's names differ from torchvision's")
        #expect(state.map(\.1.shape) == fixture.stateDict.map(\.shape), "\(key): the state dict's shapes differ from torchvision's")
        var values: [String: Tensor] = [:]
        for (name, tensor) in state {
            values[name] = tensor.dtype == .float32 ? fixtureValue(name, tensor.shape) : tensor
        }
        try model.loadStateDict(values)
        model.eval()
        let input = Tensor(shape: fixture.inputShape, scalars: uniform("input", fixture.inputShape.reduce(1, *)).map { Float($0 - 0.5) })
        func expectMatch(_ got: Tensor, _ expected: [Float], _ what: String) {
            let largest = expected.map(abs).max() ?? 0
            let difference = zip(got.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(got.count == expected.count && difference <= 1e-4 * max(1, largest), "\(key) \(what): off by \(difference)")
        }
        withoutGrad {
            if let googlenet = model as? GoogLeNet, let aux1 = fixture.aux1, let aux2 = fixture.aux2 {
                let outputs = googlenet.forwardWithAuxiliary(input)
                expectMatch(outputs.logits, fixture.output, "logits")
                expectMatch(outputs.aux1, aux1, "aux1")
                expectMatch(outputs.aux2, aux2, "aux2")
            } else {
                expectMatch(model(input), fixture.output, "logits")
            }
        }
    }

    @Test func vgg16() throws { try Self.check(VGG16(), against: "vgg16") }
    @Test func googlenet() throws { try Self.check(GoogLeNet(), against: "googlenet") }
    @Test func resnet18() throws { try Self.check(ResNet18(), against: "resnet18") }
    @Test func networkInNetwork() throws { try Self.check(NetworkInNetwork(), against: "nin") }

    /// The fixtures' inputs are too small for the automatic choice to take Winograd, which ResNet and
    /// VGG run on at ImageNet size: forced onto every 3×3 convolution of stride 1, they still match.
    @Test func withWinogradConvolutions() throws {
        try ConvolutionAlgorithm.with(.winograd) {
            try Self.check(VGG16(), against: "vgg16")
            try Self.check(ResNet18(), against: "resnet18")
        }
    }
}
