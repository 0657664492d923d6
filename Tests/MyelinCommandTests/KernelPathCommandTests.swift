import Foundation
import Testing

/// MYELIN_CPU as a user sets it: a known path runs the command, an unknown one stops it at once with
/// a message that names the value and the choices.
@Suite struct KernelPathCommandTests {
    @Test func anUnknownValueIsNamedAndAKnownOneRuns() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let missing = runner.url("missing.safetensors").path
        for path in ["portable", "avx2", "avx512", ""] {
            let result = try runner.run(["info", missing], environment: ["MYELIN_CPU": path])
            #expect(result.status != 0 && result.errors.contains("missing.safetensors"), "MYELIN_CPU=\(path): \(result.errors)")
            #expect(!result.errors.contains("MYELIN_CPU"), "MYELIN_CPU=\(path): \(result.errors)")
        }
        let result = try runner.run(["info", missing], environment: ["MYELIN_CPU": "avx3"])
        #expect(result.status == 2)
        #expect(result.errors.contains("MYELIN_CPU=avx3 is not a kernel path; use avx512, avx2 or portable"), "\(result.errors)")
        #expect(!result.errors.contains("missing.safetensors"), "the command itself must not run: \(result.errors)")
    }

    /// MYELIN_CONV, the convolution algorithm of the whole process, is read the same way.
    @Test func anUnknownConvolutionAlgorithmIsNamed() throws {
        let runner = try CommandRunner()
        defer { runner.removeFolder() }
        let missing = runner.url("missing.safetensors").path
        for algorithm in ["gemm", "winograd", "automatic", ""] {
            let result = try runner.run(["info", missing], environment: ["MYELIN_CONV": algorithm])
            #expect(result.status != 0 && result.errors.contains("missing.safetensors"), "MYELIN_CONV=\(algorithm): \(result.errors)")
        }
        let result = try runner.run(["info", missing], environment: ["MYELIN_CONV": "fft"])
        #expect(result.status == 2)
        #expect(
            result.errors.contains("MYELIN_CONV=fft is not a convolution algorithm; use gemm, winograd or automatic"),
            "\(result.errors)")
    }
}
