/// What it takes to rebuild CycleGAN's four networks for 28×28 digits (Zhu et al. 2017, scaled
/// down): the generators' width and residual blocks, the discriminators' width, the loss weights
/// and the image pools' size. A checkpoint stores it as JSON.
///
/// - Each generator (G_AB, G_BA) is the paper's ResNet encoder–decoder: a 7×7 convolution to
///   `generatorWidth` maps, two stride-2 convolutions (28 → 14 → 7, doubling the maps each time),
///   `residualBlocks` residual blocks at 7×7, two transposed convolutions back to 28×28 and a 7×7
///   convolution to one channel with tanh; instance norm and ReLU after every inner convolution.
/// - Each discriminator (D_A, D_B) is a PatchGAN: two stride-2 4×4 convolutions (`discriminatorWidth`,
///   then twice as many maps; instance norm on the second; LeakyReLU 0.2) and a 4×4 convolution to a
///   6×6 map of real/fake scores, each seeing a 22×22 patch of the digit.
public struct CycleGANConfiguration: NetworksConfiguration, Sendable {
    public static var kind: String { "CycleGAN" }

    /// Maps after the generators' first convolution (×2 at 14×14, ×4 at 7×7).
    public var generatorWidth: Int
    /// Residual blocks at 7×7 in each generator.
    public var residualBlocks: Int
    /// Maps after the discriminators' first convolution (×2 after the second).
    public var discriminatorWidth: Int
    /// λ, the weight of the cycle-consistency loss (the paper's 10).
    public var cycleWeight: Float
    /// The weight of the identity loss (the paper's 0.5·λ).
    public var identityWeight: Float
    /// Past fakes each discriminator's pool keeps (the paper's 50; 0: none).
    public var poolSize: Int

    public init(
        generatorWidth: Int = 16, residualBlocks: Int = 3, discriminatorWidth: Int = 32, cycleWeight: Float = 10,
        identityWeight: Float? = nil, poolSize: Int = 50
    ) {
        self.generatorWidth = generatorWidth
        self.residualBlocks = residualBlocks
        self.discriminatorWidth = discriminatorWidth
        self.cycleWeight = cycleWeight
        self.identityWeight = identityWeight ?? 0.5 * cycleWeight
        self.poolSize = poolSize
    }

    /// Side of the square images the networks take and make.
    public static let imageSide = 28

    /// The shape of one image: [1, 28, 28].
    public static let imageShape = [1, imageSide, imageSide]

    /// Side of a discriminator's map of scores.
    public static let patchMapSide = 6

    /// Why no networks can be built from this configuration (a file may hold anything), or nil if they can.
    public var problem: String? {
        if let bad = [generatorWidth, discriminatorWidth].first(where: { $0 < 1 || $0 > 1 << 12 }) {
            return "the width \(bad) is not in 1…4096"
        }
        if residualBlocks < 0 || residualBlocks > 64 { return "\(residualBlocks) residual blocks is not in 0…64" }
        if poolSize < 0 || poolSize > 1 << 16 { return "a pool of \(poolSize) images is not in 0…65536" }
        if !(cycleWeight >= 0 && cycleWeight.isFinite && identityWeight >= 0 && identityWeight.isFinite) {
            return "the loss weights \(cycleWeight) and \(identityWeight) must be finite numbers ≥ 0"
        }
        return nil
    }

    /// "G 16 maps, 3 residual blocks; D 32 maps; λ 10, identity 5; pools of 50": for messages.
    public var summary: String {
        "G \(generatorWidth) maps, \(residualBlocks) residual blocks; D \(discriminatorWidth) maps; λ \(cycleWeight.formatted), identity \(identityWeight.formatted); pools of \(poolSize)"
    }
}

extension Float {
    /// 10 as "10", 0.5 as "0.5".
    fileprivate var formatted: String { self == rounded() && abs(self) < 1e6 ? String(Int(self)) : String(self) }
}
