import Foundation
import MyelinVision
import Testing

@Suite struct PNGEncodingTests {
    @Test(arguments: [1, 2, 3, 4])
    func roundTripIsExactForEveryFilter(channels: Int) throws {
        let image = testImage(width: 17, height: 6, channels: channels, seed: UInt32(channels))
        for filter in [nil] + PNGFilter.allCases.map(Optional.some) {
            let decoded = try Image(pngData: image.pngData(filter: filter))
            #expect(decoded == image, "channels \(channels), filter \(String(describing: filter))")
        }
    }

    @Test func onePixelRoundTrips() throws {
        let image = Image(width: 1, height: 1, channels: 4, pixels: [1, 2, 250, 128])
        #expect(try Image(pngData: image.pngData()) == image)
    }

    @Test func byteLayoutFollowsTheSpec() {
        let image = testImage(width: 5, height: 3, channels: 3)
        let png = [UInt8](image.pngData())
        #expect(Array(png[0..<8]) == [137, 80, 78, 71, 13, 10, 26, 10])
        let parts = chunks(of: png)
        #expect(parts.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let header = parts[0].data
        #expect(header.count == 13)
        #expect(readBigEndian(header, 0) == 5)  // width
        #expect(readBigEndian(header, 4) == 3)  // height
        #expect(Array(header[8...]) == [8, 2, 0, 0, 0])  // depth 8, RGB, deflate, filter set 0, not interlaced
        #expect(parts[2].data.isEmpty)
        for part in parts {
            #expect(part.crc == referenceCRC(Array(part.type.utf8) + part.data), "CRC of \(part.type)")
        }
        // IEND's CRC is a constant every PNG ends with.
        #expect(Array(png.suffix(4)) == [0xae, 0x42, 0x60, 0x82])
        let total = parts.reduce(8) { $0 + 12 + $1.data.count }
        #expect(total == png.count)
    }

    @Test func colourTypeFollowsChannels() {
        for (channels, colorType) in [(1, 0), (2, 4), (3, 2), (4, 6)] {
            let png = [UInt8](Image(width: 2, height: 2, channels: channels, fill: 7).pngData())
            #expect(png[8 + 8 + 9] == UInt8(colorType), "channels \(channels)")
        }
    }

    @Test func smoothImagesCompress() {
        var image = Image(width: 64, height: 64, channels: 3)
        for y in 0..<64 { for x in 0..<64 { for c in 0..<3 { image[x: x, y: y, channel: c] = UInt8(x * 2 + y + c) } } }
        let size = image.pngData().count
        #expect(size < image.pixels.count / 8, "a gradient should shrink well below raw size, got \(size)")
    }

    @Test func largeImagesSpanSeveralIDATChunks() throws {
        let image = testImage(width: 1200, height: 800, channels: 3, seed: 9)  // 2.9 MB, half of it noise
        let png = image.pngData(compressionLevel: 1)
        let idats = chunks(of: [UInt8](png)).filter { $0.type == "IDAT" }
        #expect(idats.count >= 2)
        #expect(idats.dropLast().allSatisfy { $0.data.count == 1 << 20 })
        #expect(try Image(pngData: png) == image)
    }
}

