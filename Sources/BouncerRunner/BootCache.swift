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
    /// What a boot depends on.
    struct Key: Equatable {
        let platform: PlatformKind
        let behaviours: Behaviours
        let boot: SwiotlbBoot
    }

    /// The boots so far, in the order made. The keys apart from the values: looking through
    /// whole entries copied each one, every array of its guest and oracle retained and released.
    struct Boots {
        var keys: [Key] = []
        var guests: [Guest] = []
        var oracles: [Oracle] = []
    }

    /// Enough for every profile's common configurations; past it the oldest goes (a process that
    /// sweeps every profile and boot keeps a bounded set).
    static let capacity = 64

    private static let boots = Mutex(Boots())

    /// A guest of `platform` booted under `behaviours` with `boot`, and an oracle made for it.
    static func booted(_ platform: PlatformKind, _ behaviours: Behaviours, _ boot: SwiotlbBoot) -> (Guest, Oracle) {
        let key = Key(platform: platform, behaviours: behaviours, boot: boot)
        if let hit = boots.withLock({ b -> (Guest, Oracle)? in
            guard let i = b.keys.firstIndex(of: key) else { return nil }
            return (b.guests[i], b.oracles[i])
        }) {
            return hit
        }
        // Booted outside the lock: two threads missing at once both boot, and both boots are the same.
        let guest = Guest(platform: platform, behaviours: behaviours, boot: boot)
        let oracle = Oracle(booted: guest.system)
        boots.withLock { b in
            guard !b.keys.contains(key) else { return }
            if b.keys.count == capacity {
                b.keys.removeFirst()
                b.guests.removeFirst()
                b.oracles.removeFirst()
            }
            b.keys.append(key)
            b.guests.append(guest)
            b.oracles.append(oracle)
        }
        return (guest, oracle)
    }
}
