import Foundation
import MyelinTensor
import Testing

// MARK: - Helpers

/// A safetensors file written by hand: the 8-byte little-endian header length, the header, the data.
private func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
    let json = Array(header.utf8)
    return Data(littleEndian(length ?? UInt64(json.count)) + json + data)
}

private func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// The bits of a float32 tensor's values in row-major order.
private func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

/// A new empty folder, removed by `body`'s end.
private func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder)
}

/// Expects decoding `data` to throw exactly `problem` about `tensor`, with a message naming both.
private func expectFailure(
    _ data: Data, _ problem: SafeTensorsError.Problem, tensor: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let decoded = try SafeTensors.decode(data, path: "bad.safetensors")
        Issue.record("decoded \(decoded.names) instead of failing with \(problem)", sourceLocation: sourceLocation)
    } catch let error as SafeTensorsError {
        #expect(error.problem == problem, sourceLocation: sourceLocation)
        #expect(error.tensor == tensor, sourceLocation: sourceLocation)
        #expect(error.path == "bad.safetensors", sourceLocation: sourceLocation)
        #expect(
            error.description.hasPrefix("bad.safetensors: ") || error.description.hasPrefix("bad.safetensors is not a safetensors file: "),
            "\(error)", sourceLocation: sourceLocation)
        if let tensor {
            #expect(error.description.contains("tensor \"\(tensor)\""), "\(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("threw \(error), not a SafeTensorsError", sourceLocation: sourceLocation)
    }
}

/// A one-tensor header `{"w": {...}}` with the given entry JSON, then `data` zero bytes.
private func entry(_ json: String, data: Int = 0) -> Data {
    file("{\"w\":\(json)}", data: [UInt8](repeating: 0, count: data))
}

/// A one-tensor file whose entry has the given fields (JSON text).
private func entry(dtype: String = "F32", shape: String = "[1]", offsets: String = "[0,4]", data: Int = 4) -> Data {
    entry("{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}", data: data)
}

// MARK: - Writing and round trips

