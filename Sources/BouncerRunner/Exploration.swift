import BouncerModel
import BouncerPolicy
import BouncerTransports

/// What the random explorer reads of the guest to fill in a field: which objects of a kind a
/// driver may still name, how big one is, what the guest has posted on it.
extension HandleKind {
    /// The objects a driver may name under the API's contract: live ones, and for mappings and
    /// coherent memory only those the driver made itself (not a scatterlist's entries, not a
    /// transport's rings).
    func live(_ g: Guest) -> [Int] {
        let s = g.system
        return switch self {
        case .device: Array(s.devices.indices)
        case .buffer: s.buffers.indices.filter { s.buffers[$0].live }
        case .mapping: s.mappings.indices.filter { s.mappings[$0].live && s.mappings[$0].scatterlist == nil && !s.mappings[$0].transportOwned }
        case .scatterlist: s.scatterlists.indices.filter { s.scatterlists[$0].live }
        case .coherent: s.coherent.indices.filter { s.coherent[$0].live && !s.coherent[$0].transportOwned }
        case .channel: g.channels.indices.filter { g.channels[$0].state != .refused && !g.channels[$0].rescinded }
        case .virtio: g.virtio.indices.filter { g.virtio[$0].status == .live }
        case .nvme: g.nvme.indices.filter { g.nvme[$0].live }
        }
    }

    /// The objects the host can aim at: everything ever handed to a device, live or not (a
    /// device keeps the addresses it was given).
    func reachable(_ g: Guest) -> [Int] {
        self == .mapping ? g.system.mappings.indices.filter { g.system.mappings[$0].givenToDevice } : Array(0 ..< count(g))
    }

    /// How many the explorer lets the guest create: devices and transport instances are few in
    /// a real guest, and each new one resets what the others built up.
    var explorationLimit: Int? {
        switch self {
        case .device: 3
        case .channel, .virtio: 4
        case .nvme: 3
        case .buffer, .mapping, .scatterlist, .coherent: nil
        }
    }

    /// The bytes an object spans, where offsets and sizes into it make sense.
    func size(_ g: Guest, _ h: Int) -> UInt32? {
        let s = g.system
        return switch self {
        case .buffer: s.buffers[h].size
        case .mapping: s.mappings[h].size
        case .coherent: UInt32(s.coherent[h].pages) << 12
        default: nil
        }
    }

    /// The positions of what the guest has posted on an object and the host may complete
    /// (VMBus requests, virtio descriptor heads, NVMe commands).
    func posted(_ g: Guest, _ h: Int) -> [Int] {
        switch self {
        case .channel: g.channels[h].requests.indices.filter { g.channels[h].requests[$0] != nil }
        case .virtio: g.virtio[h].queue.map { q in q.heads.indices.filter { q.heads[$0] != nil } } ?? []
        case .nvme: g.nvme[h].commands.indices.filter { g.nvme[h].commands[$0] != nil }
        default: []
        }
    }
}

