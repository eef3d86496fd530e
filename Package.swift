// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way: Policy <- Model <- Oracle <- Runner <- {CLI, Fuzz}.
// The model knows nothing of Z3 or libFuzzer.
let package = Package(
    name: "Bouncer",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bouncer", targets: ["bouncer"]),
        .executable(name: "fuzz-dma", targets: ["fuzz-dma"]),
        .library(name: "BouncerRunner", targets: ["BouncerRunner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "BouncerPolicy"),
        .target(name: "BouncerModel", dependencies: ["BouncerPolicy"]),
        .target(name: "BouncerOracle", dependencies: ["BouncerModel"]),
        .target(name: "BouncerRunner", dependencies: ["BouncerOracle"]),
        // Fuzz harnesses: libFuzzer entry points and corpus replay; no Foundation.
        .target(name: "BouncerFuzz", dependencies: ["BouncerRunner"]),
        .target(
            name: "BouncerCLI",
            dependencies: ["BouncerRunner", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // A C main module: its weak `main` runs the CLI, and in a fuzzer build libFuzzer's
        // strong `main` takes over, so the whole package links under both fuzzer flags.
        .executableTarget(name: "bouncer", dependencies: ["BouncerCLI"]),
        .executableTarget(name: "fuzz-dma", dependencies: ["BouncerFuzz"], path: "FuzzTargets/fuzz-dma"),
        .testTarget(name: "BouncerTests", dependencies: ["BouncerRunner"], path: "Tests/BouncerTests"),
    ]
)