@Suite struct SafeTensorsTests {
    @Test func everyDTypeRoundTripsBitExactly() throws {
        let specials: [Float] = [
            0, -0.0, 1, -1.5, .infinity, -.infinity, .pi, .greatestFiniteMagnitude,
            .leastNonzeroMagnitude, -.leastNormalMagnitude,
            Float(bitPattern: 0x7fc0_0001),  // quiet NaN with a payload
            Float(bitPattern: 0xffa0_0005),
        ]  // negative signalling NaN
        let floats = Tensor(shape: [3, 4], scalars: specials)
        let longs = Tensor(shape: [5], integers: [Int(Int64.min), -1, 0, 42, Int(Int64.max)], dtype: .int64)
        let ints = Tensor(shape: [2, 2], integers: [Int(Int32.min), -7, 0, Int(Int32.max)], dtype: .int32)
        let flags = Tensor(shape: [3], integers: [1, 0, 1], dtype: .bool)
        let scalar = Tensor(scalar: -2.25)
        let empty = Tensor(empty: [0, 3], dtype: .int64)
        let tensors = [
            ("floats", floats), ("longs", longs), ("ints", ints), ("flags", flags),
            ("scalar", scalar), ("empty", empty),
        ]

        let decoded = try SafeTensors.decode(SafeTensors.encode(tensors))
        #expect(decoded.names == tensors.map(\.0))
        #expect(decoded.metadata.isEmpty)
        for (name, original) in tensors {
            let loaded = try #require(decoded.tensor(named: name))
            #expect(loaded.dtype == original.dtype, "\(name)")
            #expect(loaded.shape == original.shape, "\(name)")
            if original.dtype == .float32 {
                #expect(bits(loaded) == bits(original), "\(name)")
            } else {
                #expect(loaded.integers == original.integers, "\(name)")
            }
        }
        #expect(
            decoded.storedTypes == [
                "floats": .f32, "longs": .i64, "ints": .i32, "flags": .bool,
                "scalar": .f32, "empty": .i64,
            ])
        #expect(decoded.tensor(named: "absent") == nil)
        #expect(decoded.orderedTensors.map(\.0) == decoded.names)
    }

    @Test func nonContiguousTensorsAreWrittenAsTheirRowMajorValues() throws {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let views = [
            ("transposed", matrix.transposed()),
            ("narrowed", matrix.narrowed(axis: 1, start: 1, length: 2)),
            ("expanded", Tensor([7, 8]).expanded(to: [3, 2])),
            ("integers", Tensor(shape: [2, 2], integers: [1, 2, 3, 4], dtype: .int32).transposed()),
        ]
        #expect(views.allSatisfy { !$0.1.isContiguous })
        let decoded = try SafeTensors.decode(SafeTensors.encode(views))
        for (name, view) in views {
            let loaded = try #require(decoded.tensor(named: name))
            #expect(loaded.shape == view.shape, "\(name)")
            #expect(loaded.scalars == view.scalars, "\(name)")
        }
        #expect(decoded.tensor(named: "transposed")?.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func headerLayoutMatchesTheFormatByteForByte() {
        // One F32 tensor whose JSON is 64 bytes: no padding.
        let attn = Tensor(shape: [1, 2, 3], scalars: [0, 1, 2, 3, 4, 5])
        let json = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        #expect(json.utf8.count == 64)
        let values: [UInt8] = [0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40]
        let expected: [UInt8] = [64, 0, 0, 0, 0, 0, 0, 0] + Array(json.utf8) + values
        #expect([UInt8](SafeTensors.encode([("attn.0", attn)])) == expected)

        // 65 bytes of JSON: padded with 7 spaces to 72, and the length says 72.
        let padded = [UInt8](SafeTensors.encode([("attn0", attn.reshaped([1, 1, 2, 3]))]))
        #expect(Array(padded[0..<8]) == [72, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(padded[8..<80]) == Array(#"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       "#.utf8))
        #expect(Array(padded[80...]) == values)

        // No tensors: "{}" and six spaces.
        #expect([UInt8](SafeTensors.encode([])) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        // Metadata comes first.
        #expect(
            [UInt8](SafeTensors.encode([], metadata: ["framework": "pt"]))
                == [40, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"__metadata__":{"framework":"pt"}}     "#.utf8))

        // Several dtypes packed in the order given, escaped names, metadata keys sorted.
        let mixed = SafeTensors.encode(
            [
                ("b", Tensor(shape: [1], integers: [1], dtype: .bool)),
                ("a\"\\\n\u{1}", Tensor(shape: [], integers: [-2], dtype: .int64)),
            ],
            metadata: ["z": "1", "a": "é"])
        let header =
            #"{"__metadata__":{"a":"é","z":"1"},"b":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"#
            + #""a\"\\\n\u0001":{"dtype":"I64","shape":[],"data_offsets":[1,9]}}"#
        let headerBytes = Array(header.utf8)
        let paddedLength = (headerBytes.count + 7) / 8 * 8
        #expect(
            [UInt8](mixed) == littleEndian(UInt64(paddedLength)) + headerBytes
                + [UInt8](repeating: 0x20, count: paddedLength - headerBytes.count)
                + [1] + [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    @Test func outputIsDeterministic() {
        var first: [String: String] = [:], second: [String: String] = [:]
        let pairs = (0..<20).map { ("key\($0)", "value \($0)") }
        for (k, v) in pairs { first[k] = v }
        for (k, v) in pairs.reversed() { second[k] = v }
        let tensors = [("w", Tensor.randn([4, 5], generator: RandomGenerator(seed: 3)))]
        #expect(SafeTensors.encode(tensors, metadata: first) == SafeTensors.encode(tensors, metadata: second))
    }

    @Test func metadataRoundTrips() throws {
        let metadata = [
            "framework": "myelin", "epoch": "12", "quote\"back\\slash": "line\nbreak\ttab\u{0}nul",
            "unicode ✓": "日本語 and 🙂", "": "empty key", "empty value": "",
        ]
        let data = SafeTensors.encode([("x", Tensor([1, 2]))], metadata: metadata)
        let decoded = try SafeTensors.decode(data)
        #expect(decoded.metadata == metadata)
        #expect(decoded.names == ["x"])
    }

    @Test func stateDictSavesAndLoadsBitExactly() throws {
        let generator = RandomGenerator(seed: 11)
        let weight = Tensor.randn([8, 4], generator: generator)
        weight.requiresGrad = true
        let stateDict: [(String, Tensor)] = [
            ("layers.0.weight", weight),
            ("layers.0.bias", Tensor.uniform([8], low: -0.5, high: 0.5, generator: generator)),
            ("layers.2.weight", Tensor.randn([3, 8], std: 0x1p-130, generator: generator)),  // subnormals too
            ("norm.running_mean", Tensor.randn([8], generator: generator)),
            ("norm.num_batches_tracked", Tensor(shape: [], integers: [1234])),
        ]
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("model.safetensors")
            try SafeTensors.write(stateDict, metadata: ["format": "pt"], to: url)
            let loaded = try SafeTensors.read(contentsOf: url)
            #expect(loaded.names == stateDict.map(\.0))
            #expect(loaded.metadata == ["format": "pt"])
            for (name, original) in stateDict {
                let tensor = try #require(loaded.tensor(named: name))
                #expect(tensor.shape == original.shape && tensor.dtype == original.dtype, "\(name)")
                if original.dtype == .float32 {
                    #expect(bits(tensor) == bits(original), "\(name)")
                } else {
                    #expect(tensor.integers == original.integers, "\(name)")
                }
            }
            #expect(bits(try #require(loaded.tensor(named: "layers.2.weight"))).contains { $0 & 0x7f80_0000 == 0 })
        }
    }

    @Test func decodesSlicesOfData() throws {
        let bytes = SafeTensors.encode([("v", Tensor([3, 4]))])
        let framed = Data([9, 9, 9]) + bytes + Data([7])
        let slice = framed[3..<(3 + bytes.count)]
        #expect(slice.startIndex == 3)
        #expect(try SafeTensors.decode(slice).tensor(named: "v")?.scalars == [3, 4])
    }

    @Test func readsHeadersInAnyOrderAndSpacing() throws {
        // The reference implementation orders tensors by offset; the header may list them in any
        // order, with any JSON white space, and unknown fields in an entry are ignored.
        let header =
            " {\n \"b\" : {\"data_offsets\":[4,8], \"shape\":[1],\"dtype\":\"I32\", \"extra\": {\"x\": [1]}},\t"
            + "\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}, \"z\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[8,8]}} \r\n"
        let decoded = try SafeTensors.decode(file(header, data: littleEndian(Int32(-5)) + littleEndian(Int32(6))))
        #expect(decoded.names == ["b", "a", "z"])
        #expect(decoded.tensor(named: "a")?.integers == [-5])
        #expect(decoded.tensor(named: "b")?.integers == [6])
        #expect(decoded.tensor(named: "z")?.shape == [0])
        #expect(decoded.tensor(named: "z")?.dtype == .float32)
        #expect(decoded.storedTypes["z"] == .f16)
    }
}

