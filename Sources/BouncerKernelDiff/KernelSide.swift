import BouncerKernel
import BouncerModel
import BouncerPolicy
import BouncerRunner

/// The real kernel code's objects, kept under the model's handles: what the driver got back from
/// each call, so later calls pass the kernel its own addresses.
struct KernelSide {
    struct Map {
        var device: Int
        var phys: UInt64
        var size: Int
        var direction: DmaDirection
        /// nil: `DMA_MAPPING_ERROR`, or no kernel counterpart.
        var dma: UInt64?
        var live: Bool
        /// Made by an operation with no kernel counterpart (`dma_map_resource`).
        var absent = false
    }

    struct Coherent {
        var device: Int
        var size: Int
        var phys: UInt64
        var dma: UInt64
        var live: Bool
    }

    struct ScatterList {
        var device: Int
        var direction: DmaDirection
        var segments: [KernelGuest.Segment]
        /// The model's mapping handles of the entries, in order.
        var entries: [Int]
        var live: Bool
    }

    let guest: KernelGuest
    /// Kernel device index per model device handle.
    var devices: [Int] = []
    /// Per model mapping handle (`DmaLayer.mappings`).
    var maps: [Map] = []
    /// Per model coherent handle that succeeded on both sides.
    var coherent: [Coherent?] = []
    var scatterlists: [ScatterList?] = []

    init(guest: KernelGuest) { self.guest = guest }

    /// The device as 6.12 sets it up from the model's configuration; nil when 6.12 cannot say
    /// it (and why).
    static func deviceConfig(_ c: DeviceConfig, confidential: Bool) -> Result<KernelDeviceConfig, OutOfScope> {
        if c.restrictedPool {
            return .failure(OutOfScope(reason: "restricted-dma-pool: CONFIG_DMA_RESTRICTED_POOL is off in Debian's 6.12 config"))
        }
        // 6.12 forces bouncing per io_tlb_mem, which only the global swiotlb=force sets; on an
        // encrypted guest every device is forced anyway, so the flag changes nothing there.
        if c.forceBounce && !confidential {
            return .failure(OutOfScope(reason: "a per-device swiotlb=force: 6.12 forces only globally"))
        }
        var k = KernelDeviceConfig()
        k.dmaMask = c.dmaMask
        k.coherentDmaMask = c.dmaMask
        k.busDmaLimit = c.busDmaLimit
        // The one dma-ranges window, ending where of_dma_configure_id() put the bus limit (the
        // model's `dmaRangeLast`); no limit, or one below the offset: to the top of the space.
        if c.dmaRangeOffset != 0 {
            let last = c.busDmaLimit >= c.dmaRangeOffset ? c.busDmaLimit : UInt64.max
            k.range = (cpuStart: 0, dmaStart: c.dmaRangeOffset, size: last - c.dmaRangeOffset + 1)
        }
        k.minAlignMask = UInt32(truncatingIfNeeded: c.minAlignMask)
        k.swiotlbDisabled = c.swiotlbDisabled
        // `trusted`/`accepted`: 6.12 has no device_cc_accepted(); every device is treated alike.
        return .success(k)
    }
}

/// Why the rest of an input cannot be compared.
public struct OutOfScope: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    /// The known divergence that stopped the comparison, if that is why.
    public var known: String?
    public init(reason: String, known: String? = nil) {
        self.reason = reason
        self.known = known
    }
    public var description: String { reason }
}
