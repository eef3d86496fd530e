import BouncerModel
import BouncerPolicy

/// Decodes a scenario one operation at a time, so a fuzz harness runs each operation as it is
/// read instead of building the whole sequence first. `ScenarioCodec.decode` is this, collected.
public struct ScenarioDecoder: IteratorProtocol {
    var r: Reader
    /// The target's table at the header's version: each opcode's entry.
    let table: UnsafeBufferPointer<UnsafePointer<DecodeEntry>>
    let maxOperations: Int
    var decoded = 0
    /// The platform the header names, and its index in `PlatformKind.allCases`.
    public let platform: PlatformKind
    public let platformIndex: Int
    /// The boot configuration the header names (standard before version 8), by its index in
    /// `SwiotlbBoot.all`.
    public let bootIndex: Int
    public var boot: SwiotlbBoot { SwiotlbBoot.all[bootIndex] }

    /// Reads the header: the version (an unknown one reads as the target's first), platform and,
    /// from version 8, the boot byte.
    public init(_ bytes: UnsafeRawBufferPointer, target: FuzzTarget, maxOperations: Int = 4096) {
        r = Reader(bytes: bytes)
        let version = ScenarioCodec.resolvedVersion(r.u8(), target)
        platformIndex = Int(r.u8()) % ScenarioCodec.platforms.count
        platform = ScenarioCodec.platforms[platformIndex]
        bootIndex = version >= ScenarioCodec.bootByteVersion ? ScenarioCodec.bootIndex(ofByte: r.u8()) : 0
        table = DecodeEntry.table(target, version)
        self.maxOperations = maxOperations
    }

    public mutating func next() -> GuestOperation? { nextOperation()?.operation }

    /// The next operation with its kind, which the decoder has at hand (`GuestOperation.kind`
    /// searches the descriptions for it). Inlined, with `Reader.fields`, into the harness's loop:
    /// out of line, the call and the copy of the fields back out cost more than the reading.
    @inline(__always) public mutating func nextOperation() -> (kind: OperationKind, operation: GuestOperation)? {
        guard !r.atEnd, decoded < maxOperations else { return nil }
        decoded &+= 1
        // Most opcode bytes are in the table already, and a division is dear.
        let byte = Int(r.u8())
        let entry = table[byte < table.count ? byte : byte % table.count]
        return (entry.pointee.kind, entry.pointee.make(r.fields(entry)))
    }
}

/// What the decoder needs of a kind: its constructor, its compiled fields and where its leading
/// fields sit. Made once per kind and never freed, so decoding takes no reference on the way.
struct DecodeEntry {
    let kind: OperationKind
    let make: @Sendable (Fields) -> GuestOperation
    let codes: UnsafeBufferPointer<FieldCode>
    /// The first `fixed` fields, those before the first whose width depends on the bytes (a race,
    /// a handle list), each at a fixed offset after the opcode, `fixedBytes` in all. Eight slots,
    /// the unused ones reading zero, so the decoder reads four or eight with no branch or loop.
    /// The other fields are read one by one as `codes` say.
    let slots: UnsafePointer<WireSlot>
    let fixed: Int
    let fixedBytes: Int
    /// The leading fields whose value is not the bits they read (a modulo, a minimum, a table),
    /// one bit per field.
    let mapped: UInt8
    /// For each mapped field read from at most eight bits, every value it can take, by the bits
    /// read (`FieldCode.value` of each, worked out once): a load instead of the map's switch.
    let lookUps: UnsafePointer<UnsafePointer<UInt64>?>

    /// What `Reader.fields` pads the input's last bytes to when it ends inside an operation: a
    /// fixed part leaves one of them spare, for its last 16-bit read.
    static let paddedBytes = 32

    init(_ d: OperationDescription) {
        kind = d.kind
        make = d.make
        codes = UnsafeBufferPointer(Self.permanent(d.codes))
        let layout = Self.layout(d.codes)
        let unused = Array(repeating: WireSlot(at: 0, mask: 0), count: Fields.capacity - layout.slots.count)
        slots = UnsafePointer(Self.permanent(layout.slots + unused).baseAddress!)
        fixed = layout.slots.count
        fixedBytes = layout.bytes
        mapped = layout.mapped
        lookUps = UnsafePointer(Self.permanent((0 ..< Fields.capacity).map { i -> UnsafePointer<UInt64>? in
            guard i < layout.slots.count, layout.mapped & 1 << UInt8(i) != 0, layout.slots[i].mask <= 0xFF else { return nil }
            let values = (0 ... UInt64(layout.slots[i].mask)).map(d.codes[i].value)
            return UnsafePointer(Self.permanent(values).baseAddress!)
        }).baseAddress!)
    }

