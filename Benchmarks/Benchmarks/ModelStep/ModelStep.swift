import Benchmark
#if canImport(Glibc)
import Glibc
#endif
import BouncerModel
import BouncerPolicy
import BouncerRunner

/// How fast the model steps: a run from a fresh boot (a copy of the process's cached boot,
/// `BootCache`), 100 operations applied, the oracle checked after each; `DmaLayer.init` on TDX,
/// without the oracle's seeding, has its own row. Scenarios are generated beforehand (so
/// generation is not measured) and rotate, so one lucky sequence does not set the figure. Only
/// sequences that run all 100 steps are kept, so every iteration is exactly 100 steps and
/// operations per second is 100 × the throughput:
/// sequences with no violation where 64 of the first 2000 seeds give one, else (a platform whose
/// open finding most sequences meet, as pKVM's `pkvm-dma-to-private-memory`) sequences run
/// past known findings as the fuzz targets run them, named so in the table.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(Int(getenv("BOUNCER_BENCHMARK_SECONDS").flatMap { Int(String(cString: $0)) } ?? 3)),
        maxIterations: 1_000_000)

    for platform in PlatformKind.allCases {
        let generated = (UInt64(1) ... 2_000).lazy.map {
            RandomExplorer.scenario(seed: $0, platform: platform, length: 100, profile: .linuxUpstream)
        }
        let clean = Array(generated.filter { Runner.run($0, profile: .linuxUpstream).violations.isEmpty }.prefix(64))
        if clean.count == 64 {
            sequenceBenchmark(platform.rawValue, clean) { Runner.run($0, profile: .linuxUpstream).steps }
            continue
        }
        let pastKnown = Array(generated.filter {
            let run = Runner.runPastKnown($0, profile: .linuxUpstream)
            return run.new == nil && run.steps == 100
        }.prefix(64))
        precondition(pastKnown.count == 64, "fewer than 64 100-step sequences on \(platform.rawValue), even past known findings")
        sequenceBenchmark("\(platform.rawValue) past known findings", pastKnown) {
            Runner.runPastKnown($0, profile: .linuxUpstream).steps
        }
    }

    Benchmark("boot only (DmaLayer.init), tdx") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(DmaLayer(platform: .tdx, behaviours: Behaviours()))
        }
    }
}

/// Times `run` over 64 sequences of 100 operations in turn; `label` names the platform (and how
/// the sequences are run) in the table.
func sequenceBenchmark(_ label: String, _ scenarios: [Scenario], _ run: @escaping @Sendable (Scenario) -> Int) {
    Benchmark("100-operation sequence, \(label), linux-upstream") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(run(scenarios[i & 63]))
            i += 1
        }
    }
}
