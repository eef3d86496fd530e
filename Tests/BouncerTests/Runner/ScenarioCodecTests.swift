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
                #expect(decoded.boot == scenario.boot)
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

    /// Any bytes decode, for every target, to values the format can say again: re-encoding what
    /// was decoded loses nothing, and the model runs every operation of it.
    @Test func anyBytesDecodeToAScenarioThatEncodesBackAndRuns() {
        var rng = SplitMix64(seed: 7)
        for target in FuzzTarget.allCases {
            for _ in 0 ..< 100 {
                let bytes = (0 ..< Int.random(in: 0 ..< 400, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                let scenario = ScenarioCodec.decode(bytes, target: target)
                #expect(scenario.operations.count <= max(0, bytes.count - 2), "\(target) \(bytes)")
                #expect(ScenarioCodec.roundTrips(scenario, target: target), "\(target) \(bytes)")
                let result = Runner.run(scenario, profile: .linuxUpstream)
                // A run stops early only at a violation.
                #expect(result.steps == scenario.operations.count || !result.violations.isEmpty, "\(target) \(bytes)")
            }
        }
    }

    /// The harness path (operations run as they decode, from a guest booted once per platform)
    /// reaches the same first violation as running the decoded scenario from a fresh boot, on a
    /// clean profile and on broken ones.
    @Test(arguments: ["linux-upstream", "cve-2022-0854", "hv-gpadl-free-2024", "virtio-used-len"])
    func decodingAsItRunsGivesTheSameFirstViolation(_ name: String) {
        let profile = Profile.builtIn(named: name)!
        var booted = BootedGuests(profile: profile)
        var rng = SplitMix64(seed: 7)
        var found = 0
        for target in FuzzTarget.allCases {
            for _ in 0 ..< 100 {
                let bytes = (0 ..< Int.random(in: 2 ... 400, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                let whole = Runner.run(ScenarioCodec.decode(bytes, target: target), profile: profile).firstViolation
                let asItRuns = bytes.withUnsafeBytes { raw in
                    var decoder = ScenarioDecoder(raw, target: target)
                    return booted.firstViolation(&decoder)
                }
                #expect(asItRuns == whole, "\(target) \(bytes)")
                if whole != nil { found += 1 }
            }
        }
        #expect(found > 0, "no input broke \(name), so nothing was compared but clean runs")
    }

    /// The same on each invariant's hand-written case, whose violation may come from a step or
    /// from the end-of-run accounting.
    @Test(arguments: InvariantTests.cases)
    func decodingAsItRunsFindsEachInvariantsCase(_ c: InvariantTests.Case) throws {
        let scenario = Scenario(platform: c.platform, operations: c.ops)
        let target = ScenarioCodec.narrowestTarget(for: scenario)
        let bytes = ScenarioCodec.encode(scenario, target: target)
        let whole = try #require(Runner.run(ScenarioCodec.decode(bytes, target: target), profile: c.wrong).firstViolation)
        var booted = BootedGuests(profile: c.wrong)
        let asItRuns = bytes.withUnsafeBytes { raw in
            var decoder = ScenarioDecoder(raw, target: target)
            return booted.firstViolation(&decoder)
        }
        #expect(asItRuns == whole)
    }
}
