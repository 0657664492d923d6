import CMyelinKernels
import Foundation
import Testing

extension KernelTests {
    /// word2vec's kernels: one prediction is one SGD step on its loss (against the gradient written
    /// out and finite differences, in double precision), the sentence loop makes the predictions
    /// word2vec.c makes (by hand on a short sentence), and its draws — subsampling, noise words — come
    /// at the rates asked for.
    @Suite struct Word2VecKernel {
        /// The loss of one prediction: −log σ(h·o₀) − Σ_{t>0} log σ(−h·o_t), rows[t] = o_t.
        static func loss(_ h: [Double], _ rows: [[Double]]) -> Double {
            rows.enumerated().reduce(0) { sum, item in
                let x = zip(h, item.element).reduce(0) { $0 + $1.0 * $1.1 }
                let margin = item.offset == 0 ? -x : x
                return sum + max(margin, 0) + log1p(exp(-abs(margin)))
            }
        }

        static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

        /// The tables for a call: no subsampling, and a noise table that always gives column i word i.
        static func settings(
            words: Int, dimensions: Int, window: Int, negative: Int, cbow: Bool, keep: UnsafePointer<UInt32>?,
            thresholds: UnsafePointer<UInt32>, aliases: UnsafePointer<Int32>
        ) -> myelin_word2vec_settings {
            myelin_word2vec_settings(
                words: Int64(words), dimensions: Int64(dimensions), window: Int32(window), negative: Int32(negative),
                cbow: cbow ? 1 : 0, keep: keep, noise_threshold: thresholds, noise_alias: aliases)
        }

        @Test(arguments: [[3, 1, 4, 0], [3, 1, 3, 2]] as [[Int32]])  // four rows, then one of them twice
        func aPredictionIsOneSGDStepOnItsLoss(targets: [Int32]) {
            let d = 37, v = 5, lr: Float = 0.1  // 37: a partial last vector on every path
            var floats = SeededFloats(seed: 7)
            let h = floats.array(d), output = floats.array(v * d)
            let h64 = h.map(Double.init), output64 = output.map(Double.init)
            func rows(_ o: [Double]) -> [[Double]] { targets.map { Array(o[Int($0) * d..<(Int($0) + 1) * d]) } }
            // The gradient written out: ∂L/∂(h·o_t) = σ(h·o_t) − label_t.
            var gradientH = [Double](repeating: 0, count: d), gradientOutput = [Double](repeating: 0, count: v * d)
            for (t, row) in rows(output64).enumerated() {
                let slope = Self.sigmoid(zip(h64, row).reduce(0) { $0 + $1.0 * $1.1 }) - (t == 0 ? 1 : 0)
                for j in 0..<d {
                    gradientH[j] += slope * row[j]
                    gradientOutput[Int(targets[t]) * d + j] += slope * h64[j]
                }
            }
            // ... and by central differences, which it must match.
            let step = 1e-6
            for j in 0..<d {
                var plus = h64, minus = h64
                plus[j] += step
                minus[j] -= step
                let numeric = (Self.loss(plus, rows(output64)) - Self.loss(minus, rows(output64))) / (2 * step)
                #expect(abs(numeric - gradientH[j]) <= 1e-7, "∂L/∂h[\(j)]: \(numeric) by differences, \(gradientH[j]) written out")
            }
            for i in Set(targets.map(Int.init)) {
                for j in 0..<d {
                    var plus = output64, minus = output64
                    plus[i * d + j] += step
                    minus[i * d + j] -= step
                    let numeric = (Self.loss(h64, rows(plus)) - Self.loss(h64, rows(minus))) / (2 * step)
                    #expect(abs(numeric - gradientOutput[i * d + j]) <= 1e-7, "∂L/∂o\(i)[\(j)]")
                }
            }
            let expectedLoss = Self.loss(h64, rows(output64))
            onEveryPath { path in
                var rowsAfter = output, update = [Float](repeating: .nan, count: d)
                let loss = myelin_word2vec_predict(Int64(d), h, &rowsAfter, targets, Int32(targets.count), lr, &update)
                // float32 dot products of 37 terms: within 2e-6 of the double-precision values.
                #expect(abs(Double(loss) - expectedLoss) <= 2e-6 * expectedLoss, "\(name(path)): loss \(loss), expected \(expectedLoss)")
                let worstH = (0..<d).map { abs(Double(update[$0]) + Double(lr) * gradientH[$0]) }.max()!
                let worstO = (0..<(v * d)).map { abs(Double(rowsAfter[$0] - output[$0]) + Double(lr) * gradientOutput[$0]) }.max()!
                #expect(worstH <= 2e-6 && worstO <= 2e-6, "\(name(path)): update off by \(worstH), rows by \(worstO)")
            }
        }