    /// Each kind's entry, by opcode.
    nonisolated(unsafe) static let all: [UnsafePointer<DecodeEntry>] = OperationDescription.all.map {
        UnsafePointer(permanent([DecodeEntry($0)]).baseAddress!)
    }

    /// Every target's table at each of its versions, built once: decoding runs once per fuzz
    /// input and operation. One flat array (`table(_:_:)`), so finding a table takes no reference;
    /// a version below the target's first has an empty one.
    nonisolated(unsafe) static let tables: [UnsafeBufferPointer<UnsafePointer<DecodeEntry>>] = FuzzTarget.allCases.flatMap { target in
        (0 ... ScenarioCodec.currentVersion).map { v in
            let kinds = v < ScenarioCodec.firstVersion(target) ? [] : ScenarioCodec.table(target, v)
            return UnsafeBufferPointer(permanent(kinds.map { all[Int($0.rawValue)] }))
        }
    }

    static func table(_ target: FuzzTarget, _ version: UInt8) -> UnsafeBufferPointer<UnsafePointer<DecodeEntry>> {
        tables[Int(target.rawValue) * (Int(ScenarioCodec.currentVersion) + 1) + Int(version)]
    }

    /// A copy of `values` in memory that is never freed.
    static func permanent<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
        _ = buffer.initialize(from: values)
        return UnsafeMutableBufferPointer(rebasing: buffer[..<values.count])
    }

    /// Where the leading fields of fixed width sit. A flag keeps only its low bit through its mask,
    /// and a choice read from fewer bits than it has cases needs no modulo, so neither is mapped.
    /// Fields after a race or a handle list are left to the field-by-field reader, which starts
    /// with no flags byte: if one of them would share a flags byte read before, every field is.
    static func layout(_ codes: [FieldCode]) -> (slots: [WireSlot], bytes: Int, mapped: UInt8) {
        var slots: [WireSlot] = []
        var at = 0, flagsAt = -1
        var mapped: UInt8 = 0
        fields: for (i, c) in codes.enumerated() {
            var slot: WireSlot
            switch c.read {
            case .u8:
                slot = WireSlot(at: at, mask: 0xFF)
                at += 1
            case .u16:
                slot = WireSlot(at: at, mask: 0xFFFF)
                at += 2
            case .bits:
                if c.shift == 0 {
                    flagsAt = at
                    at += 1
                }
                // Bits of a flags byte no field has read yet read as zero: the general reader's.
                guard flagsAt >= 0 else { break fields }
                slot = WireSlot(at: flagsAt, shift: c.shift, mask: UInt16(1) << UInt16(c.width) &- 1)
            case .race, .handles:
                break fields
            }
            var map = c.map
            if map == .flag {
                slot.mask &= 1
                map = .raw
            }
            if map == .modulo, UInt64(slot.mask) < c.param { map = .raw }
            if map != .raw { mapped |= 1 << UInt8(i) }
            slots.append(slot)
        }
        let tailSharesFlags = flagsAt >= 0 && codes[slots.count...].first { $0.read == .bits }.map { $0.shift != 0 } == true
        guard !tailSharesFlags, at < paddedBytes, slots.count <= Fields.capacity else { return ([], 0, 0) }
        return (slots, at, mapped)
    }
}

/// Where a field of fixed width sits: the 16 bits from byte `at` after the opcode, shifted right
/// by `shift` and masked (a byte is the low 8 bits, a flag the low bit). One plain read serves
/// every fixed wire form.
struct WireSlot {
    var at: UInt8
    var shift: UInt8 = 0
    var mask: UInt16

