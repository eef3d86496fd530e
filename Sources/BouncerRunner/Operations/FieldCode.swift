import BouncerModel

/// A field's byte form as plain values, compiled once from its `Field`, so that decoding (once per
/// fuzz input and operation) walks flat structs instead of the descriptive enums.
struct FieldCode: Sendable {
    enum Read: UInt8, Sendable { case u8, u16, bits, race, handles }
    enum Map: UInt8, Sendable { case raw, modulo, minimum, table, maskBits, flag }

    var read: Read
    var shift: UInt8 = 0
    var width: UInt8 = 0
    var map: Map = .raw
    /// The modulo, the minimum, the field a race repeats, the most handles a list holds, or the
    /// address of a table's values (a buffer made once with the descriptions and never freed, so
    /// the code stays a small plain value for the decoder's loop).
    var param: UInt64 = 0
    var tableCount: UInt8 = 0

    init(_ field: Field) {
        switch field.wire {
        case .u8: read = .u8
        case .u16: read = .u16
        case let .bits(shift, width):
            read = .bits
            self.shift = shift
            self.width = width
        case .race: read = .race
        }
        switch field.role {
        case .handle, .id, .optionSet, .rewrite: map = .raw
        case let .handles(_, max):
            read = .handles
            param = UInt64(max)
        case .offset(let m), .count(let m):
            map = m == 0 ? .raw : .modulo
            param = m
        case .size(let minimum):
            map = minimum == 0 ? .raw : .minimum
            param = minimum
        case .page:
            map = .modulo
            param = UInt64(GuestMemory.pageCount)
        case .flag: map = .flag
        case .choice(let names, _):
            map = .modulo
            param = UInt64(names.count)
        case .table(let values):
            precondition((1 ... 255).contains(values.count), "a field table holds one to 255 values")
            map = .table
            tableCount = UInt8(values.count)
            let table = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: values.count)
            _ = table.initialize(from: values)
            param = UInt64(UInt(bitPattern: table.baseAddress))
        case .maskBits: map = .maskBits
        }
        if case .rewrite(let of) = field.role { param = UInt64(of) }
    }

    func tableValue(_ i: Int) -> UInt64 { UnsafePointer<UInt64>(bitPattern: UInt(param))![i] }

    /// The value a raw wire value stands for.
    func value(_ raw: UInt64) -> UInt64 {
        switch map {
        case .raw: raw
        case .modulo: raw % param
        case .minimum: max(param, raw)
        case .table: tableValue(Int(raw % UInt64(tableCount)))
        case .maskBits: raw == 0 ? 64 : 20 + raw % 44
        case .flag: raw & 1
        }
    }

    /// The raw wire value that decodes to `value`, or the nearest the format can say.
    func raw(_ value: UInt64) -> UInt64 {
        switch map {
        case .raw, .modulo, .minimum: value
        case .table: UInt64((0 ..< Int(tableCount)).first { tableValue($0) == value } ?? 0)
        case .maskBits:
            // Byte b decodes to 20 + b % 44 (0 meaning 64): 20 bits is b = 44.
            value >= 64 ? 0 : value <= 20 ? 44 : value - 20
        case .flag: value & 1
        }
    }
}
