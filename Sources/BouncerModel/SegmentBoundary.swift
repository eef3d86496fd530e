import BouncerPolicy

/// A device's DMA segment boundary: no single bounce buffer may straddle a multiple of
/// `mask + 1` in the device's DMA address space. swiotlb honours it when it picks slots; the rule
/// is the same in every kernel the project models (v6.12 as the reference), so it is model code,
/// not a behaviour.
public enum SegmentBoundary {
    /// `get_max_slots()` (v6.12 kernel/dma/swiotlb.c): how many slots fit between two boundaries.
    /// With `ULONG_MAX` this is 2^53, more than any pool holds.
    public static func maxSlots(_ mask: UInt64) -> UInt64 { (mask >> IOTLB.shift) &+ 1 }

    /// Whether swiotlb can take `mask` at all: `iommu_is_span_boundary()` BUG()s unless
    /// `maxSlots(mask)` is a power of two, so only masks of the form 2^k - 1 (and any mask below a
    /// slot) survive the first search.
    public static func usable(_ mask: UInt64) -> Bool { maxSlots(mask).nonzeroBitCount == 1 }

    /// `iommu_is_span_boundary()` (v6.12 include/linux/iommu-helper.h), as
    /// `swiotlb_search_pool_area()` calls it: would `nslots` slots from slot `index` of a pool
    /// whose masked `tbl_dma_addr` is `tblSlots` slots into its boundary window run past the
    /// window's end? Unsigned long arithmetic, as the kernel's.
    public static func crossed(index: Int, nslots: Int, tblSlots: UInt64, maxSlots: UInt64) -> Bool {
        let into = (tblSlots &+ UInt64(index)) & (maxSlots &- 1)
        return into &+ UInt64(nslots) > maxSlots
    }
}

extension DmaLayer {
    /// `dma_set_seg_boundary()` (v6.12 include/linux/dma-mapping.h): the driver stores the mask in
    /// `dev->dma_parms`, which every device of the model has; 0 puts the default back. A mask
    /// swiotlb would BUG() on is refused (false): no kernel survives the next bounce with it, and
    /// the byte format cannot say one.
    public mutating func dmaSetSegBoundary(device: Int, mask: UInt64) -> Bool {
        guard device >= 0, device < devices.count, SegmentBoundary.usable(mask) else { return false }
        devices[device].segmentBoundaryMask = mask
        return true
    }
}
