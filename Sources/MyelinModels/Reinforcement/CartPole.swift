import Foundation
import MyelinTensor
import MyelinVision

/// The cart-pole of Barto, Sutton and Anderson (1983) as gymnasium's CartPole-v1 has it: a pole
/// hinged on a cart that moves along a frictionless track; each step pushes the cart left (action
/// 0) or right (1) with 10 N for 0.02 s. The reward is 1 for every step, the last included; the
/// episode terminates when the pole leans more than 12° or the cart's centre leaves ±2.4 m, and is
/// truncated after 500 steps. Observations are [position, velocity, angle, angular velocity].
///
/// The arithmetic is gymnasium's, in double precision and in its order (explicit Euler: position
/// and angle advance with the old velocities), with float32 observations, so that from the same
/// state under the same actions the observations are the same bits (`Tools/make_cartpole_fixture.py`
/// records gymnasium's). Initial states are drawn uniformly from ±0.05 as gymnasium's are, but from
/// Myelin's generator: `reset(to:)` starts from a given state instead.
public final class CartPole: Environment {
    /// The state, in SI units and radians.
    public struct State: Equatable, Sendable {
        public var position: Double
        public var velocity: Double
        public var angle: Double
        public var angularVelocity: Double

        public init(position: Double, velocity: Double, angle: Double, angularVelocity: Double) {
            self.position = position
            self.velocity = velocity
            self.angle = angle
            self.angularVelocity = angularVelocity
        }

        /// The observation: each value rounded to float32.
        public var observation: [Float] { [Float(position), Float(velocity), Float(angle), Float(angularVelocity)] }
    }

    // gymnasium's constants, computed as it computes them.
    static let gravity = 9.8, cartMass = 1.0, poleMass = 0.1
    static let totalMass = poleMass + cartMass
    /// Half the pole's length.
    static let halfLength = 0.5
    static let poleMassLength = poleMass * halfLength
    static let force = 10.0, tau = 0.02
    /// 12°, as gymnasium writes it: 12 * 2 * π / 360.
    static let angleLimit = 12 * 2 * Double.pi / 360
    static let positionLimit = 2.4

    public let observationShape = [4]
    public let actionCount = 2
    public let generator: RandomGenerator
    /// Steps after which an episode is truncated (gymnasium's `max_episode_steps` for CartPole-v1).
    public let maxEpisodeSteps: Int

    public private(set) var state: State?
    /// Steps taken in the episode under way.
    public private(set) var elapsedSteps = 0
    private var isOver = true

    public init(generator: RandomGenerator = RandomGenerator(seed: 0), maxEpisodeSteps: Int = 500) {
        precondition(maxEpisodeSteps > 0, "CartPole: maxEpisodeSteps must be at least 1, got \(maxEpisodeSteps)")
        self.generator = generator
        self.maxEpisodeSteps = maxEpisodeSteps
    }

    public func reset(seed: UInt64?) -> [Float] {
        if let seed { generator.reseed(seed) }
        // Uniform in [−0.05, 0.05) with the 53 bits of a double, like numpy's uniform.
        func draw() -> Double { -0.05 + 0.1 * (Double(generator.next() >> 11) * 0x1p-53) }
        let (position, velocity, angle, angularVelocity) = (draw(), draw(), draw(), draw())
        return reset(to: State(position: position, velocity: velocity, angle: angle, angularVelocity: angularVelocity))
    }

    /// Starts an episode from `state` (drawing nothing); returns its observation.
    @discardableResult
    public func reset(to state: State) -> [Float] {
        self.state = state
        elapsedSteps = 0
        isOver = false
        return state.observation
    }

    public func step(_ action: Int) -> EnvironmentStep {
        precondition(action == 0 || action == 1, "CartPole.step: the action must be 0 (left) or 1 (right), got \(action)")
        guard var s = state, !isOver else {
            preconditionFailure("CartPole.step: \(state == nil ? "no episode has started" : "the episode is over"); call reset first")
        }
        let force = action == 1 ? Self.force : -Self.force
        let cosine = cos(s.angle), sine = sin(s.angle)
        let temp = (force + Self.poleMassLength * (s.angularVelocity * s.angularVelocity) * sine) / Self.totalMass
        let angularAcceleration =
            (Self.gravity * sine - cosine * temp)
            / (Self.halfLength * (4.0 / 3.0 - Self.poleMass * (cosine * cosine) / Self.totalMass))
        let acceleration = temp - Self.poleMassLength * angularAcceleration * cosine / Self.totalMass
        s.position = s.position + Self.tau * s.velocity
        s.velocity = s.velocity + Self.tau * acceleration
        s.angle = s.angle + Self.tau * s.angularVelocity
        s.angularVelocity = s.angularVelocity + Self.tau * angularAcceleration
        state = s
        elapsedSteps += 1
        let terminated =
            s.position < -Self.positionLimit || s.position > Self.positionLimit || s.angle < -Self.angleLimit
            || s.angle > Self.angleLimit
        let truncated = elapsedSteps >= maxEpisodeSteps
        isOver = terminated || truncated
        return EnvironmentStep(observation: s.observation, reward: 1, terminated: terminated, truncated: truncated)
    }

    /// A 240×120 drawing: the track, the cart (black), the pole (gray) at its angle and the step count.
    /// The picture spans the track's ±2.4 m, 50 pixels to the metre.
    public func render() -> Image {
        let width = 240, height = 120, scale = Double(width) / (2 * Self.positionLimit)
        var canvas = Canvas(width: width, height: height, background: .white)
        let trackY = 96
        canvas.fill(PixelRect(x: 0, y: trackY, width: width, height: 1), RGB(128, 128, 128))
        guard let s = state else { return canvas.grayImage }
        let cartX = s.position * scale + Double(width) / 2
        canvas.fill(PixelRect(x: Int((cartX - 10).rounded()), y: trackY - 12, width: 20, height: 12), .black)
        let axle = (x: cartX, y: Double(trackY - 9))
        let poleLength = 2 * Self.halfLength * scale
        let tip = (x: axle.x + poleLength * sin(s.angle), y: axle.y - poleLength * cos(s.angle))
        canvas.strokePolyline([axle, tip], RGB(150, 150, 150), lineWidth: 4, clip: canvas.bounds)
        canvas.fillCircle(center: axle, radius: 2, RGB(90, 90, 90), clip: canvas.bounds)
        canvas.drawText("step \(elapsedSteps)", x: 4, y: 4, scale: 1, .black)
        return canvas.grayImage
    }
}
