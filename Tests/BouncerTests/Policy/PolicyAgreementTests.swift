import BouncerPolicy
import BouncerProver
import BouncerRunner
import SMT
import Testing

/// The one policy definition, run over plain values and over Z3 terms, gives the same answers.
@Suite struct PolicyAgreementTests {
    struct Inputs {
        var platform: Platform
        var behaviours: Behaviours
        var bools: [Bool]
        var words: [UInt64]
    }

    /// Every decision of the policy, for one configuration, in one domain.
    static func decisions<D: PolicyDomain>(_ d: D, _ i: Inputs) -> (bools: [D.Boolean], words: [D.Word]) {
        let b = BehaviourTerms(d, i.behaviours)
        let p = PlatformTerms(d, i.platform)
        let w = i.words.map { d.constant($0) }
        let f = i.bools.map { d.constant($0) }
        let dev = DeviceTerms<D>(
            accepted: f[0], dmaMask: w[0], busDmaLimit: w[1], dmaRangeOffset: w[2], swiotlbDisabled: f[1],
            restrictedPool: f[2], forceBounce: f[3])
        let r = MapRequestTerms<D>(
            ccShared: f[4], skipCpuSync: f[5], mmio: f[6], requireCoherent: f[16], deviceReads: f[7], deviceWrites: f[8])
        let map = d.dmaDirectMapPhys(p, dev, b, r, phys: w[3], size: w[4])
        let bounce = d.swiotlbMap(p, dev, b, r, poolDecrypted: f[9], tlbAddress: w[5], size: w[4])
        let converted = d.swiotlbPoolConverted(p, converted: f[11], b)
        let allocFate = d.dmaDirectAllocFate(decrypt: f[12], conversionFailed: f[13], b)
        let version1 = f[14], accessPlatform = f[15], swiotlbOffered = f[11]
        let swiotlbRegion = d.virtioNegotiatesSwiotlb(offered: swiotlbOffered, b)
        let alloc = d.dmaDirectAlloc(p, dev, b, blocking: f[10])
        let remap = d.dmaDirectAllocRemap(p, b, alloc, coherent: f[13], blocking: f[10])
        let window = d.swiotlbBounceWindow(
            b, minAlignMask: w[6], tlbAddress: w[5], slotOrigAddress: w[7], slotAllocSize: w[8], size: w[9])
        let masks = d.swiotlbSearchMasks(b, allocAlignMask: w[10], minAlignMask: w[6], allocSize: w[4])
        let layout = d.swiotlbMapLayout(orig: w[3], mappingSize: w[4], minAlignMask: w[6], allocAlignMask: w[10])
        return (
            [
                d.forceDmaUnencrypted(p, dev, b), d.swiotlbForceBounce(p, dev, b),
                d.dmaCapable(p, dev, b, address: w[3], size: w[4], ccShared: f[4]),
                map.fail, map.bounce, bounce.sharedEncoding, bounce.capable,
                alloc.fromAtomicPool, alloc.fromRestrictedPool, alloc.decrypt, alloc.wantShared,
                d.swiotlbCopiesOnMap(b, r), d.swiotlbCopiesOnSyncForDevice(b, r), d.swiotlbCopiesOnSyncForCpu(r),
                d.swiotlbCopiesOnUnmap(r), d.dmaAddressIsUnencrypted(p, w[3]), d.dmaAddressIsEncrypted(p, w[3]),
                d.swiotlbSlotSuitable(slotAddress: w[5], orig: w[3], alignMask: masks.alignMask, iotlbAlignMask: masks.iotlbAlignMask),
                d.leakAfterDecryptFailure(b), d.leakAfterReencryptFailure(b), d.unwindAfterMapSgFailure(b),
                d.swiotlbWantsShared(p, dev, b), d.ccSharedAttribute(b, r), d.swiotlbGrowsWhenFull(b),
                d.swiotlbCountsBackward(slot: w[11], list: w[8]),
                d.swiotlbSpanCrossesBoundary(index: w[11], nslots: w[9], tblSlots: w[5], maxSlots: d.swiotlbMaxSlots(boundaryMask: w[10])),
                d.dmaRangeCoversPhys(dev, w[3]), d.dmaRangeCoversDma(dev, w[3]),
                d.poolAccepts(poolDecrypted: f[9], wantShared: f[4], strict: f[10]),
                // Pools.
                converted.decrypted, converted.usable,
                d.swiotlbRestrictedPoolConverted(p, converted: f[11], b).decrypted,
                d.swiotlbRestrictedPoolConverted(p, converted: f[11], b).usable,
                d.swiotlbPoolServes(PoolState(decrypted: f[9], usable: f[12]), wantShared: f[4], b),
                d.swiotlbNewPoolDecrypted(wantShared: f[4], b),
                d.swiotlbRestrictedPoolAttaches(p, converted: f[11], b),
                d.swiotlbRestrictedPoolDecrypts(p, b),
                d.swiotlbMemServes(memUnencrypted: f[9], wantShared: f[4], b),
                d.atomicPoolLeaksAfterDecryptFailure(p, b),
                d.swiotlbSearches(dev, isDeviceRestrictedPool: f[13], isDefaultMemPool: f[14]),
                d.atomicPoolDecrypted(p, b), d.atomicPoolExpandDecrypts(p, poolDecrypted: f[9], empty: f[10], b),
                d.atomicPoolServes(poolDecrypted: f[9], wantShared: f[4], b),
                allocFate.handedOut, allocFate.leaked, d.dmaDirectFreeReencrypts(p, shared: f[12]),
                d.dmaDirectFreeLeaks(reencrypt: f[12], conversionFailed: f[13], b),
                // Transports.
                d.vmbusDeviceAccepted(coExternalMemory: f[15], b),
                d.vmbusOfferValid(coRingBuffer: f[13], coExternalMemory: f[15], confidentialConnection: f[14]),
                d.gpadlDecrypts(p, isRing: f[12], coRingBuffer: f[13], coExternalMemory: f[15]),
                d.gpadlLeaksAfterFailure(b), d.vmbusParsesPrivateCopy(b), swiotlbRegion,
                d.virtioFeaturesOk(p, version1: version1, accessPlatform: accessPlatform, swiotlbRegion: swiotlbRegion, b),
                d.vringUseDmaApi(accessPlatform: accessPlatform, swiotlbRegion: swiotlbRegion),
                d.virtioUsedLengthAccepted(length: w[9], bufferLength: w[4], b),
                d.virtioUnmapDeviceWrites(recorded: f[8], ring: f[7], b),
                d.swiotlbFindPoolFinds(usesIoTlb: f[13], isDefpool: f[14], b),
                d.same(f[9], f[4]), d.lessOrEqual(w[3], w[4]), d.implies(f[9], f[4]), d.notZero(w[8]), d.isZero(w[9]),
                d.swiotlbActive(dev), d.swiotlbAllocRefusesUnaligned(b), d.confidentialAtBoot(p, entersSecureModeLate: f[13], b),
                d.ccMemEncrypt(p, b), d.swiotlbDefaultPoolDecrypts(p, b),
                // Devices.
                d.dmaDirectSupported(p, dev, mask: w[0], lastPage: w[3]),
                // Kernel virtual-mapping aliases.
                remap.remap, remap.aliasDecrypted, remap.decryptPages, remap.fromAtomicPool, d.cpuAliasDecrypted(remap),
                d.dmaFreePagesFindsPool(p, b), d.dmaDirectAllocPagesGetsPoolPage(b),
            ],
            [
                map.dmaAddress, bounce.dmaAddress, window.origAddress, window.size, d.physToDma(p, dev, w[3]),
                d.physToDmaUnencrypted(p, dev, w[3]), d.dmaToPhys(p, dev, w[3]),
                d.dmaRangeLast(dev), d.translatePhysToDma(dev, w[3]), d.translateDmaToPhys(dev, w[3]),
                d.swiotlbAlignOffset(minAlignMask: w[6], alignMask: w[10], address: w[3]),
                masks.alignMask, masks.iotlbAlignMask,
                d.swiotlbSlotAllocSize(allocSize: w[4], offsetLow: w[6], slot: w[11]),
                d.swiotlbSlotOrigAddress(orig: w[3], slot: w[11]),
                d.swiotlbTlbAddress(poolStart: w[5], index: w[11], offset: w[6]),
                d.minNotZero(w[0], w[1]),
                layout.offset, layout.allocSize, layout.padSlots, layout.offsetInSlot, d.swiotlbSlotCount(w[4]), d.swiotlbAllocPage(tlbAddress: w[5]),
                d.swiotlbReleaseCarry(index: w[11], nslots: w[9], listAfter: w[8]), d.swiotlbMaxSlots(boundaryMask: w[6]),
                d.physToDmaDirect(p, dev, w[3], shared: f[4]),
                d.swiotlbTblDmaAddress(p, dev, b, poolStart: w[5], memUnencrypted: f[9]),
                d.virtioUnmapAddress(recorded: w[3], ring: w[5], b), d.virtioUnmapLength(recorded: w[4], ring: w[9], b),
                d.dmaSetMask(p, dev, requested: w[0], lastPage: w[3]),
            ])
    }

