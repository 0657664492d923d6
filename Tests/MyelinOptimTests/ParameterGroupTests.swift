import MyelinNN
import MyelinOptim
import MyelinTensor
import Testing

/// Parameter groups (PyTorch's param_groups): each group steps with its own learning rate and
/// weight decay, by the optimizer's own formula.
@Suite struct ParameterGroupTests {
    /// Two parameters with set gradients: a = [1, −2] with ∇ [0.5, 0.5]; b = [3] with ∇ [−1].
    static func parameters() -> (a: Tensor, b: Tensor) {
        let a = Tensor([1, -2]), b = Tensor([3])
        a.requiresGrad = true
        b.requiresGrad = true
        a.grad = Tensor([0.5, 0.5])
        b.grad = Tensor([-1])
        return (a, b)
    }

    @Test func sgdStepsEachGroupWithItsRateAndDecay() {
        let (a, b) = Self.parameters()
        // a: lr 0.1, decay 0.01; b: the optimizer's lr 0.01, decay 0.2.
        let sgd = SGD(
            groups: [ParameterGroup([a], learningRate: 0.1, weightDecay: 0.01), ParameterGroup([b])], learningRate: 0.01, weightDecay: 0.2)
        sgd.step()
        // p ← p − lr·(∇ + λp)
        let first: Float = 1 - 0.1 * (0.5 + 0.01 * 1), second: Float = -2 - 0.1 * (0.5 + 0.01 * -2)
        let third: Float = 3 - 0.01 * (-1 + 0.2 * 3)
        #expect(a.scalars == [first, second])
        #expect(b.scalars == [third])
    }

    @Test func adamsFirstStepMovesEachGroupByItsRate() {
        let (a, b) = Self.parameters()
        let adam = Adam(groups: [ParameterGroup([a], learningRate: 0.5), ParameterGroup([b])], learningRate: 0.01, epsilon: 0)
        adam.step()
        // The first bias-corrected step is lr·sign(∇).
        #expect(a.scalars == [0.5, -2.5])
        #expect(b.scalars == [3.01])
    }

    @Test func aScheduleScalesEveryGroupAndAGroupsRateCanBeSet() {
        let (a, b) = Self.parameters()
        let sgd = SGD(groups: [ParameterGroup([a], learningRate: 0.1), ParameterGroup([b])], learningRate: 0.01)
        #expect(sgd.learningRate(forParameter: 0) == 0.1 && sgd.learningRate(forParameter: 1) == 0.01)
        sgd.learningRate = 0.005
        #expect(abs(sgd.learningRate(forParameter: 0) - 0.05) < 1e-8 && sgd.learningRate(forParameter: 1) == 0.005)
        sgd.setLearningRate(0.001, ofGroup: 0)
        #expect(sgd.learningRate(forParameter: 0) == 0.001 && sgd.groupOfParameter == [0, 1])
    }

    @Test func aParameterInTwoGroupsIsRefused() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let p = Tensor([1])
            p.requiresGrad = true
            _ = SGD(groups: [ParameterGroup([p]), ParameterGroup([p])], learningRate: 0.1)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("SGD: a parameter is in two groups"), "\(message)")
    }
}
