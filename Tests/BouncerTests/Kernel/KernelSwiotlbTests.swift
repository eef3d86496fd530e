import BouncerKernel
import BouncerModel
import BouncerPolicy
import Testing

extension KernelTests {
    /// The real `kernel/dma/swiotlb.c` and dma-direct's streaming path of the build's kernel tree
    /// (Linux 6.12), measured through the shim.
    @Suite struct Swiotlb {
        static let bytes: [UInt8] = (0 ..< 64).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }

        /// A booted guest with one device and a one-page buffer the CPU filled with `bytes`.
        func guest(_ kind: PlatformKind, _ device: KernelDeviceConfig = KernelDeviceConfig(), pages: Int = 1)
            throws -> (KernelGuest, device: Int, buffer: UInt64)
        {
            let g = try KernelGuest(platform: kind)
            let dev = try g.addDevice(device)
            let buffer = try #require(g.allocBuffer(pages: pages))
            #expect(g.write(phys: buffer, Swiotlb.bytes))
            g.clearEvents()
            return (g, dev, buffer)
        }

        @Test func bootPlacesTheDefaultPoolLowInZoneDma32AndDecryptsItOnAnEncryptedGuest() throws {
            let g = try KernelGuest(platform: .tdx)
            let pool = try #require(g.defaultPool)
            #expect(pool.start == GuestMemory.base(of: Zone.dma32.rawValue))
            #expect(pool.slots == SwiotlbPool.defaultSlots)
            #expect(pool.end == pool.start + UInt64(pool.slots) * 2048)
            #expect(pool.forceBounce)
            #expect(g.pageState(phys: pool.start) == .decrypted)
            #expect(g.pageState(phys: pool.end - 1) == .decrypted)
            // The ZONE_DMA32 atomic pool (one 16-page chunk, decrypted too) follows the swiotlb pool;
            // the next page is private.
            #expect(g.pageState(phys: pool.end + 16 * GuestMemory.pageSize) == .encrypted)
        }

        /// The standard boot: one possible CPU (`swiotlb_adjust_nareas(num_possible_cpus())`) and a
        /// 128-slot pool (`limit_nareas()`), where `raw_smp_processor_id()` is 0, so one area;
        /// `KernelTests.SwiotlbAreas` boots the others.
        @Test(arguments: [PlatformKind.nonConfidential, .tdx])
        func theDefaultPoolIsOneAreaOfAllItsSlots(_ platform: PlatformKind) throws {
            let g = try KernelGuest(platform: platform)
            let areas = try #require(g.defaultPoolAreas)
            #expect(areas.count == 1)
            #expect(areas.slots == SwiotlbPool.defaultSlots)
        }

        @Test func aNormalGuestKeepsThePoolPrivateAndDoesNotForceBouncing() throws {
            let g = try KernelGuest(platform: .nonConfidential)
            let pool = try #require(g.defaultPool)
            #expect(!pool.forceBounce)
            #expect(g.pageState(phys: pool.start) == .encrypted)
        }

        @Test func aToDeviceMapOnAForcedBounceDeviceCopiesTheBytesIntoASlotOfTheDefaultPool() throws {
            let (g, dev, buffer) = try guest(.tdx)
            let pool = try #require(g.defaultPool)
            let dma = try #require(g.mapSingle(device: dev, phys: buffer, size: Swiotlb.bytes.count, .toDevice))
            #expect(dma >= pool.start && dma < pool.end)
            #expect(g.deviceRead(device: dev, dma: dma, count: Swiotlb.bytes.count) == Swiotlb.bytes)
            let events = g.events
            #expect(events.contains(.copy(to: dma, from: buffer, length: Swiotlb.bytes.count)))
            #expect(events.contains(.swiotlbSlot(poolStart: pool.start, slot: Int((dma - pool.start) / 2048), phys: dma)))
            #expect(events.last == .map(device: dev, phys: buffer, dma: dma, size: Swiotlb.bytes.count))
        }

        /// ddbd89deb7d3 / 901c7280ca0d (in 6.12): the slot starts as a copy of the buffer even for
        /// DMA_FROM_DEVICE, so a device that writes less leaves the buffer's own bytes there.
        @Test func aFromDeviceMapFillsTheSlotAndUnmapCopiesTheSlotBack() throws {
            let (g, dev, buffer) = try guest(.tdx)
            let dma = try #require(g.mapSingle(device: dev, phys: buffer, size: Swiotlb.bytes.count, .fromDevice))
            #expect(g.deviceRead(device: dev, dma: dma, count: Swiotlb.bytes.count) == Swiotlb.bytes)
            let written = [UInt8](repeating: 0xA5, count: 16)
            #expect(g.deviceWrite(device: dev, dma: dma, written))
            #expect(g.read(phys: buffer, count: 16) == Array(Swiotlb.bytes[0 ..< 16]))
            g.clearEvents()
            g.unmapSingle(device: dev, dma: dma, size: Swiotlb.bytes.count, .fromDevice)
            #expect(g.read(phys: buffer, count: Swiotlb.bytes.count) == written + Swiotlb.bytes[16...])
            #expect(g.events.contains(.copy(to: buffer, from: dma, length: Swiotlb.bytes.count)))
        }

