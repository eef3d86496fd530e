// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that ordo-one/benchmark and its dependencies never
// enter the main build or the fuzzer builds. Run: scripts/benchmark (or `swift package benchmark` here).
let package = Package(
    name: "BouncerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        benchmark("ModelStep"),
        // The same operations in two builds: scripts/before-after builds this file against both.
        benchmark("ModelReplay"),
    ]
)

/// An ordo-one benchmark executable over the model, in Benchmarks/<name>.
func benchmark(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            .product(name: "BouncerRunner", package: "main"),
            .product(name: "Benchmark", package: "benchmark"),
        ],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}
