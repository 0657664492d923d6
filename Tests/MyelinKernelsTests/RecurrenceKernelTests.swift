import CMyelinKernels
import Testing

extension KernelTests {
    /// The recurrence kernel's backward pass stores the gates' gradients row by row or gate-major, as
    /// its caller asks (MyelinTensor asks gate-major only for RNN and LSTM from tokens, so the layer
    /// tests never reach GRU's gate-major branch): the same bits either way, for every cell, on every
    /// path and on 1 and 2 threads, with a batch that two threads split unevenly.
    @Suite struct Recurrence {
        @Test(arguments: [MYELIN_CELL_RNN_TANH.rawValue, MYELIN_CELL_LSTM.rawValue, MYELIN_CELL_GRU.rawValue])
        func gateMajorGradientsAreTheRowsTransposed(cellValue: UInt32) {
            let cell = myelin_cell(rawValue: cellValue)
            let gateCount = cell == MYELIN_CELL_LSTM ? 4 : cell == MYELIN_CELL_GRU ? 3 : 1
            let (steps, batch, hidden) = (5, 9, 13)
            let rows = steps * batch, width = gateCount * hidden
            let stateWidth = cell == MYELIN_CELL_LSTM ? hidden : cell == MYELIN_CELL_GRU ? width : 0
            var rng = SeededFloats(seed: UInt64(17 + cellValue))
            let weight = rng.array(width * hidden).map { $0 * 0.5 }, bias = rng.array(width)
            let h0 = rng.array(batch * hidden), c0 = rng.array(batch * hidden)
            let inputSide = rng.array(rows * width)
            let gradHidden = rng.array(rows * hidden), gradLastHidden = rng.array(batch * hidden)
            let gradLastCell = rng.array(batch * hidden)
            let hasCell = cell == MYELIN_CELL_LSTM
            let ldRows = width + 3, ldGateMajor = rows + 5
            let threadsBefore = myelin_thread_count()
            defer { myelin_set_thread_count(threadsBefore) }
            onEveryPath { path in
                for threads: Int32 in [1, 2] {
                    myelin_set_thread_count(threads)
                    var shape = myelin_recurrence_shape(
                        cell: cell, steps: Int64(steps), batch: Int64(batch), hidden: Int64(hidden), reverse: 0)
                    var gates = inputSide, states = [Float](repeating: 0, count: max(rows * stateWidth, 1))
                    var hiddenStates = [Float](repeating: 0, count: rows * hidden)
                    states.withUnsafeMutableBufferPointer { states in
                        myelin_recurrence_forward(
                            &shape, weight, bias, h0, hasCell ? c0 : nil, nil, nil, &gates,
                            stateWidth > 0 ? states.baseAddress : nil, &hiddenStates, nil, nil)
                    }
                    // Row by row, then gate-major; NaN wherever nothing should be written.
                    var results: [(gates: [Float], hiddenGates: [Float], h0: [Float], c0: [Float])] = []
                    for gateMajor in [false, true] {
                        let count = gateMajor ? width * ldGateMajor : rows * ldRows
                        var gradGates = [Float](repeating: .nan, count: count), gradHiddenGates = gradGates
                        var gradH0 = [Float](repeating: .nan, count: batch * hidden), gradC0 = gradH0
                        states.withUnsafeBufferPointer { states in
                            gradHiddenGates.withUnsafeMutableBufferPointer { gradHiddenGates in
                                gradC0.withUnsafeMutableBufferPointer { gradC0 in
                                    myelin_recurrence_backward(
                                        &shape, weight, h0, hasCell ? c0 : nil, gates,
                                        stateWidth > 0 ? states.baseAddress : nil, hiddenStates, gradHidden, gradLastHidden,
                                        hasCell ? gradLastCell : nil, &gradGates,
                                        cell == MYELIN_CELL_GRU ? gradHiddenGates.baseAddress : nil,
                                        Int64(gateMajor ? ldGateMajor : ldRows), gateMajor ? 1 : 0, &gradH0,
                                        hasCell ? gradC0.baseAddress : nil)
                                }
                            }
                        }
                        results.append((gradGates, gradHiddenGates, gradH0, gradC0))
                    }
                    let (byRows, byGates) = (results[0], results[1])
                    var differing = 0, unwritten = 0
                    for r in 0..<rows {
                        for j in 0..<width {
                            let a = byRows.gates[r * ldRows + j], b = byGates.gates[j * ldGateMajor + r]
                            if a.isNaN { unwritten += 1 }
                            if a.bitPattern != b.bitPattern { differing += 1 }
                            guard cell == MYELIN_CELL_GRU else { continue }
                            let c = byRows.hiddenGates[r * ldRows + j], d = byGates.hiddenGates[j * ldGateMajor + r]
                            if c.isNaN { unwritten += 1 }
                            if c.bitPattern != d.bitPattern { differing += 1 }
                        }
                    }
                    // The padding past each row (row by row) and past each gate's row (gate-major) is never written.
                    var padding = 0
                    for r in 0..<rows { for j in width..<ldRows where !byRows.gates[r * ldRows + j].isNaN { padding += 1 } }
                    for j in 0..<width {
                        for r in rows..<ldGateMajor where !byGates.gates[j * ldGateMajor + r].isNaN { padding += 1 }
                    }
                    let context = "\(name(path)), \(threads) thread(s)"
                    #expect(padding == 0, "\(context): \(padding) floats of padding written")
                    #expect(unwritten == 0, "\(context): \(unwritten) gradients not written")
                    #expect(differing == 0, "\(context): \(differing) gate-major gradients differ from the rows'")
                    #expect(byRows.h0.allSatisfy { !$0.isNaN } && byRows.h0 == byGates.h0, "\(context): dL/dh0")
                    if hasCell { #expect(byRows.c0 == byGates.c0, "\(context): dL/dc0") }
                }
            }
        }
    }
}