        @Test func unmapWithSkipCpuSyncDoesNotCopyBack() throws {
            let (g, dev, buffer) = try guest(.tdx)
            let dma = try #require(g.mapSingle(device: dev, phys: buffer, size: Swiotlb.bytes.count, .fromDevice))
            #expect(g.deviceWrite(device: dev, dma: dma, [UInt8](repeating: 0xA5, count: 16)))
            g.unmapSingle(device: dev, dma: dma, size: Swiotlb.bytes.count, .fromDevice, attrs: .skipCpuSync)
            #expect(g.read(phys: buffer, count: Swiotlb.bytes.count) == Swiotlb.bytes)
        }

        /// A decrypted pool's slots are handed out with `phys_to_dma_unencrypted`: no SEV C-bit,
        /// while a device without swiotlb gets the buffer's own, encrypted address.
        @Test func theSlotAddressCarriesTheSharedEncodingAndADirectMapTheCBit() throws {
            let cBit = Platform(.sevSnp).dmaEncryptedMask
            let (g, dev, buffer) = try guest(.sevSnp)
            let pool = try #require(g.defaultPool)
            #expect(g.pageState(phys: pool.start) == .decrypted)
            let bounced = try #require(g.mapSingle(device: dev, phys: buffer, size: 64, .toDevice))
            #expect(bounced & cBit == 0)
            #expect(bounced >= pool.start && bounced < pool.end)

            var noSwiotlb = KernelDeviceConfig()
            noSwiotlb.swiotlbDisabled = true
            let direct = try g.addDevice(noSwiotlb)
            let dma = try #require(g.mapSingle(device: direct, phys: buffer, size: 64, .toDevice))
            #expect(dma == buffer | cBit)
        }

        /// `swiotlb_bounce` clamps a sync longer than what is left of the mapping from the synced
        /// slot on, and WARNs ("Buffer overflow detected").
        @Test func aSyncPastTheEndOfTheMappingIsClampedAndWarns() throws {
            let (g, dev, buffer) = try guest(.tdx, pages: 2)
            let dma = try #require(g.mapSingle(device: dev, phys: buffer, size: 4096, .fromDevice))
            let before = try #require(g.read(phys: buffer, count: 8192))
            let device = [UInt8](repeating: 0x5A, count: 4096)
            #expect(g.deviceWrite(device: dev, dma: dma + 2048, device + device[..<2048]))
            g.clearEvents()
            g.syncSingleForCpu(device: dev, dma: dma + 2048, size: 4096, .fromDevice)
            let after = try #require(g.read(phys: buffer, count: 8192))
            #expect(after[2048 ..< 4096].allSatisfy { $0 == 0x5A })
            #expect(after[4096...] == before[4096...])
            #expect(after[..<2048] == before[..<2048])
            #expect(g.events.contains { if case .warning(let w) = $0 { w.contains("Buffer overflow") } else { false } })
            #expect(g.events.contains(.copy(to: buffer + 2048, from: dma + 2048, length: 2048)))
        }

        @Test func aPartialSyncInsideASlotCopiesOnlyThatRange() throws {
            let (g, dev, buffer) = try guest(.tdx)
            let dma = try #require(g.mapSingle(device: dev, phys: buffer, size: Swiotlb.bytes.count, .fromDevice))
            #expect(g.deviceWrite(device: dev, dma: dma, [UInt8](repeating: 0xEE, count: Swiotlb.bytes.count)))
            g.syncSingleForCpu(device: dev, dma: dma + 8, size: 4, .fromDevice)
            let after = try #require(g.read(phys: buffer, count: Swiotlb.bytes.count))
            #expect(after[8 ..< 12].allSatisfy { $0 == 0xEE })
            #expect(after[..<8] == Swiotlb.bytes[..<8])
            #expect(after[12...] == Swiotlb.bytes[12...])
        }

        /// dma-direct bounces only what the device cannot reach when nothing forces it.
        @Test func aNormalGuestMapsDirectlyAndBouncesOnlyPastTheMask() throws {
            var narrow = KernelDeviceConfig()
            narrow.dmaMask = (1 << 32) - 1
            let (g, dev, buffer) = try guest(.nonConfidential, narrow)
            #expect(buffer >= 1 << 32)
            let pool = try #require(g.defaultPool)
            let bounced = try #require(g.mapSingle(device: dev, phys: buffer, size: 64, .toDevice))
            #expect(bounced >= pool.start && bounced < pool.end)
            let wide = try g.addDevice()
            #expect(g.mapSingle(device: wide, phys: buffer, size: 64, .toDevice) == buffer)
        }

