import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerTransports
import Synchronization

/// Booted guests and the oracles seeded from them, kept for the life of the process, so a run
/// from a fresh boot (`Runner(platform:profile:boot:)`, `Runner.run(_:profile:)`) copies a boot
/// instead of booting: the minimiser, replay, triage and the random explorer start thousands of
/// runs on a handful of configurations, and a boot and the oracle's seeding cost more than a
/// typical run's steps. Both are values and a boot depends on nothing but its key, so the copy is
/// the guest a boot would make (`BootCacheTests` compares the two).
enum BootCache {
    struct Entry {
        let platform: PlatformKind
        let behaviours: Behaviours
        let boot: SwiotlbBoot
        let guest: Guest
        let oracle: Oracle
    }

    /// Enough for every profile's common configurations; past it the oldest goes (a process that
    /// sweeps every profile and boot keeps a bounded set).
    static let capacity = 64

    private static let entries = Mutex<[Entry]>([])

    /// A guest of `platform` booted under `behaviours` with `boot`, and an oracle made for it.
    static func booted(_ platform: PlatformKind, _ behaviours: Behaviours, _ boot: SwiotlbBoot) -> (Guest, Oracle) {
        if let hit = entries.withLock({ list in
            list.first { $0.platform == platform && $0.boot == boot && $0.behaviours == behaviours }
        }) {
            return (hit.guest, hit.oracle)
        }
        // Booted outside the lock: two threads missing at once both boot, and both boots are the same.
        let guest = Guest(platform: platform, behaviours: behaviours, boot: boot)
        let oracle = Oracle(booted: guest.system)
        entries.withLock { list in
            guard !list.contains(where: { $0.platform == platform && $0.boot == boot && $0.behaviours == behaviours }) else { return }
            if list.count == capacity { list.removeFirst() }
            list.append(Entry(platform: platform, behaviours: behaviours, boot: boot, guest: guest, oracle: oracle))
        }
        return (guest, oracle)
    }
}
