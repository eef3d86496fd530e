import BouncerModel
import BouncerPolicy
import BouncerTransports

/// SplitMix64: a small, fast, seedable generator, so every random run can be replayed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Picks the next operation by looking at the guest, so that nearly every operation names a live
/// object: mostly ordinary driver work, with the host's moves mixed in.
///
/// Nothing here knows an operation kind: each is drawn by its description's weight and its
/// fields are filled in from their roles (`draw`), so a new operation is explored as soon as it
/// is described. As syzkaller does with resources, an operation that needs an object of a kind
/// the guest has none of yet makes way for the operation that creates one.
///
/// Each seed also draws the boot configuration its guest starts from (`boot`), so the areas of
/// every `swiotlb=` configuration and the CPUs a task moves between are explored too.
public struct RandomExplorer: Sendable {
    public var rng: SplitMix64
    /// Also drive the transports (VMBus, virtio, NVMe), not only the DMA API directly.
    public var transports: Bool
    /// The configuration the guest boots with (`SwiotlbBoot.all`), the seed's first draw; the
    /// scenarios made from this explorer carry it, so a replay boots the same guest. A boot added
    /// to `SwiotlbBoot.all` changes what every seed draws.
    public let boot: SwiotlbBoot

    public init(seed: UInt64, transports: Bool = false) {
        rng = SplitMix64(seed: seed)
        self.transports = transports
        boot = SwiotlbBoot.all[Int(rng.next() % UInt64(SwiotlbBoot.all.count))]
    }

    /// The descriptions of each part with their weights, as cumulative sums for drawing.
    static let dmaLayer = weighted(OperationDescription.all.filter { !$0.isTransport })
    static let transportParts = weighted(OperationDescription.all.filter(\.isTransport))
    /// The description that creates each kind of object.
    static let creators: [HandleKind: OperationDescription] = Dictionary(
        OperationDescription.all.compactMap { d in d.creates.map { ($0, d) } }, uniquingKeysWith: { first, _ in first })

    static func weighted(_ ds: [OperationDescription]) -> (ds: [OperationDescription], sums: [Int]) {
        var total = 0
        return (ds, ds.map { total += $0.weight; return total })
    }

    /// The next operation for this guest: the transports' about half the time when driven.
    public mutating func next(_ g: Guest) -> GuestOperation {
        let part = transports && chance(55) ? Self.transportParts : Self.dmaLayer
        for _ in 0 ..< 8 {
            let r = Int.random(in: 0 ..< part.sums.last!, using: &rng)
            var d = part.ds[part.sums.firstIndex { $0 > r }!]
            for _ in 0 ..< 2 {
                if let kind = d.creates, let limit = kind.explorationLimit, kind.count(g) >= limit { break }
                switch draw(d, g) {
                case .drawn(let op): return op
                case .needs(let kind):
                    guard let creator = Self.creators[kind] else { break }
                    d = creator
                }
            }
        }
        return .kmalloc(size: 512, zone: .normal)
    }

    /// Generates and runs one random sequence against the running system, so that handles stay
    /// valid; stops at the first violation. Returns the result and the scenario that ran (its
    /// boot and the operations up to the violation).
    public static func explore(
        seed: UInt64, platform: PlatformKind, length: Int, profile: Profile, transports: Bool = false
    ) -> (RunResult, Scenario) {
        var explorer = RandomExplorer(seed: seed, transports: transports)
        var runner = Runner(platform: platform, profile: profile, boot: explorer.boot)
        var ops: [GuestOperation] = []
        ops.reserveCapacity(length)
        for _ in 0 ..< length {
            let op = explorer.next(runner.guest)
            ops.append(op)
            let violations = runner.run(op)
            if !violations.isEmpty {
                return (RunResult(trace: [], violations: violations, steps: runner.step), explorer.scenario(platform, ops))
            }
        }
        return (RunResult(trace: [], violations: runner.finish(), steps: runner.step), explorer.scenario(platform, ops))
    }

    /// The scenario these operations make on `platform`, with this explorer's boot.
    public func scenario(_ platform: PlatformKind, _ operations: [GuestOperation]) -> Scenario {
        Scenario(platform: platform, boot: boot, operations: operations)
    }

    /// A long failing input, as a fuzzer or campaign hands one over: random operations, where
    /// before `minimumSteps` any operation that would already break an invariant is drawn again
    /// (tried on a copy of the running system), and after it the first violation ends the input.
    /// Tries seeds from `seed` on, `seeds` of them.
    public static func longFailingScenario(
        profile: Profile, platform: PlatformKind, minimumSteps: Int, seed: UInt64 = 1, seeds: Int = 64,
        maximumSteps: Int = 3000, transports: Bool = false
    ) -> Scenario? {
        for s in seed ..< seed + UInt64(seeds) {
            if let found = longFailingScenario(
                profile: profile, platform: platform, minimumSteps: minimumSteps, seed: s, maximumSteps: maximumSteps,
                transports: transports)
            {
                return found
            }
        }
        return nil
    }

    static func longFailingScenario(
        profile: Profile, platform: PlatformKind, minimumSteps: Int, seed: UInt64, maximumSteps: Int, transports: Bool
    ) -> Scenario? {
        var explorer = RandomExplorer(seed: seed, transports: transports)
        var runner = Runner(platform: platform, profile: profile, boot: explorer.boot)
        var ops: [GuestOperation] = []
        while ops.count < maximumSteps {
            var accepted = false
            for _ in 0 ..< 32 {
                let op = explorer.next(runner.guest)
                var trial = runner
                let violations = trial.run(op)
                if !violations.isEmpty && ops.count < minimumSteps { continue }
                runner = trial
                ops.append(op)
                if !violations.isEmpty { return explorer.scenario(platform, ops) }
                accepted = true
                break
            }
            if !accepted { return nil }
        }
        return nil
    }

    /// A random scenario of `length` operations on `platform`, generated against a running system.
    public static func scenario(
        seed: UInt64, platform: PlatformKind, length: Int, profile: Profile, transports: Bool = false
    ) -> Scenario {
        var explorer = RandomExplorer(seed: seed, transports: transports)
        var guest = Guest(platform: platform, behaviours: profile.behaviours, boot: explorer.boot)
        var ops: [GuestOperation] = []
        for _ in 0 ..< length {
            let op = explorer.next(guest)
            guest.beginStep()
            _ = guest.apply(op)
            ops.append(op)
        }
        return explorer.scenario(platform, ops)
    }
}
