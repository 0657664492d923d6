extension Tensor {
    /// Uniform in [low, high).
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        generator: RandomGenerator = .global
    ) -> Tensor {
        Tensor(uninitializedShape: shape) { buf in
            generator.fill(buf) { RandomGenerator.uniform($0, low, high) }
        }
    }

    /// Uniform in [0, 1) (PyTorch's `rand`).
    public static func rand(_ shape: [Int], generator: RandomGenerator = .global) -> Tensor {
        uniform(shape, generator: generator)
    }

    /// Normal with the given mean and standard deviation (PyTorch's `randn` for the defaults).
    public static func randn(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        generator: RandomGenerator = .global
    ) -> Tensor {
        Tensor(uninitializedShape: shape) { buf in
            for i in buf.indices { buf[i] = mean + std * generator.normal() }
        }
    }

    /// `value` (1 unless given) with probability `p`, else 0 (float32). Dropout's mask is
    /// `bernoulli(shape, probability: keep, value: 1 / keep)`. Large tensors are drawn block by block
    /// on all threads (`RandomGenerator.fillInBlocks`): the same values on any thread count.
    public static func bernoulli(
        _ shape: [Int], probability p: Float, value: Float = 1,
        generator: RandomGenerator = .global
    ) -> Tensor {
        precondition(p >= 0 && p <= 1, "bernoulli: probability \(p) is outside [0, 1]")
        return Tensor(uninitializedShape: shape) { buf in
            generator.fillInBlocks(buf, BernoulliDraw(probability: p, value: value))
        }
    }

    /// A random permutation of 0..<n as int64 (PyTorch's `randperm`).
    public static func randperm(_ n: Int, generator: RandomGenerator = .global) -> Tensor {
        Tensor(shape: [n], integers: generator.permutation(n))
    }
}

/// `value` where a draw's uniform float falls below `probability`, else 0.
private struct BernoulliDraw: DrawValue {
    let probability, value: Float

    @inline(__always)
    func callAsFunction(_ draw: UInt64) -> Float { RandomGenerator.unit(draw) < probability ? value : 0 }
}
