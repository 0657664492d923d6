import Myelin
import MyelinModels

/// dqn: Double DQN on CartPole-v1 as `myelin train dqn --env cartpole` trains it (the default
/// configuration, seed 0), through the Trainer, one episode a step, until an evaluation (100 greedy
/// episodes, every 20 episodes) reaches a mean return of 475, or 1,000 episodes: the environment
/// steps and updates per second of that whole run (acting, learning and evaluating), how many
/// episodes and steps it took, and the mean return reached, then again on 100 held-out starts.
/// Then its two parts alone, with the trained agent: acting (a batch-1 forward pass and a step of
/// CartPole, 5,000 times) and learning (an update on a replayed batch of 64, 1,000 times).
func dqnWorkload() -> [String: Any] {
    let seed: UInt64 = 0, goal = 475.0, maxEpisodes = 1000, evaluateEvery = 20
    manualSeed(seed)
    let task = DQNTask(.cartpole, seed: seed)
    var reached: Double?
    let stop = LambdaCallback(evaluationDidEnd: { evaluation, trainer in
        if let mean = evaluation["evaluation mean return"], mean >= goal {
            reached = mean
            trainer.stop("reached \(goal)")
        }
    })
    let trainer = Trainer(.steps(maxEpisodes), state: task.state, evaluateEvery: .steps(evaluateEvery), callbacks: [stop])
    var clock = Stopwatch()
    clock.start()
    _ = try! trainer.run(task)
    let seconds = clock.stop()
    var heldOut = task.evaluation
    heldOut.firstSeed = 2_000_000
    let heldOutReturn = heldOut.measure(task.agent.online)["evaluation mean return"]!

    // Acting alone: the trained network's greedy action for one observation, then a step.
    let environment = CartPole(generator: RandomGenerator(seed: seed &+ 10))
    var observation = environment.reset(), actingClock = Stopwatch()
    actingClock.start()
    for _ in 0..<5000 {
        let step = environment.step(task.agent.greedyActions(Tensor(shape: [1, 4], scalars: observation))[0])
        observation = step.isLast ? environment.reset() : step.observation
    }
    let actingSeconds = actingClock.stop()
    // Learning alone: updates on batches replayed from the run's buffer.
    let (updateSeconds, _) = timedTraining(warmup: 10, measured: 1000) { _ in
        task.agent.update(on: task.replay.sample(task.configuration.batchSize)) { _ in }
    }
    let c = task.configuration
    return [
        "workload": "dqn",
        "train_env_steps_per_sec": rounded(Double(task.environmentSteps) / seconds),
        "train_updates_per_sec": rounded(Double(task.updates) / seconds),
        "acting_steps_per_sec": rounded(5000 / actingSeconds),
        "updates_per_sec": rounded(1000 / updateSeconds),
        "train_seconds": rounded(seconds, 2),
        "episodes": trainer.progress.step,
        "env_steps": task.environmentSteps,
        "updates": task.updates,
        "eval_mean_return": reached ?? trainer.history.last("evaluation mean return") ?? .nan,
        "held_out_mean_return": rounded(heldOutReturn, 2),
        "reached_goal": reached != nil,
        "parameters": task.agent.online.parameterCount,
        "settings": [
            "environment": "CartPole-v1", "network": "MLP 4-\(c.hidden)-\(c.hidden)-2", "double": c.double,
            "lr": Double("\(c.learningRate)")!,
            "batch": c.batchSize, "replay": c.replayCapacity, "target_update": c.targetUpdateInterval,
            "epsilon_decay_steps": c.epsilonDecaySteps, "learning_starts": c.learningStarts, "goal": goal,
            "evaluation": "100 greedy episodes every \(evaluateEvery)", "seed": Int(seed),
        ] as [String: Any],
    ]
}
