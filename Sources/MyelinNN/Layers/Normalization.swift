/// The batch normalisation shared by `BatchNorm1d` and `BatchNorm2d` (PyTorch's `_BatchNorm`):
/// create one of those.
///
/// In training it normalises with the batch's statistics and updates the running ones; in
/// evaluation it uses the running statistics (or the batch's, without `trackRunningStatistics`).
/// State-dict names are PyTorch's: `weight`, `bias`, `running_mean`, `running_var`,
/// `num_batches_tracked` (an int64 scalar); without `affine` there is no weight and bias, without
/// `trackRunningStatistics` no running statistics (nil, as PyTorch's None).
public class BatchNorm: Module, ActivationFusing {
    /// γ, initially 1 (nil without `affine`).
    @Parameter public var weight: Tensor?
    /// β, initially 0 (nil without `affine`).
    @Parameter public var bias: Tensor?
    /// Running statistics, initially 0 and 1 (nil without `trackRunningStatistics`).
    @Buffer public var runningMean: Tensor?
    @Buffer public var runningVariance: Tensor?
    /// Training batches seen so far (an int64 scalar; nil without `trackRunningStatistics`).
    @Buffer public var numBatchesTracked: Tensor?

    public let features: Int
    public let epsilon: Float
    /// The weight of each new batch in the running statistics; nil for a cumulative average.
    public let momentum: Float?

    /// Synchronised batch norm: in training, the statistics are those of the batch that several
    /// processes hold slices of, with this function summing each per-channel array across them
    /// (`DataParallel(synchronizingBatchNorm: true)` sets it). Nil normalises this process's batch alone.
    public var sumAcrossProcesses: (([Double]) -> [Double])?

    /// The subclass's name, for messages.
    private let name: String

    init(name: String, features: Int, epsilon: Float, momentum: Float?, affine: Bool, trackRunningStatistics: Bool) {
        precondition(features > 0, "\(name): features must be positive, got \(features)")
        self.name = name
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        weight = affine ? Tensor.ones([features]) : nil
        bias = affine ? Tensor.zeros([features]) : nil
        let track = trackRunningStatistics
        runningMean = track ? Tensor.zeros([features]) : nil
        runningVariance = track ? Tensor.ones([features]) : nil
        numBatchesTracked = track ? Tensor.zeros([], dtype: .int64) : nil
    }

    /// Whether the layer scales and shifts its output (has `weight` and `bias`).
    public var affine: Bool { weight != nil }
    /// Whether the layer keeps running statistics for evaluation.
    public var trackRunningStatistics: Bool { runningMean != nil }

    /// PyTorch's names for the buffers.
    public override var ownBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", numBatchesTracked)]
            .compactMap { name, tensor in tensor.map { (name, $0) } }
    }

    /// Stops unless `shape` is an input this layer accepts (the subclasses' rank check).
    func checkRank(_ shape: [Int]) {}

    public override func forward(_ input: Tensor) -> Tensor { forward(input, activation: .none) }

    /// The normalisation followed by `activation`, in the same pass (`Sequential` fuses a ReLU that
    /// follows this layer).
    public func forward(_ input: Tensor, activation: FusedActivation) -> Tensor {
        checkRank(input.shape)
        precondition(
            input.shape[1] == features,
            "\(name): input shape \(input.shape) has \(input.shape[1]) channels, but the layer has \(features) features")
        // Frozen, it normalises by the statistics it has, in training too, and keeps them.
        let learning = isTraining && !isFrozen
        let useBatchStatistics = learning || !trackRunningStatistics
        precondition(
            !useBatchStatistics || input.count / features > 1,
            "\(name): expected more than 1 value per channel when training, got input shape \(input.shape)")
        var factor = momentum ?? 0
        if learning, let numBatchesTracked {
            let count = numBatchesTracked.storage.base.assumingMemoryBound(to: Int64.self) + numBatchesTracked.offset
            count.pointee += 1
            if momentum == nil { factor = 1 / Float(count.pointee) }
        }
        return batchNorm(
            input, runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias,
            training: useBatchStatistics, momentum: factor, epsilon: epsilon, sumAcrossProcesses: sumAcrossProcesses,
            activation: activation)
    }
}

/// Batch normalisation over the features of [N, C] or [N, C, L] inputs.
///
/// Shapes: [N, C] or [N, C, L] → the same; weight, bias, running statistics [C].
public final class BatchNorm1d: BatchNorm {
    public init(
        _ features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
        trackRunningStatistics: Bool = true
    ) {
        super.init(
            name: "BatchNorm1d", features: features, epsilon: epsilon, momentum: momentum, affine: affine,
            trackRunningStatistics: trackRunningStatistics)
    }

    override func checkRank(_ shape: [Int]) {
        precondition(
            shape.count == 2 || shape.count == 3,
            "BatchNorm1d: expected a 2-D or 3-D input [N, C] or [N, C, L], got shape \(shape)")
    }
}

/// Batch normalisation over the channels of images.
///
/// Shapes: [N, C, H, W] → the same; weight, bias, running statistics [C].
public final class BatchNorm2d: BatchNorm {
    public init(
        _ features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
        trackRunningStatistics: Bool = true
    ) {
        super.init(
            name: "BatchNorm2d", features: features, epsilon: epsilon, momentum: momentum, affine: affine,
            trackRunningStatistics: trackRunningStatistics)
    }

    override func checkRank(_ shape: [Int]) {
        precondition(shape.count == 4, "BatchNorm2d: expected a 4-D input [N, C, H, W], got shape \(shape)")
    }
}

/// Instance normalisation (Ulyanov et al. 2016): each image's channel normalised by its own mean and
/// biased variance over H×W, the same in training and evaluation (PyTorch's `InstanceNorm2d` with its
/// defaults: no running statistics). With `affine`, a per-channel scale `weight` (1) and shift `bias` (0).
///
/// Shapes: [N, C, H, W] → the same; weight, bias [C].
public final class InstanceNorm2d: Module {
    /// γ, initially 1 (nil without `affine`).
    @Parameter public var weight: Tensor?
    /// β, initially 0 (nil without `affine`).
    @Parameter public var bias: Tensor?

    public let features: Int
    public let epsilon: Float

    public init(_ features: Int, epsilon: Float = 1e-5, affine: Bool = false) {
        precondition(features > 0, "InstanceNorm2d: features must be positive, got \(features)")
        self.features = features
        self.epsilon = epsilon
        weight = affine ? Tensor.ones([features]) : nil
        bias = affine ? Tensor.zeros([features]) : nil
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "InstanceNorm2d: expected a 4-D input [N, C, H, W], got shape \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        precondition(c == features, "InstanceNorm2d: input shape \(input.shape) has \(c) channels, but the layer has \(features) features")
        precondition(h * w > 1, "InstanceNorm2d: expected more than 1 value per channel, got input shape \(input.shape)")
        // Every (image, channel) plane is a channel of a batch of one: batch norm's fused kernels do the rest.
        let planes = batchNorm(input.reshaped([1, n * c, h, w]), runningMean: nil, runningVariance: nil, training: true, epsilon: epsilon)
        let normalized = planes.reshaped([n, c, h, w])
        guard let weight, let bias else { return normalized }
        return normalized * weight.reshaped([1, c, 1, 1]) + bias.reshaped([1, c, 1, 1])
    }
}
