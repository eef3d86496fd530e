import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import SMT

/// One bounced mapping in general: any original address and `min_align_mask`, any slot run the
/// search accepts, any partial sync the driver asks for.
struct SymbolicBounce {
    let orig, minAlignMask, mappingSize, slotStart, syncOffset, syncSize: Term
    let offset, allocSize, tlb, syncAddress, slot: Term
    let window: BounceWindow<Z3Domain>

    init(_ d: Z3Domain, _ solver: Solver, _ b: BehaviourTerms<Z3Domain>) {
        let z = d.z
        orig = z.word("orig_addr")
        minAlignMask = z.word("min_align_mask")
        mappingSize = z.word("mapping_size")
        slotStart = z.word("slot_address")
        syncOffset = z.word("sync.offset")
        syncSize = z.word("sync.size")
        solver.assert(z.unsignedLess(orig, z.word(value: 1 << 40)))
        // orig_addr 0 means "no original buffer" to swiotlb (swiotlb_alloc); no mapping has it.
        solver.assert(z.not(z.equal(orig, z.word(value: 0))))
        solver.assert(isBitMask(z, minAlignMask))
        solver.assert(z.unsignedLess(minAlignMask, z.word(value: 1 << 16)))
        solver.assert(z.unsignedLess(z.word(value: 0), mappingSize))
        solver.assert(z.unsignedLessOrEqual(mappingSize, z.word(value: UInt64(IOTLB.segmentSlots) << IOTLB.shift - 4096)))
        solver.assert(z.unsignedLess(slotStart, z.word(value: 1 << 40)))
        solver.assert(z.unsignedLess(syncOffset, mappingSize))
        solver.assert(z.unsignedLess(z.word(value: 0), syncSize))
        solver.assert(z.unsignedLess(syncSize, z.word(value: 1 << 32)))
        // swiotlb_tbl_map_single() with alloc_align_mask 0, as dma-direct calls it.
        offset = d.swiotlbAlignOffset(minAlignMask: minAlignMask, alignMask: z.word(value: 0), address: orig)
        allocSize = z.add(mappingSize, offset)
        let masks = d.swiotlbSearchMasks(b, allocAlignMask: z.word(value: 0), minAlignMask: minAlignMask, allocSize: allocSize)
        solver.assert(d.swiotlbSlotSuitable(slotAddress: slotStart, orig: orig, alignMask: masks.alignMask, iotlbAlignMask: masks.iotlbAlignMask))
        tlb = d.swiotlbTlbAddress(poolStart: slotStart, index: z.word(value: 0), offset: offset)
        syncAddress = z.add(tlb, syncOffset)
        slot = z.shiftRight(z.subtract(syncAddress, slotStart), z.word(value: IOTLB.shift))
        window = d.swiotlbBounceWindow(
            b, minAlignMask: minAlignMask, tlbAddress: syncAddress,
            slotOrigAddress: d.swiotlbSlotOrigAddress(orig: orig, slot: slot),
            slotAllocSize: d.swiotlbSlotAllocSize(allocSize: allocSize, offsetLow: offset, slot: slot), size: syncSize)
    }

    /// The copy starts at the matching original offset and stays inside the mapping.
    var inside: Term {
        let z = orig.context
        return z.and(
            z.equal(window.origAddress, z.add(orig, syncOffset)),
            z.unsignedLessOrEqual(z.add(syncOffset, window.size), mappingSize))
    }

    func describe(_ m: Model) -> [(String, String)] {
        [("orig_addr", hex(m.word(orig))), ("min_align_mask", hex(m.word(minAlignMask))),
         ("mapping size", "\(m.word(mappingSize))"), ("slot", hex(m.word(slotStart))), ("tlb_addr", hex(m.word(tlb))),
         ("sync", "+\(m.word(syncOffset)), \(m.word(syncSize)) bytes"),
         ("swiotlb_bounce copies", "\(m.word(window.size)) bytes at \(hex(m.word(window.origAddress)))")]
    }
}

/// Checks one bounced mapping in general (`SymbolicBounce`) against the `violation` it is asked
/// for; a counterexample is read by the bounce's description.
func checkBounce(
    _ profile: Profile, _ options: ProofOptions, _ violation: (SymbolicBounce) -> Term, scenario: @escaping (SymbolicBounce, Model) -> Scenario? = { _, _ in nil }
) throws(SMTError) -> Outcome {
    try checkOnce(options) { d, solver in
        let s = SymbolicBounce(d, solver, BehaviourTerms(d, profile.behaviours))
        return (violation(s), s.describe, { m in scenario(s, m) })
    }
}

