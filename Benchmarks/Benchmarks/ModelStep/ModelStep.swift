import Benchmark
import BouncerModel
import BouncerPolicy
import BouncerRunner

/// How fast the model steps: a fresh system booted, 100 operations applied, the oracle checked
/// after each. Scenarios are generated beforehand (so generation is not measured) and rotate,
/// so one lucky sequence does not set the figure.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(3), maxIterations: 1_000_000)

    for platform in PlatformKind.allCases {
        let scenarios = (UInt64(1) ... 64).map {
            RandomExplorer.scenario(seed: $0, platform: platform, length: 100, profile: .linuxUpstream)
        }
        Benchmark("100-operation sequence, \(platform.rawValue), linux-upstream") { benchmark in
            var i = 0
            for _ in benchmark.scaledIterations {
                blackHole(Runner.run(scenarios[i & 63], profile: .linuxUpstream))
                i += 1
            }
        }
    }

    Benchmark("boot only (System.init), tdx") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(System(platform: .tdx, behaviours: Behaviours()))
        }
    }
}
