import BouncerKernel
import BouncerModel
import BouncerOracle
import BouncerPolicy

/// The oracle's invariants judged on the real kernel code's own outcomes: its event record, its
/// page table and a provenance shadow driven by its own copies, never by the model's state or
/// the model's address translation.
///
/// Judged here: CONF-PRIVATE (an undisclosed guest byte on a page the kernel made shared or left
/// unknown), CONF-BOUNCE (an untrusted device handed the encrypted alias, or an address that
/// resolves to a page that is not shared), CONF-TRUSTED (a trusted device handed a page that is
/// not private), CONF-FREELIST (a page the kernel freed that is not private), CONF-POOL (a
/// swiotlb slot served from a page that is not shared on an encrypted guest, where 6.12 wants
/// every bounce shared) and SAFE-HOSTINPUT (a bounce copy outside the mapping or its slots).
/// Not yet judged here: CONF-STALE and DATA-INTEGRITY (they need the oracle's read-back shadow;
/// the differential runner compares the bytes the CPU reads with the model's instead, so they
/// are judged through agreement) and SAFE-LIFECYCLE (the shim keeps no page owners).
struct KernelOracle {
    let platform: Platform
    /// Whose bytes sit where in guest memory, as the kernel's copies and fills moved them.
    var contents = ProvenanceMap(size: UInt32(GuestMemory.pageCount) << 12)

    init(platform: Platform) { self.platform = platform }

    /// The bytes a driver or the host wrote, as the differential runner gave them to the kernel.
    mutating func wrote(phys: UInt64, count: Int, _ tag: Provenance) {
        guard count > 0, let lo = GuestMemory.byteIndex(ofPhys: phys) else { return }
        contents.fill(lo, lo + UInt32(count), tag)
        touch(lo, count)
    }

    /// `phys_to_dma` undone the x86 way: the SEV C-bit (`sme_me_mask`) and the device's one
    /// dma-ranges offset.
    func dmaToPhys(_ dma: UInt64, rangeOffset: UInt64) -> UInt64 {
        (dma & ~platform.dmaEncryptedMask) &- rangeOffset
    }

    /// Judges the step's kernel events against the kernel's page table after the step.
    mutating func check(
        _ events: [KernelEvent], states: [UInt8], held: [UInt8], devices: [DeviceConfig], kernelDevice: [Int],
        step: Int, bounce: (orig: UInt64, slot: UInt64, size: UInt64)?
    ) -> [Violation] {
        var found: [Violation] = []
        let confidential = platform.confidential
        func state(_ phys: UInt64) -> UInt8? { GuestMemory.page(ofPhys: phys).map { states[$0] } }
        func modelDevice(_ k: Int) -> DeviceConfig? { kernelDevice.firstIndex(of: k).map { devices[$0] } }
        // An untrusted device has been given a buffer's bytes when the driver got its address
        // (a map event with an address: the shim records none for any entry of a failed
        // dma_map_sg(), whose list the driver never programs) or when the kernel copied them into
        // a slot for it (the step's copies). A failed map gives nothing else: dma_direct_map_page()
        // refuses an unreachable buffer before touching it, swiotlb_tbl_map_single() copies only
        // once it holds a slot, and dma_direct_map_sg() never reaches the entries after the one
        // that failed. A sync for an untrusted device gives it the bytes swiotlb copies into the slot.
        var handing = false
        for event in events {
            if case let .map(device, phys, dma, size) = event, let config = modelDevice(device), !config.trusted {
                handing = true
                if dma != nil, let lo = GuestMemory.byteIndex(ofPhys: phys) { contents.disclose(lo, lo + UInt32(size)) }
            }
            if case let .syncForDevice(device, _, _, _) = event, let config = modelDevice(device), !config.trusted { handing = true }
        }
        if handing {
            for event in events {
                if case let .copy(_?, from?, length) = event, let lo = GuestMemory.byteIndex(ofPhys: from) {
                    contents.disclose(lo, lo + UInt32(length))
                }
            }
        }
        for event in events {
            switch event {
            case let .copy(to, from, length):
                if let to, let dst = GuestMemory.byteIndex(ofPhys: to) {
                    touch(dst, length)
                    if let from, let src = GuestMemory.byteIndex(ofPhys: from) {
                        contents.copy(from: src, to: dst, count: UInt32(length))
                    } else {
                        contents.fill(dst, dst + UInt32(length), .unconstrained)
                    }
                }
                if let b = bounce, let to, let from {
                    let inOrig = { (p: UInt64) in p >= b.orig && p &+ UInt64(length) <= b.orig + b.size }
                    let inSlot = { (p: UInt64) in p >= b.slot && p &+ UInt64(length) <= b.slot + b.size }
                    if !(inOrig(to) && inSlot(from) || inSlot(to) && inOrig(from)) {
                        found.append(Violation(
                            invariant: .safeHostInput, site: .bounceCopy, step: step, location: "slot \(hex(b.slot))",
                            detail: "the kernel's swiotlb_bounce copied \(length) bytes \(hex(from)) -> \(hex(to)), outside the mapping \(hex(b.orig))+\(b.size)"))
                    }
                }
            case let .fill(phys, _, length):
                wrote(phys: phys, count: length, .zero)
            case let .decrypted(phys, pages, converted, result), let .encrypted(phys, pages, converted, result):
                // x86 conversions other than in place leave the converted pages, and the one the
                // host failed, reading as zeros.
                let touched = result == 0 ? converted : min(converted + 1, pages)
                if !platform.conversionKeepsContents { wrote(phys: phys, count: touched << 12, .zero) }
            case let .map(device, _, dma?, size):
                guard confidential, let config = modelDevice(device) else { break }
                judgeHandout(device, config, dma: dma, size: size, states, step, &found)
            case let .allocCoherent(device, _, dma?, size):
                guard confidential, let config = modelDevice(device) else { break }
                judgeHandout(device, config, dma: dma, size: size, states, step, &found)
            case let .pagesFreed(phys, pages):
                guard confidential else { break }
                for i in 0 ..< pages {
                    let p = phys + UInt64(i) << 12
                    if let page = GuestMemory.page(ofPhys: p), held[page] == 0, states[page] != 0 {
                        found.append(Violation(
                            invariant: .confFreelist, site: .freedPage, step: step, location: "page \(page) (\(hex(p)))",
                            detail: "the kernel freed a \(states[page] == 1 ? "shared" : "unknown") page"))
                        break
                    }
                }
            case let .swiotlbSlot(_, _, phys):
                if confidential, let s = state(phys), s != 1 {
                    found.append(Violation(
                        invariant: .confPool, site: .poolServed, step: step, location: "swiotlb slot \(hex(phys))",
                        detail: "an encrypted guest's bounce served from a \(s == 0 ? "private" : "unknown") page"))
                }
            default:
                break
            }
        }
        if confidential, let v = undisclosedOnVisiblePage(states, step) { found.append(v) }
        touched = [Bool](repeating: false, count: GuestMemory.pageCount)
        previous = states
        return found
    }

