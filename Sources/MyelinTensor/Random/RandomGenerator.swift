/// A seedable source of random numbers (xoshiro256**), so every run can be reproduced.
///
/// Pass one to initialisers, dropout and data loaders, or use `RandomGenerator.global`, which
/// `manualSeed(_:)` resets like PyTorch's `torch.manual_seed`.
public final class RandomGenerator: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    /// A second normal sample left over from Box–Muller.
    private var spareNormal: Float?

    /// The generator used where none is passed. It is one object for the whole process (reseed it
    /// with `manualSeed`); like PyTorch's default generator it is not meant to be drawn from by
    /// several threads at once — give each thread its own generator.
    nonisolated(unsafe) public static let global = RandomGenerator(seed: 0)

    public init(seed: UInt64) {
        state = RandomGenerator.expand(seed)
    }

    /// Restarts the stream from `seed`, in place (holders of this generator see the new stream).
    public func reseed(_ seed: UInt64) {
        state = RandomGenerator.expand(seed)
        spareNormal = nil
    }

    /// SplitMix64 spreads the seed over the 256-bit state (an all-zero state would be stuck).
    private static func expand(_ seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The number of words in `snapshot`.
    public static let snapshotCount = 5

    /// The full state, to save with a checkpoint and restore for an exact resume.
    public var snapshot: [UInt64] {
        get { [state.0, state.1, state.2, state.3, spareNormal.map { UInt64($0.bitPattern) | (1 << 32) } ?? 0] }
        set {
            precondition(
                newValue.count == Self.snapshotCount, "RandomGenerator.snapshot: needs \(Self.snapshotCount) words, got \(newValue.count)")
            state = (newValue[0], newValue[1], newValue[2], newValue[3])
            spareNormal = newValue[4] >> 32 == 1 ? Float(bitPattern: UInt32(truncatingIfNeeded: newValue[4])) : nil
        }
    }

    @inline(__always)
    public func next() -> UInt64 { Self.advance(&state) }

    /// One xoshiro256** step of `s`, returning its output.
    @inline(__always)
    private static func advance(_ s: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
        @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Sets each element of `buffer`, in order, to `value` of the next draw: the same stream as
    /// calling `next()` once per element, with the state kept in registers across the loop rather
    /// than stored back to the object after every draw (dropout draws a mask element per activation).
    @inline(__always)
    public func fill(_ buffer: UnsafeMutableBufferPointer<Float>, _ value: (UInt64) -> Float) {
        var s = state
        for i in buffer.indices { buffer[i] = value(Self.advance(&s)) }
        state = s
    }

    /// Like `fill`, for large buffers (a dropout mask per activation): the generator gives one draw,
    /// and every block of `blockSize` elements then draws from a stream of its own, made from that
    /// draw and the block's index, so that the blocks are filled on all the pool's threads and the
    /// result still depends only on the generator's state, never on the thread count. A buffer of
    /// fewer than two blocks is filled by `fill`, from the generator's own stream. `value` is a type
    /// rather than a closure so that it is compiled into the loop, which runs on other threads.
    public func fillInBlocks<Value: DrawValue>(_ buffer: UnsafeMutableBufferPointer<Float>, _ value: Value) {
        let blockSize = Self.blockSize, blocks = (buffer.count + blockSize - 1) / blockSize
        guard blocks >= 2 else { return fill(buffer) { value($0) } }
        let seed = next()
        parallelFor(blocks, grain: 1) { first, end in
            for block in first..<end {
                var s = Self.expand(seed &+ UInt64(block))
                for i in (block * blockSize)..<Swift.min((block + 1) * blockSize, buffer.count) {
                    buffer[i] = value(Self.advance(&s))
                }
            }
        }
    }

    /// Elements per stream in `fillInBlocks`: enough to make a hand-off to another thread pay.
    public static let blockSize = 1 << 14

    public func nextUInt64() -> UInt64 { next() }

    /// Uniform in [0, 1), with 24 random bits (every float32 step in [0.5, 1) is reachable).
    @inline(__always)
    public func uniform() -> Float { Self.unit(next()) }

    /// A draw's top 24 bits as a float in [0, 1).
    @inline(__always)
    public static func unit(_ draw: UInt64) -> Float { Float(draw >> 40) * 0x1p-24 }

    /// Uniform in [low, high).
    public func uniform(_ low: Float, _ high: Float) -> Float { Self.uniform(next(), low, high) }

    /// A draw as a float in [low, high).
    @inline(__always)
    public static func uniform(_ draw: UInt64, _ low: Float, _ high: Float) -> Float { low + (high - low) * unit(draw) }

    /// Standard normal, by the Box–Muller transform.
    public func normal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = Float(next() >> 40 + 1) * 0x1p-24  // (0, 1]: log stays finite
        let u2 = uniform()
        let radius = (-2 * LibM.log(u1)).squareRoot()
        let angle = 2 * Float.pi * u2
        spareNormal = radius * LibM.sin(angle)
        return radius * LibM.cos(angle)
    }

    /// Uniform integer in 0..<bound, without modulo bias.
    public func integer(below bound: Int) -> Int {
        precondition(bound > 0, "integer(below:): bound must be positive, got \(bound)")
        var generator = self  // a class: this is the same generator, made mutable for the protocol method
        return Int(generator.next(upperBound: UInt64(bound)))
    }

    /// A random permutation of 0..<n (Fisher–Yates).
    public func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, integer(below: i + 1)) }
        return p
    }
}

/// Reseeds the global generator (PyTorch's `torch.manual_seed`).
public func manualSeed(_ seed: UInt64) {
    RandomGenerator.global.reseed(seed)
}

/// What a random float is made from one 64-bit draw (`RandomGenerator.fillInBlocks`).
public protocol DrawValue {
    func callAsFunction(_ draw: UInt64) -> Float
}
