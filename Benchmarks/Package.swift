// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that ordo-one/benchmark and its dependencies never
// enter the main build or the fuzzer builds. Run: scripts/benchmark (or `swift package benchmark` here).
let package = Package(
    name: "BouncerBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ModelStep",
            dependencies: [
                .product(name: "BouncerRunner", package: "main"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ModelStep",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The same operations in two builds: scripts/before-after builds this file against both.
        .executableTarget(
            name: "ModelReplay",
            dependencies: [
                .product(name: "BouncerRunner", package: "main"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ModelReplay",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