        @Test(arguments: [false, true])
        func theSentenceLoopMakesWord2VecsPredictions(cbow: Bool) {
            // Window 1 and no noise words: whatever is drawn, each word's context is its neighbours.
            let v = 4, d = 5, lr: Float = 0.05
            let sentence: [Int32] = [1, 2, 3, 1, 2]
            var floats = SeededFloats(seed: 3)
            let input = floats.array(v * d), output = floats.array(v * d)
            // By hand, in double, word by word as word2vec.c goes.
            var inputs = input.map(Double.init), outputs = output.map(Double.init), loss = 0.0, predictions = 0
            func predict(_ h: [Double], _ word: Int) -> [Double] {
                let o = Array(outputs[word * d..<(word + 1) * d])
                let x = zip(h, o).reduce(0) { $0 + $1.0 * $1.1 }, g = Double(lr) * (1 - Self.sigmoid(x))
                loss += Self.loss(h, [o])
                predictions += 1
                for j in 0..<d { outputs[word * d + j] += g * h[j] }
                return o.map { g * $0 }
            }
            for i in sentence.indices {
                let context = [i - 1, i + 1].filter { sentence.indices.contains($0) }.map { Int(sentence[$0]) }
                if cbow {
                    let mean = (0..<d).map { j in context.reduce(0) { $0 + inputs[$1 * d + j] } / Double(context.count) }
                    let update = predict(mean, Int(sentence[i]))
                    for c in context { for j in 0..<d { inputs[c * d + j] += update[j] } }
                } else {
                    for c in context {
                        let update = predict(Array(inputs[c * d..<(c + 1) * d]), Int(sentence[i]))
                        for j in 0..<d { inputs[c * d + j] += update[j] }
                    }
                }
            }
            let thresholds = [UInt32](repeating: .max, count: v), aliases = (0..<v).map(Int32.init), starts: [Int64] = [0, 5]
            onEveryPath { path in
                var trainedInput = input, trainedOutput = output
                var settings = Self.settings(
                    words: v, dimensions: d, window: 1, negative: 0, cbow: cbow, keep: nil, thresholds: thresholds, aliases: aliases)
                let result = myelin_word2vec_train(&settings, &trainedInput, &trainedOutput, sentence, starts, 1, lr, 42, 1)
                #expect(result.kept == 5 && result.predictions == predictions, "\(name(path)): \(result)")
                #expect(abs(result.loss - loss) <= 1e-5 * loss, "\(name(path)): loss \(result.loss), by hand \(loss)")
                let worst = max(
                    zip(trainedInput, inputs).map { abs(Double($0) - $1) }.max()!,
                    zip(trainedOutput, outputs).map { abs(Double($0) - $1) }.max()!)
                #expect(worst <= 1e-6, "\(name(path)): \(worst) from the vectors by hand")
            }
        }

        @Test func subsamplingKeepsEachOccurrenceAtItsRate() {
            let n = 40_000, p = 0.3
            let sentence = [Int32](repeating: 1, count: n), starts: [Int64] = [0, Int64(n)]
            let keep: [UInt32] = [.max, UInt32(p * Double(UInt32.max))]
            let thresholds = [UInt32](repeating: .max, count: 2), aliases: [Int32] = [0, 1]
            var input = [Float](repeating: 0, count: 2), output = [Float](repeating: 0, count: 2)
            keep.withUnsafeBufferPointer { keep in
                var settings = Self.settings(
                    words: 2, dimensions: 1, window: 1, negative: 0, cbow: false, keep: keep.baseAddress, thresholds: thresholds,
                    aliases: aliases)
                let kept = Double(myelin_word2vec_train(&settings, &input, &output, sentence, starts, 1, 0, 9, 1).kept)
                let sigma = (Double(n) * p * (1 - p)).squareRoot()
                #expect(abs(kept - Double(n) * p) <= 5 * sigma, "kept \(kept) of \(n), expected \(Double(n) * p) ± \(5 * sigma)")
            }
        }