// MARK: - Conversions on load

@Suite struct SafeTensorsConversionTests {
    /// Decodes one 16-bit tensor of `dtype` holding `patterns`, as float32 bits.
    private func load16(_ dtype: String, _ patterns: [UInt16]) throws -> [UInt32] {
        let header = "{\"t\":{\"dtype\":\"\(dtype)\",\"shape\":[\(patterns.count)],\"data_offsets\":[0,\(2 * patterns.count)]}}"
        let tensor = try #require(try SafeTensors.decode(file(header, data: patterns.flatMap(littleEndian))).tensor(named: "t"))
        #expect(tensor.dtype == .float32)
        return bits(tensor)
    }

    @Test func halfPrecisionBitPatterns() throws {
        let cases: [(half: UInt16, float: UInt32)] = [
            (0x3c00, 0x3f80_0000),  // 1
            (0xc000, 0xc000_0000),  // -2
            (0x5640, 0x42c8_0000),  // 100
            (0x3555, 0x3eaa_a000),  // 0.333251953125
            (0x7bff, 0x477f_e000),  // 65504, the largest half
            (0x0400, 0x3880_0000),  // 2⁻¹⁴, the smallest normal half
            (0x03ff, 0x387f_c000),  // the largest subnormal, 1023 × 2⁻²⁴
            (0x0001, 0x3380_0000),  // 2⁻²⁴, the smallest subnormal
            (0x8001, 0xb380_0000),  // -2⁻²⁴
            (0x0000, 0x0000_0000),  // 0
            (0x8000, 0x8000_0000),  // -0
            (0x7c00, 0x7f80_0000),  // infinity
            (0xfc00, 0xff80_0000),  // -infinity
            (0x7e00, 0x7fc0_0000),  // the quiet NaN
            (0x7d01, 0x7fa0_2000),  // a signalling NaN: payload kept, not quieted
            (0xfe01, 0xffc0_2000),  // a negative NaN with a payload
        ]
        #expect(try load16("F16", cases.map(\.half)) == cases.map(\.float))
    }

