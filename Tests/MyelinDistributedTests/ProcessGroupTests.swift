import Foundation
import MyelinTestSupport
import Testing

@testable import MyelinDistributed

/// A process on its own: size 1, every collective gives back what it was given.
@Suite struct SingleProcessGroupTests {
    @Test func aProcessNotStartedByMPIRunIsAGroupOfOne() throws {
        let group = try ProcessGroup.join(environment: ["PATH": "/usr/bin"])
        #expect(group.size == 1 && group.rank == 0 && group.isLeader && !group.isDistributed)
        #expect(group.backend == "single process")
        #expect(try ProcessGroup.join(environment: ["OMPI_COMM_WORLD_SIZE": "1"]) === ProcessGroup.single)
    }

    @Test func everyCollectiveOfAGroupOfOneLeavesItsBufferAlone() {
        let group = ProcessGroup.single
        for operation in ReduceOperation.allCases {
            #expect(group.allReduced([1.5, -2, 3] as [Float], operation) == [1.5, -2, 3], "\(operation)")
        }
        #expect(group.allReduced([7, -1 << 40], .mean) == [7, -1 << 40])
        #expect(group.allReduced(2.5 as Double) == 2.5)
        var values: [Float] = [4, 5]
        group.broadcast(&values)
        #expect(values == [4, 5])
        #expect(group.allGather([Int32(3), 4]) == [3, 4])
        values.withUnsafeMutableBufferPointer { buffer in group.startAllReduce(buffer, .mean).wait() }
        #expect(values == [4, 5])
        group.barrier()
    }

    @Test func launchedButWithoutItsLibraryItSaysWhatToInstall() {
        let environment = ["OMPI_COMM_WORLD_SIZE": "2", "MYELIN_MPI_LIBRARY": "/nonexistent/libmpi.so.40"]
        #expect {
            try ProcessGroup.join(environment: environment)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("started by mpirun but no MPI library could be loaded (tried /nonexistent/libmpi.so.40")
                && text.contains("apt-get install openmpi-bin libopenmpi-dev")
        }
    }

    @Test func anotherMPIsLauncherIsNamed() {
        #expect(throws: DistributedError.unsupportedLauncher("a PMI launcher (mpiexec of MPICH or Intel MPI)")) {
            try ProcessGroup.join(environment: ["PMI_SIZE": "4", "PMI_RANK": "0"])
        }
    }

    @Test func longBuffersGoInPiecesMPIsCountsCanHold() {
        #expect(ProcessGroup.pieces(of: 10, limit: 4).map { [$0.start, $0.count] } == [[0, 4], [4, 4], [8, 2]])
        #expect(ProcessGroup.pieces(of: 8, limit: 4).map { [$0.start, $0.count] } == [[0, 4], [4, 4]])
        #expect(ProcessGroup.pieces(of: 0).isEmpty)
        #expect(ProcessGroup.pieces(of: 5).map { [$0.start, $0.count] } == [[0, 5]])
    }
}

/// Several processes under Open MPI's `mpirun`, each running `distributed-check`.
@Suite(.serialized, .enabled(if: MPIRun.isAvailable, MPIRun.missing))
struct MPIProcessGroupTests {
    static let check = builtProducts.appendingPathComponent("distributed-check")