        /// Noise words are counted through the loss: with a learning rate of 0 nothing changes, h = 1
        /// and the word's score is large, so a prediction's loss is 20 for each time the one word whose
        /// score is 20 is drawn, and ~0 for the others (scores −100).
        @Test func noiseWordsComeAtTheAliasTablesRates() {
            // Column i holds 1/6: word i up to the threshold, then its alias. Word 0, the sentence's only
            // word, is never noise; the others come with probabilities 0.1, 0.2, 0.3, 0.15, 0.25.
            let probabilities = [0, 0.1, 0.2, 0.3, 0.15, 0.25]
            let thresholds: [UInt32] = [0, UInt32(0.6 * 0x1p32), .max, UInt32(0.8 * 0x1p32), UInt32(0.9 * 0x1p32), UInt32(0.9 * 0x1p32)]
            let aliases: [Int32] = [3, 5, 2, 5, 2, 2]
            let n = 20_000, negative = 5
            let sentence = [Int32](repeating: 0, count: n), starts: [Int64] = [0, Int64(n)]
            let draws = Double(2 * (n - 1) * negative)  // skip-gram, window 1: two predictions a word but at the ends
            for word in 1..<6 {
                var input: [Float] = (0..<6).map { _ in 1 }
                var output: [Float] = (0..<6).map { $0 == 0 ? 30 : $0 == word ? 20 : -100 }
                var settings = Self.settings(
                    words: 6, dimensions: 1, window: 1, negative: negative, cbow: false, keep: nil, thresholds: thresholds,
                    aliases: aliases)
                let result = myelin_word2vec_train(&settings, &input, &output, sentence, starts, 1, 0, 5, 1)
                let count = (result.loss / 20).rounded(), expected = draws * probabilities[word]
                let sigma = (draws * probabilities[word] * (1 - probabilities[word])).squareRoot()
                #expect(abs(count - expected) <= 5 * sigma, "word \(word) drawn \(count) times, expected \(expected) ± \(5 * sigma)")
            }
        }

        @Test func slicesAddUpTheSameOnAnyThreadCount() {
            // A learning rate of 0 changes nothing, so each slice's draws and losses are its own: the
            // totals must be the same bits however the slices are shared out.
            let v = 50, d = 16
            var floats = SeededFloats(seed: 11)
            var input = floats.array(v * d), output = floats.array(v * d)
            var starts: [Int64] = [0], words = [Int32]()
            for s in 0..<400 {
                words += (0..<(3 + s % 17)).map { _ in Int32(abs(floats.next()) * Float(v - 1)) }
                starts.append(Int64(words.count))
            }
            let keep = (0..<v).map { UInt32(Double(UInt32.max) * (0.5 + 0.5 * Double($0) / Double(v))) }
            let thresholds = [UInt32](repeating: .max, count: v), aliases = (0..<v).map(Int32.init)
            keep.withUnsafeBufferPointer { keep in
                var settings = Self.settings(
                    words: v, dimensions: d, window: 4, negative: 3, cbow: false, keep: keep.baseAddress, thresholds: thresholds,
                    aliases: aliases)
                let one = myelin_word2vec_train(&settings, &input, &output, words, starts, 400, 0, 17, 1)
                let three = myelin_word2vec_train(&settings, &input, &output, words, starts, 400, 0, 17, 3)
                let otherSeed = myelin_word2vec_train(&settings, &input, &output, words, starts, 400, 0, 18, 1)
                #expect(one.kept == three.kept && one.predictions == three.predictions && one.loss == three.loss)
                #expect(one.predictions != otherSeed.predictions || one.loss != otherSeed.loss, "another seed draws the same")
            }
        }
    }
}
