import BouncerModel
import BouncerPolicy

/// The byte form of a scenario, shared by reproducers, corpus files and fuzz inputs.
///
/// Byte 0 is the format version, byte 1 the platform (`PlatformKind.allCases`, append-only);
/// from version 8 on, byte 2 is the boot configuration (`SwiotlbBoot.all`, by index modulo its
/// count: the possible CPUs and the `swiotlb=` area count); then operations, each an opcode byte and its fields as the operation's description lays them
/// out (`Field.wire`, little-endian). The opcode byte indexes the target's table at that version
/// (`byte % table.count`). Any byte string decodes: missing bytes read as zero.
///
/// Compatibility: a version's tables never change. A new operation is appended to the tables of
/// a new version; the encoder writes the lowest version that says every operation, so files
/// written before keep their bytes and their meaning. A version byte the decoder does not know
/// (or one below the target's first) reads as the target's first version: the dma target's is 1
/// (the DMA layer alone, which version 2 left unchanged), every other target's is 2 (the
/// transports). Fuzzer-made files carry any version byte, so a new version also gives a new
/// meaning to those of them that began with its number, and to no others.
public enum ScenarioCodec {
    public static let currentVersion: UInt8 = 8

    /// The DMA layer: every version-1 operation, in opcode order.
    static let dmaKinds = OperationKind.allCases.filter { $0.rawValue <= OperationKind.failNextConversion.rawValue }
    /// What every transport target also needs: buffers, host writes, device writes, conversion
    /// faults, syncs, the workqueue.
    static let commonKinds: [OperationKind] = [
        .kmalloc, .kfree, .cpuWrite, .syncForCpu, .runDeferredWork, .hostWrite, .deviceWrite, .failNextConversion,
    ]

    /// A target's opcode table at a version (after `resolvedVersion`).
    static func table(_ target: FuzzTarget, _ version: UInt8) -> [OperationKind] {
        switch version {
        case 1: return dmaKinds
        case 2:
            switch target {
            case .dma: return dmaKinds
            case .vmbus:
                return commonKinds + [
                    .vmbusOffer, .vmbusOpen, .vmbusSend, .vmbusClose, .vmbusHostCompletion, .netvscHostReceive, .vmbusRescind,
                    .hostFailNextGpadl,
                ]
            case .virtio: return commonKinds + [.enterSecureMode, .virtioProbe, .virtioAddBuffer, .virtioHostUsed, .virtioReset]
            case .passthrough: return commonKinds + [.syncForDevice, .nvmeProbe, .nvmeSubmit, .nvmeHostComplete, .nvmeRemove]
            case .system: return Array(OperationKind.allCases.prefix(through: Int(OperationKind.nvmeRemove.rawValue)))
            }
        case 3:
            // Version 3: scatterlist syncs, for the targets that map scatterlists.
            let added: [OperationKind] = target == .dma || target == .system ? [.syncSgForCpu, .syncSgForDevice] : []
            return table(target, 2) + added
        case 4:
            // Version 4: the device rewrites a virtio descriptor.
            let added: [OperationKind] = target == .virtio || target == .system ? [.virtioHostDescriptor] : []
            return table(target, 3) + added
        case 5:
            // Version 5: unmap and sync by DMA address, for the targets that drive the DMA layer itself.
            let added: [OperationKind] =
                target == .dma || target == .system ? [.unmapByAddress, .syncForCpuByAddress, .syncForDeviceByAddress] : []
            return table(target, 4) + added
        case 6:
            // Version 6: a device that is not DMA-coherent, and dma_alloc_pages(), for the targets
            // that drive the DMA layer itself.
            let added: [OperationKind] = target == .dma || target == .system ? [.archSetupDmaOps, .dmaAllocPages] : []
            return table(target, 5) + added
        case 7:
            // Version 7: a driver's segment boundary, for the targets that drive the DMA layer itself.
            let added: [OperationKind] = target == .dma || target == .system ? [.dmaSetSegBoundary] : []
            return table(target, 6) + added
        default:
            // Version 8: the boot byte in the header (every target), and a task moving to another
            // CPU, for the targets that drive the DMA layer itself.
            let added: [OperationKind] = target == .dma || target == .system ? [.migrateToCpu] : []
            return table(target, 7) + added
        }
    }

    /// The first version a target reads (`firstVersion...currentVersion` are its versions).
    static func firstVersion(_ target: FuzzTarget) -> UInt8 { target == .dma ? 1 : 2 }

    /// The version a header byte stands for, as `target` reads it.
    static func resolvedVersion(_ byte: UInt8, _ target: FuzzTarget) -> UInt8 {
        (firstVersion(target) ... currentVersion).contains(byte) ? byte : firstVersion(target)
    }

