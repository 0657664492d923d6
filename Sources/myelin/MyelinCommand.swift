import ArgumentParser

/// The `myelin` command: train, evaluate and look at networks without writing Swift.
@main
struct MyelinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "myelin",
        abstract: "Train and inspect neural networks with Myelin.",
        discussion: "Start with `myelin demo`: it trains a small network on the built-in 8×8 digits, no download needed.",
        subcommands: [Demo.self, Train.self, Sample.self, Explain.self, Dream.self, Attack.self, Info.self])
}
