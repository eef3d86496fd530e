import BouncerModel
import BouncerPolicy
@testable import BouncerRunner
import BouncerTransports
import Testing

/// `Runner(platform:profile:boot:)` starts from the process's cached boot of its configuration
/// (`BootCache`): what it starts from must be what a boot makes, whatever ran before it. The
/// tests that pin the key use a cache of their own, so no other test's boots are in it.
@Suite struct BootCacheTests {
    /// A run from the cache, after another run from the same cached boot, and a run from a guest
    /// booted here: the same trace, the same violations, the same end-of-run accounting, on every
    /// platform and boot configuration.
    @Test func aCachedBootRunsAsABootMadeHere() {
        for platform in PlatformKind.allCases {
            let scenario = RandomExplorer.scenario(seed: 7, platform: platform, length: 120, profile: .linuxUpstream)
            for boot in SwiotlbBoot.all {
                var earlier = Runner(platform: platform, profile: .linuxUpstream, boot: boot)
                for op in scenario.operations { _ = earlier.run(op) }
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

    /// Profiles can differ in what a boot makes (pool state, which pages are shared), and the
    /// swiotlb configurations do (`swiotlb=` areas): with the standard linux-upstream boots in it
    /// first, every other key still gets its own boot.
    @Test func eachProfileAndSwiotlbConfigurationGetsItsOwnBoot() {
        let cache = BootCache(capacity: 10_000)
        for platform in PlatformKind.allCases { _ = cache.booted(platform, Profile.linuxUpstream.behaviours, .standard) }
        var differing = 0
        for platform in PlatformKind.allCases {
            let upstream = Guest(platform: platform, behaviours: Profile.linuxUpstream.behaviours).system
            for profile in Profile.builtIn {
                for boot in SwiotlbBoot.all {
                    let booted = Guest(platform: platform, behaviours: profile.behaviours, boot: boot).system
                    let (cached, _) = cache.booted(platform, profile.behaviours, boot)
                    #expect(cached.system.memory.states == booted.memory.states, "\(profile.name) \(platform) \(boot)")
                    #expect(cached.system.memory.owners == booted.memory.owners, "\(profile.name) \(platform) \(boot)")
                    #expect(cached.system.swiotlbPools.map(\.nareas) == booted.swiotlbPools.map(\.nareas), "\(profile.name) \(platform) \(boot)")
                    if booted.memory.states != upstream.memory.states || booted.memory.owners != upstream.memory.owners
                        || booted.swiotlbPools.map(\.nareas) != upstream.swiotlbPools.map(\.nareas) { differing += 1 }
                }
            }
        }
        // Otherwise a cache keyed on the platform alone would pass too.
        #expect(differing > 0, "no profile or boot configuration boots differently from linux-upstream's standard boot")
    }

    /// Full, the cache starts over rather than growing; what it hands out after is still a boot.
    @Test func aFullCacheStartsOverAndStillHandsOutBoots() {
        let cache = BootCache(capacity: 3)
        let boots = Array(SwiotlbBoot.all.prefix(4))
        for boot in boots { _ = cache.booted(.tdx, Profile.linuxUpstream.behaviours, boot) }
        #expect(cache.count == 1)
        for boot in boots {
            let (cached, _) = cache.booted(.tdx, Profile.linuxUpstream.behaviours, boot)
            let booted = Guest(platform: .tdx, behaviours: Profile.linuxUpstream.behaviours, boot: boot)
            #expect(cached.system.memory.owners == booted.system.memory.owners, "\(boot)")
            #expect(cached.system.swiotlbPools.map(\.nareas) == booted.system.swiotlbPools.map(\.nareas), "\(boot)")
            #expect(cache.count <= 3)
        }
    }
}