    /// Runs `distributed-check ARGUMENTS FOLDER` on `processes` ranks (1: without mpirun) and
    /// returns what each rank wrote to FOLDER/rank-R.json.
    static func ranksResults<Result: Decodable>(
        _ processes: Int, _ arguments: [String], as type: Result.Type
    ) throws -> [Result] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-mpi-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = arguments + [folder.path]
        let result = try processes == 1 ? runChildProcess(check, all) : MPIRun.run(processes, check, all)
        try #require(result.status == 0, "distributed-check \(arguments.joined(separator: " ")) failed: \(result.errors)")
        return try (0..<processes).map { rank in
            try JSONDecoder().decode(Result.self, from: Data(contentsOf: folder.appendingPathComponent("rank-\(rank).json")))
        }
    }

    @Test(arguments: [2, 3])
    func everyCollectiveGivesEveryRankTheSameRightAnswer(_ size: Int) throws {
        let results = try Self.ranksResults(size, ["collectives"], as: [String: [Double]].self)
        let ranks = Double(size), sumOfRanks = Double(size * (size - 1) / 2)
        for (rank, got) in results.enumerated() {
            let r = Double(rank)
            let expected: [String: [Double]] = [
                "rank": [r], "size": [ranks],
                // Rank k holds 10k + i at index i.
                "float sum": (0..<5).map { 10 * sumOfRanks + ranks * Double($0) },
                "float mean": (0..<5).map { 10 * sumOfRanks / ranks + Double($0) },
                "float max": (0..<5).map { 10 * (ranks - 1) + Double($0) },
                "float min": (0..<5).map(Double.init),
                "double sum": [sumOfRanks + 0.25 * ranks, -ranks],
                "int sum": [sumOfRanks, ranks * Double(1 << 40), -sumOfRanks],
                "int mean": [Double((7 * Int(sumOfRanks) + size) / size)],
                "int32 max": [ranks - 1, 0],
                "uint8 sum": [sumOfRanks + ranks],
                "broadcast from last": (0..<4).map { 100 * (ranks - 1) + Double($0) },
                "all gather": (0..<size).flatMap { [Double($0), -Double($0)] },
                "long sum first, last": [sumOfRanks + ranks, sumOfRanks + ranks],
                "pending mean first, last": [sumOfRanks / ranks, sumOfRanks / ranks],
            ]
            #expect(got == expected, "rank \(rank) of \(size): \(got)")
        }
    }

    /// Each rank measures its share of the batches; combined, the figures are those of the whole set.
    @Test(arguments: [2, 3])
    func anEvaluationSharedAmongRanksGivesTheWholeSetsFigures(_ size: Int) throws {
        let results = try Self.ranksResults(size, ["evaluate"], as: [String: [String: [Double]]].self)
        for (rank, got) in results.enumerated() {
            let shared = try #require(got["shared"]), alone = try #require(got["alone"])
            #expect(Set(shared.keys) == ["validation loss", "validation accuracy", "validation ROC AUC", "confusion", "batches"])
            // Of the 7 batches, rank r measured those numbered r, r + size, …
            let share = Array(stride(from: rank, to: 7, by: size)).count
            #expect(shared["batches"] == [Double(share)] && alone["batches"] == [7], "\(shared["batches"]!) \(alone["batches"]!)")
            for (name, values) in alone where name != "batches" {
                let tolerance = name == "validation loss" ? 1e-6 : 0
                #expect(
                    zip(values, shared[name]!).allSatisfy { abs($0 - $1) <= tolerance },
                    "\(name) on rank \(rank): \(shared[name]!) ≠ \(values)")
            }
        }
    }

    /// A network with batch norm, an epoch of 4 steps: 2 processes with synchronised batch norm train
    /// the network 1 process trains with the whole batch; with per-process batch norm the two
    /// processes still hold one network, a different one.
    @Test(arguments: ["sgd", "adam"])
    func synchronisedBatchNormTrainsWhatOneProcessTrains(_ optimizer: String) throws {
        func weights(_ processes: Int, _ norm: String) throws -> [[String: [Double]]] {
            try Self.ranksResults(processes, ["train", optimizer, norm], as: [String: [Double]].self)
        }
        func largestDifference(_ a: [String: [Double]], _ b: [String: [Double]]) -> Double {
            a.keys.flatMap { name in zip(a[name]!, b[name] ?? []).map { abs($0 - $1) } }.max() ?? .infinity
        }
        let alone = try weights(1, "sync")[0]
        let synchronised = try weights(2, "sync")
        #expect(alone.keys.contains("1.running_mean") && alone.keys.contains("1.weight"))
        #expect(largestDifference(alone, synchronised[0]) <= 1e-5, "rank 0 differs from one process")
        #expect(largestDifference(synchronised[0], synchronised[1]) == 0, "the two ranks differ")
        let perProcess = try weights(2, "local")
        #expect(largestDifference(perProcess[0], perProcess[1]) == 0, "the two ranks differ")
        #expect(largestDifference(alone, perProcess[0]) > 1e-4, "per-process batch norm should normalise each half alone")
    }

    @Test func ranksThatDisagreeOnALengthEndTheJobWithAMessage() throws {
        let started = Date()
        let result = try MPIRun.run(2, Self.check, ["mismatch", "/tmp"])
        #expect(result.status != 0)
        #expect(result.errors.contains("ProcessGroup.allReduce: the ranks disagree on the buffer's length"), "\(result.errors)")
        #expect(result.errors.contains("lengths run from 10 to 11"), "\(result.errors)")
        #expect(!result.output.contains("went past"), "\(result.output)")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func aMissingLibraryUnderMPIRunIsAnErrorNotAHang() throws {
        let result = try MPIRun.run(2, Self.check, ["collectives", "/tmp"], environment: ["MYELIN_MPI_LIBRARY": "/nonexistent/libmpi.so"])
        #expect(result.status != 0)
        #expect(result.errors.contains("no MPI library could be loaded (tried /nonexistent/libmpi.so"), "\(result.errors)")
    }
}