    @Test func bfloat16BitPatterns() throws {
        let cases: [(bf16: UInt16, float: UInt32)] = [
            (0x3f80, 0x3f80_0000),  // 1
            (0x4049, 0x4049_0000),  // 3.140625
            (0xc2f7, 0xc2f7_0000),  // -123.5
            (0x7f7f, 0x7f7f_0000),  // the largest finite
            (0x0080, 0x0080_0000),  // the smallest normal
            (0x0001, 0x0001_0000),  // the smallest subnormal
            (0x807f, 0x807f_0000),  // a negative subnormal
            (0x8000, 0x8000_0000),  // -0
            (0x7f80, 0x7f80_0000),  // infinity
            (0xff80, 0xff80_0000),  // -infinity
            (0x7fc1, 0x7fc1_0000),  // a NaN with a payload
            (0xff81, 0xff81_0000),  // a negative signalling NaN
        ]
        #expect(try load16("BF16", cases.map(\.bf16)) == cases.map(\.float))
        #expect(Float(bitPattern: 0x4049_0000) == 3.140625)
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        @Test func everyHalfMatchesSwiftsFloat16() throws {
            let all = Array(0...UInt16.max)
            let loaded = try load16("F16", all)
            let wrong = zip(all, loaded).filter { half, float in
                let reference = Float(Float16(bitPattern: half))
                // Swift's conversion may quiet a NaN; ours keeps the bits exactly.
                let expected =
                    reference.isNaN
                    ? UInt32(half & 0x8000) << 16 | 0x7f80_0000 | UInt32(half & 0x3ff) << 13
                    : reference.bitPattern
                return float != expected
            }
            #expect(wrong.isEmpty, "\(wrong.count) halves differ, the first 0x\(String(wrong.first?.0 ?? 0, radix: 16))")
        }
    #endif

    @Test func unsignedBytesLoadAsInt32() throws {
        let header = #"{"pixels":{"dtype":"U8","shape":[2,3],"data_offsets":[0,6]}}"#
        let decoded = try SafeTensors.decode(file(header, data: [0, 1, 127, 128, 254, 255]))
        let pixels = try #require(decoded.tensor(named: "pixels"))
        #expect(pixels.dtype == .int32)
        #expect(pixels.shape == [2, 3])
        #expect(pixels.integers == [0, 1, 127, 128, 254, 255])
        #expect(decoded.storedTypes["pixels"] == .u8)
    }
}

// MARK: - Bad files

@Suite struct SafeTensorsErrorTests {
    /// The message decoding `data` as the file `path` throws.
    private func message(_ data: Data, path: String) -> String {
        do {
            _ = try SafeTensors.decode(data, path: path)
            return "decoded"
        } catch {
            return "\(error)"
        }
    }

