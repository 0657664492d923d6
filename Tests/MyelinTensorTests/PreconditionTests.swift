import MyelinTensor
import Testing

// A shape mismatch in the user's code is a programmer error: the program stops with a message
// that names the op and both shapes. Exit tests run each body in a child process and read its
// standard error.

/// What a child process wrote to stderr.
private func text(_ result: ExitTest.Result?) -> String {
    String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

@Suite struct PreconditionMessages {
    @Test func matmulInnerSizes() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
            })
        #expect(message.contains("matmul: shapes [2, 3] and [4, 5] do not match"), "\(message)")
    }

    @Test func axisOfAScalar() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor(scalar: 1).mean(axis: 0)
            })
        #expect(message.contains("mean: axis 0 is out of range for a tensor of shape []"), "\(message)")
    }

    @Test func assignOfAMismatchedShape() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                Tensor.zeros([2, 2]).assign(Tensor.zeros([3]))
            })
        #expect(message.contains("assign: shapes [2, 2] and [3] cannot be broadcast together"), "\(message)")
    }

    @Test func integerValueOfNaN() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor([1, .nan]).integers
            })
        #expect(message.contains("integers: nan has no integer value (tensor of shape [2])"), "\(message)")
    }

    @Test func broadcastingAdd() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
            })
        #expect(message.contains("add: shapes [2, 3] and [4] cannot be broadcast together"), "\(message)")
    }

    @Test func broadcastingMultiplyOfViews() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([3, 2]).T * Tensor.zeros([3, 2])
            })
        #expect(message.contains("mul: shapes [2, 3] and [3, 2] cannot be broadcast together"), "\(message)")
    }

    @Test func linearFeatures() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = linear(Tensor.zeros([4, 3]), weight: Tensor.zeros([2, 5]), bias: nil)
            })
        #expect(message.contains("linear: input shape [4, 3] does not end in 5 (weight shape [2, 5])"), "\(message)")
    }

    @Test func backwardOfANonScalarNeedsAGradient() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                let x = Tensor.ones([2])
                x.requiresGrad = true
                (x * 2).backward()
            })
        #expect(message.contains("backward: a gradient must be given for a non-scalar tensor of shape [2]"), "\(message)")
    }

    @Test func integerTensorsCannotRequireGradients() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                Tensor(integers: [1, 2]).requiresGrad = true
            })
        #expect(message.contains("only float32 tensors can require gradients"), "\(message)")
    }

    @Test func reshapeCount() async {
        let message = text(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = Tensor.zeros([2, 3]).reshaped(4, 2)
            })
        #expect(message.contains("reshape: cannot reshape [2, 3] (6 elements) into [4, 2]"), "\(message)")
    }

    @Test func manualSeedResetsTheGlobalGenerator() async {
        // The global generator is shared by every test in the process, so this one runs in its own.
        await #expect(processExitsWith: .success) {
            manualSeed(5)
            let first = Tensor.rand([6]).scalars + Tensor.randn([3]).scalars
            manualSeed(5)
            let second = Tensor.rand([6]).scalars + Tensor.randn([3]).scalars
            manualSeed(6)
            let other = Tensor.rand([6]).scalars
            precondition(first == second && Array(first.prefix(6)) != other, "manualSeed does not reset the stream")
        }
    }
}