    init(at: Int, shift: UInt8 = 0, mask: UInt16) {
        self.at = UInt8(at)
        self.shift = shift
        self.mask = mask
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

    /// One operation's fields: the leading ones at their fixed offsets, then the rest as the
    /// entry's codes say.
    @inline(__always) mutating func fields(_ e: UnsafePointer<DecodeEntry>) -> Fields {
        var f = Fields()
        let fixed = e.pointee.fixed
        if fixed != 0 {
            let size = e.pointee.fixedBytes
            if bytes.count &- at > size {
                // A byte to spare: a slot's 16-bit read of the last byte (or, unused, of the
                // first) stays inside the input.
                Self.read(e, bytes.baseAddress! + at, &f)
                at &+= size
            } else {
                readNearEnd(e, &f)
            }
        }
        if fixed < e.pointee.codes.count { fields(e.pointee.codes, from: fixed, into: &f) }
        return f
    }

    /// The fixed fields of an operation the input ends within: the bytes left, then zeros
    /// (`DecodeEntry.paddedBytes` of them). Once per input at most, so out of line.
    @inline(never) mutating func readNearEnd(_ e: UnsafePointer<DecodeEntry>, _ f: inout Fields) {
        var padded: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &padded) { $0.baseAddress!.copyMemory(from: bytes.baseAddress! + at, byteCount: bytes.count &- at) }
        withUnsafeBytes(of: &padded) { Self.read(e, $0.baseAddress!, &f) }
        at = bytes.count
    }

    /// The slots' values, from the byte after the opcode at `p`, then the mapped ones mapped.
    @inline(__always) static func read(_ e: UnsafePointer<DecodeEntry>, _ p: UnsafeRawPointer, _ f: inout Fields) {
        let s = e.pointee.slots
        @inline(__always) func value(_ k: Int) -> UInt64 {
            let word = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: Int(s[k].at), as: UInt16.self))
            return UInt64(word &>> UInt16(s[k].shift) & s[k].mask)
        }
        (f.storage.0, f.storage.1, f.storage.2, f.storage.3) = (value(0), value(1), value(2), value(3))
        // Most kinds have four fields or fewer; the others' last four (`Fields()` holds zeros).
        if e.pointee.fixed > 4 { (f.storage.4, f.storage.5, f.storage.6, f.storage.7) = (value(4), value(5), value(6), value(7)) }
        var m = e.pointee.mapped
        while m != 0 {
            let i = m.trailingZeroBitCount
            if let values = e.pointee.lookUps[i] { f.lookUp(i, values) } else { f.map(i, e.pointee.codes[i]) }
            m &= m &- 1
        }
    }

    /// Fields from `first` on, one by one, as `codes` say (the general reader: every wire form).
    mutating func fields(_ codes: UnsafeBufferPointer<FieldCode>, from first: Int, into f: inout Fields) {
        var flags: UInt8 = 0
        // By index rather than `for c in codes`: the buffer's iterator went through an optional
        // code per field.
        var i = first - 1
        while i + 1 < codes.count {
            i += 1
            let c = codes[i]
            let raw: UInt64
            switch c.read {
            case .u8: raw = UInt64(u8())
            case .u16: raw = UInt64(u16())
            case .bits:
                if c.shift == 0 { flags = u8() }
                raw = UInt64(flags >> c.shift) & ((1 << UInt64(c.width)) - 1)
            case .race: raw = u8() & 1 == 0 ? f[Int(c.param)] : UInt64(u16())
            case .handles:
                let n = 1 + Int(u8()) % Int(c.param)
                f[i] = UInt64(n)
                for k in 0 ..< n { f[i + 1 + k] = UInt64(u16()) }
                continue
            }
            f[i] = c.value(raw)
        }
    }
}

extension Fields {
    /// Value `i` replaced, in place, by the one `values` lists for it.
    @inline(__always) mutating func lookUp(_ i: Int, _ values: UnsafePointer<UInt64>) {
        withUnsafeMutableBytes(of: &storage) {
            $0.storeBytes(of: values[Int(truncatingIfNeeded: $0.load(fromByteOffset: (i & 7) << 3, as: UInt64.self))], toByteOffset: (i & 7) << 3, as: UInt64.self)
        }
    }

    /// Value `i` replaced, in place, by what `code` maps it to (reading it through the subscript
    /// by a variable index would copy all eight).
    @inline(__always) mutating func map(_ i: Int, _ code: FieldCode) {
        withUnsafeMutableBytes(of: &storage) {
            $0.storeBytes(of: code.value($0.load(fromByteOffset: (i & 7) << 3, as: UInt64.self)), toByteOffset: (i & 7) << 3, as: UInt64.self)
        }
    }
}
