import BouncerModel
import BouncerTransports

/// The transport operations' byte form: opcodes 21...36 (version 2).
extension ScenarioCodec {
    static func decodeTransportOperation(_ opcode: Int, _ r: inout Reader) -> Operation {
        switch opcode {
        case 21:
            let flags = r.u8()
            return .vmbusOffer(
                VmbusOffer(
                    deviceClass: flags & 1 != 0 ? .netvsc : .storvsc, coRingBuffer: flags & 2 != 0,
                    coExternalMemory: flags & 4 != 0),
                legacyHost: flags & 8 != 0)
        case 22: return .vmbusOpen(channel: r.handle())
        case 23:
            let ch = r.handle(), b = r.handle(), offset = r.u32(), size = r.u32()
            return .vmbusSend(channel: ch, buffer: b, offset: offset, size: size, direction: DmaDirection(rawValue: r.u8() % 3)!)
        case 24: return .vmbusClose(channel: r.handle())
        case 25:
            let ch = r.handle(), id = r.u32(), length = r.u32()
            return .vmbusHostCompletion(channel: ch, requestId: id, length: length, rewrittenLength: rewritten(length, &r))
        case 26:
            let ch = r.handle(), offset = r.u32(), length = r.u32()
            return .netvscHostReceive(channel: ch, offset: offset, length: length, rewrittenLength: rewritten(length, &r))
        case 27: return .vmbusRescind(channel: r.handle())
        case 28: return .hostFailNextGpadl
        case 29:
            let flags = r.u8()
            return .virtioProbe(
                transport: flags & 1 != 0 ? .mmioRestricted : .pci, features: VirtioFeatures(rawValue: (flags >> 1) & 7))
        case 30:
            let v = r.handle(), b = r.handle(), offset = r.u32(), size = r.u32()
            return .virtioAddBuffer(virtio: v, buffer: b, offset: offset, size: size, deviceWrites: r.u8() & 1 != 0)
        case 31:
            let v = r.handle(), id = UInt32(r.u8())
            return .virtioHostUsed(virtio: v, id: id, length: r.u32())
        case 32: return .virtioReset(virtio: r.handle())
        case 33: return .nvmeProbe(tdisp: r.u8() & 1 != 0)
        case 34:
            let n = r.handle(), b = r.handle(), offset = r.u32(), size = r.u32()
            return .nvmeSubmit(nvme: n, buffer: b, offset: offset, size: size, deviceWrites: r.u8() & 1 != 0)
        case 35:
            let n = r.handle(), id = UInt16(r.u8())
            return .nvmeHostComplete(nvme: n, commandId: id, length: r.u32())
        default: return .nvmeRemove(nvme: r.handle())
        }
    }

    /// A race byte: zero (most inputs) means the host leaves the length alone; otherwise the
    /// rewritten value follows.
    static func rewritten(_ length: UInt32, _ r: inout Reader) -> UInt32 { r.u8() & 1 == 0 ? length : r.u32() }

    static func encodeTransportOperation(_ op: Operation, _ w: inout Writer) {
        switch op {
        case let .vmbusOffer(offer, legacy):
            var flags: UInt8 = offer.deviceClass == .netvsc ? 1 : 0
            if offer.coRingBuffer { flags |= 2 }
            if offer.coExternalMemory { flags |= 4 }
            if legacy { flags |= 8 }
            w.u8(21); w.u8(flags)
        case .vmbusOpen(let ch): w.u8(22); w.handle(ch)
        case let .vmbusSend(ch, b, offset, size, dir): w.u8(23); w.handle(ch); w.handle(b); w.u16(offset); w.u16(size); w.u8(dir.rawValue)
        case .vmbusClose(let ch): w.u8(24); w.handle(ch)
        case let .vmbusHostCompletion(ch, id, length, rewritten):
            w.u8(25); w.handle(ch); w.u16(id); w.u16(length); race(length, rewritten, &w)
        case let .netvscHostReceive(ch, offset, length, rewritten):
            w.u8(26); w.handle(ch); w.u16(offset); w.u16(length); race(length, rewritten, &w)
        case .vmbusRescind(let ch): w.u8(27); w.handle(ch)
        case .hostFailNextGpadl: w.u8(28)
        case let .virtioProbe(transport, features):
            w.u8(29); w.u8((transport == .mmioRestricted ? 1 : 0) | (features.rawValue & 7) << 1)
        case let .virtioAddBuffer(v, b, offset, size, writes):
            w.u8(30); w.handle(v); w.handle(b); w.u16(offset); w.u16(size); w.u8(writes ? 1 : 0)
        case let .virtioHostUsed(v, id, length): w.u8(31); w.handle(v); w.u8(UInt8(clamping: id)); w.u16(length)
        case .virtioReset(let v): w.u8(32); w.handle(v)
        case .nvmeProbe(let tdisp): w.u8(33); w.u8(tdisp ? 1 : 0)
        case let .nvmeSubmit(n, b, offset, size, writes):
            w.u8(34); w.handle(n); w.handle(b); w.u16(offset); w.u16(size); w.u8(writes ? 1 : 0)
        case let .nvmeHostComplete(n, id, length): w.u8(35); w.handle(n); w.u8(UInt8(clamping: id)); w.u16(length)
        case .nvmeRemove(let n): w.u8(36); w.handle(n)
        default: preconditionFailure("not a transport operation: \(op)")
        }
    }

    static func race(_ length: UInt32, _ rewritten: UInt32, _ w: inout Writer) {
        let l = min(length, 0xFFFF), r = min(rewritten, 0xFFFF)
        if l == r {
            w.u8(0)
        } else {
            w.u8(1); w.u16(r)
        }
    }
}
