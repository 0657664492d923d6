import CMyelinKernels
import Testing

extension KernelTests {
    /// A gate-major gradient's columns summed into a table by index (a recurrence's token table):
    /// each sum must take its columns in order, the same bits as a plain loop, on every path; blocks
    /// cut short in both directions (13 rows, 21 columns), and nothing written past the table's width.
    @Test func scatterAddColumnsSumsEachColumnInOrder() {
        let (width, count, ld, ldSums, groupCount) = (13, 21, 29, 17, 4)
        var floats = SeededFloats(seed: 41)
        let gradient = floats.array(width * ld)
        let groups: [Int64] = (0..<count).map { Int64(($0 * 7 + $0 / 3) % groupCount) }
        let start = floats.array(groupCount * ldSums)
        var want = start
        for k in 0..<count {
            for j in 0..<width { want[Int(groups[k]) * ldSums + j] += gradient[j * ld + k] }
        }
        onEveryPath { path in
            var sums = start
            myelin_scatter_add_columns(groups, Int64(count), gradient, Int64(ld), Int64(width), &sums, Int64(ldSums))
            #expect(sums == want, "\(name(path))")
        }
    }
}
