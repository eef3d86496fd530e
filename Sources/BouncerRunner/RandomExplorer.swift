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

/// Picks the next operation by looking at the system, so that nearly every operation names a
/// live object: mostly ordinary driver work, with the host's moves mixed in.
public struct RandomExplorer: Sendable {
    public var rng: SplitMix64
    /// Also drive the transports (VMBus, virtio, NVMe), not only the DMA API directly.
    public var transports: Bool

    public init(seed: UInt64, transports: Bool = false) {
        rng = SplitMix64(seed: seed)
        self.transports = transports
    }

    /// The next operation for this guest.
    public mutating func next(_ g: Guest) -> Operation {
        if transports, Int.random(in: 0 ..< 100, using: &rng) < 55, let op = nextTransport(g) { return op }
        return next(g.system)
    }

    public mutating func deviceConfig() -> DeviceConfig {
        var c = DeviceConfig()
        let r = Int.random(in: 0 ..< 100, using: &rng)
        c.trusted = r < 20
        c.accepted = c.trusted
        c.dmaMaskBits = [64, 64, 64, 32, 40, 24][Int.random(in: 0 ..< 6, using: &rng)]
        if Int.random(in: 0 ..< 8, using: &rng) == 0 { c.busDmaLimit = 0xFFFF_FFFF }
        if Int.random(in: 0 ..< 10, using: &rng) == 0 { c.dmaRangeOffset = 0x1000_0000 }
        c.forceBounce = Int.random(in: 0 ..< 10, using: &rng) == 0
        c.swiotlbDisabled = Int.random(in: 0 ..< 15, using: &rng) == 0
        c.restrictedPool = Int.random(in: 0 ..< 8, using: &rng) == 0
        if Int.random(in: 0 ..< 5, using: &rng) == 0 { c.minAlignMask = 0xFFF }
        return c
    }

    mutating func pick(_ indices: [Int]) -> Int? { indices.isEmpty ? nil : indices[Int.random(in: 0 ..< indices.count, using: &rng)] }
    mutating func size(_ max: UInt32) -> UInt32 { UInt32.random(in: 1 ... max, using: &rng) }
    mutating func direction() -> DmaDirection { DmaDirection(rawValue: UInt8.random(in: 0 ... 2, using: &rng))! }

