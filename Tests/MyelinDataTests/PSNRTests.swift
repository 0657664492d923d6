import Foundation
import MyelinData
import MyelinTensor
import Testing

@Suite struct PSNRTests {
    @Test func decibelsByHand() {
        // Image 0: every pixel 0.1 off, MSE 0.01, 10·log₁₀(1 / 0.01) = 20 dB. Image 1: one of four
        // pixels off by 1, MSE 0.25, 10·log₁₀(4) = 6.0206 dB. Image 2: identical, +∞.
        let targets = Tensor(shape: [3, 1, 2, 2], scalars: [0.2, 0.4, 0.6, 0.8, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5])
        let images = Tensor(shape: [3, 1, 2, 2], scalars: [0.3, 0.3, 0.7, 0.7, 1, 0, 0, 0, 0.5, 0.5, 0.5, 0.5])
        let psnr = peakSignalToNoiseRatios(images, targets)
        #expect(psnr.count == 3)
        #expect(abs(psnr[0] - 20) < 1e-5, "\(psnr[0])")
        #expect(abs(psnr[1] - 10 * log10(4.0)) < 1e-9, "\(psnr[1])")
        #expect(psnr[2] == .infinity)
        // A peak of 255 for pixels 0…255: the same images scaled by 255 give the same decibels.
        let scaled = peakSignalToNoiseRatios(images * 255, targets * 255, peak: 255)
        #expect(abs(scaled[0] - 20) < 1e-4 && abs(scaled[1] - psnr[1]) < 1e-6, "\(scaled)")
        // Doubling the peak adds 10·log₁₀(4) dB.
        #expect(abs(peakSignalToNoiseRatios(images, targets, peak: 2)[0] - (20 + 10 * log10(4.0))) < 1e-5)
    }
}
