import BouncerModel
import BouncerPolicy
@testable import BouncerRunner
import Testing

/// What the random explorer behind `bouncer check` reaches: every operation the model describes
/// and every boot configuration, found from the descriptions and `SwiotlbBoot.all` rather than
/// from a list here, so a new operation or boot that the explorer never draws fails a test.
@Suite struct RandomExplorerTests {
    /// Over a few thousand draws, on the DMA layer alone and with the transports, every kind is
    /// drawn except the by-address ones (`OperationKind.addressKinds`): the explorer plays correct
    /// drivers, which pass the address their mapping returned, and the handle operations already
    /// are that (AddressOperationsTests); the dma and system fuzz targets draw the wrong addresses.
    /// A new operation described with weight 0, or none the explorer can fill in, fails here.
    @Test func everyOperationKindIsDrawnButTheByAddressOnes() {
        var drawn = Set<OperationKind>()
        for transports in [false, true] {
            for seed: UInt64 in 1 ... 12 {
                let platform = PlatformKind.allCases[Int(seed) % PlatformKind.allCases.count]
                let scenario = RandomExplorer.scenario(
                    seed: seed, platform: platform, length: 200, profile: .linuxUpstream, transports: transports)
                drawn.formUnion(scenario.operations.map(\.kind))
            }
        }
        let byAddress = Set(OperationKind.allCases.filter { OperationKind.addressKinds & 1 << UInt64($0.rawValue) != 0 })
        #expect(!byAddress.isEmpty)
        #expect(drawn == Set(OperationKind.allCases).subtracting(byAddress), "never drawn: \(Set(OperationKind.allCases).subtracting(drawn).subtracting(byAddress))")
    }

    /// The seeds draw every boot configuration, the standard one among them, and the scenario a
    /// seed makes carries its boot through the byte format of both targets `bouncer check` writes
    /// reproducers for, so `bouncer replay` and the minimiser boot the guest the explorer ran.
    @Test func theSeedsDrawEveryBootAndTheirScenariosCarryIt() {
        var boots = Set<SwiotlbBoot>()
        for seed: UInt64 in 1 ... 200 { boots.insert(RandomExplorer(seed: seed).boot) }
        #expect(boots == Set(SwiotlbBoot.all))
        for seed: UInt64 in 1 ... 20 {
            let scenario = RandomExplorer.scenario(seed: seed, platform: .sevSnp, length: 60, profile: .linuxUpstream, transports: true)
            #expect(scenario.boot == RandomExplorer(seed: seed).boot)
            for target: FuzzTarget in [.dma, .system] {
                #expect(ScenarioCodec.decode(ScenarioCodec.encode(scenario, target: target), target: target).boot == scenario.boot)
            }
        }
    }

    /// The explored run boots the seed's configuration: it draws what a guest of that boot
    /// offers, the operations a scenario of the same seed drew against such a guest (a run on
    /// another boot draws other operations for some seeds), both in `explore` and in `check`'s
    /// `explorePastKnown`; its scenario replays to the same verdict; and on a boot with more than
    /// one possible CPU the driver's task does move (`migrateToCpu` done, not skipped).
    @Test func anExploredRunBootsItsSeedsConfiguration() {
        var moved = 0
        for seed: UInt64 in 1 ... 30 {
            let (result, scenario) = RandomExplorer.explore(seed: seed, platform: .tdx, length: 200, profile: .linuxUpstream)
            let drawn = RandomExplorer.scenario(seed: seed, platform: .tdx, length: 200, profile: .linuxUpstream)
            #expect(scenario.operations == Array(drawn.operations.prefix(scenario.operations.count)), "seed \(seed)")
            // `check`'s path, past known findings, the same way.
            let (_, past) = RandomExplorer.explorePastKnown(seed: seed, platform: .tdx, length: 200, profile: .linuxUpstream)
            #expect(past.operations == Array(drawn.operations.prefix(past.operations.count)), "seed \(seed)")
            #expect(Runner.run(scenario, profile: .linuxUpstream).violations == result.violations, "seed \(seed)")
            var runner = Runner(platform: .tdx, profile: .linuxUpstream, boot: scenario.boot)
            for op in scenario.operations {
                _ = runner.run(op)
                if case .migrateToCpu(let cpu) = op, cpu > 0, runner.lastOutcome == .done {
                    #expect(cpu < scenario.boot.possibleCpus)
                    moved += 1
                }
            }
        }
        #expect(moved > 5)
    }
}
