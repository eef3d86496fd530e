import BouncerModel
import BouncerPolicy

/// The byte form of a scenario, shared by reproducers, corpus files and fuzz inputs.
///
/// Byte 0 is the format version, byte 1 the platform (`PlatformKind.allCases`, append-only);
/// then operations, each an opcode byte and fixed-width little-endian fields. The opcode byte
/// indexes the target's opcode table (`byte % table.count`); the tables only ever grow at the end,
/// in a new version, so old files keep their meaning. Version 1 is the DMA layer alone (every
/// target reads it with the dma table); version 2 adds the transports and gives each target its
/// own table. Any byte string decodes: missing bytes read as zero; an unknown version reads as
/// the target's first version.
public enum ScenarioCodec {
    public static let currentVersion: UInt8 = 2

    /// Global opcode numbers, as `decodeOperation` reads them: 0...20 the DMA layer (version 1),
    /// 21...36 the transports (version 2).
    static let dmaOpcodes = Array(0 ... 20)
    /// What every transport target also needs: buffers, host writes, device writes, conversion
    /// faults, syncs, the workqueue.
    static let commonOpcodes = [1, 2, 3, 8, 16, 18, 19, 20]

    /// A target's opcode table at a version.
    static func opcodes(_ target: FuzzTarget, _ version: UInt8) -> [Int] {
        version == 1 ? dmaOpcodes : currentTables[Int(target.rawValue)]
    }

    /// Every target's table at version 2, built once: decoding runs once per fuzz input.
    static let currentTables: [[Int]] = FuzzTarget.allCases.map(table(atVersion2:))

    static func table(atVersion2 target: FuzzTarget) -> [Int] {
        switch target {
        case .dma: return dmaOpcodes
        case .vmbus: return commonOpcodes + Array(21 ... 28)
        case .virtio: return commonOpcodes + [17] + Array(29 ... 32)
        case .passthrough: return commonOpcodes + [9] + Array(33 ... 36)
        case .system: return Array(0 ... 36)
        }
    }

    /// The version a target's files are written in: the dma target keeps version 1, whose meaning
    /// has not changed, so its corpus stays byte for byte.
    static func writtenVersion(_ target: FuzzTarget) -> UInt8 { target == .dma ? 1 : 2 }

    /// Decodes any bytes into a scenario, as `target` reads them.
    public static func decode(_ bytes: UnsafeRawBufferPointer, target: FuzzTarget = .dma, maxOperations: Int = 4096) -> Scenario {
        var decoder = ScenarioDecoder(bytes, target: target, maxOperations: maxOperations)
        var ops: [Operation] = []
        ops.reserveCapacity(min(bytes.count / 3, maxOperations))
        while let op = decoder.next() { ops.append(op) }
        return Scenario(platform: decoder.platform, operations: ops)
    }

    public static func decode(_ bytes: [UInt8], target: FuzzTarget = .dma) -> Scenario {
        bytes.withUnsafeBytes { decode($0, target: target) }
    }

    static let platforms = PlatformKind.allCases
    /// The `bus_dma_limit` and dma-ranges offset a device byte names (`byte % 4`, `byte % 3`).
    static func busLimit(_ byte: UInt8) -> UInt64 {
        switch byte % 4 {
        case 0: 0
        case 1: 0xFFFF_FFFF
        case 2: 0x3FFF_FFFF
        default: 0xFF_FFFF_FFFF
        }
    }

    static func rangeOffset(_ byte: UInt8) -> UInt64 {
        switch byte % 3 {
        case 0: 0
        case 1: 0x1000_0000
        default: 0x8000_0000
        }
    }

    static let busLimits = (UInt8(0) ..< 4).map(busLimit)
    static let rangeOffsets = (UInt8(0) ..< 3).map(rangeOffset)

