import Myelin
import MyelinModels
import Testing

@Suite struct ConvolutionalClassifierTests {
    /// Grad-CAM's two halves make the forward pass, and the first ends at the last convolution's activation.
    @Test func theHalvesMakeTheForwardPass() {
        let g = RandomGenerator(seed: 3)
        let x = Tensor.uniform([2, 1, 28, 28], generator: g)
        let models: [(any ConvolutionalClassifier, [Int])] = [
            (LeNet(generator: g), [2, 16, 10, 10]), (MNISTConvNet(generator: g), [2, 64, 24, 24]),
            (VGGMini(widths: [4, 8, 8], generator: g), [2, 8, 7, 7]),
        ]
        for (model, shape) in models {
            model.eval()
            let (features, head) = model.lastConvolution
            let activations = withoutGrad { features(x) }
            #expect(activations.shape == shape, "\(type(of: model))")
            #expect(activations.scalars.allSatisfy { $0 >= 0 }, "\(type(of: model)): the features end in ReLU")
            #expect(withoutGrad { head(activations).scalars == model(x).scalars }, "\(type(of: model))")
            for number in 1...model.convolutionCount {
                let (front, rest) = model.splitAfterConvolution(number)
                #expect(withoutGrad { rest(front(x)).scalars == model(x).scalars }, "\(type(of: model)) after convolution \(number)")
            }
        }
        #expect(models.map(\.0.convolutionCount) == [2, 2, 6])
        #expect(withoutGrad { LeNet(generator: g).splitAfterConvolution(1).features(x).shape } == [2, 6, 28, 28])
    }
}
