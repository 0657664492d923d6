import Foundation
import Myelin
import MyelinModels
import Testing

/// Fixtures/cartpole.json, made by Tools/make_cartpole_fixture.py with gymnasium's CartPole-v1.
struct CartPoleFixture: Decodable {
    struct Episode: Decodable {
        // swift-format-ignore: AlwaysUseLowerCamelCase
        var name: String, initial_state: [String], actions: [Int], observations: [[Double]], rewards: [Double]
        var terminated: [Bool], truncated: [Bool]
    }
    var episodes: [Episode]

    static func load() throws -> CartPoleFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cartpole.json")
        return try JSONDecoder().decode(CartPoleFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct CartPoleTests {
    @Test func followsGymnasiumBitForBit() throws {
        let fixture = try CartPoleFixture.load()
        #expect(fixture.episodes.count == 8)
        for episode in fixture.episodes {
            // The recorded state is exact: float.hex of each float64.
            let state = episode.initial_state.map { Double($0)! }
            let cartPole = CartPole()
            let first = cartPole.reset(
                to: CartPole.State(position: state[0], velocity: state[1], angle: state[2], angularVelocity: state[3]))
            #expect(first == state.map { Float($0) })
            for (t, action) in episode.actions.enumerated() {
                let step = cartPole.step(action)
                let expected = episode.observations[t].map { Float($0) }
                guard step.observation == expected else {
                    Issue.record("\(episode.name), step \(t + 1): \(step.observation), gymnasium \(expected)")
                    break
                }
                #expect(step.reward == episode.rewards[t])
                #expect(step.terminated == episode.terminated[t], "\(episode.name), step \(t + 1)")
                #expect(step.truncated == episode.truncated[t], "\(episode.name), step \(t + 1)")
            }
        }
        // What the episodes cover: the pole falling, the cart leaving the track, the 500-step limit.
        let ends = fixture.episodes.map { ($0.actions.count, $0.terminated.last!, $0.truncated.last!) }
        #expect(ends.contains { $0.0 == 500 && !$0.1 && $0.2 })
        #expect(fixture.episodes.contains { Swift.abs($0.observations.last![0]) > 2.4 && $0.terminated.last! })
        #expect(fixture.episodes.contains { Swift.abs($0.observations.last![2]) > 12 * 2 * Double.pi / 360 && $0.terminated.last! })
    }

    @Test func resetDrawsWithinGymnasiumsRangeFromItsSeed() {
        let cartPole = CartPole()
        var seen: Set<[Float]> = []
        for seed in 0..<50 {
            let observation = cartPole.reset(seed: UInt64(seed))
            #expect(observation.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
            seen.insert(observation)
            #expect(CartPole().reset(seed: UInt64(seed)) == observation, "the same seed starts the same episode")
        }
        #expect(seen.count == 50)
        // Without a seed, reset goes on drawing from the generator: a new start.
        let next = cartPole.reset()
        #expect(!seen.contains(next) && next == CartPole(generator: RandomGenerator(seed: 0)).resetTwice(seedFirst: 49))
    }

    @Test func anEpisodeEndsAfter500StepsAtMost() {
        // A controller that keeps the pole up lasts until the time limit: truncated, not terminated.
        let cartPole = CartPole()
        var observation = cartPole.reset(seed: 6)
        var steps = 0
        while true {
            let step = cartPole.step(observation[2] + 0.5 * observation[3] > 0 ? 1 : 0)
            steps += 1
            if step.isLast {
                #expect(step.truncated && !step.terminated && steps == 500)
                break
            }
            observation = step.observation
        }
        #expect(CartPole(maxEpisodeSteps: 10).episodeLength { _ in 1 } <= 10)
    }

    @Test func drawsTheCartAndPole() {
        let cartPole = CartPole()
        cartPole.reset(to: CartPole.State(position: 0, velocity: 0, angle: 0, angularVelocity: 0))
        let frame = cartPole.render()
        #expect(frame.width == 240 && frame.height == 120 && frame.channels == 1)
        // The cart is black at the centre above the track; the upright pole is gray above it, white beside it.
        #expect(frame[x: 120, y: 90, channel: 0] == 0)
        #expect(frame[x: 120, y: 60, channel: 0] < 200 && frame[x: 140, y: 60, channel: 0] == 255)
        cartPole.reset(to: CartPole.State(position: 1, velocity: 0, angle: 0, angularVelocity: 0))
        #expect(cartPole.render()[x: 120, y: 90, channel: 0] == 255 && cartPole.render()[x: 170, y: 90, channel: 0] == 0)
    }
}

@Suite struct CatchTests {
    @Test func theBallFallsAndIsCaughtOrMissed() {
        let game = Catch(rows: 10, columns: 5)
        let start = game.reset(ballColumn: 4)
        // The ball top right, the paddle at the bottom in the middle column.
        #expect(start.count == 50 && start.reduce(0, +) == 2 && start[4] == 1 && start[9 * 5 + 2] == 1)
        // Two moves right put the paddle under the ball; the rest stay. 9 steps, +1 at the last.
        var rewards: [Double] = []
        for action in [2, 2, 1, 1, 1, 1, 1, 1, 1] {
            let step = game.step(action)
            rewards.append(step.reward)
            #expect(step.terminated == (rewards.count == 9) && !step.truncated)
        }
        #expect(rewards == Array(repeating: 0, count: 8) + [1])
        // Staying in the middle misses a ball in column 0; moving left past the edge stays at column 0.
        game.reset(ballColumn: 0)
        #expect((0..<9).map { _ in game.step(1).reward }.last == -1)
        game.reset(ballColumn: 0)
        #expect((0..<9).map { _ in game.step(0).reward }.last == 1 && game.paddleColumn == 0)
    }

    @Test func observationIsTheGridAsAnImage() {
        let game = Catch(rows: 4, columns: 3)
        #expect(game.observationShape == [1, 4, 3] && game.actionCount == 3)
        game.reset(ballColumn: 0)
        let step = game.step(0)
        // Ball at row 1, column 0; paddle moved from column 1 to 0 on row 3.
        #expect(step.observation == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0])
        let frame = game.render()
        #expect(frame.width == 3 * 16 && frame.height == 4 * 16 && frame.channels == 1)
        #expect(frame[x: 8, y: 24, channel: 0] == 255 && frame[x: 40, y: 24, channel: 0] < 64)
    }

    @Test func resetDrawsTheBallsColumnFromItsGenerator() {
        let game = Catch()
        var columns = [Int](repeating: 0, count: 5)
        for _ in 0..<500 {
            let observation = game.reset()
            columns[observation.firstIndex(of: 1)!] += 1
        }
        #expect(columns.allSatisfy { $0 > 60 }, "every column is drawn: \(columns)")
        #expect(Catch().reset(seed: 3) == Catch().reset(seed: 3))
    }
}

extension CartPole {
    /// Steps with `policy` (observation → action) until the episode ends; returns its length.
    fileprivate func episodeLength(_ policy: ([Float]) -> Int) -> Int {
        var observation = reset(seed: 0), steps = 0
        while true {
            let step = step(policy(observation))
            steps += 1
            if step.isLast { return steps }
            observation = step.observation
        }
    }

    /// The start after a seeded one: reset(seed:), then reset().
    fileprivate func resetTwice(seedFirst seed: UInt64) -> [Float] {
        _ = reset(seed: seed)
        return reset()
    }
}