    static func randomInputs(_ rng: inout SplitMix64) -> Inputs {
        var behaviours = Behaviours()
        for field in Behaviours.fields {
            _ = field.set(&behaviours, field.choices[Int.random(in: 0 ..< field.choices.count, using: &rng)])
        }
        // Half the words come from a small shared pool, so that equal operands (where `<` and
        // `<=` part ways) and masks meeting addresses are common.
        let pool: [UInt64] = (0 ..< 4).map { _ in [0, 4096, 2047, 0xFFFF_FFFF, UInt64.random(in: 0 ... 8192, using: &rng)][Int.random(in: 0 ..< 5, using: &rng)] }
        func word() -> UInt64 {
            if Bool.random(using: &rng) { return pool[Int.random(in: 0 ..< pool.count, using: &rng)] }
            return switch Int.random(in: 0 ..< 4, using: &rng) {
            case 0: UInt64.random(in: 0 ... 4096, using: &rng)
            case 1: (1 << UInt64.random(in: 0 ... 63, using: &rng)) &- 1
            case 2: UInt64.random(in: 0 ... 0x1_0000_0000, using: &rng)
            default: UInt64.random(in: 0 ... .max, using: &rng)
            }
        }
        return Inputs(
            platform: Platform(PlatformKind.allCases[Int.random(in: 0 ..< PlatformKind.allCases.count, using: &rng)]),
            behaviours: behaviours,
            bools: (0 ..< 17).map { _ in Bool.random(using: &rng) },
            words: (0 ..< 12).map { _ in word() })
    }

