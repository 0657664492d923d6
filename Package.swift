// swift-tools-version:6.0
import PackageDescription

/// Every dependency points down: CMyelinKernels ← MyelinTensor ← {NN, Optim, Data, Vision} ← MyelinTraining ← Myelin ← tools;
/// MyelinModels (the zoo and its training tasks) sits on MyelinTraining (and on CMyelinKernels for word2vec's loop).
let package = Package(
    name: "Myelin",
    products: [
        .library(name: "Myelin", targets: ["Myelin"]),
        .library(name: "MyelinModels", targets: ["MyelinModels"]),
        .executable(name: "myelin", targets: ["myelin"]),
        .executable(name: "MyelinBench", targets: ["MyelinBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // C: the hot loops that need SIMD by hand (SGEMM, vector math, thread pool).
        .target(name: "CMyelinKernels"),
        // zlib from the system image, for gzip (MNIST) and PNG.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        .target(name: "MyelinTensor", dependencies: ["CMyelinKernels"]),
        .target(name: "MyelinNN", dependencies: ["MyelinTensor"]),
        .target(name: "MyelinOptim", dependencies: ["CMyelinKernels", "MyelinTensor"]),
        .target(
            name: "MyelinData", dependencies: ["MyelinTensor", "CZlib"],
            resources: [.copy("Resources/digits.csv.gz")]),
        .target(name: "MyelinVision", dependencies: ["MyelinTensor", "CZlib"]),
        // The one training loop: Trainer, fit, callbacks, checkpoints and resume, metrics, the report.
        .target(
            name: "MyelinTraining",
            dependencies: ["MyelinTensor", "MyelinNN", "MyelinOptim", "MyelinData", "MyelinVision", "MyelinDistributed"]),
        // Seeing inside and fooling a classifier: adversarial attacks (FGSM, PGD, the one-pixel attack) and their outcome.
        .target(name: "MyelinExplain", dependencies: ["MyelinTensor", "MyelinNN", "MyelinData"]),
        // Processes training together: a process group (all-reduce, broadcast, all-gather) on MPI
        // loaded at run time, or this process alone when not started by mpirun.
        .target(name: "MyelinDistributed"),
        .target(
            name: "Myelin",
            dependencies: [
                "MyelinTensor", "MyelinNN", "MyelinOptim", "MyelinData", "MyelinVision",
                "MyelinTraining", "MyelinExplain", "MyelinDistributed",
            ]),
        // The model zoo: LeNet, the MNIST ConvNet, VGG-mini, … (each a few lines of layers) and their training tasks.
        .target(
            name: "MyelinModels",
            dependencies: ["CMyelinKernels", "MyelinTensor", "MyelinNN", "MyelinOptim", "MyelinData", "MyelinTraining"]),

        .executableTarget(
            name: "myelin",
            dependencies: [
                "Myelin", "MyelinModels", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "MyelinBench", dependencies: ["Myelin", "MyelinModels", "CMyelinKernels"]),

        // Examples: `swift run -c release NAME`.
        .executableTarget(name: "perceptron", dependencies: ["Myelin"], path: "Examples/Perceptron"),
        .executableTarget(name: "xor", dependencies: ["Myelin"], path: "Examples/XOR"),
        .executableTarget(name: "mnist-mlp", dependencies: ["Myelin"], path: "Examples/MNISTMLP"),
        .executableTarget(name: "mnist-fit", dependencies: ["Myelin"], path: "Examples/MNISTFit"),
        .executableTarget(name: "lenet", dependencies: ["Myelin", "MyelinModels"], path: "Examples/LeNet"),
        .executableTarget(name: "mnist-cnn", dependencies: ["Myelin", "MyelinModels"], path: "Examples/MNISTConvNet"),
        .executableTarget(name: "vgg-mini", dependencies: ["Myelin", "MyelinModels"], path: "Examples/VGGMini"),
        .executableTarget(name: "filtering", dependencies: ["Myelin"], path: "Examples/Filtering"),
        .executableTarget(name: "vanishing-gradient", dependencies: ["Myelin"], path: "Examples/VanishingGradient"),
        .executableTarget(name: "whitening", dependencies: ["Myelin"], path: "Examples/Whitening"),
        .executableTarget(name: "overfitting", dependencies: ["Myelin"], path: "Examples/Overfitting"),
        .executableTarget(name: "fine-tuning", dependencies: ["Myelin", "MyelinModels"], path: "Examples/FineTuning"),
        .executableTarget(
            name: "elastic-distortion", dependencies: ["Myelin", "MyelinModels"], path: "Examples/ElasticDistortion"),
        .executableTarget(name: "gan-interpolation", dependencies: ["Myelin", "MyelinModels"], path: "Examples/GANInterpolation"),
        .executableTarget(
            name: "autoencoder-interpolation", dependencies: ["Myelin", "MyelinModels"],
            path: "Examples/AutoencoderInterpolation"),

        // Shared by the test targets: the finite-difference gradient checker and its inputs, and
        // the straight-against-resumed check of a training task.
        .target(name: "MyelinTestSupport", dependencies: ["MyelinTensor", "MyelinTraining"], path: "Tests/MyelinTestSupport"),

        .testTarget(name: "MyelinKernelsTests", dependencies: ["CMyelinKernels"]),
        .testTarget(name: "MyelinTensorTests", dependencies: ["MyelinTensor", "MyelinTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MyelinNNTests", dependencies: ["MyelinNN", "MyelinTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MyelinOptimTests", dependencies: ["MyelinOptim", "MyelinNN"], exclude: ["Fixtures"]),
        .testTarget(name: "MyelinTrainingTests", dependencies: ["MyelinTraining", "MyelinTestSupport", "checkpoint-writer"]),
        // The child process that the checkpoint kill test kills while it writes.
        .executableTarget(name: "checkpoint-writer", dependencies: ["Myelin"], path: "Tests/CheckpointWriter"),
        .testTarget(name: "MyelinDataTests", dependencies: ["MyelinData"]),
        .testTarget(name: "MyelinDistributedTests", dependencies: ["MyelinDistributed", "MyelinTestSupport", "distributed-check"]),
        // What the distributed tests start under `mpirun -np 2`: every collective, printed per rank.
        .executableTarget(name: "distributed-check", dependencies: ["Myelin"], path: "Tests/DistributedCheck"),
        .testTarget(name: "MyelinVisionTests", dependencies: ["MyelinVision"]),
        .testTarget(name: "MyelinExplainTests", dependencies: ["MyelinExplain", "MyelinTestSupport"]),
        .testTarget(name: "MyelinModelsTests", dependencies: ["MyelinModels", "Myelin", "MyelinTestSupport"], exclude: ["Fixtures"]),
        // Runs the `myelin` executable as a user would: resume, bad files, info.
        .testTarget(name: "MyelinCommandTests", dependencies: ["myelin", "MyelinTensor", "MyelinTraining", "MyelinTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
