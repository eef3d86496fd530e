import BouncerPolicy
import Testing

/// The policy functions, evaluated concretely: address encodings and the dma-direct decisions.
@Suite struct PolicyTests {
    let d = ConcreteDomain()

    func device(trusted: Bool = false, mask: UInt64 = ~0, offset: UInt64 = 0, swiotlbDisabled: Bool = false)
        -> DeviceTerms<ConcreteDomain>
    {
        DeviceTerms(
            accepted: trusted, dmaMask: mask, busDmaLimit: 0, dmaRangeOffset: offset, swiotlbDisabled: swiotlbDisabled,
            restrictedPool: false, forceBounce: false)
    }

    /// Except on a mainline pKVM guest, whose arm64 answer is `is_realm_world()`.
    @Test func forceDmaUnencryptedHoldsForEveryDeviceOfAConfidentialGuestButATrustedOne() {
        let b = BehaviourTerms(d, Behaviours())
        for kind in PlatformKind.allCases {
            let p = PlatformTerms(d, Platform(kind))
            #expect(d.forceDmaUnencrypted(p, device(), b) == (Platform(kind).confidential && kind != .pkvm))
            #expect(d.forceDmaUnencrypted(p, device(trusted: true), b) == false)
        }
    }

    @Test func aTrustedDeviceIsStillForcedWhereTheKernelDoesNotKnowTrustedDevices() {
        var old = Behaviours()
        old.trustedDevices = .bounced
        #expect(d.forceDmaUnencrypted(PlatformTerms(d, Platform(.tdx)), device(trusted: true), BehaviourTerms(d, old)))
    }

    @Test func physToDmaSetsTheSevCBitAndPhysToDmaUnencryptedTheCcaSharedBit() {
        let sev = PlatformTerms(d, Platform(.sevSnp))
        #expect(d.physToDma(sev, device(), 0x1000) == 0x1000 | 1 << 51)
        #expect(d.physToDmaUnencrypted(sev, device(), 0x1000) == 0x1000)
        let cca = PlatformTerms(d, Platform(.cca))
        #expect(d.physToDma(cca, device(), 0x1000) == 0x1000)
        #expect(d.physToDmaUnencrypted(cca, device(), 0x1000) == 0x1000 | 1 << 47)
    }

    @Test func tdxAndVtomKeepTheSharedBitOutOfDmaAddresses() {
        for kind in [PlatformKind.tdx, .sevSnpVtom] {
            let p = PlatformTerms(d, Platform(kind))
            #expect(d.physToDma(p, device(), 0x4000_0000) == 0x4000_0000)
            #expect(d.physToDmaUnencrypted(p, device(), 0x4000_0000) == 0x4000_0000)
        }
        #expect(Platform(.tdx).pageTableMask == 1 << 47)
        #expect(Platform(.sevSnpVtom).pageTableMask == 1 << 46)
    }

    @Test func dmaToPhysUndoesBothEncodingsAndTheRangeOffset() {
        for kind in PlatformKind.allCases {
            let p = PlatformTerms(d, Platform(kind))
            let dev = device(offset: 0x1000_0000)
            for phys: UInt64 in [0x10_0000, 0x4000_1234, 0x1_0000_8000] {
                #expect(d.dmaToPhys(p, dev, d.physToDma(p, dev, phys)) == phys)
                #expect(d.dmaToPhys(p, dev, d.physToDmaUnencrypted(p, dev, phys)) == phys)
            }
        }
    }

    @Test func dmaCapableRefusesAnEncryptedAddressForADeviceThatNeedsSharedMemory() {
        let p = PlatformTerms(d, Platform(.tdx))
        let upstream = BehaviourTerms(d, Behaviours())
        #expect(!d.dmaCapable(p, device(), upstream, address: 0x1000, size: 64, ccShared: false))
        #expect(d.dmaCapable(p, device(), upstream, address: 0x1000, size: 64, ccShared: true))
        #expect(d.dmaCapable(p, device(trusted: true), upstream, address: 0x1000, size: 64, ccShared: false))
        var old = Behaviours()
        old.ccBounce = .swiotlbForce
        #expect(d.dmaCapable(p, device(), BehaviourTerms(d, old), address: 0x1000, size: 64, ccShared: false))
    }

