import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// Operations as Swift source that builds them with the model's own API.
extension Operation {
    var swiftSource: String {
        switch self {
        case .probeDevice(let c): ".probeDevice(\(c.swiftSource))"
        case let .kmalloc(size, zone): ".kmalloc(size: \(size), zone: .\(zone))"
        case .kfree(let b): ".kfree(buffer: \(b))"
        case let .cpuWrite(b, o, s): ".cpuWrite(buffer: \(b), offset: \(o), size: \(s))"
        case let .mapBuffer(d, b, o, s, dir, skip):
            ".mapBuffer(device: \(d), buffer: \(b), offset: \(o), size: \(s), direction: .\(dir.swiftName), skipCpuSync: \(skip))"
        case let .mapCoherent(c, o, s, dir): ".mapCoherent(coherent: \(c), offset: \(o), size: \(s), direction: .\(dir.swiftName))"
        case let .mapResource(d, s): ".mapResource(device: \(d), size: \(s))"
        case let .unmap(m, skip): ".unmap(mapping: \(m), skipCpuSync: \(skip))"
        case let .syncForCpu(m, o, s): ".syncForCpu(mapping: \(m), offset: \(o), size: \(s))"
        case let .syncForDevice(m, o, s): ".syncForDevice(mapping: \(m), offset: \(o), size: \(s))"
        case let .mapSg(d, list, dir): ".mapSg(device: \(d), buffers: \(list), direction: .\(dir.swiftName))"
        case .unmapSg(let sg): ".unmapSg(scatterlist: \(sg))"
        case let .allocCoherent(d, s, blocking): ".allocCoherent(device: \(d), size: \(s), blocking: \(blocking))"
        case .freeCoherent(let c): ".freeCoherent(coherent: \(c))"
        case let .cpuWriteCoherent(c, o, s): ".cpuWriteCoherent(coherent: \(c), offset: \(o), size: \(s))"
        case .unbind(let d): ".unbind(device: \(d))"
        case .runDeferredWork: ".runDeferredWork"
        case .enterSecureMode: ".enterSecureMode"
        case let .hostWrite(page, o, s): ".hostWrite(page: \(page), offset: \(o), size: \(s))"
        case let .deviceWrite(m, o, s): ".deviceWrite(mapping: \(m), offset: \(o), size: \(s))"
        case .failNextConversion(let k): ".failNextConversion(afterPages: \(k))"
        case let .vmbusOffer(o, legacy):
            ".vmbusOffer(VmbusOffer(deviceClass: .\(o.deviceClass), coRingBuffer: \(o.coRingBuffer), "
                + "coExternalMemory: \(o.coExternalMemory)), legacyHost: \(legacy))"
        case .vmbusOpen(let ch): ".vmbusOpen(channel: \(ch))"
        case let .vmbusSend(ch, b, o, s, dir):
            ".vmbusSend(channel: \(ch), buffer: \(b), offset: \(o), size: \(s), direction: .\(dir.swiftName))"
        case .vmbusClose(let ch): ".vmbusClose(channel: \(ch))"
        case let .vmbusHostCompletion(ch, id, l, r):
            ".vmbusHostCompletion(channel: \(ch), requestId: \(id), length: \(l), rewrittenLength: \(r))"
        case let .netvscHostReceive(ch, o, l, r):
            ".netvscHostReceive(channel: \(ch), offset: \(o), length: \(l), rewrittenLength: \(r))"
        case .vmbusRescind(let ch): ".vmbusRescind(channel: \(ch))"
        case .hostFailNextGpadl: ".hostFailNextGpadl"
        case let .virtioProbe(t, f):
            ".virtioProbe(transport: .\(t == .pci ? "pci" : "mmioRestricted"), features: VirtioFeatures(rawValue: \(f.rawValue)))"
        case let .virtioAddBuffer(v, b, o, s, w):
            ".virtioAddBuffer(virtio: \(v), buffer: \(b), offset: \(o), size: \(s), deviceWrites: \(w))"
        case let .virtioHostUsed(v, id, l): ".virtioHostUsed(virtio: \(v), id: \(id), length: \(l))"
        case .virtioReset(let v): ".virtioReset(virtio: \(v))"
        case .nvmeProbe(let t): ".nvmeProbe(tdisp: \(t))"
        case let .nvmeSubmit(n, b, o, s, w):
            ".nvmeSubmit(nvme: \(n), buffer: \(b), offset: \(o), size: \(s), deviceWrites: \(w))"
        case let .nvmeHostComplete(n, id, l): ".nvmeHostComplete(nvme: \(n), commandId: \(id), length: \(l))"
        case .nvmeRemove(let n): ".nvmeRemove(nvme: \(n))"
        }
    }
}

extension DmaDirection {
    var swiftName: String { ["toDevice", "fromDevice", "bidirectional"][Int(rawValue)] }
}

extension DeviceConfig {
    /// Only the fields that differ from the defaults.
    var swiftSource: String {
        var args: [String] = []
        if trusted { args.append("trusted: true") }
        if dmaMaskBits != 64 { args.append("dmaMaskBits: \(dmaMaskBits)") }
        if busDmaLimit != 0 { args.append("busDmaLimit: 0x\(String(busDmaLimit, radix: 16))") }
        if dmaRangeOffset != 0 { args.append("dmaRangeOffset: 0x\(String(dmaRangeOffset, radix: 16))") }
        if forceBounce { args.append("forceBounce: true") }
        if swiotlbDisabled { args.append("swiotlbDisabled: true") }
        if restrictedPool { args.append("restrictedPool: true") }
        if minAlignMask != 0 { args.append("minAlignMask: 0x\(String(minAlignMask, radix: 16))") }
        if accepted != trusted { args.append("accepted: \(accepted)") }
        return "DeviceConfig(\(args.joined(separator: ", ")))"
    }
}

extension PlatformKind {
    var swiftName: String {
        switch self {
        case .nonConfidential: "nonConfidential"
        case .tdx: "tdx"
        case .sevSnp: "sevSnp"
        case .sevSnpVtom: "sevSnpVtom"
        case .cca: "cca"
        case .pkvm: "pkvm"
        case .s390Pv: "s390Pv"
        case .pseriesSvm: "pseriesSvm"
        }
    }
}

extension InvariantID {
    var swiftName: String {
        switch self {
        case .confPrivate: "confPrivate"
        case .confBounce: "confBounce"
        case .confTrusted: "confTrusted"
        case .confFreelist: "confFreelist"
        case .confStale: "confStale"
        case .confPool: "confPool"
        case .safeHostInput: "safeHostInput"
        case .safeLifecycle: "safeLifecycle"
        case .dataIntegrity: "dataIntegrity"
        }
    }
}
