import Benchmark
#if canImport(Glibc)
import Glibc
#endif
import BouncerModel
import BouncerPolicy
import BouncerRunner

/// How fast the model steps: a fresh system booted, 100 operations applied, the oracle checked
/// after each. Scenarios are generated beforehand (so generation is not measured) and rotate,
/// so one lucky sequence does not set the figure. Only sequences that run all 100 steps clean
/// are kept (on pKVM and s390 PV the open finding stops some early), so every iteration is
/// exactly 100 steps and operations per second is 100 × the throughput.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(Int(getenv("BOUNCER_BENCHMARK_SECONDS").flatMap { Int(String(cString: $0)) } ?? 3)),
        maxIterations: 1_000_000)

    for platform in PlatformKind.allCases {
        let scenarios = Array((UInt64(1) ... 2_000).lazy.map {
            RandomExplorer.scenario(seed: $0, platform: platform, length: 100, profile: .linuxUpstream)
        }.filter { Runner.run($0, profile: .linuxUpstream).violations.isEmpty }.prefix(64))
        precondition(scenarios.count == 64, "fewer than 64 clean 100-step sequences on \(platform.rawValue)")
        Benchmark("100-operation sequence, \(platform.rawValue), linux-upstream") { benchmark in
            var i = 0
            for _ in benchmark.scaledIterations {
                blackHole(Runner.run(scenarios[i & 63], profile: .linuxUpstream))
                i += 1
            }
        }
    }

    Benchmark("boot only (DmaLayer.init), tdx") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(DmaLayer(platform: .tdx, behaviours: Behaviours()))
        }
    }
}
