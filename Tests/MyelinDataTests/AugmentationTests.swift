import MyelinData
import MyelinTensor
import Testing

/// `n` copies of one image [C, H, W] as a batch [n, C, H, W].
private func batch(of image: [[[Float]]], copies n: Int = 1) -> Tensor {
    let values = image.flatMap { $0.flatMap { $0 } }
    return Tensor(
        shape: [n, image.count, image[0].count, image[0][0].count],
        scalars: Array((0..<n).map { _ in values }.joined()))
}

/// The images of a batch [N, 1, H, W] as rows of pixels.
private func planes(_ t: Tensor) -> [[[Float]]] {
    let (h, w) = (t.shape[2], t.shape[3])
    let s = t.scalars
    return (0..<t.shape[0]).map { i in (0..<h).map { y in Array(s[(i * h + y) * w..<(i * h + y + 1) * w]) } }
}

/// `image` moved so that output (y, x) is image (y + dy, x + dx), 0 outside, in an h × w frame.
private func window(_ image: [[Float]], dy: Int, dx: Int, height h: Int, width w: Int) -> [[Float]] {
    (0..<h).map { y in
        (0..<w).map { x in
            let (r, c) = (y + dy, x + dx)
            return r >= 0 && r < image.count && c >= 0 && c < image[0].count ? image[r][c] : 0
        }
    }
}

/// The first seed whose generator's first draws satisfy `condition`.
private func seed(where condition: (RandomGenerator) -> Bool) -> UInt64 {
    (0..<1000).first { condition(RandomGenerator(seed: $0)) }!
}

private let grid3: [[Float]] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
/// torch.rot90(grid3, k) for k = 0…3 (counter-clockwise quarter turns).
private let turns3: [[[Float]]] = [
    grid3,
    [[3, 6, 9], [2, 5, 8], [1, 4, 7]],
    [[9, 8, 7], [6, 5, 4], [3, 2, 1]],
    [[7, 4, 1], [8, 5, 2], [9, 6, 3]],
]

@Suite struct AugmentationTests {
    @Test func flipsOfATwoByThreeImage() {
        let image = batch(of: [[[1, 2, 3], [4, 5, 6]]])
        let g = RandomGenerator(seed: 0)
        let horizontal: ImageAugmentation = [.horizontalFlip(probability: 1)]
        #expect(horizontal(image, generator: g).shape == [1, 1, 2, 3])
        #expect(horizontal(image, generator: g).scalars == [3, 2, 1, 6, 5, 4])
        #expect(ImageAugmentation([.verticalFlip(probability: 1)])(image, generator: g).scalars == [4, 5, 6, 1, 2, 3])
        #expect(
            ImageAugmentation([.horizontalFlip(probability: 1), .verticalFlip(probability: 1)])(image, generator: g).scalars
                == [6, 5, 4, 3, 2, 1])
        #expect(ImageAugmentation([.horizontalFlip(probability: 0)])(image, generator: g).scalars == image.scalars)
        #expect(ImageAugmentation([])(image, generator: g).scalars == image.scalars)

