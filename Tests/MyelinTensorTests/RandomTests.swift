import MyelinTensor
import Testing

// Statistical tolerances: with n = 100,000 independent samples the standard error of a mean is
// σ/√n ≈ 0.0032σ, so a 0.02σ tolerance is over 6 standard errors (a false failure about once in
// 10⁹ runs); the seeds are fixed, so each test is in fact deterministic.

@Suite struct RandomNumbers {
    let n = 100_000

    @Test func sameSeedSameNumbersDifferentSeedsDiffer() {
        let a = Tensor.randn([1000], generator: RandomGenerator(seed: 42))
        let b = Tensor.randn([1000], generator: RandomGenerator(seed: 42))
        let c = Tensor.randn([1000], generator: RandomGenerator(seed: 43))
        #expect(a.scalars == b.scalars)
        #expect(a.scalars != c.scalars)
        #expect(zip(a.scalars, c.scalars).filter { $0 == $1 }.count < 5)
        let u1 = RandomGenerator(seed: 0), u2 = RandomGenerator(seed: 0)
        #expect((0..<100).map { _ in u1.next() } == (0..<100).map { _ in u2.next() })
        #expect(RandomGenerator(seed: 0).next() != RandomGenerator(seed: 1).next())
    }

    @Test func uniformIsUniformOnTheUnitInterval() {
        let values = Tensor.rand([n], generator: RandomGenerator(seed: 1)).scalars
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(n)
        #expect(Swift.abs(mean - 0.5) < 0.006)  // σ = 1/√12 ≈ 0.289; 0.02σ
        // Each tenth of [0, 1) gets about a tenth of the samples (σ of a count: √(n·0.09) ≈ 95).
        var bins = [Int](repeating: 0, count: 10)
        for v in values { bins[Int(v * 10)] += 1 }
        #expect(bins.allSatisfy { Swift.abs($0 - n / 10) < 600 })
        let ranged = Tensor.uniform([n], low: -3, high: 5, generator: RandomGenerator(seed: 2)).scalars
        #expect(ranged.allSatisfy { $0 >= -3 && $0 < 5 })
        #expect(Swift.abs(ranged.reduce(0.0) { $0 + Double($1) } / Double(n) - 1) < 0.05)
        let g = RandomGenerator(seed: 3)
        #expect((0..<1000).map { _ in g.uniform(2, 3) }.allSatisfy { $0 >= 2 && $0 < 3 })
    }

