import BouncerMinimizer
import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

/// A scenario's boot configuration (format version 8) stays with it through the minimiser and
/// into the regression test it writes: its slots and areas depend on it.
@Suite struct MinimizerBootTests {
    /// CVE-2022-0854 on a guest booted with two CPUs (two areas), the bounce made on CPU 1: the
    /// minimal scenario keeps the boot, drops the CPU move (the stale bytes do not depend on the
    /// area), and the written test boots the same way.
    @Test func theMinimalScenarioAndItsTestKeepTheBoot() throws {
        let boot = SwiotlbBoot.all[1]
        let scenario = Scenario(platform: .tdx, boot: boot, operations: [
            .probeDevice(DeviceConfig()), .migrateToCpu(cpu: 1), .kmalloc(size: 1, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 1),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),
            .unmap(mapping: 0, skipCpuSync: false),
        ])
        let profile = try #require(Profile.builtIn(named: "cve-2022-0854"))
        let outcome = try #require(Minimizer.minimize(scenario, profile: profile))
        #expect(outcome.minimal.boot == boot)
        #expect(!outcome.minimal.operations.contains(.migrateToCpu(cpu: 1)))
        #expect(Runner.run(outcome.minimal, profile: profile).firstViolation?.invariant == .confStale)
        let test = RegressionTest(outcome, profile: profile, name: "t", source: "a test", input: "x.bounce", target: .dma)
        #expect(test.source.contains("Scenario(platform: .tdx, boot: SwiotlbBoot.all[1], operations: operations)"), "\(test.source)")
    }
}