    /// Pages whose bytes may have changed since the last check (copies, fills, conversions,
    /// writes), and the page states then: an undisclosed byte reaches a visible page only by a
    /// write to it or by its conversion, so only those pages are looked at.
    var touched = [Bool](repeating: true, count: GuestMemory.pageCount)
    var previous: [UInt8] = []

    mutating func touch(_ lo: UInt32, _ count: Int) {
        guard count > 0 else { return }
        for p in Int(lo >> 12) ... Int((lo + UInt32(count) - 1) >> 12) where p < touched.count { touched[p] = true }
    }

    func judgeHandout(
        _ device: Int, _ config: DeviceConfig, dma: UInt64, size: Int, _ states: [UInt8], _ step: Int, _ found: inout [Violation]
    ) {
        let phys = dmaToPhys(dma, rangeOffset: config.dmaRangeOffset)
        if !config.trusted && dma & platform.dmaEncryptedMask != 0 {
            found.append(Violation(
                invariant: .confBounce, site: .mappingHandout, step: step, location: "device \(device), dma \(hex(dma))",
                detail: "the kernel handed an untrusted device the encrypted alias"))
            return
        }
        var at = phys & ~4095
        while at < phys &+ UInt64(max(size, 1)) {
            if let page = GuestMemory.page(ofPhys: at) {
                let s = states[page]
                if config.trusted ? s != 0 : s != 1 {
                    found.append(Violation(
                        invariant: config.trusted ? .confTrusted : .confBounce, site: .mappingHandout, step: step,
                        location: "device \(device), dma \(hex(dma)), page \(page)",
                        detail: "the kernel handed a\(config.trusted ? " trusted" : "n untrusted") device a \(["private", "shared", "unknown"][Int(min(s, 2))]) page"))
                    return
                }
            }
            at += 4096
        }
    }

    func undisclosedOnVisiblePage(_ states: [UInt8], _ step: Int) -> Violation? {
        for page in 0 ..< GuestMemory.pageCount
        where states[page] != 0 && (touched[page] || previous.count != states.count || previous[page] != states[page]) {
            let lo = UInt32(page) << 12
            if let (at, tag) = contents.firstUndisclosedGuest(lo, lo + 4096) {
                return Violation(
                    invariant: .confPrivate, site: .privateBytes, step: step, location: "page \(page) (\(hex(GuestMemory.phys(ofPage: page))))",
                    detail: "the kernel left \(tag) at \(hex(GuestMemory.phys(ofByteIndex: at))) on a \(states[page] == 1 ? "shared" : "unknown") page",
                    page: page)
            }
        }
        return nil
    }
}
