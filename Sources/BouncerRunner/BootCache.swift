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
final class BootCache: Sendable {
    /// What a boot depends on.
    struct Key: Equatable {
        let platform: PlatformKind
        let behaviours: Behaviours
        let boot: SwiotlbBoot
    }

    /// The boots so far, the keys apart from the values (looking through whole entries copied
    /// each one, every array of its guest and oracle retained and released), and where the last
    /// lookup found its key. That key is tried first, then each in order, rather than hashed:
    /// hashing the behaviours cost more than a boot's copy, and comparing a key is a few
    /// instructions.
    struct Boots {
        var keys: [Key] = []
        var guests: [Guest] = []
        var oracles: [Oracle] = []
        var last = 0

        mutating func find(_ key: Key) -> Int? {
            if last < keys.count && keys[last] == key { return last }
            guard let i = keys.firstIndex(of: key) else { return nil }
            last = i
            return i
        }
    }

    /// The process's cache: room for every platform and boot configuration under a few profiles
    /// at once (`bouncer check` draws every boot on every platform under one).
    static let shared = BootCache(capacity: PlatformKind.allCases.count * SwiotlbBoot.all.count * 4)

    /// Past it the cache starts over: a process that sweeps every profile keeps a bounded set.
    let capacity: Int
    private let boots = Mutex(Boots())

    init(capacity: Int) {
        precondition(capacity > 0, "BootCache: capacity must be positive")
        self.capacity = capacity
    }

    /// How many boots the cache holds.
    var count: Int { boots.withLock { $0.keys.count } }

    /// A guest of `platform` booted under `behaviours` with `boot`, and an oracle made for it.
    func booted(_ platform: PlatformKind, _ behaviours: Behaviours, _ boot: SwiotlbBoot) -> (Guest, Oracle) {
        let key = Key(platform: platform, behaviours: behaviours, boot: boot)
        if let hit = boots.withLock({ b -> (Guest, Oracle)? in b.find(key).map { (b.guests[$0], b.oracles[$0]) } }) {
            return hit
        }
        // Booted outside the lock: two threads missing at once both boot, and both boots are the same.
        let guest = Guest(platform: platform, behaviours: behaviours, boot: boot)
        let oracle = Oracle(booted: guest.system)
        boots.withLock { b in
            guard b.find(key) == nil else { return }
            if b.keys.count >= capacity { b = Boots() }
            b.keys.append(key)
            b.guests.append(guest)
            b.oracles.append(oracle)
            b.last = b.keys.count - 1
        }
        return (guest, oracle)
    }
}
