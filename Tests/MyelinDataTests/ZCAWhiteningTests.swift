import Foundation
import MyelinData
import MyelinTensor
import Testing

/// ZCA whitening: identity covariance on the data it was fitted on, a symmetric W, and an inverse.
@Suite struct ZCAWhiteningTests {
    /// 2,000 rows of 6 correlated features: independent normals mixed by a fixed matrix and shifted.
    static let data: Tensor = {
        let g = RandomGenerator(seed: 3)
        let mixing = Tensor.randn([6, 6], generator: g)
        return matmul(Tensor.randn([2000, 6], generator: g), mixing) + Tensor([1, -2, 3, 0.5, 0, 4])
    }()

    static func covariance(_ x: Tensor) -> Tensor {
        let centred = x - x.mean(axis: 0)
        return matmul(centred.T, centred) / Float(x.shape[0])
    }

    @Test func whitenedDataHaveTheIdentityAsCovariance() {
        let zca = ZCAWhitening(fitting: Self.data, epsilon: 1e-6)
        let whitened = zca.applied(to: Self.data)
        let error = (Self.covariance(whitened) - Tensor.eye(6)).abs().max().item
        #expect(error < 1e-3, "covariance off the identity by \(error)")
        #expect(whitened.mean(axis: 0).abs().max().item < 1e-4)
        // Before, the features were far from uncorrelated.
        #expect((Self.covariance(Self.data) - Tensor.eye(6)).abs().max().item > 0.5)
    }

    @Test func theWhiteningIsSymmetricAndItsInverseColoursBack() {
        let zca = ZCAWhitening(fitting: Self.data, epsilon: 0.01)
        let w = Tensor(shape: [6, 6], scalars: zca.whitening)
        #expect((w - w.T).abs().max().item < 1e-5)
        // W² = (C + εI)⁻¹, and W⁻¹·W = I.
        let regularised = Self.covariance(Self.data) + Tensor.eye(6) * 0.01
        #expect((matmul(matmul(w, w), regularised) - Tensor.eye(6)).abs().max().item < 1e-3)
        let back = zca.inverted(zca.applied(to: Self.data))
        #expect((back - Self.data).abs().max().item < 1e-3)
    }

    @Test func aFittedWhiteningIsSavedAndReadBack() throws {
        let zca = ZCAWhitening(fitting: Self.data, epsilon: 0.1)
        let read = try JSONDecoder().decode(ZCAWhitening.self, from: JSONEncoder().encode(zca))
        #expect(read == zca)
    }
}