@Suite struct PNGDecodingTests {
    @Test func decodesHandComputedAverageAndPaethRows() throws {
        // 2×2 gray 10 20 / 30 25. Average: 10-0, 20-5, 30-5, 25-(30+20)/2.
        let average = handMadePNG(width: 2, height: 2, colorType: 0, filteredRows: [3, 10, 15, 3, 25, 0])
        #expect(try Image(pngData: average).pixels == [10, 20, 30, 25])
        // Paeth: row 1 byte 1 has a=30, b=20, c=10, p=40, nearest is a, 25-30 = 251 (mod 256).
        let paeth = handMadePNG(width: 2, height: 2, colorType: 0, filteredRows: [4, 10, 10, 4, 20, 251])
        #expect(try Image(pngData: paeth).pixels == [10, 20, 30, 25])
        // Paeth's ties: a over b over c. Row 1 column 1 has a=10, b=25, c=20 (|p-a| = |p-c| = 5, so a);
        // column 3 has a=25, b=10, c=20 (|p-b| = |p-c| = 5, so b).
        let ties = handMadePNG(width: 4, height: 2, colorType: 0, filteredRows: [0, 20, 25, 20, 10, 4, 246, 40, 231, 50])
        #expect(try Image(pngData: ties).pixels == [20, 25, 20, 10, 10, 50, 25, 60])
        // Sub and Up on RGB (bpp 3): a pixel's bytes are relative to the pixel left, or above.
        let sub = handMadePNG(width: 2, height: 1, colorType: 2, filteredRows: [1, 100, 0, 255, 5, 1, 2])
        #expect(try Image(pngData: sub).pixels == [100, 0, 255, 105, 1, 1])
        let up = handMadePNG(width: 1, height: 2, colorType: 6, filteredRows: [0, 1, 2, 3, 4, 2, 10, 20, 30, 252])
        #expect(try Image(pngData: up).pixels == [1, 2, 3, 4, 11, 22, 33, 0])
    }

    @Test func joinsSplitIDATChunksAndSkipsAncillaryOnes() throws {
        let rows: [UInt8] = [0, 9, 8, 7, 0, 6, 5, 4]
        let split = handMadePNG(width: 3, height: 2, colorType: 0, filteredRows: rows, splitIDAT: true)
        #expect(try Image(pngData: split).pixels == [9, 8, 7, 6, 5, 4])
        let z = storedZlib(rows)
        let withText = Data(
            signature + ihdr(width: 3, height: 2, colorType: 0) + chunk("tEXt", Array("Comment\0hi".utf8))
                + chunk("IDAT", z) + chunk("IEND", []))
        #expect(try Image(pngData: withText).pixels == [9, 8, 7, 6, 5, 4])
    }

    func problem(_ data: Data) -> VisionError.Problem? {
        do {
            _ = try Image(pngData: data)
            return nil
        } catch let error as VisionError {
            #expect(error.path == nil)
            return error.problem
        } catch {
            return nil
        }
    }