/// Any device on the platform and any RAM address, for the address-encoding obligations.
func addressQuery(_ d: Z3Domain, _ solver: Solver, _ platform: Platform) -> (SymbolicDevice, PlatformTerms<Z3Domain>, Term) {
    let phys = d.z.word("phys")
    solver.assert(d.z.unsignedLess(phys, d.z.word(value: 1 << 40)))
    let p = PlatformTerms(d, platform)
    return (SymbolicDevice(d, solver, p), p, phys)
}

extension Obligation {
    /// An address-encoding obligation: `holds` for every platform, device and RAM address the
    /// device's dma-ranges region covers (outside it `translate_phys_to_dma()` gives
    /// `DMA_MAPPING_ERROR`, which `dma_capable()` refuses, so ADDR-CAPABLE holds there too); a
    /// counterexample names the device and the address.
    static func coveredAddresses(
        _ id: String, _ statement: String,
        holds: @escaping @Sendable (Z3Domain, Platform, PlatformTerms<Z3Domain>, DeviceTerms<Z3Domain>, _ phys: Term) -> Term
    ) -> Obligation {
        Obligation(id: id, statement: statement, protects: .confBounce) { _, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let (dev, p, phys) = addressQuery(d, solver, platform)
                solver.assert(d.dmaRangeCoversPhys(dev.terms, phys))
                return (d.z.not(holds(d, platform, p, dev.terms, phys)), { m in dev.describe(m) + [("phys", hex(m.word(phys)))] }, { _ in nil })
            }
        }
    }
}

/// Checks an obligation that does not depend on the platform.
func checkOnce(
    _ options: ProofOptions,
    _ build: (Z3Domain, Solver) -> (violation: Term, read: (Model) -> [(String, String)], scenario: (Model) -> Scenario?)
) throws(SMTError) -> Outcome {
    let z = Context()
    let solver = Solver(z, timeoutMilliseconds: options.timeoutMilliseconds)
    let query = build(Z3Domain(z), solver)
    solver.assert(query.violation)
    switch try solver.check() {
    case .unsatisfiable: return .proved
    case .unknown(let reason): return .unknown(reason)
    case .satisfiable(let model): return .refuted(Counterexample(platform: nil, values: query.read(model), scenario: query.scenario(model)))
    }
}