    /// The next operation for this system.
    public mutating func next(_ s: System) -> Operation {
        if s.devices.isEmpty || (s.devices.count < 3 && Int.random(in: 0 ..< 40, using: &rng) == 0) {
            return .probeDevice(deviceConfig())
        }
        let device = Int.random(in: 0 ..< s.devices.count, using: &rng)
        let buffers = s.buffers.indices.filter { s.buffers[$0].live }
        let mappings = s.mappings.indices.filter { s.mappings[$0].live && s.mappings[$0].scatterlist == nil }
        let anyMappings = s.mappings.indices.filter { s.mappings[$0].dma != dmaMappingError }
        let coherent = s.coherent.indices.filter { s.coherent[$0].live }
        let sgs = s.scatterlists.indices.filter { s.scatterlists[$0].live }
        for _ in 0 ..< 8 {
            switch Int.random(in: 0 ..< 100, using: &rng) {
            case 0 ..< 10:
                return .kmalloc(size: [64, 200, 512, 1500, 2048, 4096, 9000][Int.random(in: 0 ..< 7, using: &rng)],
                                zone: [.normal, .normal, .dma32, .dma][Int.random(in: 0 ..< 4, using: &rng)])
            case 10 ..< 20:
                if let b = pick(buffers) { return .cpuWrite(buffer: b, offset: 0, size: s.buffers[b].size) }
            case 20 ..< 35:
                if let b = pick(buffers) {
                    let total = s.buffers[b].size
                    let offset = Bool.random(using: &rng) ? 0 : UInt32.random(in: 0 ..< total, using: &rng)
                    return .mapBuffer(
                        device: device, buffer: b, offset: offset, size: size(total - offset), direction: direction(),
                        skipCpuSync: Int.random(in: 0 ..< 10, using: &rng) == 0)
                }
            case 35 ..< 45:
                if let m = pick(mappings) { return .unmap(mapping: m, skipCpuSync: Int.random(in: 0 ..< 10, using: &rng) == 0) }
            case 45 ..< 50:
                if let m = pick(mappings) {
                    return .syncForCpu(mapping: m, offset: UInt32.random(in: 0 ..< s.mappings[m].size, using: &rng), size: size(s.mappings[m].size))
                }
            case 50 ..< 55:
                if let m = pick(mappings) {
                    return .syncForDevice(mapping: m, offset: UInt32.random(in: 0 ..< s.mappings[m].size, using: &rng), size: size(s.mappings[m].size))
                }
            case 55 ..< 67:
                if let m = pick(anyMappings) {
                    return .deviceWrite(mapping: m, offset: UInt32.random(in: 0 ..< s.mappings[m].size, using: &rng), size: size(s.mappings[m].size))
                }
            case 67 ..< 70:
                return .hostWrite(page: Int.random(in: 0 ..< GuestMemory.pageCount, using: &rng), offset: 0, size: size(4096))
            case 70 ..< 75:
                return .allocCoherent(device: device, size: size(3 * 4096), blocking: Int.random(in: 0 ..< 3, using: &rng) != 0)
            case 75 ..< 79:
                if let c = pick(coherent) { return .freeCoherent(coherent: c) }
            case 79 ..< 83:
                if let c = pick(coherent) { return .cpuWriteCoherent(coherent: c, offset: 0, size: size(4096)) }
            case 83 ..< 86:
                if let c = pick(coherent) { return .mapCoherent(coherent: c, offset: 0, size: size(4096), direction: direction()) }
            case 86 ..< 89:
                if !buffers.isEmpty {
                    let list = (0 ..< Int.random(in: 1 ... 3, using: &rng)).compactMap { _ in pick(buffers) }
                    return .mapSg(device: device, buffers: list, direction: direction())
                }
            case 89 ..< 91:
                if let sg = pick(sgs) { return .unmapSg(scatterlist: sg) }
            case 91 ..< 94:
                if let b = pick(buffers) { return .kfree(buffer: b) }
            case 94 ..< 96:
                return .failNextConversion(afterPages: Int.random(in: 0 ..< 4, using: &rng))
            case 96 ..< 98:
                return .runDeferredWork
            case 98:
                return s.platform.kind == .pseriesSvm ? .enterSecureMode : .unbind(device: device)
            default:
                return .mapResource(device: device, size: size(4096))
            }
        }
        return .kmalloc(size: 512, zone: .normal)
    }

    /// Generates and runs one random sequence against the running system, so that handles stay
    /// valid; stops at the first violation. Returns the result and the operations that ran.
    public static func explore(
        seed: UInt64, platform: PlatformKind, length: Int, profile: Profile, transports: Bool = false
    ) -> (RunResult, [Operation]) {
        var explorer = RandomExplorer(seed: seed, transports: transports)
        var runner = Runner(platform: platform, profile: profile)
        var ops: [Operation] = []
        ops.reserveCapacity(length)
        for _ in 0 ..< length {
            let op = explorer.next(runner.guest)
            ops.append(op)
            let violations = runner.run(op)
            if !violations.isEmpty { return (RunResult(trace: [], violations: violations, steps: runner.step), ops) }
        }
        return (RunResult(trace: [], violations: runner.finish(), steps: runner.step), ops)
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
        var runner = Runner(platform: platform, profile: profile)
        var ops: [Operation] = []
        while ops.count < maximumSteps {
            var accepted = false
            for _ in 0 ..< 32 {
                let op = explorer.next(runner.guest)
                var trial = runner
                let violations = trial.run(op)
                if !violations.isEmpty && ops.count < minimumSteps { continue }
                runner = trial
                ops.append(op)
                if !violations.isEmpty { return Scenario(platform: platform, operations: ops) }
                accepted = true
                break
            }
            if !accepted { return nil }
        }
        return nil
    }

    /// A random scenario of `length` operations on `platform`, generated against a running system.
    public static func scenario(seed: UInt64, platform: PlatformKind, length: Int, profile: Profile) -> Scenario {
        var explorer = RandomExplorer(seed: seed)
        var guest = Guest(platform: platform, behaviours: profile.behaviours)
        var ops: [Operation] = []
        for _ in 0 ..< length {
            let op = explorer.next(guest)
            guest.beginStep()
            _ = guest.apply(op)
            ops.append(op)
        }
        return Scenario(platform: platform, operations: ops)
    }
}