    @Test func malformedInputThrowsANamedProblem() {
        let good = [UInt8](testImage(width: 8, height: 8, channels: 3).pngData())
        #expect(problem(Data("definitely not a png".utf8)) == .badSignature)
        #expect(problem(Data()) == .badSignature)
        #expect(problem(Data(good.dropLast(2))) == .truncated(chunk: "IEND"))
        #expect(problem(Data(good.dropLast(5))) == .truncated(chunk: "chunk header after IDAT"))
        #expect(problem(Data(good[0..<50])) == .truncated(chunk: "IDAT"))
        #expect(problem(Data(good[0..<36])) == .truncated(chunk: "chunk header after IHDR"))
        #expect(problem(Data(good.dropLast(12))) == .missingChunk("IEND"))

        var flipped = good
        flipped[8 + 8 + 3] ^= 1  // width's low byte, inside IHDR
        #expect(problem(Data(flipped)) == .crcMismatch(chunk: "IHDR"))

        let rows = storedZlib([0, 1, 2])
        let palette = Data(
            signature + ihdr(width: 2, height: 1, colorType: 3) + chunk("PLTE", [0, 0, 0, 255, 255, 255])
                + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(palette) == .unsupported("colour type 3 (palette)"))
        let deep = Data(signature + ihdr(width: 1, height: 1, depth: 16, colorType: 0) + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(deep) == .unsupported("bit depth 16"))
        let interlaced = Data(signature + ihdr(width: 1, height: 1, colorType: 0, interlace: 1) + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(interlaced) == .unsupported("Adam7 interlacing"))
        let oddColour = Data(signature + ihdr(width: 1, height: 1, colorType: 5) + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(oddColour) == .badHeader("colour type 5"))
        let zeroWidth = Data(signature + ihdr(width: 0, height: 1, colorType: 0) + chunk("IEND", []))
        #expect(problem(zeroWidth) == .badHeader("size 0x1"))
        let noData = Data(signature + ihdr(width: 1, height: 1, colorType: 0) + chunk("IEND", []))
        #expect(problem(noData) == .missingChunk("IDAT"))
        let noHeader = Data(signature + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(noHeader) == .missingChunk("IHDR"))

        let badFilter = handMadePNG(width: 2, height: 1, colorType: 0, filteredRows: [7, 1, 2])
        #expect(problem(badFilter) == .corruptImageData("row 0 has filter type 7"))
        let short = handMadePNG(width: 2, height: 2, colorType: 0, filteredRows: [0, 1, 2])
        #expect(problem(short) == .corruptImageData("inflates to 3 bytes, expected 6"))
        let long = handMadePNG(width: 1, height: 1, colorType: 0, filteredRows: [0, 1, 2, 3])
        #expect(problem(long) == .corruptImageData("inflates to more than the 2 bytes IHDR promises"))
        let notZlib = Data(signature + ihdr(width: 1, height: 1, colorType: 0) + chunk("IDAT", [1, 2, 3, 4]) + chunk("IEND", []))
        if case .corruptImageData(let why)? = problem(notZlib) {
            #expect(why.contains("zlib"))
        } else {
            Issue.record("a non-zlib IDAT should be corrupt image data")
        }
        let huge = Data(signature + ihdr(width: 0x7fff_ffff, height: 0x7fff_ffff, colorType: 6) + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(huge) == .unsupported("image of 2147483647x2147483647x4 is too large to decode"))
        // `rows` is 14 bytes of zlib: 2 header, 5 block header, 3 data, 4 Adler-32.
        let promised = Data(signature + ihdr(width: 10000, height: 10000, colorType: 0) + chunk("IDAT", rows) + chunk("IEND", []))
        #expect(problem(promised) == .corruptImageData("14 compressed bytes cannot inflate to the 100010000 bytes IHDR promises"))
    }
}

@Suite struct PNGFileTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-vision-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesAndReadsBackWithoutLeavingTemporaryFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("picture.png")
        let first = testImage(width: 9, height: 4, channels: 1)
        try first.writePNG(to: url)
        #expect(try Image(contentsOfPNG: url) == first)
        let second = testImage(width: 3, height: 3, channels: 4, seed: 5)
        try second.writePNG(to: url)  // replaces the old file
        #expect(try Image(contentsOfPNG: url) == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["picture.png"])
    }

    @Test func errorsNameTheFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("broken.png")
        var bytes = [UInt8](testImage(width: 4, height: 4, channels: 3).pngData())
        bytes[45] ^= 0xff  // inside IDAT's data (8 signature + 25 IHDR + 8 IDAT header = 41)
        try Data(bytes).write(to: bad)
        do {
            _ = try Image(contentsOfPNG: bad)
            Issue.record("a corrupted file must not decode")
        } catch let error as VisionError {
            #expect(error.path == bad.path)
            #expect(error.problem == .crcMismatch(chunk: "IDAT"))
            #expect(error.description == "\(bad.path): CRC mismatch in IDAT chunk")
        }

        let missing = folder.appendingPathComponent("absent.png")
        #expect { try Image(contentsOfPNG: missing) } throws: { error in
            guard let error = error as? VisionError, case .readFailed = error.problem else { return false }
            return error.path == missing.path && error.description.hasPrefix(missing.path)
        }

        let nowhere = folder.appendingPathComponent("no-such-folder/out.png")
        #expect { try testImage(width: 2, height: 2, channels: 1).writePNG(to: nowhere) } throws: { error in
            guard let error = error as? VisionError, case .writeFailed = error.problem else { return false }
            return error.path == nowhere.path
        }
    }
}
