// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way: Policy <- Model <- {Transports, Oracle} <- Runner <- {Fuzz, Minimizer, Prover} <- CLI;
// SMT (the Z3 layer) knows nothing of Bouncer.
// The model knows nothing of Z3 or libFuzzer.
//
// Each Swift target lists every Bouncer module below it, not only its neighbours. SwiftPM reruns
// a module's compile only when the .swiftmodule of a dependency *listed* for it changes, while an
// optimised build inlines and specialises the policy's @inlinable generic code into every module
// that calls it. With only neighbours listed, a change to BouncerPolicy recompiled BouncerModel,
// whose own .swiftmodule came out identical, and nothing above it: the prover kept the old policy
// and `bouncer prove` answered for code that no longer existed (issue 17, item 6).
// scripts/check-package-deps keeps the lists closed; scripts/check-incremental-build shows a policy
// change reaching the prover through an incremental release build.
let package = Package(
    name: "Bouncer",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bouncer", targets: ["bouncer"]),
        .executable(name: "fuzz-dma", targets: ["fuzz-dma"]),
        .executable(name: "fuzz-vmbus", targets: ["fuzz-vmbus"]),
        .executable(name: "fuzz-virtio", targets: ["fuzz-virtio"]),
        .executable(name: "fuzz-passthrough", targets: ["fuzz-passthrough"]),
        .executable(name: "fuzz-system", targets: ["fuzz-system"]),
        .library(name: "BouncerRunner", targets: ["BouncerRunner"]),
        .library(name: "BouncerMinimizer", targets: ["BouncerMinimizer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "BouncerPolicy"),
        .target(name: "BouncerModel", dependencies: ["BouncerPolicy"]),
        // VMBus, virtio and PCI passthrough drivers over the DMA layer, and the host's moves on them.
        .target(name: "BouncerTransports", dependencies: ["BouncerModel", "BouncerPolicy"]),
        .target(name: "BouncerOracle", dependencies: ["BouncerModel", "BouncerPolicy"]),
        .target(name: "BouncerRunner", dependencies: ["BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        // Fuzz harnesses: libFuzzer entry points and corpus replay; no Foundation.
        .target(
            name: "BouncerFuzz",
            dependencies: ["BouncerRunner", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        // The C side every fuzz target shares: LLVMFuzzerInitialize and the entry-point macro.
        .target(name: "BouncerFuzzEntry", dependencies: ["BouncerFuzz"]),
        // Shrinks counterexamples and writes them as regression tests.
        .target(
            name: "BouncerMinimizer",
            dependencies: ["BouncerRunner", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        // Z3 (Debian's libz3-dev) and a typed layer over it that owns reference counting.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", providers: [.apt(["libz3-dev"])]),
        .target(name: "SMT", dependencies: ["CZ3"]),
        // Proof obligations: the policy run over Z3 terms, bounded model checking, profile diffs.
        .target(
            name: "BouncerProver",
            dependencies: ["SMT", "BouncerRunner", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        .target(
            name: "BouncerCLI",
            dependencies: [
                "BouncerRunner", "BouncerProver", "BouncerMinimizer", "SMT", "BouncerOracle", "BouncerTransports",
                "BouncerModel", "BouncerPolicy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A C main module: its weak `main` runs the CLI, and in a fuzzer build libFuzzer's
        // strong `main` takes over, so the whole package links under both fuzzer flags.
        .executableTarget(name: "bouncer", dependencies: ["BouncerCLI"]),
        .executableTarget(name: "fuzz-dma", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-dma"),
        .executableTarget(name: "fuzz-vmbus", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-vmbus"),
        .executableTarget(name: "fuzz-virtio", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-virtio"),
        .executableTarget(name: "fuzz-passthrough", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-passthrough"),
        .executableTarget(name: "fuzz-system", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-system"),
        .testTarget(
            name: "BouncerTests",
            dependencies: [
                "BouncerRunner", "BouncerTransports", "BouncerProver", "BouncerMinimizer", "SMT", "BouncerOracle",
                "BouncerModel", "BouncerPolicy",
            ],
            path: "Tests/BouncerTests"),
    ]
)
