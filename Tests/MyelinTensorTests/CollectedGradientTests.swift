import MyelinTestSupport
import Testing

@testable import MyelinTensor

/// `differentiable(_:_:result:addingCollectedTo:backward:)`: what an op that adds its inputs'
/// gradients so far is handed, and what `backward()` makes of what it returns.
@Suite struct CollectedGradientTests {
    /// y = probe(nil, x, x) + x. The addition's node runs first and gives x its gradient (ones);
    /// the probe then sees it at its first place for x, not at the missing input nor at x's second
    /// place, returns 2·g + collected there and 5·g at the second, and x's gradient is 3 + 5.
    @Test func anOpIsHandedWhatItsInputsHaveSoFar() {
        let x = leaf([1, 2, 3])
        var seen: [[Float]?] = []
        let probe = differentiable("probe", [nil, x, x], result: x.detached() * 2, addingCollectedTo: [0, 1, 2]) {
            g, collected in
            seen = collected.map { $0?.scalars }
            return [nil, g * 2 + collected[1]!, g * 5]
        }
        (probe + x).sum().backward()
        #expect(seen.count == 3)
        #expect(seen[0] == nil && seen[2] == nil, "the missing input and the repeated one get nothing: \(seen)")
        #expect(seen[1] == [1, 1, 1], "x's first place gets the addition's gradient: \(seen)")
        #expect(x.grad?.scalars == [8, 8, 8])
    }

    /// With no gradient before it (x used by the op alone), or for a position the op does not
    /// name, nothing is handed over and the op's gradient is added as any other.
    @Test func nothingIsHandedWhereThereIsNothingOrTheOpDoesNotAsk() {
        let x = leaf([1, -1])
        var seen: [[Float]?] = []
        let alone = differentiable("alone", [x], result: x.detached() * 3, addingCollectedTo: [0]) { g, collected in
            seen = collected.map { $0?.scalars }
            return [g * 3]
        }
        alone.sum().backward()
        #expect(seen.count == 1 && seen[0] == nil)
        #expect(x.grad?.scalars == [3, 3])

        let y = leaf([1, -1])
        let unasked = differentiable("unasked", [y], result: y.detached() * 3, addingCollectedTo: []) { g, collected in
            seen = collected.map { $0?.scalars }
            return [g * 3]
        }
        (unasked + y).sum().backward()
        #expect(seen.count == 1 && seen[0] == nil)
        #expect(y.grad?.scalars == [4, 4])
    }
}
