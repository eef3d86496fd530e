import Benchmark
#if canImport(Glibc)
import Glibc
#endif
import BouncerPolicy
import BouncerRunner

/// The model step on a fixed set of byte inputs, for `scripts/before-after`: the same source is
/// built against both commits, and both decode the same bytes (the dma target's version-1 table,
/// which no later version changed) to the same operations, so the two builds do the same work;
/// `ModelStep` draws each build's own random sequences, whose operation mix changes as operations
/// are added. One iteration starts every input from a fresh boot (since bece315 a copy of the
/// process's cached boot, `BootCache`) and applies every operation with the oracle after each,
/// past any violation (both builds run every operation), then the end-of-run accounting. Only
/// these calls are used, so the file builds against old commits too:
/// `ScenarioCodec.decode`, `Runner(platform:profile:)`, `run(_:)`, `finish()`.
///   BOUNCER_BENCHMARK_INPUTS=DIR  the inputs (every regular file in DIR, in name order)
///   BOUNCER_BENCHMARK_PLATFORMS=none,tdx  the platforms to run them on (default: all)
/// Without BOUNCER_BENCHMARK_INPUTS it registers nothing.
let benchmarks: @Sendable () -> Void = {
    guard let dir = getenv("BOUNCER_BENCHMARK_INPUTS").map({ String(cString: $0) }) else {
        print("ModelReplay: BOUNCER_BENCHMARK_INPUTS is not set; nothing to replay")
        return
    }
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .microseconds,
        maxDuration: .seconds(Int(getenv("BOUNCER_BENCHMARK_SECONDS").flatMap { Int(String(cString: $0)) } ?? 3)),
        maxIterations: 1_000_000)
    let inputs = readInputs(dir) { preconditionFailure("ModelReplay: \($0)") }
    let scenarios = inputs.map { ScenarioCodec.decode($0, target: .dma) }
    let operations = scenarios.reduce(0) { $0 + $1.operations.count }
    let names = getenv("BOUNCER_BENCHMARK_PLATFORMS").map { String(cString: $0).split(separator: ",").map(String.init) }
    let platforms = names.map { $0.map { name in
        guard let p = PlatformKind(rawValue: name) else { preconditionFailure("ModelReplay: unknown platform '\(name)'") }
        return p
    } } ?? PlatformKind.allCases
    for platform in platforms {
        let onPlatform = scenarios.map { s in
            var s = s
            s.platform = platform
            return s
        }
        Benchmark("replay of \(inputs.count) inputs (\(operations) operations), \(platform.rawValue), linux-upstream") { benchmark in
            for _ in benchmark.scaledIterations {
                var steps = 0
                for scenario in onPlatform {
                    var runner = Runner(platform: scenario.platform, profile: .linuxUpstream)
                    for op in scenario.operations { blackHole(runner.run(op)) }
                    blackHole(runner.finish())
                    steps += runner.step
                }
                precondition(steps == operations, "ModelReplay: ran \(steps) of \(operations) operations")
            }
        }
    }
}
