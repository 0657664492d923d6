import Foundation
import MyelinNN
import MyelinTensor

/// Gatys et al.'s features for style transfer, from the zoo's `VGG16` with torchvision's trained
/// weights: the style is the Gram matrices after relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1, the
/// content the maps after relu4_2 (Gatys et al. used VGG19's layers of the same names). Pictures are
/// normalised with ImageNet's mean and standard deviation first, as torchvision's weights expect.
///
/// The weights come from a safetensors file that `Tools/torchvision_to_safetensors.py` made from
/// torchvision's `vgg16-397923af.pth`; only its `features.*` tensors are read.
///
/// Shapes: [N, 3, H, W] (H, W ≥ 16) with values in [0, 1] → the five style maps and the content map.
public final class VGG16StyleFeatures: Module, StyleFeatures {
    /// The convolutions, ReLUs and poolings of VGG16, with torchvision's indices.
    public let features: Sequential
    public let weightsFile: String
    /// relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 in torchvision's `features`.
    public static let styleIndices = [1, 6, 11, 18, 25]
    /// relu4_2.
    public static let contentIndex = 20

    /// VGG16's features with the weights of `url`. Throws an error naming the file when it cannot be
    /// read or does not hold VGG16's convolutions.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensors.read(contentsOf: url)
        let tensors = file.tensors.filter { $0.key.hasPrefix("features.") }
        guard !tensors.isEmpty else {
            throw StyleWeightsError(
                path: url.path,
                problem: "has no 'features.*' tensors, so it is not torchvision VGG16 weights (tensors: "
                    + "\(file.names.prefix(3).joined(separator: ", "))\(file.names.count > 3 ? ", …" : ""))")
        }
        features = VGG16.makeFeatures(generator: RandomGenerator(seed: 0))
        weightsFile = url.path
        super.init()
        do {
            try loadStateDict(tensors)
        } catch let error as StateDictError {
            throw StyleWeightsError(path: url.path, problem: "is not VGG16's features: \(error)")
        }
        freeze()
        eval()
    }

    public var summary: String {
        "VGG16 with torchvision's ImageNet weights from \(weightsFile); style: \(styleLayers.joined(separator: ", ")), content: \(contentLayer)"
    }

    public var styleLayers: [String] { Self.styleIndices.map(Self.layerName) }
    public var contentLayer: String { Self.layerName(Self.contentIndex) }
    /// relu5_1 comes after four poolings.
    public var smallestSide: Int { 16 }

    public func features(of images: Tensor) -> StyleFeatureMaps {
        precondition(images.rank == 4 && images.shape[1] == 3, "VGG16StyleFeatures: pictures must be [N, 3, H, W], got \(images.shape)")
        let mean = Tensor(shape: [1, 3, 1, 1], scalars: [0.485, 0.456, 0.406])
        let deviation = Tensor(shape: [1, 3, 1, 1], scalars: [0.229, 0.224, 0.225])
        var x = (images - mean) / deviation
        var style: [Tensor] = []
        var content: Tensor?
        for index in 0...(Self.styleIndices + [Self.contentIndex]).max()! {
            x = features[index](x)
            if Self.styleIndices.contains(index) { style.append(x) }
            if index == Self.contentIndex { content = x }
        }
        return StyleFeatureMaps(style: style, content: content!)
    }

    /// torchvision's index in `features` as VGG's layer name: 0 → conv1_1, 1 → relu1_1, 4 → pool1.
    public static func layerName(_ index: Int) -> String { layerNames[index] }

    /// The names of torchvision's 31 `features` layers.
    public static let layerNames: [String] = {
        var names: [String] = []
        for (block, widths) in VGG16.blocks.enumerated() {
            for convolution in 1...widths.count { names += ["conv\(block + 1)_\(convolution)", "relu\(block + 1)_\(convolution)"] }
            names.append("pool\(block + 1)")
        }
        return names
    }()
}

/// A weights file that does not hold the features a style transfer needs; says which file and why.
public struct StyleWeightsError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path) \(problem)" }
}
