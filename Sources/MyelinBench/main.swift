import Foundation
import Myelin

// MyelinBench: the reference workloads of ../shared/bench/WORKLOADS.md, one JSON line each.
// Usage: swift run -c release MyelinBench [mlp] [cnn] [lenet] [charlstm] [chargru] [gan] [cgan] [cyclegan] [gpt] [masked-lm] [attack] [vgg16] [resnet18] [resnet-mini] [inception-mini] [nin] [segmentation] [captioning] [superres] [vae] [stn] [seq2seq] [pixelcnn] [style] [word2vec] [dqn] [latency] [gemm] [peak]   (none = all)
// On several processes: mpirun -np 2 .build/release/MyelinBench allreduce|ddp (rank 0 prints).

let workloads: [(name: String, run: () -> [String: Any])] = [
    ("mlp", mlpWorkload),
    ("cnn", cnnWorkload),
    ("lenet", lenetWorkload),
    ("charlstm", { charLSTMWorkload() }),
    ("chargru", { charLSTMWorkload(cell: .gru) }),
    ("gan", { ganWorkload() }),
    ("cgan", { ganWorkload(conditional: true) }),
    ("cyclegan", cycleGANWorkload),
    ("gpt", gptWorkload),
    ("masked-lm", maskedLanguageModelWorkload),
    ("attack", attackWorkload),
    ("vgg16", vgg16Workload),
    ("resnet18", resnet18Workload),
    ("resnet-mini", resnetMiniWorkload),
    ("inception-mini", inceptionMiniWorkload),
    ("nin", ninWorkload),
    ("segmentation", segmentationWorkload),
    ("captioning", captioningWorkload),
    ("superres", superResolutionWorkload),
    ("vae", vaeWorkload),
    ("style", styleTransferWorkload),
    ("stn", spatialTransformerWorkload),
    ("seq2seq", seq2seqWorkload),
    ("pixelcnn", pixelCNNWorkload),
    ("word2vec", word2vecWorkload),
    ("dqn", dqnWorkload),
    ("latency", latencyWorkload),
    ("gemm", gemmWorkload),
    ("peak", peakWorkload),
    ("allreduce", allReduceWorkload),
    ("ddp", dataParallelWorkload),
]

let requested = Array(CommandLine.arguments.dropFirst())
if requested.contains(where: { $0 == "-h" || $0 == "--help" }) {
    print("usage: MyelinBench [\(workloads.map(\.name).joined(separator: "] ["))]   (no argument runs all)")
    exit(0)
}
let unknown = requested.filter { name in !workloads.contains { $0.name == name } }
if !unknown.isEmpty {
    FileHandle.standardError.write(
        Data(
            "MyelinBench: unknown workload \(unknown.joined(separator: ", ")); known: \(workloads.map(\.name).joined(separator: ", "))\n"
                .utf8))
    exit(2)
}
// Under mpirun, rank 0 speaks for all.
if let group = try? ProcessGroup.world(), !group.isLeader { _ = freopen("/dev/null", "w", stdout) }
// No argument runs the single-process workloads; allreduce and ddp are asked for by name.
let multiProcess: Set = ["allreduce", "ddp"]
for workload in workloads
where requested.contains(workload.name) || (requested.isEmpty && !multiProcess.contains(workload.name)) {
    runAndEmit(workload.run)
}