        @Test func slotsAreReleasedOnUnmapAndReusedFromTheAreaIndex() throws {
            let (g, dev, buffer) = try guest(.tdx)
            let pool = try #require(g.defaultPool)
            let first = try #require(g.mapSingle(device: dev, phys: buffer, size: 3000, .toDevice))
            #expect(first == pool.start)
            let second = try #require(g.mapSingle(device: dev, phys: buffer, size: 100, .toDevice))
            // 3000 bytes take two 2 KiB slots; the area index moves past them.
            #expect(second == pool.start + 2 * 2048)
            g.unmapSingle(device: dev, dma: first, size: 3000, .toDevice)
            let third = try #require(g.mapSingle(device: dev, phys: buffer, size: 100, .toDevice))
            #expect(third == pool.start + 3 * 2048)
        }
    }
}

/// Without a kernel tree the build says so instead of failing.
@Suite struct KernelAvailabilityTests {
    @Test func theStatusNamesTheTreeOrWhyThereIsNone() {
        let status = KernelGuest.status
        if KernelGuest.isAvailable {
            #expect(status.contains("Linux 6.12"))
        } else {
            #expect(!status.isEmpty)
            #expect(throws: KernelUnavailable.self) { try KernelGuest(platform: .tdx) }
        }
    }
}

extension KernelTests {
    /// `dma_map_sg_attrs` through dma-direct: each segment bounced on its own.
    @Suite struct Scatterlist {
        @Test func eachSegmentIsBouncedIntoItsOwnSlotsAndUnmapCopiesEachBack() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            let buffer = try #require(g.allocBuffer(pages: 2))
            let pool = try #require(g.defaultPool)
            #expect(g.write(phys: buffer, [1, 2, 3, 4]))
            #expect(g.write(phys: buffer + 4096, [5, 6, 7, 8]))
            let segments = [KernelGuest.Segment(phys: buffer, length: 4), KernelGuest.Segment(phys: buffer + 4096, length: 4)]
            let mapped = try #require(g.mapSg(device: dev, segments, .bidirectional))
            #expect(mapped.map(\.dmaLength) == [4, 4])
            #expect(mapped.allSatisfy { $0.dma >= pool.start && $0.dma < pool.end })
            #expect(mapped[0].dma != mapped[1].dma)
            #expect(g.deviceRead(device: dev, dma: mapped[1].dma, count: 4) == [5, 6, 7, 8])
            #expect(g.deviceWrite(device: dev, dma: mapped[0].dma, [9, 9]))
            g.unmapSg(device: dev, mapped, .bidirectional)
            #expect(g.read(phys: buffer, count: 4) == [9, 9, 3, 4])
            #expect(g.read(phys: buffer + 4096, count: 4) == [5, 6, 7, 8])
        }
    }
}

extension KernelTests {
    /// How dma-direct and swiotlb place and translate a mapping for a device's constraints.
    @Suite struct DeviceConstraints {
        /// `swiotlb_align_offset`: with `min_align_mask` (NVMe's 4 KiB), the slot address keeps
        /// the buffer's offset below the mask; without one the data starts at the slot's start.
        @Test func minAlignMaskKeepsTheOffsetWithinThePage() throws {
            let g = try KernelGuest(platform: .tdx)
            var nvme = KernelDeviceConfig()
            nvme.minAlignMask = 0xFFF
            let dev = try g.addDevice(nvme)
            let buffer = try #require(g.allocBuffer(pages: 1))
            let dma = try #require(g.mapSingle(device: dev, phys: buffer + 0x923, size: 64, .toDevice))
            #expect(dma & 0xFFF == 0x923)
            let plain = try g.addDevice()
            let other = try #require(g.mapSingle(device: plain, phys: buffer + 0x923, size: 64, .toDevice))
            #expect(other & 0x7FF == 0)
        }

        /// `phys_to_dma` through the device's `dma_range_map`, and `dma_to_phys` back on unmap.
        @Test func aRangeMapOffsetsTheDmaAddressAndUnmapFindsTheSlot() throws {
            let g = try KernelGuest(platform: .tdx)
            var bridged = KernelDeviceConfig()
            bridged.range = (cpuStart: 0, dmaStart: 0x80_0000_0000, size: 1 << 36)
            let dev = try g.addDevice(bridged)
            let pool = try #require(g.defaultPool)
            let buffer = try #require(g.allocBuffer(pages: 1))
            #expect(g.write(phys: buffer, [7, 7, 7, 7]))
            let dma = try #require(g.mapSingle(device: dev, phys: buffer, size: 4, .bidirectional))
            #expect(dma >= pool.start + 0x80_0000_0000 && dma < pool.end + 0x80_0000_0000)
            #expect(g.deviceWrite(device: dev, dma: dma, [1, 2]))
            g.unmapSingle(device: dev, dma: dma, size: 4, .bidirectional)
            #expect(g.read(phys: buffer, count: 4) == [1, 2, 7, 7])
        }

        /// A mapping longer than one 128-slot segment (256 KiB) cannot be bounced.
        @Test func aMappingLargerThanASegmentFails() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            let buffer = try #require(g.allocBuffer(pages: 80))
            #expect(g.mapSingle(device: dev, phys: buffer, size: 80 * 4096, .toDevice) == nil)
            #expect(g.mapSingle(device: dev, phys: buffer, size: 64 * 4096, .toDevice) != nil)
        }
    }
}
