import Foundation
import Myelin
import MyelinModels

// What `myelin train dqn` and `myelin train reinforce` draw: the return of every episode with its
// running mean and the evaluations, and the trained agent playing, as an animated GIF and a strip.

/// Episodes the running mean of the returns spans.
private let runningMeanSpan = 20

/// The return of each training episode (left out with `episodes: false`: Catch's are all ±1, a band
/// that hides the rest), their running mean over 20 episodes, and each evaluation's mean return
/// (greedy play of `evaluationEpisodes` episodes), against the episode.
func returnsPlot(_ history: TrainingHistory, evaluationEpisodes: Int, episodes: Bool = true) -> LinePlot {
    let returns = history.points("return").map { (x: Double($0.step), y: $0.value) }
    var window = 0.0
    let runningMean = returns.indices.map { i -> (x: Double, y: Double) in
        window += returns[i].y - (i >= runningMeanSpan ? returns[i - runningMeanSpan].y : 0)
        return (returns[i].x, window / Double(min(i + 1, runningMeanSpan)))
    }
    let evaluations = history.points("evaluation mean return").map { (x: Double($0.step), y: $0.value) }
    return LinePlot(
        title: "Return per episode", xLabel: "episode", yLabel: "return",
        series: (episodes ? [LinePlot.Series(name: "training episode (epsilon-greedy or sampled)", points: returns)] : [])
            + [
                LinePlot.Series(name: "running mean of \(runningMeanSpan) training episodes", points: runningMean),
                LinePlot.Series(name: "greedy, mean of \(evaluationEpisodes) evaluation episodes", points: evaluations, markers: true),
            ])
}

/// The trained agent playing: `episodes` episodes of `kind` from the evaluation's seeds, its greedy
/// actions from `network`, written to `folder`/agent.gif (every `frameEvery`-th step, `delay`
/// hundredths of a second a frame); returns the GIF's line for the closing message and a strip of
/// 8 frames of the first episode for report.html.
func writeAgentAnimation(
    of network: Module, on kind: EnvironmentKind, evaluation: PolicyEvaluation, to folder: URL
) throws -> (written: String, strip: RunPicture) {
    let (episodes, frameEvery, delay) = kind == .cartpole ? (1, 2, 4) : (8, 1, 12)
    var frames: [Image] = [], firstEpisode: [Image] = [], results: [EpisodeResult] = []
    for e in 0..<episodes {
        let (episodeFrames, result) = network.evaluating {
            recordEpisode(kind.make(generator: RandomGenerator(seed: 0)), seed: evaluation.firstSeed &+ UInt64(e), frameEvery: frameEvery) {
                greedyActions(network($0))
            }
        }
        frames += episodeFrames
        if e == 0 { firstEpisode = episodeFrames }
        results.append(result)
    }
    let gif = folder.appendingPathComponent("agent.gif")
    try Image.writeAnimatedGIF(frames, to: gif, delay: delay)
    let picked = evenlyChosen(firstEpisode, count: 8)
    let outcome = results.map { String(format: "%g", $0.totalReward) }.joined(separator: ", ")
    return (
        "\(gif.path) — the trained agent playing \(episodes == 1 ? "an evaluation episode" : "\(episodes) evaluation episodes") (return \(outcome))",
        RunPicture(
            name: "agent",
            caption:
                "the trained agent's first evaluation episode, 8 moments from start to end (return \(outcome.split(separator: ",")[0]))",
            image: Image.grid(picked, columns: kind == .cartpole ? 4 : 8, padding: 4, background: 200))
    )
}
