import Foundation
import Testing
import MyelinTensor

// MARK: - Helpers

/// A new empty folder, removed by `body`'s end.
private func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder)
}

// MARK: - Atomic writes

@Suite struct AtomicFileTests {
    private func contents(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func writesAndReplacesLeavingNoTemporaryFiles() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("out.bin")
            try writeFileAtomically(Data([1, 2, 3]), to: url)
            #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
            try writeFileAtomically(Data("replaced".utf8), to: url)
            #expect(try Data(contentsOf: url) == Data("replaced".utf8))
            try writeFileAtomically(Data(), to: url)
            #expect(try Data(contentsOf: url).isEmpty)
            #expect(try contents(folder) == ["out.bin"])
        }
    }

    @Test func failuresNameTheFileAndTheStep() throws {
        try withTemporaryFolder { folder in
            let nowhere = folder.appendingPathComponent("no-such-folder/out.bin")
            #expect(throws: FileWriteError(path: nowhere.path, step: .createTemporaryFile,
                                           reason: "No such file or directory")) {
                try writeFileAtomically(Data([1]), to: nowhere)
            }
            #expect { try writeFileAtomically(Data([1]), to: nowhere) } throws: { error in
                (error as? FileWriteError)?.description
                    == "\(nowhere.path): cannot write (creating the temporary file): No such file or directory"
            }

            // A folder in the way: the rename fails, and the temporary file is removed.
            let occupied = folder.appendingPathComponent("occupied")
            try FileManager.default.createDirectory(at: occupied.appendingPathComponent("inside"),
                                                    withIntermediateDirectories: true)
            #expect { try writeFileAtomically(Data([1]), to: occupied) } throws: { error in
                guard let error = error as? FileWriteError else { return false }
                return error.step == .rename && error.path == occupied.path
            }
            #expect(try contents(folder) == ["occupied"])
        }
    }
}
