import MyelinVision
import Testing

// Optimised builds drop the message of Swift's own `precondition`; every file of MyelinVision uses
// MyelinTensor's, which keeps it (Image.swift imports nothing else of Myelin).
@Suite struct VisionPreconditionMessages {
    @Test func imageChannels() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Image(width: 1, height: 1, channels: 5, pixels: [0, 0, 0, 0, 0])
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("Image(width:height:channels:pixels:): channels must be 1...4, got 5"), "\(text)")
    }
}