    /// Builds the decoder's tables now rather than at the first decode. A fuzz harness calls it
    /// from `LLVMFuzzerInitialize`, so no input pays for building them.
    public static func prepare() {
        _ = DecodeEntry.tables
        _ = OperationKind.transportKinds
        _ = OperationKind.addressKinds
    }

    /// The first version whose header has the boot byte.
    static let bootByteVersion: UInt8 = 8

    /// The lowest version whose table for `target` says every operation of the scenario, and whose
    /// header says its boot configuration: what the encoder writes, so that files keep the bytes
    /// they had before a version was added.
    static func writtenVersion(_ scenario: Scenario, _ target: FuzzTarget) -> UInt8 {
        let kinds = Set(scenario.operations.map(\.kind))
        let lowest = scenario.boot == .standard ? firstVersion(target) : max(firstVersion(target), bootByteVersion)
        return (lowest ... currentVersion).first { kinds.isSubset(of: table(target, $0)) } ?? currentVersion
    }

    /// Decodes any bytes into a scenario, as `target` reads them.
    public static func decode(_ bytes: UnsafeRawBufferPointer, target: FuzzTarget = .dma, maxOperations: Int = 4096) -> Scenario {
        var decoder = ScenarioDecoder(bytes, target: target, maxOperations: maxOperations)
        var ops: [GuestOperation] = []
        ops.reserveCapacity(min(bytes.count / 3, maxOperations))
        while let op = decoder.next() { ops.append(op) }
        return Scenario(platform: decoder.platform, boot: decoder.boot, operations: ops)
    }

    public static func decode(_ bytes: [UInt8], target: FuzzTarget = .dma) -> Scenario {
        bytes.withUnsafeBytes { decode($0, target: target) }
    }

    static let platforms = PlatformKind.allCases

    /// Encodes a scenario so that `decode(_, target:)` gives it back. Values outside what the format
    /// can say (a handle or size above 65535, a device above 255, a table value the field does not
    /// list, more handles than a list holds) are clamped, and operations outside the target's table
    /// are left out: `roundTrips` says whether anything was lost.
    public static func encode(_ scenario: Scenario, target: FuzzTarget = .dma) -> [UInt8] {
        var w = Writer()
        let version = writtenVersion(scenario, target)
        w.u8(version)
        w.u8(UInt8(PlatformKind.allCases.firstIndex(of: scenario.platform)!))
        if version >= bootByteVersion { w.u8(bootByte(scenario.boot)) }
        let table = self.table(target, version)
        for op in scenario.operations {
            let d = op.described
            guard let index = table.firstIndex(of: d.kind) else { continue }
            w.u8(UInt8(index))
            w.fields(d.read(op)!, d.codes)
        }
        return w.bytes
    }

    /// Whether `encode` keeps this scenario exactly for `target`.
    public static func roundTrips(_ scenario: Scenario, target: FuzzTarget = .dma) -> Bool {
        decode(encode(scenario, target: target), target: target) == scenario
    }

    /// The narrowest target whose table says every operation of the scenario: dma, then one
    /// transport, then system.
    public static func narrowestTarget(for scenario: Scenario) -> FuzzTarget {
        let kinds = Set(scenario.operations.map(\.kind))
        return FuzzTarget.allCases.first { target in
            kinds.isSubset(of: table(target, currentVersion))
        } ?? .system
    }
}

struct Writer {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt64) { bytes.append(UInt8(clamping: v)) }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt64) {
        let v = UInt16(clamping: v)
        bytes.append(UInt8(v & 0xFF))
        bytes.append(UInt8(v >> 8))
    }

    /// One operation's fields, laid out as `codes` say: the inverse of `Reader.fields`.
    mutating func fields(_ f: Fields, _ codes: [FieldCode]) {
        var flagsAt: Int?
        for (i, c) in codes.enumerated() {
            let raw = c.raw(f[i])
            switch c.read {
            case .u8: u8(raw)
            case .u16: u16(raw)
            case .bits:
                if c.shift == 0 || flagsAt == nil {
                    flagsAt = bytes.count
                    bytes.append(0)
                }
                bytes[flagsAt!] |= UInt8(truncatingIfNeeded: (raw & ((1 << UInt64(c.width)) - 1)) << UInt64(c.shift))
            case .race:
                let length = min(f[Int(c.param)], 0xFFFF), rewritten = min(raw, 0xFFFF)
                if length == rewritten {
                    u8(UInt8(0))
                } else {
                    u8(UInt8(1))
                    u16(rewritten)
                }
            case .handles:
                // One to `param` entries; an empty list is written as one entry naming nothing.
                let n = min(Int(f[i]), Int(c.param), Fields.capacity - 1 - i)
                if n == 0 {
                    u8(UInt8(0))
                    u16(UInt64(UInt16.max))
                } else {
                    u8(UInt8(n - 1))
                    for k in 0 ..< n { u16(f[i + 1 + k]) }
                }
            }
        }
    }
}
