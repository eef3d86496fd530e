/// The fuzz targets, by the number their C entry passes in. Each speaks the shared operation type
/// through its own opcode table (`ScenarioCodec`), so its inputs spend their bytes on its layer.
public enum FuzzTarget: Int32, CaseIterable, Sendable {
    /// dma-direct, the atomic pools and swiotlb, with a hostile host (`fuzz-dma`).
    case dma = 0
    /// VMBus channels, GPADLs, storvsc and netvsc (`fuzz-vmbus`).
    case vmbus = 1
    /// virtio negotiation and split virtqueues (`fuzz-virtio`).
    case virtio = 2
    /// Passed-through NVMe, untrusted and TDISP-accepted (`fuzz-passthrough`).
    case passthrough = 3
    /// Everything at once: several devices on several transports, a runtime transition (`fuzz-system`).
    case system = 4

    public var name: String {
        switch self {
        case .dma: "dma"
        case .vmbus: "vmbus"
        case .virtio: "virtio"
        case .passthrough: "passthrough"
        case .system: "system"
        }
    }

    /// The target a file belongs to by where it lives: a directory named for a target
    /// (`Corpus/vmbus/...`, `Corpus/regressions/vmbus/...`), or `-<target>-` in its name; dma
    /// otherwise (the format every file had before the transports).
    public static func inferred(fromPath path: String) -> FuzzTarget {
        let parts = path.split(separator: "/").map(String.init)
        for dir in parts.dropLast().reversed() {
            if let t = FuzzTarget(name: dir) { return t }
        }
        // The last `-<target>-` wins: profile names come first and may contain a target's name.
        if let name = parts.last {
            let found = allCases.compactMap { t in name.ranges(of: "-\(t.name)-").last.map { (t, $0.lowerBound) } }
            if let last = found.max(by: { $0.1 < $1.1 }) { return last.0 }
        }
        return .dma
    }

    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = t
    }
}
