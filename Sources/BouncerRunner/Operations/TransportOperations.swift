import BouncerModel
import BouncerTransports

/// The transports' operations (opcodes 21...36, format version 2).
extension OperationDescription {
    static func transport(_ k: OperationKind) -> OperationDescription? {
        switch k {
        case .vmbusOffer:
            let group = "VmbusOffer"
            return .init(
                k, "vmbusOffer",
                [
                    Field("deviceClass", .choice(["storvsc", "netvsc"], simplest: 0), .bits(shift: 0, width: 1), group: group),
                    Field("coRingBuffer", .flag(simplest: false), .bits(shift: 1, width: 1), group: group),
                    Field("coExternalMemory", .flag(simplest: false), .bits(shift: 2, width: 1), group: group),
                    .flag("legacyHost", .bits(shift: 3, width: 1)),
                ],
                creates: .channel, weight: 4,
                make: { .vmbusOffer(offer($0), legacyHost: $0.bool(3)) },
                read: {
                    guard case let .vmbusOffer(o, legacy) = $0 else { return nil }
                    return Fields(o.deviceClass, o.coRingBuffer, o.coExternalMemory, legacy)
                },
                render: { f in
                    let o = offer(f)
                    var flags: [String] = []
                    if o.coRingBuffer { flags.append("co_ring_buffer") }
                    if o.coExternalMemory { flags.append("co_external_memory") }
                    if f.bool(3) { flags.append("protocol < VERSION_WIN10_V6_0") }
                    return "host offers a \(o.deviceClass) channel\(flags.isEmpty ? "" : " (" + flags.joined(separator: ", ") + ")")"
                })
        case .vmbusOpen:
            return .init(
                k, "vmbusOpen", [.handle("channel", .channel)], weight: 6, make: { .vmbusOpen(channel: $0.int(0)) },
                read: { guard case .vmbusOpen(let ch) = $0 else { return nil }; return Fields(ch) },
                render: { "vmbus_open(channel \($0[0]))" })
        case .vmbusSend:
            return .init(
                k, "vmbusSend", [.handle("channel", .channel), .handle("buffer", .buffer), .offset(), .size(), .direction()],
                weight: 12,
                make: { .vmbusSend(channel: $0.int(0), buffer: $0.int(1), offset: $0.u32(2), size: $0.u32(3), direction: $0.direction(4)) },
                read: { guard case let .vmbusSend(ch, b, o, s, dir) = $0 else { return nil }; return Fields(ch, b, o, s, dir) },
                render: { "vmbus_sendpacket_mpb_desc(channel \($0[0]), buffer \($0[1]) +\($0[2]), \($0[3]), \($0.direction(4)))" })
        case .vmbusClose:
            return .init(
                k, "vmbusClose", [.handle("channel", .channel)], weight: 3, make: { .vmbusClose(channel: $0.int(0)) },
                read: { guard case .vmbusClose(let ch) = $0 else { return nil }; return Fields(ch) },
                render: { "vmbus_close(channel \($0[0]))" })
        case .vmbusHostCompletion:
            return .init(
                k, "vmbusHostCompletion",
                [
                    .handle("channel", .channel), Field("requestId", .id(first: 1), .u16), .size("length"),
                    Field("rewrittenLength", .rewrite(of: 2), .race),
                ], host: true,
                weight: 10,
                make: { .vmbusHostCompletion(channel: $0.int(0), requestId: $0.u32(1), length: $0.u32(2), rewrittenLength: $0.u32(3)) },
                read: { guard case let .vmbusHostCompletion(ch, id, l, r) = $0 else { return nil }; return Fields(ch, id, l, r) },
                render: {
                    "host completes request \($0[1]) on channel \($0[0]), packet length \($0[2])"
                        + ($0[3] != $0[2] ? ", rewritten to \($0[3]) while read" : "")
                })
        case .netvscHostReceive:
            return .init(
                k, "netvscHostReceive",
                [.handle("channel", .channel), .offset(), .size("length"), Field("rewrittenLength", .rewrite(of: 2), .race)],
                host: true,
                weight: 6,
                make: { .netvscHostReceive(channel: $0.int(0), offset: $0.u32(1), length: $0.u32(2), rewrittenLength: $0.u32(3)) },
                read: { guard case let .netvscHostReceive(ch, o, l, r) = $0 else { return nil }; return Fields(ch, o, l, r) },
                render: {
                    "host sends netvsc data on channel \($0[0]) at receive-buffer offset \($0[1]), length \($0[2])"
                        + ($0[3] != $0[2] ? ", rewritten to \($0[3]) while read" : "")
                })
        case .vmbusRescind:
            return .init(
                k, "vmbusRescind", [.handle("channel", .channel)], host: true, weight: 2, make: { .vmbusRescind(channel: $0.int(0)) },
                read: { guard case .vmbusRescind(let ch) = $0 else { return nil }; return Fields(ch) },
                render: { "host rescinds channel \($0[0])" })
        case .hostFailNextGpadl:
            return .init(
                k, "hostFailNextGpadl", [], host: true, weight: 2, make: { _ in .hostFailNextGpadl },
                read: { $0 == .hostFailNextGpadl ? Fields() : nil },
                render: { _ in "host refuses the next GPADL message" })
        case .virtioProbe:
            return .init(
                k, "virtioProbe",
                [
                    Field("transport", .choice(["pci", "mmioRestricted"], simplest: 0), .bits(shift: 0, width: 1)),
                    Field("features", .optionSet("VirtioFeatures"), .bits(shift: 1, width: 3)),
                ],
                creates: .virtio, weight: 4,
                make: {
                    .virtioProbe(
                        transport: VirtioTransport(rawValue: UInt8($0[0]))!, features: VirtioFeatures(rawValue: UInt8($0[1])))
                },
                read: { guard case let .virtioProbe(t, f) = $0 else { return nil }; return Fields(t, f) },
                render: {
                    "virtio_dev_probe(\(VirtioTransport(rawValue: UInt8($0[0]))!), device offers "
                        + "\(VirtioFeatures(rawValue: UInt8($0[1]))))"
                })
        case .virtioAddBuffer:
            return .init(
                k, "virtioAddBuffer",
                [.handle("virtio", .virtio), .handle("buffer", .buffer), .offset(), .size(), .flag("deviceWrites", .u8)],
                weight: 13,
                make: {
                    .virtioAddBuffer(virtio: $0.int(0), buffer: $0.int(1), offset: $0.u32(2), size: $0.u32(3), deviceWrites: $0.bool(4))
                },
                read: { guard case let .virtioAddBuffer(v, b, o, s, w) = $0 else { return nil }; return Fields(v, b, o, s, w) },
                render: {
                    "virtqueue_add_\($0.bool(4) ? "inbuf" : "outbuf")(virtio \($0[0]), buffer \($0[1]) +\($0[2]), \($0[3]))"
                })
        case .virtioHostUsed:
            return .init(
                k, "virtioHostUsed", [.handle("virtio", .virtio), Field("id", .id(first: 0), .u8), .size("length")], host: true,
                weight: 12,
                make: { .virtioHostUsed(virtio: $0.int(0), id: $0.u32(1), length: $0.u32(2)) },
                read: { guard case let .virtioHostUsed(v, id, l) = $0 else { return nil }; return Fields(v, id, l) },
                render: { "device marks id \($0[1]) used on virtio \($0[0]) with len \($0[2])" })
        case .virtioReset:
            return .init(
                k, "virtioReset", [.handle("virtio", .virtio)], weight: 2, make: { .virtioReset(virtio: $0.int(0)) },
                read: { guard case .virtioReset(let v) = $0 else { return nil }; return Fields(v) },
                render: { "virtio_reset_device + remove(virtio \($0[0]))" })
        case .virtioHostDescriptor:
            return .init(
                k, "virtioHostDescriptor",
                [.handle("virtio", .virtio), Field("id", .id(first: 0), .u8), .handle("mapping", .mapping), .offset(), .size("length"),
                 .flag("deviceWrites", .u8)], host: true,
                // A targeted move, rarer than the device's ordinary completions.
                weight: 1,
                make: {
                    .virtioHostDescriptor(
                        virtio: $0.int(0), id: $0.u32(1), mapping: $0.int(2), offset: $0.u32(3), length: $0.u32(4), deviceWrites: $0.bool(5))
                },
                read: { guard case let .virtioHostDescriptor(v, id, m, o, l, w) = $0 else { return nil }; return Fields(v, id, m, o, l, w) },
                render: {
                    "device rewrites vring.desc[\($0[1])] of virtio \($0[0]): addr = mapping \($0[2])'s + \($0[3]), len \($0[4])"
                        + "\($0.bool(5) ? ", VRING_DESC_F_WRITE" : "")"
                })
        case .nvmeProbe:
            return .init(
                k, "nvmeProbe", [.flag("tdisp", .u8)], creates: .nvme, weight: 3, make: { .nvmeProbe(tdisp: $0.bool(0)) },
                read: { guard case .nvmeProbe(let t) = $0 else { return nil }; return Fields(t) },
                render: { "nvme_probe(\($0.bool(0) ? "TDISP-accepted" : "untrusted") controller)" })
        case .nvmeSubmit:
            return .init(
                k, "nvmeSubmit", [.handle("nvme", .nvme), .handle("buffer", .buffer), .offset(), .size(), .flag("deviceWrites", .u8)],
                weight: 10,
                make: { .nvmeSubmit(nvme: $0.int(0), buffer: $0.int(1), offset: $0.u32(2), size: $0.u32(3), deviceWrites: $0.bool(4)) },
                read: { guard case let .nvmeSubmit(n, b, o, s, w) = $0 else { return nil }; return Fields(n, b, o, s, w) },
                render: {
                    "nvme_queue_rq(nvme \($0[0]), \($0.bool(4) ? "read into" : "write from") buffer \($0[1]) +\($0[2]), \($0[3]))"
                })
        case .nvmeHostComplete:
            return .init(
                k, "nvmeHostComplete", [.handle("nvme", .nvme), Field("commandId", .id(first: 0), .u8), .size("length")],
                host: true,
                weight: 8,
                make: { .nvmeHostComplete(nvme: $0.int(0), commandId: UInt16(truncatingIfNeeded: $0[1]), length: $0.u32(2)) },
                read: { guard case let .nvmeHostComplete(n, id, l) = $0 else { return nil }; return Fields(n, id, l) },
                render: { "controller completes command \($0[1]) on nvme \($0[0]) (\($0[2]) bytes)" })
        case .nvmeRemove:
            return .init(
                k, "nvmeRemove", [.handle("nvme", .nvme)], weight: 3, make: { .nvmeRemove(nvme: $0.int(0)) },
                read: { guard case .nvmeRemove(let n) = $0 else { return nil }; return Fields(n) },
                render: { "nvme_remove(nvme \($0[0]))" })
        default:
            return nil
        }
    }

    static func offer(_ f: Fields) -> VmbusOffer {
        VmbusOffer(deviceClass: VmbusDeviceClass(rawValue: UInt8(f[0]))!, coRingBuffer: f.bool(1), coExternalMemory: f.bool(2))
    }
}