    @Test func normalHasMeanZeroAndUnitSpread() {
        let values = Tensor.randn([n], generator: RandomGenerator(seed: 4)).scalars
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n - 1)
        #expect(Swift.abs(mean) < 0.02)  // 6 standard errors
        #expect(Swift.abs(variance.squareRoot() - 1) < 0.02)  // s.e. of s ≈ 1/√(2n) ≈ 0.0022
        #expect(values.allSatisfy { $0.isFinite })
        // About 68.3% within one σ (s.e. of a proportion ≈ 0.0015).
        let inside = Double(values.filter { Swift.abs($0) < 1 }.count) / Double(n)
        #expect(Swift.abs(inside - 0.6827) < 0.01)
        let shifted = Tensor.randn([n], mean: 3, std: 0.5, generator: RandomGenerator(seed: 5)).scalars
        #expect(Swift.abs(shifted.reduce(0.0) { $0 + Double($1) } / Double(n) - 3) < 0.01)
    }

    @Test func bernoulliFrequency() {
        let draws = Tensor.bernoulli([n], probability: 0.3, generator: RandomGenerator(seed: 6)).scalars
        #expect(draws.allSatisfy { $0 == 0 || $0 == 1 })
        let frequency = Double(draws.reduce(0, +)) / Double(n)
        #expect(Swift.abs(frequency - 0.3) < 0.01)  // s.e. √(0.21/n) ≈ 0.0014
        #expect(Tensor.bernoulli([100], probability: 0, generator: RandomGenerator(seed: 7)).scalars.allSatisfy { $0 == 0 })
        #expect(Tensor.bernoulli([100], probability: 1, generator: RandomGenerator(seed: 7)).scalars.allSatisfy { $0 == 1 })
    }

    @Test func fillDrawsTheSameStreamAsNext() {
        // Known xoshiro256** outputs pin the stream itself: checkpoints resume from it.
        #expect(RandomGenerator(seed: 0).next() == 0x99EC_5F36_CB75_F2B4)
        let a = RandomGenerator(seed: 12), b = RandomGenerator(seed: 12)
        var filled = [Float](repeating: -1, count: 37)
        filled.withUnsafeMutableBufferPointer { buf in a.fill(buf) { Float($0 >> 40) } }
        #expect(filled == (0..<37).map { _ in Float(b.next() >> 40) })
        #expect(a.next() == b.next())  // the state moved on by exactly 37 draws
        // Bernoulli's kept value, as dropout uses it: 1/keep where kept, else 0, the same draws.
        let mask = Tensor.bernoulli([1000], probability: 0.75, value: 4 / 3, generator: RandomGenerator(seed: 13))
        let ones = Tensor.bernoulli([1000], probability: 0.75, generator: RandomGenerator(seed: 13))
        #expect(mask.scalars == ones.scalars.map { $0 * (4 / 3) })
        #expect(Set(mask.scalars) == [0, Float(4) / 3])
    }

    @Test func fillInBlocksGivesTheSameValuesOnAnyThreadCount() {
        let count = 3 * RandomGenerator.blockSize + 5  // a partial last block
        func filled(threads: Int, seed: UInt64) -> (values: [Float], next: UInt64) {
            let g = RandomGenerator(seed: seed)
            var values = [Float](repeating: -1, count: count)
            Threads.withCount(threads) { values.withUnsafeMutableBufferPointer { buf in g.fillInBlocks(buf, UnitDraw()) } }
            return (values, g.next())
        }
        let one = filled(threads: 1, seed: 14), two = filled(threads: 2, seed: 14)
        #expect(one.values == two.values)
        #expect(one.values.allSatisfy { $0 >= 0 && $0 < 1 })
        // The generator gave exactly one draw, the blocks' seed.
        let g = RandomGenerator(seed: 14)
        _ = g.next()
        #expect(one.next == g.next())
        // Each block has a stream of its own, and another seed gives other values.
        let size = RandomGenerator.blockSize
        #expect(Array(one.values[0..<size]) != Array(one.values[size..<(2 * size)]))
        #expect(zip(one.values, filled(threads: 2, seed: 15).values).filter { $0 == $1 }.count < count / 1000)
        let mean = one.values.reduce(0.0) { $0 + Double($1) } / Double(count)
        #expect(Swift.abs(mean - 0.5) < 0.006)  // 0.02σ, over 4 standard errors at this count
        // A buffer under two blocks is `fill`'s stream.
        let a = RandomGenerator(seed: 16), b = RandomGenerator(seed: 16)
        var small = [Float](repeating: -1, count: size), expected = small
        small.withUnsafeMutableBufferPointer { buf in a.fillInBlocks(buf, UnitDraw()) }
        expected.withUnsafeMutableBufferPointer { buf in b.fill(buf) { RandomGenerator.unit($0) } }
        #expect(small == expected)
    }

    @Test func randpermIsAPermutation() {
        let p = Tensor.randperm(1000, generator: RandomGenerator(seed: 8))
        #expect(p.dtype == .int64 && p.shape == [1000])
        #expect(p.integers.sorted() == Array(0..<1000))
        #expect(p.integers != Array(0..<1000))
        #expect(Tensor.randperm(0, generator: RandomGenerator(seed: 8)).count == 0)
        #expect(Tensor.randperm(1, generator: RandomGenerator(seed: 8)).integers == [0])
        // Every position sees every value about equally often.
        let g = RandomGenerator(seed: 9)
        var firstCounts = [Int](repeating: 0, count: 4)
        for _ in 0..<4000 { firstCounts[g.permutation(4)[0]] += 1 }
        #expect(firstCounts.allSatisfy { Swift.abs($0 - 1000) < 150 })  // σ ≈ 27
        let h = RandomGenerator(seed: 10)
        let ints = (0..<10_000).map { _ in h.integer(below: 7) }
        #expect(ints.allSatisfy { (0..<7).contains($0) } && Set(ints).count == 7)
    }

    @Test func snapshotRestoresTheStream() {
        let g = RandomGenerator(seed: 11)
        _ = Tensor.randn([3], generator: g)  // odd count: a Box–Muller spare is pending
        let saved = g.snapshot
        let expected = (Tensor.randn([5], generator: g).scalars, Tensor.rand([4], generator: g).scalars, g.next())
        let restored = RandomGenerator(seed: 999)
        restored.snapshot = saved
        #expect(Tensor.randn([5], generator: restored).scalars == expected.0)
        #expect(Tensor.rand([4], generator: restored).scalars == expected.1)
        #expect(restored.next() == expected.2)
        // Restoring into the same generator rewinds it.
        g.snapshot = saved
        #expect(Tensor.randn([5], generator: g).scalars == expected.0)
        // A snapshot taken with no spare pending restores without one.
        let fresh = RandomGenerator(seed: 12)
        let noSpare = fresh.snapshot
        #expect(noSpare[4] == 0)
        let a = Tensor.randn([2], generator: fresh).scalars
        fresh.snapshot = noSpare
        #expect(Tensor.randn([2], generator: fresh).scalars == a)
    }
}

/// A draw as a float in [0, 1), for `fillInBlocks`.
private struct UnitDraw: DrawValue {
    func callAsFunction(_ draw: UInt64) -> Float { RandomGenerator.unit(draw) }
}