    @Test func dmaCapableChecksTheLastByteAgainstTheMask() {
        let p = PlatformTerms(d, Platform(.nonConfidential))
        let b = BehaviourTerms(d, Behaviours())
        #expect(d.dmaCapable(p, device(mask: 0xFFFF_FFFF), b, address: 0xFFFF_F000, size: 0x1000, ccShared: false))
        #expect(!d.dmaCapable(p, device(mask: 0xFFFF_FFFF), b, address: 0xFFFF_F000, size: 0x1001, ccShared: false))
        #expect(!d.dmaCapable(p, device(), b, address: dmaMappingError, size: 1, ccShared: false))
    }

    @Test func aStrictPoolServesOnlyRequestsOfItsOwnState() {
        #expect(d.poolAccepts(poolDecrypted: true, wantShared: true, strict: true))
        #expect(!d.poolAccepts(poolDecrypted: false, wantShared: true, strict: true))
        #expect(!d.poolAccepts(poolDecrypted: true, wantShared: false, strict: true))
        #expect(d.poolAccepts(poolDecrypted: false, wantShared: true, strict: false))
    }

    @Test func swiotlbAlignOffsetKeepsTheMinAlignBitsWithinASlot() {
        #expect(d.swiotlbAlignOffset(minAlignMask: 0xFFF, alignMask: 0, address: 0x1_0000_0ABC) == 0x2BC)
        #expect(d.swiotlbAlignOffset(minAlignMask: 0xFFF, alignMask: 0xFFF, address: 0x1_0000_0ABC) == 0xABC)
        #expect(d.swiotlbAlignOffset(minAlignMask: 0, alignMask: 0, address: 0x1_0000_0ABC) == 0)
    }

    @Test func aPartialSyncInALaterSlotWrapsAllocSizeAt32BitsAndStaysInsideTheMapping() {
        // A 954-byte mapping at 0x...ef8 with min_align_mask 0xfff spans two slots; a sync that
        // starts 609 bytes in lands in the second slot (swiotlb_bounce's negative tlb_offset).
        let b = BehaviourTerms(d, Behaviours())
        let orig: UInt64 = 0x4006_AEF8
        let slotStart: UInt64 = 0x4000_5000
        let secondSlotAllocSize = UInt64(UInt32(truncatingIfNeeded: 2738 - (1784 + 2048)))
        let w = d.swiotlbBounceWindow(
            b, minAlignMask: 0xFFF, tlbAddress: slotStart + 0x6F8 + 609, slotOrigAddress: orig + 2048,
            slotAllocSize: secondSlotAllocSize, size: 916)
        #expect(w.origAddress == orig + 609)
        #expect(w.origAddress + w.size == orig + 954)
    }

    @Test func aSwiotlbPoolWhoseConversionFailedIsRetiredUnderStrictSelectionAndTakenAsDecryptedBefore() {
        let tdx = PlatformTerms(d, Platform(.tdx))
        let strict = BehaviourTerms(d, Behaviours())
        let failed = d.swiotlbPoolConverted(tdx, converted: false, strict)
        // The mem keeps `unencrypted = cc_platform_has()`; the pool is marked used instead.
        #expect(failed.decrypted && !failed.usable)
        #expect(!d.swiotlbPoolServes(failed, wantShared: false, strict))
        #expect(!d.swiotlbPoolServes(failed, wantShared: true, strict))
        #expect(d.swiotlbMemServes(memUnencrypted: failed.decrypted, wantShared: true, strict))
        var old = Behaviours()
        old.swiotlbPoolSelection = .assumeDecrypted
        let assumed = d.swiotlbPoolConverted(tdx, converted: false, BehaviourTerms(d, old))
        #expect(assumed.decrypted && d.swiotlbPoolServes(assumed, wantShared: true, BehaviourTerms(d, old)))
        // A normal guest has nothing to convert: its restricted pool is encrypted and usable.
        let normal = d.swiotlbRestrictedPoolConverted(PlatformTerms(d, Platform(.nonConfidential)), converted: true, strict)
        #expect(!normal.decrypted && normal.usable)
    }