extension RandomExplorer {
    /// Sizes a driver asks for when nothing bounds them.
    static let driverSizes: [UInt32] = [1, 64, 200, 512, 1500, 2048, 4096, 9000, 12288]
    static let maskBits: [UInt64] = [64, 64, 64, 32, 40, 24]

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0 ..< 100, using: &rng) < percent }
    mutating func pick(_ indices: [Int]) -> Int? { indices.isEmpty ? nil : indices[Int.random(in: 0 ..< indices.count, using: &rng)] }
    mutating func below(_ n: UInt64) -> UInt64 { n == 0 ? 0 : UInt64.random(in: 0 ..< n, using: &rng) }

    /// An operation of kind `d` whose fields are drawn from their roles, against the guest as it
    /// is: handles name live objects (for a host move, sometimes anything ever handed out),
    /// offsets and sizes fit the first object named that has a size, ids name what was posted on
    /// the first object that takes posts, and flags mostly keep their simplest value.
    mutating func draw(_ d: OperationDescription, _ g: Guest) -> Drawn {
        var f = Fields()
        var slot = 0
        var bytes: UInt64?
        var posts: (kind: HandleKind, handle: Int)?
        for field in d.fields {
            switch field.role {
            case .handle(let kind):
                let candidates = d.hostMove && chance(15) ? kind.reachable(g) : kind.live(g)
                guard let h = pick(candidates) else { return .needs(kind) }
                if bytes == nil { bytes = kind.size(g, h).map(UInt64.init) }
                if posts == nil, [.channel, .virtio, .nvme].contains(kind) { posts = (kind, h) }
                f[slot] = UInt64(h)
            case let .handles(kind, max):
                let live = kind.live(g)
                guard !live.isEmpty else { return .needs(kind) }
                let n = Int.random(in: 1 ... min(max, 3), using: &rng)
                f[slot] = UInt64(n)
                for i in 0 ..< n { f[slot + 1 + i] = UInt64(pick(live)!) }
                slot += n
            case .offset(let modulo):
                f[slot] = offset(within: bytes ?? (modulo != 0 ? modulo : nil), host: d.hostMove)
            case .size(let minimum):
                f[slot] = max(minimum, size(within: bytes, after: slot > 0 ? f[slot - 1] : 0, host: d.hostMove))
            case .count(let modulo):
                f[slot] = chance(80) ? below(min(modulo, 4)) : below(modulo)
            case .id(let first):
                let posted = posts.map { $0.kind.posted(g, $0.handle) } ?? []
                f[slot] = chance(90) ? pick(posted).map { UInt64($0) + first } ?? first : below(12)
            case .page:
                f[slot] = below(UInt64(GuestMemory.pageCount))
            case .flag(let simplest):
                f[slot] = (chance(80) ? simplest : !simplest) ? 1 : 0
            case let .choice(names, _):
                f[slot] = below(UInt64(names.count))
            case .table(let values):
                f[slot] = chance(80) ? values[0] : values[Int(below(UInt64(values.count)))]
            case .maskBits:
                f[slot] = Self.maskBits[Int(below(UInt64(Self.maskBits.count)))]
            case .optionSet:
                // Each flag of the set is offered most of the time; a missing one is the interesting case.
                let width: UInt8 = if case .bits(_, let w) = field.wire { w } else { 8 }
                f[slot] = (0 ..< UInt64(width)).reduce(0) { bits, bit in chance(85) ? bits | 1 << bit : bits }
            case .rewrite(let of):
                f[slot] = chance(80) ? f[of] : below(40001)
            }
            slot += 1
        }
        return .drawn(d.make(f))
    }

    enum Drawn {
        case drawn(GuestOperation)
        /// A handle it needs names nothing yet: no object of this kind is live.
        case needs(HandleKind)
    }

    /// An offset into `bytes` (a quarter of the time 0); with no bound, 0 for a driver and for
    /// the host mostly a page boundary, now and then anything.
    mutating func offset(within bytes: UInt64?, host: Bool) -> UInt64 {
        if let bytes { return chance(25) ? 0 : below(bytes) }
        guard host else { return 0 }
        return chance(85) ? below(8) << 12 : below(40001)
    }

    /// A size: within the object, a quarter of the time what is left after `offset`, a quarter
    /// of the time up to that, else up to all of `bytes` (past the end when the offset is not 0:
    /// a length the host chose, a driver's mistake); without one, a size a driver would ask for;
    /// for a host move now and then any length at all.
    mutating func size(within bytes: UInt64?, after offset: UInt64, host: Bool) -> UInt64 {
        if host, chance(15) { return below(40001) }
        if let bytes, bytes > offset {
            let r = below(4)
            return r == 0 ? bytes - offset : r == 1 ? 1 + below(bytes - offset) : 1 + below(bytes)
        }
        return UInt64(Self.driverSizes[Int(below(UInt64(Self.driverSizes.count)))])
    }
}