extension Obligation {
    static let arithmetic: [Obligation] = [
        Obligation(
            id: "SWIOTLB-BOUNCE-BOUNDS",
            statement: "Every swiotlb_bounce() of a mapping, partial syncs included, copies inside the mapping, at the matching original offset.",
            protects: .safeHostInput
        ) { profile, options throws(SMTError) in
            try checkBounce(profile, options, { s in s.orig.context.not(s.inside) }) { s, m in
                let size = UInt32(min(m.word(s.syncSize), 60000))
                return replaying(.safeHostInput, profile, [
                    Scenario(platform: .tdx, operations: [
                        .probeDevice(DeviceConfig()), .kmalloc(size: 2048, zone: .normal),
                        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
                        .syncForCpu(mapping: 0, offset: 0, size: max(size, 2000)),
                    ]),
                ])
            }
        },
        Obligation(
            id: "SWIOTLB-ALIGNMENT",
            statement: "A bounce address keeps the min_align_mask bits of the original address.",
            protects: .dataIntegrity
        ) { profile, options throws(SMTError) in
            try checkBounce(profile, options) { s in
                let z = s.orig.context
                return z.not(z.equal(z.bitAnd(s.tlb, s.minAlignMask), z.bitAnd(s.orig, s.minAlignMask)))
            }
        },
        Obligation(
            id: "SWIOTLB-SLOTS-CONTAIN",
            statement: "For any min_align_mask and alloc_align_mask, padding slots plus the in-slot offset account for the kept offset, and the data lies inside the nr_slots() slots allocated.",
            protects: .safeHostInput
        ) { profile, options throws(SMTError) in
            try checkOnce(options) { d, solver in
                let z = d.z
                let orig = z.word("orig_addr"), mappingSize = z.word("mapping_size"), slotStart = z.word("slot_address")
                let minAlign = z.word("min_align_mask"), allocAlign = z.word("alloc_align_mask")
                solver.assert(z.and([
                    z.unsignedLess(z.word(value: 0), orig), z.unsignedLess(orig, z.word(value: 1 << 40)),
                    isBitMask(z, minAlign), z.unsignedLess(minAlign, z.word(value: 1 << 16)),
                    // swiotlb_tbl_map_single() warns and refuses nothing above a page.
                    isBitMask(z, allocAlign), z.unsignedLess(allocAlign, z.word(value: 4096)),
                    z.unsignedLess(z.word(value: 0), mappingSize),
                    z.unsignedLessOrEqual(mappingSize, z.word(value: UInt64(IOTLB.segmentSlots) << IOTLB.shift - 8192)),
                    z.unsignedLess(slotStart, z.word(value: 1 << 40)),
                ]))
                let layout = d.swiotlbMapLayout(orig: orig, mappingSize: mappingSize, minAlignMask: minAlign, allocAlignMask: allocAlign)
                let masks = d.swiotlbSearchMasks(BehaviourTerms(d, profile.behaviours), allocAlignMask: allocAlign, minAlignMask: minAlign, allocSize: layout.allocSize)
                solver.assert(d.swiotlbSlotSuitable(slotAddress: slotStart, orig: orig, alignMask: masks.alignMask, iotlbAlignMask: masks.iotlbAlignMask))
                let tlb = d.swiotlbTlbAddress(poolStart: slotStart, index: layout.padSlots, offset: layout.offsetInSlot)
                let end = z.add(slotStart, d.shiftLeft(d.swiotlbSlotCount(layout.allocSize), IOTLB.shift))
                let ok = z.and([
                    z.equal(z.add(d.shiftLeft(layout.padSlots, IOTLB.shift), layout.offsetInSlot), layout.offset),
                    z.unsignedLessOrEqual(slotStart, tlb), z.unsignedLessOrEqual(z.add(tlb, mappingSize), end),
                    z.equal(z.bitAnd(tlb, minAlign), z.bitAnd(orig, minAlign)),
                ])
                return (z.not(ok), { m in
                    [("orig_addr", hex(m.word(orig))), ("min_align_mask", hex(m.word(minAlign))),
                     ("alloc_align_mask", hex(m.word(allocAlign))), ("mapping size", "\(m.word(mappingSize))"),
                     ("slot", hex(m.word(slotStart))), ("pad_slots", "\(m.word(layout.padSlots))"), ("tlb_addr", hex(m.word(tlb)))]
                }, { _ in nil })
            }
        },
        coveredAddresses(
            "ADDR-ROUNDTRIP",
            "dma_to_phys() undoes phys_to_dma() and phys_to_dma_unencrypted() for every RAM address the device's dma-ranges region covers."
        ) { d, _, p, dev, phys in
            d.and(
                d.equal(d.dmaToPhys(p, dev, d.physToDma(p, dev, phys)), phys),
                d.equal(d.dmaToPhys(p, dev, d.physToDmaUnencrypted(p, dev, phys)), phys))
        },
        coveredAddresses(
            "ADDR-SHARED-ALIAS",
            "Where DMA addresses carry the encryption, the unencrypted encoding always names the shared alias and the encrypted one never does, for every address the device's dma-ranges region covers."
        ) { d, platform, p, dev, phys in
            let encoded = platform.dmaSharedMask | platform.dmaEncryptedMask != 0
            return d.and(
                d.dmaAddressIsUnencrypted(p, d.physToDmaUnencrypted(p, dev, phys)),
                d.z.implies(d.constant(encoded), d.not(d.dmaAddressIsUnencrypted(p, d.physToDma(p, dev, phys)))))
        },
        Obligation(
            id: "ADDR-CAPABLE",
            statement: "dma_capable() never accepts the encrypted encoding for a device that needs unencrypted DMA.",
            protects: .confBounce
        ) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let z = d.z
                let (dev, p, phys) = addressQuery(d, solver, platform)
                let b = BehaviourTerms(d, profile.behaviours)
                let size = z.word("size")
                solver.assert(z.unsignedLess(z.word(value: 0), size))
                let violation = z.and(
                    d.forceDmaUnencrypted(p, dev.terms, b),
                    d.dmaCapable(p, dev.terms, b, address: d.physToDma(p, dev.terms, phys), size: size, ccShared: z.boolean(value: false)))
                return (violation, { m in dev.describe(m) + [("phys", hex(m.word(phys))), ("size", "\(m.word(size))")] }, { m in
                    // dma_direct_map_phys() asks dma_capable() about the encrypted encoding only
                    // when nothing forces a bounce: the witness's device as it is, and the same
                    // device without an io_tlb_mem (`dev->dma_io_tlb_mem == NULL`), each mapping
                    // a buffer it reaches whole.
                    let n = UInt32(max(1, min(m.word(size), 4096)))
                    var direct = dev.config(m)
                    direct.swiotlbDisabled = true
                    direct.forceBounce = false
                    direct.restrictedPool = false
                    return replaying(.confBounce, profile, [dev.config(m), direct].map { config in
                        Scenario(platform: platform.kind, operations: [
                            .probeDevice(config), .kmalloc(size: n, zone: dev.reachableZone(m)), .cpuWrite(buffer: 0, offset: 0, size: n),
                            .mapBuffer(device: 0, buffer: 0, offset: 0, size: n, direction: .toDevice, skipCpuSync: false),
                        ])
                    })
                })
            }
        },
    ]
}
