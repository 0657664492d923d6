import MyelinTensor
import MyelinVision

/// Catch, as DeepMind's bsuite has it: a ball falls one row per step down a grid of `rows` ×
/// `columns` cells from a random column of the top row; a paddle on the bottom row, starting in the
/// middle column, moves left (action 0), stays (1) or moves right (2) each step. When the ball
/// reaches the bottom row the episode terminates with reward +1 if the paddle is under it, −1 if
/// not; every other step gives 0. An episode is `rows − 1` steps.
///
/// The observation is the grid as a one-channel image, [1, rows, columns]: 1 where the ball and
/// the paddle are, 0 elsewhere — the agent sees pixels, not positions.
public final class Catch: Environment {
    public let rows: Int
    public let columns: Int
    public let actionCount = 3
    public let generator: RandomGenerator
    public var observationShape: [Int] { [1, rows, columns] }

    public private(set) var ball: (row: Int, column: Int)?
    public private(set) var paddleColumn = 0
    private var isOver = true

    /// bsuite's grid is 10 rows by 5 columns: the paddle can reach any column before the ball lands.
    public init(rows: Int = 10, columns: Int = 5, generator: RandomGenerator = RandomGenerator(seed: 0)) {
        precondition(rows >= 2 && columns >= 1, "Catch: needs at least 2 rows and 1 column, got \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.generator = generator
    }

    public func reset(seed: UInt64?) -> [Float] {
        if let seed { generator.reseed(seed) }
        return reset(ballColumn: generator.integer(below: columns))
    }

    /// Starts an episode with the ball above `ballColumn` (drawing nothing); returns its observation.
    @discardableResult
    public func reset(ballColumn: Int) -> [Float] {
        precondition((0..<columns).contains(ballColumn), "Catch.reset: column \(ballColumn) is outside 0..<\(columns)")
        ball = (0, ballColumn)
        paddleColumn = columns / 2
        isOver = false
        return observation
    }

    public func step(_ action: Int) -> EnvironmentStep {
        precondition((0..<3).contains(action), "Catch.step: the action must be 0 (left), 1 (stay) or 2 (right), got \(action)")
        guard var ball, !isOver else {
            preconditionFailure("Catch.step: \(ball == nil ? "no episode has started" : "the episode is over"); call reset first")
        }
        paddleColumn = min(max(paddleColumn + action - 1, 0), columns - 1)
        ball.row += 1
        self.ball = ball
        let landed = ball.row == rows - 1
        isOver = landed
        let reward: Double = landed ? (ball.column == paddleColumn ? 1 : -1) : 0
        return EnvironmentStep(observation: observation, reward: reward, terminated: landed, truncated: false)
    }

    /// The grid: 1 at the ball and the paddle.
    private var observation: [Float] {
        var grid = [Float](repeating: 0, count: rows * columns)
        if let ball { grid[ball.row * columns + ball.column] = 1 }
        grid[(rows - 1) * columns + paddleColumn] = 1
        return grid
    }

    /// The grid drawn 16 pixels to a cell: the ball and paddle white on a dark board, the cells outlined.
    public func render() -> Image {
        let cell = 16
        var canvas = Canvas(width: columns * cell, height: rows * cell, background: RGB(24, 24, 24))
        for row in 0..<rows {
            for column in 0..<columns {
                canvas.stroke(PixelRect(x: column * cell, y: row * cell, width: cell, height: cell), RGB(48, 48, 48))
            }
        }
        if let ball {
            canvas.fillCircle(
                center: (Double(ball.column * cell) + Double(cell) / 2, Double(ball.row * cell) + Double(cell) / 2),
                radius: Double(cell) / 2 - 2, .white, clip: canvas.bounds)
        }
        canvas.fill(PixelRect(x: paddleColumn * cell + 1, y: (rows - 1) * cell + cell / 2, width: cell - 2, height: cell / 2 - 1), .white)
        return canvas.grayImage
    }
}
