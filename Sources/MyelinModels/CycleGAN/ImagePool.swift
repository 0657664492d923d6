import MyelinTensor

/// Zhu et al.'s history of generated images (after Shrivastava et al. 2017): a discriminator learns
/// from fakes some of which are older, so that it does not chase the generator's latest move.
///
/// Until the pool is full, every image goes in and comes back as it is. After that, each image
/// comes back as it is with probability ½; otherwise a stored image chosen at random comes back in
/// its place and the new one takes its slot. The draws come from `generator`.
///
/// `images` and `stored` are the pool's whole state, as tensors, so a `TrainingCheckpoint` saves
/// and restores them (as run tensors) with the generator, for an exact resume.
public final class ImagePool {
    public let capacity: Int
    /// The stored images, [capacity] + image shape; rows from `count` on are zeros.
    public let images: Tensor
    /// How many images are stored, as a float32 [1] (exact up to 2²⁴).
    public let stored: Tensor
    public let generator: RandomGenerator

    /// An empty pool for `capacity` images of `imageShape` (capacity 0: every image passes through).
    public init(capacity: Int = 50, imageShape: [Int], generator: RandomGenerator) {
        precondition(capacity >= 0, "ImagePool: the capacity must not be negative, got \(capacity)")
        self.capacity = capacity
        images = Tensor.zeros([capacity] + imageShape)
        stored = Tensor.zeros([1])
        self.generator = generator
    }

    public var count: Int { Int(stored.scalars[0]) }

    /// The images a discriminator learns from in place of `batch` [N] + image shape: the same shape,
    /// not recording gradients.
    public func query(_ batch: Tensor) -> Tensor {
        let size = images.count / max(capacity, 1)
        precondition(
            batch.rank >= 1 && Array(batch.shape.dropFirst()) == Array(images.shape.dropFirst()),
            "ImagePool.query: batch \(batch.shape) does not hold images of shape \(Array(images.shape.dropFirst()))")
        let incoming = batch.detached().scalars
        guard capacity > 0 else { return Tensor(shape: batch.shape, scalars: incoming) }
        var pool = images.scalars, out = incoming, count = self.count
        for i in 0..<batch.shape[0] {
            let image = (i * size)..<((i + 1) * size)
            if count < capacity {
                pool.replaceSubrange((count * size)..<((count + 1) * size), with: incoming[image])
                count += 1
            } else if generator.uniform() >= 0.5 {
                // Swap: the new image takes a random slot, whose old image goes to the discriminator.
                let slot = generator.integer(below: capacity), old = (slot * size)..<((slot + 1) * size)
                out.replaceSubrange(image, with: pool[old])
                pool.replaceSubrange(old, with: incoming[image])
            }
        }
        images.assign(Tensor(shape: images.shape, scalars: pool))
        stored.fill(Float(count))
        return Tensor(shape: batch.shape, scalars: out)
    }
}
