import BouncerModel
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// `Runner(platform:profile:boot:)` starts from the process's cached boot of its configuration
/// (`BootCache`): what it starts from must be what a boot makes, whatever runs came before.
@Suite struct BootCacheTests {
    /// A run from the cache and a run from a guest booted here: the same trace, the same
    /// violations, the same end-of-run accounting, on every platform and boot configuration.
    @Test func aCachedBootRunsAsABootMadeHere() {
        for platform in PlatformKind.allCases {
            for boot in SwiotlbBoot.all {
                let scenario = RandomExplorer.scenario(seed: 7, platform: platform, length: 120, profile: .linuxUpstream)
                let booted = Guest(platform: platform, behaviours: Profile.linuxUpstream.behaviours, boot: boot)
                var fresh = Runner(booted: booted, tracing: true)
                var cached = Runner(platform: platform, profile: .linuxUpstream, boot: boot, tracing: true)
                #expect(cached.system.memory.states == booted.system.memory.states, "\(platform) \(boot)")
                #expect(cached.system.memory.owners == booted.system.memory.owners, "\(platform) \(boot)")
                for op in scenario.operations {
                    #expect(cached.run(op) == fresh.run(op))
                }
                #expect(cached.trace == fresh.trace)
                #expect(cached.finish() == fresh.finish())
            }
        }
    }

    /// A run changes its copy only: the next run from the cache starts from the boot again.
    @Test func aRunLeavesTheCachedBootAsItWas() {
        for platform in PlatformKind.allCases {
            let boot = Guest(platform: platform, behaviours: Profile.linuxUpstream.behaviours)
            var first = Runner(platform: platform, profile: .linuxUpstream)
            for op in RandomExplorer.scenario(seed: 11, platform: platform, length: 200, profile: .linuxUpstream).operations {
                _ = first.run(op)
            }
            let second = Runner(platform: platform, profile: .linuxUpstream)
            #expect(first.step == 200)
            #expect(first.system.memory.owners != boot.system.memory.owners, "\(platform): the run should have moved pages")
            #expect(second.step == 0)
            #expect(second.system.memory.states == boot.system.memory.states)
            #expect(second.system.memory.owners == boot.system.memory.owners)
            #expect(second.finish().isEmpty)
        }
    }

    /// Profiles differ in what a boot makes (s390 PV has no atomic pools; pseries boots shared),
    /// so the cache keys on the behaviours, not only the platform.
    @Test func eachProfileGetsItsOwnBoot() {
        var differing = 0
        for platform in PlatformKind.allCases {
            let upstream = Guest(platform: platform, behaviours: Profile.linuxUpstream.behaviours).system.memory
            for profile in Profile.builtIn {
                let booted = Guest(platform: platform, behaviours: profile.behaviours)
                if booted.system.memory.states != upstream.states || booted.system.memory.owners != upstream.owners { differing += 1 }
                let cached = Runner(platform: platform, profile: profile)
                #expect(cached.system.memory.states == booted.system.memory.states, "\(profile.name) \(platform)")
                #expect(cached.system.memory.owners == booted.system.memory.owners, "\(profile.name) \(platform)")
                #expect(cached.system.atomicPools.count == booted.system.atomicPools.count, "\(profile.name) \(platform)")
                #expect(cached.system.swiotlbPools.count == booted.system.swiotlbPools.count, "\(profile.name) \(platform)")
            }
        }
        // Otherwise a cache keyed on the platform alone would pass too.
        #expect(differing > 0, "no profile boots differently from linux-upstream")
    }
}