    @Test func aFileOfAnotherKindIsSaidToBeOneThenWhy() {
        // `myelin info README.md`: the first 8 bytes of a text, read as a header length.
        #expect(
            message(Data("# Myelin\n\nMyelin is a deep-learning framework".utf8), path: "README.md")
                == "README.md is not a safetensors file: its first 8 bytes (\"# Myelin\" as text), read as the header "
                + "length a safetensors file starts with, say 7956009399809286179 bytes, over the format's limit of 100,000,000")
        // Quotes and line ends are shown escaped; bytes that are not text are not shown.
        #expect(
            message(Data("a\"b\\\n\r\tc-rest".utf8), path: "t.txt").hasPrefix(
                #"t.txt is not a safetensors file: its first 8 bytes ("a\"b\\\n\r\tc" as text), read"#))
        #expect(
            message(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), path: "a.png")
                == "a.png is not a safetensors file: its first 8 bytes, read as the header length a safetensors file "
                + "starts with, say 727905341920923785 bytes, over the format's limit of 100,000,000")
        // A plausible length whose header is not JSON, not UTF-8, or not an object.
        #expect(
            message(file("[1, 2"), path: "list.bin")
                == "list.bin is not a safetensors file: its header is not JSON: expected ',' or ']' but found end at byte 5 of the header")
        #expect(
            message(Data(littleEndian(UInt64(2)) + [0x7b, 0xff]), path: "b.bin")
                == "b.bin is not a safetensors file: its header is not UTF-8 (bad byte at 1 of the header)")
        #expect(message(file("[]"), path: "c.bin").hasPrefix("c.bin is not a safetensors file: its header is "))
        // A length that runs past the end may be a cut-short file: both are said.
        #expect(
            message(file("{}", length: 10), path: "d.safetensors")
                == "d.safetensors: header length 10 runs past the end of the file (2 bytes follow the length): "
                + "the file is cut short, or is not a safetensors file")
    }

    @Test func badFraming() {
        expectFailure(Data(), .tooShort(byteCount: 0))
        expectFailure(Data([8, 0, 0, 0, 0, 0, 0]), .tooShort(byteCount: 7))
        expectFailure(file("{}", length: 100_000_001), .headerTooLarge(length: 100_000_001))
        expectFailure(file("{}", length: .max), .headerTooLarge(length: .max))
        expectFailure(file("{}", length: 10), .headerPastEnd(length: 10, available: 2))
        expectFailure(Data(littleEndian(UInt64(1))), .headerPastEnd(length: 1, available: 0))
        expectFailure(Data(littleEndian(UInt64(4)) + [0x7b, 0x7d, 0x20, 0xff]), .headerNotUTF8(byteOffset: 3))
        expectFailure(Data(littleEndian(UInt64(6)) + [0x7b, 0x22, 0xc0, 0x80, 0x22, 0x7d]), .headerNotUTF8(byteOffset: 2))  // overlong
        expectFailure(Data(littleEndian(UInt64(5)) + [0x7b, 0xed, 0xa0, 0x80, 0x7d]), .headerNotUTF8(byteOffset: 1))  // surrogate
        expectFailure(file(""), .headerNotJSON("expected a value but the header ends at byte 0 of the header"))
        expectFailure(file(#"{"w":}"#), .headerNotJSON("expected a value but found '}' at byte 5 of the header"))
        expectFailure(file(#"{"w":1,}"#), .headerNotJSON("expected a key but found '}' at byte 7 of the header"))
        expectFailure(file("{} x"), .headerNotJSON("unexpected 'x' after the JSON value at byte 3 of the header"))
        expectFailure(file("{\"w\u{1}\":1}"), .headerNotJSON("control character 0x1 inside a string at byte 3 of the header"))
        expectFailure(file(#"{"\ud800":1}"#), .headerNotJSON("lone surrogate \\ud800 at byte 8 of the header"))
        expectFailure(file(#"{"\q":1}"#), .headerNotJSON("invalid escape \\'q' at byte 3 of the header"))
        expectFailure(file(#"{"a":01}"#), .headerNotJSON("expected ',' or '}' but found '1' at byte 6 of the header"))
        expectFailure(file("\u{FEFF}{}"), .headerNotJSON("expected a value but found byte 0xef at byte 0 of the header"))
        expectFailure(file("[]"), .headerNotObject("an array"))
        expectFailure(file("\"x\""), .headerNotObject("\"x\""))
        expectFailure(file("3 "), .headerNotObject("3"))
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        expectFailure(file(#"{"w":"# + deep + "}"), .headerNotJSON("nested deeper than 64 levels at byte 68 of the header"))
        let unclosed = String(repeating: "{\"a\":", count: 100_000)
        expectFailure(file(unclosed), .headerNotJSON("nested deeper than 64 levels at byte 320 of the header"))
    }

    @Test func badEntries() {
        expectFailure(entry("[1]"), .badEntry("is an array, not an object"), tensor: "w")
        expectFailure(entry(#"{"shape":[],"data_offsets":[0,4]}"#, data: 4), .badEntry("has no \"dtype\""), tensor: "w")
        expectFailure(entry(#"{"dtype":"F32","data_offsets":[0,4]}"#, data: 4), .badEntry("has no \"shape\""), tensor: "w")
        expectFailure(entry(#"{"dtype":"F32","shape":[]}"#, data: 4), .badEntry("has no \"data_offsets\""), tensor: "w")
        expectFailure(
            entry(#"{"dtype":"F32","dtype":"F32","shape":[],"data_offsets":[0,4]}"#, data: 4),
            .badEntry("has \"dtype\" twice"), tensor: "w")
        expectFailure(
            entry(#"{"dtype":4,"shape":[],"data_offsets":[0,4]}"#, data: 4),
            .badEntry("dtype is 4, not a string"), tensor: "w")
        for dtype in ["F64", "f32", "", "I8", "F8_E4M3"] {
            expectFailure(entry(dtype: dtype), .unsupportedDType(dtype), tensor: "w")
        }
    }

    @Test func badShapesAndSizes() {
        let notASize = "not a size (an integer from 0 to \(Int.max))"
        let cases: [(shape: String, problem: SafeTensorsError.Problem)] = [
            ("4", .badShape("is 4, not a list")),
            ("[-1]", .badShape("holds -1, \(notASize)")),
            ("[1.0]", .badShape("holds 1.0, \(notASize)")),
            ("[1e0]", .badShape("holds 1e0, \(notASize)")),
            ("[true]", .badShape("holds true, \(notASize)")),
            ("[\"1\"]", .badShape("holds \"1\", \(notASize)")),
            ("[9223372036854775808]", .badShape("holds 9223372036854775808, \(notASize)")),
            ("[3]", .sizeMismatch(expected: 12, actual: 4)),
        ]
        for (shape, problem) in cases { expectFailure(entry(shape: shape), problem, tensor: "w") }
        // Counts that overflow: elements, bytes, and the product of the non-zero sizes of an empty tensor.
        let big = 1 << 62
        expectFailure(entry(shape: "[\(big),4]"), .sizeOverflow(shape: [big, 4]), tensor: "w")
        expectFailure(entry(dtype: "I64", shape: "[\(big / 2),2]"), .sizeOverflow(shape: [big / 2, 2]), tensor: "w")
        expectFailure(
            entry(shape: "[0,\(big),\(big)]", offsets: "[0,0]", data: 0), .sizeOverflow(shape: [0, big, big]),
            tensor: "w")
        expectFailure(
            entry(dtype: "F16", shape: "[2]", offsets: "[0,2]", data: 2), .sizeMismatch(expected: 4, actual: 2),
            tensor: "w")
    }

    @Test func badOffsets() {
        let notAnOffset = "not an offset (an integer from 0 to \(Int.max))"
        let cases: [(offsets: String, problem: SafeTensorsError.Problem)] = [
            ("4", .badOffsets("is 4, not a pair [begin, end]")),
            ("[4]", .badOffsets("is an array, not a pair [begin, end]")),
            ("[0,4,8]", .badOffsets("is an array, not a pair [begin, end]")),
            ("[-4,0]", .badOffsets("holds -4, \(notAnOffset)")),
            ("[0,4.5]", .badOffsets("holds 4.5, \(notAnOffset)")),
            ("[0,null]", .badOffsets("holds null, \(notAnOffset)")),
            ("[4,0]", .offsetsReversed(begin: 4, end: 0)),
            ("[0,8]", .offsetsPastEnd(end: 8, dataSize: 4)),
            ("[0,\(Int.max)]", .offsetsPastEnd(end: Int.max, dataSize: 4)),
        ]
        for (offsets, problem) in cases { expectFailure(entry(offsets: offsets), problem, tensor: "w") }
    }

    @Test func dataMustBeCoveredExactly() {
        func two(_ a: String, _ b: String, data: Int) -> Data {
            file(
                "{\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":\(a)},"
                    + "\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":\(b)}}",
                data: [UInt8](repeating: 0, count: data))
        }
        expectFailure(two("[0,4]", "[8,12]", data: 12), .uncoveredBytes(begin: 4, end: 8), tensor: "b")
        expectFailure(two("[4,8]", "[8,12]", data: 12), .uncoveredBytes(begin: 0, end: 4), tensor: "a")
        expectFailure(two("[0,4]", "[4,8]", data: 12), .uncoveredBytes(begin: 8, end: 12))
        expectFailure(two("[0,4]", "[0,4]", data: 4), .overlaps("a"), tensor: "b")
        expectFailure(two("[2,6]", "[0,4]", data: 6), .overlaps("b"), tensor: "a")
        expectFailure(file("{}", data: [1]), .uncoveredBytes(begin: 0, end: 1))
        // An empty tensor inside another's bytes overlaps it too (the reference rejects it).
        expectFailure(
            file(
                #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"#
                    + #""e":{"dtype":"I64","shape":[0],"data_offsets":[4,4]}}"#,
                data: [UInt8](repeating: 0, count: 8)), .overlaps("a"), tensor: "e")
    }

    @Test func badMetadataAndDuplicates() {
        let w = #""w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}"#
        expectFailure(file("{\"__metadata__\":[],\(w)}", data: [0]), .badMetadata("is an array, not an object"))
        expectFailure(
            file("{\"__metadata__\":{\"epoch\":3},\(w)}", data: [0]),
            .badMetadata("value of \"epoch\" is 3, not a string"))
        expectFailure(
            file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\(w)}", data: [0]),
            .badMetadata("has the key \"k\" twice"))
        expectFailure(file("{\(w),\(w)}", data: [0]), .duplicateName, tensor: "w")
        expectFailure(
            file("{\(w),\(w.replacingOccurrences(of: "\"w\"", with: "\"\\u0077\""))}", data: [0]),
            .duplicateName, tensor: "w")
        expectFailure(
            file("{\"__metadata__\":{},\(w),\"__metadata__\":{}}", data: [0]),
            .duplicateName, tensor: "__metadata__")
    }

    @Test func boolBytesMustBeZeroOrOne() throws {
        let header = #"{"mask":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}"#
        expectFailure(file(header, data: [0, 1, 2, 1]), .badBool(element: 2, value: 2), tensor: "mask")
        #expect(try SafeTensors.decode(file(header, data: [0, 1, 1, 0])).tensor(named: "mask")?.integers == [0, 1, 1, 0])
    }

    @Test func missingFilesAreNamed() throws {
        try withTemporaryFolder { folder in
            let missing = folder.appendingPathComponent("absent.safetensors")
            #expect { try SafeTensors.read(contentsOf: missing) } throws: { error in
                guard let error = error as? SafeTensorsError, case .readFailed = error.problem else { return false }
                return error.path == missing.path && error.description.hasPrefix(missing.path + ": cannot read")
            }
        }
    }

    /// Random damage to 10,000 mutants of a valid file (seeded): every outcome must be a decoded file or a thrown
    /// SafeTensorsError, never a crash or another error. Half the mutants have a JSON token of the
    /// header replaced (the length kept right, so the damage reaches the checks past the parser),
    /// then any mutant may have bytes flipped, overwritten, inserted, cut or truncated.
    @Test func mutatedFilesDecodeOrThrowNeverCrash() throws {
        let generator = RandomGenerator(seed: 2024)
        let valid = [UInt8](
            SafeTensors.encode(
                [
                    ("weight", Tensor.randn([3, 4], generator: generator)),
                    ("labels", Tensor(shape: [3], integers: [2, 0, 1])),
                    ("mask", Tensor(shape: [2], integers: [1, 0], dtype: .bool)),
                    ("steps", Tensor(shape: [], integers: [7], dtype: .int32)),
                ], metadata: ["epoch": "3"]))
        let headerEnd = 8 + valid.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(try SafeTensors.decode(Data(valid)).names == ["weight", "labels", "mask", "steps"])

        // Where the header's numbers and strings are, and what may replace them.
        var tokens: [Range<Int>] = []
        var i = 8
        while i < headerEnd {
            let start = i
            if valid[i] == UInt8(ascii: "\"") {
                i += 1
                while valid[i] != UInt8(ascii: "\"") { i += 1 }
                i += 1
                tokens.append(start..<i)
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(valid[i]) {
                while (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(valid[i]) { i += 1 }
                tokens.append(start..<i)
            } else {
                i += 1
            }
        }
        let replacements = [
            "0", "1", "3", "8", "-1", "2.5", "1e3", "9223372036854775807", "9223372036854775808",
            "4611686018427387904", "true", "null", "[]", "{}", "[0,4]", "\"F16\"", "\"U8\"",
            "\"BOOL\"", "\"F64\"", "\"shape\"", "\"dtype\"", "\"weight\"", "\"labels\"",
            "\"__metadata__\"",
        ].map { Array($0.utf8) }
        let jsonBytes = [UInt8](#"{}[],:"0-1e9.\ "#.utf8)

        var decoded = 0
        var problems = Set<String>()
        for _ in 0..<10_000 {
            var bytes = valid
            var end = headerEnd
            if generator.integer(below: 2) == 0 {
                var header = Array(valid[8..<headerEnd])
                for token in (0...generator.integer(below: 2)).map({ _ in tokens[generator.integer(below: tokens.count)] })
                    .sorted(by: { $0.lowerBound > $1.lowerBound }) where token.upperBound <= header.count + 8
                {
                    header.replaceSubrange(
                        (token.lowerBound - 8)..<(token.upperBound - 8),
                        with: replacements[generator.integer(below: replacements.count)])
                }
                bytes = littleEndian(UInt64(header.count)) + header + valid[headerEnd...]
                end = 8 + header.count
            }
            // Most byte damage lands in the header, where the parsing is.
            func position(_ limit: Int) -> Int {
                generator.integer(below: 4) == 0 ? generator.integer(below: limit) : generator.integer(below: min(limit, end))
            }
            for _ in 0..<generator.integer(below: 4) {
                switch generator.integer(below: 5) {
                case 0: bytes[position(bytes.count)] ^= UInt8(1 << generator.integer(below: 8))
                case 1: bytes[position(bytes.count)] = UInt8(truncatingIfNeeded: generator.next())
                case 2: bytes.removeSubrange(position(bytes.count)...)
                case 3:
                    let inserted = (0...generator.integer(below: 4)).map { _ in
                        jsonBytes[generator.integer(below: jsonBytes.count)]
                    }
                    bytes.insert(contentsOf: inserted, at: position(bytes.count + 1))
                default:
                    let start = position(bytes.count)
                    bytes.removeSubrange(start..<min(bytes.count, start + 1 + generator.integer(below: 8)))
                }
                if bytes.isEmpty { break }
            }
            do {
                let file = try SafeTensors.decode(Data(bytes), path: "mutant.safetensors")
                #expect(Set(file.names).count == file.names.count && file.names.allSatisfy { file.tensor(named: $0) != nil })
                decoded += 1
            } catch let error as SafeTensorsError {
                #expect(error.path == "mutant.safetensors")
                problems.insert(String("\(error.problem)".prefix { $0 != "(" }))
            } catch {
                Issue.record("threw \(error), not a SafeTensorsError")
            }
        }
        // The loop must reach both outcomes and most kinds of failure, or it tests little.
        #expect(decoded >= 100, "\(decoded) mutants decoded")
        #expect(problems.count >= 14, "\(problems.sorted())")
    }
}

// MARK: - Programmer errors

@Suite struct SafeTensorsPreconditionTests {
    private func stderr(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func repeatedNamesStop() async {
        let message = stderr(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = SafeTensors.encode([("w", Tensor([1])), ("w", Tensor([2]))])
            })
        #expect(message.contains("SafeTensors.encode: the name \"w\" is given twice"), "\(message)")
    }

    @Test func theMetadataNameIsReserved() async {
        let message = stderr(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                _ = SafeTensors.encode([("__metadata__", Tensor([1]))])
            })
        #expect(message.contains("\"__metadata__\" names the metadata and cannot name a tensor"), "\(message)")
    }
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
            #expect(
                throws: FileWriteError(
                    path: nowhere.path, step: .createTemporaryFile,
                    reason: "No such file or directory")
            ) {
                try writeFileAtomically(Data([1]), to: nowhere)
            }
            #expect { try SafeTensors.write([("w", Tensor([1]))], to: nowhere) } throws: { error in
                (error as? FileWriteError)?.description
                    == "\(nowhere.path): cannot write (creating the temporary file): No such file or directory"
            }

            // A folder in the way: the rename fails, and the temporary file is removed.
            let occupied = folder.appendingPathComponent("occupied")
            try FileManager.default.createDirectory(
                at: occupied.appendingPathComponent("inside"),
                withIntermediateDirectories: true)
            #expect { try writeFileAtomically(Data([1]), to: occupied) } throws: { error in
                guard let error = error as? FileWriteError else { return false }
                return error.step == .rename && error.path == occupied.path
            }
            #expect(try contents(folder) == ["occupied"])
        }
    }
}