    static func decodeOperation(_ opcode: Int, _ r: inout Reader) -> Operation {
        switch opcode {
        case 0:
            let flags = r.u8()
            let mask = r.u8()
            return .probeDevice(DeviceConfig(
                trusted: flags & 1 != 0, dmaMaskBits: mask == 0 ? 64 : 20 + mask % 44,
                busDmaLimit: busLimit(r.u8()), dmaRangeOffset: rangeOffset(r.u8()),
                forceBounce: flags & 2 != 0, swiotlbDisabled: flags & 4 != 0, restrictedPool: flags & 8 != 0,
                minAlignMask: flags & 16 != 0 ? 0xFFF : 0))
        case 1: return .kmalloc(size: max(1, UInt32(r.u16())), zone: Zone(rawValue: Int(r.u8()) % 3)!)
        case 2: return .kfree(buffer: r.handle())
        case 3: return .cpuWrite(buffer: r.handle(), offset: r.u32(), size: r.u32())
        case 4:
            let device = Int(r.u8()), buffer = r.handle(), offset = r.u32(), size = r.u32(), flags = r.u8()
            return .mapBuffer(
                device: device, buffer: buffer, offset: offset, size: size,
                direction: DmaDirection(rawValue: (flags & 3) % 3)!, skipCpuSync: flags & 4 != 0)
        case 5:
            let c = r.handle(), offset = r.u32(), size = r.u32()
            return .mapCoherent(coherent: c, offset: offset, size: size, direction: DmaDirection(rawValue: r.u8() % 3)!)
        case 6: return .mapResource(device: Int(r.u8()), size: max(1, r.u32()))
        case 7: return .unmap(mapping: r.handle(), skipCpuSync: r.u8() & 1 != 0)
        case 8: return .syncForCpu(mapping: r.handle(), offset: r.u32(), size: r.u32())
        case 9: return .syncForDevice(mapping: r.handle(), offset: r.u32(), size: r.u32())
        case 10:
            let device = Int(r.u8())
            let direction = DmaDirection(rawValue: r.u8() % 3)!
            let n = 1 + Int(r.u8()) % 4
            return .mapSg(device: device, buffers: (0 ..< n).map { _ in r.handle() }, direction: direction)
        case 11: return .unmapSg(scatterlist: r.handle())
        case 12: return .allocCoherent(device: Int(r.u8()), size: max(1, r.u32()), blocking: r.u8() & 1 != 0)
        case 13: return .freeCoherent(coherent: r.handle())
        case 14: return .cpuWriteCoherent(coherent: r.handle(), offset: r.u32(), size: r.u32())
        case 15: return .unbind(device: Int(r.u8()))
        case 16: return .runDeferredWork
        case 17: return .enterSecureMode
        case 18: return .hostWrite(page: r.handle() % GuestMemory.pageCount, offset: r.u32() % 4096, size: r.u32())
        case 19: return .deviceWrite(mapping: r.handle(), offset: r.u32(), size: r.u32())
        case 20: return .failNextConversion(afterPages: Int(r.u8()) % 16)
        default: return decodeTransportOperation(opcode, &r)
        }
    }