    /// Every decision the policy defines is one this test compares: each `public func` of the
    /// policy's `PolicyDomain` extensions is called in `decisions`.
    @Test func everyPolicyFunctionIsCompared() throws {
        let test = String(decoding: readFile("\(packageRoot)/Tests/BouncerTests/Policy/PolicyAgreementTests.swift") ?? [], as: UTF8.self)
        let body = test.split(separator: "static func decisions")[1].split(separator: "static func randomInputs")[0]
        var names: [Substring] = []
        for file in try listDirectory("\(packageRoot)/Sources/BouncerPolicy") where file.hasSuffix(".swift") {
            let source = String(decoding: readFile("\(packageRoot)/Sources/BouncerPolicy/" + file) ?? [], as: UTF8.self)
            for part in source.split(separator: "extension PolicyDomain {").dropFirst() {
                // The extension ends at the first closing brace in the first column.
                for line in part.split(separator: "\n}")[0].split(separator: "\n") where line.contains("public func ") {
                    names.append(line.split(separator: "public func ")[1].prefix { $0 != "(" && $0 != "<" })
                }
            }
        }
        #expect(names.count > 40, "\(names)")
        for name in names { #expect(body.contains("." + name + "("), "\(name) is not compared") }
    }

    @Test func concreteAndZ3AgreeOnRandomConfigurations() {
        var rng = SplitMix64(seed: 2026)
        let z = Context()
        for _ in 0 ..< 1000 {
            let inputs = Self.randomInputs(&rng)
            let concrete = Self.decisions(ConcreteDomain(), inputs)
            let symbolic = Self.decisions(Z3Domain(z), inputs)
            for (k, (c, s)) in zip(concrete.bools, symbolic.bools).enumerated() {
                #expect(z.constantBool(s) == c, "bool decision \(k) for \(inputs)")
            }
            for (k, (c, s)) in zip(concrete.words, symbolic.words).enumerated() {
                #expect(z.constantWord(s) == c, "word decision \(k) for \(inputs)")
            }
        }
        #expect(z.firstError == nil)
    }
}