    @Test func aNewSwiotlbPoolIsDecryptedOnlyForSharedRequestsUnderStrictSelection() {
        #expect(d.swiotlbNewPoolDecrypted(wantShared: true, BehaviourTerms(d, Behaviours())))
        #expect(!d.swiotlbNewPoolDecrypted(wantShared: false, BehaviourTerms(d, Behaviours())))
        var old = Behaviours()
        old.swiotlbPoolSelection = .assumeDecrypted
        #expect(d.swiotlbNewPoolDecrypted(wantShared: false, BehaviourTerms(d, old)))
    }

    @Test func aDeviceWithARestrictedPoolSearchesItAlone() {
        let restricted = DeviceTerms<ConcreteDomain>(
            accepted: false, dmaMask: ~0, busDmaLimit: 0, dmaRangeOffset: 0, swiotlbDisabled: false, restrictedPool: true,
            forceBounce: false)
        #expect(d.swiotlbSearches(restricted, isDeviceRestrictedPool: true, isDefaultMemPool: false))
        #expect(!d.swiotlbSearches(restricted, isDeviceRestrictedPool: false, isDefaultMemPool: true))
        #expect(d.swiotlbSearches(device(), isDeviceRestrictedPool: false, isDefaultMemPool: true))
    }

    @Test func anAtomicPoolTakesItsStateFromThePlatformWhenFirstFilledUnderStrictSelection() {
        let strict = BehaviourTerms(d, Behaviours())
        for kind in PlatformKind.allCases {
            let p = PlatformTerms(d, Platform(kind))
            #expect(d.atomicPoolDecrypted(p, strict) == (Platform(kind).confidential && kind != .pkvm))
            #expect(d.atomicPoolExpandDecrypts(p, poolDecrypted: false, empty: false, strict) == false)
        }
        var old = Behaviours()
        old.atomicPoolSelection = .assumeDecrypted
        #expect(d.atomicPoolExpandDecrypts(PlatformTerms(d, Platform(.tdx)), poolDecrypted: false, empty: false, BehaviourTerms(d, old)))
    }

    @Test func dmaDirectFreeLeaksOnlyPagesWhoseReencryptionFailed() {
        let b = BehaviourTerms(d, Behaviours())
        #expect(d.dmaDirectFreeReencrypts(PlatformTerms(d, Platform(.tdx)), shared: true))
        #expect(!d.dmaDirectFreeReencrypts(PlatformTerms(d, Platform(.nonConfidential)), shared: true))
        #expect(d.dmaDirectFreeLeaks(reencrypt: true, conversionFailed: true, b))
        #expect(!d.dmaDirectFreeLeaks(reencrypt: true, conversionFailed: false, b))
        let fate = d.dmaDirectAllocFate(decrypt: true, conversionFailed: true, b)
        #expect(!fate.handedOut && fate.leaked)
    }

    @Test func virtioNegotiatesSwiotlbOnlyInAKernelThatKnowsIt() {
        #expect(!d.virtioNegotiatesSwiotlb(offered: true, BehaviourTerms(d, Behaviours())))
        var seed001 = Behaviours()
        seed001.virtioSwiotlb = .bounceRegion
        #expect(d.virtioNegotiatesSwiotlb(offered: true, BehaviourTerms(d, seed001)))
        #expect(!d.virtioNegotiatesSwiotlb(offered: false, BehaviourTerms(d, seed001)))
    }
}
