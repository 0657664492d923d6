import ArgumentParser
import Foundation
import Myelin

/// The `myelin` command: train, evaluate and look at networks without writing Swift.
@main
struct MyelinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "myelin",
        abstract: "Train and inspect neural networks with Myelin.",
        discussion: "Start with `myelin demo`: it trains a small network on the built-in 8×8 digits, no download needed.",
        subcommands: [
            Demo.self, Train.self, Sample.self, Translate.self, Fill.self, Segment.self, Caption.self, Explain.self, Dream.self, Style.self,
            Attack.self,
            Neighbors.self,
            Analogy.self, Info.self,
        ])

    /// As ArgumentParser's, but a rank of a data-parallel run that fails ends every rank of the job
    /// (MPI_Abort) with its message: exiting alone would leave the others waiting for it.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let group = ProcessGroup.joinedWorld, group.isDistributed, exitCode(for: error) != .success {
                group.abort("myelin: \(fullMessage(for: error))", code: exitCode(for: error).rawValue)
            }
            exit(withError: error)
        }
    }
}
