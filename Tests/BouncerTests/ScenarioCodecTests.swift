import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct ScenarioCodecTests {
    @Test func randomScenariosSurviveEncodeThenDecode() {
        for seed in UInt64(1) ... 40 {
            for platform in PlatformKind.allCases {
                let scenario = RandomExplorer.scenario(seed: seed, platform: platform, length: 120, profile: .linuxUpstream)
                let decoded = ScenarioCodec.decode(ScenarioCodec.encode(scenario))
                #expect(decoded.platform == scenario.platform)
                for (i, (a, b)) in zip(scenario.operations, decoded.operations).enumerated() where a != b {
                    Issue.record("seed \(seed) \(platform) op \(i): \(a) decoded as \(b)")
                    return
                }
                #expect(decoded.operations.count == scenario.operations.count)
            }
        }
    }

    @Test func edgeValuesSurviveEncoding() {
        for bits: UInt8 in [20, 21, 24, 32, 63, 64] {
            let s = Scenario(platform: .tdx, operations: [.probeDevice(DeviceConfig(dmaMaskBits: bits))])
            #expect(ScenarioCodec.roundTrips(s), "DMA_BIT_MASK(\(bits))")
        }
        let long = Scenario(platform: .tdx, operations: [.mapSg(device: 0, buffers: [0, 1, 2, 3, 4], direction: .toDevice), .runDeferredWork])
        #expect(ScenarioCodec.decode(ScenarioCodec.encode(long)).operations.last == .runDeferredWork)
        let empty = Scenario(platform: .tdx, operations: [.mapSg(device: 0, buffers: [], direction: .toDevice)])
        #expect(ScenarioCodec.decode(ScenarioCodec.encode(empty)).operations.count == 1)
    }

    @Test func anyBytesDecodeWithoutTrapping() {
        var rng = SplitMix64(seed: 7)
        for _ in 0 ..< 300 {
            let bytes = (0 ..< Int.random(in: 0 ..< 400, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            let scenario = ScenarioCodec.decode(bytes)
            _ = Runner.run(scenario, profile: .linuxUpstream)
        }
    }
}

@Suite struct SeedScenarioTests {
    @Test func everySeedRunsCleanUnderUpstreamAndSurvivesEncoding() {
        for (name, scenario) in SeedScenarios.dma {
            let result = Runner.run(scenario, profile: .linuxUpstream, tracing: true)
            #expect(result.violations.isEmpty, "\(name): \(result.violations)")
            #expect(!result.trace.contains { $0.hasSuffix("-- skipped") }, "\(name): \(result.trace)")
            #expect(ScenarioCodec.decode(ScenarioCodec.encode(scenario)) == scenario, "\(name)")
        }
    }
}