        // Each image draws its own flip: about half of 1000 copies are mirrored.
        let flipped = planes(ImageAugmentation([.horizontalFlip()])(batch(of: [[[1, 2, 3]]], copies: 1000), generator: g))
        #expect(flipped.allSatisfy { $0 == [[1, 2, 3]] || $0 == [[3, 2, 1]] })
        #expect((400...600).contains(flipped.filter { $0 == [[3, 2, 1]] }.count))
    }

    @Test func quarterTurnOfAThreeByThreeAndFourTurnsAreTheIdentity() {
        let rotation: ImageAugmentation = [.rotation90()]
        // The turn count is the generator's first draw, k = integer(below: 4): pick a seed giving 1.
        let one = seed { $0.integer(below: 4) == 1 }
        var image = batch(of: [grid3])
        image = rotation(image, generator: RandomGenerator(seed: one))
        #expect(planes(image) == [turns3[1]])
        for _ in 0..<3 { image = rotation(image, generator: RandomGenerator(seed: one)) }
        #expect(planes(image) == [grid3])

        // Every image of a batch is one of the four turns, and all four appear.
        let turned = planes(rotation(batch(of: [grid3], copies: 64), generator: RandomGenerator(seed: 5)))
        #expect(turned.allSatisfy { turns3.contains($0) })
        #expect(Set(turned.map { turns3.firstIndex(of: $0)! }) == [0, 1, 2, 3])
    }

    @Test func cropWithPaddingPlacesTheImageAtTheDrawnOffset() {
        let crop: ImageAugmentation = [.randomCrop(size: 3, padding: 1)]
        // A fixed draw: top and left are the generator's first two draws, each in 0…2.
        let g = RandomGenerator(seed: 11)
        let (top, left) = (g.integer(below: 3), g.integer(below: 3))
        let out = crop(batch(of: [grid3]), generator: RandomGenerator(seed: 11))
        #expect(out.shape == [1, 1, 3, 3])
        #expect(planes(out) == [window(grid3, dy: top - 1, dx: left - 1, height: 3, width: 3)])

        // Over many images, each is a shifted copy with zeros elsewhere, and all 9 offsets appear.
        let candidates = (0..<9).map { window(grid3, dy: $0 / 3 - 1, dx: $0 % 3 - 1, height: 3, width: 3) }
        let crops = planes(crop(batch(of: [grid3], copies: 300), generator: RandomGenerator(seed: 2)))
        #expect(crops.allSatisfy { candidates.contains($0) })
        #expect(Set(crops.map { candidates.firstIndex(of: $0)! }) == Set(0..<9))

        // A smaller window without padding, and a rectangular one: the output shape changes.
        let small = planes(ImageAugmentation([.randomCrop(size: 2)])(batch(of: [grid3], copies: 100), generator: g))
        let windows = (0..<4).map { window(grid3, dy: $0 / 2, dx: $0 % 2, height: 2, width: 2) }
        #expect(small.allSatisfy { windows.contains($0) })
        #expect(Set(small.map { windows.firstIndex(of: $0)! }) == Set(0..<4))
        let wide: ImageAugmentation = [.randomCrop(height: 2, width: 5, padding: 1)]
        #expect(wide.outputShape(for: [7, 3, 3, 3]) == [7, 3, 2, 5])
        #expect(wide(batch(of: [grid3], copies: 4), generator: g).shape == [4, 1, 2, 5])
    }

    @Test func shiftsStayWithinTheirBounds() {
        let image: [[Float]] = (0..<5).map { y in (0..<5).map { x in Float(1 + 5 * y + x) } }
        let shifted = planes(
            ImageAugmentation([.shift(maxPixels: 2)])(batch(of: [image], copies: 500), generator: RandomGenerator(seed: 3)))
        let candidates = (0..<25).map { window(image, dy: $0 / 5 - 2, dx: $0 % 5 - 2, height: 5, width: 5) }
        #expect(shifted.allSatisfy { candidates.contains($0) })
        #expect(Set(shifted.map { candidates.firstIndex(of: $0)! }) == Set(0..<25))
        // No shift at all.
        let still = ImageAugmentation([.shift(maxPixels: 0)])(batch(of: [image]), generator: RandomGenerator(seed: 3))
        #expect(planes(still) == [image])
    }

    @Test func channelsMoveTogether() {
        // Channel c holds the pixel number + 100·c; zeros come only from outside the image.
        let image: [[[Float]]] = (0..<3).map { (c: Int) -> [[Float]] in
            (0..<4).map { (y: Int) -> [Float] in (0..<4).map { (x: Int) -> Float in Float(1 + 4 * y + x + 100 * c) } }
        }
        let augmentation: ImageAugmentation = [.horizontalFlip(), .rotation90(), .shift(maxPixels: 1), .verticalFlip()]
        let out = augmentation(batch(of: image, copies: 50), generator: RandomGenerator(seed: 4)).scalars
        for i in 0..<50 {
            let base = i * 48
            for p in 0..<16 {
                let first = out[base + p]
                for c in 1..<3 { #expect(out[base + 16 * c + p] == (first == 0 ? 0 : first + Float(100 * c))) }
            }
        }
    }

    @Test func oneFusedPassEqualsTheStepsOneAfterAnother() {
        // For one image the draws come in the same order either way; zeros from a shift must stay
        // zeros after a later shift back, as they would step by step.
        let image: [[Float]] = (0..<5).map { y in (0..<5).map { x in Float(1 + 5 * y + x) } }
        let steps: [ImageAugmentation.Step] = [
            .shift(maxPixels: 2), .rotation90(), .randomCrop(size: 4, padding: 1),
            .horizontalFlip(), .shift(maxPixels: 1), .verticalFlip(), .rotation90(),
            .randomCrop(height: 3, width: 4, padding: 2),
        ]
        for s in 0..<60 {
            let fused = ImageAugmentation(steps)(batch(of: [image]), generator: RandomGenerator(seed: UInt64(s)))
            let g = RandomGenerator(seed: UInt64(s))
            let stepwise = steps.reduce(batch(of: [image])) { ImageAugmentation([$1])($0, generator: g) }
            #expect(fused.shape == [1, 1, 3, 4])
            #expect(fused.scalars == stepwise.scalars, "seed \(s)")
        }
    }

    @Test func seededAndReproducible() {
        let images = Tensor(shape: [8, 2, 6, 6], scalars: (0..<576).map(Float.init))
        let augmentation: ImageAugmentation = [.randomCrop(size: 6, padding: 2), .horizontalFlip(), .rotation90()]
        let a = augmentation(images, generator: RandomGenerator(seed: 1))
        #expect(a.scalars == augmentation(images, generator: RandomGenerator(seed: 1)).scalars)
        #expect(a.scalars != augmentation(images, generator: RandomGenerator(seed: 2)).scalars)
        // The input is untouched, and a strided view gives what its contiguous copy gives.
        #expect(images.scalars == (0..<576).map(Float.init))
        let view = Tensor(shape: [8, 6, 6, 2], scalars: (0..<576).map(Float.init)).permuted([0, 3, 1, 2])
        #expect(
            augmentation(view, generator: RandomGenerator(seed: 1)).scalars
                == augmentation(view.contiguousCopy(), generator: RandomGenerator(seed: 1)).scalars)
    }

    @Test func descriptionsSpellTheSteps() {
        let augmentation: ImageAugmentation = [
            .horizontalFlip(), .randomCrop(size: 28, padding: 4), .shift(maxPixels: 2),
            .rotation90(), .verticalFlip(probability: 0.25), .randomCrop(height: 2, width: 3),
        ]
        #expect(
            augmentation.description == "ImageAugmentation([horizontalFlip(probability: 0.5), randomCrop(size: 28, padding: 4), "
                + "shift(maxPixels: 2), rotation90(), verticalFlip(probability: 0.25), randomCrop(height: 2, width: 3, padding: 0)])")
        #expect(augmentation == ImageAugmentation(augmentation.steps))
    }

    @Test func dataLoaderAugmentsInputsReproduciblyWithOrWithoutPrefetch() {
        // 20 images [1, 4, 4] whose pixels are 100·i + 1 + p; label i.
        let features = (0..<20).flatMap { i in (0..<16).map { Float(100 * i + 1 + $0) } }
        let data = TensorDataset(features: features, featureShape: [1, 4, 4], labels: Array(0..<20))
        let augmentation: ImageAugmentation = [.randomCrop(size: 4, padding: 1), .horizontalFlip(), .rotation90()]
        func epochs(seed: UInt64, prefetch: Bool, augmentation: ImageAugmentation? = augmentation) -> [[Float]] {
            let loader = DataLoader(
                data, batchSize: 6, shuffle: true, augmentation: augmentation,
                generator: RandomGenerator(seed: seed), prefetch: prefetch)
            return (0..<3).map { _ in loader.flatMap { $0.inputs.scalars } }
        }
        let a = epochs(seed: 1, prefetch: true)
        #expect(a == epochs(seed: 1, prefetch: true))
        #expect(a == epochs(seed: 1, prefetch: false))
        #expect(a != epochs(seed: 2, prefetch: true))
        #expect(a != epochs(seed: 1, prefetch: true, augmentation: nil))
        #expect(a[0] != a[1] && a[1] != a[2])

        // Labels are untouched and still name their images; the shuffle of the first epoch is the
        // one without augmentation (its seed is drawn after the permutation).
        let loader = DataLoader(data, batchSize: 6, shuffle: true, augmentation: augmentation, generator: RandomGenerator(seed: 1))
        let plain = DataLoader(data, batchSize: 6, shuffle: true, generator: RandomGenerator(seed: 1))
        for ((inputs, labels), (plainInputs, plainLabels)) in zip(loader, plain) {
            #expect(labels.dtype == .int64)
            #expect(labels.integers == plainLabels.integers)
            #expect(inputs.shape == plainInputs.shape)
            for (k, label) in labels.integers.enumerated() {
                let pixels = inputs.scalars[(16 * k)..<(16 * k + 16)].filter { $0 != 0 }
                #expect(!pixels.isEmpty && pixels.allSatisfy { Int($0 - 1) / 100 == label })
            }
        }

        // A deterministic step shows the augmentation is applied to exactly the batch's images.
        let mirrored = DataLoader(
            data, batchSize: 6, shuffle: true, augmentation: [.horizontalFlip(probability: 1)],
            generator: RandomGenerator(seed: 1))
        let flip: ImageAugmentation = [.horizontalFlip(probability: 1)]
        let unflipped = DataLoader(data, batchSize: 6, shuffle: true, generator: RandomGenerator(seed: 1))
        for ((inputs, _), (plainInputs, _)) in zip(mirrored, unflipped) {
            #expect(inputs.scalars == flip(plainInputs, generator: RandomGenerator(seed: 0)).scalars)
        }
    }

    @Test func rotationOfANonSquareImageIsAPreconditionFailure() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ImageAugmentation([.rotation90()])(Tensor.zeros([2, 1, 2, 3]), generator: RandomGenerator(seed: 0))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(
            message.contains("ImageAugmentation: rotation90() needs square images, but they are 2×3 here (input shape [2, 1, 2, 3])"),
            "\(message)")
    }

    @Test func aBatchThatIsNotNCHWIsAPreconditionFailure() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ImageAugmentation([.horizontalFlip()])(Tensor.zeros([4, 784]), generator: RandomGenerator(seed: 0))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("ImageAugmentation: needs a batch of images [N, C, H, W], got shape [4, 784]"), "\(message)")
    }

    @Test func aCropLargerThanThePaddedImageIsAPreconditionFailure() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ImageAugmentation([.randomCrop(size: 7, padding: 1)])(Tensor.zeros([1, 1, 4, 4]), generator: RandomGenerator(seed: 0))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("ImageAugmentation: randomCrop(size: 7, padding: 1) does not fit in 4×4 images padded by 1"), "\(message)")
    }
}
