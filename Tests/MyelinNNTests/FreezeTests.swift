import MyelinNN
import MyelinOptim
import MyelinTensor
import Testing

/// Freezing part of a model for fine-tuning, and replacing its head.
@Suite struct FreezeTests {
    static func model() -> (body: Sequential, head: Sequential, whole: Sequential) {
        let g = RandomGenerator(seed: 4)
        let body = Sequential {
            Linear(3, 5, generator: g); BatchNorm1d(5); ReLU()
        }
        let head = Sequential { Linear(5, 2, generator: g) }
        return (
            body, head,
            Sequential {
                body; head
            }
        )
    }

    @Test func frozenTensorsStayBitIdenticalThroughTrainingSteps() {
        let (body, head, whole) = Self.model()
        body.freeze()
        #expect(body.isFrozen && !head.isFrozen && body.parameters.allSatisfy { !$0.requiresGrad })
        #expect(whole.trainableParameters.count == 2 && whole.parameters.count == 6)
        let frozenBefore = body.stateDict.map { $0.1.dtype == .float32 ? $0.1.scalars : $0.1.integers.map(Float.init) }
        let headBefore = head.parameters.map(\.scalars)
        let optimizer = SGD(whole.trainableParameters, learningRate: 0.1, momentum: 0.9)
        let g = RandomGenerator(seed: 5)
        for _ in 0..<3 {
            let loss = crossEntropy(whole(Tensor.randn([8, 3], generator: g)), Tensor(integers: [0, 1, 0, 1, 1, 0, 0, 1]))
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        // Weights, batch norm's running statistics and its batch count: all as they were.
        let frozenAfter = body.stateDict.map { $0.1.dtype == .float32 ? $0.1.scalars : $0.1.integers.map(Float.init) }
        #expect(frozenAfter.map { $0.map(\.bitPattern) } == frozenBefore.map { $0.map(\.bitPattern) })
        #expect(head.parameters.map(\.scalars) != headBefore)
        body.unfreeze()
        #expect(!body.isFrozen && body.parameters.allSatisfy(\.requiresGrad) && whole.trainableParameters.count == 6)
    }

    @Test func frozenBatchNormNormalisesByItsRunningStatisticsInTraining() {
        let norm = BatchNorm1d(4)
        norm.runningMean!.assign(Tensor([0.5, -1, 2, 0]))
        norm.runningVariance!.assign(Tensor([4, 1, 0.25, 9]))
        let x = Tensor.randn([6, 4], generator: RandomGenerator(seed: 6))
        norm.freeze()
        let training = norm(x)
        let evaluated = norm.evaluating { norm(x) }
        #expect(norm.isTraining && training.scalars == evaluated.scalars)
    }

    @Test func aSequentialsLayerIsReplacedByIndex() {
        let (_, head, whole) = Self.model()
        head[0] = Linear(5, 3, generator: RandomGenerator(seed: 7))
        #expect(whole.stateDict.first { $0.0 == "1.0.weight" }?.1.shape == [3, 5])
        #expect(whole(Tensor.randn([2, 3], generator: RandomGenerator(seed: 8))).shape == [2, 3])
    }
}