    /// Encodes a scenario so that `decode(_, target:)` gives it back. Values outside what the format
    /// can say (a handle or size above 65535, a `bus_dma_limit` or dma-ranges offset not in the
    /// tables, more than four scatterlist entries) are clamped, and operations outside the target's
    /// table are left out: `roundTrips` says whether anything was lost.
    public static func encode(_ scenario: Scenario, target: FuzzTarget = .dma) -> [UInt8] {
        var w = Writer()
        let version = writtenVersion(target)
        w.u8(version)
        w.u8(UInt8(PlatformKind.allCases.firstIndex(of: scenario.platform)!))
        let table = opcodes(target, version)
        for op in scenario.operations {
            var body = Writer()
            encodeOperation(op, &body)
            guard let index = table.firstIndex(of: Int(body.bytes[0])) else { continue }
            w.u8(UInt8(index))
            w.bytes.append(contentsOf: body.bytes.dropFirst())
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
        for target in FuzzTarget.allCases {
            let table = Set(opcodes(target, writtenVersion(target)))
            if scenario.operations.allSatisfy({ op in
                var w = Writer()
                encodeOperation(op, &w)
                return table.contains(Int(w.bytes[0]))
            }) {
                return target
            }
        }
        return .system
    }

    static func encodeOperation(_ op: Operation, _ w: inout Writer) {
        switch op {
        case .probeDevice(let c):
            w.u8(0)
            var flags: UInt8 = c.trusted ? 1 : 0
            if c.forceBounce { flags |= 2 }
            if c.swiotlbDisabled { flags |= 4 }
            if c.restrictedPool { flags |= 8 }
            if c.minAlignMask != 0 { flags |= 16 }
            w.u8(flags)
            // Mask byte m decodes to 20 + m % 44 (0 meaning 64): 20 bits is m = 44.
            let bits = min(max(c.dmaMaskBits, 20), 64)
            w.u8(bits == 64 ? 0 : bits == 20 ? 44 : bits - 20)
            w.u8(UInt8(busLimits.firstIndex(of: c.busDmaLimit) ?? 0))
            w.u8(UInt8(rangeOffsets.firstIndex(of: c.dmaRangeOffset) ?? 0))
        case let .kmalloc(size, zone): w.u8(1); w.u16(size); w.u8(UInt8(zone.rawValue))
        case .kfree(let b): w.u8(2); w.handle(b)
        case let .cpuWrite(b, offset, size): w.u8(3); w.handle(b); w.u16(offset); w.u16(size)
        case let .mapBuffer(d, b, offset, size, dir, skip):
            w.u8(4); w.u8(UInt8(d)); w.handle(b); w.u16(offset); w.u16(size); w.u8(dir.rawValue | (skip ? 4 : 0))
        case let .mapCoherent(c, offset, size, dir):
            w.u8(5); w.handle(c); w.u16(offset); w.u16(size); w.u8(dir.rawValue)
        case let .mapResource(d, size): w.u8(6); w.u8(UInt8(d)); w.u16(size)
        case let .unmap(m, skip): w.u8(7); w.handle(m); w.u8(skip ? 1 : 0)
        case let .syncForCpu(m, offset, size): w.u8(8); w.handle(m); w.u16(offset); w.u16(size)
        case let .syncForDevice(m, offset, size): w.u8(9); w.handle(m); w.u16(offset); w.u16(size)
        case let .mapSg(d, list, dir):
            // One to four entries; an empty list is written as one entry naming nothing.
            let entries = list.isEmpty ? [Int(UInt16.max)] : Array(list.prefix(4))
            w.u8(10); w.u8(UInt8(d)); w.u8(dir.rawValue); w.u8(UInt8(entries.count - 1))
            for b in entries { w.handle(b) }
        case .unmapSg(let sg): w.u8(11); w.handle(sg)
        case let .allocCoherent(d, size, blocking): w.u8(12); w.u8(UInt8(d)); w.u16(size); w.u8(blocking ? 1 : 0)
        case .freeCoherent(let c): w.u8(13); w.handle(c)
        case let .cpuWriteCoherent(c, offset, size): w.u8(14); w.handle(c); w.u16(offset); w.u16(size)
        case .unbind(let d): w.u8(15); w.u8(UInt8(d))
        case .runDeferredWork: w.u8(16)
        case .enterSecureMode: w.u8(17)
        case let .hostWrite(page, offset, size): w.u8(18); w.handle(page); w.u16(offset); w.u16(size)
        case let .deviceWrite(m, offset, size): w.u8(19); w.handle(m); w.u16(offset); w.u16(size)
        case .failNextConversion(let k): w.u8(20); w.u8(UInt8(k % 16))
        default: encodeTransportOperation(op, &w)
        }
    }
}

/// Decodes a scenario one operation at a time, so a fuzz harness runs each operation as it is
/// read instead of building the whole sequence first. `ScenarioCodec.decode` is this, collected.
public struct ScenarioDecoder: IteratorProtocol {
    var r: Reader
    let table: [Int]
    let maxOperations: Int
    var decoded = 0
    /// The platform the header names, and its index in `PlatformKind.allCases`.
    public let platform: PlatformKind
    public let platformIndex: Int

    /// Reads the header: the version (an unknown one reads as the target's first) and platform.
    public init(_ bytes: UnsafeRawBufferPointer, target: FuzzTarget, maxOperations: Int = 4096) {
        r = Reader(bytes: bytes)
        var version = r.u8()
        if version == 0 || version > ScenarioCodec.currentVersion { version = target == .dma ? 1 : 2 }
        if target != .dma { version = 2 }
        platformIndex = Int(r.u8()) % ScenarioCodec.platforms.count
        platform = ScenarioCodec.platforms[platformIndex]
        table = ScenarioCodec.opcodes(target, version)
        self.maxOperations = maxOperations
    }

    public mutating func next() -> Operation? {
        guard !r.atEnd, decoded < maxOperations else { return nil }
        decoded += 1
        return ScenarioCodec.decodeOperation(table[Int(r.u8()) % table.count], &r)
    }
}

struct Reader {
    let bytes: UnsafeRawBufferPointer
    var at = 0

    var atEnd: Bool { at >= bytes.count }

    mutating func u8() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }

    mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
    mutating func u32() -> UInt32 { UInt32(u16()) }
    mutating func handle() -> Int { Int(u16()) }
}

struct Writer {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt32) {
        let v = UInt16(min(v, 0xFFFF))
        bytes.append(UInt8(v & 0xFF))
        bytes.append(UInt8(v >> 8))
    }
    mutating func handle(_ h: Int) { u16(UInt32(clamping: h)) }
}
