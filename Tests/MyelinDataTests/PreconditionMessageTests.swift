import MyelinData
import Testing

// Optimised builds drop the message of Swift's own `precondition`; every file of MyelinData uses
// MyelinTensor's, which keeps it. These two come from files that import only Foundation and zlib.
@Suite struct DataPreconditionMessages {
    private func message(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func gzipLevel() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = GZip.compress([1, 2, 3], level: 10)
            })
        #expect(text.contains("GZip.compress: level 10 is not in 0...9"), "\(text)")
    }

    @Test func idxPayloadSize() async {
        let text = message(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = IDXFile.encode(shape: [2, 3], payload: [0, 1])
            })
        #expect(text.contains("IDXFile.encode: shape [2, 3] of uint8 needs 6 bytes, got 2"), "\(text)")
    }
}
