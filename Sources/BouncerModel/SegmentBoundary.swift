import BouncerPolicy

/// A device's DMA segment boundary: no single bounce buffer may straddle a multiple of
/// `mask + 1` in the device's DMA address space. swiotlb honours it when it picks slots; the rule
/// is the same in every kernel the project models (v6.12 as the reference), so it is no behaviour,
/// but it is written once in the policy (`swiotlbMaxSlots`, `swiotlbSpanCrossesBoundary`), where
/// SWIOTLB-NO-OVERLAP proves it keeps every allocation inside one window.
public enum SegmentBoundary {
    /// How many slots fit between two boundaries: the policy's `swiotlbMaxSlots`.
    public static func maxSlots(_ mask: UInt64) -> UInt64 { ConcreteDomain().swiotlbMaxSlots(boundaryMask: mask) }

    /// Whether swiotlb can take `mask` at all: `iommu_is_span_boundary()` BUG()s unless
    /// `maxSlots(mask)` is a power of two, so only masks of the form 2^k - 1 (and any mask below a
    /// slot) survive the first search.
    public static func usable(_ mask: UInt64) -> Bool { maxSlots(mask).nonzeroBitCount == 1 }

    /// Would `nslots` slots from slot `index` run past the end of the boundary window the pool's
    /// masked `tbl_dma_addr` lies `tblSlots` slots into? The policy's `swiotlbSpanCrossesBoundary`,
    /// which the slot obligations prove with.
    public static func crossed(index: Int, nslots: Int, tblSlots: UInt64, maxSlots: UInt64) -> Bool {
        ConcreteDomain().swiotlbSpanCrossesBoundary(
            index: UInt64(index), nslots: UInt64(nslots), tblSlots: tblSlots, maxSlots: maxSlots)
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
